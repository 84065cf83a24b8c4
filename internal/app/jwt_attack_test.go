package app

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/jwks"
)

// The attack suite of issue 5 item 8, end to end: forged, tampered and
// malformed tokens are sent through the gateway to an HTTP API with a jwt
// authorizer and to a REST API with a cognitoUserPools authorizer, both
// trusting one loopback OpenID issuer. Every case must get the API kind's
// refusal, none may reach the integration (a counting HTTP backend), and
// the attacker's key server must never be contacted.

const (
	attackHTTPHost = "jwtatk0001.execute-api.localhost"
	attackRESTHost = "jwtatk0002.execute-api.localhost"
	attackAudience = "my-client"
	attackKid      = "k1"
)

// hitServer is a loopback HTTP server that counts the requests it receives.
type hitServer struct {
	*httptest.Server
	hits atomic.Int64
}

func newHitServer(tb testing.TB, h http.Handler) *hitServer {
	tb.Helper()
	s := &hitServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h.ServeHTTP(w, r)
	}))
	tb.Cleanup(s.Close)
	return s
}

// keyServer is an OpenID issuer (discovery and JWKS) that counts JWKS
// fetches. The legitimate issuer and the attacker's server are both one.
type keyServer struct {
	*hitServer
	key       *rsa.PrivateKey
	kid       string
	jwksHits  atomic.Int64
	publicJWK []byte // the key as the JWKS serves it
}

func newKeyServer(tb testing.TB, kid string) *keyServer {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	ks := &keyServer{key: key, kid: kid}
	jwk := jose.JSONWebKey{Key: &key.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"}
	if ks.publicJWK, err = jwk.MarshalJSON(); err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": ks.URL, "jwks_uri": ks.URL + "/jwks.json"})
	})
	mux.HandleFunc("/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		ks.jwksHits.Add(1)
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	})
	ks.hitServer = newHitServer(tb, mux)
	return ks
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustMarshal(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// rawToken assembles header.payload.signature from raw JSON texts, signing
// header.payload with sign (nil: empty signature).
func rawToken(header, payload string, sign func([]byte) []byte) string {
	in := b64url([]byte(header)) + "." + b64url([]byte(payload))
	if sign == nil {
		return in + "."
	}
	return in + "." + b64url(sign([]byte(in)))
}

func rs256Signer(tb testing.TB, k *rsa.PrivateKey) func([]byte) []byte {
	return func(in []byte) []byte {
		d := sha256.Sum256(in)
		s, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:])
		if err != nil {
			tb.Fatal(err)
		}
		return s
	}
}

func hs256Signer(secret []byte) func([]byte) []byte {
	return func(in []byte) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write(in)
		return m.Sum(nil)
	}
}

// attackClaims is a valid claim set for both authorizers (an ID token);
// edit returns a modified copy.
func attackClaims(iss string, now time.Time, edit func(map[string]any)) map[string]any {
	c := map[string]any{
		"iss": iss, "aud": attackAudience, "sub": "user-1", "token_use": "id",
		"exp": now.Add(time.Hour).Unix(), "iat": now.Add(-time.Minute).Unix(),
	}
	if edit != nil {
		edit(c)
	}
	return c
}

// attackEnv is the gateway under attack with its issuer, backend and the
// attacker's server.
type attackEnv struct {
	ta       *testApp
	issuer   *keyServer
	attacker *keyServer
	backend  *hitServer
	started  time.Time
}

func attackConfig(issuer, backend string) string {
	return fmt.Sprintf(`
apis:
  - name: httpapi
    id: jwtatk0001
    kind: http
    authorizers:
      - name: oidc
        jwt:
          issuer: %[1]q
          audience: [%[3]s]
    routes:
      - route: GET /read
        authorizer: oidc
        integration: {http: {url: %[2]q}}
      - route: GET /admin
        authorizer: oidc
        scopes: [admin]
        integration: {http: {url: %[2]q}}
  - name: restapi
    id: jwtatk0002
    kind: rest
    stages: [{name: prod}]
    authorizers:
      - name: pool
        cognitoUserPools:
          userPools: [%[1]q]
          identityValidationExpression: '^%[3]s$'
      - name: access
        cognitoUserPools:
          userPools: [%[1]q]
    routes:
      - route: GET /profile
        authorizer: pool
        integration: {http: {url: %[2]q}}
      - route: GET /orders
        authorizer: access
        scopes: [orders/read]
        integration: {http: {url: %[2]q}}
      - route: GET /strict-orders
        authorizer: pool
        scopes: [orders/read]
        integration: {http: {url: %[2]q}}
`, issuer, backend+"/backend", attackAudience)
}

