package app

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// oidcIssuer is a minimal OpenID provider on loopback: discovery and JWKS.
type oidcIssuer struct {
	*httptest.Server
	key    *rsa.PrivateKey
	signer jose.Signer
}

func newOIDCIssuer(t *testing.T) *oidcIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	o := &oidcIssuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": o.URL, "jwks_uri": o.URL + "/jwks.json"})
	})
	mux.HandleFunc("/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	o.Server = httptest.NewServer(mux)
	t.Cleanup(o.Close)
	o.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *oidcIssuer) token(t *testing.T, claims map[string]any) string {
	t.Helper()
	s, err := jwt.Signed(o.signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJWTAuthorizerThroughGateway(t *testing.T) {
	iss := newOIDCIssuer(t)
	logPath := filepath.Join(t.TempDir(), "access.log")
	ta := start(t, fmt.Sprintf(`
apis:
  - name: secured
    kind: http
    accessLog:
      destination: %q
      format: '{"sub":"$context.authorizer.claims.sub","groups":"$context.authorizer.claims.cognito:groups","route":"$context.routeKey","status":"$context.status"}'
    authorizers:
      - name: oidc
        jwt:
          issuer: %q
          audience: [my-client]
    routes:
      - route: GET /open
        integration: {mock: {body: open}}
      - route: GET /read
        authorizer: oidc
        integration: {mock: {body: read}}
      - route: GET /admin
        authorizer: oidc
        scopes: [admin]
        integration: {mock: {body: admin}}
`, logPath, iss.URL))
	now := time.Now()
	good := iss.token(t, map[string]any{"iss": iss.URL, "aud": "my-client", "sub": "user-1", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "scope": "read write", "cognito:groups": []string{"admin", "regular"}})
	admin := iss.token(t, map[string]any{"iss": iss.URL, "aud": "my-client", "sub": "user-2", "exp": now.Add(time.Hour).Unix(), "scope": "admin"})
	expired := iss.token(t, map[string]any{"iss": iss.URL, "aud": "my-client", "sub": "user-1", "exp": now.Add(-time.Minute).Unix()})
	otherAud := iss.token(t, map[string]any{"iss": iss.URL, "aud": "someone-else", "sub": "user-1", "exp": now.Add(time.Hour).Unix()})
	tests := []struct {
		name, path, auth string
		wantStatus       int
		wantBody         string
	}{
		{"no authorizer", "/open", "", 200, "open"},
		{"missing token", "/read", "", 401, `{"message":"Unauthorized"}`},
		{"valid token with Bearer", "/read", "Bearer " + good, 200, "read"},
		{"valid token without Bearer", "/read", good, 200, "read"},
		{"expired", "/read", "Bearer " + expired, 401, `{"message":"Unauthorized"}`},
		{"wrong audience", "/read", "Bearer " + otherAud, 401, `{"message":"Unauthorized"}`},
		{"garbage", "/read", "Bearer abc.def.ghi", 401, `{"message":"Unauthorized"}`},
		{"missing scope", "/admin", "Bearer " + good, 403, `{"message":"Forbidden"}`},
		{"has scope", "/admin", "Bearer " + admin, 200, "admin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.do(t, "GET", "", tc.path, nil, authHeader(tc.auth)...)
			wantResponse(t, resp, body, tc.wantStatus, tc.wantBody)
		})
	}
	_ = ta.Shutdown(context.Background())
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `{"sub":"user-1","groups":"[admin regular]","route":"GET /read","status":"200"}`) {
		t.Errorf("claims did not reach $context.authorizer.claims:\n%s", b)
	}
	if strings.Contains(string(b), good) {
		t.Error("token in access log")
	}
}
