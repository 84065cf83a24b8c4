package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/store"
)

// poolCI returns the pool's case rule, or ErrNotFound.
func poolCI(ctx context.Context, q queryer, poolID string) (bool, error) {
	var ci int
	err := q.QueryRowContext(ctx, `SELECT case_insensitive FROM user_pools WHERE id = ?`, poolID).Scan(&ci)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("pool %q: %w", poolID, store.ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("read pool %q: %w", poolID, err)
	}
	return ci != 0, nil
}

func (s *Store) CreateUserPool(ctx context.Context, p store.UserPool) error {
	if p.ID == "" {
		return fmt.Errorf("create user pool: empty id: %w", store.ErrInvalid)
	}
	data, err := encode(p)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *txq) error {
		if ok, err := exists(ctx, tx, `SELECT 1 FROM user_pools WHERE id = ?`, p.ID); err != nil || ok {
			if err == nil {
				err = store.ErrConflict
			}
			return fmt.Errorf("create user pool %q: %w", p.ID, err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO user_pools (id, case_insensitive, data) VALUES (?, ?, ?)`,
			p.ID, boolInt(p.Settings.UsernameCaseInsensitive), data)
		if err != nil {
			return fmt.Errorf("create user pool %q: %w", p.ID, err)
		}
		return nil
	})
}

func (s *Store) GetUserPool(ctx context.Context, id string) (store.UserPool, error) {
	return one[store.UserPool](ctx, s.rq, fmt.Sprintf("get user pool %q", id), `SELECT data FROM user_pools WHERE id = ?`, id)
}

func (s *Store) ListUserPools(ctx context.Context, opts store.ListOptions) ([]store.UserPool, string, error) {
	after, err := afterKey(opts.Token)
	if err != nil {
		return nil, "", fmt.Errorf("list user pools: %w", err)
	}
	limit := opts.PageLimit()
	rows, err := s.rq.QueryContext(ctx, `SELECT data FROM user_pools WHERE id > ? ORDER BY id LIMIT ?`, after, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list user pools: %w", err)
	}
	return pageRows(rows, limit, scanData[store.UserPool], func(p store.UserPool) []string { return []string{p.ID} })
}

func (s *Store) UpdateUserPool(ctx context.Context, id string, fn func(store.UserPool) (store.UserPool, error)) error {
	return s.write(ctx, func(tx *txq) error {
		old, err := one[store.UserPool](ctx, tx, fmt.Sprintf("update user pool %q", id), `SELECT data FROM user_pools WHERE id = ?`, id)
		if err != nil {
			return err
		}
		ci := old.Settings.UsernameCaseInsensitive
		out, err := fn(old)
		if err != nil {
			return fmt.Errorf("update user pool %q: %w", id, err)
		}
		if out.ID != id {
			return fmt.Errorf("update user pool %q: id changed: %w", id, store.ErrPrecondition)
		}
		if out.Settings.UsernameCaseInsensitive != ci {
			has, err := exists(ctx, tx, `SELECT 1 FROM users WHERE pool_id = ? LIMIT 1`, id)
			if err != nil {
				return fmt.Errorf("update user pool %q: %w", id, err)
			}
			if has {
				return fmt.Errorf("update user pool %q: case sensitivity changed while users exist: %w", id, store.ErrPrecondition)
			}
		}
		data, err := encode(out)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE user_pools SET case_insensitive = ?, data = ? WHERE id = ?`,
			boolInt(out.Settings.UsernameCaseInsensitive), data, id); err != nil {
			return fmt.Errorf("update user pool %q: %w", id, err)
		}
		return nil
	})
}

func (s *Store) DeleteUserPool(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *txq) error {
		// Sessions carry the pool id without a foreign key (it is optional).
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE pool_id = ?`, id); err != nil {
			return fmt.Errorf("delete user pool %q: %w", id, err)
		}
		// Everything else cascades through foreign keys.
		res, err := tx.ExecContext(ctx, `DELETE FROM user_pools WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete user pool %q: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = store.ErrNotFound
			}
			return fmt.Errorf("delete user pool %q: %w", id, err)
		}
		return nil
	})
}

// ---- clients ----

func (s *Store) CreateClient(ctx context.Context, c store.Client) error {
	if c.ClientID == "" {
		return fmt.Errorf("create client: empty id: %w", store.ErrInvalid)
	}
	data, err := encode(c)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, c.PoolID); err != nil {
			return fmt.Errorf("create client: %w", err)
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM clients WHERE client_id = ?`, c.ClientID); err != nil || ok {
			if err == nil {
				err = store.ErrConflict
			}
			return fmt.Errorf("create client %q: %w", c.ClientID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO clients (client_id, pool_id, data) VALUES (?, ?, ?)`, c.ClientID, c.PoolID, data); err != nil {
			switch {
			case isUnique(err):
				err = store.ErrConflict
			case isForeignKey(err):
				err = store.ErrNotFound
			}
			return fmt.Errorf("create client %q: %w", c.ClientID, err)
		}
		return nil
	})
}

