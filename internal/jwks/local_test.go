package jwks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

type localIssuer struct {
	mu    sync.Mutex
	keys  []jose.JSONWebKey
	fail  bool
	loads atomic.Int64
}

func (li *localIssuer) Keys(context.Context) (jose.JSONWebKeySet, error) {
	li.loads.Add(1)
	li.mu.Lock()
	defer li.mu.Unlock()
	if li.fail {
		return jose.JSONWebKeySet{}, errors.New("store down")
	}
	return jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), li.keys...)}, nil
}

func (li *localIssuer) set(f func(li *localIssuer)) { li.mu.Lock(); f(li); li.mu.Unlock() }

func ecKey(t *testing.T, kid string) jose.JSONWebKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: "ES256", Use: "sig"} // private: reduced to public
}

func TestLocal(t *testing.T) {
	li := &localIssuer{keys: []jose.JSONWebKey{ecKey(t, "a")}}
	clk := newClock()
	l, err := NewLocal(LocalOptions{Keys: li.Keys, Now: clk.Now, TTL: time.Minute, MinReload: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	ka, err := l.Key(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ka.Public.(*ecdsa.PublicKey); !ok {
		t.Errorf("Public = %T, want the public half", ka.Public)
	}
	for range 100 {
		if k, _ := l.Key(ctx, "a"); k != ka {
			t.Fatal("known key changed pointer")
		}
	}
	if n := li.loads.Load(); n != 1 {
		t.Errorf("loads = %d, want 1", n)
	}
	// A kid rotated in just now: found after MinReload, once.
	li.set(func(li *localIssuer) { li.keys = append(li.keys, ecKey(t, "b")) })
	for range 50 {
		if _, err := l.Key(ctx, "b"); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("Key(b) inside MinReload = %v", err)
		}
	}
	clk.Advance(time.Second)
	if _, err := l.Key(ctx, "b"); err != nil {
		t.Fatalf("Key(b) after MinReload: %v", err)
	}
	if k, _ := l.Key(ctx, "a"); k != ka {
		t.Error("unchanged key got a new pointer after reload")
	}
	if n := li.loads.Load(); n != 2 {
		t.Errorf("loads = %d, want 2", n)
	}
	// Retired key drops out after TTL.
	li.set(func(li *localIssuer) { li.keys = li.keys[1:] })
	clk.Advance(time.Minute)
	if _, err := l.Key(ctx, "a"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("retired key after TTL = %v, want ErrUnknownKey", err)
	}
	// Store failure: known keys keep working.
	li.set(func(li *localIssuer) { li.fail = true })
	clk.Advance(2 * time.Minute)
	if _, err := l.Key(ctx, "b"); err != nil {
		t.Errorf("known key when the reload fails: %v", err)
	}
	clk.Advance(time.Second)
	if _, err := l.Key(ctx, "b"); err != nil {
		t.Errorf("known key while the store fails: %v", err)
	}
	if _, err := l.Key(ctx, "zzz"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown key while the store fails: %v", err)
	}
}
