package store

import (
	"context"
	"fmt"
	"time"
)

// UserStore persists users. Usernames are unique per pool under the pool's
// case rule (NormalizeKey with PoolSettings.UsernameCaseInsensitive); subs
// are unique per pool; alias values (User.Aliases) are unique per pool and
// alias name under the same case rule. A write that would break any of these
// returns ErrConflict. Every method returns ErrNotFound when the pool does
// not exist.
type UserStore interface {
	// CreateUser stores u. u.PoolID, u.Username and u.Sub are required.
	CreateUser(ctx context.Context, u User) error
	// GetUser returns the user by username (matched with the pool's case rule).
	GetUser(ctx context.Context, poolID, username string) (User, error)
	// GetUserBySub returns the user with that sub.
	GetUserBySub(ctx context.Context, poolID, sub string) (User, error)
	// GetUserByAlias returns the user currently holding the alias
	// (name is email, phone_number or preferred_username).
	GetUserByAlias(ctx context.Context, poolID, name, value string) (User, error)
	// ListUsers lists users ordered by normalized username, optionally
	// filtered (see ParseFilter). ErrInvalid for an unsearchable attribute.
	ListUsers(ctx context.Context, poolID string, opts ListUsersOptions) (users []User, next string, err error)
	// CountUsers returns the number of users in the pool.
	CountUsers(ctx context.Context, poolID string) (int, error)
	// UpdateUser replaces the user with fn's result inside one transaction.
	// ErrPrecondition if fn changes PoolID, Username or Sub; ErrConflict if
	// the new Aliases collide with another user's.
	UpdateUser(ctx context.Context, poolID, username string, fn func(User) (User, error)) error
	// DeleteUser deletes the user, its group memberships and its refresh tokens.
	DeleteUser(ctx context.Context, poolID, username string) error
}

// ListUsersOptions selects a page of ListUsers.
type ListUsersOptions struct {
	ListOptions
	// Filter restricts the result; nil lists everybody.
	Filter *Filter
}

// UserStatus values (Cognito UserStatus).
const (
	StatusUnconfirmed         = "UNCONFIRMED"
	StatusConfirmed           = "CONFIRMED"
	StatusForceChangePassword = "FORCE_CHANGE_PASSWORD"
	StatusResetRequired       = "RESET_REQUIRED"
	StatusArchived            = "ARCHIVED"
	StatusCompromised         = "COMPROMISED"
	StatusUnknown             = "UNKNOWN"
	StatusExternalProvider    = "EXTERNAL_PROVIDER"
)

// User is one user of a pool. Everything except the identity and index
// fields is stored as one JSON document, so fields can be added freely.
type User struct {
	PoolID string `json:"poolId"`
	// Username is the immutable internal username, stored as given.
	Username string `json:"username"`
	// Sub is the user's UUID, immutable and unique in the pool.
	Sub     string `json:"sub"`
	Status  string `json:"status"`
	Enabled bool   `json:"enabled"`
	// Attributes in insertion order. Includes standard and custom:*
	// attributes; "sub" need not be repeated here.
	Attributes Attributes `json:"attributes,omitempty"`
	// Aliases are the sign-in aliases this user currently holds (name is
	// email, phone_number or preferred_username). The caller decides which
	// aliases are active (DeriveAliases implements Cognito's rule); the store
	// indexes them and enforces uniqueness.
	Aliases Attributes `json:"aliases,omitempty"`
	// Password material; the user-pools capability chooses the scheme.
	PasswordHash    []byte   `json:"passwordHash,omitempty"`
	SRPSalt         []byte   `json:"srpSalt,omitempty"`
	SRPVerifier     []byte   `json:"srpVerifier,omitempty"`
	PasswordHistory [][]byte `json:"passwordHistory,omitempty"`
	// TempPasswordExpiresAt is when a FORCE_CHANGE_PASSWORD password stops
	// working (zero = no expiry).
	TempPasswordExpiresAt time.Time `json:"tempPasswordExpiresAt,omitzero"`
	// Codes are outstanding one-time codes (hashed).
	Codes []Code `json:"codes,omitempty"`
	// Sign-in throttling state.
	FailedLogins      int       `json:"failedLogins,omitempty"`
	LastFailedLoginAt time.Time `json:"lastFailedLoginAt,omitzero"`
	LockedUntil       time.Time `json:"lockedUntil,omitzero"`
	// GlobalSignOutAt is the last global sign-out; tokens issued (auth_time)
	// before it are revoked.
	GlobalSignOutAt time.Time `json:"globalSignOutAt,omitzero"`
	// MFA state.
	PreferredMFA string    `json:"preferredMfa,omitempty"`
	EnabledMFA   []string  `json:"enabledMfa,omitempty"`
	TOTPSecret   []byte    `json:"totpSecret,omitempty"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
}

// Code purposes.
const (
	CodeSignUp         = "SIGN_UP"
	CodeForgotPassword = "FORGOT_PASSWORD"
	CodeVerifyAttr     = "VERIFY_ATTRIBUTE"
)

// Code is an outstanding confirmation / reset / verification code.
type Code struct {
	Purpose   string `json:"purpose"`
	Attribute string `json:"attribute,omitempty"` // for VERIFY_ATTRIBUTE
	// Hash of the code (the scheme is the caller's; compare in constant time).
	Hash      []byte    `json:"hash"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	Attempts  int       `json:"attempts,omitempty"`
}

// FindCode returns the index of the code with that purpose (and attribute,
// for VERIFY_ATTRIBUTE), or -1.
func (u User) FindCode(purpose, attribute string) int {
	for i, c := range u.Codes {
		if c.Purpose == purpose && c.Attribute == attribute {
			return i
		}
	}
	return -1
}

// Attribute is one name/value pair.
type Attribute struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Attributes is an ordered attribute map. Names are unique; Set keeps the
// position of an existing name and appends new ones.
type Attributes []Attribute

// Get returns the value of name and whether it is present.
func (a Attributes) Get(name string) (string, bool) {
	for _, at := range a {
		if at.Name == name {
			return at.Value, true
		}
	}
	return "", false
}

// Set returns a with name set to value.
func (a Attributes) Set(name, value string) Attributes {
	for i := range a {
		if a[i].Name == name {
			a[i].Value = value
			return a
		}
	}
	return append(a, Attribute{Name: name, Value: value})
}

// Delete returns a without name.
func (a Attributes) Delete(name string) Attributes {
	out := a[:0]
	for _, at := range a {
		if at.Name != name {
			out = append(out, at)
		}
	}
	return out
}

// AliasKey is one indexed alias: Name and the normalized value.
type AliasKey struct{ Name, Value string }

// AliasKeys validates u.Aliases and returns the keys a backend indexes them
// under (values through NormalizeKey). Empty names or values and repeated
// names wrap ErrInvalid.
func AliasKeys(u User, caseInsensitive bool) ([]AliasKey, error) {
	out := make([]AliasKey, 0, len(u.Aliases))
	for i, a := range u.Aliases {
		if a.Name == "" || a.Value == "" {
			return nil, fmt.Errorf("alias %q: empty name or value: %w", a.Name, ErrInvalid)
		}
		for _, b := range u.Aliases[:i] {
			if b.Name == a.Name {
				return nil, fmt.Errorf("alias %q: repeated: %w", a.Name, ErrInvalid)
			}
		}
		out = append(out, AliasKey{Name: a.Name, Value: NormalizeKey(a.Value, caseInsensitive)})
	}
	return out, nil
}
