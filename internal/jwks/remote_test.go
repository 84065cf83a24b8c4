package jwks

import (
	"context"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func ecJWK(t *testing.T, kid string) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := k.PublicKey.ECDH()
	if err != nil {
		t.Fatal(err)
	}
	b := pub.Bytes() // 0x04 || x || y
	enc := base64.RawURLEncoding.EncodeToString
	_ = ecdh.P256
	return fmt.Sprintf(`{"kty":"EC","crv":"P-256","kid":%q,"use":"sig","x":%q,"y":%q}`, kid, enc(b[1:33]), enc(b[33:]))
}

// provider is a loopback OpenID provider serving discovery and a JWKS.
type provider struct {
	srv          *httptest.Server
	discoveries  atomic.Int64
	jwksRequests atomic.Int64

	mu           sync.Mutex
	keys         []string
	cacheControl string
	down         bool
	issuer       string // issuer announced in discovery; default srv.URL
	extraBody    int
}

func newProvider(t *testing.T, keys ...string) *provider {
	t.Helper()
	p := &provider{keys: keys}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.discoveries.Add(1)
		p.mu.Lock()
		down, iss := p.down, p.issuer
		p.mu.Unlock()
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if iss == "" {
			iss = p.srv.URL
		}
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, iss, p.srv.URL+"/keys")
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		p.jwksRequests.Add(1)
		p.mu.Lock()
		down, keys, cc, extra := p.down, append([]string(nil), p.keys...), p.cacheControl, p.extraBody
		p.mu.Unlock()
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		fmt.Fprintf(w, `{"keys":[%s]%s}`, strings.Join(keys, ","), strings.Repeat(" ", extra))
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *provider) set(f func(p *provider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func newTestRemote(t *testing.T, p *provider, clk *fakeClock, f func(*RemoteOptions)) *Remote {
	t.Helper()
	o := RemoteOptions{Issuer: p.srv.URL, Now: clk.Now, Client: p.srv.Client()}
	if f != nil {
		f(&o)
	}
	r, err := NewRemote(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRemoteDiscoveryAndKnownKeys(t *testing.T) {
	p := newProvider(t, ecJWK(t, "k1"), ecJWK(t, "k2"))
	clk := newClock()
	r := newTestRemote(t, p, clk, nil)
	ctx := t.Context()
	k1, err := r.Key(ctx, "k1")
	if err != nil {
		t.Fatalf("Key(k1): %v", err)
	}
	if k1.ID != "k1" {
		t.Errorf("ID = %q", k1.ID)
	}
	for range 10 {
		k, err := r.Key(ctx, "k2")
		if err != nil || k.ID != "k2" {
			t.Fatalf("Key(k2) = %v, %v", k, err)
		}
	}
	if d, j := p.discoveries.Load(), p.jwksRequests.Load(); d != 1 || j != 1 {
		t.Errorf("discoveries=%d jwks=%d, want 1 and 1", d, j)
	}
	// A refresh of an unchanged set keeps the same *Key.
	if err := r.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	again, _ := r.Key(ctx, "k1")
	if again != k1 {
		t.Error("unchanged key got a new *Key after refresh")
	}
}

// TestRemoteUnknownKidStorm sends many concurrent lookups of forged kids:
// the provider must see at most one JWKS request per MinRefreshInterval.
func TestRemoteUnknownKidStorm(t *testing.T) {
	p := newProvider(t, ecJWK(t, "good"))
	clk := newClock()
	r := newTestRemote(t, p, clk, func(o *RemoteOptions) { o.MinRefreshInterval = 30 * time.Second })
	ctx := t.Context()
	if _, err := r.Key(ctx, "good"); err != nil {
		t.Fatal(err)
	}
	clk.Advance(31 * time.Second) // the next unknown kid may fetch once
	const n = 500
	var wg sync.WaitGroup
	var refused atomic.Int64
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.Key(ctx, fmt.Sprintf("forged-%d", i))
			if errors.Is(err, ErrUnknownKey) {
				refused.Add(1)
			}
		}()
	}
	wg.Wait()
	if refused.Load() != n {
		t.Errorf("refused %d of %d forged kids", refused.Load(), n)
	}
	if got := p.jwksRequests.Load(); got != 2 {
		t.Errorf("JWKS requests = %d, want 2 (initial + one refetch for the whole storm)", got)
	}
	// Still inside the interval: more forged kids cause no request.
	clk.Advance(29 * time.Second)
	for i := range 50 {
		if _, err := r.Key(ctx, fmt.Sprintf("again-%d", i)); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("forged kid accepted: %v", err)
		}
	}
	if got := p.jwksRequests.Load(); got != 2 {
		t.Errorf("JWKS requests = %d after more forged kids inside the interval, want 2", got)
	}
	st := r.Stats()
	if st.UnknownKidFetches != 2 || st.UnknownKidLimited < 50 {
		t.Errorf("stats = %+v", st)
	}
	// The known key kept working throughout.
	if _, err := r.Key(ctx, "good"); err != nil {
		t.Errorf("known key refused: %v", err)
	}
}

func TestRemoteNewKidAfterInterval(t *testing.T) {
	p := newProvider(t, ecJWK(t, "old"))
	clk := newClock()
	r := newTestRemote(t, p, clk, nil)
	ctx := t.Context()
	if _, err := r.Key(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	p.set(func(p *provider) { p.keys = []string{ecJWK(t, "new")} })
	// Within the interval the new kid is refused without a request.
	if _, err := r.Key(ctx, "new"); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("Key(new) inside interval = %v, want ErrUnknownKey", err)
	}
	clk.Advance(DefaultMinRefreshInterval)
	if _, err := r.Key(ctx, "new"); err != nil {
		t.Fatalf("Key(new) after interval: %v", err)
	}
	// The rotated-out key is gone.
	if _, err := r.Key(ctx, "old"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Key(old) after rotation = %v, want ErrUnknownKey", err)
	}
}

func TestRemoteProviderDown(t *testing.T) {
	p := newProvider(t, ecJWK(t, "k1"))
	clk := newClock()
	r := newTestRemote(t, p, clk, nil)
	ctx := t.Context()
	if _, err := r.Key(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	p.set(func(p *provider) { p.down = true })
	clk.Advance(48 * time.Hour)
	if err := r.Refresh(ctx); err == nil {
		t.Fatal("Refresh with provider down succeeded")
	}
	if _, err := r.Key(ctx, "k1"); err != nil {
		t.Errorf("known key refused while provider down: %v", err)
	}
	clk.Advance(time.Minute)
	if _, err := r.Key(ctx, "k9"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown key while provider down = %v, want ErrUnknownKey", err)
	}
	if st := r.Stats(); st.FetchErrors < 2 || st.Keys != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestRemoteProviderUnreachable(t *testing.T) {
	p := newProvider(t, ecJWK(t, "k1"))
	clk := newClock()
	r := newTestRemote(t, p, clk, nil)
	if _, err := r.Key(t.Context(), "k1"); err != nil {
		t.Fatal(err)
	}
	p.srv.Close() // connection refused from now on
	clk.Advance(time.Hour)
	if _, err := r.Key(t.Context(), "k2"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown kid = %v, want ErrUnknownKey", err)
	}
	if _, err := r.Key(t.Context(), "k1"); err != nil {
		t.Errorf("known key refused while unreachable: %v", err)
	}
}

func TestRemoteFetchFailures(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(p *provider)
		opts    func(o *RemoteOptions)
		wantErr string
	}{
		{name: "body over limit", setup: func(p *provider) { p.extraBody = 200_000 }, wantErr: "larger than 150000"},
		{name: "too many keys", opts: func(o *RemoteOptions) { o.MaxKeys = 1 }, wantErr: "limit 1"},
		{name: "issuer mismatch", setup: func(p *provider) { p.issuer = "https://evil.example.com" }, wantErr: "differs"},
		{name: "provider error", setup: func(p *provider) { p.down = true }, wantErr: "status 503"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProvider(t, ecJWK(t, "k1"), ecJWK(t, "k2"))
			if tc.setup != nil {
				p.set(tc.setup)
			}
			r := newTestRemote(t, p, newClock(), tc.opts)
			err := r.Refresh(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Refresh error = %v, want containing %q", err, tc.wantErr)
			}
			if _, err := r.Key(t.Context(), "k1"); !errors.Is(err, ErrUnknownKey) {
				t.Errorf("key served from a refused set: %v", err)
			}
		})
	}
}

func TestRemoteSlowProviderTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	r, err := NewRemote(RemoteOptions{JWKSURI: srv.URL + "/keys", FetchTimeout: 50 * time.Millisecond, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = r.Refresh(t.Context())
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("Refresh = %v after %v, want a timeout error", err, time.Since(start))
	}
}

func TestRemoteTTL(t *testing.T) {
	r, err := NewRemote(RemoteOptions{Issuer: "https://x", MinTTL: time.Minute, MaxTTL: 2 * time.Hour, DefaultTTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		cc   string
		want time.Duration
	}{
		{"", time.Hour},
		{"max-age=600", 10 * time.Minute},
		{"public, max-age=600, must-revalidate", 10 * time.Minute},
		{"max-age=5", time.Minute},
		{"max-age=999999999999", 2 * time.Hour},
		{"max-age=-1", time.Hour},
		{"max-age=abc", time.Hour},
		{"no-store", time.Minute},
		{`max-age="120"`, 2 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.cc, func(t *testing.T) {
			if got := r.ttl(tc.cc); got != tc.want {
				t.Errorf("ttl(%q) = %v, want %v", tc.cc, got, tc.want)
			}
		})
	}
}

// TestRemoteRunRefreshes drives the background loop with a fake After and
// checks it waits for max-age, then picks up a rotated key set.
func TestRemoteRunRefreshes(t *testing.T) {
	p := newProvider(t, ecJWK(t, "k1"))
	p.set(func(p *provider) { p.cacheControl = "max-age=600" })
	clk := newClock()
	waits := make(chan time.Duration)
	fire := make(chan time.Time)
	r := newTestRemote(t, p, clk, func(o *RemoteOptions) {
		o.MinTTL = time.Minute
		o.After = func(d time.Duration) <-chan time.Time { waits <- d; return fire }
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	if d := <-waits; d != 10*time.Minute {
		t.Errorf("first wait = %v, want 10m (max-age)", d)
	}
	if _, err := r.Key(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	p.set(func(p *provider) { p.keys = []string{ecJWK(t, "k2")}; p.down = false })
	clk.Advance(10 * time.Minute)
	fire <- clk.Now()
	<-waits // second refresh done
	if p.jwksRequests.Load() != 2 {
		t.Errorf("jwks requests = %d, want 2", p.jwksRequests.Load())
	}
	// k2 is now known without any unknown-kid fetch.
	if _, err := r.Key(ctx, "k2"); err != nil {
		t.Errorf("k2 after background refresh: %v", err)
	}
	if r.Stats().UnknownKidFetches != 0 {
		t.Errorf("unknown-kid fetches = %d, want 0", r.Stats().UnknownKidFetches)
	}
	// A failing refresh backs off from MinRefreshInterval.
	p.set(func(p *provider) { p.down = true })
	fire <- clk.Now()
	if d := <-waits; d != DefaultMinRefreshInterval {
		t.Errorf("wait after failure = %v, want %v", d, DefaultMinRefreshInterval)
	}
	fire <- clk.Now()
	if d := <-waits; d != 2*DefaultMinRefreshInterval {
		t.Errorf("wait after second failure = %v, want %v", d, 2*DefaultMinRefreshInterval)
	}
	cancel()
	<-done
}

func TestManagerSharesRemotes(t *testing.T) {
	m := NewManager(RemoteOptions{})
	a, err := m.Remote("https://idp.example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.Remote("https://idp.example.com", "")
	c, _ := m.Remote("https://idp.example.com", "https://idp.example.com/keys")
	if a != b || a == c {
		t.Errorf("sharing wrong: a==b %v, a==c %v", a == b, a == c)
	}
	if _, ok := m.Stats()["https://idp.example.com"]; !ok {
		t.Error("stats missing issuer")
	}
}
