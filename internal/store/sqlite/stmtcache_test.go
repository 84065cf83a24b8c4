package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
)

func cacheSize(c *stmtCache) (prepared, pending int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m), len(c.pending)
}

func TestStmtCache(t *testing.T) {
	s := openT(t, filepath.Join(t.TempDir(), FileName))
	defer s.Close()
	ctx := t.Context()

	t.Run("write transaction queues then prepares", func(t *testing.T) {
		before, _ := cacheSize(s.wc)
		const q = `SELECT COUNT(*) FROM meta WHERE key = ?`
		err := s.write(ctx, func(tx *txq) error {
			var n int
			if err := tx.QueryRowContext(ctx, q, "x").Scan(&n); err != nil {
				return err
			}
			if _, pending := cacheSize(s.wc); pending == 0 {
				t.Error("query used inside a transaction was not queued")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		after, pending := cacheSize(s.wc)
		if after != before+1 || pending != 0 {
			t.Errorf("after the transaction: prepared %d (was %d), pending %d; want one more prepared, none pending", after, before, pending)
		}
		// The cached statement works inside the next transaction.
		err = s.write(ctx, func(tx *txq) error {
			var n int
			return tx.QueryRowContext(ctx, q, "x").Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		for i := range maxCachedStmts + 50 {
			var v int
			if err := s.rq.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&v); err != nil || v != i {
				t.Fatalf("query %d: %v, %d", i, err, v)
			}
		}
		if prepared, pending := cacheSize(s.rc); prepared+pending > maxCachedStmts {
			t.Errorf("cache holds %d+%d statements, bound %d", prepared, pending, maxCachedStmts)
		}
	})
}
