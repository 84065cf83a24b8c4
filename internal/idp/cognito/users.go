package cognito

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/gatehouse/gatehouse/internal/store"
)

var (
	emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
	phoneRe = regexp.MustCompile(`^\+[0-9]{4,15}$`)
)

func userNotFound() error { return apiErr(excUserNotFound, msgUserNotExist) }

// resolveUser finds a user by username, or by email/phone in
// UsernameAttributes pools, or by a verified alias in alias pools.
func (s *Server) resolveUser(ctx context.Context, p store.UserPool, username string) (store.User, error) {
	if username == "" {
		return store.User{}, missing("username")
	}
	u, err := s.st.GetUser(ctx, p.ID, username)
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return u, fmt.Errorf("get user: %w", err)
	}
	for _, name := range append(slices.Clone(p.Settings.UsernameAttributes), p.Settings.AliasAttributes...) {
		u, err := s.st.GetUserByAlias(ctx, p.ID, name, username)
		if err == nil {
			return u, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return u, fmt.Errorf("get user by alias: %w", err)
		}
	}
	return store.User{}, store.ErrNotFound
}

// userOrNotFound resolves a user for admin operations.
func (s *Server) userOrNotFound(ctx context.Context, p store.UserPool, username string) (store.User, error) {
	u, err := s.resolveUser(ctx, p, username)
	if errors.Is(err, store.ErrNotFound) {
		return u, userNotFound()
	}
	return u, err
}

type attrIn struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// checkAttributes validates attribute names/values against the schema.
// admin allows the *_verified attributes.
func checkAttributes(p store.UserPool, attrs []attrIn, admin bool) error {
	if len(attrs) > 100 {
		return apiErr(excInvalidParameter, "Too many attributes")
	}
	for _, a := range attrs {
		if a.Name == "" {
			return missing("userAttributes.member.name")
		}
		if a.Name == "sub" {
			return apiErr(excInvalidParameter, "Cannot modify an immutable attribute: sub")
		}
		idx := slices.IndexFunc(p.Settings.Schema, func(x store.SchemaAttribute) bool { return x.Name == a.Name })
		if idx < 0 {
			return apiErr(excInvalidParameter, "Attribute does not exist in the schema.")
		}
		if !admin && (a.Name == "email_verified" || a.Name == "phone_number_verified") {
			return apiErr(excNotAuthorized, "A client attempted to write unauthorized attribute")
		}
		if len(a.Value) > 2048 {
			return apiErr(excInvalidParameter, "Invalid attribute value for %s", a.Name)
		}
		switch a.Name {
		case "email":
			if a.Value != "" && !emailRe.MatchString(a.Value) {
				return apiErr(excInvalidParameter, "Invalid email address format.")
			}
		case "phone_number":
			if a.Value != "" && !phoneRe.MatchString(a.Value) {
				return apiErr(excInvalidParameter, "Invalid phone number format.")
			}
		}
	}
	return nil
}

func missingRequired(p store.UserPool, attrs store.Attributes) string {
	for _, sa := range p.Settings.Schema {
		if sa.Required && sa.Name != "sub" {
			if v, ok := attrs.Get(sa.Name); !ok || v == "" {
				return sa.Name
			}
		}
	}
	return ""
}

// applyAttributes sets attrs on u; empty values delete. Changing email or
// phone_number resets its *_verified flag unless the request sets it.
func applyAttributes(u *store.User, attrs []attrIn) {
	set := map[string]bool{}
	for _, a := range attrs {
		set[a.Name] = true
	}
	for _, a := range attrs {
		old, had := u.Attributes.Get(a.Name)
		if a.Value == "" {
			u.Attributes = u.Attributes.Delete(a.Name)
		} else {
			u.Attributes = u.Attributes.Set(a.Name, a.Value)
		}
		if (a.Name == "email" || a.Name == "phone_number") && (!had || old != a.Value) && !set[a.Name+"_verified"] {
			if _, ok := u.Attributes.Get(a.Name + "_verified"); ok || had {
				u.Attributes = u.Attributes.Set(a.Name+"_verified", "false")
			}
		}
	}
}

// validUsername: 1..128 chars, no whitespace.
func validUsername(n string) error {
	if n == "" {
		return missing("username")
	}
	if len(n) > 128 || strings.IndexFunc(n, unicode.IsSpace) >= 0 {
		return apiErr(excInvalidParameter, "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+")
	}
	return nil
}

// newUser builds a user from a sign-in name: in UsernameAttributes pools
// the name must be an email or phone number, is stored in that attribute
// and the internal username is the sub. The schema's required attributes
// must be present; the user gets status and password.
func (s *Server) newUser(p store.UserPool, name string, attrs []attrIn, status, password string) (store.User, error) {
	if err := validUsername(name); err != nil {
		return store.User{}, err
	}
	sub := s.newUUID()
	u := store.User{PoolID: p.ID, Username: name, Sub: sub, Enabled: true}
	if ua := p.Settings.UsernameAttributes; len(ua) > 0 {
		switch {
		case slices.Contains(ua, "email") && emailRe.MatchString(name):
			attrs = append(attrs, attrIn{"email", name})
		case slices.Contains(ua, "phone_number") && phoneRe.MatchString(name):
			attrs = append(attrs, attrIn{"phone_number", name})
		default:
			return u, apiErr(excInvalidParameter, "Username should be either an email or a phone number.")
		}
		u.Username = sub
	} else if len(p.Settings.AliasAttributes) > 0 {
		if slices.Contains(p.Settings.AliasAttributes, "email") && emailRe.MatchString(name) ||
			slices.Contains(p.Settings.AliasAttributes, "phone_number") && phoneRe.MatchString(name) {
			return u, apiErr(excInvalidParameter, "Username cannot be of email or phone number format, since alias is configured.")
		}
	}
	applyAttributes(&u, attrs)
	if missingAttr := missingRequired(p, u.Attributes); missingAttr != "" {
		return u, apiErr(excInvalidParameter, "Invalid attributes given, %s is missing", missingAttr)
	}
	u.Status = status
	return u, s.setPassword(p.ID, &u, password)
}

