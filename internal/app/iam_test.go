package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/sigv4"
)

// fakeClock is the injected clock of security decisions.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// iamEnv is the environment the app reads the root credentials from.
func iamEnv(k string) string {
	switch k {
	case "GATEHOUSE_ACCESS_KEY_ID":
		return "AKIAROOTKEY00001"
	case "GATEHOUSE_SECRET_ACCESS_KEY":
		return "root-secret"
	}
	return ""
}

// startIAM runs an App like start, with a fake clock and the root key.
func startIAM(t testing.TB, cfg string, clk *fakeClock) *testApp {
	t.Helper()
	ta, err := tryStartIAM(t, cfg, clk)
	if err != nil {
		t.Fatal(err)
	}
	return ta
}

func tryStartIAM(t testing.TB, cfg string, clk *fakeClock) (*testApp, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "gatehouse.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, Options{
		ConfigPath: path, Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"),
		DrainTimeout: 5 * time.Second,
		Logger:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Stdout:       logs, Stderr: logs, Now: clk.Now, Getenv: iamEnv,
	})
	if err != nil {
		cancel()
		return nil, err
	}
	if err := a.Start(ctx); err != nil {
		cancel()
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		_ = a.Shutdown(context.Background())
		cancel()
	})
	return &testApp{App: a, dir: dir, cfg: path, logs: logs, cancel: cancel}, nil
}

// signedReq describes a request signed with the AWS SDK for Go v2 signer.
type signedReq struct {
	method, host, path string
	body               string
	key                aws.Credentials // zero: unsigned
	at                 time.Time       // signing time
	presign            bool
	chunked            bool // send the body without Content-Length
	header             []string
	// tamper changes the request after signing.
	tamper func(r *http.Request)
}