func newAttackEnv(tb testing.TB) *attackEnv {
	tb.Helper()
	e := &attackEnv{started: time.Now()}
	e.issuer = newKeyServer(tb, attackKid)
	e.attacker = newKeyServer(tb, "attacker")
	e.backend = newHitServer(tb, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("reached the integration"))
	}))
	e.ta = startB(tb, attackConfig(e.issuer.URL, e.backend.URL))
	return e
}

// sign returns a token with the issuer's key and a standard header.
func (e *attackEnv) sign(tb testing.TB, c map[string]any) string {
	tb.Helper()
	return rawToken(`{"alg":"RS256","typ":"JWT","kid":"`+attackKid+`"}`, mustMarshal(tb, c), rs256Signer(tb, e.issuer.key))
}

// serve sends one request in process through the App's handler.
func (e *attackEnv) serve(host, path, auth string) (int, string) {
	r := httptest.NewRequest(http.MethodGet, "http://"+host+path, nil)
	r.Host = host
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	e.ta.App.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

type attackTarget struct {
	name, host, path string
}

var (
	httpRead    = attackTarget{"http", attackHTTPHost, "/read"}
	httpAdmin   = attackTarget{"http-scoped", attackHTTPHost, "/admin"}
	restProfile = attackTarget{"rest", attackRESTHost, "/prod/profile"}
	restOrders  = attackTarget{"rest-scoped", attackRESTHost, "/prod/orders"}
)

const (
	unauthorized = `{"message":"Unauthorized"}`
	forbidden    = `{"message":"Forbidden"}`
)

// selfSignedCert returns a DER certificate for k, for the x5c attack.
func selfSignedCert(tb testing.TB, k *rsa.PrivateKey) []byte {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attacker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		tb.Fatal(err)
	}
	return der
}

