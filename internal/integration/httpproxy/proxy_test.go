package httpproxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
)

func newExchange(method, target string, body io.Reader) (*exchange.Exchange, *httptest.ResponseRecorder) {
	r := httptest.NewRequest(method, target, body)
	w := httptest.NewRecorder()
	return &exchange.Exchange{
		W: w, R: r, API: &exchange.API{ID: "api1"}, Stage: &exchange.Stage{Name: "$default", Variables: map[string]string{"host": "ignored"}},
		Route: &exchange.Route{Key: "GET /items/{id}"}, Params: []exchange.Param{{Name: "id", Value: "a b/c"}},
		Path: "/items/a b", EscapedPath: "/items/a%20b",
	}, w
}

func TestTargetURL(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Method+" "+r.URL.RequestURI())
	}))
	defer be.Close()
	tests := []struct {
		name   string
		cfg    Config
		target string
		want   string
	}{
		{"param escaped per segment", Config{URL: be.URL + "/x/{id}"}, "/items/a%20b?q=1", "GET /x/a%20b/c?q=1"},
		{"append path", Config{URL: be.URL + "/base/", AppendPath: true}, "/items/a%20b", "GET /base/items/a%20b"},
		{"query merged", Config{URL: be.URL + "/x?fixed=1"}, "/items/a?q=2", "GET /x?fixed=1&q=2"},
		{"method override", Config{URL: be.URL + "/m", Method: "POST"}, "/items/a", "POST /m"},
		{"param in query is query-escaped", Config{URL: be.URL + "/q?id={id}"}, "/items/a", "GET /q?id=a+b%2Fc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Timeout = 5 * time.Second
			p, err := New(tc.cfg, exchange.HTTP, NewTransport(), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			x, w := newExchange("GET", tc.target, nil)
			if err := p.Serve(x); err != nil {
				t.Fatal(err)
			}
			if got := w.Body.String(); got != tc.want {
				t.Errorf("backend saw %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStageVariableURL(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.URL.Path)
	}))
	defer be.Close()
	p, err := New(Config{URL: "http://${stageVariables.host}/v/{id}", Timeout: time.Second}, exchange.REST, NewTransport(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	x, w := newExchange("GET", "/items/a", nil)
	x.Stage.Variables["host"] = strings.TrimPrefix(be.URL, "http://")
	if err := p.Serve(x); err != nil {
		t.Fatal(err)
	}
	if w.Body.String() != "/v/a b/c" {
		t.Errorf("got %q", w.Body.String())
	}
	// A stage variable that does not make an absolute URL is a configuration error.
	x, _ = newExchange("GET", "/items/a", nil)
	x.Stage.Variables["host"] = ""
	var ge *gwresp.Error
	if err := p.Serve(x); !errors.As(err, &ge) || ge.Type != gwresp.APIConfigurationError {
		t.Fatalf("got %v", err)
	}
}

func FuzzURLTemplate(f *testing.F) {
	for _, s := range []string{"http://h/{id}", "http://${stageVariables.x}/a?b={c}", "{", "${stageVariables.", "http://h/{}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tp, err := parseURLTemplate(s)
		if err != nil {
			return
		}
		x := &exchange.Exchange{Params: []exchange.Param{{Name: "id", Value: "v/w"}}}
		_ = tp.render(x, map[string]string{"x": "h"})
		_ = tp.render(nil, nil)
	})
}

func BenchmarkServe(b *testing.B) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Length"] = []string{"5"}
		_, _ = io.WriteString(w, "hello")
	}))
	defer be.Close()
	p, err := New(Config{URL: be.URL, AppendPath: true, Timeout: 5 * time.Second}, exchange.HTTP, NewTransport(), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/items/1", nil)
	r.RemoteAddr = "127.0.0.1:1234"
	b.ReportAllocs()
	for b.Loop() {
		w := &discard{h: http.Header{}}
		x := &exchange.Exchange{W: w, R: r, API: &exchange.API{ID: "a"}, EscapedPath: "/items/1"}
		if err := p.Serve(x); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// TestHeaders pins the request headers a backend receives and the response
// headers the client gets back (docs/gateway.md, reference §10.1).
func TestHeaders(t *testing.T) {
	var got http.Header
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		h := w.Header()
		h.Set("Server", "backend/1")
		h.Set("X-Amzn-Requestid", "backend-id")
		h.Set("Apigw-Requestid", "backend-apigw-id")
		h.Set("X-Kept", "yes")
	}))
	defer be.Close()
	sent := map[string]string{
		"Expect": "100-continue", "Max-Forwards": "3", "Content-Md5": "x", "X-Http-Method-Override": "DELETE",
		"Te": "trailers", "Trailer": "X-T", "Proxy-Authorization": "Basic x", "Server": "client/1", "Www-Authenticate": "Basic",
		"X-Forwarded-For": "203.0.113.9", "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00",
		"X-Custom": "kept",
	}
	dropped := []string{"Expect", "Max-Forwards", "Content-Md5", "X-Http-Method-Override", "Te", "Trailer", "Proxy-Authorization", "Server", "Www-Authenticate"}
	tests := []struct {
		name          string
		kind          exchange.Kind
		strip         bool
		wantAPIID     string
		wantAuth      bool
		wantRemapped  map[string]string // response header -> value
		wantAbsent    []string          // response headers
		wantRespValue map[string]string
	}{
		{"rest", exchange.REST, false, "api1", true,
			map[string]string{"X-Amzn-Remapped-Server": "backend/1", "X-Amzn-Remapped-X-Amzn-Requestid": "backend-id"},
			[]string{"Server", "X-Amzn-Requestid"}, map[string]string{"Apigw-Requestid": "backend-apigw-id", "X-Kept": "yes"}},
		{"rest sigv4 stripped", exchange.REST, true, "api1", false, nil, nil, nil},
		{"http", exchange.HTTP, false, "", true, nil,
			[]string{"Apigw-Requestid", "X-Amzn-Remapped-Server"}, map[string]string{"Server": "backend/1", "X-Amzn-Requestid": "backend-id", "X-Kept": "yes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(Config{URL: be.URL, Timeout: 5 * time.Second, StripSigV4: tc.strip}, tc.kind, NewTransport(), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			x, w := newExchange("GET", "http://gw.example:8443/items/a", nil)
			x.R.RemoteAddr = "192.0.2.1:5555"
			for k, v := range sent {
				x.R.Header.Set(k, v)
			}
			if err := p.Serve(x); err != nil {
				t.Fatal(err)
			}
			for _, k := range dropped {
				if v, ok := got[k]; ok {
					t.Errorf("backend received %s: %q", k, v)
				}
			}
			if v := got.Get("X-Custom"); v != "kept" {
				t.Errorf("X-Custom = %q, want kept", v)
			}
			if v, want := got.Get("X-Forwarded-For"), "203.0.113.9, 192.0.2.1"; v != want {
				t.Errorf("X-Forwarded-For = %q, want %q", v, want)
			}
			if v := got.Get("X-Forwarded-Host"); v != "gw.example:8443" {
				t.Errorf("X-Forwarded-Host = %q, want gw.example:8443", v)
			}
			if v := got.Get("X-Forwarded-Proto"); v != "http" {
				t.Errorf("X-Forwarded-Proto = %q, want http", v)
			}
			if v := got.Get("X-Forwarded-Port"); v != "8443" {
				t.Errorf("X-Forwarded-Port = %q, want 8443", v)
			}
			if v := got.Get("X-Amzn-Trace-Id"); !strings.HasPrefix(v, "Root=1-") {
				t.Errorf("X-Amzn-Trace-Id = %q", v)
			}
			if v := got.Get("X-Amzn-Apigateway-Api-Id"); v != tc.wantAPIID {
				t.Errorf("X-Amzn-Apigateway-Api-Id = %q, want %q", v, tc.wantAPIID)
			}
			if _, ok := got["Authorization"]; ok != tc.wantAuth {
				t.Errorf("Authorization forwarded = %v, want %v", ok, tc.wantAuth)
			}
			rh := w.Result().Header
			for k, want := range tc.wantRemapped {
				if v := rh.Get(k); v != want {
					t.Errorf("response %s = %q, want %q", k, v, want)
				}
			}
			for _, k := range tc.wantAbsent {
				if v, ok := rh[k]; ok {
					t.Errorf("response has %s: %q", k, v)
				}
			}
			for k, want := range tc.wantRespValue {
				if v := rh.Get(k); v != want {
					t.Errorf("response %s = %q, want %q", k, v, want)
				}
			}
		})
	}
}

// TestClientGone: a client that disconnects while the backend is working is
// reported as status 499 (docs/gateway.md), not as an integration failure.
func TestClientGone(t *testing.T) {
	arrived := make(chan struct{})
	release := make(chan struct{})
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer be.Close()
	defer close(release)
	p, err := New(Config{URL: be.URL, Timeout: 5 * time.Second}, exchange.REST, NewTransport(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	x, _ := newExchange("GET", "/items/a", nil)
	ctx, cancel := context.WithCancel(x.R.Context())
	x.R = x.R.WithContext(ctx)
	go func() {
		<-arrived
		cancel()
	}()
	err = p.Serve(x)
	var ge *gwresp.Error
	if !errors.As(err, &ge) || ge.Type != gwresp.Default4XX || ge.Status != 499 {
		t.Fatalf("got %v, want DEFAULT_4XX with status 499", err)
	}
}
