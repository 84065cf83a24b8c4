package sigv4

import (
	"container/list"
	"crypto/subtle"
	"sync"
)

type keyCacheKey struct {
	accessKeyID string
	scope       Scope
}

type keyCacheEntry struct {
	k      keyCacheKey
	secret string
	key    []byte
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
func (c *keyCache) get(accessKeyID, secret string, scope Scope) []byte {
	if c == nil || c.max <= 0 {
		return DeriveKey(secret, scope)
	}
	k := keyCacheKey{accessKeyID, scope}
	c.mu.Lock()
	if el, ok := c.items[k]; ok {
		e := el.Value.(*keyCacheEntry)
		if subtle.ConstantTimeCompare([]byte(e.secret), []byte(secret)) == 1 {
			c.ll.MoveToFront(el)
			key := e.key
			c.mu.Unlock()
			return key
		}
	}
	c.mu.Unlock()
	key := DeriveKey(secret, scope)
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

func (c *keyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
