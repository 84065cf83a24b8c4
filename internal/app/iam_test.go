package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/sigv4"
)

func TestIAMSignedRequestsThroughGateway(t *testing.T) {
	be := newBackend(t, nil)
	clk := fixedClock()
	ta := startIAM(t, iamConfig+signedAPI(be.URL, rootRoute, `      - route: GET /open
        authorizer: NONE
        integration: {mock: {body: open}}
`), clk)
	now := clk.Now()
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
			_ = signV4(r2, alice, sigv4.EmptyPayloadHash, now)
			r.Header.Set("Authorization", r2.Header.Get("Authorization"))
		}}, wantStatus: 403, wantBody: `{"message":"The request signature we calculated does not match …`},
		{name: "clock skew past", req: signedReq{method: "GET", path: "/dev/pets/7", key: alice, at: now.Add(-6 * time.Minute)},
			wantStatus: 403, wantBody: `{"message":"Signature expired: 20260301T095400Z is now earlier than 20260301T095500Z (20260301T100000Z - 5 min.)"}`},
		{name: "clock skew future", req: signedReq{method: "GET", path: "/dev/pets/7", key: alice, at: now.Add(6 * time.Minute)},
			wantStatus: 403, wantBody: `{"message":"Signature not yet current: 20260301T100600Z is still later than 20260301T100500Z (20260301T100000Z + 5 min.)"}`},
		{name: "presigned url expired", req: signedReq{method: "GET", path: "/dev/pets/7?X-Amz-Expires=60", key: alice, at: now.Add(-2 * time.Minute), presign: true},
			wantStatus: 403, wantBody: `{"message":"Signature expired: …`},
		{name: "no identity policy", req: signedReq{method: "GET", path: "/dev/pets/7", key: carol, at: now},
			wantStatus: 403, wantBody: restDenial("arn:aws:iam::123456789012:user/carol", "iamapi0001/dev/GET/pets/7", false)},
		{name: "identity policy allows", req: signedReq{method: "GET", path: "/dev/pets/7", key: bob, at: now}, wantStatus: 200, wantBody: "backend GET /pets/7"},
		{name: "identity policy explicit deny", req: signedReq{method: "POST", path: "/dev/admin/users", key: bob, at: now},
			wantStatus: 403, wantBody: restDenial("arn:aws:iam::123456789012:user/bob", "iamapi0001/dev/POST/admin/users", true)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.host = signedHost
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
				if b := be.lastBody(); string(b) != tc.req.body {
					t.Errorf("backend body %q, want %q", b, tc.req.body)
				}
			}
		})
	}
}

func TestTemporaryCredentialsFromSTS(t *testing.T) {
	be := newBackend(t, nil)
	// The SDK's STS client signs with the real clock, so the fake clock
	// starts there and only moves forward.
	clk := &fakeClock{t: time.Now().UTC()}
	ta := startIAM(t, iamConfig+signedAPI(be.URL), clk)
	client := newSTSEndpoint(t, ta).client(alice)
	assume := func(t *testing.T, role string) aws.Credentials {
		t.Helper()
		c := assumeRole(t, client, "arn:aws:iam::123456789012:role/"+role, "s1", func(in *sts.AssumeRoleInput) { in.DurationSeconds = aws.Int32(900) })
		if !strings.HasPrefix(c.AccessKeyID, "ASIA") || c.SessionToken == "" {
			t.Fatalf("credentials %+v", c)
		}
		return c
	}
	invoker, limited := assume(t, "invoker"), assume(t, "limited")
	get := func(t *testing.T, c aws.Credentials) (*http.Response, string) {
		t.Helper()
		return ta.signed(t, signedReq{method: "GET", host: signedHost, path: "/dev/pets/7", key: c, at: clk.Now()})
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
		{"role without identity policy", limited, 403, restDenial("arn:aws:sts::123456789012:assumed-role/limited/s1", "iamapi0001/dev/GET/pets/7", false)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, tc.creds)
			wantResponse(t, resp, body, tc.wantStatus, tc.wantBody)
		})
	}

	t.Run("presigned with the session token in the query", func(t *testing.T) {
		resp, body := ta.signed(t, signedReq{method: "GET", host: signedHost, path: "/dev/pets/7?X-Amz-Expires=60&q=1", key: invoker, at: clk.Now(), presign: true})
		if resp.StatusCode != 200 || body != "backend GET /pets/7?q=1" {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
		// The token was checked from the query (a forged one is refused) and,
		// like the other signing parameters, is not forwarded to the backend.
		if q := be.last(t).URL.Query(); q.Has("X-Amz-Security-Token") {
			t.Errorf("the backend received the session token: %v", q)
		}
		resp, body = ta.signed(t, signedReq{method: "GET", host: signedHost, path: "/dev/pets/7?X-Amz-Expires=60", key: forged, at: clk.Now(), presign: true})
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
	clk := fixedClock()
	ta := startIAM(t, iamConfig+signedAPI(be.URL), clk)
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
			resp, got := ta.signed(t, signedReq{method: "PUT", host: signedHost, path: "/dev/blob", body: body, key: alice, at: clk.Now(), chunked: tc.chunked})
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("got %d %.200q, want %d", resp.StatusCode, got, tc.wantStatus)
			}
			if tc.wantStatus != 200 {
				if be.count() != before {
					t.Error("backend called")
				}
				return
			}
			if n := len(be.lastBody()); n != tc.size {
				t.Errorf("backend received %d bytes, want %d", n, tc.size)
			}
		})
	}
}

func TestSTSOnIdpListener(t *testing.T) {
	ta, err := launch(t, writeConfig(t, "apis: []\n"), func(o *Options) { o.IdpListen, o.Getenv = "127.0.0.1:0", iamEnv })
	if err != nil {
		t.Fatal(err)
	}
	// An unsigned STS call reaches the STS handler (not a 404) and is refused with an STS error document.
	resp, err := http.Post("http://"+ta.IdpAddr+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || !strings.Contains(string(b), "<ErrorResponse") {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
}
