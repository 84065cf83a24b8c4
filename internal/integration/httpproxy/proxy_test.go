package httpproxy

import (
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