// preSignUpExtra is the PreSignUp trigger's request-specific input.
func preSignUpExtra(validation []attrIn, meta map[string]string) map[string]any {
	extra := map[string]any{"validationData": attrMap(validation)}
	if meta != nil {
		extra["clientMetadata"] = meta
	}
	return extra
}

// saveNewUser stores u, mapping conflicts to UsernameExistsException.
func (s *Server) saveNewUser(ctx context.Context, p store.UserPool, u store.User, msg string) error {
	if _, err := s.resolveUser(ctx, p, u.Username); err == nil {
		return apiErr(excUsernameExists, "%s", msg)
	}
	for _, name := range p.Settings.UsernameAttributes {
		if v, ok := u.Attributes.Get(name); ok {
			if _, err := s.st.GetUserByAlias(ctx, p.ID, name, v); err == nil {
				return apiErr(excUsernameExists, "%s", msg)
			}
		}
	}
	now := s.cfg.Now()
	u.CreatedAt, u.UpdatedAt = now, now
	u.Aliases = store.DeriveAliases(p.Settings, u)
	if err := s.st.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return apiErr(excUsernameExists, "%s", msg)
		}
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// updateUser runs fn on the stored user and refreshes aliases.
func (s *Server) updateUser(ctx context.Context, p store.UserPool, username string, fn func(*store.User) error) (store.User, error) {
	var out store.User
	err := s.st.UpdateUser(ctx, p.ID, username, func(u store.User) (store.User, error) {
		if err := fn(&u); err != nil {
			return u, err
		}
		u.UpdatedAt = s.cfg.Now()
		u.Aliases = store.DeriveAliases(p.Settings, u)
		out = u
		return u, nil
	})
	if errors.Is(err, store.ErrConflict) {
		return out, apiErr(excAliasExists, "An account with the email already exists.")
	}
	if errors.Is(err, store.ErrNotFound) {
		return out, userNotFound()
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return out, ae
	}
	if err != nil {
		return out, fmt.Errorf("update user: %w", err)
	}
	return out, nil
}

// secretHash verifies SECRET_HASH = Base64(HMAC-SHA256(secret, username+clientId)).
func secretHashOK(c store.Client, username, got string) bool {
	want := secretHashFor(c.Secret, username, c.ClientID)
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

func checkSecretHash(c store.Client, usernames []string, got string) error {
	if c.Secret == "" {
		return nil
	}
	if got == "" {
		return apiErr(excNotAuthorized, "Client %s is configured with secret but SECRET_HASH was not received", c.ClientID)
	}
	for _, u := range usernames {
		if u != "" && secretHashOK(c, u, got) {
			return nil
		}
	}
	return apiErr(excNotAuthorized, "Unable to verify secret hash for client %s", c.ClientID)
}

// ---- messages and codes ----------------------------------------------

type codeDeliveryDetails struct {
	Destination    string `json:"Destination"`
	DeliveryMedium string `json:"DeliveryMedium"`
	AttributeName  string `json:"AttributeName"`
}

func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || domain == "" {
		return "***"
	}
	return local[:1] + "***@" + domain[:1] + "***"
}

func maskPhone(p string) string {
	if len(p) <= 4 {
		return "+****"
	}
	return "+" + strings.Repeat("*", len(p)-5) + p[len(p)-4:]
}

// deliveryTarget picks the verified (or, for sign-up, supplied)
// contact attribute: phone wins over email.
func deliveryTarget(u store.User, requireVerified bool, allowed []string) (codeDeliveryDetails, bool) {
	for _, name := range []string{"phone_number", "email"} {
		if allowed != nil && !slices.Contains(allowed, name) {
			continue
		}
		v, ok := u.Attributes.Get(name)
		if !ok || v == "" {
			continue
		}
		if requireVerified {
			if ver, _ := u.Attributes.Get(name + "_verified"); ver != "true" {
				continue
			}
		}
		if name == "email" {
			return codeDeliveryDetails{maskEmail(v), "EMAIL", "email"}, true
		}
		return codeDeliveryDetails{maskPhone(v), "SMS", "phone_number"}, true
	}
	return codeDeliveryDetails{}, false
}

// issueCode creates a code for purpose on u (in the update closure) and
// returns it; the caller delivers it after the write succeeded.
func (s *Server) issueCode(u *store.User, purpose, attribute string, validity time.Duration) (string, error) {
	code, err := s.newCode()
	if err != nil {
		return "", err
	}
	now := s.cfg.Now()
	c := store.Code{Purpose: purpose, Attribute: attribute, Hash: codeHash(u.Sub, purpose, code), CreatedAt: now, ExpiresAt: now.Add(validity)}
	if i := u.FindCode(purpose, attribute); i >= 0 {
		u.Codes[i] = c
	} else {
		u.Codes = append(u.Codes, c)
	}
	return code, nil
}

// updateWithCode runs fn (when not nil) on the stored user and issues a
// code for purpose and attribute in the same update; it returns the
// updated user and the code, which the caller delivers.
func (s *Server) updateWithCode(ctx context.Context, p store.UserPool, username, purpose, attribute string, validity time.Duration, fn func(*store.User) error) (store.User, string, error) {
	var code string
	u, err := s.updateUser(ctx, p, username, func(u *store.User) error {
		if fn != nil {
			if err := fn(u); err != nil {
				return err
			}
		}
		var err error
		code, err = s.issueCode(u, purpose, attribute, validity)
		return err
	})
	return u, code, err
}

const maxCodeAttempts = 5

