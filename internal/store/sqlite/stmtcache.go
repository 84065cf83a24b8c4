package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxCachedStmts bounds each statement cache. The backend issues a small,
// fixed set of query strings, so the bound is never reached in practice.
const maxCachedStmts = 128

// stmtCache keeps prepared statements per query string for one *sql.DB
// (database/sql then keeps one prepared copy per connection). Parsing SQL is
// a large share of a point lookup's cost with the pure-Go driver.
//
// A statement is never prepared while the caller holds a transaction: the
// writer pool has a single connection, so preparing there would deadlock.
// Queries first seen inside a transaction run unprepared and are queued;
// flush prepares them after the transaction ends.
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool
	closed  bool
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// lookup returns the prepared statement for q, or nil (queueing q for flush).
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st
	}
	if !c.closed && len(c.m)+len(c.pending) < maxCachedStmts {
		c.pending[q] = true
	}
	return nil
}

// flush prepares queued statements. Call only while holding no transaction
// on c.db. Failures leave the query unprepared (it still runs, unprepared).
func (c *stmtCache) flush(ctx context.Context) {
	c.mu.Lock()
	if len(c.pending) == 0 || c.closed {
		c.mu.Unlock()
		return
	}
	qs := make([]string, 0, len(c.pending))
	for q := range c.pending {
		qs = append(qs, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range qs {
		st, err := c.db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, dup := c.m[q]; dup || c.closed {
			c.mu.Unlock()
			_ = st.Close()
			continue
		}
		c.m[q] = st
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}

// dbq runs statements on the pool outside any transaction.
type dbq struct{ c *stmtCache }

func (d dbq) stmt(ctx context.Context, q string) *sql.Stmt {
	st := d.c.lookup(q)
	if st == nil {
		d.c.flush(ctx) // no transaction held: safe to prepare now
		st = d.c.lookup(q)
	}
	return st
}

func (d dbq) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := d.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.c.db.QueryRowContext(ctx, q, args...)
}

func (d dbq) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := d.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.c.db.QueryContext(ctx, q, args...)
}

func (d dbq) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := d.stmt(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.c.db.ExecContext(ctx, q, args...)
}

// txq runs statements inside a transaction, reusing cached statements.
type txq struct {
	raw *sql.Tx
	c   *stmtCache
}

func (t *txq) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := t.c.lookup(q); st != nil {
		return t.raw.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.raw.QueryRowContext(ctx, q, args...)
}

func (t *txq) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := t.c.lookup(q); st != nil {
		return t.raw.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.raw.QueryContext(ctx, q, args...)
}

func (t *txq) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := t.c.lookup(q); st != nil {
		return t.raw.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.raw.ExecContext(ctx, q, args...)
}
