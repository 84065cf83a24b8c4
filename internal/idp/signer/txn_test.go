package signer

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/memory"
)

// txStore wraps a memory store and records whether an UpdateKeys closure is
// running. Embedding *memory.Store keeps GetUserPool, so New derives
// Config.PoolExists from it.
type txStore struct {
	*memory.Store
	inTx    atomic.Bool
	updates atomic.Int32
	// stale, when set, is what GetKeys returns instead of the stored set
	// (a read that another node's write has since overtaken).
	stale *store.KeySet
}

func (s *txStore) GetKeys(ctx context.Context, poolID string) (store.KeySet, error) {
	if s.stale != nil {
		return *s.stale, nil
	}
	return s.Store.GetKeys(ctx, poolID)
}

func (s *txStore) UpdateKeys(ctx context.Context, poolID string, fn func(store.KeySet) (store.KeySet, error)) error {
	s.updates.Add(1)
	return s.Store.UpdateKeys(ctx, poolID, func(ks store.KeySet) (store.KeySet, error) {
		s.inTx.Store(true)
		defer s.inTx.Store(false)
		return fn(ks)
	})
}

// genCounter is a GenerateKey hook counting all calls and the calls made
// while the store's UpdateKeys closure runs.
type genCounter struct {
	st        *txStore
	total     atomic.Int32
	duringTxn atomic.Int32
}

func (g *genCounter) gen(io.Reader) (*rsa.PrivateKey, error) {
	g.total.Add(1)
	if g.st != nil && g.st.inTx.Load() {
		g.duringTxn.Add(1)
	}
	return rsa.GenerateKey(rand.Reader, 1024)
}

const testPool = "us-east-1_pool"

func newTxStore(t *testing.T) *txStore {
	t.Helper()
	st := &txStore{Store: memory.New()}
	if err := st.CreateUserPool(context.Background(), store.UserPool{ID: testPool, Name: "p"}); err != nil {
		t.Fatal(err)
	}
	return st
}

func activeKIDs(t *testing.T, ks store.KeySet) []string {
	t.Helper()
	var out []string
	for _, k := range ks.Keys {
		if k.RetiredAt.IsZero() {
			out = append(out, k.KID)
		}
	}
	slices.Sort(out)
	return out
}

// TestTransactionDoesNotGenerateKeys runs creation, due rotation, explicit
// rotation and the expiry of retired keys, and checks that GenerateKey is
// never called while the UpdateKeys closure runs, while still being called
// the expected number of times before it.
func TestTransactionDoesNotGenerateKeys(t *testing.T) {
	st := newTxStore(t)
	g := &genCounter{st: st}
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, err := New(Config{Keys: st, Now: c.Now, GenerateKey: g.gen, RotationPeriod: 6 * time.Hour, KeepRetired: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	steps := []struct {
		name     string
		advance  time.Duration
		op       func() error
		wantGen  int32
		wantKeys int
	}{
		{"first use", 0, func() error { _, err := s.Sign(ctx, testPool, UseID, []byte(`{}`)); return err }, 2, 2},
		{"due rotation", 6 * time.Hour, func() error { _, err := s.Sign(ctx, testPool, UseAccess, []byte(`{}`)); return err }, 2, 4},
		{"explicit rotate", time.Minute, func() error { return s.Rotate(ctx, testPool) }, 2, 6},
		{"first retired pair expires", 2*time.Hour - 30*time.Second, func() error { _, err := s.JWKS(ctx, testPool); return err }, 0, 4},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			c.Add(step.advance)
			genBefore, updBefore := g.total.Load(), st.updates.Load()
			if err := step.op(); err != nil {
				t.Fatal(err)
			}
			if got := g.duringTxn.Load(); got != 0 {
				t.Errorf("GenerateKey called %d times inside the UpdateKeys closure, want 0", got)
			}
			if got := g.total.Load() - genBefore; got != step.wantGen {
				t.Errorf("GenerateKey called %d times, want %d", got, step.wantGen)
			}
			if got := st.updates.Load() - updBefore; got != 1 {
				t.Errorf("UpdateKeys called %d times, want 1", got)
			}
			ks, err := st.GetKeys(ctx, testPool)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(ks.Keys); got != step.wantKeys {
				t.Errorf("stored %d keys, want %d", got, step.wantKeys)
			}
			if got := len(activeKIDs(t, ks)); got != 2 {
				t.Errorf("%d active keys, want 2", got)
			}
		})
	}
}

