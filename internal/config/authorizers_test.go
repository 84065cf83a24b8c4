package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func jwtConfig(j JWTAuthorizer, scopes ...string) *Config {
	return &Config{
		UserPools: []UserPool{{Name: "pool1"}},
		APIs: []API{{
			Name: "a", Kind: KindHTTP,
			Authorizers: []Authorizer{{Name: "jwt", JWT: &j}},
			Routes:      []Route{{Route: "GET /x", Authorizer: "jwt", Scopes: scopes}},
		}},
	}
}

func cognitoConfig(c CognitoAuthorizer) *Config {
	return &Config{
		UserPools: []UserPool{{Name: "pool1"}},
		APIs: []API{{
			Name: "r", Kind: KindREST,
			Authorizers: []Authorizer{{Name: "cup", CognitoUserPools: &c}},
		}},
	}
}

func TestValidateAuthorizers(t *testing.T) {
	okJWT := JWTAuthorizer{Issuer: "https://idp.example.com/pool", Audience: []string{"client"}}
	with := func(f func(*JWTAuthorizer)) JWTAuthorizer { j := okJWT; f(&j); return j }
	many := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = "s" + strings.Repeat("x", i+1)
		}
		return s
	}
	tests := []struct {
		name string
		cfg  *Config
		// want maps a problem path to a substring of its message; empty = valid.
		want map[string]string
	}{
		{name: "minimal jwt", cfg: jwtConfig(okJWT)},
		{name: "all jwt fields", cfg: jwtConfig(with(func(j *JWTAuthorizer) {
			j.IdentitySource = "$request.querystring.token"
			j.Algorithms = []string{"ES256", "EdDSA", "PS512"}
			j.JWKSURI = "https://keys.example.com/jwks.json"
			j.ClockSkew = Duration(30 * time.Second)
		}))},
		{name: "http issuer on loopback", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Issuer = "http://127.0.0.1:9229/pool" }))},
		{name: "http issuer on localhost", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Issuer = "http://localhost:9229/pool" }))},
		{name: "user pool instead of issuer", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Issuer = ""; j.UserPool = "pool1" }))},
		{name: "missing issuer", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Issuer = "" })),
			want: map[string]string{"apis[0].authorizers[0].jwt.issuer": "issuer is required"}},
		{name: "http issuer remote", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Issuer = "http://idp.example.com" })),
			want: map[string]string{"apis[0].authorizers[0].jwt.issuer": "loopback"}},
		{name: "relative issuer", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Issuer = "/pool" })),
			want: map[string]string{"apis[0].authorizers[0].jwt.issuer": "absolute URL"}},
		{name: "issuer with query", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Issuer = "https://idp.example.com/?a=b" })),
			want: map[string]string{"apis[0].authorizers[0].jwt.issuer": "query"}},
		{name: "unknown user pool", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Issuer = ""; j.UserPool = "nope" })),
			want: map[string]string{"apis[0].authorizers[0].jwt.userPool": `no user pool named "nope"`}},
		{name: "no audience", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Audience = nil })),
			want: map[string]string{"apis[0].authorizers[0].jwt.audience": "at least one audience"}},
		{name: "51 audiences", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Audience = many(51) })),
			want: map[string]string{"apis[0].authorizers[0].jwt.audience": "at most 50"}},
		{name: "empty audience entry", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Audience = []string{"a", " "} })),
			want: map[string]string{"apis[0].authorizers[0].jwt.audience[1]": "must not be empty"}},
		{name: "context identity source", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.IdentitySource = "$context.identity.sourceIp" })),
			want: map[string]string{"apis[0].authorizers[0].jwt.identitySource": "$request.header.<name>"}},
		{name: "REST-style identity source on HTTP", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.IdentitySource = "method.request.header.Authorization" })),
			want: map[string]string{"apis[0].authorizers[0].jwt.identitySource": "must be"}},
		{name: "bad header name", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.IdentitySource = "$request.header.Bad Name" })),
			want: map[string]string{"apis[0].authorizers[0].jwt.identitySource": "not a valid header name"}},
		{name: "alg none", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Algorithms = []string{"none"} })),
			want: map[string]string{"apis[0].authorizers[0].jwt.algorithms[0]": "never accepted"}},
		{name: "alg HS256", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Algorithms = []string{"RS256", "HS256"} })),
			want: map[string]string{"apis[0].authorizers[0].jwt.algorithms[1]": "never accepted"}},
		{name: "alg unknown", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.Algorithms = []string{"ES521"} })),
			want: map[string]string{"apis[0].authorizers[0].jwt.algorithms[0]": "unknown algorithm"}},
		{name: "jwks uri http remote", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.JWKSURI = "http://keys.example.com/jwks" })),
			want: map[string]string{"apis[0].authorizers[0].jwt.jwksUri": "https"}},
		{name: "skew too large", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.ClockSkew = Duration(10 * time.Minute) })),
			want: map[string]string{"apis[0].authorizers[0].jwt.clockSkew": "between 0s and 5m0s"}},
		{name: "negative skew", cfg: jwtConfig(with(func(j *JWTAuthorizer) { j.ClockSkew = Duration(-time.Second) })),
			want: map[string]string{"apis[0].authorizers[0].jwt.clockSkew": "between"}},
		{name: "11 route scopes", cfg: jwtConfig(okJWT, many(11)...),
			want: map[string]string{"apis[0].routes[0].scopes": "at most 10"}},
		{name: "10 route scopes", cfg: jwtConfig(okJWT, many(10)...)},

		{name: "cognito by name", cfg: cognitoConfig(CognitoAuthorizer{UserPools: []string{"pool1"}})},
		{name: "cognito by arn and issuer", cfg: cognitoConfig(CognitoAuthorizer{
			UserPools:      []string{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X"},
			IdentitySource: "method.request.header.X-Token", IdentityValidationExpression: "^client$"})},
		{name: "cognito no pools", cfg: cognitoConfig(CognitoAuthorizer{}),
			want: map[string]string{"apis[0].authorizers[0].cognitoUserPools.userPools": "at least one"}},
		{name: "cognito unknown pool", cfg: cognitoConfig(CognitoAuthorizer{UserPools: []string{"pool2"}}),
			want: map[string]string{"apis[0].authorizers[0].cognitoUserPools.userPools[0]": `no user pool named "pool2"`}},
		{name: "cognito bad arn", cfg: cognitoConfig(CognitoAuthorizer{UserPools: []string{"arn:aws:s3:::bucket"}}),
			want: map[string]string{"apis[0].authorizers[0].cognitoUserPools.userPools[0]": "not a user pool ARN"}},
		{name: "cognito duplicate pool", cfg: cognitoConfig(CognitoAuthorizer{UserPools: []string{"pool1", "pool1"}}),
			want: map[string]string{"apis[0].authorizers[0].cognitoUserPools.userPools[1]": "listed twice"}},
		{name: "cognito HTTP-style identity source", cfg: cognitoConfig(CognitoAuthorizer{UserPools: []string{"pool1"}, IdentitySource: "$request.header.Authorization"}),
			want: map[string]string{"apis[0].authorizers[0].cognitoUserPools.identitySource": "method.request.header"}},
		{name: "cognito bad regexp", cfg: cognitoConfig(CognitoAuthorizer{UserPools: []string{"pool1"}, IdentityValidationExpression: "("}),
			want: map[string]string{"apis[0].authorizers[0].cognitoUserPools.identityValidationExpression": "invalid regular expression"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkProblems(t, tc.cfg.validateAuthorizers, tc.want)
		})
	}
}

