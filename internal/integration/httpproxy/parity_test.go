package httpproxy

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
)

// wrapped is a RoundTripper that is not *Transport: a Proxy built with it
// takes the httputil.ReverseProxy path instead of the forward path.
type wrapped struct{ http.RoundTripper }

// received is what a backend saw of one request.
type received struct {
	Method, RequestURI, Host string
	Header                   http.Header
	Body                     string
	ContentLength            int64
	TransferEncoding         []string
}

// outcome is what one proxied request did at both ends.
type outcome struct {
	be      received
	errType gwresp.Type // "" when Serve returned nil
	status  int
	header  http.Header
	body    string
}

var traceRe = regexp.MustCompile(`^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`)

// recordingBackend is a net/http backend that records each request and
// answers according to the request's X-Respond header.
func recordingBackend(t *testing.T) (*httptest.Server, func() received) {
	t.Helper()
	var mu sync.Mutex
	var last received
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("backend: reading body: %v", err)
		}
		mu.Lock()
		last = received{Method: r.Method, RequestURI: r.RequestURI, Host: r.Host, Header: r.Header.Clone(),
			Body: string(b), ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding}
		mu.Unlock()
		h := w.Header()
		h.Set("Connection", "X-Hop-Resp")
		h.Set("X-Hop-Resp", "dropped")
		h.Set("Keep-Alive", "timeout=5")
		h.Set("Proxy-Authenticate", "Basic")
		h.Set("Server", "backend/1")
		h.Set("X-Amzn-Requestid", "backend-id")
		h.Set("Apigw-Requestid", "backend-apigw-id")
		h["Set-Cookie"] = []string{"a=1", "b=2"}
		h["X-Multi"] = []string{"one", "two"}
		h.Set("Content-Type", "text/plain")
		status := http.StatusOK
		switch r.Header.Get("X-Respond") {
		case "created":
			status = http.StatusCreated
		case "nocontent":
			w.WriteHeader(http.StatusNoContent)
			return
		case "trailer":
			h.Set("Trailer", "X-T")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, "with trailer")
			h.Set("X-T", "tv")
			return
		case "chunked":
			w.WriteHeader(status)
			_, _ = io.WriteString(w, "part1,")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "part2")
			return
		}
		w.WriteHeader(status)
		_, _ = fmt.Fprintf(w, "%s %s %q", r.Method, r.RequestURI, b)
	}))
	t.Cleanup(be.Close)
	return be, func() received {
		mu.Lock()
		defer mu.Unlock()
		r := last
		last = received{}
		return r
	}
}

// parityCase is one client request sent through both paths.
type parityCase struct {
	name    string
	kind    exchange.Kind
	cfg     Config // URL and Timeout are filled in
	method  string
	target  string // absolute URL: its host is the Host the client asked for
	header  http.Header
	body    string
	chunked bool   // send body with ContentLength -1 (Transfer-Encoding: chunked)
	remote  string // RemoteAddr; 192.0.2.1:5555 when empty
	tls     bool   // the client connection is TLS
	// differ documents an intended difference between the paths: it
	// checks it and removes it from both outcomes.
	differ func(t *testing.T, fwd, rp *outcome)
}

func (tc parityCase) request() *exchange.Exchange {
	var body io.Reader
	if tc.body != "" {
		body = strings.NewReader(tc.body)
	}
	r := httptest.NewRequest(tc.method, tc.target, body)
	r.RemoteAddr = "192.0.2.1:5555"
	if tc.remote != "" {
		r.RemoteAddr = tc.remote
	}
	if tc.tls {
		r.TLS = &tls.ConnectionState{}
	}
	if tc.chunked {
		r.ContentLength = -1
		r.TransferEncoding = []string{"chunked"}
		r.Body = io.NopCloser(strings.NewReader(tc.body))
	}
	for k, vs := range tc.header {
		r.Header[k] = slices.Clone(vs)
	}
	return &exchange.Exchange{
		W: httptest.NewRecorder(), R: r, API: &exchange.API{ID: "api1"},
		Stage: &exchange.Stage{Name: "$default"}, Route: &exchange.Route{Key: "$default"},
		Path: r.URL.Path, EscapedPath: r.URL.EscapedPath(),
	}
}