// consumeCode checks and removes a code (single use). The returned error
// is an APIError; attempts are recorded on u either way.
func (s *Server) consumeCode(u *store.User, purpose, attribute, code string) error {
	i := u.FindCode(purpose, attribute)
	if i < 0 {
		return apiErr(excExpiredCode, msgExpiredCode)
	}
	c := &u.Codes[i]
	if !s.cfg.Now().Before(c.ExpiresAt) {
		u.Codes = slices.Delete(u.Codes, i, i+1)
		return apiErr(excExpiredCode, msgExpiredCode)
	}
	if c.Attempts >= maxCodeAttempts {
		return apiErr(excLimitExceeded, msgLimitExceeded)
	}
	if subtle.ConstantTimeCompare(c.Hash, codeHash(u.Sub, purpose, code)) != 1 {
		c.Attempts++
		return apiErr(excCodeMismatch, msgCodeMismatch)
	}
	u.Codes = slices.Delete(u.Codes, i, i+1)
	return nil
}

// redeemCode runs check (when not nil) on the stored user, consumes code
// for purpose and attribute and, when it matches, runs apply, all in one
// update. A wrong code's attempt is stored too; its error is returned
// once the update succeeded.
func (s *Server) redeemCode(ctx context.Context, p store.UserPool, username, purpose, attribute, code string, check, apply func(*store.User) error) (store.User, error) {
	var codeErr error
	u, err := s.updateUser(ctx, p, username, func(u *store.User) error {
		if check != nil {
			if err := check(u); err != nil {
				return err
			}
		}
		if codeErr = s.consumeCode(u, purpose, attribute, code); codeErr != nil {
			return nil // persist the attempt count
		}
		return apply(u)
	})
	if err != nil {
		return u, err
	}
	return u, codeErr
}

// checkConfirmable refuses to confirm a user that is not UNCONFIRMED.
func checkConfirmable(u *store.User) error {
	if u.Status != store.StatusUnconfirmed {
		return apiErr(excNotAuthorized, "User cannot be confirmed. Current status is %s", u.Status)
	}
	return nil
}

// Message templates (Cognito's defaults) and CustomMessage placeholders.
const (
	codePlaceholder     = "{####}"
	usernamePlaceholder = "{username}"
	defaultVerifyMsg    = "Your verification code is {####}. "
	defaultResetMsg     = "Your password reset code is {####}. "
	defaultInviteMsg    = "Your username is {username} and temporary password is {####}. "
)

// deliver renders a message (through the CustomMessage trigger when the
// pool has one), records it in the outbox and logs the delivery without
// the code.
func (s *Server) deliver(ctx context.Context, p store.UserPool, u store.User, clientID, purpose, source string, d codeDeliveryDetails, code, template string, meta map[string]string) error {
	text := template
	if fn := p.Settings.Lambda.CustomMessage; fn != "" {
		extra := map[string]any{"codeParameter": codePlaceholder, "linkParameter": "{##Click Here##}", "usernameParameter": nil}
		if source == "CustomMessage_AdminCreateUser" {
			extra["usernameParameter"] = usernamePlaceholder
		}
		if meta != nil {
			extra["clientMetadata"] = meta
		}
		raw, err := s.simpleTrigger(ctx, fn, source, p, clientID, u, extra)
		if err != nil {
			return err
		}
		var r struct {
			SMSMessage   string `json:"smsMessage"`
			EmailMessage string `json:"emailMessage"`
			EmailSubject string `json:"emailSubject"`
		}
		if len(raw) > 0 && json.Unmarshal(raw, &r) != nil {
			return apiErr(excInvalidLambdaResp, "Invalid lambda response: unrecognizable custom message")
		}
		custom := r.EmailMessage
		if d.DeliveryMedium == "SMS" {
			custom = r.SMSMessage
		}
		if strings.Contains(custom, codePlaceholder) {
			text = custom
		}
	}
	text = strings.ReplaceAll(strings.ReplaceAll(text, codePlaceholder, code), usernamePlaceholder, u.Username)
	s.outbox.add(Message{Time: s.cfg.Now(), PoolID: p.ID, Username: u.Username, Purpose: purpose, Medium: d.DeliveryMedium, Destination: d.Destination, Code: code, Message: text})
	s.log.InfoContext(ctx, "message delivered to outbox", "pool_id", p.ID, "username", u.Username, "purpose", purpose, "medium", d.DeliveryMedium)
	return nil
}

// ---- admin user operations -------------------------------------------

type userIn struct {
	UserPoolID             string            `json:"UserPoolId"`
	Username               string            `json:"Username"`
	UserAttributes         []attrIn          `json:"UserAttributes"`
	UserAttributeNames     []string          `json:"UserAttributeNames"`
	TemporaryPassword      *string           `json:"TemporaryPassword"`
	Password               string            `json:"Password"`
	Permanent              bool              `json:"Permanent"`
	MessageAction          string            `json:"MessageAction"`
	DesiredDeliveryMediums []string          `json:"DesiredDeliveryMediums"`
	GroupName              string            `json:"GroupName"`
	Limit                  int               `json:"Limit"`
	NextToken              string            `json:"NextToken"`
	ClientMetadata         map[string]string `json:"ClientMetadata"`
	ValidationData         []attrIn          `json:"ValidationData"`
}

// adminUserCall decodes an admin user operation and resolves its pool and
// user (UserNotFoundException for an unknown user).
func (s *Server) adminUserCall(ctx context.Context, c *call) (userIn, store.UserPool, store.User, error) {
	var in userIn
	p, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return in, p, store.User{}, err
	}
	u, err := s.userOrNotFound(ctx, p, in.Username)
	return in, p, u, err
}

func (s *Server) adminCreateUser(ctx context.Context, c *call) (any, error) {
	var in userIn
	p, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	u, err := s.createUserCore(ctx, p, in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"User": toUserType(u, nil)}, nil
}

