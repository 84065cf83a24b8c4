// Package admin owns the admin listener's HTTP surface: the API listing
// (GET /v1/apis, bearer-token protected), Prometheus metrics, and the health
// and readiness probes. It reads gateway state through a Source function so it
// always shows the configuration generation currently serving.
package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// APIInfo is one entry of GET /v1/apis.
type APIInfo struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Kind      string      `json:"kind"`
	LogicalID string      `json:"logicalId,omitempty"`
	Stages    []StageInfo `json:"stages"`
	// BaseURL is the primary base URL (first stage, execute-api host form).
	BaseURL  string      `json:"baseUrl"`
	BaseURLs []string    `json:"baseUrls"`
	Routes   []RouteInfo `json:"routes"`
}

// StageInfo describes a stage.
type StageInfo struct {
	Name      string            `json:"name"`
	Variables map[string]string `json:"variables,omitempty"`
	BaseURLs  []string          `json:"baseUrls"`
}

// RouteInfo describes a route.
type RouteInfo struct {
	RouteKey    string   `json:"routeKey"`
	Integration string   `json:"integration"`
	Authorizer  string   `json:"authorizer"`
	Scopes      []string `json:"scopes,omitempty"`
}

// Options configure the admin handler.
type Options struct {
	// Token is the bearer token required for /v1/*.
	Token string
	// APIs returns the current API listing.
	APIs func() []APIInfo
	// Ready reports readiness (config loaded, listeners up).
	Ready func() bool
	// Gatherer serves /metrics.
	Gatherer prometheus.Gatherer
	// Protected are further handlers by ServeMux pattern, all behind the
	// bearer token (e.g. "GET /v1/outbox").
	Protected map[string]http.Handler
}

// Handler returns the admin HTTP handler.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	want := sha256.Sum256([]byte(o.Token))
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			sum := sha256.Sum256([]byte(got))
			if !ok || o.Token == "" || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="gatehouse-admin"`)
				writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Unauthorized"})
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /v1/apis", auth(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, o.APIs())
	}))
	for pattern, h := range o.Protected {
		mux.HandleFunc(pattern, auth(h.ServeHTTP))
	}
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if o.Ready != nil && !o.Ready() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
