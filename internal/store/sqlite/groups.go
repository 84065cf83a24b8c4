package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/store"
)

func (s *Store) CreateGroup(ctx context.Context, g store.Group) error {
	if g.Name == "" {
		return fmt.Errorf("create group: empty name: %w", store.ErrInvalid)
	}
	data, err := encode(g)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, g.PoolID); err != nil {
			return fmt.Errorf("create group: %w", err)
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM pool_groups WHERE pool_id = ? AND name = ?`, g.PoolID, g.Name); err != nil || ok {
			if err == nil {
				err = store.ErrConflict
			}
			return fmt.Errorf("create group %q: %w", g.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO pool_groups (pool_id, name, precedence_key, data) VALUES (?, ?, ?, ?)`,
			g.PoolID, g.Name, g.PrecedenceKey(), data); err != nil {
			return fmt.Errorf("create group %q: %w", g.Name, err)
		}
		return nil
	})
}

func (s *Store) GetGroup(ctx context.Context, poolID, name string) (store.Group, error) {
	var g store.Group
	err := s.read(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, poolID); err != nil {
			return err
		}
		var err error
		g, err = one[store.Group](ctx, tx, fmt.Sprintf("group %q", name), `SELECT data FROM pool_groups WHERE pool_id = ? AND name = ?`, poolID, name)
		return err
	})
	if err != nil {
		return store.Group{}, fmt.Errorf("get group: %w", err)
	}
	return g, nil
}

func (s *Store) ListGroups(ctx context.Context, poolID string, opts store.ListOptions) ([]store.Group, string, error) {
	after, err := afterKey(opts.Token)
	if err != nil {
		return nil, "", fmt.Errorf("list groups: %w", err)
	}
	limit := opts.PageLimit()
	var out []store.Group
	var next string
	err = s.read(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, poolID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT data FROM pool_groups WHERE pool_id = ? AND name > ? ORDER BY name LIMIT ?`,
			poolID, after, limit+1)
		if err != nil {
			return err
		}
		out, next, err = pageRows(rows, limit, scanData[store.Group], func(g store.Group) []string { return []string{g.Name} })
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list groups: %w", err)
	}
	return out, next, nil
}

func (s *Store) UpdateGroup(ctx context.Context, poolID, name string, fn func(store.Group) (store.Group, error)) error {
	return s.write(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, poolID); err != nil {
			return fmt.Errorf("update group: %w", err)
		}
		old, err := one[store.Group](ctx, tx, fmt.Sprintf("update group %q", name), `SELECT data FROM pool_groups WHERE pool_id = ? AND name = ?`, poolID, name)
		if err != nil {
			return err
		}
		out, err := fn(old)
		if err != nil {
			return fmt.Errorf("update group %q: %w", name, err)
		}
		if out.PoolID != poolID || out.Name != name {
			return fmt.Errorf("update group %q: identity changed: %w", name, store.ErrPrecondition)
		}
		data, err := encode(out)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pool_groups SET precedence_key = ?, data = ? WHERE pool_id = ? AND name = ?`,
			out.PrecedenceKey(), data, poolID, name); err != nil {
			return fmt.Errorf("update group %q: %w", name, err)
		}
		return nil
	})
}

func (s *Store) DeleteGroup(ctx context.Context, poolID, name string) error {
	return s.write(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, poolID); err != nil {
			return fmt.Errorf("delete group: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM pool_groups WHERE pool_id = ? AND name = ?`, poolID, name)
		if err != nil {
			return fmt.Errorf("delete group %q: %w", name, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = store.ErrNotFound
			}
			return fmt.Errorf("delete group %q: %w", name, err)
		}
		return nil
	})
}

// memberKey resolves the group and user of a membership operation.
func memberKey(ctx context.Context, tx queryer, poolID, group, username string) (string, error) {
	u, ci, err := getUser(ctx, tx, poolID, username)
	if err != nil {
		return "", err
	}
	if ok, err := exists(ctx, tx, `SELECT 1 FROM pool_groups WHERE pool_id = ? AND name = ?`, poolID, group); err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("group %q: %w", group, store.ErrNotFound)
		}
		return "", err
	}
	return store.NormalizeKey(u.Username, ci), nil
}