// createUserCore is AdminCreateUser's core, also used by Provision.
func (s *Server) createUserCore(ctx context.Context, p store.UserPool, in userIn) (store.User, error) {
	if err := checkAttributes(p, in.UserAttributes, true); err != nil {
		return store.User{}, err
	}
	if in.MessageAction != "" && in.MessageAction != "RESEND" && in.MessageAction != "SUPPRESS" {
		return store.User{}, apiErr(excInvalidParameter, "Invalid MessageAction")
	}
	pp := defaultPolicy(p.Settings.PasswordPolicy)
	temp := ""
	if in.TemporaryPassword != nil && *in.TemporaryPassword != "" {
		temp = *in.TemporaryPassword
		if err := checkPolicy(pp, temp); err != nil {
			return store.User{}, err
		}
	} else {
		var err error
		if temp, err = s.tempPassword(pp); err != nil {
			return store.User{}, err
		}
	}
	expires := s.cfg.Now().Add(time.Duration(pp.TemporaryPasswordValidityDays) * 24 * time.Hour)
	if in.MessageAction == "RESEND" {
		existing, err := s.userOrNotFound(ctx, p, in.Username)
		if err != nil {
			return existing, err
		}
		if existing.Status != store.StatusForceChangePassword {
			return existing, apiErr(excUnsupportedOperation, "Resend not possible. %s status is not FORCE_CHANGE_PASSWORD", existing.Username)
		}
		u, err := s.updateUser(ctx, p, existing.Username, func(u *store.User) error {
			u.TempPasswordExpiresAt = expires
			return s.setPassword(p.ID, u, temp)
		})
		if err == nil {
			err = s.invite(ctx, p, u, temp, in.ClientMetadata)
		}
		return u, err
	}
	u, err := s.newUser(p, in.Username, in.UserAttributes, store.StatusForceChangePassword, temp)
	if err != nil {
		return u, err
	}
	u.TempPasswordExpiresAt = expires
	if fn := p.Settings.Lambda.PreSignUp; fn != "" {
		if _, err := s.simpleTrigger(ctx, fn, "PreSignUp_AdminCreateUser", p, "", u, preSignUpExtra(in.ValidationData, in.ClientMetadata)); err != nil {
			return u, err
		}
	}
	if err := s.saveNewUser(ctx, p, u, "User account already exists"); err != nil {
		return u, err
	}
	if in.MessageAction != "SUPPRESS" {
		if err := s.invite(ctx, p, u, temp, in.ClientMetadata); err != nil {
			return u, err
		}
	}
	return u, nil
}

func (s *Server) invite(ctx context.Context, p store.UserPool, u store.User, temp string, meta map[string]string) error {
	d, ok := deliveryTarget(u, false, nil)
	if !ok {
		d = codeDeliveryDetails{DeliveryMedium: "EMAIL"}
	}
	return s.deliver(ctx, p, u, "", "INVITATION", "CustomMessage_AdminCreateUser", d, temp, defaultInviteMsg, meta)
}

func attrMap(a []attrIn) map[string]string {
	m := map[string]string{}
	for _, x := range a {
		m[x.Name] = x.Value
	}
	return m
}

func (s *Server) adminSetUserPassword(ctx context.Context, c *call) (any, error) {
	var in userIn
	p, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	if in.Password == "" {
		return nil, missing("password")
	}
	if err := checkPolicy(p.Settings.PasswordPolicy, in.Password); err != nil {
		return nil, err
	}
	u, err := s.userOrNotFound(ctx, p, in.Username)
	if err != nil {
		return nil, err
	}
	_, err = s.updateUser(ctx, p, u.Username, func(u *store.User) error {
		if in.Permanent {
			u.Status = store.StatusConfirmed
			u.TempPasswordExpiresAt = time.Time{}
		} else {
			u.Status = store.StatusForceChangePassword
			u.TempPasswordExpiresAt = s.cfg.Now().Add(time.Duration(defaultPolicy(p.Settings.PasswordPolicy).TemporaryPasswordValidityDays) * 24 * time.Hour)
		}
		return s.setPassword(p.ID, u, in.Password)
	})
	return nil, err
}

func (s *Server) adminGetUser(ctx context.Context, c *call) (any, error) {
	_, _, u, err := s.adminUserCall(ctx, c)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"Username": u.Username, "UserAttributes": attributesOf(u, nil), "UserCreateDate": epoch(u.CreatedAt),
		"UserLastModifiedDate": epoch(u.UpdatedAt), "Enabled": u.Enabled, "UserStatus": u.Status,
	}, nil
}

