package sigv4

import (
	"container/list"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"hash"
	"sync"
)

// signingKey is a derived signing key with a pool of HMAC-SHA256 states
// keyed with it: keying an HMAC (two SHA-256 blocks and four allocations)
// is then paid once per pooled state instead of once per request. A
// signingKey is immutable; a rotated secret gets a new one.
type signingKey struct {
	key  []byte
	macs sync.Pool // of hash.Hash, hmac.New(sha256.New, key)
}

func newSigningKey(key []byte) *signingKey {
	k := &signingKey{key: key}
	k.macs.New = func() any { return hmac.New(sha256.New, k.key) }
	return k
}

// sign writes HMAC-SHA256(key, msg) to out.
func (k *signingKey) sign(msg []byte, out *[sha256.Size]byte) {
	m := k.macs.Get().(hash.Hash)
	m.Reset()
	m.Write(msg)
	m.Sum(out[:0])
	k.macs.Put(m)
}

type keyCacheKey struct {
	accessKeyID string
	scope       Scope
}

type keyCacheEntry struct {
	k      keyCacheKey
	secret string
	key    *signingKey
}

// keyCache is a bounded LRU cache of derived signing keys per (access key
// id, date, region, service). The secret is kept with the entry so a rotated
// secret never reuses a stale key.
type keyCache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[keyCacheKey]*list.Element
}

func newKeyCache(max int) *keyCache {
	return &keyCache{max: max, ll: list.New(), items: make(map[keyCacheKey]*list.Element)}
}

// get returns the signing key for secret and scope, deriving and caching it
// when absent.
func (c *keyCache) get(accessKeyID, secret string, scope Scope) *signingKey {
	if c == nil || c.max <= 0 {
		return newSigningKey(DeriveKey(secret, scope))
	}
	k := keyCacheKey{accessKeyID, scope}
	c.mu.Lock()
	if el, ok := c.items[k]; ok {
		e := el.Value.(*keyCacheEntry)
		if constantTimeEqual(e.secret, secret) {
			if c.ll.Front() != el {
				c.ll.MoveToFront(el)
			}
			key := e.key
			c.mu.Unlock()
			return key
		}
	}
	c.mu.Unlock()
	key := newSigningKey(DeriveKey(secret, scope))
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[k]; ok {
		e := el.Value.(*keyCacheEntry)
		e.secret, e.key = secret, key
		c.ll.MoveToFront(el)
		return key
	}
	c.items[k] = c.ll.PushFront(&keyCacheEntry{k: k, secret: secret, key: key})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*keyCacheEntry).k)
	}
	return key
}

// constantTimeEqual is subtle.ConstantTimeCompare for strings, without
// the copies a []byte conversion of a string longer than 32 bytes costs.
// Like it, it returns early only on a length mismatch.
func constantTimeEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return subtle.ConstantTimeByteEq(v, 0) == 1
}

func (c *keyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
