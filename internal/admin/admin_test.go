package admin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestHandler(t *testing.T) {
	apis := func() []APIInfo { return []APIInfo{{ID: "abc", Name: "pets", Kind: "http"}} }
	protected := map[string]http.Handler{"GET /v1/outbox": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("outbox"))
	})}
	ready, notReady := func() bool { return true }, func() bool { return false }
	tests := []struct {
		name       string
		token      string // configured token
		ready      func() bool
		path, auth string
		wantStatus int
		wantBody   string // substring
	}{
		{"listing with the token", "s3cret", ready, "/v1/apis", "Bearer s3cret", 200, `"id": "abc"`},
		{"listing without a header", "s3cret", ready, "/v1/apis", "", 401, `"Unauthorized"`},
		{"listing with a wrong token", "s3cret", ready, "/v1/apis", "Bearer s3cre", 401, `"Unauthorized"`},
		{"token without the Bearer scheme", "s3cret", ready, "/v1/apis", "s3cret", 401, `"Unauthorized"`},
		{"no configured token refuses an empty bearer", "", ready, "/v1/apis", "Bearer ", 401, `"Unauthorized"`},
		{"protected handler with the token", "s3cret", ready, "/v1/outbox", "Bearer s3cret", 200, "outbox"},
		{"protected handler without it", "s3cret", ready, "/v1/outbox", "", 401, `"Unauthorized"`},
		{"healthz needs no token", "s3cret", notReady, "/healthz", "", 200, `"ok"`},
		{"readyz ready", "s3cret", ready, "/readyz", "", 200, `"ready"`},
		{"readyz not ready", "s3cret", notReady, "/readyz", "", 503, `"not ready"`},
		{"unknown path", "s3cret", ready, "/nope", "Bearer s3cret", 404, `"Not Found"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := Handler(Options{Token: tc.token, APIs: apis, Ready: tc.ready, Gatherer: prometheus.NewRegistry(), Protected: protected})
			req := httptest.NewRequest("GET", tc.path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus || !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Fatalf("got %d %q, want %d containing %q", rec.Code, rec.Body, tc.wantStatus, tc.wantBody)
			}
			if rec.Code == 401 && rec.Header().Get("WWW-Authenticate") != `Bearer realm="gatehouse-admin"` {
				t.Errorf("WWW-Authenticate = %q", rec.Header().Get("WWW-Authenticate"))
			}
		})
	}
}
