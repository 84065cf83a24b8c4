package tokens

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/idp/signer"
	"github.com/gatehouse/gatehouse/internal/store"
)

// AdminScope is the only scope of tokens issued through the native API.
const AdminScope = "aws.cognito.signin.user.admin"

// Signer signs a claim set with the pool's key for a use.
type Signer interface {
	Sign(ctx context.Context, poolID string, use signer.Use, payload []byte) (string, error)
}

// Issuer issues token pairs.
type Issuer struct {
	signer Signer
	now    func() time.Time
	newID  func() string
}

// New returns an Issuer. newID returns a fresh UUID string (nil = random v4).
func New(s Signer, now func() time.Time, newID func() string) *Issuer {
	if newID == nil {
		newID = func() string { return uuid.NewString() }
	}
	return &Issuer{signer: s, now: now, newID: newID}
}

// GroupInfo is one group contributing to the group claims.
type GroupInfo struct {
	Name    string
	RoleArn string
	// Precedence is math.MaxInt64 when unset (store.Group.PrecedenceKey).
	Precedence int64
}

// Request describes the tokens to issue.
type Request struct {
	PoolID   string
	Issuer   string
	ClientID string
	Username string
	Sub      string
	// Attributes readable by the client, in the user's order (sub excluded).
	Attributes store.Attributes
	// Groups ordered by precedence.
	Groups    []GroupInfo
	AuthTime  time.Time
	OriginJTI string
	EventID   string
	// Validities.
	IDValidity, AccessValidity time.Duration
	// Overrides from the pre token generation trigger (nil = none).
	Overrides *Overrides
}

// Overrides is the merged outcome of a pre token generation trigger.
type Overrides struct {
	ID     ClaimEdits
	Access ClaimEdits
	// Groups, when non-nil, replaces the group claims in both tokens; an
	// empty override removes them.
	Groups *GroupOverride
	// ScopesToAdd / ScopesToSuppress edit the access token scope (V2/V3).
	ScopesToAdd, ScopesToSuppress []string
}

// ClaimEdits adds/overrides and suppresses claims of one token.
type ClaimEdits struct {
	Add      map[string]any
	Suppress []string
}

// GroupOverride is groupOverrideDetails.
type GroupOverride struct {
	Groups        []string
	Roles         []string
	PreferredRole string
}

// protected claims cannot be added, changed or suppressed by a trigger.
var protected = map[string]bool{
	"acr": true, "amr": true, "aud": true, "at_hash": true, "auth_time": true, "azp": true,
	"cognito:username": true, "exp": true, "iat": true, "identities": true, "iss": true,
	"jti": true, "nbf": true, "nonce": true, "origin_jti": true, "sub": true, "token_use": true,
}

// accessProtected adds the access-token claims only the scope/group lists change.
var accessProtected = map[string]bool{"client_id": true, "scope": true, "username": true, "cognito:groups": true}

// Pair is an issued ID/access token pair.
type Pair struct {
	IDToken     string
	AccessToken string
	// ExpiresIn is the access-token lifetime in seconds.
	ExpiresIn int64
	IDJTI     string
	AccessJTI string
}

// attrValue converts a stored attribute to its claim value.
func attrValue(name, value string) any {
	switch name {
	case "email_verified", "phone_number_verified":
		return strings.EqualFold(value, "true")
	case "updated_at":
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			return n
		}
	}
	return value
}

// groupClaims computes cognito:groups, cognito:roles, cognito:preferred_role.
func groupClaims(groups []GroupInfo) (names, roles []string, preferred string) {
	best := int64(-1)
	tied := false
	for _, g := range groups {
		names = append(names, g.Name)
		if g.RoleArn == "" {
			continue
		}
		if !slices.Contains(roles, g.RoleArn) {
			roles = append(roles, g.RoleArn)
		}
		switch {
		case best == -1 || g.Precedence < best:
			best, preferred, tied = g.Precedence, g.RoleArn, false
		case g.Precedence == best && g.RoleArn != preferred:
			tied = true
		}
	}
	if tied {
		preferred = ""
	}
	return names, roles, preferred
}

