package store

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Page sizes applied by every backend.
const (
	// DefaultPageSize is used when ListOptions.Limit is 0 or negative
	// (Cognito's default and maximum for most list operations is 60).
	DefaultPageSize = 60
	// MaxPageSize caps ListOptions.Limit.
	MaxPageSize = 1000
)

// ListOptions selects one page of a list.
type ListOptions struct {
	// Limit is the maximum number of items; <= 0 means DefaultPageSize and
	// values above MaxPageSize are capped.
	Limit int
	// Token is the opaque next-page token returned by the previous call, or
	// "" for the first page.
	Token string
}

// PageLimit returns the effective limit for o.
func (o ListOptions) PageLimit() int {
	switch {
	case o.Limit <= 0:
		return DefaultPageSize
	case o.Limit > MaxPageSize:
		return MaxPageSize
	}
	return o.Limit
}

// maxTokenLen bounds page tokens accepted from clients.
const maxTokenLen = 4096

// EncodeCursor turns the sort key of the last item of a page into an opaque
// next-page token. Backends use it so tokens are portable between them.
func EncodeCursor(key ...string) string {
	b, err := json.Marshal(key)
	if err != nil { // []string always marshals
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reverses EncodeCursor. It returns nil for "" and an error
// wrapping ErrInvalid when the token is malformed or does not have exactly
// parts components.
func DecodeCursor(token string, parts int) ([]string, error) {
	if token == "" {
		return nil, nil
	}
	if len(token) > maxTokenLen {
		return nil, fmt.Errorf("page token too long: %w", ErrInvalid)
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, fmt.Errorf("decode page token: %w", ErrInvalid)
	}
	var key []string
	if err := json.Unmarshal(b, &key); err != nil || len(key) != parts {
		return nil, fmt.Errorf("decode page token: %w", ErrInvalid)
	}
	return key, nil
}