// run sends tc through a Proxy built on rt and returns what happened.
func (tc parityCase) run(t *testing.T, be string, rt http.RoundTripper, last func() received) outcome {
	t.Helper()
	cfg := tc.cfg
	cfg.URL = be + cfg.URL
	cfg.Timeout = 5 * time.Second
	kind := tc.kind
	if kind == 0 {
		kind = exchange.HTTP
	}
	p, err := New(cfg, kind, rt, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	x := tc.request()
	err = p.Serve(x)
	o := outcome{be: last()}
	if err != nil {
		var ge *gwresp.Error
		if !errors.As(err, &ge) {
			t.Fatalf("Serve: %v, want a gwresp.Error", err)
		}
		o.errType = ge.Type
		return o
	}
	res := x.W.(*httptest.ResponseRecorder).Result()
	o.status, o.header = res.StatusCode, res.Header
	b, _ := io.ReadAll(res.Body)
	o.body = string(b)
	if v := o.be.Header["X-Amzn-Trace-Id"]; len(v) != 1 || !traceRe.MatchString(v[0]) {
		t.Errorf("backend X-Amzn-Trace-Id = %q, want one Root=1-xxxxxxxx-yyyy... value", v)
	}
	delete(o.be.Header, "X-Amzn-Trace-Id")
	// The backend's Date differs between the two calls.
	for _, k := range []string{"Date", "X-Amzn-Remapped-Date"} {
		if _, ok := o.header[k]; ok {
			o.header[k] = []string{"(date)"}
		}
	}
	return o
}

// checkAndDelete checks that h[k] is want and deletes it.
func checkAndDelete(t *testing.T, which string, h http.Header, k string, want []string) {
	t.Helper()
	if got := h[k]; !reflect.DeepEqual(got, want) {
		t.Errorf("%s %s = %q, want %q", which, k, got, want)
	}
	delete(h, k)
}

func compareOutcomes(t *testing.T, fwd, rp outcome) {
	t.Helper()
	if fwd.errType != rp.errType {
		t.Errorf("error: forward %q, reverseproxy %q", fwd.errType, rp.errType)
	}
	a, b := fwd.be, rp.be
	if a.Method != b.Method || a.RequestURI != b.RequestURI || a.Host != b.Host {
		t.Errorf("backend request line: forward %s %s (Host %s), reverseproxy %s %s (Host %s)", a.Method, a.RequestURI, a.Host, b.Method, b.RequestURI, b.Host)
	}
	if a.Body != b.Body || a.ContentLength != b.ContentLength || !slices.Equal(a.TransferEncoding, b.TransferEncoding) {
		t.Errorf("backend body: forward %q (length %d, %q), reverseproxy %q (length %d, %q)", a.Body, a.ContentLength, a.TransferEncoding, b.Body, b.ContentLength, b.TransferEncoding)
	}
	diffHeaders(t, "backend header", a.Header, b.Header)
	if fwd.status != rp.status || fwd.body != rp.body {
		t.Errorf("client response: forward %d %q, reverseproxy %d %q", fwd.status, fwd.body, rp.status, rp.body)
	}
	diffHeaders(t, "client header", fwd.header, rp.header)
}

func diffHeaders(t *testing.T, which string, fwd, rp http.Header) {
	t.Helper()
	keys := map[string]bool{}
	for k := range fwd {
		keys[k] = true
	}
	for k := range rp {
		keys[k] = true
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	}) {
		if !reflect.DeepEqual(fwd[k], rp[k]) {
			t.Errorf("%s %s: forward %q, reverseproxy %q", which, k, fwd[k], rp[k])
		}
	}
}

