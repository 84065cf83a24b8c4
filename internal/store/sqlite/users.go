package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Lookups that depend on the pool's case rule pass both spellings of the
// key and let the pool row choose, so one statement reads pool and user.
const userByKey = `SELECT p.case_insensitive, u.data FROM user_pools p
	LEFT JOIN users u ON u.pool_id = p.id
		AND u.user_key = CASE WHEN p.case_insensitive <> 0 THEN ? ELSE ? END
	WHERE p.id = ?`

// getUser reads a user by username within q. It distinguishes a missing
// pool from a missing user (both ErrNotFound).
func getUser(ctx context.Context, q queryer, poolID, username string) (store.User, bool, error) {
	var ci int
	var data sql.NullString
	err := q.QueryRowContext(ctx, userByKey, store.NormalizeKey(username, true), username, poolID).Scan(&ci, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, false, fmt.Errorf("pool %q: %w", poolID, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, false, fmt.Errorf("read user: %w", err)
	}
	if !data.Valid {
		return store.User{}, ci != 0, fmt.Errorf("user %q: %w", username, store.ErrNotFound)
	}
	u, err := decode[store.User](data.String)
	return u, ci != 0, err
}

// indexUser rewrites the alias and search rows of a user, checking alias
// uniqueness against other users.
func indexUser(ctx context.Context, tx queryer, u store.User, key string, ci bool) error {
	aliases, err := store.AliasKeys(u, ci)
	if err != nil {
		return err
	}
	for _, a := range aliases {
		var holder string
		err := tx.QueryRowContext(ctx, `SELECT user_key FROM user_aliases WHERE pool_id = ? AND name = ? AND value_key = ?`,
			u.PoolID, a.Name, a.Value).Scan(&holder)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("check alias: %w", err)
		case holder != key:
			return fmt.Errorf("alias %s: %w", a.Name, store.ErrConflict)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_aliases WHERE pool_id = ? AND user_key = ?`, u.PoolID, key); err != nil {
		return fmt.Errorf("clear aliases: %w", err)
	}
	for _, a := range aliases {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_aliases (pool_id, name, value_key, user_key) VALUES (?, ?, ?, ?)`,
			u.PoolID, a.Name, a.Value, key); err != nil {
			if isUnique(err) {
				return fmt.Errorf("alias %s: %w", a.Name, store.ErrConflict)
			}
			return fmt.Errorf("index alias: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_search WHERE pool_id = ? AND user_key = ?`, u.PoolID, key); err != nil {
		return fmt.Errorf("clear search index: %w", err)
	}
	for _, a := range store.SearchValues(u, ci) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_search (pool_id, user_key, attr, value) VALUES (?, ?, ?, ?)`,
			u.PoolID, key, a.Name, a.Value); err != nil {
			return fmt.Errorf("index search value: %w", err)
		}
	}
	return nil
}

func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if u.Username == "" || u.Sub == "" {
		return fmt.Errorf("create user: empty username or sub: %w", store.ErrInvalid)
	}
	data, err := encode(u)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *txq) error {
		ci, err := poolCI(ctx, tx, u.PoolID)
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		key := store.NormalizeKey(u.Username, ci)
		if ok, err := exists(ctx, tx, `SELECT 1 FROM users WHERE pool_id = ? AND user_key = ?`, u.PoolID, key); err != nil || ok {
			if err == nil {
				err = store.ErrConflict
			}
			return fmt.Errorf("create user %q: %w", u.Username, err)
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM users WHERE pool_id = ? AND sub = ?`, u.PoolID, u.Sub); err != nil || ok {
			if err == nil {
				err = store.ErrConflict
			}
			return fmt.Errorf("create user %q: sub: %w", u.Username, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO users (pool_id, user_key, sub, data) VALUES (?, ?, ?, ?)`,
			u.PoolID, key, u.Sub, data); err != nil {
			if isUnique(err) {
				return fmt.Errorf("create user %q: %w", u.Username, store.ErrConflict)
			}
			return fmt.Errorf("create user %q: %w", u.Username, err)
		}
		if err := indexUser(ctx, tx, u, key, ci); err != nil {
			return fmt.Errorf("create user %q: %w", u.Username, err)
		}
		return nil
	})
}

func (s *Store) GetUser(ctx context.Context, poolID, username string) (store.User, error) {
	u, _, err := getUser(ctx, s.rq, poolID, username)
	if err != nil {
		return store.User{}, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

func (s *Store) GetUserBySub(ctx context.Context, poolID, sub string) (store.User, error) {
	var u store.User
	err := s.read(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, poolID); err != nil {
			return err
		}
		var err error
		u, err = one[store.User](ctx, tx, "user", `SELECT data FROM users WHERE pool_id = ? AND sub = ?`, poolID, sub)
		return err
	})
	if err != nil {
		return store.User{}, fmt.Errorf("get user by sub: %w", err)
	}
	return u, nil
}

func (s *Store) GetUserByAlias(ctx context.Context, poolID, name, value string) (store.User, error) {
	var u store.User
	err := s.read(ctx, func(tx *txq) error {
		ci, err := poolCI(ctx, tx, poolID)
		if err != nil {
			return err
		}
		u, err = one[store.User](ctx, tx, "user", `SELECT u.data FROM user_aliases a
			JOIN users u ON u.pool_id = a.pool_id AND u.user_key = a.user_key
			WHERE a.pool_id = ? AND a.name = ? AND a.value_key = ?`, poolID, name, store.NormalizeKey(value, ci))
		return err
	})
	if err != nil {
		return store.User{}, fmt.Errorf("get user by alias %s: %w", name, err)
	}
	return u, nil
}

// userPageKey is the cursor of a user in a list ordered by user_key.
type keyedUser struct {
	key  string
	user store.User
}

func scanKeyedUser(rows *sql.Rows) (keyedUser, error) {
	var k keyedUser
	var data string
	if err := rows.Scan(&k.key, &data); err != nil {
		return k, fmt.Errorf("scan: %w", err)
	}
	u, err := decode[store.User](data)
	k.user = u
	return k, err
}

func unkey(ks []keyedUser) []store.User {
	out := make([]store.User, len(ks))
	for i, k := range ks {
		out[i] = k.user
	}
	return out
}

func (s *Store) ListUsers(ctx context.Context, poolID string, opts store.ListUsersOptions) ([]store.User, string, error) {
	if opts.Filter != nil && !store.IsSearchable(opts.Filter.Attribute) {
		return nil, "", fmt.Errorf("list users: attribute %q not searchable: %w", opts.Filter.Attribute, store.ErrInvalid)
	}
	after, err := afterKey(opts.Token)
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	limit := opts.PageLimit()
	var out []keyedUser
	var next string
	err = s.read(ctx, func(tx *txq) error {
		ci, err := poolCI(ctx, tx, poolID)
		if err != nil {
			return err
		}
		query := `SELECT u.user_key, u.data FROM users u WHERE u.pool_id = ? AND u.user_key > ? ORDER BY u.user_key LIMIT ?`
		args := []any{poolID, after, limit + 1}
		if f := opts.Filter; f != nil {
			want := f.SearchKey(ci)
			cond := `s.value = ?`
			cargs := []any{want}
			if f.Prefix {
				// Range first so the index narrows the scan; substr makes it exact.
				cond = `s.value >= ? AND substr(s.value, 1, ?) = ?`
				cargs = []any{want, utf8.RuneCountInString(want), want}
			}
			query = `SELECT u.user_key, u.data FROM users u
				JOIN user_search s ON s.pool_id = u.pool_id AND s.user_key = u.user_key AND s.attr = ? AND ` + cond + `
				WHERE u.pool_id = ? AND u.user_key > ? ORDER BY u.user_key LIMIT ?`
			args = append(append([]any{f.Attribute}, cargs...), poolID, after, limit+1)
		}
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		out, next, err = pageRows(rows, limit, scanKeyedUser, func(k keyedUser) []string { return []string{k.key} })
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	return unkey(out), next, nil
}

func (s *Store) CountUsers(ctx context.Context, poolID string) (int, error) {
	var n int
	err := s.read(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, poolID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE pool_id = ?`, poolID).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

func (s *Store) UpdateUser(ctx context.Context, poolID, username string, fn func(store.User) (store.User, error)) error {
	return s.write(ctx, func(tx *txq) error {
		old, ci, err := getUser(ctx, tx, poolID, username)
		if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		out, err := fn(old)
		if err != nil {
			return fmt.Errorf("update user %q: %w", username, err)
		}
		if out.PoolID != poolID || out.Username != old.Username || out.Sub != old.Sub {
			return fmt.Errorf("update user %q: identity changed: %w", username, store.ErrPrecondition)
		}
		data, err := encode(out)
		if err != nil {
			return err
		}
		key := store.NormalizeKey(old.Username, ci)
		if _, err := tx.ExecContext(ctx, `UPDATE users SET data = ? WHERE pool_id = ? AND user_key = ?`, data, poolID, key); err != nil {
			return fmt.Errorf("update user %q: %w", username, err)
		}
		if err := indexUser(ctx, tx, out, key, ci); err != nil {
			return fmt.Errorf("update user %q: %w", username, err)
		}
		return nil
	})
}

func (s *Store) DeleteUser(ctx context.Context, poolID, username string) error {
	return s.write(ctx, func(tx *txq) error {
		u, ci, err := getUser(ctx, tx, poolID, username)
		if err != nil {
			return fmt.Errorf("delete user: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE pool_id = ? AND sub = ?`, poolID, u.Sub); err != nil {
			return fmt.Errorf("delete user %q: tokens: %w", username, err)
		}
		// Aliases, search rows and memberships cascade.
		if _, err := tx.ExecContext(ctx, `DELETE FROM users WHERE pool_id = ? AND user_key = ?`,
			poolID, store.NormalizeKey(u.Username, ci)); err != nil {
			return fmt.Errorf("delete user %q: %w", username, err)
		}
		return nil
	})
}
