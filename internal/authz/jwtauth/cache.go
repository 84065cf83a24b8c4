package jwtauth

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/jwks"
)

// DefaultCacheEntries is the default capacity of a Cache.
const DefaultCacheEntries = 10_000

const cacheShards = 32

// Cache remembers verified tokens so that a token seen again is not
// verified again. It is keyed by the SHA-256 of the token (the token itself
// is not kept) and by the authorizer that verified it, bounded by a
// least-recently-used capacity, and never returns an entry at or past the
// token's exp. One Cache may be shared by every authorizer of a process.
type Cache struct {
	shards []cacheShard
	owners atomic.Uint64

	hits, misses, evictions atomic.Int64
}

type cacheKey struct {
	owner uint64
	sum   [sha256.Size]byte
}

type cacheShard struct {
	mu    sync.Mutex
	max   int
	items map[cacheKey]*list.Element
	lru   list.List
}

type cacheEntry struct {
	key cacheKey
	v   *verified
}

// verified is what a successful verification established; immutable.
type verified struct {
	exp    time.Time
	key    *jwks.Key
	kid    string
	source int // index of the issuer among the authorizer's issuers
	// aud is the aud claim when it is a string (audIsString).
	aud         string
	audIsString bool
	// payload is the token's decoded payload, kept for Claims.
	payload string
	// claims are the claims rendered as strings (claimSet.render) for
	// Principal.ClaimMap, built by Claims on first use; shared by every
	// request presenting the token, never modified.
	claimsOnce sync.Once
	claims     map[string]any
	scopes     []string
	sub        string
	tokenUse   string
}

// CacheStats are a Cache's counters.
type CacheStats struct {
	Hits, Misses, Evictions int64
	Entries                 int
}

// NewCache returns a cache holding at most maxEntries tokens
// (DefaultCacheEntries when maxEntries <= 0).
func NewCache(maxEntries int) *Cache {
	if maxEntries <= 0 {
		maxEntries = DefaultCacheEntries
	}
	n := min(cacheShards, maxEntries)
	per := maxEntries / n // n*per <= maxEntries
	c := &Cache{shards: make([]cacheShard, n)}
	for i := range c.shards {
		c.shards[i].max = per
		c.shards[i].items = map[cacheKey]*list.Element{}
	}
	return c
}

// owner returns a fresh owner id for an authorizer.
func (c *Cache) owner() uint64 { return c.owners.Add(1) }

func (c *Cache) shard(k cacheKey) *cacheShard {
	return &c.shards[binary.LittleEndian.Uint32(k.sum[:4])%uint32(len(c.shards))]
}

// get returns a live entry; expired entries are removed.
func (c *Cache) get(k cacheKey, now time.Time) *verified {
	s := c.shard(k)
	s.mu.Lock()
	e, ok := s.items[k]
	if !ok {
		s.mu.Unlock()
		c.misses.Add(1)
		return nil
	}
	v := e.Value.(*cacheEntry).v
	if !now.Before(v.exp) {
		s.lru.Remove(e)
		delete(s.items, k)
		s.mu.Unlock()
		c.misses.Add(1)
		return nil
	}
	s.lru.MoveToFront(e)
	s.mu.Unlock()
	c.hits.Add(1)
	return v
}

func (c *Cache) put(k cacheKey, v *verified) {
	s := c.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.items[k]; ok {
		e.Value.(*cacheEntry).v = v
		s.lru.MoveToFront(e)
		return
	}
	s.items[k] = s.lru.PushFront(&cacheEntry{key: k, v: v})
	for s.lru.Len() > s.max {
		old := s.lru.Back()
		s.lru.Remove(old)
		delete(s.items, old.Value.(*cacheEntry).key)
		c.evictions.Add(1)
	}
}

func (c *Cache) remove(k cacheKey) {
	s := c.shard(k)
	s.mu.Lock()
	if e, ok := s.items[k]; ok {
		s.lru.Remove(e)
		delete(s.items, k)
	}
	s.mu.Unlock()
}

// Stats returns the counters. Hit rate = Hits / (Hits + Misses).
func (c *Cache) Stats() CacheStats {
	st := CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Evictions: c.evictions.Load()}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		st.Entries += s.lru.Len()
		s.mu.Unlock()
	}
	return st
}
