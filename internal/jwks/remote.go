package jwks

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for RemoteOptions. The fetch timeout and body limit are API
// Gateway's published quotas for JWT authorizers.
const (
	DefaultFetchTimeout       = 1500 * time.Millisecond
	DefaultMaxBodyBytes       = 150_000
	DefaultMaxKeys            = 100
	DefaultMinRefreshInterval = 30 * time.Second
	DefaultTTL                = time.Hour
	DefaultMinTTL             = 5 * time.Minute
	DefaultMaxTTL             = 24 * time.Hour
)

// RemoteOptions configure a Remote. Zero values take the defaults.
type RemoteOptions struct {
	// Issuer is the issuer URL; discovery reads
	// {Issuer}/.well-known/openid-configuration.
	Issuer string
	// JWKSURI, when set, skips discovery.
	JWKSURI string
	// Client performs the fetches. Default: a client with DefaultFetchTimeout
	// and at most 3 redirects.
	Client *http.Client
	// FetchTimeout bounds each HTTP request (discovery, JWKS).
	FetchTimeout time.Duration
	// MaxBodyBytes bounds each response body.
	MaxBodyBytes int64
	// MaxKeys bounds the number of keys in a set; a larger set is refused.
	MaxKeys int
	// MinRefreshInterval is the least time between two fetches caused by
	// unknown key ids (and the first retry delay after a failed refresh).
	MinRefreshInterval time.Duration
	// DefaultTTL is used when the JWKS response has no Cache-Control max-age;
	// MinTTL and MaxTTL bound max-age.
	DefaultTTL, MinTTL, MaxTTL time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// After waits for the background refresh. Default time.After.
	After func(time.Duration) <-chan time.Time
	// Logger receives fetch failures. Default: discard.
	Logger *slog.Logger
}

// RemoteStats are counters of a Remote.
type RemoteStats struct {
	Fetches           int64 // successful JWKS fetches
	FetchErrors       int64 // failed discovery or JWKS fetches
	UnknownKidFetches int64 // fetches caused by an unknown kid
	UnknownKidLimited int64 // unknown kids refused without fetching (rate limit)
	Keys              int   // keys in the current set
}

// keySet is an immutable snapshot of an issuer's keys.
type keySet struct {
	byID    map[string]*Key
	fetched time.Time
	expires time.Time
}

type call struct {
	done chan struct{}
	err  error
}

// Remote is the key set of a remote OpenID Connect issuer.
type Remote struct {
	o   RemoteOptions
	log *slog.Logger

	set atomic.Pointer[keySet]

	mu          sync.Mutex
	inflight    *call
	lastAttempt time.Time
	jwksURI     string
	failures    int

	fetches, fetchErrors, unknownFetches, unknownLimited atomic.Int64
}