func (ta *testApp) signed(t *testing.T, s signedReq) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	req, err := http.NewRequest(s.method, "http://"+ta.GatewayAddr+s.path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = s.host
	if s.chunked {
		req.ContentLength = -1
	}
	for i := 0; i+1 < len(s.header); i += 2 {
		req.Header.Add(s.header[i], s.header[i+1])
	}
	if s.key.AccessKeyID != "" {
		hash := sigv4.HashPayload([]byte(s.body))
		signer := v4.NewSigner()
		if s.presign {
			u, hdr, err := signer.PresignHTTP(context.Background(), s.key, req, hash, "execute-api", "us-east-1", s.at)
			if err != nil {
				t.Fatal(err)
			}
			if req, err = http.NewRequest(s.method, u, body); err != nil {
				t.Fatal(err)
			}
			req.Host = s.host
			for k, v := range hdr {
				if !strings.EqualFold(k, "Host") {
					req.Header[k] = v
				}
			}
		} else if err := signer.SignHTTP(context.Background(), s.key, req, hash, "execute-api", "us-east-1", s.at); err != nil {
			t.Fatal(err)
		}
	}
	if s.tamper != nil {
		s.tamper(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", s.method, s.path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func creds(id, secret string) aws.Credentials {
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
}

var (
	alice = creds("AKIAALICE0000001", "alice-secret")
	bob   = creds("AKIABOB000000001", "bob-secret")
	carol = creds("AKIACAROL0000001", "carol-secret")
	dave  = creds("AKIADAVE00000001", "dave-secret")
	root  = creds("AKIAROOTKEY00001", "root-secret")
)

// iamConfig declares IAM principals in native config:
//   - alice may invoke everything of iamapi0001 and assume role invoker;
//   - bob is allowed everything but explicitly denied /admin;
//   - carol and dave have no identity policy.
const iamConfig = `
settings:
  region: us-east-1
  accountId: "123456789012"
  trustedProxies: [127.0.0.1/32]
iam:
  policies:
    - name: invoke-all
      document:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: execute-api:Invoke
            Resource: arn:aws:execute-api:us-east-1:123456789012:*
  users:
    - name: alice
      accessKeys: [{id: AKIAALICE0000001, secret: alice-secret}]
      managedPolicies: [invoke-all]
      policies:
        - name: assume
          document:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: "sts:AssumeRole", Resource: "*"}
    - name: bob
      accessKeys: [{id: AKIABOB000000001, secret: bob-secret}]
      policies:
        - name: no-admin
          document:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: "execute-api:*", Resource: "*"}
              - {Sid: NoAdmin, Effect: Deny, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*/*/*/admin*"}
    - name: carol
      accessKeys: [{id: AKIACAROL0000001, secret: carol-secret}]
    - name: dave
      accessKeys: [{id: AKIADAVE00000001, secret: dave-secret}]
  roles:
    - name: invoker
      managedPolicies: [invoke-all]
      trustPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::123456789012:user/alice"}
            Action: sts:AssumeRole
    - name: limited
      trustPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::123456789012:user/alice"}
            Action: sts:AssumeRole
`

func TestIAMSignedRequestsThroughGateway(t *testing.T) {
	be := newBackend(t, nil)
	clk := &fakeClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	ta := startIAM(t, iamConfig+fmt.Sprintf(`
apis:
  - name: signed
    id: iamapi0001
    kind: rest
    stages: [{name: dev}]
    defaultAuthorizer: AWS_IAM
    routes:
      - route: ANY /{proxy+}
        integration: {http: {url: "%[1]s/{proxy}"}}
      - route: GET /
        integration: {http: {url: "%[1]s/root"}}
      - route: GET /open
        authorizer: NONE
        integration: {mock: {body: open}}
`, be.URL), clk)
	const host = "iamapi0001.execute-api.localhost"
	now := clk.Now()
	const arnPrefix = "arn:aws:execute-api:us-east-1:********9012:iamapi0001/dev/"
	tests := []struct {
		name       string
		req        signedReq
		wantStatus int
		wantBody   string // exact, or a prefix when it ends with "…"
	}{
		{name: "header form with query", req: signedReq{method: "GET", path: "/dev/pets/7?b=2&a=1&a=0", key: alice, at: now},
			wantStatus: 200, wantBody: "backend GET /pets/7?a=0&a=1&b=2"},
		{name: "root resource", req: signedReq{method: "GET", path: "/dev/", key: alice, at: now}, wantStatus: 200, wantBody: "backend GET /root"},
		{name: "space in path (double-encoded canonical URI)", req: signedReq{method: "GET", path: "/dev/pets/a%20b", key: alice, at: now},
			wantStatus: 200, wantBody: "backend GET /pets/a%20b"},
		{name: "unicode in path", req: signedReq{method: "GET", path: "/dev/pets/%C3%A9t%C3%A9", key: alice, at: now},
			wantStatus: 200, wantBody: "backend GET /pets/%C3%A9t%C3%A9"},
		{name: "encoded slash rejected by routing before auth", req: signedReq{method: "GET", path: "/dev/pets/a%2Fb", key: alice, at: now},
			wantStatus: 400, wantBody: `{"message":"Bad Request"}`},
		{name: "body payload hash", req: signedReq{method: "POST", path: "/dev/pets", body: `{"name":"rex"}`, key: alice, at: now, header: []string{"Content-Type", "application/json"}},
			wantStatus: 200, wantBody: "backend POST /pets"},
		{name: "presigned query form", req: signedReq{method: "GET", path: "/dev/pets/7?X-Amz-Expires=300&x=1", key: alice, at: now, presign: true},
			wantStatus: 200, wantBody: "backend GET /pets/7?…"},
		{name: "root credentials need no policy", req: signedReq{method: "DELETE", path: "/dev/admin/1", key: root, at: now},
			wantStatus: 200, wantBody: "backend DELETE /admin/1"},
		{name: "route without authorization", req: signedReq{method: "GET", path: "/dev/open"}, wantStatus: 200, wantBody: "open"},
		{name: "unsigned", req: signedReq{method: "GET", path: "/dev/pets/7"},
			wantStatus: 403, wantBody: `{"message":"Missing Authentication Token"}`},
		{name: "bearer token instead of a signature", req: signedReq{method: "GET", path: "/dev/pets/7", header: []string{"Authorization", "Bearer abc"}},
			wantStatus: 403, wantBody: `{"message":"'abc' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer abc'."}`},
		{name: "unknown key", req: signedReq{method: "GET", path: "/dev/pets/7", key: creds("AKIANOBODY000001", "x"), at: now},
			wantStatus: 403, wantBody: `{"message":"The security token included in the request is invalid."}`},
		{name: "wrong secret", req: signedReq{method: "GET", path: "/dev/pets/7", key: creds("AKIAALICE0000001", "not-alice"), at: now},
			wantStatus: 403, wantBody: `{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'GET\n/dev/pets/7\n…`},
		{name: "query altered after signing", req: signedReq{method: "GET", path: "/dev/pets/7?a=1", key: alice, at: now, tamper: func(r *http.Request) { r.URL.RawQuery = "a=2" }},
			wantStatus: 403, wantBody: `{"message":"The request signature we calculated does not match …`},
		{name: "body altered after signing", req: signedReq{method: "PUT", path: "/dev/pets/7", body: "one", key: alice, at: now, tamper: func(r *http.Request) {
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader("two")), 3
		}}, wantStatus: 403, wantBody: `{"message":"The request signature we calculated does not match …`},
		{name: "stage omitted from the signed path", req: signedReq{method: "GET", path: "/dev/pets/7", key: alice, at: now, tamper: func(r *http.Request) {
			r2 := r.Clone(context.Background())
			r2.URL.Path = "/pets/7"
			_ = v4.NewSigner().SignHTTP(context.Background(), alice, r2, sigv4.EmptyPayloadHash, "execute-api", "us-east-1", now)
			r.Header.Set("Authorization", r2.Header.Get("Authorization"))
		}}, wantStatus: 403, wantBody: `{"message":"The request signature we calculated does not match …`},
		{name: "clock skew past", req: signedReq{method: "GET", path: "/dev/pets/7", key: alice, at: now.Add(-6 * time.Minute)},
			wantStatus: 403, wantBody: `{"message":"Signature expired: 20260301T095400Z is now earlier than 20260301T095500Z (20260301T100000Z - 5 min.)"}`},
		{name: "clock skew future", req: signedReq{method: "GET", path: "/dev/pets/7", key: alice, at: now.Add(6 * time.Minute)},
			wantStatus: 403, wantBody: `{"message":"Signature not yet current: 20260301T100600Z is still later than 20260301T100500Z (20260301T100000Z + 5 min.)"}`},
		{name: "presigned url expired", req: signedReq{method: "GET", path: "/dev/pets/7?X-Amz-Expires=60", key: alice, at: now.Add(-2 * time.Minute), presign: true},
			wantStatus: 403, wantBody: `{"message":"Signature expired: …`},
		{name: "no identity policy", req: signedReq{method: "GET", path: "/dev/pets/7", key: carol, at: now},
			wantStatus: 403, wantBody: `{"Message":"User: arn:aws:iam::123456789012:user/carol is not authorized to perform: execute-api:Invoke on resource: ` + arnPrefix + `GET/pets/7"}`},
		{name: "identity policy allows", req: signedReq{method: "GET", path: "/dev/pets/7", key: bob, at: now}, wantStatus: 200, wantBody: "backend GET /pets/7"},
		{name: "identity policy explicit deny", req: signedReq{method: "POST", path: "/dev/admin/users", key: bob, at: now},
			wantStatus: 403, wantBody: `{"Message":"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: execute-api:Invoke on resource: ` + arnPrefix + `POST/admin/users with an explicit deny"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.host = host
			before := be.count()
			resp, body := ta.signed(t, tc.req)
			if resp.StatusCode != tc.wantStatus || !bodyMatches(body, tc.wantBody) {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if tc.wantStatus != 200 {
				if be.count() != before {
					t.Errorf("backend called on a refused request")
				}
				return
			}
			if !strings.HasPrefix(tc.wantBody, "backend") {
				return
			}
			got := be.last(t)
			if a := got.Header.Get("Authorization"); a != "" {
				t.Errorf("backend received Authorization %q; the SigV4 header must be stripped", a)
			}
			if tc.req.body != "" {
				be.mu.Lock()
				b := be.body[len(be.body)-1]
				be.mu.Unlock()
				if string(b) != tc.req.body {
					t.Errorf("backend body %q, want %q", b, tc.req.body)
				}
			}
		})
	}
}

// bodyMatches compares exactly, or by prefix when want ends with "…".
func bodyMatches(got, want string) bool {
	if p, ok := strings.CutSuffix(want, "…"); ok {
		return strings.HasPrefix(got, p)
	}
	return got == want
}

func (b *backend) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.reqs)
}

// signedAPI is a REST API whose every route needs SigV4.
func signedAPI(backendURL string) string {
	return fmt.Sprintf(`
apis:
  - name: signed
    id: iamapi0001
    kind: rest
    stages: [{name: dev}]
    defaultAuthorizer: AWS_IAM
    routes:
      - route: ANY /{proxy+}
        integration: {http: {url: "%s/{proxy}"}}
`, backendURL)
}

func TestTemporaryCredentialsFromSTS(t *testing.T) {
	be := newBackend(t, nil)
	// The SDK's STS client signs with the real clock, so the fake clock
	// starts there and only moves forward.
	clk := &fakeClock{t: time.Now().UTC()}
	ta := startIAM(t, iamConfig+signedAPI(be.URL), clk)
	stsSrv := httptest.NewServer(ta.stsHandler())
	t.Cleanup(stsSrv.Close)
	client := sts.NewFromConfig(aws.Config{
		Region: "us-east-1", HTTPClient: stsSrv.Client(),
		Credentials: credentials.NewStaticCredentialsProvider(alice.AccessKeyID, alice.SecretAccessKey, ""),
	}, func(o *sts.Options) { o.BaseEndpoint = aws.String(stsSrv.URL) })
	assume := func(t *testing.T, role string) aws.Credentials {
		t.Helper()
		out, err := client.AssumeRole(context.Background(), &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::123456789012:role/" + role), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(900),
		})
		if err != nil {
			t.Fatalf("AssumeRole %s: %v", role, err)
		}
		c := out.Credentials
		if !strings.HasPrefix(*c.AccessKeyId, "ASIA") || *c.SessionToken == "" {
			t.Fatalf("credentials %+v", c)
		}
		return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
	}
	invoker, limited := assume(t, "invoker"), assume(t, "limited")
	const host = "iamapi0001.execute-api.localhost"
	get := func(t *testing.T, c aws.Credentials) (*http.Response, string) {
		t.Helper()
		return ta.signed(t, signedReq{method: "GET", host: host, path: "/dev/pets/7", key: c, at: clk.Now()})
	}
	forged := invoker
	forged.SessionToken = "forged"
	noToken := invoker
	noToken.SessionToken = ""

	tests := []struct {
		name       string
		creds      aws.Credentials
		wantStatus int
		wantBody   string
	}{
		{"session credentials", invoker, 200, "backend GET /pets/7"},
		{"forged session token", forged, 403, `{"message":"The security token included in the request is invalid."}`},
		{"session token missing", noToken, 403, `{"message":"The security token included in the request is invalid."}`},
		{"role without identity policy", limited, 403, `{"Message":"User: arn:aws:sts::123456789012:assumed-role/limited/s1 is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:iamapi0001/dev/GET/pets/7"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, tc.creds)
			if resp.StatusCode != tc.wantStatus || body != tc.wantBody {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
		})
	}

	t.Run("presigned with the session token in the query", func(t *testing.T) {
		resp, body := ta.signed(t, signedReq{method: "GET", host: host, path: "/dev/pets/7?X-Amz-Expires=60&q=1", key: invoker, at: clk.Now(), presign: true})
		if resp.StatusCode != 200 || body != "backend GET /pets/7?q=1" {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
		// The token was checked from the query (a forged one is refused) and,
		// like the other signing parameters, is not forwarded to the backend.
		if q := be.last(t).URL.Query(); q.Has("X-Amz-Security-Token") {
			t.Errorf("the backend received the session token: %v", q)
		}
		resp, body = ta.signed(t, signedReq{method: "GET", host: host, path: "/dev/pets/7?X-Amz-Expires=60", key: forged, at: clk.Now(), presign: true})
		if resp.StatusCode != 403 || body != `{"message":"The security token included in the request is invalid."}` {
			t.Fatalf("forged token in the query: got %d %q", resp.StatusCode, body)
		}
	})
	t.Run("survives a config reload", func(t *testing.T) {
		if err := ta.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		if resp, body := get(t, invoker); resp.StatusCode != 200 {
			t.Fatalf("after reload: %d %q", resp.StatusCode, body)
		}
	})
	t.Run("honoured until expiry", func(t *testing.T) {
		clk.Advance(14 * time.Minute)
		if resp, body := get(t, invoker); resp.StatusCode != 200 {
			t.Fatalf("one minute before expiry: %d %q", resp.StatusCode, body)
		}
		clk.Advance(time.Minute)
		resp, body := get(t, invoker)
		if resp.StatusCode != 403 || body != `{"message":"The security token included in the request is expired"}` {
			t.Fatalf("at expiry: %d %q", resp.StatusCode, body)
		}
	})
}

func TestSignedBodyLimits(t *testing.T) {
	be := newBackend(t, nil)
	clk := &fakeClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	ta := startIAM(t, iamConfig+signedAPI(be.URL), clk)
	const host = "iamapi0001.execute-api.localhost"
	big := strings.Repeat("a", 1<<20)
	tests := []struct {
		name       string
		size       int
		chunked    bool
		wantStatus int
	}{
		{"1 MB body reaches the backend", 1 << 20, false, 200},
		{"1 MB chunked body reaches the backend", 1 << 20, true, 200},
		{"chunked body over 10 MB", 10<<20 + 1, true, 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := strings.Repeat(big, tc.size/len(big)) + strings.Repeat("b", tc.size%len(big))
			before := be.count()
			resp, got := ta.signed(t, signedReq{method: "PUT", host: host, path: "/dev/blob", body: body, key: alice, at: clk.Now(), chunked: tc.chunked})
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("got %d %.200q, want %d", resp.StatusCode, got, tc.wantStatus)
			}
			if tc.wantStatus != 200 {
				if be.count() != before {
					t.Error("backend called")
				}
				return
			}
			be.mu.Lock()
			n := len(be.body[len(be.body)-1])
			be.mu.Unlock()
			if n != tc.size {
				t.Errorf("backend received %d bytes, want %d", n, tc.size)
			}
		})
	}
}

func TestSTSOnIdpListener(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gatehouse.yaml")
	if err := os.WriteFile(path, []byte("apis: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := New(context.Background(), Options{ConfigPath: path, Listen: "127.0.0.1:0", IdpListen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"),
		Getenv: func(k string) string {
			return map[string]string{"GATEHOUSE_ACCESS_KEY_ID": "AKIAROOTROOTROOT0001", "GATEHOUSE_SECRET_ACCESS_KEY": "rootsecret"}[k]
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	// An unsigned STS call reaches the STS handler (not a 404) and is refused with an STS error document.
	resp, err := http.Post("http://"+a.IdpAddr+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "<ErrorResponse") {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
}
