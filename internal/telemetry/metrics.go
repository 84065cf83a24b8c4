package telemetry

import (
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds gatehouse's Prometheus collectors.
type Metrics struct {
	Registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	integration *prometheus.HistogramVec
	// Reloads counts config reloads by result.
	Reloads *prometheus.CounterVec
	// Panics counts recovered handler panics.
	Panics prometheus.Counter
}

// NewMetrics creates and registers the collectors on a fresh registry (with
// the Go and process collectors).
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	// Latency buckets (seconds) shared by the request and integration histograms.
	buckets := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_requests_total",
			Help: "Requests answered by the gateway, by API, route key and status code.",
		}, []string{"api", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_request_duration_seconds",
			Help:    "Time from receiving a request to the end of its response, by API and route key.",
			Buckets: buckets,
		}, []string{"api", "route"}),
		integration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_integration_duration_seconds",
			Help:    "Time spent in the integration (backend or function), by API and route key.",
			Buckets: buckets,
		}, []string{"api", "route"}),
		Reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_config_reloads_total",
			Help: "Configuration reloads by result (ok, error).",
		}, []string{"result"}),
		Panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatehouse_handler_panics_total",
			Help: "Panics recovered while serving requests.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.integration, m.Reloads, m.Panics,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// RouteMetrics are a route's pre-resolved collectors, so the hot path does no
// label hashing.
type RouteMetrics struct {
	api, route  string
	vec         *prometheus.CounterVec
	latency     prometheus.Observer
	integration prometheus.Observer
	byStatus    [600]atomic.Pointer[prometheus.Counter]
}

// Route returns the collectors for one API route ("" route for unmatched requests).
func (m *Metrics) Route(api, route string) *RouteMetrics {
	return &RouteMetrics{
		api: api, route: route, vec: m.requests,
		latency:     m.latency.WithLabelValues(api, route),
		integration: m.integration.WithLabelValues(api, route),
	}
}

// Observe records one finished request.
func (r *RouteMetrics) Observe(status int, total, integration time.Duration) {
	if r == nil {
		return
	}
	if status < 0 || status >= len(r.byStatus) {
		status = 0
	}
	c := r.byStatus[status].Load()
	if c == nil {
		cc := r.vec.WithLabelValues(r.api, r.route, strconv.Itoa(status))
		r.byStatus[status].Store(&cc)
		c = &cc
	}
	(*c).Inc()
	r.latency.Observe(total.Seconds())
	if integration > 0 {
		r.integration.Observe(integration.Seconds())
	}
}