// attackTokens are the forged, tampered and malformed tokens, by name. They
// are the table of TestJWTAttacksThroughGateway and the seeds of
// FuzzGatewayAuthorization; none of them may ever be accepted.
func attackTokens(tb testing.TB, e *attackEnv) []struct{ name, auth string } {
	tb.Helper()
	now := time.Now()
	iss := e.issuer.URL
	good := attackClaims(iss, now, nil)
	payload := mustMarshal(tb, good)
	issuerSign := rs256Signer(tb, e.issuer.key)
	atkSign := rs256Signer(tb, e.attacker.key)
	atkURL := e.attacker.URL + "/jwks.json"

	pkixDER, err := x509.MarshalPKIXPublicKey(&e.issuer.key.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	pemPKIX := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkixDER})
	pemPKCS1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&e.issuer.key.PublicKey)})
	atkJWK, err := (&jose.JSONWebKey{Key: &e.attacker.key.PublicKey, KeyID: attackKid, Algorithm: "RS256", Use: "sig"}).MarshalJSON()
	if err != nil {
		tb.Fatal(err)
	}
	x5c := base64.StdEncoding.EncodeToString(selfSignedCert(tb, e.attacker.key))

	hdr := func(extra string) string { return `{"alg":"RS256","typ":"JWT","kid":"k1"` + extra + `}` }
	withClaims := func(edit func(map[string]any)) string { return e.sign(tb, attackClaims(iss, now, edit)) }
	valid := e.sign(tb, good)
	parts := strings.Split(valid, ".")

	return []struct{ name, auth string }{
		// alg none in every spelling, with and without a signature.
		{"alg none", rawToken(`{"alg":"none","typ":"JWT"}`, payload, nil)},
		{"alg None", rawToken(`{"alg":"None","typ":"JWT"}`, payload, nil)},
		{"alg NONE", rawToken(`{"alg":"NONE","typ":"JWT"}`, payload, nil)},
		{"alg nOnE", rawToken(`{"alg":"nOnE","typ":"JWT"}`, payload, nil)},
		{"alg none with kid and signature", rawToken(`{"alg":"none","kid":"k1"}`, payload, issuerSign)},
		{"alg none with the real signature", rawToken(`{"alg":"none","kid":"k1"}`, payload, nil) + parts[2]},
		{"alg missing", rawToken(`{"kid":"k1"}`, payload, issuerSign)},
		{"alg empty", rawToken(`{"alg":"","kid":"k1"}`, payload, issuerSign)},
		{"alg not a string", rawToken(`{"alg":["RS256"],"kid":"k1"}`, payload, issuerSign)},
		{"alg rs256 lower case", rawToken(`{"alg":"rs256","kid":"k1"}`, payload, issuerSign)},
		// HMAC with the issuer's public key as the secret (key confusion).
		{"HS256 with public key PEM (PKIX)", rawToken(`{"alg":"HS256","typ":"JWT","kid":"k1"}`, payload, hs256Signer(pemPKIX))},
		{"HS256 with public key PEM (PKCS1)", rawToken(`{"alg":"HS256","typ":"JWT","kid":"k1"}`, payload, hs256Signer(pemPKCS1))},
		{"HS256 with public key PEM without trailing newline", rawToken(`{"alg":"HS256","kid":"k1"}`, payload, hs256Signer([]byte(strings.TrimSpace(string(pemPKIX)))))},
		{"HS256 with public key DER", rawToken(`{"alg":"HS256","kid":"k1"}`, payload, hs256Signer(pkixDER))},
		{"HS256 with public JWK as served", rawToken(`{"alg":"HS256","typ":"JWT","kid":"k1"}`, payload, hs256Signer(e.issuer.publicJWK))},
		{"HS256 with modulus bytes", rawToken(`{"alg":"HS256","kid":"k1"}`, payload, hs256Signer(e.issuer.key.N.Bytes()))},
		{"HS384 with public key PEM", rawToken(`{"alg":"HS384","kid":"k1"}`, payload, hs256Signer(pemPKIX))},
		// kid injection: signed by the real key, so only the kid is wrong.
		{"kid path traversal", rawToken(`{"alg":"RS256","kid":"../../etc/passwd"}`, payload, issuerSign)},
		{"kid absolute path", rawToken(`{"alg":"RS256","kid":"/dev/null"}`, payload, issuerSign)},
		{"kid SQL injection", rawToken(`{"alg":"RS256","kid":"' OR 1=1--"}`, payload, issuerSign)},
		{"kid SQL injection after real kid", rawToken(`{"alg":"RS256","kid":"k1' OR '1'='1"}`, payload, issuerSign)},
		{"kid with NUL", rawToken(`{"alg":"RS256","kid":"k1\u0000"}`, payload, issuerSign)},
		{"kid URL", rawToken(`{"alg":"RS256","kid":"`+atkURL+`"}`, payload, issuerSign)},
		{"kid not a string", rawToken(`{"alg":"RS256","kid":1}`, payload, issuerSign)},
		{"kid missing", rawToken(`{"alg":"RS256"}`, payload, issuerSign)},
		// Key-location headers naming the attacker's key (must be ignored).
		{"jku to attacker, attacker kid", rawToken(`{"alg":"RS256","kid":"attacker","jku":"`+atkURL+`"}`, payload, atkSign)},
		{"jku to attacker, real kid", rawToken(hdr(`,"jku":"`+atkURL+`"`), payload, atkSign)},
		{"x5u to attacker", rawToken(`{"alg":"RS256","kid":"attacker","x5u":"`+e.attacker.URL+`/cert.pem"}`, payload, atkSign)},
		{"x5u to attacker, real kid", rawToken(hdr(`,"x5u":"`+e.attacker.URL+`/cert.pem"`), payload, atkSign)},
		{"embedded jwk", rawToken(`{"alg":"RS256","kid":"attacker","jwk":`+string(atkJWK)+`}`, payload, atkSign)},
		{"embedded jwk, real kid", rawToken(hdr(`,"jwk":`+string(atkJWK)), payload, atkSign)},
		{"embedded x5c", rawToken(hdr(`,"x5c":["`+x5c+`"]`), payload, atkSign)},
		{"crit header", rawToken(hdr(`,"crit":["exp"]`), payload, issuerSign)},
		// Claims: signed by the real key but not acceptable.
		{"expired", withClaims(func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() })},
		{"exp now", withClaims(func(c map[string]any) { c["exp"] = now.Add(-time.Second).Unix() })},
		{"exp missing", withClaims(func(c map[string]any) { delete(c, "exp") })},
		{"exp as string", withClaims(func(c map[string]any) { c["exp"] = fmt.Sprint(now.Add(time.Hour).Unix()) })},
		{"not yet valid (nbf)", withClaims(func(c map[string]any) { c["nbf"] = now.Add(10 * time.Minute).Unix() })},
		{"issued in the future (iat)", withClaims(func(c map[string]any) { c["iat"] = now.Add(10 * time.Minute).Unix() })},
		{"wrong issuer", withClaims(func(c map[string]any) { c["iss"] = "https://evil.example.com" })},
		{"issuer with trailing slash", withClaims(func(c map[string]any) { c["iss"] = iss + "/" })},
		{"issuer missing", withClaims(func(c map[string]any) { delete(c, "iss") })},
		{"attacker as issuer, signed by attacker", rawToken(`{"alg":"RS256","kid":"attacker"}`, mustMarshal(tb, attackClaims(e.attacker.URL, now, nil)), atkSign)},
		{"wrong audience", withClaims(func(c map[string]any) { c["aud"] = "someone-else" })},
		{"audience only in client_id while aud is wrong", withClaims(func(c map[string]any) { c["aud"] = "x"; c["client_id"] = attackAudience })},
		// Signature tampering.
		{"payload swapped, signature kept", parts[0] + "." + b64url([]byte(mustMarshal(tb, attackClaims(iss, now, func(c map[string]any) { c["sub"] = "admin" })))) + "." + parts[2]},
		{"signature of the attacker", rawToken(hdr(""), payload, atkSign)},
		{"signature truncated", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-4]},
		{"signature empty", parts[0] + "." + parts[1] + "."},
		// Malformed base64 and JSON.
		{"padded base64", parts[0] + "==." + parts[1] + "." + parts[2]},
		{"standard base64 alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(valid) + "+/"},
		{"invalid base64 character", parts[0] + "." + parts[1] + "!." + parts[2]},
		{"space inside a segment", parts[0] + "." + parts[1][:10] + " " + parts[1][10:] + "." + parts[2]},
		{"two segments", parts[0] + "." + parts[1]},
		{"four segments", valid + "." + parts[2]},
		{"one segment", "abc"},
		{"only dots", ".."},
		{"payload not JSON", rawToken(hdr(""), "not json", issuerSign)},
		{"payload JSON array", rawToken(hdr(""), `[`+payload+`]`, issuerSign)},
		{"payload trailing data", rawToken(hdr(""), payload+`{}`, issuerSign)},
		{"payload truncated JSON", rawToken(hdr(""), payload[:len(payload)-1], issuerSign)},
		{"header not JSON", rawToken(`RS256`, payload, issuerSign)},
		{"header JSON array", rawToken(`["RS256"]`, payload, issuerSign)},
		{"header deeply nested", rawToken(`{"alg":"RS256","kid":"k1","x":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}`, payload, issuerSign)},
		// Duplicate member names (the parser that reads the last one would
		// see different claims from one that reads the first).
		{"duplicate aud", rawToken(hdr(""), strings.Replace(payload, `"aud":`, `"aud":"someone-else","aud":`, 1), issuerSign)},
		{"duplicate exp", rawToken(hdr(""), strings.Replace(payload, `"exp":`, `"exp":1,"exp":`, 1), issuerSign)},
		{"duplicate iss", rawToken(hdr(""), strings.Replace(payload, `"iss":`, `"iss":"https://evil.example.com","iss":`, 1), issuerSign)},
		{"duplicate nested member", rawToken(hdr(""), strings.Replace(payload, `"sub":`, `"x":{"a":1,"a":2},"sub":`, 1), issuerSign)},
		{"duplicate alg in header", rawToken(`{"alg":"none","alg":"RS256","kid":"k1"}`, payload, issuerSign)},
		{"duplicate kid in header", rawToken(`{"alg":"RS256","kid":"attacker","kid":"k1"}`, payload, issuerSign)},
		// Identity-source shapes.
		{"Bearer with nothing", "Bearer "},
		{"Basic scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("user:pass"))},
		{"token repeated", valid + "," + valid},
		{"Bearer twice", "Bearer Bearer " + valid},
	}
}

