package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/arn"
)

// JWTAuthorizer configures an HTTP API JWT authorizer (reference §2.1).
// Owned by the JWT capability.
type JWTAuthorizer struct {
	// Issuer must equal the token's iss exactly; an https URL (http only on
	// loopback hosts). Empty when UserPool is set: the pool's issuer is used.
	Issuer string `yaml:"issuer,omitempty" json:"issuer,omitempty"`
	// Audience lists accepted aud values (or client_id when a token has no
	// aud); 1 to 50 entries.
	Audience []string `yaml:"audience" json:"audience"`
	// IdentitySource is $request.header.<name> or $request.querystring.<name>;
	// default $request.header.Authorization.
	IdentitySource string `yaml:"identitySource,omitempty" json:"identitySource,omitempty"`
	// Algorithms allowed in addition to RS256, RS384 and RS512: PS256,
	// PS384, PS512, ES256, ES384, ES512, EdDSA. none and HS* never are.
	Algorithms []string `yaml:"algorithms,omitempty" json:"algorithms,omitempty"`
	// JWKSURI overrides OpenID Connect discovery of the key set.
	JWKSURI string `yaml:"jwksUri,omitempty" json:"jwksUri,omitempty"`
	// ClockSkew is the leeway on exp, nbf and iat (default 0, at most 5m).
	ClockSkew Duration `yaml:"clockSkew,omitempty" json:"clockSkew,omitempty"`
	// UserPool names a user pool of this file; its keys are read in
	// process, without HTTP.
	UserPool string `yaml:"userPool,omitempty" json:"userPool,omitempty"`
	// Cache set to false verifies every token on every request instead of
	// remembering verified tokens until their exp (default true).
	Cache *bool `yaml:"cache,omitempty" json:"cache,omitempty"`
}

// CognitoAuthorizer configures a REST API COGNITO_USER_POOLS authorizer
// (reference §2.7). Owned by the JWT capability.
type CognitoAuthorizer struct {
	// UserPools are names of user pools of this file, user pool ARNs
	// (arn:aws:cognito-idp:<region>:<account>:userpool/<poolId>) or issuer URLs.
	UserPools []string `yaml:"userPools" json:"userPools"`
	// IdentitySource is method.request.header.<name>; default
	// method.request.header.Authorization.
	IdentitySource string `yaml:"identitySource,omitempty" json:"identitySource,omitempty"`
	// IdentityValidationExpression is a regular expression the token's aud
	// must match; access tokens have no aud, so they then fail.
	IdentityValidationExpression string `yaml:"identityValidationExpression,omitempty" json:"identityValidationExpression,omitempty"`
	// ClockSkew is the leeway on exp, nbf and iat (default 0, at most 5m).
	ClockSkew Duration `yaml:"clockSkew,omitempty" json:"clockSkew,omitempty"`
	// Cache set to false verifies every token on every request instead of
	// remembering verified tokens until their exp (default true).
	Cache *bool `yaml:"cache,omitempty" json:"cache,omitempty"`
}

// CacheEnabled reports whether verified tokens may be cached (default true).
func (j *JWTAuthorizer) CacheEnabled() bool { return j.Cache == nil || *j.Cache }

// CacheEnabled reports whether verified tokens may be cached (default true).
func (c *CognitoAuthorizer) CacheEnabled() bool { return c.Cache == nil || *c.Cache }

// Limits of the authorizer model (API Gateway quotas).
const (
	maxJWTAudiences = 50
	maxRouteScopes  = 10
	maxClockSkew    = 5 * time.Minute
)

var (
	jwtAlgorithms = map[string]bool{
		"RS256": true, "RS384": true, "RS512": true,
		"PS256": true, "PS384": true, "PS512": true,
		"ES256": true, "ES384": true, "ES512": true, "EdDSA": true,
	}
	headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	queryName  = regexp.MustCompile(`^[^\s&=#]+$`)
)

// isUserPoolARN reports whether s is a Cognito user pool ARN.
func isUserPoolARN(s string) bool {
	_, _, ok := arn.ParseUserPool(s)
	return ok
}

// validateAuthorizers checks the inside of jwt and cognitoUserPools
// authorizers and the number of scopes on routes that use them. Names, the
// union and the API kind are checked by validateAuthorizerEntries.
func (c *Config) validateAuthorizers(p *problems) {
	pools := map[string]bool{}
	for _, up := range c.UserPools {
		pools[up.Name] = true
	}
	for i := range c.APIs {
		api := &c.APIs[i]
		base := fmt.Sprintf("apis[%d]", i)
		for j := range api.Authorizers {
			a := &api.Authorizers[j]
			path := fmt.Sprintf("%s.authorizers[%d]", base, j)
			if a.JWT != nil {
				validateJWT(a.JWT, path+".jwt", pools, p)
			}
			if a.CognitoUserPools != nil {
				validateCognito(a.CognitoUserPools, path+".cognitoUserPools", pools, p)
			}
		}
		for j := range api.Routes {
			r := &api.Routes[j]
			if len(r.Scopes) > maxRouteScopes {
				p.add(fmt.Sprintf("%s.routes[%d].scopes", base, j), "at most %d authorization scopes per route, got %d", maxRouteScopes, len(r.Scopes))
			}
		}
	}
}

