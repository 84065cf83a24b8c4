package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Concurrency parameters: enough contention to expose lost updates without
// making slow backends crawl.
const (
	workers    = 8
	iterations = 25
)

// RunConcurrency checks that concurrent closure updates on one record lose
// no writes, that key rotation guarded by a closure happens once, and that
// single-use records (sessions, unique usernames) stay single-use under
// contention. newStore may return handles that share one database (for
// example two connections to one file) to test cross-handle atomicity; it
// is called once per subtest.
func RunConcurrency(t *testing.T, newStore NewFunc) {
	t.Helper()
	t.Run("UpdateUserNoLostUpdates", func(t *testing.T) {
		s := newStore(t)
		t.Cleanup(func() { _ = s.Close() })
		must(t, "pool", s.CreateUserPool(ctx(t), newPool("r_a")))
		must(t, "user", s.CreateUser(ctx(t), newUser("r_a", "alice", 1)))
		run(t, func(int) error {
			return s.UpdateUser(ctx(t), "r_a", "alice", func(u store.User) (store.User, error) {
				u.FailedLogins++
				return u, nil
			})
		})
		u, err := s.GetUser(ctx(t), "r_a", "alice")
		must(t, "get", err)
		equal(t, "failed logins", u.FailedLogins, workers*iterations)
	})
	t.Run("UpdatePoolNoLostUpdates", func(t *testing.T) {
		s := newStore(t)
		t.Cleanup(func() { _ = s.Close() })
		p := newPool("r_a")
		p.Settings.Tags = nil
		must(t, "pool", s.CreateUserPool(ctx(t), p))
		run(t, func(w int) error {
			return s.UpdateUserPool(ctx(t), "r_a", func(p store.UserPool) (store.UserPool, error) {
				if p.Settings.Tags == nil {
					p.Settings.Tags = map[string]string{}
				}
				p.Settings.Tags[fmt.Sprintf("w%d-%d", w, len(p.Settings.Tags))] = "x"
				return p, nil
			})
		})
		got, err := s.GetUserPool(ctx(t), "r_a")
		must(t, "get", err)
		equal(t, "tags", len(got.Settings.Tags), workers*iterations)
	})
	t.Run("RotateOnce", func(t *testing.T) {
		s := newStore(t)
		t.Cleanup(func() { _ = s.Close() })
		must(t, "pool", s.CreateUserPool(ctx(t), newPool("r_a")))
		var mu sync.Mutex
		rotations := 0
		run(t, func(w int) error {
			return s.UpdateKeys(ctx(t), "r_a", func(ks store.KeySet) (store.KeySet, error) {
				if len(ks.Keys) > 0 {
					return ks, nil // somebody already rotated
				}
				ks.Keys = append(ks.Keys, store.SigningKey{KID: fmt.Sprintf("k%d", w), Alg: "RS256", PrivateKey: []byte{1}, CreatedAt: t0})
				mu.Lock()
				rotations++
				mu.Unlock()
				return ks, nil
			})
		})
		ks, err := s.GetKeys(ctx(t), "r_a")
		must(t, "get", err)
		equal(t, "keys", len(ks.Keys), 1)
		// Closures run at most once per call and see committed state, so
		// exactly one of them rotated.
		equal(t, "rotations", rotations, 1)
	})
	t.Run("TakeSessionOnce", func(t *testing.T) {
		s := newStore(t)
		t.Cleanup(func() { _ = s.Close() })
		const sessions = 20
		for i := range sessions {
			must(t, "create", s.CreateSession(ctx(t), store.AuthSession{ID: fmt.Sprintf("s%d", i), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
		}
		var mu sync.Mutex
		taken := map[string]int{}
		var wg sync.WaitGroup
		errs := make(chan error, workers*sessions)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range sessions {
					id := fmt.Sprintf("s%d", i)
					_, err := s.TakeSession(ctx(t), id, t0)
					switch {
					case err == nil:
						mu.Lock()
						taken[id]++
						mu.Unlock()
					case !errors.Is(err, store.ErrNotFound):
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("take: %v", err)
		}
		for i := range sessions {
			id := fmt.Sprintf("s%d", i)
			if taken[id] != 1 {
				t.Errorf("session %s taken %d times, want 1", id, taken[id])
			}
		}
	})
	t.Run("CreateUserOnce", func(t *testing.T) {
		s := newStore(t)
		t.Cleanup(func() { _ = s.Close() })
		must(t, "pool", s.CreateUserPool(ctx(t), ciPool("r_a")))
		var mu sync.Mutex
		created := 0
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := "Bob"
				if w%2 == 1 {
					name = "bob"
				}
				err := s.CreateUser(ctx(t), newUser("r_a", name, w))
				switch {
				case err == nil:
					mu.Lock()
					created++
					mu.Unlock()
				case !errors.Is(err, store.ErrConflict):
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("create: %v", err)
		}
		equal(t, "created", created, 1)
	})
}

// run calls op workers×iterations times from workers goroutines and reports
// every error.
func run(t *testing.T, op func(worker int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers*iterations)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range iterations {
				if err := op(w); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent op: %v", err)
	}
}
