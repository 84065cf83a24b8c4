package jwtauth

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
)

// outcome reduces Authorize's result to a status: 200 allowed, else the
// status and body message the gateway renders.
func outcome(t *testing.T, p *exchange.Principal, err error) (int, string) {
	t.Helper()
	if err == nil {
		if p == nil {
			t.Fatal("nil principal without error")
		}
		return 200, ""
	}
	var ge *gwresp.Error
	if !errors.As(err, &ge) {
		t.Fatalf("error %v is not a *gwresp.Error", err)
	}
	switch {
	case ge.Type == gwresp.Unauthorized && ge.Status == 0 && !ge.Set:
		return 401, "Unauthorized"
	case ge.Type == gwresp.AccessDenied && ge.Status == 403 && ge.Set && *ge.Message == "Forbidden":
		return 403, "Forbidden"
	}
	t.Fatalf("unexpected gateway error %+v", ge)
	return 0, ""
}

func newTestJWT(t testing.TB, f func(*JWTConfig)) (*JWT, *countingSource, *clock) {
	t.Helper()
	src := newSource()
	clk := &clock{t: testNow}
	cfg := JWTConfig{Name: "test", Issuer: testIssuer, Audience: []string{"other", testAudience}, Keys: src, Now: clk.Now}
	if f != nil {
		f(&cfg)
	}
	a, err := NewJWT(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a, src, clk
}

func TestJWTAuthorize(t *testing.T) {
	k := keysOnce()
	with := func(f func(c map[string]any)) map[string]any { c := claims(); f(c); return c }
	tok := rsToken(t, claims())
	pubDER, _ := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	evilJWK := `{"kty":"RSA","n":"` + b64(k.evil.N.Bytes()) + `","e":"AQAB"}`

	tests := []struct {
		name    string
		header  map[string]string
		target  string
		scopes  []string
		cfg     func(*JWTConfig)
		wantSt  int
		wantAud bool // www-authenticate names the audience
		noKeys  bool // the key source must not be consulted
		check   func(t *testing.T, p *exchange.Principal)
	}{
		{name: "valid raw token", header: map[string]string{"Authorization": tok}, wantSt: 200,
			check: func(t *testing.T, p *exchange.Principal) {
				if p.Type != "jwt" || p.ID != "user-1" || p.ClaimMap()["aud"] != testAudience || p.Scopes != nil {
					t.Errorf("principal = %+v", p)
				}
			}},
		{name: "Bearer prefix", header: map[string]string{"Authorization": "Bearer " + tok}, wantSt: 200},
		{name: "lowercase bearer", header: map[string]string{"Authorization": "bearer " + tok}, wantSt: 200},
		{name: "bearer with extra spaces", header: map[string]string{"Authorization": "  BEARER   " + tok + " "}, wantSt: 200},
		{name: "missing header", wantSt: 401, noKeys: true},
		{name: "empty header", header: map[string]string{"Authorization": ""}, wantSt: 401, noKeys: true},
		{name: "Bearer and nothing", header: map[string]string{"Authorization": "Bearer "}, wantSt: 401, noKeys: true},
		{name: "Bearer without space is not a prefix", header: map[string]string{"Authorization": "Bearer" + tok}, wantSt: 401},
		{name: "other header ignored", header: map[string]string{"X-Token": tok}, wantSt: 401, noKeys: true},
		{name: "custom header source", header: map[string]string{"X-Token": tok}, cfg: func(c *JWTConfig) { c.IdentitySource = "$request.header.x-token" }, wantSt: 200},
		{name: "query string source", target: "/items?access_token=" + tok, cfg: func(c *JWTConfig) { c.IdentitySource = "$request.querystring.access_token" }, wantSt: 200},
		{name: "query string source missing", target: "/items?x=1", cfg: func(c *JWTConfig) { c.IdentitySource = "$request.querystring.access_token" }, wantSt: 401, noKeys: true},
		{name: "bad signature", header: map[string]string{"Authorization": tok[:len(tok)-4] + "AAAA"}, wantSt: 401},
		{name: "signed by another key", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"rsa-1"}`, mustJSON(claims()), rs256(k.rsa2))}, wantSt: 401},
		{name: "payload swapped", header: map[string]string{"Authorization": func() string {
			other := rsToken(t, with(func(c map[string]any) { c["sub"] = "admin" }))
			p := strings.Split(tok, ".")
			return p[0] + "." + strings.Split(other, ".")[1] + "." + p[2]
		}()}, wantSt: 401},
		{name: "alg none", header: map[string]string{"Authorization": b64([]byte(`{"alg":"none","kid":"rsa-1"}`)) + "." + b64([]byte(mustJSON(claims()))) + "."}, wantSt: 401, noKeys: true},
		{name: "alg none with signature", header: map[string]string{"Authorization": b64([]byte(`{"alg":"none","kid":"rsa-1"}`)) + "." + b64([]byte(mustJSON(claims()))) + ".AAAA"}, wantSt: 401, noKeys: true},
		{name: "alg None case", header: map[string]string{"Authorization": signRaw(t, `{"alg":"None","kid":"rsa-1"}`, mustJSON(claims()), rs256(k.rsa))}, wantSt: 401, noKeys: true},
		{name: "HS256 with RSA public key PEM as secret", header: map[string]string{"Authorization": signRaw(t, `{"alg":"HS256","kid":"rsa-1"}`, mustJSON(claims()), hs256(pubPEM))}, wantSt: 401, noKeys: true},
		{name: "HS256 with RSA public key DER as secret", header: map[string]string{"Authorization": signRaw(t, `{"alg":"HS256","kid":"rsa-1"}`, mustJSON(claims()), hs256(pubDER))}, wantSt: 401, noKeys: true},
		{name: "HS256 even when other algs configured", cfg: func(c *JWTConfig) { c.Algorithms = []string{ES256, PS256} },
			header: map[string]string{"Authorization": signRaw(t, `{"alg":"HS256","kid":"rsa-1"}`, mustJSON(claims()), hs256(k.rsa.N.Bytes()))}, wantSt: 401, noKeys: true},
		{name: "PS256 not allowed by default", header: map[string]string{"Authorization": signRaw(t, `{"alg":"PS256","kid":"rsa-1"}`, mustJSON(claims()), ps256(k.rsa))}, wantSt: 401, noKeys: true},
		{name: "PS256 when configured", cfg: func(c *JWTConfig) { c.Algorithms = []string{PS256} },
			header: map[string]string{"Authorization": signRaw(t, `{"alg":"PS256","kid":"rsa-1"}`, mustJSON(claims()), ps256(k.rsa))}, wantSt: 200},
		{name: "ES256 not allowed by default", header: map[string]string{"Authorization": signRaw(t, `{"alg":"ES256","kid":"ec-1"}`, mustJSON(claims()), es256(k.ec))}, wantSt: 401, noKeys: true},
		{name: "ES256 when configured", cfg: func(c *JWTConfig) { c.Algorithms = []string{ES256} },
			header: map[string]string{"Authorization": signRaw(t, `{"alg":"ES256","kid":"ec-1"}`, mustJSON(claims()), es256(k.ec))}, wantSt: 200},
		{name: "EdDSA not allowed by default", header: map[string]string{"Authorization": signRaw(t, `{"alg":"EdDSA","kid":"ed-1"}`, mustJSON(claims()), eddsa(k.ed))}, wantSt: 401, noKeys: true},
		{name: "EdDSA when configured", cfg: func(c *JWTConfig) { c.Algorithms = []string{EdDSA} },
			header: map[string]string{"Authorization": signRaw(t, `{"alg":"EdDSA","kid":"ed-1"}`, mustJSON(claims()), eddsa(k.ed))}, wantSt: 200},
		{name: "ES256 header on the Ed25519 key", cfg: func(c *JWTConfig) { c.Algorithms = []string{EdDSA, ES256} },
			header: map[string]string{"Authorization": signRaw(t, `{"alg":"ES256","kid":"ed-1"}`, mustJSON(claims()), es256(k.ec))}, wantSt: 401},
		{name: "RS256 header on the EC key", cfg: func(c *JWTConfig) { c.Algorithms = []string{ES256} },
			header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"ec-1"}`, mustJSON(claims()), rs256(k.rsa))}, wantSt: 401},
		{name: "alg not a string", header: map[string]string{"Authorization": signRaw(t, `{"alg":["RS256"],"kid":"rsa-1"}`, mustJSON(claims()), rs256(k.rsa))}, wantSt: 401, noKeys: true},
		{name: "crit header", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"rsa-1","crit":["exp"],"exp":1}`, mustJSON(claims()), rs256(k.rsa))}, wantSt: 401},
		{name: "expired", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["exp"] = testNow.Add(-time.Second).Unix() }))}, wantSt: 401, noKeys: true},
		{name: "exp equal to now", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["exp"] = testNow.Unix() }))}, wantSt: 401, noKeys: true},
		{name: "expired within skew", cfg: func(c *JWTConfig) { c.ClockSkew = time.Minute },
			header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["exp"] = testNow.Add(-30 * time.Second).Unix() }))}, wantSt: 200},
		{name: "exp missing", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { delete(c, "exp") }))}, wantSt: 401, noKeys: true},
		{name: "exp a string", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["exp"] = "9999999999" }))}, wantSt: 401, noKeys: true},
		{name: "exp fractional ok", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["exp"] = float64(testNow.Unix()) + 0.5 }))}, wantSt: 200},
		{name: "nbf in future", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["nbf"] = testNow.Add(time.Second).Unix() }))}, wantSt: 401, noKeys: true},
		{name: "nbf in past", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["nbf"] = testNow.Add(-time.Second).Unix() }))}, wantSt: 200},
		{name: "nbf in future within skew", cfg: func(c *JWTConfig) { c.ClockSkew = time.Minute },
			header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["nbf"] = testNow.Add(30 * time.Second).Unix() }))}, wantSt: 200},
		{name: "iat in future", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["iat"] = testNow.Add(time.Second).Unix() }))}, wantSt: 401, noKeys: true},
		{name: "iat missing ok", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { delete(c, "iat") }))}, wantSt: 200},
		{name: "wrong issuer", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["iss"] = "https://evil.example.com" }))}, wantSt: 401, noKeys: true},
		{name: "issuer with trailing slash", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["iss"] = testIssuer + "/" }))}, wantSt: 401, noKeys: true},
		{name: "issuer missing", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { delete(c, "iss") }))}, wantSt: 401, noKeys: true},
		{name: "wrong audience", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["aud"] = "nope" }))}, wantSt: 401, wantAud: true, noKeys: true},
		{name: "audience array any match", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["aud"] = []string{"x", testAudience} }))}, wantSt: 200},
		{name: "audience array no match", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["aud"] = []string{"x", "y"} }))}, wantSt: 401, wantAud: true},
		{name: "missing aud with client_id match", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) {
			delete(c, "aud")
			c["client_id"] = testAudience
		}))}, wantSt: 200},
		{name: "missing aud with client_id mismatch", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) {
			delete(c, "aud")
			c["client_id"] = "nope"
		}))}, wantSt: 401, wantAud: true},
		{name: "wrong aud and matching client_id", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) {
			c["aud"] = "nope"
			c["client_id"] = testAudience
		}))}, wantSt: 401, wantAud: true},
		{name: "neither aud nor client_id", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { delete(c, "aud") }))}, wantSt: 401, wantAud: true},
		{name: "unknown kid", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"rsa-9"}`, mustJSON(claims()), rs256(k.rsa))}, wantSt: 401},
		{name: "no kid", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256"}`, mustJSON(claims()), rs256(k.rsa))}, wantSt: 401, noKeys: true},
		{name: "kid with path characters", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"../../../../etc/passwd"}`, mustJSON(claims()), rs256(k.rsa))}, wantSt: 401},
		{name: "kid with SQL", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"' OR '1'='1"}`, mustJSON(claims()), rs256(k.rsa))}, wantSt: 401},
		{name: "embedded jwk header ignored", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"attacker","jwk":`+evilJWK+`}`, mustJSON(claims()), rs256(k.evil))}, wantSt: 401},
		{name: "jku header ignored", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"attacker","jku":"https://evil.example.com/jwks"}`, mustJSON(claims()), rs256(k.evil))}, wantSt: 401},
		{name: "x5u header ignored", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"attacker","x5u":"https://evil.example.com/cert"}`, mustJSON(claims()), rs256(k.evil))}, wantSt: 401},
		{name: "jku header with good kid still verified against own keys", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"rsa-1","jku":"https://evil.example.com/jwks"}`, mustJSON(claims()), rs256(k.evil))}, wantSt: 401},
		{name: "two segments", header: map[string]string{"Authorization": strings.Join(strings.Split(tok, ".")[:2], ".")}, wantSt: 401, noKeys: true},
		{name: "four segments", header: map[string]string{"Authorization": tok + ".AAAA"}, wantSt: 401, noKeys: true},
		{name: "padded base64", header: map[string]string{"Authorization": tok + "=="}, wantSt: 401, noKeys: true},
		{name: "standard base64 alphabet", header: map[string]string{"Authorization": strings.NewReplacer("-", "+", "_", "/").Replace(tok)}, wantSt: 401},
		{name: "whitespace inside", header: map[string]string{"Authorization": tok[:20] + " " + tok[20:]}, wantSt: 401, noKeys: true},
		{name: "payload not JSON", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"rsa-1"}`, `not json`, rs256(k.rsa))}, wantSt: 401, noKeys: true},
		{name: "payload JSON array", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"rsa-1"}`, `[1,2]`, rs256(k.rsa))}, wantSt: 401, noKeys: true},
		{name: "payload trailing data", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"rsa-1"}`, mustJSON(claims())+`{}`, rs256(k.rsa))}, wantSt: 401, noKeys: true},
		{name: "duplicate claim", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"rsa-1"}`,
			strings.Replace(mustJSON(claims()), `"sub":"user-1"`, `"sub":"user-1","sub":"admin"`, 1), rs256(k.rsa))}, wantSt: 401, noKeys: true},
		{name: "duplicate header member", header: map[string]string{"Authorization": signRaw(t, `{"alg":"RS256","kid":"rsa-1","alg":"none"}`, mustJSON(claims()), rs256(k.rsa))}, wantSt: 401, noKeys: true},
		{name: "header not JSON", header: map[string]string{"Authorization": "eyJhbGciOiJSUzI1NiIs." + strings.SplitN(tok, ".", 2)[1]}, wantSt: 401, noKeys: true},
		{name: "oversized token", header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["pad"] = strings.Repeat("a", DefaultMaxTokenBytes) }))}, wantSt: 401, noKeys: true},
		{name: "garbage", header: map[string]string{"Authorization": "not-a-token"}, wantSt: 401, noKeys: true},
		{name: "route scopes any-of via scope", scopes: []string{"read", "write"},
			header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["scope"] = "openid write" }))}, wantSt: 200,
			check: func(t *testing.T, p *exchange.Principal) {
				if strings.Join(p.Scopes, " ") != "openid write" {
					t.Errorf("Scopes = %v, want all token scopes", p.Scopes)
				}
			}},
		{name: "route scopes none matching", scopes: []string{"read", "write"},
			header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["scope"] = "openid email" }))}, wantSt: 403},
		{name: "route scopes but token has none", scopes: []string{"read"}, header: map[string]string{"Authorization": tok}, wantSt: 403},
		{name: "scope substring is not a match", scopes: []string{"read"},
			header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["scope"] = "readonly"; c["x"] = 1 }))}, wantSt: 403},
		{name: "scp array", scopes: []string{"read"},
			header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["scp"] = []string{"a", "read"} }))}, wantSt: 200},
		{name: "scp string", scopes: []string{"read"},
			header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["scp"] = "a read" }))}, wantSt: 200},
		{name: "scope wins over scp", scopes: []string{"read"},
			header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["scope"] = "a"; c["scp"] = []string{"read"} }))}, wantSt: 403},
		{name: "scope not a string", scopes: []string{"read"},
			header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["scope"] = []string{"read"} }))}, wantSt: 401, noKeys: true},
		{name: "invalid token on scoped route is 401 not 403", scopes: []string{"read"},
			header: map[string]string{"Authorization": rsToken(t, with(func(c map[string]any) { c["iss"] = "x"; c["scope"] = "read" }))}, wantSt: 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, src, _ := newTestJWT(t, tc.cfg)
			x := newExchange(tc.header, tc.target, tc.scopes)
			p, err := a.Authorize(x)
			st, _ := outcome(t, p, err)
			if st != tc.wantSt {
				t.Fatalf("status = %d (err %v), want %d", st, err, tc.wantSt)
			}
			if tc.noKeys && src.n.Load() != 0 {
				t.Errorf("key source consulted %d times, want none", src.n.Load())
			}
			if st == 401 && tc.header != nil && tc.header["Authorization"] != "" && strings.TrimSpace(strings.TrimPrefix(tc.header["Authorization"], "Bearer ")) != "" {
				var ge *gwresp.Error
				errors.As(err, &ge)
				wa := ge.Header.Get("Www-Authenticate")
				if got := strings.Contains(wa, "valid audience"); got != tc.wantAud {
					t.Errorf("www-authenticate = %q, audience description %v, want %v", wa, got, tc.wantAud)
				}
			}
			if len(x.Trace) == 0 || x.Trace[len(x.Trace)-1].Stage != "authorizer" {
				t.Errorf("trace = %+v, want an authorizer step", x.Trace)
			}
			for _, s := range x.Trace {
				if tok := tc.header["Authorization"]; len(tok) > 20 && strings.Contains(s.Detail, tok[:20]) {
					t.Errorf("trace leaks the token: %q", s.Detail)
				}
			}
			if tc.check != nil && p != nil {
				tc.check(t, p)
			}
		})
	}
}

