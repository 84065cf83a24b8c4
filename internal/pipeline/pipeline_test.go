package pipeline

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/integration/httpproxy"
	"github.com/gatehouse/gatehouse/internal/router"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

type integrationFunc func(x *exchange.Exchange) error

func (f integrationFunc) Serve(x *exchange.Exchange) error { return f(x) }

type authorizerFunc func(x *exchange.Exchange) (*exchange.Principal, error)

func (f authorizerFunc) Authorize(x *exchange.Exchange) (*exchange.Principal, error) { return f(x) }

func testAPI(t testing.TB, kind exchange.Kind, routes map[string]Route) *API {
	t.Helper()
	spec := router.Spec{Kind: kind, Stages: []string{"$default"}}
	if kind == exchange.REST {
		spec.Stages = []string{"prod"}
	}
	api := &API{Info: exchange.API{ID: "abc123", Kind: kind}}
	for _, s := range spec.Stages {
		api.Stages = append(api.Stages, exchange.Stage{Name: s})
	}
	m := telemetry.NewMetrics()
	for key, r := range routes {
		spec.Routes = append(spec.Routes, key)
		r.Info.Key = key
		r.Metrics = m.Route("abc123", key)
		api.Routes = append(api.Routes, r)
	}
	var err error
	if api.Table, err = router.Compile(spec); err != nil {
		t.Fatal(err)
	}
	if api.Responses, err = gwresp.NewCatalogue(kind, nil); err != nil {
		t.Fatal(err)
	}
	api.Unmatched = m.Route("abc123", "")
	return api
}

