package store

import (
	"context"
	"time"
)

// KeyStore persists each pool's signing key set. Rotation happens inside
// UpdateKeys so two processes sharing the store cannot both rotate.
type KeyStore interface {
	// GetKeys returns the pool's key set; ErrNotFound if the pool has none
	// (or the pool does not exist).
	GetKeys(ctx context.Context, poolID string) (KeySet, error)
	// UpdateKeys runs fn on the current key set (an empty KeySet with PoolID
	// set when none exists) inside one transaction and stores the result.
	// ErrNotFound if the pool does not exist; ErrPrecondition if fn changes
	// PoolID.
	UpdateKeys(ctx context.Context, poolID string, fn func(KeySet) (KeySet, error)) error
}

// KeySet is a pool's signing keys, current and retired.
type KeySet struct {
	PoolID    string       `json:"poolId"`
	Keys      []SigningKey `json:"keys,omitempty"`
	UpdatedAt time.Time    `json:"updatedAt"`
}

// SigningKey is one private key. Never log PrivateKey.
type SigningKey struct {
	KID string `json:"kid"`
	Alg string `json:"alg"` // RS256
	// Use says what the key signs ("id", "access", "refresh", ...).
	Use string `json:"use,omitempty"`
	// PrivateKey is the encoded private key (PKCS#8 DER or PEM, caller's choice).
	PrivateKey []byte    `json:"privateKey"`
	CreatedAt  time.Time `json:"createdAt"`
	// RetiredAt: the key stops signing (zero = active).
	RetiredAt time.Time `json:"retiredAt,omitzero"`
	// NotAfter: the key leaves the JWKS, once no token it signed can be valid
	// (zero = keep).
	NotAfter time.Time `json:"notAfter,omitzero"`
}