// keysOnly hides GetUserPool, so only Config.PoolExists can say whether a
// pool exists.
type keysOnly struct{ store.KeyStore }

// TestUnknownPoolGeneratesNoKeys checks that a pool the store has no keys
// for is looked up first: an unknown pool fails with store.ErrNotFound and
// no key is generated; a known pool without keys gets its keys.
func TestUnknownPoolGeneratesNoKeys(t *testing.T) {
	errLookup := errors.New("lookup failed")
	tests := []struct {
		name       string
		pool       string
		keysOnly   bool
		poolExists func(context.Context, string) (bool, error)
		wantErr    error
		wantGen    int32
	}{
		{name: "unknown pool, check derived from store", pool: "us-east-1_nope", wantErr: store.ErrNotFound},
		{name: "known pool without keys", pool: testPool, wantGen: 2},
		{name: "explicit PoolExists says no", pool: testPool, keysOnly: true,
			poolExists: func(context.Context, string) (bool, error) { return false, nil }, wantErr: store.ErrNotFound},
		{name: "explicit PoolExists fails", pool: testPool, keysOnly: true,
			poolExists: func(context.Context, string) (bool, error) { return false, errLookup }, wantErr: errLookup},
		{name: "explicit PoolExists says yes", pool: testPool, keysOnly: true,
			poolExists: func(context.Context, string) (bool, error) { return true, nil }, wantGen: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newTxStore(t)
			ctx := context.Background()
			// The store answers not-found alike for both cases.
			for _, id := range []string{testPool, "us-east-1_nope"} {
				if _, err := st.GetKeys(ctx, id); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("GetKeys(%s) = %v, want ErrNotFound", id, err)
				}
			}
			g := &genCounter{st: st}
			var ks store.KeyStore = st
			if tt.keysOnly {
				ks = keysOnly{st}
			}
			c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			s, err := New(Config{Keys: ks, Now: c.Now, GenerateKey: g.gen, PoolExists: tt.poolExists})
			if err != nil {
				t.Fatal(err)
			}
			set, err := s.JWKS(ctx, tt.pool)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("JWKS error = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Errorf("JWKS: %v", err)
			} else if len(set.Keys) != 2 {
				t.Errorf("JWKS has %d keys, want 2", len(set.Keys))
			}
			if got := g.total.Load(); got != tt.wantGen {
				t.Errorf("GenerateKey called %d times, want %d", got, tt.wantGen)
			}
			if tt.wantErr != nil && st.updates.Load() != 0 {
				t.Errorf("UpdateKeys called %d times for a pool that must not get keys", st.updates.Load())
			}
		})
	}
}

// TestLostRaceKeepsOtherNodesKeys runs two signers on one store (two
// nodes). Node A reads the keys and generates candidates; while it is held
// in generation, node B creates or rotates the keys. A's transaction must
// keep B's set and discard its candidates.
func TestLostRaceKeepsOtherNodesKeys(t *testing.T) {
	tests := []struct {
		name     string
		prepare  bool // create keys and make them due before the race
		wantKeys int
	}{
		{"first use", false, 2},
		{"due rotation", true, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newTxStore(t)
			ctx := context.Background()
			c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			const period = 6 * time.Hour
			var arm atomic.Bool
			entered, release := make(chan struct{}), make(chan struct{})
			ga := &genCounter{st: st}
			genA := func(r io.Reader) (*rsa.PrivateKey, error) {
				if arm.CompareAndSwap(true, false) {
					close(entered)
					<-release
				}
				return ga.gen(r)
			}
			a, err := New(Config{Keys: st, Now: c.Now, GenerateKey: genA, RotationPeriod: period})
			if err != nil {
				t.Fatal(err)
			}
			gb := &genCounter{st: st}
			b, err := New(Config{Keys: st, Now: c.Now, GenerateKey: gb.gen, RotationPeriod: period})
			if err != nil {
				t.Fatal(err)
			}
			if tt.prepare {
				if _, err := a.Sign(ctx, testPool, UseID, []byte(`{}`)); err != nil {
					t.Fatal(err)
				}
				c.Add(period)
			}
			arm.Store(true)
			type result struct {
				tok string
				err error
			}
			done := make(chan result, 1)
			go func() {
				tok, err := a.Sign(ctx, testPool, UseID, []byte(`{}`))
				done <- result{tok, err}
			}()
			<-entered // A has read the store and is generating candidates
			bDone := make(chan error, 1)
			go func() {
				_, err := b.Sign(ctx, testPool, UseID, []byte(`{}`))
				bDone <- err
			}()
			select {
			case err := <-bDone:
				if err != nil {
					close(release)
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				close(release)
				t.Fatal("node B waited for node A's key generation (generation inside the transaction?)")
			}
			winner, err := st.GetKeys(ctx, testPool)
			if err != nil {
				close(release)
				t.Fatal(err)
			}
			close(release)
			res := <-done
			if res.err != nil {
				t.Fatalf("node A: %v", res.err)
			}
			got, err := st.GetKeys(ctx, testPool)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Keys) != tt.wantKeys {
				t.Errorf("stored %d keys, want %d", len(got.Keys), tt.wantKeys)
			}
			if g, w := activeKIDs(t, got), activeKIDs(t, winner); !slices.Equal(g, w) {
				t.Errorf("active kids after A = %v, want B's %v", g, w)
			}
			jwks, err := b.JWKS(ctx, testPool)
			if err != nil {
				t.Fatal(err)
			}
			kid, err := verify(t, jwks, res.tok)
			if err != nil {
				t.Fatalf("A's token does not verify with B's JWKS: %v", err)
			}
			if !slices.Contains(activeKIDs(t, winner), kid) {
				t.Errorf("A signed with %s, not one of B's active keys", kid)
			}
			if ga.duringTxn.Load()+gb.duringTxn.Load() != 0 {
				t.Error("a key was generated inside the UpdateKeys closure")
			}
		})
	}
}

