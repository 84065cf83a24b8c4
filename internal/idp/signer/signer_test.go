package signer

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/memory"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// keyPool hands out a few pre-generated keys so tests stay fast.
func keyGen(t *testing.T) func(io.Reader) (*rsa.PrivateKey, error) {
	t.Helper()
	var mu sync.Mutex
	return func(io.Reader) (*rsa.PrivateKey, error) {
		mu.Lock()
		defer mu.Unlock()
		return rsa.GenerateKey(rand.Reader, 1024)
	}
}

func setup(t *testing.T, period time.Duration) (*Signer, *clock, *memory.Store) {
	t.Helper()
	st := memory.New()
	ctx := context.Background()
	if err := st.CreateUserPool(ctx, store.UserPool{ID: "us-east-1_pool", Name: "p"}); err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, err := New(Config{Keys: st, Now: c.Now, GenerateKey: keyGen(t), RotationPeriod: period, KeepRetired: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return s, c, st
}

func verify(t *testing.T, set jose.JSONWebKeySet, tok string) (string, error) {
	t.Helper()
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return "", err
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) == 0 {
		return kid, jose.ErrCryptoFailure
	}
	_, err = jws.Verify(keys[0])
	return kid, err
}

func TestSignAndJWKS(t *testing.T) {
	s, _, st := setup(t, 0)
	ctx := context.Background()
	idTok, err := s.Sign(ctx, "us-east-1_pool", UseID, []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	accTok, err := s.Sign(ctx, "us-east-1_pool", UseAccess, []byte(`{"a":2}`))
	if err != nil {
		t.Fatal(err)
	}
	set, err := s.JWKS(ctx, "us-east-1_pool")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("jwks has %d keys, want 2", len(set.Keys))
	}
	idKid, err := verify(t, set, idTok)
	if err != nil {
		t.Fatalf("id token: %v", err)
	}
	accKid, err := verify(t, set, accTok)
	if err != nil {
		t.Fatalf("access token: %v", err)
	}
	if idKid == accKid {
		t.Error("id and access tokens share a key")
	}
	for _, k := range set.Keys {
		if k.Algorithm != "RS256" || k.Use != "sig" || !k.IsPublic() {
			t.Errorf("key %s: alg %s use %s public %v", k.KeyID, k.Algorithm, k.Use, k.IsPublic())
		}
	}
	// Header has exactly alg and kid.
	jws, _ := jose.ParseSignedCompact(idTok, []jose.SignatureAlgorithm{jose.RS256})
	if h := jws.Signatures[0].Protected; len(h.ExtraHeaders) != 0 {
		t.Errorf("extra headers %v", h.ExtraHeaders)
	}
	// Persisted: a second signer on the same store uses the same keys.
	s2, _ := New(Config{Keys: st, Now: s.cfg.Now, GenerateKey: keyGen(t)})
	set2, _ := s2.JWKS(ctx, "us-east-1_pool")
	if len(set2.Keys) != 2 || set2.Keys[0].KeyID != set.Keys[0].KeyID {
		t.Error("second signer did not load persisted keys")
	}
}

func TestRotation(t *testing.T) {
	s, c, _ := setup(t, 6*time.Hour)
	ctx := context.Background()
	const pool = "us-east-1_pool"
	old, err := s.Sign(ctx, pool, UseID, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	c.Add(6 * time.Hour) // due: rotates on next use
	nw, err := s.Sign(ctx, pool, UseID, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	set, _ := s.JWKS(ctx, pool)
	if len(set.Keys) != 4 {
		t.Fatalf("after rotation jwks has %d keys, want 4 (2 retired + 2 active)", len(set.Keys))
	}
	oldKid, err := verify(t, set, old)
	if err != nil {
		t.Fatalf("old token no longer verifies: %v", err)
	}
	newKid, err := verify(t, set, nw)
	if err != nil || newKid == oldKid {
		t.Fatalf("new token kid %s (old %s) err %v", newKid, oldKid, err)
	}
	c.Add(2 * time.Hour) // retired keys pass NotAfter
	set, _ = s.JWKS(ctx, pool)
	if len(set.Keys) != 2 {
		t.Fatalf("after KeepRetired jwks has %d keys, want 2", len(set.Keys))
	}
	if _, err := verify(t, set, old); err == nil {
		t.Error("old token still verifies after its key left the JWKS")
	}
	if _, err := verify(t, set, nw); err != nil {
		t.Errorf("new token: %v", err)
	}
}

func TestExplicitRotateAndConcurrency(t *testing.T) {
	s, _, st := setup(t, 0)
	ctx := context.Background()
	const pool = "us-east-1_pool"
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := s.Sign(ctx, pool, UseAccess, []byte(`{}`)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	set, _ := st.GetKeys(ctx, pool)
	if len(set.Keys) != 2 {
		t.Fatalf("concurrent first use created %d keys, want 2", len(set.Keys))
	}
	if err := s.Rotate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	set, _ = st.GetKeys(ctx, pool)
	retired := 0
	for _, k := range set.Keys {
		if !k.RetiredAt.IsZero() {
			retired++
		}
	}
	if len(set.Keys) != 4 || retired != 2 {
		t.Errorf("after Rotate: %d keys, %d retired; want 4, 2", len(set.Keys), retired)
	}
}

func TestUnknownPool(t *testing.T) {
	s, _, _ := setup(t, 0)
	if _, err := s.JWKS(context.Background(), "us-east-1_nope"); err == nil {
		t.Error("JWKS for unknown pool succeeded")
	}
}

// TestSlowPoolDoesNotBlockOthers holds one pool's key generation and checks
// that signing with and publishing the keys of a cached pool still
// complete, that a third pool can still create its keys (key generation
// runs outside the store's write transaction, so store writes do not wait
// for it), and that the held pool finishes once released.
func TestSlowPoolDoesNotBlockOthers(t *testing.T) {
	st := memory.New()
	ctx := context.Background()
	for _, id := range []string{"us-east-1_slow", "us-east-1_warm", "us-east-1_cold"} {
		if err := st.CreateUserPool(ctx, store.UserPool{ID: id, Name: id}); err != nil {
			t.Fatal(err)
		}
	}
	keys := make([]*rsa.PrivateKey, 6)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}
	var mu sync.Mutex
	next, hold := 0, false
	entered, release := make(chan struct{}), make(chan struct{})
	gen := func(io.Reader) (*rsa.PrivateKey, error) {
		mu.Lock()
		k, wait := keys[next], hold
		next++
		hold = false
		mu.Unlock()
		if wait {
			close(entered)
			<-release
		}
		return k, nil
	}
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, err := New(Config{Keys: st, Now: c.Now, GenerateKey: gen})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign(ctx, "us-east-1_warm", UseID, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	hold = true
	mu.Unlock()
	slow := make(chan error, 1)
	go func() {
		_, err := s.Sign(ctx, "us-east-1_slow", UseID, []byte(`{}`))
		slow <- err
	}()
	<-entered // the slow pool is inside key generation

	others := make(chan error, 1)
	go func() {
		if _, err := s.Sign(ctx, "us-east-1_warm", UseAccess, []byte(`{}`)); err != nil {
			others <- err
			return
		}
		if _, err := s.JWKS(ctx, "us-east-1_warm"); err != nil {
			others <- err
			return
		}
		_, err := s.Sign(ctx, "us-east-1_cold", UseID, []byte(`{}`))
		others <- err
	}()
	select {
	case err := <-others:
		if err != nil {
			t.Fatalf("cached pool: %v", err)
		}
	case <-time.After(10 * time.Second):
		close(release)
		t.Fatal("another pool waited for the slow pool's key generation")
	}
	close(release)
	if err := <-slow; err != nil {
		t.Fatalf("slow pool: %v", err)
	}
}
