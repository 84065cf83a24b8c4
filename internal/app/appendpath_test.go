package app

import (
	"fmt"
	"testing"
)

// TestHTTPIntegrationPath pins which routes append the request path to the
// integration URL: only $default (reference §8.2); a greedy route sends its
// URL as written unless it names {proxy}, as API Gateway does.
func TestHTTPIntegrationPath(t *testing.T) {
	be := newBackend(t, nil)
	ta := start(t, fmt.Sprintf(`
apis:
  - name: h
    kind: http
    routes:
      - route: GET /fixed/{proxy+}
        integration: {http: {url: "%[1]s/as-written"}}
      - route: GET /mapped/{proxy+}
        integration: {http: {url: "%[1]s/m/{proxy}"}}
      - route: $default
        integration: {http: {url: "%[1]s/base"}}
`, be.URL))
	tests := []struct {
		name, path, want string
	}{
		{"greedy without placeholder", "/fixed/a/b", "/as-written"},
		{"greedy with placeholder", "/mapped/a/b", "/m/a/b"},
		{"$default appends", "/other/x", "/base/other/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.do(t, "GET", "", tc.path, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d %q", resp.StatusCode, body)
			}
			if got := be.last(t).URL.Path; got != tc.want {
				t.Errorf("backend path %q, want %q", got, tc.want)
			}
		})
	}
}
