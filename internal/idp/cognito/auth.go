package cognito

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/idp/srp"
	"github.com/gatehouse/gatehouse/internal/idp/tokens"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Lockout parameters (userpool.md §8.10).
const (
	lockoutThreshold = 5
	lockoutMax       = 15 * time.Minute
	lockoutReset     = 15 * time.Minute
	maxParamLen      = 4096
)

type authIn struct {
	UserPoolID         string            `json:"UserPoolId"`
	ClientID           string            `json:"ClientId"`
	AuthFlow           string            `json:"AuthFlow"`
	AuthParameters     map[string]string `json:"AuthParameters"`
	ClientMetadata     map[string]string `json:"ClientMetadata"`
	ChallengeName      string            `json:"ChallengeName"`
	Session            string            `json:"Session"`
	ChallengeResponses map[string]string `json:"ChallengeResponses"`
}

func (in *authIn) tooLong() bool {
	for _, m := range []map[string]string{in.AuthParameters, in.ChallengeResponses, in.ClientMetadata} {
		if len(m) > 64 {
			return true
		}
		for k, v := range m {
			if len(k) > 256 || len(v) > maxParamLen {
				return true
			}
		}
	}
	return len(in.Session) > 2048
}

// sessionState is stored (opaque to the store) for a pending challenge.
type sessionState struct {
	Kind     string    `json:"kind"` // PASSWORD_VERIFIER | NEW_PASSWORD_REQUIRED
	PoolID   string    `json:"poolId"`
	ClientID string    `json:"clientId"`
	Username string    `json:"username"`
	Unknown  bool      `json:"unknown,omitempty"`
	A        string    `json:"a,omitempty"`
	B        string    `json:"B,omitempty"`
	SmallB   string    `json:"b,omitempty"`
	Verifier string    `json:"v,omitempty"`
	Issued   time.Time `json:"issued"`
}

func sessionID(raw []byte) string {
	h := sha256.Sum256(raw)
	return hex.EncodeToString(h[:])
}

func (s *Server) randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.cfg.Rand, b); err != nil {
		return nil, fmt.Errorf("read random: %w", err)
	}
	return b, nil
}

func (s *Server) saveSession(ctx context.Context, raw []byte, st sessionState, validity time.Duration) error {
	payload, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("marshal session: %w", err)
	}
	now := s.cfg.Now()
	return s.st.CreateSession(ctx, store.AuthSession{ID: sessionID(raw), PoolID: st.PoolID, Payload: payload, CreatedAt: now, ExpiresAt: now.Add(validity)})
}

func (s *Server) takeSession(ctx context.Context, raw []byte, kind string) (sessionState, error) {
	var st sessionState
	as, err := s.st.TakeSession(ctx, sessionID(raw), s.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		return st, apiErr(excNotAuthorized, msgInvalidSession)
	}
	if err != nil {
		return st, fmt.Errorf("take session: %w", err)
	}
	if err := json.Unmarshal(as.Payload, &st); err != nil || st.Kind != kind {
		return st, apiErr(excNotAuthorized, msgInvalidSession)
	}
	return st, nil
}

func sessionValidity(c store.Client) time.Duration {
	if c.AuthSessionValidity >= 3 && c.AuthSessionValidity <= 15 {
		return time.Duration(c.AuthSessionValidity) * time.Minute
	}
	return 3 * time.Minute
}

// ---- entry points ----------------------------------------------------

// authCall decodes an InitiateAuth or RespondToAuthChallenge request and
// resolves its client and pool: by client id alone for the public
// operations, by pool and client id for the admin ones.
func (s *Server) authCall(ctx context.Context, c *call, admin bool) (authIn, store.UserPool, store.Client, error) {
	var in authIn
	if err := c.decode(&in); err != nil {
		return in, store.UserPool{}, store.Client{}, err
	}
	if in.tooLong() {
		return in, store.UserPool{}, store.Client{}, apiErr(excInvalidParameter, "Request parameters are too long")
	}
	if !admin {
		cl, p, err := s.clientAndPool(ctx, in.ClientID)
		return in, p, cl, err
	}
	p, err := s.pool(ctx, in.UserPoolID)
	if err != nil {
		return in, p, store.Client{}, err
	}
	cl, err := s.poolClient(ctx, p.ID, in.ClientID)
	return in, p, cl, err
}