// TestAuthorizersDecode checks the yaml names of the authorizer fields
// through the real decoder.
func TestAuthorizersDecode(t *testing.T) {
	const doc = `
apis:
  - name: h
    kind: http
    authorizers:
      - name: j
        jwt:
          issuer: https://idp.example.com
          audience: [a, b]
          identitySource: $request.header.X-Token
          algorithms: [ES256]
          jwksUri: https://idp.example.com/keys
          clockSkew: 30s
          cache: false
    routes:
      - route: GET /x
        authorizer: j
        scopes: [read]
        integration: {mock: {status: 200}}
`
	cfg, err := Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	j := cfg.APIs[0].Authorizers[0].JWT
	if j == nil {
		t.Fatal("jwt authorizer not decoded")
	}
	want := JWTAuthorizer{Issuer: "https://idp.example.com", Audience: []string{"a", "b"}, IdentitySource: "$request.header.X-Token",
		Algorithms: []string{"ES256"}, JWKSURI: "https://idp.example.com/keys", ClockSkew: Duration(30 * time.Second)}
	if j.Issuer != want.Issuer || strings.Join(j.Audience, ",") != "a,b" || j.IdentitySource != want.IdentitySource ||
		strings.Join(j.Algorithms, ",") != "ES256" || j.JWKSURI != want.JWKSURI || j.ClockSkew != want.ClockSkew {
		t.Errorf("decoded %+v, want %+v", *j, want)
	}
	if j.Cache == nil || *j.Cache || j.CacheEnabled() {
		t.Errorf("cache: false decoded as %v (enabled %v), want disabled", j.Cache, j.CacheEnabled())
	}
	if (&JWTAuthorizer{}).CacheEnabled() != true || (&CognitoAuthorizer{}).CacheEnabled() != true {
		t.Error("cache not enabled by default")
	}

	bad := strings.Replace(doc, "algorithms: [ES256]", "algorithms: [HS256]", 1)
	_, err = Parse("t.yaml", []byte(bad))
	if err == nil || !strings.Contains(err.Error(), "jwt.algorithms[0]") {
		t.Errorf("Parse with HS256 = %v, want a positioned algorithms[0] problem", err)
	}
}

// TestDocsJWTAuthorizerExamples validates every ```yaml block of
// docs/auth-jwt.md that does not start with "# fragment".
func TestDocsJWTAuthorizerExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/auth-jwt.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(doc, -1)
	n := 0
	for i, b := range blocks {
		if strings.HasPrefix(string(b[1]), "# fragment") {
			continue
		}
		n++
		if _, err := Parse("gatehouse.yaml", b[1]); err != nil {
			t.Errorf("yaml block %d does not validate:\n%v\n%s", i, err, b[1])
		}
	}
	if n < 2 {
		t.Errorf("validated %d blocks, want at least 2", n)
	}
}
