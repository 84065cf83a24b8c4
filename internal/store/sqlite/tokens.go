package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Refresh-token revocation state lives in the revoked/revoked_at columns,
// which are authoritative over the JSON document (so a family can be
// revoked with one UPDATE).

func (s *Store) CreateRefreshToken(ctx context.Context, t store.RefreshToken) error {
	if len(t.Hash) == 0 {
		return fmt.Errorf("create refresh token: empty hash: %w", store.ErrInvalid)
	}
	data, err := encode(t)
	if err != nil {
		return err
	}
	var revokedAt any
	if t.Revoked {
		revokedAt = nanos(t.RevokedAt)
	}
	return s.write(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, t.PoolID); err != nil {
			return fmt.Errorf("create refresh token: %w", err)
		}
		if ok, err := exists(ctx, tx, `SELECT 1 FROM clients WHERE client_id = ? AND pool_id = ?`, t.ClientID, t.PoolID); err != nil || !ok {
			if err == nil {
				err = store.ErrNotFound
			}
			return fmt.Errorf("create refresh token: client: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens
			(hash, pool_id, client_id, sub, origin_jti, expires_at, revoked, revoked_at, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.Hash, t.PoolID, t.ClientID, t.Sub, t.OriginJTI, nanos(t.ExpiresAt), boolInt(t.Revoked), revokedAt, data)
		switch {
		case isUnique(err):
			return fmt.Errorf("create refresh token: %w", store.ErrConflict)
		case isForeignKey(err): // pool or client deleted concurrently
			return fmt.Errorf("create refresh token: %w", store.ErrNotFound)
		case err != nil:
			return fmt.Errorf("create refresh token: %w", err)
		}
		return nil
	})
}

func (s *Store) GetRefreshToken(ctx context.Context, hash []byte) (store.RefreshToken, error) {
	var data string
	var revoked int
	var revokedAt sql.NullInt64
	err := s.rq.QueryRowContext(ctx, `SELECT data, revoked, revoked_at FROM refresh_tokens WHERE hash = ?`, hash).
		Scan(&data, &revoked, &revokedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return store.RefreshToken{}, fmt.Errorf("get refresh token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.RefreshToken{}, fmt.Errorf("get refresh token: %w", err)
	}
	t, err := decode[store.RefreshToken](data)
	if err != nil {
		return t, err
	}
	t.Revoked, t.RevokedAt = revoked != 0, time.Time{}
	if t.Revoked && revokedAt.Valid {
		t.RevokedAt = fromNanos(revokedAt.Int64)
	}
	return t, nil
}

func (s *Store) RevokeRefreshToken(ctx context.Context, hash []byte, at time.Time) error {
	return s.write(ctx, func(tx *txq) error {
		var poolID, origin string
		err := tx.QueryRowContext(ctx, `SELECT pool_id, origin_jti FROM refresh_tokens WHERE hash = ?`, hash).Scan(&poolID, &origin)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("revoke refresh token: %w", store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("revoke refresh token: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked = 1, revoked_at = ?
			WHERE revoked = 0 AND (hash = ? OR (origin_jti <> '' AND pool_id = ? AND origin_jti = ?))`,
			nanos(at), hash, poolID, origin); err != nil {
			return fmt.Errorf("revoke refresh token: %w", err)
		}
		return nil
	})
}

func (s *Store) RevokeUserRefreshTokens(ctx context.Context, poolID, sub string, at time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *txq) error {
		if _, err := poolCI(ctx, tx, poolID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET revoked = 1, revoked_at = ?
			WHERE pool_id = ? AND sub = ? AND revoked = 0`, nanos(at), poolID, sub)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("revoke user refresh tokens: %w", err)
	}
	return int(n), nil
}

func (s *Store) IsOriginRevoked(ctx context.Context, poolID, originJTI string) (bool, error) {
	ok, err := exists(ctx, s.rq, `SELECT 1 FROM refresh_tokens WHERE pool_id = ? AND origin_jti = ? AND revoked = 1 LIMIT 1`, poolID, originJTI)
	if err != nil {
		return false, fmt.Errorf("is origin revoked: %w", err)
	}
	return ok, nil
}

func (s *Store) DeleteExpiredRefreshTokens(ctx context.Context, now time.Time) (int, error) {
	return s.deleteExpired(ctx, "refresh_tokens", now)
}

// deleteExpired removes rows of table (a constant) with expires_at <= now.
func (s *Store) deleteExpired(ctx context.Context, table string, now time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *txq) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE expires_at <= ?`, nanos(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired %s: %w", table, err)
	}
	return int(n), nil
}

func (s *Store) CreateSession(ctx context.Context, ss store.AuthSession) error {
	if ss.ID == "" {
		return fmt.Errorf("create session: empty id: %w", store.ErrInvalid)
	}
	data, err := encode(ss)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *txq) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO auth_sessions (id, pool_id, expires_at, data) VALUES (?, ?, ?, ?)`,
			ss.ID, ss.PoolID, nanos(ss.ExpiresAt), data)
		switch {
		case isUnique(err):
			return fmt.Errorf("create session: %w", store.ErrConflict)
		case err != nil:
			return fmt.Errorf("create session: %w", err)
		}
		return nil
	})
}

func (s *Store) TakeSession(ctx context.Context, id string, now time.Time) (store.AuthSession, error) {
	var data string
	var exp int64
	err := s.write(ctx, func(tx *txq) error {
		// One statement reads and deletes, so only one caller can get the row.
		return tx.QueryRowContext(ctx, `DELETE FROM auth_sessions WHERE id = ? RETURNING data, expires_at`, id).Scan(&data, &exp)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return store.AuthSession{}, fmt.Errorf("take session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.AuthSession{}, fmt.Errorf("take session: %w", err)
	}
	if exp <= nanos(now) {
		return store.AuthSession{}, fmt.Errorf("take session: expired: %w", store.ErrNotFound)
	}
	return decode[store.AuthSession](data)
}

func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	return s.deleteExpired(ctx, "auth_sessions", now)
}
