package jwtauth

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/jwks"
)

// MaxAudiences is API Gateway's limit on audience entries.
const MaxAudiences = 50

// JWTConfig configures an HTTP API JWT authorizer.
type JWTConfig struct {
	// Name of the authorizer, for traces and logs.
	Name string
	// Issuer must equal the token's iss exactly.
	Issuer string
	// Audience entries; aud (or client_id when aud is absent) must match one.
	Audience []string
	// IdentitySource is "$request.header.X" or "$request.querystring.x";
	// default DefaultHTTPIdentitySource.
	IdentitySource string
	// Algorithms are allowed in addition to RS256, RS384 and RS512
	// (PS*, ES*, EdDSA).
	Algorithms []string
	// ClockSkew is the leeway applied to exp, nbf and iat (default 0).
	ClockSkew time.Duration
	// Keys yields the issuer's keys (a *jwks.Remote, or an in-process source).
	Keys jwks.KeySource
	// Cache of verified tokens; nil verifies every request.
	Cache *Cache
	// MaxTokenBytes bounds the identity value (default DefaultMaxTokenBytes).
	MaxTokenBytes int
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// JWT is the HTTP API JWT authorizer. It implements authz.Authorizer.
type JWT struct {
	name string
	src  identitySource
	v    *verifier
	log  *slog.Logger

	allowDetail string
}

// NewJWT checks cfg and returns the authorizer.
func NewJWT(cfg JWTConfig) (*JWT, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("jwt authorizer: issuer is required")
	}
	if len(cfg.Audience) == 0 || len(cfg.Audience) > MaxAudiences {
		return nil, fmt.Errorf("jwt authorizer: between 1 and %d audience entries required", MaxAudiences)
	}
	is := cfg.IdentitySource
	if is == "" {
		is = DefaultHTTPIdentitySource
	}
	src, err := parseIdentitySource(is, false)
	if err != nil {
		return nil, fmt.Errorf("jwt authorizer: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v, err := newVerifier(verifierOptions{
		issuers:    []issuer{{iss: cfg.Issuer, keys: cfg.Keys}},
		audiences:  append([]string(nil), cfg.Audience...),
		algorithms: cfg.Algorithms,
		skew:       cfg.ClockSkew,
		now:        cfg.Now,
		cache:      cfg.Cache,
		maxBytes:   cfg.MaxTokenBytes,
		log:        log,
	})
	if err != nil {
		return nil, fmt.Errorf("jwt authorizer: %w", err)
	}
	return &JWT{name: cfg.Name, src: src, v: v, log: log, allowDetail: "jwt " + cfg.Name}, nil
}

// Authorize implements authz.Authorizer (reference §2.2).
func (a *JWT) Authorize(x *exchange.Exchange) (*exchange.Principal, error) {
	raw := a.src.extract(x)
	tok := bareToken(raw)
	if tok == "" {
		x.Record("authorizer", "deny", "jwt "+a.name+": identity source missing")
		return nil, gwresp.New(gwresp.Unauthorized, errors.New("identity source missing"))
	}
	ctx := x.R.Context()
	v, err := a.v.verify(ctx, tok)
	if err != nil {
		why := reason(err)
		x.Record("authorizer", "deny", "jwt "+a.name+": "+why)
		a.log.LogAttrs(ctx, slog.LevelDebug, "jwt rejected", slog.String("authorizer", a.name), slog.String("request_id", x.RequestID), slog.String("reason", err.Error()))
		e := gwresp.New(gwresp.Unauthorized, fmt.Errorf("jwt %s: %w", a.name, err))
		e.Header = http.Header{"Www-Authenticate": {wwwAuthenticate(err)}}
		return nil, e
	}
	var scopes []string
	if x.Route != nil && len(x.Route.Scopes) > 0 {
		if !anyScope(v.scopes, x.Route.Scopes) {
			x.Record("authorizer", "deny", "jwt "+a.name+": no route scope in token")
			e := gwresp.WithMessage(gwresp.AccessDenied, "Forbidden", fmt.Errorf("jwt %s: token has none of the route scopes", a.name))
			e.Status = http.StatusForbidden
			return nil, e
		}
		scopes = v.scopes
	}
	x.Record("authorizer", "allow", a.allowDetail)
	return principal("jwt", v, scopes), nil
}

func wwwAuthenticate(err error) string {
	if errors.Is(err, errAudience) {
		return `Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"`
	}
	return `Bearer scope="" error="invalid_token"`
}

// principal builds a Principal. Its claims (string values, reference §2.3,
// built by v on first use) and Scopes slice are shared with the
// verified-token cache: readers must not modify them.
func principal(typ string, v *verified, scopes []string) *exchange.Principal {
	return &exchange.Principal{Type: typ, ID: v.sub, ClaimSource: v, Scopes: scopes}
}

// Claims implements exchange.ClaimSource: the payload is scanned again and
// rendered the first time an integration, a mapping or a log reads the
// claims. It was accepted once, so scanning it cannot fail; if it did, the
// principal would have no claims rather than wrong ones.
func (v *verified) Claims() map[string]any {
	v.claimsOnce.Do(func() {
		if cs, err := scanClaims(v.payload, nil); err == nil {
			v.claims = cs.render()
		}
	})
	return v.claims
}