func TestNewJWTRejectsBadConfig(t *testing.T) {
	src := newSource()
	tests := []struct {
		name string
		cfg  JWTConfig
	}{
		{"no issuer", JWTConfig{Audience: []string{"a"}, Keys: src}},
		{"no audience", JWTConfig{Issuer: testIssuer, Keys: src}},
		{"no keys", JWTConfig{Issuer: testIssuer, Audience: []string{"a"}}},
		{"HS256", JWTConfig{Issuer: testIssuer, Audience: []string{"a"}, Keys: src, Algorithms: []string{"HS256"}}},
		{"none", JWTConfig{Issuer: testIssuer, Audience: []string{"a"}, Keys: src, Algorithms: []string{"none"}}},
		{"context identity source", JWTConfig{Issuer: testIssuer, Audience: []string{"a"}, Keys: src, IdentitySource: "$context.authorizer.x"}},
		{"REST identity source", JWTConfig{Issuer: testIssuer, Audience: []string{"a"}, Keys: src, IdentitySource: "method.request.header.Authorization"}},
		{"negative skew", JWTConfig{Issuer: testIssuer, Audience: []string{"a"}, Keys: src, ClockSkew: -time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewJWT(tc.cfg); err == nil {
				t.Error("NewJWT accepted a bad config")
			}
		})
	}
}

