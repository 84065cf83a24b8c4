package signer

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Use says what a key signs.
type Use string

// Key uses. Cognito signs ID and access tokens with different keys.
const (
	UseID     Use = "id"
	UseAccess Use = "access"
)

// uses lists the uses every pool has an active key for.
var uses = [...]Use{UseID, UseAccess}

// Defaults.
const (
	DefaultKeyBits = 2048
	// DefaultKeepRetired covers the longest ID/access token validity (1 day)
	// plus clock skew.
	DefaultKeepRetired = 24*time.Hour + 5*time.Minute
)

// Config configures a Signer.
type Config struct {
	// Keys persists key sets (required).
	Keys store.KeyStore
	// Now is the clock (required in production; defaults to time.Now only
	// when nil, which tests should not rely on).
	Now func() time.Time
	// Rand is the randomness source for key generation (default crypto/rand).
	Rand io.Reader
	// GenerateKey creates a private key (default: RSA 2048 from Rand).
	// Tests inject pre-generated keys.
	GenerateKey func(r io.Reader) (*rsa.PrivateKey, error)
	// RotationPeriod rotates active keys older than this; 0 disables
	// automatic rotation (Rotate still works).
	RotationPeriod time.Duration
	// KeepRetired is how long a retired key stays in the JWKS (default
	// DefaultKeepRetired). It must be at least the longest token validity.
	KeepRetired time.Duration
	// PoolExists reports whether a pool exists (false, nil when it does
	// not). It is consulted when the store holds no keys for a pool, so
	// an unknown pool fails with store.ErrNotFound before any key is
	// generated. Optional: when nil and Keys also has GetUserPool (as
	// store.UserPoolStore does), New derives it from that; when neither is
	// available, the store's UpdateKeys still rejects an unknown pool, but
	// only after candidate keys were generated.
	PoolExists func(ctx context.Context, poolID string) (bool, error)
	Logger     *slog.Logger
}

// poolGetter is the part of store.UserPoolStore New uses to derive
// Config.PoolExists.
type poolGetter interface {
	GetUserPool(ctx context.Context, id string) (store.UserPool, error)
}

// maxUpdateAttempts bounds the UpdateKeys attempts of one load. A second
// attempt is needed only when the store changed between the read and the
// transaction so that more candidate keys are required; after it, there
// is a candidate for every use.
const maxUpdateAttempts = 3

// errNeedKeys aborts an UpdateKeys transaction that lacks candidate keys;
// load generates them outside the transaction and tries again.
var errNeedKeys = errors.New("signer: candidate keys needed")

// Signer signs tokens with per-pool keys. See the package doc.
type Signer struct {
	cfg Config
	// mu guards cache and loading; it is never held across store I/O or
	// key generation.
	mu    sync.Mutex
	cache map[string]*parsedSet
	// loading holds a lock per pool whose key set is being read, created
	// or rotated, so one pool's slow path does not stall the others.
	loading map[string]*sync.Mutex
}

type parsedSet struct {
	set     store.KeySet
	private map[string]*rsa.PrivateKey // by kid
}

