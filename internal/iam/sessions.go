package iam

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Session is a set of temporary credentials issued by AssumeRole.
type Session struct {
	AccessKeyID     string // ASIA…
	SecretAccessKey string
	SessionToken    string
	IssuedAt        time.Time
	Expiration      time.Time
	// RoleARN and SessionName identify the assumed-role session.
	RoleARN     string
	SessionName string
	// SourceARN is the caller that assumed the role (for audit).
	SourceARN string
}

// Errors of a SessionStore.
var (
	ErrSessionNotFound  = errors.New("session not found")
	ErrSessionStoreFull = errors.New("session store is full")
)

// SessionStore keeps temporary credentials. Implementations must be safe
// for concurrent use. Get returns expired sessions too (until they are
// purged) so callers can answer ExpiredToken rather than an unknown key.
type SessionStore interface {
	Put(ctx context.Context, s Session) error
	Get(ctx context.Context, accessKeyID string) (Session, error)
}

// MemorySessions is a bounded in-memory SessionStore. Expired sessions are
// kept for Retain after expiry (so their use is reported as expired) and
// purged when room is needed.
type MemorySessions struct {
	mu     sync.Mutex
	max    int
	retain time.Duration
	now    func() time.Time
	m      map[string]Session

	lastPurge time.Time // a full store purges at most once per purgeEvery
}

// purgeEvery bounds how often a full store scans for expired sessions: a
// caller that keeps asking for credentials while the store is full of live
// ones gets ErrSessionStoreFull without a scan that would hold the lock
// every lookup needs.
const purgeEvery = time.Second

// NewMemorySessions returns a store holding at most max sessions. retain is
// how long expired sessions stay recognisable (0 means 1 hour).
func NewMemorySessions(max int, retain time.Duration, now func() time.Time) *MemorySessions {
	if retain <= 0 {
		retain = time.Hour
	}
	return &MemorySessions{max: max, retain: retain, now: now, m: map[string]Session{}}
}

// Put stores s. When the store is full it first purges sessions expired for
// longer than the retention (at most once per purgeEvery); if still full it
// refuses with ErrSessionStoreFull (live sessions are never evicted).
func (m *MemorySessions) Put(_ context.Context, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, exists := m.m[s.AccessKeyID]; !exists && len(m.m) >= m.max {
		if now := m.now(); now.Sub(m.lastPurge) >= purgeEvery {
			m.lastPurge = now
			m.purgeLocked(now)
		}
		if len(m.m) >= m.max {
			return ErrSessionStoreFull
		}
	}
	m.m[s.AccessKeyID] = s
	return nil
}

// Get returns the session of accessKeyID or ErrSessionNotFound.
func (m *MemorySessions) Get(_ context.Context, accessKeyID string) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.m[accessKeyID]
	if !ok {
		return Session{}, ErrSessionNotFound
	}
	if m.now().After(s.Expiration.Add(m.retain)) {
		delete(m.m, accessKeyID)
		return Session{}, ErrSessionNotFound
	}
	return s, nil
}

// Len returns the number of stored sessions.
func (m *MemorySessions) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}

func (m *MemorySessions) purgeLocked(now time.Time) {
	for k, s := range m.m {
		if now.After(s.Expiration.Add(m.retain)) {
			delete(m.m, k)
		}
	}
}