func TestRenderClaims(t *testing.T) {
	k := keysOnce()
	payload := `{"iss":"` + testIssuer + `","aud":"` + testAudience + `","sub":"u","exp":1787996002,"iat":1700000000,` +
		`"cognito:groups":["admin","regular"],"email_verified":true,"n":1.5,"big":12345678901234567890,` +
		`"nested":{"a":[1,"x"],"b":null},"gone":null,"empty":[],"custom:x":"y z"}`
	tok := signRaw(t, `{"alg":"RS256","kid":"rsa-1"}`, payload, rs256(k.rsa))
	clk := &clock{t: time.Unix(1700000100, 0)}
	a, _, _ := newTestJWT(t, func(c *JWTConfig) { c.Now = clk.Now })
	p, err := a.Authorize(newExchange(map[string]string{"Authorization": tok}, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"iss": testIssuer, "aud": testAudience, "sub": "u",
		"exp": "1787996002", "iat": "1700000000",
		"cognito:groups": "[admin regular]", "email_verified": "true", "n": "1.5",
		"big": "12345678901234567890", "nested": `{"a":[1,"x"],"b":null}`, "empty": "[]", "custom:x": "y z",
	}
	if len(p.ClaimMap()) != len(want) {
		t.Errorf("claims = %v, want %d entries", p.ClaimMap(), len(want))
	}
	for k, w := range want {
		if got, _ := p.ClaimMap()[k].(string); got != w {
			t.Errorf("claim %s = %#v, want %q", k, p.ClaimMap()[k], w)
		}
	}
	if _, ok := p.ClaimMap()["gone"]; ok {
		t.Error("null claim not omitted")
	}
	p2, err := a.Authorize(newExchange(map[string]string{"Authorization": tok}, "", nil))
	if err != nil || p2.ClaimMap()["sub"] != "u" || len(p2.ClaimMap()) != len(want) {
		t.Errorf("second principal claims = %v, %v", p2.ClaimMap(), err)
	}
}

// TestClaimsBuiltOnFirstUse: an authorized request whose integration never
// reads the claims does not pay for rendering them; the first reader (of
// many at once, on a cached token) renders them once for all.
func TestClaimsBuiltOnFirstUse(t *testing.T) {
	tok := rsToken(t, claims())
	a, _, _ := newTestJWT(t, func(c *JWTConfig) { c.Cache = NewCache(0) })
	p, err := a.Authorize(newExchange(map[string]string{"Authorization": tok}, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	v, ok := p.ClaimSource.(*verified)
	if !ok || p.Claims != nil {
		t.Fatalf("principal carries %T and %v, want a *verified source and no map yet", p.ClaimSource, p.Claims)
	}
	if v.claims != nil {
		t.Fatal("claims rendered before anyone asked for them")
	}
	maps := make(chan map[string]any, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := a.Authorize(newExchange(map[string]string{"Authorization": tok}, "", nil))
			if err != nil {
				t.Error(err)
				return
			}
			maps <- p.ClaimMap()
		}()
	}
	wg.Wait()
	close(maps)
	first := p.ClaimMap()
	if first["iss"] != testIssuer || first["aud"] != testAudience {
		t.Fatalf("claims = %v", first)
	}
	for m := range maps {
		if reflect.ValueOf(m).UnsafePointer() != reflect.ValueOf(first).UnsafePointer() {
			t.Fatal("a cached token's claims were rendered more than once")
		}
	}
}
