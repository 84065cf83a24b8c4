package mock

import (
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

func TestServe(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		headers     map[string]string
		body        string
		method      string
		wantStatus  int
		wantType    string
		wantLength  string
		wantBody    string
		wantHeaders map[string]string
	}{
		{"defaults", 0, nil, `{"ok":true}`, "GET", 200, "application/json", "11", `{"ok":true}`, nil},
		{"status, headers and content type", 418, map[string]string{"content-type": "text/plain", "X-Teapot": "yes"}, "short", "POST", 418, "text/plain", "5", "short", map[string]string{"X-Teapot": "yes"}},
		{"HEAD has no body but keeps the length", 200, nil, "hello", "HEAD", 200, "application/json", "5", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := New(tc.status, tc.headers, tc.body)
			rec := httptest.NewRecorder()
			x := &exchange.Exchange{W: rec, R: httptest.NewRequest(tc.method, "/", nil)}
			if err := m.Serve(x); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tc.wantStatus || x.IntegrationStatus != tc.wantStatus {
				t.Errorf("status %d, integration status %d, want %d", rec.Code, x.IntegrationStatus, tc.wantStatus)
			}
			if got := rec.Header().Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if got := rec.Header().Get("Content-Length"); got != tc.wantLength {
				t.Errorf("Content-Length = %q, want %q", got, tc.wantLength)
			}
			for k, want := range tc.wantHeaders {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if got := rec.Body.String(); got != tc.wantBody {
				t.Errorf("body %q, want %q", got, tc.wantBody)
			}
		})
	}
}