// Claims returns the ID and access claim sets for req, with fresh jtis.
func (is *Issuer) Claims(req Request) (id, access map[string]any) {
	now := is.now().Unix()
	authTime := req.AuthTime.Unix()
	names, roles, preferred := groupClaims(req.Groups)
	ov := req.Overrides
	if ov != nil && ov.Groups != nil {
		names, roles, preferred = ov.Groups.Groups, ov.Groups.Roles, ov.Groups.PreferredRole
	}
	id = map[string]any{
		"sub":              req.Sub,
		"aud":              req.ClientID,
		"iss":              req.Issuer,
		"token_use":        "id",
		"cognito:username": req.Username,
		"auth_time":        authTime,
		"iat":              now,
		"exp":              now + int64(req.IDValidity/time.Second),
		"jti":              is.newID(),
		"origin_jti":       req.OriginJTI,
		"event_id":         req.EventID,
	}
	for _, a := range req.Attributes {
		if a.Name == "sub" || protected[a.Name] {
			continue
		}
		id[a.Name] = attrValue(a.Name, a.Value)
	}
	if len(names) > 0 {
		id["cognito:groups"] = names
	}
	if len(roles) > 0 {
		id["cognito:roles"] = roles
	}
	if preferred != "" {
		id["cognito:preferred_role"] = preferred
	}
	access = map[string]any{
		"sub":        req.Sub,
		"iss":        req.Issuer,
		"client_id":  req.ClientID,
		"origin_jti": req.OriginJTI,
		"event_id":   req.EventID,
		"token_use":  "access",
		"scope":      AdminScope,
		"auth_time":  authTime,
		"iat":        now,
		"exp":        now + int64(req.AccessValidity/time.Second),
		"jti":        is.newID(),
		"username":   req.Username,
	}
	if len(names) > 0 {
		access["cognito:groups"] = names
	}
	if ov != nil {
		applyEdits(id, ov.ID, nil)
		applyEdits(access, ov.Access, accessProtected)
		if len(ov.ScopesToAdd) > 0 || len(ov.ScopesToSuppress) > 0 {
			access["scope"] = editScopes(AdminScope, ov.ScopesToAdd, ov.ScopesToSuppress)
		}
	}
	return id, access
}

func applyEdits(claims map[string]any, e ClaimEdits, extra map[string]bool) {
	for k, v := range e.Add {
		if protected[k] || extra[k] {
			continue
		}
		claims[k] = v
	}
	// Suppression wins over addition.
	for _, k := range e.Suppress {
		if protected[k] || extra[k] {
			continue
		}
		delete(claims, k)
	}
}

func editScopes(base string, add, suppress []string) string {
	scopes := strings.Fields(base)
	for _, s := range add {
		if s != "" && !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	scopes = slices.DeleteFunc(scopes, func(s string) bool { return slices.Contains(suppress, s) })
	return strings.Join(scopes, " ")
}

// Issue builds and signs the token pair.
func (is *Issuer) Issue(ctx context.Context, req Request) (Pair, error) {
	id, access := is.Claims(req)
	idJSON, err := json.Marshal(id)
	if err != nil {
		return Pair{}, fmt.Errorf("marshal id claims: %w", err)
	}
	accessJSON, err := json.Marshal(access)
	if err != nil {
		return Pair{}, fmt.Errorf("marshal access claims: %w", err)
	}
	idTok, err := is.signer.Sign(ctx, req.PoolID, signer.UseID, idJSON)
	if err != nil {
		return Pair{}, fmt.Errorf("sign id token: %w", err)
	}
	accTok, err := is.signer.Sign(ctx, req.PoolID, signer.UseAccess, accessJSON)
	if err != nil {
		return Pair{}, fmt.Errorf("sign access token: %w", err)
	}
	return Pair{
		IDToken: idTok, AccessToken: accTok,
		ExpiresIn: int64(req.AccessValidity / time.Second),
		IDJTI:     id["jti"].(string), AccessJTI: access["jti"].(string),
	}, nil
}

// refreshHeader is the protected header Cognito's JWE refresh tokens carry,
// so gatehouse's opaque tokens have the same recognisable shape.
const refreshHeader = `{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}`

// NewRefreshToken returns an opaque refresh token of Cognito's five-part
// shape, made of random segments, and its storage hash.
func NewRefreshToken(r io.Reader) (token string, hash []byte, err error) {
	seg := func(n int) (string, error) {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return "", fmt.Errorf("read random: %w", err)
		}
		return base64.RawURLEncoding.EncodeToString(b), nil
	}
	parts := []string{base64.RawURLEncoding.EncodeToString([]byte(refreshHeader))}
	for _, n := range []int{64, 12, 64, 16} {
		s, err := seg(n)
		if err != nil {
			return "", nil, err
		}
		parts = append(parts, s)
	}
	token = strings.Join(parts, ".")
	return token, store.HashToken(token), nil
}

// Validity defaults (Cognito).
const (
	DefaultIDValidity      = time.Hour
	DefaultAccessValidity  = time.Hour
	DefaultRefreshValidity = 30 * 24 * time.Hour
)

func unit(u, def string) time.Duration {
	if u == "" {
		u = def
	}
	switch u {
	case "seconds":
		return time.Second
	case "minutes":
		return time.Minute
	case "days":
		return 24 * time.Hour
	default:
		return time.Hour
	}
}

// Validities returns the client's ID, access and refresh token lifetimes.
func Validities(c store.Client) (id, access, refresh time.Duration) {
	id, access, refresh = DefaultIDValidity, DefaultAccessValidity, DefaultRefreshValidity
	if c.IDTokenValidity > 0 {
		id = time.Duration(c.IDTokenValidity) * unit(c.TokenValidityUnits.IDToken, "hours")
	}
	if c.AccessTokenValidity > 0 {
		access = time.Duration(c.AccessTokenValidity) * unit(c.TokenValidityUnits.AccessToken, "hours")
	}
	if c.RefreshTokenValidity > 0 {
		refresh = time.Duration(c.RefreshTokenValidity) * unit(c.TokenValidityUnits.RefreshToken, "days")
	}
	return id, access, refresh
}
