package jwtauth

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/arn"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/jwks"
)

// LocalPool is a gatehouse user pool as an issuer: its issuer URL and its
// keys in process.
type LocalPool struct {
	Issuer string
	Keys   jwks.KeySource
}

// Deps are what NewFromConfig needs besides the configuration.
type Deps struct {
	// Remote returns the shared key set of a remote issuer (usually
	// (*jwks.Manager).Remote). jwksURI may be empty (discovery).
	Remote func(issuer, jwksURI string) (jwks.KeySource, error)
	// LocalPool resolves a reference to a user pool served by this process:
	// a pool name, a pool id, a user pool ARN or an issuer URL. ok is false
	// when the reference is not a local pool. May be nil.
	LocalPool func(ref string) (pool LocalPool, ok bool)
	// Cache of verified tokens shared by the authorizers; nil disables it.
	Cache *Cache
	// Now is the clock (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// NewFromConfig builds the authorizer a config entry describes: a *JWT for
// `jwt`, a *Cognito for `cognitoUserPools`. A `jwt` authorizer naming a
// userPool, or whose issuer is a local pool's, reads that pool's keys in
// process; other issuers' keys come from deps.Remote.
func NewFromConfig(a config.Authorizer, deps Deps) (authz.Authorizer, error) {
	switch {
	case a.JWT != nil:
		j := a.JWT
		issuer := j.Issuer
		var keys jwks.KeySource
		if deps.LocalPool != nil {
			ref := j.UserPool
			if ref == "" {
				ref = issuer
			}
			if p, ok := deps.LocalPool(ref); ok && j.JWKSURI == "" {
				keys = p.Keys
				if issuer == "" {
					issuer = p.Issuer
				}
			}
		}
		if keys == nil {
			if j.UserPool != "" && issuer == "" {
				return nil, fmt.Errorf("authorizer %s: user pool %q is not served by this process", a.Name, j.UserPool)
			}
			if deps.Remote == nil {
				return nil, fmt.Errorf("authorizer %s: no remote key sets available", a.Name)
			}
			var err error
			if keys, err = deps.Remote(issuer, j.JWKSURI); err != nil {
				return nil, fmt.Errorf("authorizer %s: %w", a.Name, err)
			}
		}
		cache := deps.Cache
		if !j.CacheEnabled() {
			cache = nil
		}
		return NewJWT(JWTConfig{
			Name: a.Name, Issuer: issuer, Audience: j.Audience, IdentitySource: j.IdentitySource,
			Algorithms: j.Algorithms, ClockSkew: j.ClockSkew.D(), Keys: keys, Cache: cache,
			Now: deps.Now, Logger: deps.Logger,
		})
	case a.CognitoUserPools != nil:
		c := a.CognitoUserPools
		pools := make([]CognitoPool, 0, len(c.UserPools))
		for _, ref := range c.UserPools {
			p, err := resolvePool(ref, deps)
			if err != nil {
				return nil, fmt.Errorf("authorizer %s: %w", a.Name, err)
			}
			pools = append(pools, p)
		}
		cache := deps.Cache
		if !c.CacheEnabled() {
			cache = nil
		}
		return NewCognito(CognitoConfig{
			Name: a.Name, Pools: pools, IdentitySource: c.IdentitySource,
			IdentityValidationExpression: c.IdentityValidationExpression, ClockSkew: c.ClockSkew.D(),
			Cache: cache, Now: deps.Now, Logger: deps.Logger,
		})
	}
	return nil, errors.New("authorizer is neither jwt nor cognitoUserPools")
}

// resolvePool maps a pool reference to an issuer and keys: a local pool
// first; otherwise an ARN names an AWS user pool
// (https://cognito-idp.<region>.amazonaws.com/<poolId>) and a URL is an
// issuer, both fetched remotely.
func resolvePool(ref string, deps Deps) (CognitoPool, error) {
	if deps.LocalPool != nil {
		if p, ok := deps.LocalPool(ref); ok {
			return CognitoPool(p), nil
		}
	}
	issuer := ""
	region, poolID, isARN := arn.ParseUserPool(ref)
	switch {
	case isARN:
		issuer = "https://cognito-idp." + region + ".amazonaws.com/" + poolID
	case strings.HasPrefix(ref, "https://") || strings.HasPrefix(ref, "http://"):
		issuer = ref
	default:
		return CognitoPool{}, fmt.Errorf("user pool %q is not served by this process", ref)
	}
	if deps.Remote == nil {
		return CognitoPool{}, errors.New("no remote key sets available")
	}
	keys, err := deps.Remote(issuer, "")
	if err != nil {
		return CognitoPool{}, err
	}
	return CognitoPool{Issuer: issuer, Keys: keys}, nil
}
