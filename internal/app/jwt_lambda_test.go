package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestJWTClaimsReachLambda checks what a Lambda function behind a jwt
// authorizer (HTTP API, payload 2.0 and 1.0) and behind a cognitoUserPools
// authorizer (REST API) receives in requestContext.authorizer: every claim
// as a string (numbers as their JSON text, arrays Go style, objects as JSON,
// null claims left out), and the token's scopes only where the route has
// scopes (reference §2.3, §2.7, §9).
func TestJWTClaimsReachLambda(t *testing.T) {
	echo := echoFunction(t)
	iss := newOIDCIssuer(t)
	logPath := filepath.Join(t.TempDir(), "rest-access.log")
	ta := start(t, fmt.Sprintf(`
functions:
  - name: echo
    runtime: nodejs20.x
    handler: index.handler
    codeDir: %[2]s
apis:
  - name: h
    id: jwtfn00001
    kind: http
    authorizers:
      - name: oidc
        jwt:
          issuer: %[1]q
          audience: [my-client]
    routes:
      - route: GET /v2
        authorizer: oidc
        integration: {lambda: {function: echo}}
      - route: GET /v2scoped
        authorizer: oidc
        scopes: [admin, read]
        integration: {lambda: {function: echo}}
      - route: GET /v1
        authorizer: oidc
        integration: {lambda: {function: echo, payloadFormatVersion: "1.0"}}
      - route: GET /v1scoped
        authorizer: oidc
        scopes: [read]
        integration: {lambda: {function: echo, payloadFormatVersion: "1.0"}}
  - name: r
    id: jwtfn00002
    kind: rest
    stages: [{name: prod}]
    accessLog:
      destination: %[3]q
      format: '{"sub":"$context.authorizer.claims.sub","use":"$context.authorizer.claims.token_use","groups":"$context.authorizer.claims.cognito:groups"}'
    authorizers:
      - name: pool
        cognitoUserPools:
          userPools: [%[1]q]
    routes:
      - route: GET /profile
        authorizer: pool
        integration: {lambda: {function: echo}}
      - route: GET /orders
        authorizer: pool
        scopes: [orders/read]
        integration: {lambda: {function: echo}}
`, iss.URL, echo, logPath))
	now := time.Now()
	exp, iat := now.Add(time.Hour).Unix(), now.Add(-time.Minute).Unix()
	idTok := iss.token(t, map[string]any{
		"iss": iss.URL, "aud": "my-client", "sub": "user-1", "exp": exp, "iat": iat, "token_use": "id",
		"scope": "read write", "cognito:groups": []string{"admin", "regular"}, "email_verified": true,
		"address": map[string]any{"locality": "Paris"}, "nickname": nil, "auth_time": 1.5,
	})
	wantID := map[string]any{
		"iss": iss.URL, "aud": "my-client", "sub": "user-1", "exp": fmt.Sprint(exp), "iat": fmt.Sprint(iat), "token_use": "id",
		"scope": "read write", "cognito:groups": "[admin regular]", "email_verified": "true",
		"address": `{"locality":"Paris"}`, "auth_time": "1.5",
	}
	accessTok := iss.token(t, map[string]any{
		"iss": iss.URL, "client_id": "my-client", "sub": "user-1", "exp": exp, "iat": iat, "token_use": "access",
		"scope": "orders/read orders/write",
	})
	wantAccess := map[string]any{
		"iss": iss.URL, "client_id": "my-client", "sub": "user-1", "exp": fmt.Sprint(exp), "iat": fmt.Sprint(iat), "token_use": "access",
		"scope": "orders/read orders/write",
	}
	const httpHost, restHost = "jwtfn00001.execute-api.localhost", "jwtfn00002.execute-api.localhost"
	tests := []struct {
		name, host, path, token string
		wantVersion             string // REST events have no version member
		// wantAuthorizer is requestContext.authorizer.
		wantAuthorizer map[string]any
	}{
		{"http 2.0 route without scopes", httpHost, "/v2", idTok, "2.0",
			map[string]any{"jwt": map[string]any{"claims": wantID, "scopes": nil}}},
		{"http 2.0 route with scopes lists all token scopes", httpHost, "/v2scoped", idTok, "2.0",
			map[string]any{"jwt": map[string]any{"claims": wantID, "scopes": []any{"read", "write"}}}},
		{"http 1.0 route without scopes", httpHost, "/v1", idTok, "1.0",
			map[string]any{"claims": wantID, "scopes": nil}},
		{"http 1.0 route with scopes", httpHost, "/v1scoped", "Bearer " + idTok, "1.0",
			map[string]any{"claims": wantID, "scopes": []any{"read", "write"}}},
		{"rest cognito id token", restHost, "/prod/profile", idTok, "",
			map[string]any{"claims": wantID}},
		{"rest cognito access token", restHost, "/prod/orders", "Bearer " + accessTok, "",
			map[string]any{"claims": wantAccess}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.do(t, "GET", tc.host, tc.path, nil, "Authorization", tc.token)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d %s", resp.StatusCode, body)
			}
			var ev struct {
				Version        string `json:"version"`
				RequestContext struct {
					Authorizer map[string]any `json:"authorizer"`
				} `json:"requestContext"`
			}
			if err := json.Unmarshal([]byte(body), &ev); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			if ev.Version != tc.wantVersion {
				t.Errorf("version = %q, want %q", ev.Version, tc.wantVersion)
			}
			if got := ev.RequestContext.Authorizer; !reflect.DeepEqual(got, tc.wantAuthorizer) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(tc.wantAuthorizer)
				t.Errorf("requestContext.authorizer =\n%s\nwant\n%s", g, w)
			}
		})
	}

	// The REST API's access log reads the same claims.
	_ = ta.Shutdown(context.Background())
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`{"sub":"user-1","use":"id","groups":"[admin regular]"}`,
		`{"sub":"user-1","use":"access","groups":`, // the absent claim's rendering is the access log's business
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("access log has no line %s:\n%s", want, b)
		}
	}
}
