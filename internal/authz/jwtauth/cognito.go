package jwtauth

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/jwks"
)

// CognitoPool is one user pool a Cognito authorizer trusts.
type CognitoPool struct {
	// Issuer is the pool's issuer URL (the token's iss).
	Issuer string
	// Keys yields the pool's keys.
	Keys jwks.KeySource
}

// CognitoConfig configures a REST API COGNITO_USER_POOLS authorizer.
type CognitoConfig struct {
	Name  string
	Pools []CognitoPool
	// IdentitySource is "method.request.header.X" (default
	// DefaultRESTIdentitySource) or "method.request.querystring.x".
	IdentitySource string
	// IdentityValidationExpression, when set, must match the token's aud
	// (a string); tokens without aud, such as access tokens, then fail.
	IdentityValidationExpression string
	ClockSkew                    time.Duration
	Cache                        *Cache
	MaxTokenBytes                int
	Now                          func() time.Time
	Logger                       *slog.Logger
}

// Cognito is the REST API Cognito user-pool authorizer (reference §2.7). It
// implements authz.Authorizer. A method without scopes takes ID tokens; a
// method with scopes takes access tokens carrying one of them. Every
// refusal is 401.
type Cognito struct {
	name  string
	src   identitySource
	v     *verifier
	audRE *regexp.Regexp
	log   *slog.Logger
}

// NewCognito checks cfg and returns the authorizer.
func NewCognito(cfg CognitoConfig) (*Cognito, error) {
	if len(cfg.Pools) == 0 {
		return nil, errors.New("cognito authorizer: at least one user pool is required")
	}
	is := cfg.IdentitySource
	if is == "" {
		is = DefaultRESTIdentitySource
	}
	src, err := parseIdentitySource(is, true)
	if err != nil {
		return nil, fmt.Errorf("cognito authorizer: %w", err)
	}
	var re *regexp.Regexp
	if cfg.IdentityValidationExpression != "" {
		if re, err = regexp.Compile(cfg.IdentityValidationExpression); err != nil {
			return nil, fmt.Errorf("cognito authorizer: identity validation expression: %w", err)
		}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	iss := make([]issuer, len(cfg.Pools))
	for i, p := range cfg.Pools {
		iss[i] = issuer{iss: p.Issuer, keys: p.Keys}
	}
	v, err := newVerifier(verifierOptions{
		issuers:  iss,
		skew:     cfg.ClockSkew,
		now:      cfg.Now,
		cache:    cfg.Cache,
		maxBytes: cfg.MaxTokenBytes,
		log:      log,
	})
	if err != nil {
		return nil, fmt.Errorf("cognito authorizer: %w", err)
	}
	return &Cognito{name: cfg.Name, src: src, v: v, audRE: re, log: log}, nil
}

// Authorize implements authz.Authorizer.
func (a *Cognito) Authorize(x *exchange.Exchange) (*exchange.Principal, error) {
	tok := bareToken(a.src.extract(x))
	if tok == "" {
		x.Record("authorizer", "deny", "cognito "+a.name+": identity source missing")
		return nil, gwresp.New(gwresp.Unauthorized, errors.New("identity source missing"))
	}
	ctx := x.R.Context()
	v, err := a.v.verify(ctx, tok)
	if err != nil {
		x.Record("authorizer", "deny", "cognito "+a.name+": "+reason(err))
		a.log.LogAttrs(ctx, slog.LevelDebug, "cognito token rejected", slog.String("authorizer", a.name), slog.String("request_id", x.RequestID), slog.String("reason", err.Error()))
		return nil, gwresp.New(gwresp.Unauthorized, fmt.Errorf("cognito %s: %w", a.name, err))
	}
	deny := func(why string) (*exchange.Principal, error) {
		x.Record("authorizer", "deny", "cognito "+a.name+": "+why)
		return nil, gwresp.New(gwresp.Unauthorized, fmt.Errorf("cognito %s: %s", a.name, why))
	}
	// The expression is matched against aud whatever the token; an access
	// token has none, so it fails (as in API Gateway).
	if a.audRE != nil {
		if !v.audIsString || !a.audRE.MatchString(v.aud) {
			return deny("aud does not match the identity validation expression")
		}
	}
	var routeScopes []string
	if x.Route != nil {
		routeScopes = x.Route.Scopes
	}
	if len(routeScopes) == 0 {
		if v.tokenUse != "id" {
			return deny("method has no scopes, so an ID token is required")
		}
		x.Record("authorizer", "allow", "cognito "+a.name+": id token")
		return principal("cognito_user_pools", v, nil), nil
	}
	if v.tokenUse != "access" {
		return deny("method has scopes, so an access token is required")
	}
	if !anyScope(v.scopes, routeScopes) {
		return deny("token has none of the method scopes")
	}
	x.Record("authorizer", "allow", "cognito "+a.name+": access token")
	return principal("cognito_user_pools", v, v.scopes), nil
}
