package jwtauth

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/internal/jwks"
)

// Collector exports the verified-token cache's counters and the remote key
// sets' counters to Prometheus, read at scrape time.
type Collector struct {
	cache   *Cache
	remotes func() map[string]jwks.RemoteStats

	hits, misses, evictions, entries                   *prometheus.Desc
	fetches, fetchErrors, kidFetches, kidLimited, keys *prometheus.Desc
}

// NewCollector returns a collector for cache (may be nil) and the remote
// key sets reported by remotes (usually (*jwks.Manager).Stats; may be nil).
func NewCollector(cache *Cache, remotes func() map[string]jwks.RemoteStats) *Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &Collector{
		cache:       cache,
		remotes:     remotes,
		hits:        d("gatehouse_jwt_cache_hits_total", "Tokens answered from the verified-token cache."),
		misses:      d("gatehouse_jwt_cache_misses_total", "Tokens not in the verified-token cache (verified in full)."),
		evictions:   d("gatehouse_jwt_cache_evictions_total", "Verified tokens evicted to keep the cache bounded."),
		entries:     d("gatehouse_jwt_cache_entries", "Verified tokens in the cache."),
		fetches:     d("gatehouse_jwks_fetches_total", "Successful key set fetches, by issuer.", "issuer"),
		fetchErrors: d("gatehouse_jwks_fetch_errors_total", "Failed discovery or key set fetches, by issuer.", "issuer"),
		kidFetches:  d("gatehouse_jwks_unknown_kid_fetches_total", "Key set fetches caused by an unknown kid, by issuer.", "issuer"),
		kidLimited:  d("gatehouse_jwks_unknown_kid_limited_total", "Unknown kids refused without a fetch (rate limit), by issuer.", "issuer"),
		keys:        d("gatehouse_jwks_keys", "Keys in the current key set, by issuer.", "issuer"),
	}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.hits, c.misses, c.evictions, c.entries, c.fetches, c.fetchErrors, c.kidFetches, c.kidLimited, c.keys} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if c.cache != nil {
		s := c.cache.Stats()
		ch <- prometheus.MustNewConstMetric(c.hits, prometheus.CounterValue, float64(s.Hits))
		ch <- prometheus.MustNewConstMetric(c.misses, prometheus.CounterValue, float64(s.Misses))
		ch <- prometheus.MustNewConstMetric(c.evictions, prometheus.CounterValue, float64(s.Evictions))
		ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(s.Entries))
	}
	if c.remotes != nil {
		for iss, s := range c.remotes() {
			ch <- prometheus.MustNewConstMetric(c.fetches, prometheus.CounterValue, float64(s.Fetches), iss)
			ch <- prometheus.MustNewConstMetric(c.fetchErrors, prometheus.CounterValue, float64(s.FetchErrors), iss)
			ch <- prometheus.MustNewConstMetric(c.kidFetches, prometheus.CounterValue, float64(s.UnknownKidFetches), iss)
			ch <- prometheus.MustNewConstMetric(c.kidLimited, prometheus.CounterValue, float64(s.UnknownKidLimited), iss)
			ch <- prometheus.MustNewConstMetric(c.keys, prometheus.GaugeValue, float64(s.Keys), iss)
		}
	}
}