func (s *Store) GetClient(ctx context.Context, poolID, clientID string) (store.Client, error) {
	return one[store.Client](ctx, s.rq, fmt.Sprintf("get client %q", clientID),
		`SELECT data FROM clients WHERE client_id = ? AND pool_id = ?`, clientID, poolID)
}

func (s *Store) FindClient(ctx context.Context, clientID string) (store.Client, error) {
	return one[store.Client](ctx, s.rq, fmt.Sprintf("find client %q", clientID),
		`SELECT data FROM clients WHERE client_id = ?`, clientID)
}

func (s *Store) ListClients(ctx context.Context, poolID string, opts store.ListOptions) ([]store.Client, string, error) {
	after, err := afterKey(opts.Token)
	if err != nil {
		return nil, "", fmt.Errorf("list clients: %w", err)
	}
	limit := opts.PageLimit()
	var out []store.Client
	var next string
	err = s.read(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, poolID); err != nil {
			return fmt.Errorf("list clients: %w", err)
		}
		rows, err := tx.QueryContext(ctx, `SELECT data FROM clients WHERE pool_id = ? AND client_id > ? ORDER BY client_id LIMIT ?`,
			poolID, after, limit+1)
		if err != nil {
			return fmt.Errorf("list clients: %w", err)
		}
		out, next, err = pageRows(rows, limit, scanData[store.Client], func(c store.Client) []string { return []string{c.ClientID} })
		return err
	})
	return out, next, err
}

func (s *Store) UpdateClient(ctx context.Context, poolID, clientID string, fn func(store.Client) (store.Client, error)) error {
	return s.write(ctx, func(tx *txq) error {
		old, err := one[store.Client](ctx, tx, fmt.Sprintf("update client %q", clientID),
			`SELECT data FROM clients WHERE client_id = ? AND pool_id = ?`, clientID, poolID)
		if err != nil {
			return err
		}
		out, err := fn(old)
		if err != nil {
			return fmt.Errorf("update client %q: %w", clientID, err)
		}
		if out.PoolID != poolID || out.ClientID != clientID {
			return fmt.Errorf("update client %q: identity changed: %w", clientID, store.ErrPrecondition)
		}
		data, err := encode(out)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE clients SET data = ? WHERE client_id = ?`, data, clientID); err != nil {
			return fmt.Errorf("update client %q: %w", clientID, err)
		}
		return nil
	})
}

func (s *Store) DeleteClient(ctx context.Context, poolID, clientID string) error {
	return s.write(ctx, func(tx *txq) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM clients WHERE client_id = ? AND pool_id = ?`, clientID, poolID)
		if err != nil {
			return fmt.Errorf("delete client %q: %w", clientID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = store.ErrNotFound
			}
			return fmt.Errorf("delete client %q: %w", clientID, err)
		}
		return nil
	})
}

// ---- signing keys ----

func (s *Store) GetKeys(ctx context.Context, poolID string) (store.KeySet, error) {
	return one[store.KeySet](ctx, s.rq, fmt.Sprintf("get keys for pool %q", poolID),
		`SELECT data FROM signing_keys WHERE pool_id = ?`, poolID)
}

func (s *Store) UpdateKeys(ctx context.Context, poolID string, fn func(store.KeySet) (store.KeySet, error)) error {
	return s.write(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, poolID); err != nil {
			return fmt.Errorf("update keys: %w", err)
		}
		in, err := one[store.KeySet](ctx, tx, "update keys", `SELECT data FROM signing_keys WHERE pool_id = ?`, poolID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			in = store.KeySet{PoolID: poolID}
		case err != nil:
			return err
		}
		out, err := fn(in)
		if err != nil {
			return fmt.Errorf("update keys for pool %q: %w", poolID, err)
		}
		if out.PoolID != poolID {
			return fmt.Errorf("update keys for pool %q: pool id changed: %w", poolID, store.ErrPrecondition)
		}
		data, err := encode(out)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO signing_keys (pool_id, data) VALUES (?, ?)
			ON CONFLICT (pool_id) DO UPDATE SET data = excluded.data`, poolID, data); err != nil {
			return fmt.Errorf("update keys for pool %q: %w", poolID, err)
		}
		return nil
	})
}

// ---- meta ----

func (s *Store) GetMeta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.rq.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("get meta %q: %w", key, store.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("get meta %q: %w", key, err)
	}
	return v, nil
}

func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	return s.write(ctx, func(tx *txq) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
			return fmt.Errorf("set meta %q: %w", key, err)
		}
		return nil
	})
}

func (s *Store) DeleteMeta(ctx context.Context, key string) error {
	return s.write(ctx, func(tx *txq) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, key); err != nil {
			return fmt.Errorf("delete meta %q: %w", key, err)
		}
		return nil
	})
}
