package store

import "context"

// MetaStore is a tiny key/value store for process-level facts. Secrets (the
// admin token, keys) do not belong here.
type MetaStore interface {
	// GetMeta returns the value or ErrNotFound.
	GetMeta(ctx context.Context, key string) (string, error)
	// SetMeta creates or replaces the value.
	SetMeta(ctx context.Context, key, value string) error
	// DeleteMeta removes the key; deleting a missing key is a no-op.
	DeleteMeta(ctx context.Context, key string) error
}
