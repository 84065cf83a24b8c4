package store

import (
	"context"
	"crypto/sha256"
	"time"
)

// TokenStore persists refresh tokens (by hash) and short-lived auth
// sessions. Refresh tokens are removed with their pool, client or user.
type TokenStore interface {
	// CreateRefreshToken stores t. ErrConflict if t.Hash exists; ErrNotFound
	// if the pool or client does not exist.
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// GetRefreshToken returns the token with that hash (revoked or not,
	// expired or not: the caller judges) or ErrNotFound.
	GetRefreshToken(ctx context.Context, hash []byte) (RefreshToken, error)
	// RevokeRefreshToken marks the token and every token of its family
	// (same pool and OriginJTI) revoked at `at`. ErrNotFound if absent.
	// Revoking twice is not an error; the first RevokedAt is kept.
	RevokeRefreshToken(ctx context.Context, hash []byte, at time.Time) error
	// RevokeUserRefreshTokens revokes all of a user's tokens in the pool
	// (GlobalSignOut) and returns how many were newly revoked.
	RevokeUserRefreshTokens(ctx context.Context, poolID, sub string, at time.Time) (int, error)
	// IsOriginRevoked reports whether any token of the family is revoked,
	// so access/ID tokens carrying that origin_jti can be rejected. A family
	// with no stored token is reported as not revoked.
	IsOriginRevoked(ctx context.Context, poolID, originJTI string) (bool, error)
	// DeleteExpiredRefreshTokens removes tokens with ExpiresAt <= now.
	DeleteExpiredRefreshTokens(ctx context.Context, now time.Time) (int, error)

	// CreateSession stores s. ErrConflict if s.ID exists.
	CreateSession(ctx context.Context, s AuthSession) error
	// TakeSession atomically returns and deletes the session: of several
	// concurrent callers at most one gets it. A session whose ExpiresAt <=
	// now is deleted and reported as ErrNotFound.
	TakeSession(ctx context.Context, id string, now time.Time) (AuthSession, error)
	// DeleteExpiredSessions removes sessions with ExpiresAt <= now.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}

// RefreshToken is the server-side state of one opaque refresh token.
type RefreshToken struct {
	// Hash is HashToken(token): the raw token is never stored.
	Hash      []byte    `json:"hash"`
	PoolID    string    `json:"poolId"`
	ClientID  string    `json:"clientId"`
	Sub       string    `json:"sub"`
	Username  string    `json:"username"`
	OriginJTI string    `json:"originJti"`
	AuthTime  time.Time `json:"authTime"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	Revoked   bool      `json:"revoked,omitempty"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
}

// AuthSession is a single-use challenge session (SRP PASSWORD_VERIFIER,
// NEW_PASSWORD_REQUIRED, ...). ID should be a hash of, or a random value
// unrelated to, anything secret; Payload is opaque to the store.
type AuthSession struct {
	ID        string    `json:"id"`
	PoolID    string    `json:"poolId,omitempty"`
	Payload   []byte    `json:"payload,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// HashToken returns the storage key of an opaque token (SHA-256).
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