func (s *Server) initiateAuth(ctx context.Context, c *call) (any, error) {
	in, p, cl, err := s.authCall(ctx, c, false)
	if err != nil {
		return nil, err
	}
	return s.startAuth(ctx, c, p, cl, in, false)
}

func (s *Server) adminInitiateAuth(ctx context.Context, c *call) (any, error) {
	in, p, cl, err := s.authCall(ctx, c, true)
	if err != nil {
		return nil, err
	}
	return s.startAuth(ctx, c, p, cl, in, true)
}

func (s *Server) startAuth(ctx context.Context, c *call, p store.UserPool, cl store.Client, in authIn, admin bool) (any, error) {
	if in.AuthFlow == "" {
		return nil, missing("authFlow")
	}
	params := in.AuthParameters
	switch in.AuthFlow {
	case "USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN", "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH", "USER_AUTH":
	default:
		return nil, apiErr(excInvalidParameter, "1 validation error detected: Value '%s' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]", limitString(in.AuthFlow, 64))
	}
	isAdminFlow := in.AuthFlow == "ADMIN_USER_PASSWORD_AUTH" || in.AuthFlow == "ADMIN_NO_SRP_AUTH"
	if isAdminFlow && !admin {
		return nil, apiErr(excInvalidParameter, "Initiate Auth method not supported.")
	}
	if in.AuthFlow == "USER_PASSWORD_AUTH" && admin || in.AuthFlow == "CUSTOM_AUTH" || in.AuthFlow == "USER_AUTH" {
		return nil, apiErr(excInvalidParameter, "%s flow is not supported by gatehouse for this operation.", in.AuthFlow)
	}
	if !flowAllowed(cl, in.AuthFlow) {
		return nil, apiErr(excInvalidParameter, "%s flow not enabled for this client", strings.TrimSuffix(in.AuthFlow, "_AUTH")+"_AUTH")
	}
	switch in.AuthFlow {
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return s.refreshAuth(ctx, p, cl, params)
	case "USER_SRP_AUTH":
		return s.srpStart(ctx, c, p, cl, params, in.ClientMetadata)
	default:
		return s.passwordAuth(ctx, c, p, cl, params, in.ClientMetadata)
	}
}

func (s *Server) respondToAuthChallenge(ctx context.Context, c *call) (any, error) {
	in, p, cl, err := s.authCall(ctx, c, false)
	if err != nil {
		return nil, err
	}
	return s.respond(ctx, c, p, cl, in)
}

func (s *Server) adminRespondToAuthChallenge(ctx context.Context, c *call) (any, error) {
	in, p, cl, err := s.authCall(ctx, c, true)
	if err != nil {
		return nil, err
	}
	return s.respond(ctx, c, p, cl, in)
}

func (s *Server) respond(ctx context.Context, c *call, p store.UserPool, cl store.Client, in authIn) (any, error) {
	switch in.ChallengeName {
	case "":
		return nil, missing("challengeName")
	case "PASSWORD_VERIFIER":
		return s.srpVerify(ctx, c, p, cl, in)
	case "NEW_PASSWORD_REQUIRED":
		return s.newPassword(ctx, p, cl, in)
	}
	return nil, apiErr(excInvalidParameter, "Invalid challenge name %q", limitString(in.ChallengeName, 64))
}

// ---- shared pipeline pieces -------------------------------------------

// preAuth runs the PreAuthentication trigger.
func (s *Server) preAuth(ctx context.Context, p store.UserPool, cl store.Client, u store.User, meta map[string]string) error {
	fn := p.Settings.Lambda.PreAuthentication
	if fn == "" {
		return nil
	}
	extra := map[string]any{"validationData": meta}
	if meta == nil {
		extra["validationData"] = map[string]string{}
	}
	_, err := s.simpleTrigger(ctx, fn, "PreAuthentication_Authentication", p, cl.ClientID, u, extra)
	return err
}