func (s *Store) AddUserToGroup(ctx context.Context, poolID, group, username string) error {
	return s.write(ctx, func(tx *txq) error {
		key, err := memberKey(ctx, tx, poolID, group, username)
		if err != nil {
			return fmt.Errorf("add user to group: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_members (pool_id, group_name, user_key) VALUES (?, ?, ?)
			ON CONFLICT DO NOTHING`, poolID, group, key); err != nil {
			if isForeignKey(err) {
				err = store.ErrNotFound
			}
			return fmt.Errorf("add user to group: %w", err)
		}
		return nil
	})
}

func (s *Store) RemoveUserFromGroup(ctx context.Context, poolID, group, username string) error {
	return s.write(ctx, func(tx *txq) error {
		key, err := memberKey(ctx, tx, poolID, group, username)
		if err != nil {
			return fmt.Errorf("remove user from group: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE pool_id = ? AND group_name = ? AND user_key = ?`,
			poolID, group, key); err != nil {
			return fmt.Errorf("remove user from group: %w", err)
		}
		return nil
	})
}

type orderedGroup struct {
	prec  int64
	group store.Group
}

func (s *Store) ListGroupsForUser(ctx context.Context, poolID, username string, opts store.ListOptions) ([]store.Group, string, error) {
	cur, err := store.DecodeCursor(opts.Token, 2)
	if err != nil {
		return nil, "", fmt.Errorf("list groups for user: %w", err)
	}
	var curPrec int64
	if cur != nil {
		if curPrec, err = strconv.ParseInt(cur[0], 10, 64); err != nil {
			return nil, "", fmt.Errorf("list groups for user: decode page token: %w", store.ErrInvalid)
		}
	}
	limit := opts.PageLimit()
	var out []orderedGroup
	var next string
	err = s.read(ctx, func(tx *txq) error {
		u, ci, err := getUser(ctx, tx, poolID, username)
		if err != nil {
			return err
		}
		query := `SELECT g.precedence_key, g.data FROM group_members m
			JOIN pool_groups g ON g.pool_id = m.pool_id AND g.name = m.group_name
			WHERE m.pool_id = ? AND m.user_key = ?`
		args := []any{poolID, store.NormalizeKey(u.Username, ci)}
		if cur != nil {
			query += ` AND (g.precedence_key > ? OR (g.precedence_key = ? AND g.name > ?))`
			args = append(args, curPrec, curPrec, cur[1])
		}
		query += ` ORDER BY g.precedence_key, g.name LIMIT ?`
		args = append(args, limit+1)
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		out, next, err = pageRows(rows, limit, func(rows *sql.Rows) (orderedGroup, error) {
			var o orderedGroup
			var data string
			if err := rows.Scan(&o.prec, &data); err != nil {
				return o, fmt.Errorf("scan: %w", err)
			}
			o.group, err = decode[store.Group](data)
			return o, err
		}, func(o orderedGroup) []string { return []string{strconv.FormatInt(o.prec, 10), o.group.Name} })
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list groups for user: %w", err)
	}
	groups := make([]store.Group, len(out))
	for i, o := range out {
		groups[i] = o.group
	}
	return groups, next, nil
}

func (s *Store) ListUsersInGroup(ctx context.Context, poolID, group string, opts store.ListOptions) ([]store.User, string, error) {
	after, err := afterKey(opts.Token)
	if err != nil {
		return nil, "", fmt.Errorf("list users in group: %w", err)
	}
	limit := opts.PageLimit()
	var out []keyedUser
	var next string
	err = s.read(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, poolID); err != nil {
			return err
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM pool_groups WHERE pool_id = ? AND name = ?`, poolID, group); err != nil || !ok {
			if err == nil {
				err = fmt.Errorf("group %q: %w", group, store.ErrNotFound)
			}
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT u.user_key, u.data FROM group_members m
			JOIN users u ON u.pool_id = m.pool_id AND u.user_key = m.user_key
			WHERE m.pool_id = ? AND m.group_name = ? AND m.user_key > ?
			ORDER BY m.user_key LIMIT ?`, poolID, group, after, limit+1)
		if err != nil {
			return err
		}
		out, next, err = pageRows(rows, limit, scanKeyedUser, func(k keyedUser) []string { return []string{k.key} })
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list users in group: %w", err)
	}
	return unkey(out), next, nil
}