// NewRemote returns a Remote; it fetches nothing until a key is requested
// or Refresh/Run is called.
func NewRemote(o RemoteOptions) (*Remote, error) {
	if o.Issuer == "" && o.JWKSURI == "" {
		return nil, errors.New("remote key set needs an issuer or a jwks uri")
	}
	if o.FetchTimeout <= 0 {
		o.FetchTimeout = DefaultFetchTimeout
	}
	if o.Client == nil {
		o.Client = &http.Client{
			Timeout: o.FetchTimeout,
			CheckRedirect: func(_ *http.Request, via []*http.Request) error {
				if len(via) >= 3 {
					return errors.New("too many redirects")
				}
				return nil
			},
		}
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxKeys <= 0 {
		o.MaxKeys = DefaultMaxKeys
	}
	if o.MinRefreshInterval <= 0 {
		o.MinRefreshInterval = DefaultMinRefreshInterval
	}
	if o.DefaultTTL <= 0 {
		o.DefaultTTL = DefaultTTL
	}
	if o.MinTTL <= 0 {
		o.MinTTL = DefaultMinTTL
	}
	if o.MaxTTL <= 0 {
		o.MaxTTL = DefaultMaxTTL
	}
	if o.MaxTTL < o.MinTTL {
		o.MaxTTL = o.MinTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After == nil {
		o.After = time.After
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Remote{o: o, log: log.With("issuer", o.Issuer), jwksURI: o.JWKSURI}
	r.set.Store(&keySet{byID: map[string]*Key{}})
	return r, nil
}

// Issuer returns the issuer this set belongs to.
func (r *Remote) Issuer() string { return r.o.Issuer }

// Key implements KeySource. A known kid is answered from memory. An unknown
// kid causes a fetch only when none happened in the last
// MinRefreshInterval; concurrent callers share one fetch. When the provider
// is unreachable the keys already known keep working.
func (r *Remote) Key(ctx context.Context, kid string) (*Key, error) {
	if k, ok := r.set.Load().byID[kid]; ok {
		return k, nil
	}
	if kid == "" {
		return nil, fmt.Errorf("%w: token has no kid", ErrUnknownKey)
	}
	fetched, err := r.fetchIfAllowed(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrUnknownKey, kid, err)
	}
	if k, ok := r.set.Load().byID[kid]; ok {
		return k, nil
	}
	if !fetched {
		return nil, fmt.Errorf("%w %q (refetch rate-limited)", ErrUnknownKey, kid)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
}

// fetchIfAllowed joins a fetch in flight, or starts one if the rate limit
// allows. It reports whether a fetch completed.
func (r *Remote) fetchIfAllowed(ctx context.Context) (bool, error) {
	r.mu.Lock()
	c := r.inflight
	if c == nil {
		now := r.o.Now()
		if !r.lastAttempt.IsZero() && now.Sub(r.lastAttempt) < r.o.MinRefreshInterval {
			r.mu.Unlock()
			r.unknownLimited.Add(1)
			return false, nil
		}
		r.unknownFetches.Add(1)
		c = r.startLocked(ctx, now)
	}
	r.mu.Unlock()
	select {
	case <-c.done:
		return true, c.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// startLocked starts a fetch detached from the caller's cancellation (other
// callers may be waiting for it). r.mu must be held.
func (r *Remote) startLocked(ctx context.Context, now time.Time) *call {
	c := &call{done: make(chan struct{})}
	r.inflight = c
	r.lastAttempt = now
	fctx := context.WithoutCancel(ctx)
	go func() {
		c.err = r.fetch(fctx)
		r.mu.Lock()
		r.inflight = nil
		if c.err != nil {
			r.failures++
		} else {
			r.failures = 0
		}
		r.mu.Unlock()
		close(c.done)
	}()
	return c
}

// Refresh fetches the key set now (joining a fetch in flight), regardless
// of the rate limit.
func (r *Remote) Refresh(ctx context.Context) error {
	r.mu.Lock()
	c := r.inflight
	if c == nil {
		c = r.startLocked(ctx, r.o.Now())
	}
	r.mu.Unlock()
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Run refreshes the key set in the background until ctx is done: at the
// expiry given by the last response's max-age, and after a failure with a
// backoff starting at MinRefreshInterval and doubling up to DefaultTTL.
func (r *Remote) Run(ctx context.Context) {
	for {
		err := r.Refresh(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := r.nextWait(err)
		select {
		case <-ctx.Done():
			return
		case <-r.o.After(wait):
		}
	}
}

func (r *Remote) nextWait(err error) time.Duration {
	if err != nil {
		r.mu.Lock()
		n := r.failures
		r.mu.Unlock()
		d := r.o.MinRefreshInterval
		for i := 1; i < n && d < r.o.DefaultTTL; i++ {
			d *= 2
		}
		return min(d, r.o.DefaultTTL)
	}
	s := r.set.Load()
	d := s.expires.Sub(r.o.Now())
	return max(d, r.o.MinRefreshInterval)
}

// Stats returns the counters.
func (r *Remote) Stats() RemoteStats {
	return RemoteStats{
		Fetches:           r.fetches.Load(),
		FetchErrors:       r.fetchErrors.Load(),
		UnknownKidFetches: r.unknownFetches.Load(),
		UnknownKidLimited: r.unknownLimited.Load(),
		Keys:              len(r.set.Load().byID),
	}
}

func (r *Remote) fetch(ctx context.Context) error {
	err := r.fetchOnce(ctx)
	if err != nil {
		r.fetchErrors.Add(1)
		r.log.LogAttrs(ctx, slog.LevelWarn, "jwks fetch failed", slog.String("error", err.Error()))
		return err
	}
	r.fetches.Add(1)
	return nil
}

func (r *Remote) fetchOnce(ctx context.Context) error {
	r.mu.Lock()
	uri := r.jwksURI
	r.mu.Unlock()
	if uri == "" {
		u, err := r.discover(ctx)
		if err != nil {
			return err
		}
		uri = u
	}
	body, hdr, err := r.get(ctx, uri)
	if err != nil {
		if r.o.JWKSURI == "" {
			// Rediscover next time: the jwks_uri may have moved.
			r.mu.Lock()
			r.jwksURI = ""
			r.mu.Unlock()
		}
		return fmt.Errorf("fetch jwks: %w", err)
	}
	set, err := ParseSet(body, r.o.MaxKeys)
	if err != nil {
		return err
	}
	now := r.o.Now()
	r.set.Store(&keySet{
		byID:    r.reuse(index(set.Keys)),
		fetched: now,
		expires: now.Add(r.ttl(hdr.Get("Cache-Control"))),
	})
	if set.Skipped > 0 {
		r.log.LogAttrs(ctx, slog.LevelDebug, "jwks members skipped", slog.Int("skipped", set.Skipped))
	}
	return nil
}

// reuse keeps the previous *Key for keys that did not change, so pointer
// comparisons by callers stay stable across refreshes.
func (r *Remote) reuse(next map[string]*Key) map[string]*Key {
	prev := r.set.Load().byID
	for id, k := range next {
		if p, ok := prev[id]; ok && p.Alg == k.Alg && samePublic(p.Public, k.Public) {
			next[id] = p
		}
	}
	return next
}

type equaler interface{ Equal(crypto.PublicKey) bool }

func samePublic(a, b any) bool {
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

func (r *Remote) discover(ctx context.Context) (string, error) {
	iss := strings.TrimSuffix(r.o.Issuer, "/")
	body, _, err := r.get(ctx, iss+"/.well-known/openid-configuration")
	if err != nil {
		return "", fmt.Errorf("discovery: %w", err)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("discovery: decode: %w", err)
	}
	if doc.Issuer != r.o.Issuer {
		return "", fmt.Errorf("discovery: document issuer %q differs from configured issuer", doc.Issuer)
	}
	if err := CheckURL(doc.JWKSURI); err != nil {
		return "", fmt.Errorf("discovery: jwks_uri: %w", err)
	}
	r.mu.Lock()
	r.jwksURI = doc.JWKSURI
	r.mu.Unlock()
	return doc.JWKSURI, nil
}

func (r *Remote) get(ctx context.Context, uri string) ([]byte, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.o.Client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("get: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("get: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.o.MaxBodyBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > r.o.MaxBodyBytes {
		return nil, nil, fmt.Errorf("response body larger than %d bytes", r.o.MaxBodyBytes)
	}
	return body, resp.Header, nil
}

// ttl derives the cache lifetime from a Cache-Control header.
func (r *Remote) ttl(cc string) time.Duration {
	d := r.o.DefaultTTL
	for _, dir := range strings.Split(cc, ",") {
		dir = strings.ToLower(strings.TrimSpace(dir))
		switch {
		case dir == "no-store" || dir == "no-cache":
			return r.o.MinTTL
		case strings.HasPrefix(dir, "max-age="):
			n, err := strconv.ParseInt(strings.Trim(dir[len("max-age="):], `"`), 10, 64)
			if err == nil && n >= 0 {
				if n > int64(r.o.MaxTTL/time.Second) {
					d = r.o.MaxTTL
				} else {
					d = time.Duration(n) * time.Second
				}
			}
		}
	}
	return min(max(d, r.o.MinTTL), r.o.MaxTTL)
}

// CheckURL accepts an absolute https URL, or an http URL whose host is a
// loopback address or "localhost" (local development).
func CheckURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("parse url: %w", err)
	}
	if u.Host == "" || u.User != nil || u.Fragment != "" {
		return errors.New("must be an absolute URL with a host, without user info or fragment")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return errors.New("http is allowed only on loopback hosts; use https")
	default:
		return fmt.Errorf("scheme %q is not https", u.Scheme)
	}
}

// IsLoopback reports whether host is "localhost" or a loopback IP address.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
