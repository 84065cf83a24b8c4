package jwks

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Defaults for LocalOptions.
const (
	DefaultLocalTTL       = time.Minute
	DefaultLocalMinReload = time.Second
)

// LocalOptions configure a Local key set.
type LocalOptions struct {
	// Keys returns the issuer's current public keys, in process (for a
	// gatehouse user pool: the signer's JWKS for the pool). Private keys are
	// reduced to their public half.
	Keys func(ctx context.Context) (jose.JSONWebKeySet, error)
	// TTL is how long a loaded set is used before it is loaded again, so
	// retired keys drop out (default DefaultLocalTTL).
	TTL time.Duration
	// MinReload is the least time between two loads caused by unknown key
	// ids (default DefaultLocalMinReload), so forged kids cost no load each.
	MinReload time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Local is the key set of an in-process issuer (gatehouse's own user
// pools): no HTTP, keys loaded through a function, reloaded when older than
// TTL and, rate-limited, when a token names a kid it does not know (a key
// rotated in a moment ago). It is safe for concurrent use.
type Local struct {
	o   LocalOptions
	set atomic.Pointer[keySet]
	mu  sync.Mutex // serialises loads
}

// NewLocal returns a Local; it loads nothing until a key is requested.
func NewLocal(o LocalOptions) (*Local, error) {
	if o.Keys == nil {
		return nil, fmt.Errorf("local key set needs a Keys function")
	}
	if o.TTL <= 0 {
		o.TTL = DefaultLocalTTL
	}
	if o.MinReload <= 0 {
		o.MinReload = DefaultLocalMinReload
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Local{o: o}, nil
}

// Key implements KeySource.
func (l *Local) Key(ctx context.Context, kid string) (*Key, error) {
	now := l.o.Now()
	s := l.set.Load()
	if s != nil && now.Before(s.expires) {
		if k, ok := s.byID[kid]; ok {
			return k, nil
		}
		if now.Sub(s.fetched) < l.o.MinReload {
			return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
		}
	}
	s, err := l.load(ctx, now, s)
	if err != nil {
		// The issuer's keys could not be loaded: the keys known keep working.
		if cur := l.set.Load(); cur != nil {
			if k, ok := cur.byID[kid]; ok {
				return k, nil
			}
		}
		return nil, fmt.Errorf("%w %q: %w", ErrUnknownKey, kid, err)
	}
	if k, ok := s.byID[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
}

func (l *Local) load(ctx context.Context, now time.Time, seen *keySet) (*keySet, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur := l.set.Load(); cur != seen {
		return cur, nil // another caller loaded meanwhile
	}
	set, err := l.o.Keys(ctx)
	if err != nil {
		if seen != nil {
			// Keep serving the keys we had; try again after MinReload.
			l.set.Store(&keySet{byID: seen.byID, fetched: now, expires: now.Add(l.o.MinReload)})
		}
		return nil, fmt.Errorf("load keys: %w", err)
	}
	var keys []*Key
	for _, jk := range set.Keys {
		if jk.Use != "" && jk.Use != "sig" {
			continue
		}
		pub := jk.Public()
		if !pub.Valid() {
			continue
		}
		k, err := NewKey(jk.KeyID, jk.Algorithm, pub.Key)
		if err != nil {
			continue
		}
		keys = append(keys, k)
	}
	byID := index(keys)
	if seen != nil {
		for id, k := range byID {
			if p, ok := seen.byID[id]; ok && p.Alg == k.Alg && samePublic(p.Public, k.Public) {
				byID[id] = p
			}
		}
	}
	s := &keySet{byID: byID, fetched: now, expires: now.Add(l.o.TTL)}
	l.set.Store(s)
	return s, nil
}