// TestParity sends the same requests through the forward path (Proxy built
// with *Transport) and the httputil.ReverseProxy path (a wrapping
// RoundTripper) and compares what the backend received and what the client
// got. Intended differences are checked and documented per case (differ).
func TestParity(t *testing.T) {
	be, last := recordingBackend(t)
	const sigv4 = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00"
	tests := []parityCase{
		{name: "get", method: "GET", target: "http://gw.example/items/1"},
		{name: "get rest", kind: exchange.REST, method: "GET", target: "http://gw.example/items/1"},
		{name: "head", method: "HEAD", target: "http://gw.example/items/1"},
		{name: "head rest", kind: exchange.REST, method: "HEAD", target: "http://gw.example/items/1"},
		{name: "post with body", method: "POST", target: "http://gw.example/items", body: `{"a":1}`,
			header: http.Header{"Content-Type": {"application/json"}}},
		{name: "post without body", method: "POST", target: "http://gw.example/items"},
		{name: "put with body", method: "PUT", target: "http://gw.example/items/1", body: "replace"},
		{name: "put without body", method: "PUT", target: "http://gw.example/items/1"},
		{name: "patch without body", method: "PATCH", target: "http://gw.example/items/1"},
		{name: "delete without body", method: "DELETE", target: "http://gw.example/items/1"},
		{name: "options without body", method: "OPTIONS", target: "http://gw.example/items/1"},
		{name: "delete with body", method: "DELETE", target: "http://gw.example/items/1", body: "why"},
		{name: "chunked request body", method: "POST", target: "http://gw.example/upload", body: strings.Repeat("chunk ", 1000), chunked: true},
		{name: "chunked request body rest", kind: exchange.REST, method: "PUT", target: "http://gw.example/upload", body: "small", chunked: true},
		{name: "expect continue with body", method: "POST", target: "http://gw.example/upload", body: "abc",
			header: http.Header{"Expect": {"100-continue"}}},
		{name: "query string", method: "GET", target: "http://gw.example/search?q=a+b&x=%2F&empty=&flag"},
		{name: "query with semicolon and bad escape", method: "GET", target: "http://gw.example/s?a=1;b=2&c=%zz&d=%20"},
		{name: "encoded path", method: "GET", target: "http://gw.example/a%2Fb/c%20d/%C3%A9"},
		{name: "path with sub-delims", method: "GET", target: "http://gw.example/f(1)/a!b/x;y=z"},
		{name: "root path", method: "GET", target: "http://gw.example/"},
		{name: "get with body", method: "GET", target: "http://gw.example/search", body: `{"q":1}`},
		{name: "ipv6 client", method: "GET", target: "http://gw.example/ip", remote: "[2001:db8::1]:443",
			header: http.Header{"X-Forwarded-For": {"203.0.113.9"}}},
		{name: "client address without port", method: "GET", target: "http://gw.example/ip", remote: "pipe",
			header: http.Header{"X-Forwarded-For": {"203.0.113.9"}}},
		{name: "tls client", method: "GET", target: "https://gw.example/tls"},
		{name: "method override", cfg: Config{Method: "POST"}, method: "GET", target: "http://gw.example/m"},
		{name: "base path and query in url", cfg: Config{URL: "/base/?fixed=1"}, method: "GET", target: "http://gw.example/x/y?q=2"},
		{name: "host with port", method: "GET", target: "http://gw.example:8443/items/1"},
		{name: "hop-by-hop listed in connection", method: "GET", target: "http://gw.example/h",
			header: http.Header{"Connection": {"X-Hop, keep-alive", "X-Other"}, "X-Hop": {"1"}, "X-Other": {"2"},
				"Keep-Alive": {"timeout=5"}, "X-Kept": {"3"}}},
		{name: "te trailer proxy headers", method: "GET", target: "http://gw.example/h",
			header: http.Header{"Te": {"trailers, deflate"}, "Trailer": {"X-T"}, "Proxy-Authorization": {"Basic eA=="},
				"Proxy-Connection": {"keep-alive"}, "Proxy-Foo": {"kept"}}},
		{name: "api gateway dropped request headers", kind: exchange.REST, method: "GET", target: "http://gw.example/h",
			header: http.Header{"Max-Forwards": {"3"}, "Content-Md5": {"x"}, "X-Http-Method-Override": {"DELETE"},
				"Server": {"client/1"}, "Www-Authenticate": {"Basic"}, "X-Amzn-Apigateway-Api-Id": {"spoofed"},
				"X-Amzn-Trace-Id": {"Root=1-00000000-000000000000000000000000"}}},
		{name: "client api id kept on http apis", method: "GET", target: "http://gw.example/h",
			header: http.Header{"X-Amzn-Apigateway-Api-Id": {"from-client"}}},
		{name: "upgrade", method: "GET", target: "http://gw.example/ws",
			header: http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}},
			// ReverseProxy puts back Connection: Upgrade and Upgrade for
			// protocol switches; the forward path never forwards an
			// upgrade (API Gateway's HTTP integrations carry none) and
			// refuses a 101 answer (TestFraming "101").
			differ: func(t *testing.T, fwd, rp *outcome) {
				checkAndDelete(t, "reverseproxy backend", rp.be.Header, "Connection", []string{"Upgrade"})
				checkAndDelete(t, "reverseproxy backend", rp.be.Header, "Upgrade", []string{"websocket"})
				checkAndDelete(t, "forward backend", fwd.be.Header, "Connection", nil)
				checkAndDelete(t, "forward backend", fwd.be.Header, "Upgrade", nil)
			}},
		{name: "user agent absent", method: "GET", target: "http://gw.example/ua"},
		{name: "user agent empty", method: "GET", target: "http://gw.example/ua", header: http.Header{"User-Agent": {""}}},
		{name: "user agent present", method: "GET", target: "http://gw.example/ua", header: http.Header{"User-Agent": {"curl/8"}}},
		{name: "user agent twice", method: "GET", target: "http://gw.example/ua", header: http.Header{"User-Agent": {"first/1", "second/2"}}},
		{name: "x-forwarded from client", method: "GET", target: "http://gw.example:8443/xf",
			header: http.Header{"X-Forwarded-For": {"203.0.113.9", "198.51.100.7"}, "X-Forwarded-Host": {"evil.example"},
				"X-Forwarded-Proto": {"https"}, "X-Forwarded-Port": {"1"}, "Forwarded": {"for=1.2.3.4"}}},
		{name: "x-forwarded-port from client without host port", method: "GET", target: "http://gw.example/xf",
			header: http.Header{"X-Forwarded-Port": {"1234"}}},
		{name: "sigv4 authorization stripped", cfg: Config{StripSigV4: true}, method: "GET",
			target: "http://gw.example/s?X-Amz-Algorithm=AWS4-HMAC-SHA256&keep=1&x-amz-signature=00&X-Amz-Security-Token=t",
			header: http.Header{"Authorization": {sigv4}, "X-Amz-Date": {"20260101T000000Z"}, "X-Amz-Security-Token": {"tok"}}},
		{name: "sigv4 authorization kept without strip", method: "GET", target: "http://gw.example/s?X-Amz-Signature=00",
			header: http.Header{"Authorization": {sigv4}}},
		{name: "other authorization kept with strip", cfg: Config{StripSigV4: true}, method: "GET", target: "http://gw.example/s",
			header: http.Header{"Authorization": {"Bearer abc"}}},
		{name: "multi-valued and odd headers", method: "GET", target: "http://gw.example/h",
			header: http.Header{"Accept": {"a/b", "c/d"}, "X-Empty": {""}, "X-Space": {"  padded  "}, "Cookie": {"a=1; b=2"}}},
		{name: "header value with newline", method: "GET", target: "http://gw.example/h",
			header: http.Header{"X-Inject": {"a\r\nX-Evil: 1"}}},
		{name: "chunked response", method: "GET", target: "http://gw.example/c", header: http.Header{"X-Respond": {"chunked"}}},
		{name: "chunked response rest", kind: exchange.REST, method: "GET", target: "http://gw.example/c", header: http.Header{"X-Respond": {"chunked"}}},
		{name: "status created", method: "POST", target: "http://gw.example/c", body: "x", header: http.Header{"X-Respond": {"created"}}},
		{name: "no content", method: "DELETE", target: "http://gw.example/c", header: http.Header{"X-Respond": {"nocontent"}}},
		{name: "response trailer", method: "GET", target: "http://gw.example/t", header: http.Header{"X-Respond": {"trailer"}},
			// ReverseProxy forwards trailers (announced in a Trailer header,
			// values set after the body); the forward path drops them, as
			// API Gateway does not carry trailers.
			differ: func(t *testing.T, fwd, rp *outcome) {
				checkAndDelete(t, "reverseproxy client", rp.header, "Trailer", []string{"X-T"})
				checkAndDelete(t, "forward client", fwd.header, "Trailer", nil)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fwd := tc.run(t, be.URL, NewTransport(), last)
			rp := tc.run(t, be.URL, wrapped{NewTransport()}, last)
			if fwd.errType != "" {
				t.Fatalf("forward path: %s", fwd.errType)
			}
			if fwd.be.Method == "" {
				t.Fatal("backend saw no request")
			}
			if tc.differ != nil {
				tc.differ(t, &fwd, &rp)
			}
			compareOutcomes(t, fwd, rp)
		})
	}
}
