package cors

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestPreflightAndApply(t *testing.T) {
	p := New(Config{
		AllowOrigins: []string{"https://app.example.com", "https://*.example.org"},
		AllowMethods: []string{"GET", "PUT"}, AllowHeaders: []string{"Authorization"},
		ExposeHeaders: []string{"X-Total"}, AllowCredentials: true, MaxAge: 60,
	})
	tests := []struct {
		name, origin, method, headers string
		wantOrigin                    string
	}{
		{"exact origin", "https://app.example.com", "PUT", "authorization", "https://app.example.com"},
		{"wildcard origin", "https://a.example.org", "GET", "", "https://a.example.org"},
		{"wildcard needs a label", "https://.example.org", "GET", "", ""},
		{"foreign origin", "https://evil.com", "GET", "", ""},
		{"method not allowed", "https://app.example.com", "DELETE", "", ""},
		{"header not allowed", "https://app.example.com", "GET", "x-other", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("OPTIONS", "/x", nil)
			r.Header.Set("Origin", tc.origin)
			r.Header.Set("Access-Control-Request-Method", tc.method)
			if tc.headers != "" {
				r.Header.Set("Access-Control-Request-Headers", tc.headers)
			}
			if !IsPreflight(r) {
				t.Fatal("not a preflight")
			}
			w := httptest.NewRecorder()
			p.Preflight(w, r)
			if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != tc.wantOrigin {
				t.Fatalf("got %d %v", w.Code, w.Header())
			}
		})
	}
	h := http.Header{"Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Methods": {"DELETE"}}
	p.Apply(h, "https://app.example.com")
	if h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || h.Get("Access-Control-Allow-Methods") != "" ||
		h.Get("Access-Control-Allow-Credentials") != "true" || h.Get("Access-Control-Expose-Headers") != "X-Total" {
		t.Errorf("apply: %v", h)
	}
	h = http.Header{"Access-Control-Allow-Origin": {"*"}}
	p.Apply(h, "https://evil.com")
	if len(h) != 0 {
		t.Errorf("foreign origin kept headers: %v", h)
	}
}

func TestAnyOrigin(t *testing.T) {
	h := http.Header{}
	New(Config{AllowOrigins: []string{"*"}}).Apply(h, "https://x.test")
	if h.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("%v", h)
	}
}
