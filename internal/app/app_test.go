package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRoutingAndDefaults(t *testing.T) {
	be := newBackend(t, nil)
	ta := start(t, fmt.Sprintf(`
apis:
  - name: web
    id: webapi0001
    kind: http
    routes:
      - route: GET /items/{id}
        integration:
          http:
            url: %[1]s/things/{id}
      - route: $default
        integration:
          http:
            url: %[1]s/base
      - route: GET /mock
        integration:
          mock: {status: 201, body: '{"mocked":true}'}
  - name: shop
    id: shopapi001
    kind: rest
    stages:
      - name: prod
        variables: {color: blue}
    routes:
      - route: GET /pets/{petId}
        integration:
          http:
            url: %[1]s/pets/{petId}?color=${stageVariables.color}
`, be.URL))
	httpHost := "webapi0001.execute-api.localhost"
	restHost := "shopapi001.execute-api.example.com"
	tests := []struct {
		name, method, host, path string
		wantStatus               int
		wantBody                 string
		wantBackend              string
		wantHeader               string
	}{
		{"http param route", "GET", httpHost, "/items/42?x=1", 200, "backend GET /things/42?x=1", "/things/42?x=1", "Apigw-Requestid"},
		{"http default route appends path", "POST", httpHost, "/a/b", 200, "backend POST /base/a/b", "/base/a/b", "Apigw-Requestid"},
		{"http mock", "GET", httpHost, "/mock", 201, `{"mocked":true}`, "", "Apigw-Requestid"},
		{"rest param route with stage variable", "GET", restHost, "/prod/pets/7", 200, "backend GET /pets/7?color=blue", "/pets/7?color=blue", "X-Amzn-Requestid"},
		{"rest unknown route", "GET", restHost, "/prod/cats", 403, `{"message":"Missing Authentication Token"}`, "", "X-Amzn-Requestid"},
		{"rest wrong method", "DELETE", restHost, "/prod/pets/7", 403, `{"message":"Missing Authentication Token"}`, "", "X-Amz-Apigw-Id"},
		{"rest unknown stage", "GET", restHost, "/dev/pets/7", 403, `{"message":"Missing Authentication Token"}`, "", "X-Amzn-Errortype"},
		{"unknown api id", "GET", "nope.execute-api.localhost", "/items/1", 404, `{"message":"Not Found"}`, "", "Content-Type"},
		{"rest case-sensitive path", "GET", restHost, "/prod/Pets/7", 403, `{"message":"Missing Authentication Token"}`, "", ""},
		{"dot segment rejected", "GET", httpHost, "/items/../mock", 400, `{"message":"Bad Request"}`, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.do(t, tc.method, tc.host, tc.path, nil)
			wantResponse(t, resp, body, tc.wantStatus, tc.wantBody)
			if tc.wantHeader != "" && resp.Header.Get(tc.wantHeader) == "" {
				t.Errorf("missing header %s in %v", tc.wantHeader, resp.Header)
			}
			if tc.wantBackend != "" {
				if got := be.last(t).URL.RequestURI(); got != tc.wantBackend {
					t.Errorf("backend got %q, want %q", got, tc.wantBackend)
				}
			}
		})
	}
}

func TestProxyHeaders(t *testing.T) {
	be := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", "Mon, 01 Jan 2024 00:00:00 GMT")
		w.Header().Set("X-Backend", "yes")
		w.WriteHeader(202)
	})
	ta := start(t, fmt.Sprintf(`
apis:
  - name: shop
    kind: rest
    stages: [{name: v1}]
    routes:
      - route: ANY /{proxy+}
        integration:
          http: {url: "%s/{proxy}"}
`, be.URL))
	resp, _ := ta.do(t, "PUT", "", "/v1/a/b%20c", strings.NewReader("payload"),
		"X-Forwarded-For", "203.0.113.9", "Connection", "X-Secret-Hop", "X-Secret-Hop", "drop-me", "Te", "trailers")
	if resp.StatusCode != 202 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := be.last(t)
	if got.URL.EscapedPath() != "/a/b%20c" {
		t.Errorf("backend path %q", got.URL.EscapedPath())
	}
	if xff := got.Header.Get("X-Forwarded-For"); xff != "203.0.113.9, 127.0.0.1" {
		t.Errorf("X-Forwarded-For = %q, want the client's value with the peer appended", xff)
	}
	if got.Header.Get("X-Secret-Hop") != "" || got.Header.Get("Te") != "" {
		t.Errorf("hop-by-hop headers reached the backend: %v", got.Header)
	}
	if got.Header.Get("X-Amzn-Trace-Id") == "" || got.Header.Get("X-Amzn-Apigateway-Api-Id") == "" {
		t.Errorf("missing API Gateway request headers: %v", got.Header)
	}
	if resp.Header.Get("X-Amzn-Remapped-Date") != "Mon, 01 Jan 2024 00:00:00 GMT" || resp.Header.Get("X-Backend") != "yes" {
		t.Errorf("response headers: %v", resp.Header)
	}
	if be.body[len(be.body)-1] == nil || string(be.body[len(be.body)-1]) != "payload" {
		t.Errorf("backend body %q", be.body[len(be.body)-1])
	}
}