// TestConcurrentNodesFirstUse signs concurrently through two signers on
// one store: exactly one key set is created.
func TestConcurrentNodesFirstUse(t *testing.T) {
	st := newTxStore(t)
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var signers []*Signer
	for range 2 {
		s, err := New(Config{Keys: st, Now: c.Now, GenerateKey: keyGen(t)})
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, s)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := signers[i%2].Sign(ctx, testPool, UseID, []byte(`{}`)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	ks, err := st.GetKeys(ctx, testPool)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.Keys) != 2 {
		t.Fatalf("concurrent first use on two nodes stored %d keys, want 2", len(ks.Keys))
	}
	for i, s := range signers {
		set, err := s.JWKS(ctx, testPool)
		if err != nil {
			t.Fatal(err)
		}
		var kids []string
		for _, k := range set.Keys {
			kids = append(kids, k.KeyID)
		}
		slices.Sort(kids)
		if want := activeKIDs(t, ks); !slices.Equal(kids, want) {
			t.Errorf("signer %d publishes %v, want the stored %v", i, kids, want)
		}
	}
}

// TestStaleReadGeneratesMissingKeys makes the read before the transaction
// stale: it shows a complete key set (plus an expired retired key, so there
// is work to do but no key to create), while the store holds none. The
// transaction then lacks candidates; the signer must abort it, generate
// keys outside it and try again.
func TestStaleReadGeneratesMissingKeys(t *testing.T) {
	st := newTxStore(t)
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	helper, err := New(Config{Keys: st, Now: c.Now, GenerateKey: keyGen(t)})
	if err != nil {
		t.Fatal(err)
	}
	stale := store.KeySet{PoolID: testPool}
	for _, u := range []Use{UseID, UseAccess, UseID} {
		k, err := helper.newKey(u, c.Now().Add(-4*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		stale.Keys = append(stale.Keys, k)
	}
	stale.Keys[2].RetiredAt = c.Now().Add(-3 * time.Hour)
	stale.Keys[2].NotAfter = c.Now().Add(-time.Hour)
	st.stale = &stale

	g := &genCounter{st: st}
	s, err := New(Config{Keys: st, Now: c.Now, GenerateKey: g.gen})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign(ctx, testPool, UseAccess, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	st.stale = nil
	ks, err := st.GetKeys(ctx, testPool)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(activeKIDs(t, ks)); got != 2 || len(ks.Keys) != 2 {
		t.Errorf("stored %d keys (%d active), want 2 (2 active)", len(ks.Keys), got)
	}
	if got := st.updates.Load(); got != 2 {
		t.Errorf("UpdateKeys called %d times, want 2 (abort, then store)", got)
	}
	if got := g.total.Load(); got != 2 {
		t.Errorf("GenerateKey called %d times, want 2", got)
	}
	if got := g.duringTxn.Load(); got != 0 {
		t.Errorf("GenerateKey called %d times inside the UpdateKeys closure, want 0", got)
	}
}