func (s *Server) listUsers(ctx context.Context, c *call) (any, error) {
	var in struct {
		UserPoolID      string   `json:"UserPoolId"`
		AttributesToGet []string `json:"AttributesToGet"`
		Limit           int      `json:"Limit"`
		PaginationToken string   `json:"PaginationToken"`
		Filter          string   `json:"Filter"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := s.pool(ctx, in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if in.Limit < 0 || in.Limit > 60 {
		return nil, apiErr(excInvalidParameter, "1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60", in.Limit)
	}
	opts := store.ListUsersOptions{ListOptions: store.ListOptions{Limit: in.Limit, Token: in.PaginationToken}}
	if in.Filter != "" {
		if len(in.Filter) > 256 {
			return nil, apiErr(excInvalidParameter, "Filter is too long")
		}
		f, err := store.ParseFilter(in.Filter)
		if err != nil {
			return nil, apiErr(excInvalidParameter, "Error while parsing filter.")
		}
		opts.Filter = &f
	}
	users, next, err := s.st.ListUsers(ctx, p.ID, opts)
	if err != nil {
		return nil, storeErr(err, "filter or pagination token")
	}
	return usersPage(users, next, in.AttributesToGet, "PaginationToken"), nil
}

func usersPage(users []store.User, next string, only []string, tokenName string) map[string]any {
	out := []userType{}
	for _, u := range users {
		out = append(out, toUserType(u, only))
	}
	res := map[string]any{"Users": out}
	if next != "" {
		res[tokenName] = next
	}
	return res
}

func (s *Server) adminDeleteUser(ctx context.Context, c *call) (any, error) {
	_, p, u, err := s.adminUserCall(ctx, c)
	if err != nil {
		return nil, err
	}
	return nil, storeErr(s.st.DeleteUser(ctx, p.ID, u.Username), "delete user")
}

// signOutEverywhere revokes all refresh tokens of u and marks the time so
// access tokens issued before it are refused.
func (s *Server) signOutEverywhere(ctx context.Context, p store.UserPool, u store.User, disable *bool) error {
	now := s.cfg.Now()
	if _, err := s.st.RevokeUserRefreshTokens(ctx, p.ID, u.Sub, now); err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	_, err := s.updateUser(ctx, p, u.Username, func(u *store.User) error {
		u.GlobalSignOutAt = now
		if disable != nil {
			u.Enabled = !*disable
		}
		return nil
	})
	return err
}

func (s *Server) adminSetEnabled(ctx context.Context, c *call, enabled bool) (any, error) {
	_, p, u, err := s.adminUserCall(ctx, c)
	if err != nil {
		return nil, err
	}
	if !enabled {
		disable := true
		return nil, s.signOutEverywhere(ctx, p, u, &disable)
	}
	_, err = s.updateUser(ctx, p, u.Username, func(u *store.User) error { u.Enabled = true; return nil })
	return nil, err
}

func (s *Server) adminDisableUser(ctx context.Context, c *call) (any, error) {
	return s.adminSetEnabled(ctx, c, false)
}

func (s *Server) adminEnableUser(ctx context.Context, c *call) (any, error) {
	return s.adminSetEnabled(ctx, c, true)
}

func (s *Server) adminUpdateUserAttributes(ctx context.Context, c *call) (any, error) {
	var in userIn
	p, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	if in.UserAttributes == nil {
		return nil, missing("userAttributes")
	}
	if err := checkAttributes(p, in.UserAttributes, true); err != nil {
		return nil, err
	}
	u, err := s.userOrNotFound(ctx, p, in.Username)
	if err != nil {
		return nil, err
	}
	_, err = s.updateUser(ctx, p, u.Username, func(u *store.User) error {
		applyAttributes(u, in.UserAttributes)
		return nil
	})
	return nil, err
}

func (s *Server) adminDeleteUserAttributes(ctx context.Context, c *call) (any, error) {
	in, p, u, err := s.adminUserCall(ctx, c)
	if err != nil {
		return nil, err
	}
	_, err = s.updateUser(ctx, p, u.Username, func(u *store.User) error {
		for _, n := range in.UserAttributeNames {
			if n == "sub" {
				return apiErr(excInvalidParameter, "Cannot modify an immutable attribute: sub")
			}
			u.Attributes = u.Attributes.Delete(n)
		}
		return nil
	})
	return nil, err
}

func (s *Server) membership(ctx context.Context, c *call, add bool) (any, error) {
	in, p, u, err := s.adminUserCall(ctx, c)
	if err != nil {
		return nil, err
	}
	if _, err := s.group(ctx, p.ID, in.GroupName); err != nil {
		return nil, err
	}
	if add {
		return nil, storeErr(s.st.AddUserToGroup(ctx, p.ID, in.GroupName, u.Username), "add user to group")
	}
	return nil, storeErr(s.st.RemoveUserFromGroup(ctx, p.ID, in.GroupName, u.Username), "remove user from group")
}

func (s *Server) adminAddUserToGroup(ctx context.Context, c *call) (any, error) {
	return s.membership(ctx, c, true)
}

func (s *Server) adminRemoveUserFromGroup(ctx context.Context, c *call) (any, error) {
	return s.membership(ctx, c, false)
}

func (s *Server) adminListGroupsForUser(ctx context.Context, c *call) (any, error) {
	in, p, u, err := s.adminUserCall(ctx, c)
	if err != nil {
		return nil, err
	}
	list, next, err := s.st.ListGroupsForUser(ctx, p.ID, u.Username, store.ListOptions{Limit: min(max(in.Limit, 0), 60), Token: in.NextToken})
	if err != nil {
		return nil, storeErr(err, "nextToken")
	}
	return groupsPage(list, next), nil
}

func (s *Server) listUsersInGroup(ctx context.Context, c *call) (any, error) {
	var in userIn
	p, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	if _, err := s.group(ctx, p.ID, in.GroupName); err != nil {
		return nil, err
	}
	users, next, err := s.st.ListUsersInGroup(ctx, p.ID, in.GroupName, store.ListOptions{Limit: min(max(in.Limit, 0), 60), Token: in.NextToken})
	if err != nil {
		return nil, storeErr(err, "nextToken")
	}
	return usersPage(users, next, nil, "NextToken"), nil
}

// confirm moves an UNCONFIRMED user to CONFIRMED and runs PostConfirmation.
func (s *Server) postConfirmation(ctx context.Context, p store.UserPool, clientID string, u store.User, source string, meta map[string]string) error {
	fn := p.Settings.Lambda.PostConfirmation
	if fn == "" {
		return nil
	}
	extra := map[string]any{}
	if meta != nil {
		extra["clientMetadata"] = meta
	}
	_, err := s.simpleTrigger(ctx, fn, source, p, clientID, u, extra)
	return err
}

func (s *Server) adminConfirmSignUp(ctx context.Context, c *call) (any, error) {
	in, p, u, err := s.adminUserCall(ctx, c)
	if err != nil {
		return nil, err
	}
	u, err = s.updateUser(ctx, p, u.Username, func(u *store.User) error {
		if err := checkConfirmable(u); err != nil {
			return err
		}
		u.Status = store.StatusConfirmed
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, s.postConfirmation(ctx, p, "", u, "PostConfirmation_ConfirmSignUp", in.ClientMetadata)
}

func (s *Server) adminUserGlobalSignOut(ctx context.Context, c *call) (any, error) {
	_, p, u, err := s.adminUserCall(ctx, c)
	if err != nil {
		return nil, err
	}
	return nil, s.signOutEverywhere(ctx, p, u, nil)
}

func (s *Server) adminResetUserPassword(ctx context.Context, c *call) (any, error) {
	in, p, u, err := s.adminUserCall(ctx, c)
	if err != nil {
		return nil, err
	}
	d, ok := deliveryTarget(u, true, nil)
	if !ok {
		return nil, apiErr(excInvalidParameter, "Cannot reset password for the user as there is no registered/verified email or phone_number")
	}
	u, code, err := s.updateWithCode(ctx, p, u.Username, store.CodeForgotPassword, "", time.Hour, func(u *store.User) error {
		u.Status = store.StatusResetRequired
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, s.deliver(ctx, p, u, "", store.CodeForgotPassword, "CustomMessage_ForgotPassword", d, code, defaultResetMsg, in.ClientMetadata)
}

// ---- public self-service operations ------------------------------------

type selfIn struct {
	ClientID         string            `json:"ClientId"`
	SecretHash       string            `json:"SecretHash"`
	Username         string            `json:"Username"`
	Password         string            `json:"Password"`
	UserAttributes   []attrIn          `json:"UserAttributes"`
	ValidationData   []attrIn          `json:"ValidationData"`
	ClientMetadata   map[string]string `json:"ClientMetadata"`
	ConfirmationCode string            `json:"ConfirmationCode"`
	AccessToken      string            `json:"AccessToken"`
	PreviousPassword string            `json:"PreviousPassword"`
	ProposedPassword string            `json:"ProposedPassword"`
	Token            string            `json:"Token"`
	ClientSecret     string            `json:"ClientSecret"`
}

func existenceErrorsPrevented(c store.Client) bool { return c.PreventUserExistenceErrors == "ENABLED" }

// selfServiceCall starts a public, username-based operation (SignUp,
// ConfirmSignUp, ForgotPassword...): it decodes the request, resolves the
// client and its pool and checks SECRET_HASH against the username.
func (s *Server) selfServiceCall(ctx context.Context, c *call) (selfIn, store.Client, store.UserPool, error) {
	var in selfIn
	if err := c.decode(&in); err != nil {
		return in, store.Client{}, store.UserPool{}, err
	}
	cl, p, err := s.clientAndPool(ctx, in.ClientID)
	if err != nil {
		return in, cl, p, err
	}
	if err := checkSecretHash(cl, []string{in.Username}, in.SecretHash); err != nil {
		return in, cl, p, err
	}
	return in, cl, p, nil
}

// simulatedDelivery is the answer ResendConfirmationCode and
// ForgotPassword give for an unknown user when the client prevents user
// existence errors.
func simulatedDelivery() map[string]any {
	return map[string]any{"CodeDeliveryDetails": codeDeliveryDetails{"***", "EMAIL", "email"}}
}

// selfServiceUser resolves the username of a self-service operation. An
// unknown user is reported as found == false (and a nil error) when the
// client prevents user existence errors, so the caller can give its
// simulated answer; otherwise as notFound.
func (s *Server) selfServiceUser(ctx context.Context, cl store.Client, p store.UserPool, username string, notFound error) (u store.User, found bool, err error) {
	u, err = s.resolveUser(ctx, p, username)
	if errors.Is(err, store.ErrNotFound) {
		if existenceErrorsPrevented(cl) {
			return u, false, nil
		}
		return u, false, notFound
	}
	if err != nil {
		return u, false, err
	}
	return u, true, nil
}

func (s *Server) signUp(ctx context.Context, c *call) (any, error) {
	in, cl, p, err := s.selfServiceCall(ctx, c)
	if err != nil {
		return nil, err
	}
	if p.Settings.AdminCreateUser.AllowAdminCreateUserOnly {
		return nil, apiErr(excNotAuthorized, "SignUp is not permitted for this user pool")
	}
	if in.Password == "" {
		return nil, missing("password")
	}
	if err := checkAttributes(p, in.UserAttributes, false); err != nil {
		return nil, err
	}
	if err := checkPolicy(p.Settings.PasswordPolicy, in.Password); err != nil {
		return nil, err
	}
	u, err := s.newUser(p, in.Username, in.UserAttributes, store.StatusUnconfirmed, in.Password)
	if err != nil {
		return nil, err
	}
	if fn := p.Settings.Lambda.PreSignUp; fn != "" {
		raw, err := s.simpleTrigger(ctx, fn, "PreSignUp_SignUp", p, cl.ClientID, u, preSignUpExtra(in.ValidationData, in.ClientMetadata))
		if err != nil {
			return nil, err
		}
		var r struct {
			AutoConfirmUser bool `json:"autoConfirmUser"`
			AutoVerifyEmail bool `json:"autoVerifyEmail"`
			AutoVerifyPhone bool `json:"autoVerifyPhone"`
		}
		if len(raw) > 0 && json.Unmarshal(raw, &r) != nil {
			return nil, apiErr(excInvalidLambdaResp, "Unrecognizable lambda output")
		}
		if r.AutoConfirmUser {
			u.Status = store.StatusConfirmed
		}
		if _, ok := u.Attributes.Get("email"); ok && r.AutoVerifyEmail {
			u.Attributes = u.Attributes.Set("email_verified", "true")
		}
		if _, ok := u.Attributes.Get("phone_number"); ok && r.AutoVerifyPhone {
			u.Attributes = u.Attributes.Set("phone_number_verified", "true")
		}
	}
	var code string
	d, deliver := deliveryTarget(u, false, p.Settings.AutoVerifiedAttributes)
	if u.Status == store.StatusUnconfirmed {
		if code, err = s.issueCode(&u, store.CodeSignUp, "", 24*time.Hour); err != nil {
			return nil, err
		}
	}
	if err := s.saveNewUser(ctx, p, u, "User already exists"); err != nil {
		return nil, err
	}
	out := map[string]any{"UserConfirmed": u.Status == store.StatusConfirmed, "UserSub": u.Sub}
	if code != "" {
		if !deliver {
			d = codeDeliveryDetails{DeliveryMedium: "EMAIL"}
		}
		if err := s.deliver(ctx, p, u, cl.ClientID, store.CodeSignUp, "CustomMessage_SignUp", d, code, defaultVerifyMsg, in.ClientMetadata); err != nil {
			return nil, err
		}
		if deliver {
			out["CodeDeliveryDetails"] = d
		}
	}
	if u.Status == store.StatusConfirmed {
		if err := s.postConfirmation(ctx, p, cl.ClientID, u, "PostConfirmation_ConfirmSignUp", in.ClientMetadata); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Server) confirmSignUp(ctx context.Context, c *call) (any, error) {
	in, cl, p, err := s.selfServiceCall(ctx, c)
	if err != nil {
		return nil, err
	}
	if in.ConfirmationCode == "" {
		return nil, missing("confirmationCode")
	}
	u, found, err := s.selfServiceUser(ctx, cl, p, in.Username, userNotFound())
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, apiErr(excCodeMismatch, msgCodeMismatch)
	}
	u, err = s.redeemCode(ctx, p, u.Username, store.CodeSignUp, "", in.ConfirmationCode, checkConfirmable, func(u *store.User) error {
		u.Status = store.StatusConfirmed
		if d, ok := deliveryTarget(*u, false, p.Settings.AutoVerifiedAttributes); ok {
			u.Attributes = u.Attributes.Set(d.AttributeName+"_verified", "true")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, s.postConfirmation(ctx, p, cl.ClientID, u, "PostConfirmation_ConfirmSignUp", in.ClientMetadata)
}

func (s *Server) resendConfirmationCode(ctx context.Context, c *call) (any, error) {
	in, cl, p, err := s.selfServiceCall(ctx, c)
	if err != nil {
		return nil, err
	}
	u, found, err := s.selfServiceUser(ctx, cl, p, in.Username, userNotFound())
	if err != nil {
		return nil, err
	}
	if !found {
		return simulatedDelivery(), nil
	}
	if u.Status != store.StatusUnconfirmed {
		return nil, apiErr(excInvalidParameter, "User is already confirmed.")
	}
	u, code, err := s.updateWithCode(ctx, p, u.Username, store.CodeSignUp, "", 24*time.Hour, nil)
	if err != nil {
		return nil, err
	}
	d, _ := deliveryTarget(u, false, nil)
	if err := s.deliver(ctx, p, u, cl.ClientID, store.CodeSignUp, "CustomMessage_ResendCode", d, code, defaultVerifyMsg, in.ClientMetadata); err != nil {
		return nil, err
	}
	return map[string]any{"CodeDeliveryDetails": d}, nil
}

func (s *Server) forgotPassword(ctx context.Context, c *call) (any, error) {
	in, cl, p, err := s.selfServiceCall(ctx, c)
	if err != nil {
		return nil, err
	}
	u, found, err := s.selfServiceUser(ctx, cl, p, in.Username, apiErr(excUserNotFound, "Username/client id combination not found."))
	if err != nil {
		return nil, err
	}
	if !found {
		return simulatedDelivery(), nil
	}
	d, ok := deliveryTarget(u, true, nil)
	if !ok || !u.Enabled {
		if existenceErrorsPrevented(cl) {
			return simulatedDelivery(), nil
		}
		return nil, apiErr(excInvalidParameter, "Cannot reset password for the user as there is no registered/verified email or phone_number")
	}
	u, code, err := s.updateWithCode(ctx, p, u.Username, store.CodeForgotPassword, "", time.Hour, func(u *store.User) error {
		if i := u.FindCode(store.CodeForgotPassword, ""); i >= 0 && s.cfg.Now().Sub(u.Codes[i].CreatedAt) < time.Hour && u.Codes[i].Attempts >= maxCodeAttempts {
			return apiErr(excLimitExceeded, msgLimitExceeded)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.deliver(ctx, p, u, cl.ClientID, store.CodeForgotPassword, "CustomMessage_ForgotPassword", d, code, defaultResetMsg, in.ClientMetadata); err != nil {
		return nil, err
	}
	return map[string]any{"CodeDeliveryDetails": d}, nil
}

func (s *Server) confirmForgotPassword(ctx context.Context, c *call) (any, error) {
	in, cl, p, err := s.selfServiceCall(ctx, c)
	if err != nil {
		return nil, err
	}
	if in.ConfirmationCode == "" {
		return nil, missing("confirmationCode")
	}
	if in.Password == "" {
		return nil, missing("password")
	}
	if err := checkPolicy(p.Settings.PasswordPolicy, in.Password); err != nil {
		return nil, err
	}
	u, found, err := s.selfServiceUser(ctx, cl, p, in.Username, userNotFound())
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, apiErr(excCodeMismatch, msgCodeMismatch)
	}
	u, err = s.redeemCode(ctx, p, u.Username, store.CodeForgotPassword, "", in.ConfirmationCode, nil, func(u *store.User) error {
		u.Status = store.StatusConfirmed
		u.FailedLogins, u.LockedUntil = 0, time.Time{}
		return s.setPassword(p.ID, u, in.Password)
	})
	if err != nil {
		return nil, err
	}
	return nil, s.postConfirmation(ctx, p, cl.ClientID, u, "PostConfirmation_ConfirmForgotPassword", in.ClientMetadata)
}

// tokenInput is a request authorised by an access token.
type tokenInput interface{ accessToken() string }

func (in *selfIn) accessToken() string   { return in.AccessToken }
func (in *verifyIn) accessToken() string { return in.AccessToken }

// accessCall decodes a self-service operation authorised by an access
// token (ChangePassword, GetUser...) into in and validates the token.
func (s *Server) accessCall(ctx context.Context, c *call, in tokenInput) (accessCtx, error) {
	if err := c.decode(in); err != nil {
		return accessCtx{}, err
	}
	return s.accessUser(ctx, in.accessToken())
}

func (s *Server) changePassword(ctx context.Context, c *call) (any, error) {
	var in selfIn
	at, err := s.accessCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	if in.ProposedPassword == "" {
		return nil, missing("proposedPassword")
	}
	if !checkPassword(at.user.PasswordHash, in.PreviousPassword) {
		return nil, apiErr(excNotAuthorized, msgIncorrect)
	}
	if err := checkPolicy(at.pool.Settings.PasswordPolicy, in.ProposedPassword); err != nil {
		return nil, err
	}
	_, err = s.updateUser(ctx, at.pool, at.user.Username, func(u *store.User) error {
		return s.setPassword(at.pool.ID, u, in.ProposedPassword)
	})
	return nil, err
}

func (s *Server) getUser(ctx context.Context, c *call) (any, error) {
	var in selfIn
	at, err := s.accessCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Username": at.user.Username, "UserAttributes": readableAttributes(at.user, at.client)}, nil
}

// readableAttributes lists the attributes the client may read.
func readableAttributes(u store.User, c store.Client) []attributeType {
	all := attributesOf(u, nil)
	if len(c.ReadAttributes) == 0 {
		return all
	}
	out := []attributeType{}
	for _, a := range all {
		if a.Name == "sub" || slices.Contains(c.ReadAttributes, a.Name) {
			out = append(out, a)
		}
	}
	return out
}

func (s *Server) updateUserAttributes(ctx context.Context, c *call) (any, error) {
	var in selfIn
	at, err := s.accessCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	if in.UserAttributes == nil {
		return nil, missing("userAttributes")
	}
	if err := checkAttributes(at.pool, in.UserAttributes, false); err != nil {
		return nil, err
	}
	for _, a := range in.UserAttributes {
		if len(at.client.WriteAttributes) > 0 && !slices.Contains(at.client.WriteAttributes, a.Name) {
			return nil, apiErr(excNotAuthorized, "A client attempted to write unauthorized attribute")
		}
	}
	_, err = s.updateUser(ctx, at.pool, at.user.Username, func(u *store.User) error {
		applyAttributes(u, in.UserAttributes)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"CodeDeliveryDetailsList": []codeDeliveryDetails{}}, nil
}

func (s *Server) deleteUser(ctx context.Context, c *call) (any, error) {
	var in selfIn
	at, err := s.accessCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	return nil, storeErr(s.st.DeleteUser(ctx, at.pool.ID, at.user.Username), "delete user")
}

func (s *Server) globalSignOut(ctx context.Context, c *call) (any, error) {
	var in selfIn
	at, err := s.accessCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	return nil, s.signOutEverywhere(ctx, at.pool, at.user, nil)
}

func (s *Server) revokeToken(ctx context.Context, c *call) (any, error) {
	var in selfIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Token == "" {
		return nil, missing("token")
	}
	cl, _, err := s.clientAndPool(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	if cl.Secret != "" && subtle.ConstantTimeCompare([]byte(cl.Secret), []byte(in.ClientSecret)) != 1 {
		return nil, apiErr(excUnauthorized, "Invalid client secret.")
	}
	if !cl.EnableTokenRevocation {
		return nil, apiErr(excUnsupportedOperation, "Token revocation is not enabled for this client.")
	}
	if strings.Count(in.Token, ".") == 2 {
		return nil, apiErr(excUnsupportedTokenType, "Only refresh tokens can be revoked.")
	}
	hash := store.HashToken(in.Token)
	rt, err := s.st.GetRefreshToken(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // revoking an unknown token succeeds
	}
	if err != nil {
		return nil, fmt.Errorf("get refresh token: %w", err)
	}
	if rt.ClientID != cl.ClientID {
		return nil, apiErr(excUnauthorized, "Invalid client for this token.")
	}
	if err := s.st.RevokeRefreshToken(ctx, hash, s.cfg.Now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("revoke refresh token: %w", err)
	}
	return nil, nil
}

// secretHashFor computes SECRET_HASH for a client secret, username and
// client id (tests and tooling).
func secretHashFor(secret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

type verifyIn struct {
	AccessToken    string            `json:"AccessToken"`
	AttributeName  string            `json:"AttributeName"`
	Code           string            `json:"Code"`
	ClientMetadata map[string]string `json:"ClientMetadata"`
}

func (s *Server) getUserAttributeVerificationCode(ctx context.Context, c *call) (any, error) {
	var in verifyIn
	at, err := s.accessCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	if in.AttributeName != "email" && in.AttributeName != "phone_number" {
		return nil, apiErr(excInvalidParameter, "Invalid attribute name %q", limitString(in.AttributeName, 64))
	}
	v, ok := at.user.Attributes.Get(in.AttributeName)
	if !ok || v == "" {
		return nil, apiErr(excInvalidParameter, "User does not have the attribute %s", in.AttributeName)
	}
	u, code, err := s.updateWithCode(ctx, at.pool, at.user.Username, store.CodeVerifyAttr, in.AttributeName, 24*time.Hour, nil)
	if err != nil {
		return nil, err
	}
	d := codeDeliveryDetails{maskEmail(v), "EMAIL", "email"}
	if in.AttributeName == "phone_number" {
		d = codeDeliveryDetails{maskPhone(v), "SMS", "phone_number"}
	}
	if err := s.deliver(ctx, at.pool, u, at.client.ClientID, store.CodeVerifyAttr, "CustomMessage_VerifyUserAttribute", d, code, defaultVerifyMsg, in.ClientMetadata); err != nil {
		return nil, err
	}
	return map[string]any{"CodeDeliveryDetails": d}, nil
}

func (s *Server) verifyUserAttribute(ctx context.Context, c *call) (any, error) {
	var in verifyIn
	at, err := s.accessCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	if in.Code == "" {
		return nil, missing("code")
	}
	_, err = s.redeemCode(ctx, at.pool, at.user.Username, store.CodeVerifyAttr, in.AttributeName, in.Code, nil, func(u *store.User) error {
		u.Attributes = u.Attributes.Set(in.AttributeName+"_verified", "true")
		return nil
	})
	return nil, err
}