// statusGate applies lockout, disabled and status checks (§3.3 4–5).
func (s *Server) statusGate(u store.User) error {
	if s.cfg.Now().Before(u.LockedUntil) {
		return apiErr(excNotAuthorized, msgAttemptsExceeded)
	}
	if !u.Enabled {
		return apiErr(excNotAuthorized, msgUserDisabled)
	}
	switch u.Status {
	case store.StatusUnconfirmed:
		return apiErr(excUserNotConfirmed, msgNotConfirmed)
	case store.StatusResetRequired:
		return apiErr(excPasswordResetReq, msgResetRequired)
	}
	return nil
}

// recordFailure counts a failed sign-in (§8.10) and returns the error.
func (s *Server) recordFailure(ctx context.Context, c *call, p store.UserPool, u store.User) error {
	s.source.fail(c.source)
	now := s.cfg.Now()
	_, err := s.updateUser(ctx, p, u.Username, func(u *store.User) error {
		if now.Sub(u.LastFailedLoginAt) >= lockoutReset {
			u.FailedLogins = 0
		}
		u.FailedLogins++
		u.LastFailedLoginAt = now
		if u.FailedLogins >= lockoutThreshold {
			d := time.Second << min(u.FailedLogins-lockoutThreshold, 20)
			u.LockedUntil = now.Add(min(d, lockoutMax))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return apiErr(excNotAuthorized, msgIncorrect)
}

// afterPassword continues once the password (or SRP proof) is verified:
// reset the failure counter, then challenge or issue tokens. meta is the
// ClientMetadata the triggers of token issue get: RespondToAuthChallenge's,
// never InitiateAuth's (reference §6.1).
func (s *Server) afterPassword(ctx context.Context, p store.UserPool, cl store.Client, u store.User, meta map[string]string) (any, error) {
	if u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		var err error
		u, err = s.updateUser(ctx, p, u.Username, func(u *store.User) error {
			u.FailedLogins, u.LockedUntil, u.LastFailedLoginAt = 0, time.Time{}, time.Time{}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if u.Status == store.StatusForceChangePassword {
		if !u.TempPasswordExpiresAt.IsZero() && !s.cfg.Now().Before(u.TempPasswordExpiresAt) {
			return nil, apiErr(excNotAuthorized, msgTempExpired)
		}
		return s.newPasswordChallenge(ctx, p, cl, u)
	}
	return s.issue(ctx, p, cl, u, issueOpts{source: "TokenGeneration_Authentication", meta: meta, postAuth: true})
}

func (s *Server) newPasswordChallenge(ctx context.Context, p store.UserPool, cl store.Client, u store.User) (any, error) {
	raw, err := s.randomBytes(48)
	if err != nil {
		return nil, err
	}
	if err := s.saveSession(ctx, raw, sessionState{Kind: "NEW_PASSWORD_REQUIRED", PoolID: p.ID, ClientID: cl.ClientID, Username: u.Username, Issued: s.cfg.Now()}, sessionValidity(cl)); err != nil {
		return nil, err
	}
	attrs := map[string]string{}
	for _, a := range u.Attributes {
		attrs[a.Name] = a.Value
	}
	req := []string{}
	for _, sa := range p.Settings.Schema {
		if sa.Required && sa.Name != "sub" {
			if v, ok := u.Attributes.Get(sa.Name); !ok || v == "" {
				req = append(req, "userAttributes."+sa.Name)
			}
		}
	}
	attrsJSON, _ := json.Marshal(attrs)
	reqJSON, _ := json.Marshal(req)
	return map[string]any{
		"ChallengeName": "NEW_PASSWORD_REQUIRED",
		"Session":       base64.RawURLEncoding.EncodeToString(raw),
		"ChallengeParameters": map[string]string{
			"USER_ID_FOR_SRP":    u.Username,
			"requiredAttributes": string(reqJSON),
			"userAttributes":     string(attrsJSON),
		},
	}, nil
}

type issueOpts struct {
	source   string
	meta     map[string]string
	postAuth bool
	refresh  *store.RefreshToken // set for the refresh flow
}

func (s *Server) groupsOf(ctx context.Context, p store.UserPool, username string) ([]tokens.GroupInfo, error) {
	var out []tokens.GroupInfo
	token := ""
	for range 20 { // at most 20 pages of 60 groups
		list, next, err := s.st.ListGroupsForUser(ctx, p.ID, username, store.ListOptions{Limit: 60, Token: token})
		if err != nil {
			return nil, fmt.Errorf("list groups for user: %w", err)
		}
		for _, g := range list {
			out = append(out, tokens.GroupInfo{Name: g.Name, RoleArn: g.RoleArn, Precedence: g.PrecedenceKey()})
		}
		if next == "" {
			break
		}
		token = next
	}
	return out, nil
}

// issue runs pre token generation, signs the tokens, stores a new refresh
// token (unless refreshing) and runs PostAuthentication.
func (s *Server) issue(ctx context.Context, p store.UserPool, cl store.Client, u store.User, o issueOpts) (any, error) {
	groups, err := s.groupsOf(ctx, p, u.Username)
	if err != nil {
		return nil, err
	}
	ov, err := s.preTokenGeneration(ctx, p, cl.ClientID, u, groups, o.source, o.meta)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	authTime, origin := now, s.newUUID()
	if o.refresh != nil {
		authTime, origin = o.refresh.AuthTime, o.refresh.OriginJTI
	}
	idV, accessV, refreshV := tokens.Validities(cl)
	attrs := store.Attributes{}
	for _, a := range u.Attributes {
		if len(cl.ReadAttributes) == 0 || slices.Contains(cl.ReadAttributes, a.Name) {
			attrs = append(attrs, a)
		}
	}
	pair, err := s.issuer.Issue(ctx, tokens.Request{
		PoolID: p.ID, Issuer: s.Issuer(p), ClientID: cl.ClientID, Username: u.Username, Sub: u.Sub,
		Attributes: attrs, Groups: groups, AuthTime: authTime, OriginJTI: origin, EventID: s.newUUID(),
		IDValidity: idV, AccessValidity: accessV, Overrides: ov,
	})
	if err != nil {
		return nil, err
	}
	result := map[string]any{"AccessToken": pair.AccessToken, "ExpiresIn": pair.ExpiresIn, "TokenType": "Bearer", "IdToken": pair.IDToken}
	if o.refresh == nil {
		tok, hash, err := tokens.NewRefreshToken(s.cfg.Rand)
		if err != nil {
			return nil, err
		}
		rt := store.RefreshToken{Hash: hash, PoolID: p.ID, ClientID: cl.ClientID, Sub: u.Sub, Username: u.Username,
			OriginJTI: origin, AuthTime: authTime, CreatedAt: now, ExpiresAt: now.Add(refreshV)}
		if err := s.st.CreateRefreshToken(ctx, rt); err != nil {
			return nil, fmt.Errorf("store refresh token: %w", err)
		}
		result["RefreshToken"] = tok
	}
	if o.postAuth && p.Settings.Lambda.PostAuthentication != "" {
		extra := map[string]any{"newDeviceUsed": false}
		if o.meta != nil {
			extra["clientMetadata"] = o.meta
		}
		if _, err := s.simpleTrigger(ctx, p.Settings.Lambda.PostAuthentication, "PostAuthentication_Authentication", p, cl.ClientID, u, extra); err != nil {
			return nil, err
		}
	}
	return map[string]any{"ChallengeParameters": map[string]string{}, "AuthenticationResult": result}, nil
}

// signInUser starts a password or SRP sign-in: it resolves the sign-in
// name (found == false for an unknown user, which the caller answers
// without revealing it), checks SECRET_HASH against the name given or the
// internal username and refuses a source that failed too often.
func (s *Server) signInUser(ctx context.Context, c *call, p store.UserPool, cl store.Client, username, secretHash string) (u store.User, found bool, err error) {
	u, err = s.resolveUser(ctx, p, username)
	found = err == nil
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return u, false, err
	}
	names := []string{username}
	if found {
		names = append(names, u.Username)
	}
	if err := checkSecretHash(cl, names, secretHash); err != nil {
		return u, found, err
	}
	if s.source.blocked(c.source) {
		return u, found, apiErr(excTooManyRequests, "Too many failed attempts from this source, please try after some time.")
	}
	return u, found, nil
}

// ---- USER_PASSWORD_AUTH / ADMIN_USER_PASSWORD_AUTH ---------------------

func (s *Server) passwordAuth(ctx context.Context, c *call, p store.UserPool, cl store.Client, params map[string]string, meta map[string]string) (any, error) {
	username, password := params["USERNAME"], params["PASSWORD"]
	if username == "" {
		return nil, missingParam("USERNAME")
	}
	if password == "" {
		return nil, missingParam("PASSWORD")
	}
	u, found, err := s.signInUser(ctx, c, p, cl, username, params["SECRET_HASH"])
	if err != nil {
		return nil, err
	}
	if !found {
		s.dummyCheck(password)
		s.source.fail(c.source)
		if existenceErrorsPrevented(cl) {
			return nil, apiErr(excNotAuthorized, msgIncorrect)
		}
		return nil, userNotFound()
	}
	if err := s.preAuth(ctx, p, cl, u, meta); err != nil {
		return nil, err
	}
	if err := s.statusGate(u); err != nil {
		return nil, err
	}
	if !checkPassword(u.PasswordHash, password) {
		return nil, s.recordFailure(ctx, c, p, u)
	}
	return s.afterPassword(ctx, p, cl, u, nil)
}

// ---- REFRESH_TOKEN_AUTH ---------------------------------------------

func (s *Server) refreshAuth(ctx context.Context, p store.UserPool, cl store.Client, params map[string]string) (any, error) {
	tok := params["REFRESH_TOKEN"]
	if tok == "" {
		return nil, missingParam("REFRESH_TOKEN")
	}
	rt, err := s.st.GetRefreshToken(ctx, store.HashToken(tok))
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiErr(excNotAuthorized, msgRefreshInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("get refresh token: %w", err)
	}
	if rt.ClientID != cl.ClientID || rt.PoolID != p.ID {
		return nil, apiErr(excNotAuthorized, msgRefreshInvalid)
	}
	if cl.Secret != "" {
		h := params["SECRET_HASH"]
		if h == "" {
			return nil, apiErr(excNotAuthorized, "Client %s is configured with secret but SECRET_HASH was not received", cl.ClientID)
		}
		if !secretHashOK(cl, rt.Username, h) && !(params["USERNAME"] != "" && secretHashOK(cl, params["USERNAME"], h)) {
			return nil, apiErr(excNotAuthorized, "SecretHash does not match for the client: %s", cl.ClientID)
		}
	}
	if rt.Revoked {
		return nil, apiErr(excNotAuthorized, msgRefreshRevoked)
	}
	if !s.cfg.Now().Before(rt.ExpiresAt) {
		return nil, apiErr(excNotAuthorized, msgRefreshExpired)
	}
	u, err := s.st.GetUserBySub(ctx, p.ID, rt.Sub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apiErr(excNotAuthorized, msgRefreshInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("get user: %w", err)
	}
	if !u.Enabled {
		return nil, apiErr(excNotAuthorized, msgUserDisabled)
	}
	if !u.GlobalSignOutAt.IsZero() && !rt.CreatedAt.After(u.GlobalSignOutAt) {
		return nil, apiErr(excNotAuthorized, msgRefreshRevoked)
	}
	return s.issue(ctx, p, cl, u, issueOpts{source: "TokenGeneration_RefreshTokens", refresh: &rt})
}

// ---- NEW_PASSWORD_REQUIRED --------------------------------------------

func (s *Server) newPassword(ctx context.Context, p store.UserPool, cl store.Client, in authIn) (any, error) {
	r := in.ChallengeResponses
	if r["NEW_PASSWORD"] == "" {
		return nil, missingParam("NEW_PASSWORD")
	}
	if in.Session == "" {
		return nil, missing("session")
	}
	raw, err := base64.RawURLEncoding.DecodeString(in.Session)
	if err != nil {
		return nil, apiErr(excNotAuthorized, msgInvalidSession)
	}
	if err := checkPolicy(p.Settings.PasswordPolicy, r["NEW_PASSWORD"]); err != nil {
		return nil, err
	}
	var attrs []attrIn
	for k, v := range r {
		if name, ok := strings.CutPrefix(k, "userAttributes."); ok {
			attrs = append(attrs, attrIn{Name: name, Value: v})
		}
	}
	slices.SortFunc(attrs, func(a, b attrIn) int { return strings.Compare(a.Name, b.Name) })
	if err := checkAttributes(p, attrs, false); err != nil {
		if ae := (*APIError)(nil); errors.As(err, &ae) && ae.Type == excNotAuthorized {
			return nil, apiErr(excInvalidParameter, "Cannot modify the non-mutable attribute")
		}
		return nil, err
	}
	st, err := s.takeSession(ctx, raw, "NEW_PASSWORD_REQUIRED")
	if err != nil {
		return nil, err
	}
	if st.PoolID != p.ID || st.ClientID != cl.ClientID {
		return nil, apiErr(excNotAuthorized, msgInvalidSession)
	}
	if r["USERNAME"] == "" {
		return nil, missingParam("USERNAME")
	}
	u, err := s.resolveUser(ctx, p, r["USERNAME"])
	if err != nil || u.Username != st.Username {
		return nil, apiErr(excNotAuthorized, msgInvalidSession)
	}
	if err := checkSecretHash(cl, []string{r["USERNAME"], u.Username}, r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	merged := slices.Clone(u.Attributes)
	tmp := store.User{Attributes: merged}
	applyAttributes(&tmp, attrs)
	if m := missingRequired(p, tmp.Attributes); m != "" {
		return nil, apiErr(excInvalidParameter, "Invalid attributes given, %s is missing", m)
	}
	u, err = s.updateUser(ctx, p, u.Username, func(u *store.User) error {
		if u.Status != store.StatusForceChangePassword {
			return apiErr(excNotAuthorized, msgInvalidSession)
		}
		applyAttributes(u, attrs)
		u.Status = store.StatusConfirmed
		u.TempPasswordExpiresAt = time.Time{}
		return s.setPassword(p.ID, u, r["NEW_PASSWORD"])
	})
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, p, cl, u, issueOpts{source: "TokenGeneration_NewPasswordChallenge", meta: in.ClientMetadata, postAuth: true})
}

// ---- USER_SRP_AUTH / PASSWORD_VERIFIER --------------------------------

// fakeSRP derives deterministic parameters for an unknown user (§4.6).
func (s *Server) fakeSRP(poolID, username string) (userID, saltHex string, v *big.Int) {
	mac := func(label string) []byte {
		m := hmac.New(sha256.New, s.cfg.Secret)
		m.Write([]byte(label + "|" + poolID + "|" + username))
		return m.Sum(nil)
	}
	id, _ := uuid.FromBytes(mac("id")[:16])
	v = new(big.Int).Exp(srp.G(), new(big.Int).SetBytes(mac("verifier")), srp.N())
	return id.String(), hex.EncodeToString(mac("salt")[:16]), v
}

func (s *Server) srpStart(ctx context.Context, c *call, p store.UserPool, cl store.Client, params map[string]string, meta map[string]string) (any, error) {
	username := params["USERNAME"]
	if username == "" {
		return nil, missingParam("USERNAME")
	}
	if params["SRP_A"] == "" {
		return nil, missingParam("SRP_A")
	}
	a, err := srp.ParseA(params["SRP_A"])
	if err != nil {
		return nil, apiErr(excInvalidParameter, "Invalid SRP_A value")
	}
	u, found, err := s.signInUser(ctx, c, p, cl, username, params["SECRET_HASH"])
	if err != nil {
		return nil, err
	}
	st := sessionState{Kind: "PASSWORD_VERIFIER", PoolID: p.ID, ClientID: cl.ClientID, A: a.Text(16), Issued: s.cfg.Now()}
	var saltHex string
	var v *big.Int
	if found {
		if err := s.preAuth(ctx, p, cl, u, meta); err != nil {
			return nil, err
		}
		if err := s.statusGate(u); err != nil {
			return nil, err
		}
		st.Username, saltHex, v = u.Username, string(u.SRPSalt), new(big.Int).SetBytes(u.SRPVerifier)
		if saltHex == "" || v.Sign() == 0 {
			return nil, apiErr(excNotAuthorized, msgIncorrect)
		}
	} else {
		if !existenceErrorsPrevented(cl) {
			return nil, userNotFound()
		}
		st.Unknown = true
		st.Username, saltHex, v = s.fakeSRP(p.ID, username)
	}
	b, bigB, err := srp.ServerEphemeral(s.cfg.Rand, v)
	if err != nil {
		return nil, err
	}
	st.B, st.SmallB, st.Verifier = bigB.Text(16), b.Text(16), v.Text(16)
	block, err := s.randomBytes(64)
	if err != nil {
		return nil, err
	}
	if err := s.saveSession(ctx, block, st, s.cfg.SRPWindow); err != nil {
		return nil, err
	}
	return map[string]any{
		"ChallengeName": "PASSWORD_VERIFIER",
		"ChallengeParameters": map[string]string{
			"SALT":            saltHex,
			"SRP_B":           st.B,
			"SECRET_BLOCK":    base64.StdEncoding.EncodeToString(block),
			"USERNAME":        st.Username,
			"USER_ID_FOR_SRP": st.Username,
		},
	}, nil
}

func (s *Server) srpVerify(ctx context.Context, c *call, p store.UserPool, cl store.Client, in authIn) (any, error) {
	r := in.ChallengeResponses
	for _, k := range []string{"USERNAME", "PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE", "TIMESTAMP"} {
		if r[k] == "" {
			return nil, missingParam(k)
		}
	}
	block, err := base64.StdEncoding.DecodeString(r["PASSWORD_CLAIM_SECRET_BLOCK"])
	if err != nil {
		return nil, apiErr(excNotAuthorized, msgInvalidSession)
	}
	st, err := s.takeSession(ctx, block, "PASSWORD_VERIFIER")
	if err != nil {
		return nil, err
	}
	if st.PoolID != p.ID || st.ClientID != cl.ClientID {
		return nil, apiErr(excNotAuthorized, msgInvalidSession)
	}
	ts, err := srp.ParseTimestamp(r["TIMESTAMP"])
	if err != nil {
		return nil, apiErr(excNotAuthorized, msgIncorrect)
	}
	now := s.cfg.Now()
	if d := now.Sub(ts); d > s.cfg.SRPWindow || d < -s.cfg.SRPWindow {
		return nil, apiErr(excNotAuthorized, msgIncorrect)
	}
	var u store.User
	if !st.Unknown {
		if u, err = s.resolveUser(ctx, p, r["USERNAME"]); err != nil || u.Username != st.Username {
			return nil, apiErr(excNotAuthorized, msgIncorrect)
		}
		if err := checkSecretHash(cl, []string{r["USERNAME"], u.Username}, r["SECRET_HASH"]); err != nil {
			return nil, err
		}
		if err := s.statusGate(u); err != nil {
			return nil, err
		}
	} else if r["USERNAME"] != st.Username {
		return nil, apiErr(excNotAuthorized, msgIncorrect)
	}
	poolName, err := srp.PoolName(p.ID)
	if err != nil {
		return nil, err
	}
	a, _ := new(big.Int).SetString(st.A, 16)
	bigB, _ := new(big.Int).SetString(st.B, 16)
	b, _ := new(big.Int).SetString(st.SmallB, 16)
	v, _ := new(big.Int).SetString(st.Verifier, 16)
	if a == nil || bigB == nil || b == nil || v == nil {
		return nil, apiErr(excNotAuthorized, msgInvalidSession)
	}
	key, err := srp.ServerKey(a, bigB, b, v)
	ok := err == nil && srp.VerifySignature(key, poolName, st.Username, block, r["TIMESTAMP"], r["PASSWORD_CLAIM_SIGNATURE"])
	if st.Unknown {
		s.source.fail(c.source)
		return nil, apiErr(excNotAuthorized, msgIncorrect)
	}
	// The verifier may have changed since the challenge (password reset):
	// the key then cannot match, which is the right outcome.
	if !ok || !sameVerifier(u, v) {
		return nil, s.recordFailure(ctx, c, p, u)
	}
	return s.afterPassword(ctx, p, cl, u, in.ClientMetadata)
}

func sameVerifier(u store.User, v *big.Int) bool {
	return new(big.Int).SetBytes(u.SRPVerifier).Cmp(v) == 0
}

// ---- access tokens ----------------------------------------------------

type accessCtx struct {
	pool   store.UserPool
	client store.Client
	user   store.User
}

type accessClaims struct {
	Iss       string `json:"iss"`
	TokenUse  string `json:"token_use"`
	Scope     string `json:"scope"`
	ClientID  string `json:"client_id"`
	Username  string `json:"username"`
	Sub       string `json:"sub"`
	OriginJTI string `json:"origin_jti"`
	Exp       int64  `json:"exp"`
	Iat       int64  `json:"iat"`
}

// accessUser validates an access token from a request body (token class
// operations) and returns its pool, client and user.
func (s *Server) accessUser(ctx context.Context, token string) (accessCtx, error) {
	var ac accessCtx
	if token == "" {
		return ac, missing("accessToken")
	}
	invalid := apiErr(excNotAuthorized, msgAccessInvalid)
	if len(token) > 16<<10 {
		return ac, invalid
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || len(jws.Signatures) != 1 {
		return ac, invalid
	}
	var unverified accessClaims
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &unverified); err != nil {
		return ac, invalid
	}
	set, ok := s.KeysForIssuer(ctx, unverified.Iss)
	if !ok {
		return ac, invalid
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) == 0 {
		return ac, invalid
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		return ac, invalid
	}
	var cl accessClaims
	if err := json.Unmarshal(payload, &cl); err != nil || cl.TokenUse != "access" {
		return ac, invalid
	}
	if !slices.Contains(strings.Fields(cl.Scope), tokens.AdminScope) {
		return ac, apiErr(excNotAuthorized, "Access Token does not have required scopes")
	}
	if s.cfg.Now().Unix() >= cl.Exp {
		return ac, apiErr(excNotAuthorized, msgAccessExpired)
	}
	i := strings.LastIndexByte(cl.Iss, '/')
	if ac.pool, err = s.pool(ctx, cl.Iss[i+1:]); err != nil {
		return ac, invalid
	}
	if ac.client, err = s.poolClient(ctx, ac.pool.ID, cl.ClientID); err != nil {
		return ac, invalid
	}
	if cl.OriginJTI != "" {
		revoked, err := s.st.IsOriginRevoked(ctx, ac.pool.ID, cl.OriginJTI)
		if err != nil {
			return ac, fmt.Errorf("check revocation: %w", err)
		}
		if revoked {
			return ac, apiErr(excNotAuthorized, msgAccessRevoked)
		}
	}
	ac.user, err = s.st.GetUser(ctx, ac.pool.ID, cl.Username)
	if errors.Is(err, store.ErrNotFound) || err == nil && ac.user.Sub != cl.Sub {
		return ac, userNotFound()
	}
	if err != nil {
		return ac, fmt.Errorf("get user: %w", err)
	}
	if !ac.user.Enabled {
		return ac, apiErr(excNotAuthorized, msgUserDisabled)
	}
	// Families are revoked above; this also catches tokens whose family was
	// never stored. iat has one-second resolution, so only tokens from
	// whole seconds before the sign-out are refused here.
	if !ac.user.GlobalSignOutAt.IsZero() && cl.Iat < ac.user.GlobalSignOutAt.Unix() {
		return ac, apiErr(excNotAuthorized, msgAccessRevoked)
	}
	return ac, nil
}