// New returns a Signer.
func New(cfg Config) (*Signer, error) {
	if cfg.Keys == nil {
		return nil, errors.New("signer: no key store")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.GenerateKey == nil {
		cfg.GenerateKey = func(r io.Reader) (*rsa.PrivateKey, error) { return rsa.GenerateKey(r, DefaultKeyBits) }
	}
	if cfg.KeepRetired <= 0 {
		cfg.KeepRetired = DefaultKeepRetired
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PoolExists == nil {
		if pg, ok := cfg.Keys.(poolGetter); ok {
			cfg.PoolExists = func(ctx context.Context, poolID string) (bool, error) {
				_, err := pg.GetUserPool(ctx, poolID)
				switch {
				case errors.Is(err, store.ErrNotFound):
					return false, nil
				case err != nil:
					return false, err
				}
				return true, nil
			}
		}
	}
	return &Signer{cfg: cfg, cache: map[string]*parsedSet{}, loading: map[string]*sync.Mutex{}}, nil
}

// KeyID derives a stable kid from a public key: the standard base64 of the
// SHA-256 of its PKIX encoding (44 characters ending in "=", like Cognito's).
func KeyID(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("marshal public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

func (s *Signer) newKey(use Use, now time.Time) (store.SigningKey, error) {
	priv, err := s.cfg.GenerateKey(s.cfg.Rand)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return store.SigningKey{}, fmt.Errorf("marshal private key: %w", err)
	}
	kid, err := KeyID(&priv.PublicKey)
	if err != nil {
		return store.SigningKey{}, err
	}
	return store.SigningKey{KID: kid, Alg: "RS256", Use: string(use), PrivateKey: der, CreatedAt: now}, nil
}

// active returns the active key for use, or false.
func active(set store.KeySet, use Use) (store.SigningKey, bool) {
	for _, k := range set.Keys {
		if k.Use == string(use) && k.RetiredAt.IsZero() {
			return k, true
		}
	}
	return store.SigningKey{}, false
}

// needsWork reports whether set lacks an active key for some use, has an
// active key due for rotation, or holds a key past NotAfter.
func (s *Signer) needsWork(set store.KeySet, now time.Time) bool {
	for _, u := range uses {
		k, ok := active(set, u)
		if !ok {
			return true
		}
		if s.cfg.RotationPeriod > 0 && !now.Before(k.CreatedAt.Add(s.cfg.RotationPeriod)) {
			return true
		}
	}
	for _, k := range set.Keys {
		if !k.NotAfter.IsZero() && !now.Before(k.NotAfter) {
			return true
		}
	}
	return false
}

// update applies rotation rules to set: retire all active keys when force
// is true or they are due, drop expired keys, and add each missing active
// key from cand. It never generates keys, so it is safe to run inside the
// store's transaction. lack lists the uses that need an active key but
// have no candidate; out is complete only when lack is empty.
func (s *Signer) update(set store.KeySet, now time.Time, force bool, cand map[Use]store.SigningKey) (out store.KeySet, lack []Use) {
	out = store.KeySet{PoolID: set.PoolID, UpdatedAt: now}
	for _, k := range set.Keys {
		if !k.NotAfter.IsZero() && !now.Before(k.NotAfter) {
			continue // no token it signed can still be valid
		}
		due := s.cfg.RotationPeriod > 0 && !now.Before(k.CreatedAt.Add(s.cfg.RotationPeriod))
		if k.RetiredAt.IsZero() && (force || due) {
			k.RetiredAt = now
			k.NotAfter = now.Add(s.cfg.KeepRetired)
		}
		out.Keys = append(out.Keys, k)
	}
	for _, u := range uses {
		if _, ok := active(out, u); ok {
			continue
		}
		k, ok := cand[u]
		if !ok {
			lack = append(lack, u)
			continue
		}
		out.Keys = append(out.Keys, k)
	}
	return out, lack
}

// generate adds a candidate key to cand for every use in need that has
// none. It runs outside any store transaction.
func (s *Signer) generate(ctx context.Context, cand map[Use]store.SigningKey, need []Use, now time.Time) error {
	for _, u := range need {
		if _, ok := cand[u]; ok {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		k, err := s.newKey(u, now)
		if err != nil {
			return err
		}
		cand[u] = k
	}
	return nil
}

// checkPool fails with store.ErrNotFound when Config.PoolExists says the
// pool does not exist.
func (s *Signer) checkPool(ctx context.Context, poolID string) error {
	if s.cfg.PoolExists == nil {
		return nil
	}
	ok, err := s.cfg.PoolExists(ctx, poolID)
	if err != nil {
		return fmt.Errorf("check pool: %w", err)
	}
	if !ok {
		return fmt.Errorf("pool %q: %w", poolID, store.ErrNotFound)
	}
	return nil
}

// write creates or rotates the pool's keys. seen is the set read before
// (empty when the store had none). Candidate keys are generated first,
// outside the transaction; inside UpdateKeys the closure only decides, as
// Dex does: when another node or goroutine already created or rotated the
// keys, their set is kept and the candidates are discarded.
func (s *Signer) write(ctx context.Context, poolID string, seen store.KeySet, now time.Time, force bool) (store.KeySet, error) {
	_, need := s.update(seen, now, force, nil)
	cand := make(map[Use]store.SigningKey, len(uses))
	for attempt := 1; ; attempt++ {
		if err := s.generate(ctx, cand, need, now); err != nil {
			return store.KeySet{}, err
		}
		var set store.KeySet
		changed := false
		err := s.cfg.Keys.UpdateKeys(ctx, poolID, func(old store.KeySet) (store.KeySet, error) {
			set, changed, need = store.KeySet{}, false, nil
			if !force && !s.needsWork(old, now) {
				set = old // someone else created or rotated already
				return old, nil
			}
			nw, lack := s.update(old, now, force, cand)
			if len(lack) > 0 {
				need = lack
				return store.KeySet{}, errNeedKeys
			}
			set, changed = nw, true
			return nw, nil
		})
		if errors.Is(err, errNeedKeys) && attempt < maxUpdateAttempts {
			continue
		}
		if err != nil {
			return store.KeySet{}, fmt.Errorf("update keys: %w", err)
		}
		if changed {
			s.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "signing keys updated", slog.String("pool_id", poolID), slog.Int("keys", len(set.Keys)))
		} else if len(cand) > 0 {
			s.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, "signing keys updated elsewhere; candidates discarded", slog.String("pool_id", poolID))
		}
		return set, nil
	}
}

func parse(set store.KeySet) (*parsedSet, error) {
	p := &parsedSet{set: set, private: map[string]*rsa.PrivateKey{}}
	for _, k := range set.Keys {
		key, err := x509.ParsePKCS8PrivateKey(k.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("parse key %s: %w", k.KID, err)
		}
		rk, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("key %s is not RSA", k.KID)
		}
		p.private[k.KID] = rk
	}
	return p, nil
}

// cached returns the pool's cached key set when it needs no work.
func (s *Signer) cached(poolID string, now time.Time) (*parsedSet, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.cache[poolID]
	if !ok || s.needsWork(p.set, now) {
		return nil, false
	}
	return p, true
}

// lockPool takes the pool's loading lock and returns its unlock.
func (s *Signer) lockPool(poolID string) func() {
	s.mu.Lock()
	l, ok := s.loading[poolID]
	if !ok {
		l = &sync.Mutex{}
		s.loading[poolID] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// load returns the pool's parsed key set, creating or rotating keys in the
// store when needed. Callers hold no lock. Loads of one pool run one at a
// time; loads of different pools do not wait for each other.
func (s *Signer) load(ctx context.Context, poolID string, force bool) (*parsedSet, error) {
	now := s.cfg.Now()
	if !force {
		if p, ok := s.cached(poolID, now); ok {
			return p, nil
		}
	}
	defer s.lockPool(poolID)()
	if !force {
		// Another load of this pool may have finished while we waited.
		if p, ok := s.cached(poolID, now); ok {
			return p, nil
		}
	}
	set, err := s.cfg.Keys.GetKeys(ctx, poolID)
	missing := errors.Is(err, store.ErrNotFound)
	if err != nil && !missing {
		return nil, fmt.Errorf("get keys: %w", err)
	}
	if missing {
		// Not found means no keys or no pool: never generate keys for
		// an unknown pool.
		if err := s.checkPool(ctx, poolID); err != nil {
			return nil, err
		}
		set = store.KeySet{PoolID: poolID}
	}
	if missing || force || s.needsWork(set, now) {
		if set, err = s.write(ctx, poolID, set, now, force); err != nil {
			return nil, err
		}
	}
	p, err := parse(set)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cache[poolID] = p
	s.mu.Unlock()
	return p, nil
}

// Sign signs payload (a JSON claim set) with the pool's active key for use
// and returns the compact JWS. The header carries exactly alg and kid.
func (s *Signer) Sign(ctx context.Context, poolID string, use Use, payload []byte) (string, error) {
	p, err := s.load(ctx, poolID, false)
	if err != nil {
		return "", err
	}
	k, ok := active(p.set, use)
	if !ok {
		return "", fmt.Errorf("no active %s key for pool", use)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: p.private[k.KID], KeyID: k.KID}}, nil)
	if err != nil {
		return "", fmt.Errorf("new signer: %w", err)
	}
	jws, err := sig.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return jws.CompactSerialize()
}

// JWKS returns the public keys of the pool that may still verify a valid
// token: active keys and retired keys before their NotAfter.
func (s *Signer) JWKS(ctx context.Context, poolID string) (jose.JSONWebKeySet, error) {
	p, err := s.load(ctx, poolID, false)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	now := s.cfg.Now()
	var out jose.JSONWebKeySet
	out.Keys = []jose.JSONWebKey{}
	for _, k := range p.set.Keys {
		if !k.NotAfter.IsZero() && !now.Before(k.NotAfter) {
			continue
		}
		out.Keys = append(out.Keys, jose.JSONWebKey{
			Key:       &p.private[k.KID].PublicKey,
			KeyID:     k.KID,
			Algorithm: k.Alg,
			Use:       "sig",
		})
	}
	return out, nil
}

// Rotate retires the pool's active keys (kept in the JWKS for KeepRetired)
// and creates new ones.
func (s *Signer) Rotate(ctx context.Context, poolID string) error {
	_, err := s.load(ctx, poolID, true)
	return err
}

// Forget drops the cached key set of a pool (call after deleting it). It
// waits for a load of the pool in progress, so that load cannot put the
// set back afterwards.
func (s *Signer) Forget(poolID string) {
	unlock := s.lockPool(poolID)
	s.mu.Lock()
	delete(s.cache, poolID)
	delete(s.loading, poolID)
	s.mu.Unlock()
	unlock()
}
