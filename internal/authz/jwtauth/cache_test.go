package jwtauth

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/jwks"
)

func TestCacheHitMissAndExpiry(t *testing.T) {
	cache := NewCache(100)
	a, _, clk := newTestJWT(t, func(c *JWTConfig) { c.Cache = cache })
	c := claims()
	c["exp"] = testNow.Add(10 * time.Second).Unix()
	tok := rsToken(t, c)
	h := map[string]string{"Authorization": tok}
	for i := range 3 {
		if _, err := a.Authorize(newExchange(h, "", nil)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if st := cache.Stats(); st.Hits != 2 || st.Misses != 1 || st.Entries != 1 {
		t.Errorf("stats after 3 requests = %+v, want 2 hits, 1 miss, 1 entry", st)
	}
	// Bearer prefix or not, it is the same token.
	if _, err := a.Authorize(newExchange(map[string]string{"Authorization": "Bearer " + tok}, "", nil)); err != nil {
		t.Fatal(err)
	}
	if st := cache.Stats(); st.Hits != 3 {
		t.Errorf("hits = %d, want 3", st.Hits)
	}
	// At exp the cached entry is not served, and verification refuses.
	clk.Add(10 * time.Second)
	_, err := a.Authorize(newExchange(h, "", nil))
	if st, _ := outcome(t, nil, err); st != 401 {
		t.Fatalf("status at exp = %d, want 401", st)
	}
	if st := cache.Stats(); st.Hits != 3 || st.Entries != 0 {
		t.Errorf("stats at exp = %+v, want no new hit and the entry gone", st)
	}
}

func TestCacheBounded(t *testing.T) {
	cache := NewCache(64)
	a, _, _ := newTestJWT(t, func(c *JWTConfig) { c.Cache = cache })
	for i := range 200 {
		c := claims()
		c["jti"] = fmt.Sprint(i)
		if _, err := a.Authorize(newExchange(map[string]string{"Authorization": rsToken(t, c)}, "", nil)); err != nil {
			t.Fatal(err)
		}
	}
	st := cache.Stats()
	if st.Entries > 64 || st.Evictions < 200-64 {
		t.Errorf("stats = %+v, want at most 64 entries and at least 136 evictions", st)
	}
}

func TestCacheNotSharedBetweenAuthorizers(t *testing.T) {
	cache := NewCache(10)
	a, _, _ := newTestJWT(t, func(c *JWTConfig) { c.Cache = cache })
	b, _, _ := newTestJWT(t, func(c *JWTConfig) { c.Cache = cache; c.Audience = []string{"someone-else"} })
	tok := rsToken(t, claims())
	if _, err := a.Authorize(newExchange(map[string]string{"Authorization": tok}, "", nil)); err != nil {
		t.Fatal(err)
	}
	_, err := b.Authorize(newExchange(map[string]string{"Authorization": tok}, "", nil))
	if st, _ := outcome(t, nil, err); st != 401 {
		t.Errorf("token verified for authorizer a accepted by b (different audience): %d", st)
	}
}

// swapSource serves a key set that the test replaces (a rotation).
type swapSource struct {
	mu  sync.Mutex
	src jwks.KeySource
}

func (s *swapSource) Key(ctx context.Context, kid string) (*jwks.Key, error) {
	s.mu.Lock()
	src := s.src
	s.mu.Unlock()
	return src.Key(ctx, kid)
}

func TestCacheDropsTokensOfRemovedKeys(t *testing.T) {
	k := keysOnce()
	src := &swapSource{src: jwks.NewStatic(k.pub)}
	cache := NewCache(10)
	a, err := NewJWT(JWTConfig{Issuer: testIssuer, Audience: []string{testAudience}, Keys: src, Cache: cache, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]string{"Authorization": rsToken(t, claims())}
	for range 2 {
		if _, err := a.Authorize(newExchange(h, "", nil)); err != nil {
			t.Fatal(err)
		}
	}
	// Same kid, same key material, new *Key: verified again, still valid.
	src.mu.Lock()
	src.src = jwks.NewStatic(&jwks.Key{ID: testKid, Public: &k.rsa.PublicKey})
	src.mu.Unlock()
	if _, err := a.Authorize(newExchange(h, "", nil)); err != nil {
		t.Fatalf("after key object change: %v", err)
	}
	// The key is rotated away: the cached token stops working.
	src.mu.Lock()
	src.src = jwks.NewStatic(&jwks.Key{ID: "rsa-2", Public: &k.rsa2.PublicKey})
	src.mu.Unlock()
	_, err = a.Authorize(newExchange(h, "", nil))
	if st, _ := outcome(t, nil, err); st != 401 {
		t.Errorf("status after key removal = %d, want 401", st)
	}
}

func TestCacheConcurrent(t *testing.T) {
	cache := NewCache(16)
	a, _, _ := newTestJWT(t, func(c *JWTConfig) { c.Cache = cache })
	toks := make([]string, 40)
	for i := range toks {
		c := claims()
		c["jti"] = fmt.Sprint(i)
		toks[i] = rsToken(t, c)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				tok := toks[(g*7+i)%len(toks)]
				if _, err := a.Authorize(newExchange(map[string]string{"Authorization": tok}, "", nil)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	st := cache.Stats()
	if st.Hits+st.Misses != 1600 || st.Entries > 16 {
		t.Errorf("stats = %+v", st)
	}
}