func TestIntegrationFailures(t *testing.T) {
	slow := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	ta := start(t, fmt.Sprintf(`
apis:
  - name: h
    id: httpapi001
    kind: http
    routes:
      - route: GET /slow
        integration: {http: {url: "%[1]s", timeout: 100ms}}
      - route: GET /dead
        integration: {http: {url: "%[2]s"}}
  - name: r
    id: restapi001
    kind: rest
    stages: [{name: s}]
    routes:
      - route: GET /slow
        integration: {http: {url: "%[1]s", timeout: 100ms}}
      - route: GET /dead
        integration: {http: {url: "%[2]s"}}
      - route: POST /upload
        integration: {http: {url: "%[1]s"}}
`, slow.URL, dead))
	tests := []struct {
		name, host, method, path string
		body                     io.Reader
		wantStatus               int
		wantBody                 string
	}{
		{"http timeout", "httpapi001.execute-api.x", "GET", "/slow", nil, 503, `{"message":"Service Unavailable"}`},
		{"http unreachable", "httpapi001.execute-api.x", "GET", "/dead", nil, 500, `{"message":"Internal Server Error"}`},
		{"rest timeout", "restapi001.execute-api.x", "GET", "/s/slow", nil, 504, `{"message":"Endpoint request timed out"}`},
		{"rest unreachable", "restapi001.execute-api.x", "GET", "/s/dead", nil, 504, `{"message":"Network error communicating with endpoint"}`},
		{"rest body too large", "restapi001.execute-api.x", "POST", "/s/upload", bytes.NewReader(make([]byte, 10<<20+1)), 413, `{"message":"HTTP content length exceeded 10485760 bytes"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.do(t, tc.method, tc.host, tc.path, tc.body)
			wantResponse(t, resp, body, tc.wantStatus, tc.wantBody)
		})
	}
}

func TestGatewayResponseCustomisation(t *testing.T) {
	ta := start(t, `
apis:
  - name: shop
    kind: rest
    stages: [{name: prod}]
    routes:
      - route: GET /ok
        integration: {mock: {}}
    gatewayResponses:
      MISSING_AUTHENTICATION_TOKEN:
        status: 404
        headers:
          Access-Control-Allow-Origin: "'*'"
          X-Echo-Accept: method.request.header.Accept
        templates:
          application/json: '{"message":$context.error.messageString,"type":"$context.error.responseType","id":"$context.requestId","stage":"$context.stage"}'
`)
	resp, body := ta.do(t, "GET", "", "/prod/missing", nil, "Accept", "application/json")
	if resp.StatusCode != 404 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if got["message"] != "Missing Authentication Token" || got["type"] != "MISSING_AUTHENTICATION_TOKEN" || got["id"] != resp.Header.Get("X-Amzn-Requestid") {
		t.Errorf("body %v headers %v", got, resp.Header)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("X-Echo-Accept") != "application/json" {
		t.Errorf("headers %v", resp.Header)
	}
}

func TestAdminAPI(t *testing.T) {
	ta := start(t, `
apis:
  - name: one
    id: oneapi0001
    kind: http
    routes:
      - route: GET /x
        integration: {mock: {}}
`)
	get := func(path, token string) (*http.Response, []byte) { return ta.admin(t, path, token) }
	if resp, _ := get("/v1/apis", ""); resp.StatusCode != 401 {
		t.Errorf("no token: %d", resp.StatusCode)
	}
	if resp, _ := get("/v1/apis", "wrong"); resp.StatusCode != 401 {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	resp, b := get("/v1/apis", "test-admin-token")
	var apis []map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(b, &apis) != nil || len(apis) != 1 {
		t.Fatalf("list: %d %s", resp.StatusCode, b)
	}
	if apis[0]["id"] != "oneapi0001" || !strings.Contains(fmt.Sprint(apis[0]["baseUrls"]), "oneapi0001.execute-api.localhost") {
		t.Errorf("api entry %v", apis[0])
	}
	ta.do(t, "GET", "", "/x", nil)
	_, metrics := get("/metrics", "")
	if !strings.Contains(string(metrics), `gatehouse_requests_total{api="oneapi0001",route="GET /x",status="200"} 1`) {
		t.Errorf("metrics missing request count:\n%s", grep(string(metrics), "gatehouse_requests_total"))
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, _ := get(p, ""); resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
}

func TestAccessLogNeverHasSecrets(t *testing.T) {
	ta0 := t.TempDir()
	logPath := filepath.Join(ta0, "access.log")
	ta := start(t, fmt.Sprintf(`
apis:
  - name: one
    kind: http
    accessLog: {destination: %q}
    routes:
      - route: GET /x/{id}
        integration: {mock: {}}
`, logPath))
	resp, _ := ta.do(t, "GET", "", "/x/5?token=abc", nil, "Authorization", "Bearer sekret-token", "Cookie", "session=sekret-cookie")
	rid := resp.Header.Get("Apigw-Requestid")
	_ = ta.Shutdown(context.Background())
	b, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]string
	if err := json.Unmarshal(bytes.TrimSpace(b), &rec); err != nil {
		t.Fatalf("access log line %q: %v", b, err)
	}
	if rec["requestId"] != rid || rec["routeKey"] != "GET /x/{id}" || rec["status"] != "200" || rec["httpMethod"] != "GET" || rec["ip"] != "127.0.0.1" {
		t.Errorf("record %v", rec)
	}
	if bytes.Contains(b, []byte("sekret")) {
		t.Errorf("access log leaks a secret: %s", b)
	}
}

func TestClientIPFromTrustedProxyOnly(t *testing.T) {
	for _, tc := range []struct {
		name, trusted, xff, want string
	}{
		{"untrusted peer: XFF ignored", "10.0.0.0/8", "198.51.100.7", "127.0.0.1"},
		{"trusted peer: rightmost untrusted XFF entry", "127.0.0.1", "203.0.113.1, 198.51.100.7", "198.51.100.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta := start(t, fmt.Sprintf(`
settings:
  trustedProxies: [%q]
apis:
  - name: one
    kind: http
    routes:
      - route: GET /ip
        integration: {mock: {}}
    gatewayResponses:
      RESOURCE_NOT_FOUND:
        templates:
          application/json: '$context.identity.sourceIp'
`, tc.trusted))
			_, body := ta.do(t, "GET", "", "/nope", nil, "X-Forwarded-For", tc.xff)
			if body != tc.want {
				t.Fatalf("source ip %q, want %q", body, tc.want)
			}
		})
	}
}

func TestGeneratedAdminToken(t *testing.T) {
	cfg := writeConfig(t, "apis: []\n")
	data := filepath.Join(filepath.Dir(cfg), "data")
	boot := func() (*App, string) {
		var out bytes.Buffer
		a, err := New(context.Background(), Options{ConfigPath: cfg, Listen: "127.0.0.1:0", AdminListen: "127.0.0.1:0", DataDir: data, Stderr: &out})
		if err != nil {
			t.Fatal(err)
		}
		return a, out.String()
	}
	a, printed := boot()
	tokFile := filepath.Join(data, "admin-token")
	st, err := os.Stat(tokFile)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("admin-token mode %v, want 0600", st.Mode().Perm())
	}
	tok, _ := os.ReadFile(tokFile)
	if !strings.Contains(printed, strings.TrimSpace(string(tok))) || len(strings.TrimSpace(string(tok))) < 32 {
		t.Errorf("first start did not print the generated token: %q", printed)
	}
	_ = a.Shutdown(context.Background())
	a, printed = boot()
	defer a.Shutdown(context.Background())
	if printed != "" {
		t.Errorf("second start printed %q; the token is shown once", printed)
	}
	if a.opts.AdminToken != strings.TrimSpace(string(tok)) {
		t.Error("second start did not reuse the stored token")
	}
}

func TestOutboxOnAdminListener(t *testing.T) {
	ta := start(t, "apis: []\n")
	for _, tc := range []struct {
		token string
		want  int
	}{{"", 401}, {"test-admin-token", 200}} {
		resp, b := ta.admin(t, "/v1/outbox", tc.token)
		if resp.StatusCode != tc.want {
			t.Errorf("token %q: %d %s", tc.token, resp.StatusCode, b)
		}
		if tc.want == 200 && !strings.Contains(string(b), `"messages"`) {
			t.Errorf("outbox body %s", b)
		}
	}
}