// TestJWTAttacksThroughGateway sends every attack token to both API kinds.
func TestJWTAttacksThroughGateway(t *testing.T) {
	e := newAttackEnv(t)
	now := time.Now()
	iss := e.issuer.URL
	access := func(scope string) string {
		return e.sign(t, attackClaims(iss, now, func(c map[string]any) {
			c["token_use"] = "access"
			delete(c, "aud")
			c["client_id"] = attackAudience
			c["scope"] = scope
		}))
	}
	idToken := e.sign(t, attackClaims(iss, now, nil))
	adminID := e.sign(t, attackClaims(iss, now, func(c map[string]any) { c["scope"] = "admin" }))

	// Controls first: the same gateway lets good tokens through, so the
	// refusals below are caused by the attacks (and the key set is loaded).
	controls := []struct {
		name   string
		target attackTarget
		auth   string
	}{
		{"http id token", httpRead, "Bearer " + idToken},
		{"http scoped route with scope", httpAdmin, "Bearer " + adminID},
		{"rest id token without scopes", restProfile, idToken},
		{"rest access token with scope", restOrders, access("orders/read")},
	}
	for _, tc := range controls {
		t.Run("control/"+tc.name, func(t *testing.T) {
			before := e.backend.hits.Load()
			resp, body := e.ta.do(t, "GET", tc.target.host, tc.target.path, nil, "Authorization", tc.auth)
			if resp.StatusCode != 200 || body != "reached the integration" {
				t.Fatalf("got %d %q, want 200 from the backend", resp.StatusCode, body)
			}
			if got := e.backend.hits.Load() - before; got != 1 {
				t.Fatalf("backend hits = %d, want 1", got)
			}
		})
	}

	type attack struct {
		name       string
		target     attackTarget
		auth       string
		wantStatus int
		wantBody   string
	}
	var cases []attack
	for _, a := range attackTokens(t, e) {
		for _, tg := range []attackTarget{httpRead, restProfile} {
			cases = append(cases, attack{a.name, tg, a.auth, 401, unauthorized})
		}
		// Attack tokens on scoped routes are refused as tokens (401), not
		// as lacking a scope (403).
		cases = append(cases, attack{a.name, httpAdmin, a.auth, 401, unauthorized})
	}
	cases = append(cases,
		attack{"no Authorization header", httpRead, "", 401, unauthorized},
		attack{"no Authorization header", restProfile, "", 401, unauthorized},
		// Scope and token_use decisions.
		attack{"valid token without the route scope", httpAdmin, idToken, 403, forbidden},
		attack{"forged scope (attacker signature)", httpAdmin, rawToken(`{"alg":"RS256","kid":"k1"}`, mustMarshal(t, attackClaims(iss, now, func(c map[string]any) { c["scope"] = "admin" })), rs256Signer(t, e.attacker.key)), 401, unauthorized},
		attack{"token_use access on a method without scopes", restProfile, access("orders/read"), 401, unauthorized},
		attack{"token_use id on a method with scopes", restOrders, e.sign(t, attackClaims(iss, now, func(c map[string]any) { c["scope"] = "orders/read" })), 401, unauthorized},
		attack{"token_use missing on a method without scopes", restProfile, e.sign(t, attackClaims(iss, now, func(c map[string]any) { delete(c, "token_use") })), 401, unauthorized},
		attack{"token_use ID (case) on a method without scopes", restProfile, e.sign(t, attackClaims(iss, now, func(c map[string]any) { c["token_use"] = "ID" })), 401, unauthorized},
		attack{"access token without the method scope", restOrders, access("orders/write"), 401, unauthorized},
		attack{"access token scope as prefix", restOrders, access("orders/read/extra orders"), 401, unauthorized},
		// API Gateway matches identityValidationExpression against aud,
		// which access tokens lack.
		attack{"access token under an identity validation expression", attackTarget{"rest-scoped", attackRESTHost, "/prod/strict-orders"}, access("orders/read"), 401, unauthorized},
	)
	for _, tc := range cases {
		t.Run(tc.target.name+"/"+tc.name, func(t *testing.T) {
			before := e.backend.hits.Load()
			resp, body := e.ta.do(t, "GET", tc.target.host, tc.target.path, nil, authHeader(tc.auth)...)
			if resp.StatusCode != tc.wantStatus || body != tc.wantBody {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if got := e.backend.hits.Load() - before; got != 0 {
				t.Errorf("the integration was reached %d times", got)
			}
		})
	}

	t.Run("size bound", func(t *testing.T) {
		pad := func(n int) string {
			return e.sign(t, attackClaims(iss, now, func(c map[string]any) { c["pad"] = strings.Repeat("a", n) }))
		}
		big := pad(17 << 10) // over jwtauth.DefaultMaxTokenBytes (16 KiB), validly signed
		if len(big) <= 16<<10 {
			t.Fatalf("token of %d bytes is not over the bound", len(big))
		}
		before := e.backend.hits.Load()
		// On the wire the listener's header limit (10 240 bytes, as API
		// Gateway's) stops it before any authorizer runs.
		for _, tg := range []attackTarget{httpRead, restProfile} {
			resp, _ := e.ta.do(t, "GET", tg.host, tg.path, nil, "Authorization", big)
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("%s over the wire: status %d, want 431", tg.name, resp.StatusCode)
			}
		}
		// In process (no listener limit) the authorizer's own bound refuses it.
		for _, tg := range []attackTarget{httpRead, restProfile} {
			if st, body := e.serve(tg.host, tg.path, "Bearer "+big); st != 401 || body != unauthorized {
				t.Errorf("%s in process: got %d %q, want 401 %q", tg.name, st, body, unauthorized)
			}
		}
		if got := e.backend.hits.Load() - before; got != 0 {
			t.Errorf("the integration was reached %d times", got)
		}
		// Control: the same construction under the bound is accepted, so
		// the size is what refused the big one.
		if st, body := e.serve(httpRead.host, httpRead.path, "Bearer "+pad(8<<10)); st != 200 {
			t.Errorf("8 KiB token in process: got %d %q, want 200", st, body)
		}
	})

	t.Run("flood of unknown kids", func(t *testing.T) {
		const workers, perWorker = 32, 8
		jwksBefore := e.issuer.jwksHits.Load()
		backendBefore := e.backend.hits.Load()
		// Claims pass every cheap check, so each token reaches the key
		// lookup with a kid the issuer never published.
		atkSign := rs256Signer(t, e.attacker.key)
		claims := mustMarshal(t, attackClaims(iss, now, nil))
		forged := make([][]string, workers)
		for w := range forged {
			for i := range perWorker {
				forged[w] = append(forged[w], rawToken(fmt.Sprintf(`{"alg":"RS256","kid":"forged-%d-%d"}`, w, i), claims, atkSign))
			}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		bad := map[string]int{}
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 10 * time.Second}
				for i, tok := range forged[w] {
					tg := httpRead
					if i%2 == 1 {
						tg = restProfile
					}
					req, _ := http.NewRequest("GET", "http://"+e.ta.GatewayAddr+tg.path, nil)
					req.Host = tg.host
					req.Header.Set("Authorization", "Bearer "+tok)
					resp, err := client.Do(req)
					key := "transport error"
					if err == nil {
						var b strings.Builder
						_, _ = fmt.Fprint(&b, resp.StatusCode, " ")
						buf := make([]byte, 256)
						n, _ := resp.Body.Read(buf)
						b.Write(buf[:n])
						resp.Body.Close()
						key = b.String()
					}
					if key != "401 "+unauthorized {
						mu.Lock()
						bad[key]++
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		if len(bad) != 0 {
			t.Errorf("forged tokens not refused with 401 %s: %v", unauthorized, bad)
		}
		if got := e.backend.hits.Load() - backendBefore; got != 0 {
			t.Errorf("the integration was reached %d times", got)
		}
		// The key set was loaded before the flood (controls above). Within
		// one refetch interval of that load the flood may cause no fetch;
		// in general at most one per interval.
		elapsed := time.Since(e.started)
		t.Logf("%d forged kids: %d JWKS fetches during the flood, %d since the start %v ago",
			workers*perWorker, e.issuer.jwksHits.Load()-jwksBefore, e.issuer.jwksHits.Load(), elapsed.Round(time.Millisecond))
		allowed := int64(elapsed / jwks.DefaultMinRefreshInterval)
		if got := e.issuer.jwksHits.Load() - jwksBefore; got > allowed {
			t.Errorf("%d forged kids caused %d JWKS fetches in %v, want at most %d (one per %v)",
				workers*perWorker, got, elapsed, allowed, jwks.DefaultMinRefreshInterval)
		}
		if total := e.issuer.jwksHits.Load(); total > 1+allowed {
			t.Errorf("JWKS fetched %d times in %v, want at most %d", total, elapsed, 1+allowed)
		}
		// Known keys still work after the flood.
		if resp, body := e.ta.do(t, "GET", httpRead.host, httpRead.path, nil, "Authorization", "Bearer "+idToken); resp.StatusCode != 200 {
			t.Errorf("valid token after the flood: %d %q", resp.StatusCode, body)
		}
	})

	if n := e.attacker.hits.Load(); n != 0 {
		t.Errorf("the attacker's key server received %d requests, want none", n)
	}
}

// FuzzGatewayAuthorization feeds arbitrary Authorization values through
// the whole gateway handler (in process) to both authorizers: no value may
// be let through, reach the integration, or panic. Seeds are the attack
// table, re-signed with a key the gateway does not trust wherever the table
// uses the issuer's key: several attacks are one edit away from the valid
// token they were made from, and the fuzzer would find that edit.
func FuzzGatewayAuthorization(f *testing.F) {
	e := newAttackEnv(f)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	seeds := *e
	seeds.issuer = &keyServer{hitServer: e.issuer.hitServer, key: other, kid: attackKid, publicJWK: e.issuer.publicJWK}
	for _, a := range attackTokens(f, &seeds) {
		f.Add(a.auth, false)
		f.Add(a.auth, true)
	}
	f.Add("", false)
	f.Add("Bearer", true)
	f.Add("bearer\t\t x.y.z", false)
	f.Fuzz(func(t *testing.T, auth string, rest bool) {
		tg := httpRead
		if rest {
			tg = restProfile
		}
		before := e.backend.hits.Load()
		r := httptest.NewRequest(http.MethodGet, "http://"+tg.host+tg.path, nil)
		r.Header["Authorization"] = []string{auth}
		w := httptest.NewRecorder()
		e.ta.App.ServeHTTP(w, r)
		if w.Code != 401 || w.Body.String() != unauthorized {
			t.Errorf("%s: Authorization %q: got %d %q, want 401 %q", tg.name, auth, w.Code, w.Body.String(), unauthorized)
		}
		if got := e.backend.hits.Load() - before; got != 0 {
			t.Errorf("the integration was reached %d times", got)
		}
		if n := e.attacker.hits.Load(); n != 0 {
			t.Errorf("the attacker's server was contacted %d times", n)
		}
	})
}