func validateJWT(j *JWTAuthorizer, path string, pools map[string]bool, p *problems) {
	switch {
	case j.UserPool != "":
		if !pools[j.UserPool] {
			p.add(path+".userPool", "no user pool named %q in userPools", j.UserPool)
		}
		if j.Issuer != "" {
			checkIssuer(j.Issuer, path+".issuer", p)
		}
	case j.Issuer == "":
		p.add(path+".issuer", "issuer is required (or name a local userPool)")
	default:
		checkIssuer(j.Issuer, path+".issuer", p)
	}
	if len(j.Audience) == 0 {
		p.add(path+".audience", "at least one audience is required")
	}
	if len(j.Audience) > maxJWTAudiences {
		p.add(path+".audience", "at most %d audience entries, got %d", maxJWTAudiences, len(j.Audience))
	}
	for k, a := range j.Audience {
		if strings.TrimSpace(a) == "" {
			p.add(fmt.Sprintf("%s.audience[%d]", path, k), "audience entries must not be empty")
		}
	}
	if j.IdentitySource != "" {
		checkIdentitySource(j.IdentitySource, "$request.", path+".identitySource", p)
	}
	for k, alg := range j.Algorithms {
		ap := fmt.Sprintf("%s.algorithms[%d]", path, k)
		switch {
		case jwtAlgorithms[alg]:
		case strings.EqualFold(alg, "none") || strings.HasPrefix(strings.ToUpper(alg), "HS"):
			p.add(ap, "%q is never accepted: tokens must be signed with an asymmetric key", alg)
		default:
			p.add(ap, "unknown algorithm %q; allowed: RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA", alg)
		}
	}
	if j.JWKSURI != "" {
		if err := checkURL(j.JWKSURI); err != nil {
			p.add(path+".jwksUri", "%v", err)
		}
	}
	checkSkew(j.ClockSkew, path+".clockSkew", p)
}

func validateCognito(c *CognitoAuthorizer, path string, pools map[string]bool, p *problems) {
	if len(c.UserPools) == 0 {
		p.add(path+".userPools", "at least one user pool is required")
	}
	seen := map[string]bool{}
	for k, up := range c.UserPools {
		ep := fmt.Sprintf("%s.userPools[%d]", path, k)
		switch {
		case seen[up]:
			p.add(ep, "user pool %q listed twice", up)
		case pools[up], isUserPoolARN(up):
		case strings.HasPrefix(up, "http://") || strings.HasPrefix(up, "https://"):
			checkIssuer(up, ep, p)
		case strings.HasPrefix(up, "arn:"):
			p.add(ep, "%q is not a user pool ARN (arn:aws:cognito-idp:<region>:<account>:userpool/<poolId>)", up)
		default:
			p.add(ep, "no user pool named %q in userPools (or give an ARN or issuer URL)", up)
		}
		seen[up] = true
	}
	if c.IdentitySource != "" {
		checkIdentitySource(c.IdentitySource, "method.request.", path+".identitySource", p)
	}
	if c.IdentityValidationExpression != "" {
		if _, err := regexp.Compile(c.IdentityValidationExpression); err != nil {
			p.add(path+".identityValidationExpression", "invalid regular expression: %v", err)
		}
	}
	checkSkew(c.ClockSkew, path+".clockSkew", p)
}

func checkSkew(d Duration, path string, p *problems) {
	if d < 0 || d.D() > maxClockSkew {
		p.add(path, "clock skew must be between 0s and %s, got %s", maxClockSkew, d.D())
	}
}

func checkIdentitySource(s, prefix, path string, p *problems) {
	rest, ok := strings.CutPrefix(s, prefix)
	kind, name, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 {
		p.add(path, "identity source %q must be %sheader.<name> or %squerystring.<name>", s, prefix, prefix)
		return
	}
	switch kind {
	case "header":
		if !headerName.MatchString(name) {
			p.add(path, "identity source %q: %q is not a valid header name", s, name)
		}
	case "querystring":
		if !queryName.MatchString(name) {
			p.add(path, "identity source %q: %q is not a valid query parameter name", s, name)
		}
	default:
		p.add(path, "identity source %q must be %sheader.<name> or %squerystring.<name>", s, prefix, prefix)
	}
}

func checkIssuer(s, path string, p *problems) {
	if err := checkURL(s); err != nil {
		p.add(path, "issuer %v", err)
		return
	}
	if u, _ := url.Parse(s); u.RawQuery != "" {
		p.add(path, "issuer must not have a query string")
	}
}

// checkURL accepts https URLs, and http URLs on loopback hosts.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", s, err)
	}
	if u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%q must be an absolute URL with a host, without user info or fragment", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		h := u.Hostname()
		if ip := net.ParseIP(h); strings.EqualFold(h, "localhost") || ip != nil && ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%q must use https (http is allowed only on loopback hosts)", s)
	}
	return fmt.Errorf("%q must use https", s)
}