func TestPanicIsContainedAndServingContinues(t *testing.T) {
	panics := 0
	api := testAPI(t, exchange.HTTP, map[string]Route{
		"GET /boom": {Integration: integrationFunc(func(*exchange.Exchange) error { panic("kaboom") })},
		"GET /ok": {Integration: integrationFunc(func(x *exchange.Exchange) error {
			_, err := io.WriteString(x.W, "fine")
			return err
		})},
	})
	g := New([]*API{api}, Options{OnPanic: func() { panics++ }})
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/boom", nil))
	if rec.Code != 500 || rec.Body.String() != `{"message":"Internal Server Error"}` {
		t.Fatalf("panic: got %d %q", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/ok", nil))
	if rec.Code != 200 || rec.Body.String() != "fine" || panics != 1 {
		t.Fatalf("after panic: %d %q panics=%d", rec.Code, rec.Body, panics)
	}
}

func TestAuthorizerRunsBeforeIntegration(t *testing.T) {
	called := false
	deny := authorizerFunc(func(*exchange.Exchange) (*exchange.Principal, error) {
		return nil, gwresp.New(gwresp.Unauthorized, nil)
	})
	allow := authorizerFunc(func(*exchange.Exchange) (*exchange.Principal, error) {
		return &exchange.Principal{Type: "jwt", Claims: map[string]any{"sub": "u1"}}, nil
	})
	var seen *exchange.Principal
	api := testAPI(t, exchange.REST, map[string]Route{
		"GET /deny": {Authorizer: deny, Integration: integrationFunc(func(*exchange.Exchange) error { called = true; return nil })},
		"GET /allow": {Authorizer: allow, Integration: integrationFunc(func(x *exchange.Exchange) error {
			seen = x.Principal
			return nil
		})},
	})
	g := New([]*API{api}, Options{})
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/prod/deny", nil))
	if rec.Code != 401 || rec.Body.String() != `{"message":"Unauthorized"}` || called {
		t.Fatalf("deny: %d %q integration called=%v", rec.Code, rec.Body, called)
	}
	if rec.Header().Get("X-Amzn-Errortype") != "UnauthorizedException" {
		t.Errorf("x-amzn-ErrorType = %q", rec.Header().Get("X-Amzn-Errortype"))
	}
	rec = httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/prod/allow", nil))
	if rec.Code != 200 || seen == nil || seen.Claims["sub"] != "u1" {
		t.Fatalf("allow: %d principal %+v", rec.Code, seen)
	}
}

func TestBodyLimitWhileStreaming(t *testing.T) {
	var readErr error
	api := testAPI(t, exchange.HTTP, map[string]Route{
		"POST /up": {Integration: integrationFunc(func(x *exchange.Exchange) error {
			_, readErr = io.Copy(io.Discard, x.R.Body)
			if readErr != nil {
				return gwresp.New(gwresp.IntegrationFailure, readErr)
			}
			return nil
		})},
	})
	g := New([]*API{api}, Options{})
	// No Content-Length: the limit is enforced while reading.
	req := httptest.NewRequest("POST", "/up", io.NopCloser(strings.NewReader(strings.Repeat("a", MaxBodyBytes+10))))
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || readErr == nil {
		t.Fatalf("got %d %q (read error %v)", rec.Code, rec.Body, readErr)
	}
	// Exactly at the limit is fine.
	req = httptest.NewRequest("POST", "/up", io.NopCloser(strings.NewReader(strings.Repeat("a", MaxBodyBytes))))
	req.ContentLength = -1
	rec = httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("at the limit: %d %q", rec.Code, rec.Body)
	}
}

// TestBodyLimitThroughHTTPProxy streams bodies without a Content-Length
// through a real HTTP proxy integration: the pipeline's body limit, not the
// integration, decides the 413.
func TestBodyLimitThroughHTTPProxy(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "stored")
	}))
	t.Cleanup(be.Close)
	tr := httpproxy.NewTransport()
	t.Cleanup(tr.Close)
	tests := []struct {
		name       string
		kind       exchange.Kind
		path       string
		size       int
		wantStatus int
		wantBody   string
	}{
		{"rest at the limit", exchange.REST, "/prod/up", MaxBodyBytes, 200, "stored"},
		{"rest over the limit", exchange.REST, "/prod/up", MaxBodyBytes + 1, 413, `{"message":"HTTP content length exceeded 10485760 bytes"}`},
		{"http over the limit", exchange.HTTP, "/up", MaxBodyBytes + 1, 413, `{"message":"Request Entity Too Large"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := httpproxy.New(httpproxy.Config{URL: be.URL, Timeout: 10 * time.Second}, tc.kind, tr, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			g := New([]*API{testAPI(t, tc.kind, map[string]Route{"POST /up": {Integration: p}})}, Options{})
			req := httptest.NewRequest("POST", tc.path, io.NopCloser(strings.NewReader(strings.Repeat("a", tc.size))))
			req.ContentLength = -1
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus || rec.Body.String() != tc.wantBody {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Body, tc.wantStatus, tc.wantBody)
			}
		})
	}
}

func TestURITooLong(t *testing.T) {
	api := testAPI(t, exchange.HTTP, map[string]Route{"GET /x": {Integration: integrationFunc(func(*exchange.Exchange) error { return nil })}})
	g := New([]*API{api}, Options{})
	req := httptest.NewRequest("GET", "/x?q="+strings.Repeat("a", MaxURILength), nil)
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestURITooLong {
		t.Fatalf("got %d", rec.Code)
	}
}

func BenchmarkPipelineMock(b *testing.B) {
	api := testAPI(b, exchange.HTTP, map[string]Route{"GET /items/{id}": {Integration: integrationFunc(func(x *exchange.Exchange) error {
		x.W.WriteHeader(200)
		return nil
	})}})
	g := New([]*API{api}, Options{})
	req := httptest.NewRequest("GET", "/items/42", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		g.ServeHTTP(w, req)
	}
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// TestAccessLogErrorMessage: $context.error.message in the access log is the
// gateway response's message, never its rendered body, which a customised
// template can fill from request headers that must not reach the log.
func TestAccessLogErrorMessage(t *testing.T) {
	tests := []struct {
		name   string
		custom map[gwresp.Type]gwresp.Custom
		want   string
	}{
		{"default body", nil, "Missing Authentication Token"},
		{"customised body echoing a header", map[gwresp.Type]gwresp.Custom{gwresp.MissingAuthenticationToken: {
			Templates: map[string]string{"application/json": `{"echo":"$method.request.header.X-Secret","m":$context.error.messageString}`},
		}}, "Missing Authentication Token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := testAPI(t, exchange.REST, map[string]Route{"GET /x": {Integration: integrationFunc(func(*exchange.Exchange) error { return nil })}})
			var err error
			if api.Responses, err = gwresp.NewCatalogue(exchange.REST, tc.custom); err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			sink, err := telemetry.OpenSink("stdout", &out, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			al, err := telemetry.NewAccessLog(`{"errorMessage":"$context.error.message"}`, sink)
			if err != nil {
				t.Fatal(err)
			}
			api.AccessLogs = []*telemetry.AccessLog{al}
			g := New([]*API{api}, Options{})
			req := httptest.NewRequest("GET", "/prod/missing", nil)
			req.Header.Set("X-Secret", "s3cr3t-value")
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, req)
			if err := sink.Close(); err != nil {
				t.Fatal(err)
			}
			if rec.Code != 403 {
				t.Fatalf("status %d %q", rec.Code, rec.Body)
			}
			if got, want := strings.TrimSpace(out.String()), `{"errorMessage":"`+tc.want+`"}`; got != want {
				t.Errorf("access log %q, want %q", got, want)
			}
		})
	}
}
