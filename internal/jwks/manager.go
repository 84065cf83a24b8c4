package jwks

import (
	"context"
	"sync"
)

// Manager shares one Remote per (issuer, jwks uri) among authorizers and
// runs their background refresh. It is safe for concurrent use.
type Manager struct {
	base RemoteOptions

	mu      sync.Mutex
	remotes map[[2]string]*Remote
	runCtx  context.Context
}

// NewManager returns a Manager whose Remotes take their options from base
// (Issuer and JWKSURI are set per Remote).
func NewManager(base RemoteOptions) *Manager {
	return &Manager{base: base, remotes: map[[2]string]*Remote{}}
}

// Remote returns the shared Remote for issuer (and jwksURI, which may be
// empty for discovery), creating it on first use. After Start, new Remotes
// start refreshing in the background at once.
func (m *Manager) Remote(issuer, jwksURI string) (*Remote, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := [2]string{issuer, jwksURI}
	if r, ok := m.remotes[k]; ok {
		return r, nil
	}
	o := m.base
	o.Issuer, o.JWKSURI = issuer, jwksURI
	r, err := NewRemote(o)
	if err != nil {
		return nil, err
	}
	m.remotes[k] = r
	if m.runCtx != nil {
		go r.Run(m.runCtx)
	}
	return r, nil
}

// Start runs the background refresh of every Remote (present and future)
// until ctx is done. It does not block.
func (m *Manager) Start(ctx context.Context) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.runCtx != nil {
		return
	}
	m.runCtx = ctx
	for _, r := range m.remotes {
		go r.Run(ctx)
	}
}

// Stats returns the counters of every Remote, by issuer.
func (m *Manager) Stats() map[string]RemoteStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]RemoteStats, len(m.remotes))
	for k, r := range m.remotes {
		s := r.Stats()
		if prev, ok := out[k[0]]; ok {
			s.Fetches += prev.Fetches
			s.FetchErrors += prev.FetchErrors
			s.UnknownKidFetches += prev.UnknownKidFetches
			s.UnknownKidLimited += prev.UnknownKidLimited
			s.Keys += prev.Keys
		}
		out[k[0]] = s
	}
	return out
}
