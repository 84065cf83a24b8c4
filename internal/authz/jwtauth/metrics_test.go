package jwtauth

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/internal/jwks"
)

func TestCollector(t *testing.T) {
	cache := NewCache(10)
	a, _, _ := newTestJWT(t, func(c *JWTConfig) { c.Cache = cache })
	tok := rsToken(t, claims())
	for range 3 {
		if _, err := a.Authorize(newExchange(map[string]string{"Authorization": tok}, "", nil)); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(cache, func() map[string]jwks.RemoteStats {
		return map[string]jwks.RemoteStats{"https://idp.example.com": {Fetches: 4, UnknownKidLimited: 7, Keys: 2}}
	}))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			got[mf.GetName()] = v
		}
	}
	want := map[string]float64{
		"gatehouse_jwt_cache_hits_total":           2,
		"gatehouse_jwt_cache_misses_total":         1,
		"gatehouse_jwt_cache_entries":              1,
		"gatehouse_jwks_fetches_total":             4,
		"gatehouse_jwks_unknown_kid_limited_total": 7,
		"gatehouse_jwks_keys":                      2,
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s = %v, want %v", name, got[name], w)
		}
	}
}
