package store

import (
	"context"
	"time"
)

// ClientStore persists app clients. Client IDs are unique across all pools,
// because InitiateAuth and friends address a client without its pool.
// Deleting a client deletes its refresh tokens.
type ClientStore interface {
	// CreateClient stores c. ErrNotFound if c.PoolID does not exist;
	// ErrConflict if c.ClientID exists (in any pool).
	CreateClient(ctx context.Context, c Client) error
	// GetClient returns the client of that pool, or ErrNotFound (also when the
	// client exists in another pool).
	GetClient(ctx context.Context, poolID, clientID string) (Client, error)
	// FindClient returns a client by ID alone, or ErrNotFound.
	FindClient(ctx context.Context, clientID string) (Client, error)
	// ListClients lists a pool's clients ordered by ClientID. ErrNotFound if
	// the pool does not exist.
	ListClients(ctx context.Context, poolID string, opts ListOptions) (clients []Client, next string, err error)
	// UpdateClient replaces the client with fn's result inside one
	// transaction. ErrPrecondition if fn changes PoolID or ClientID.
	UpdateClient(ctx context.Context, poolID, clientID string, fn func(Client) (Client, error)) error
	// DeleteClient deletes the client and its refresh tokens.
	DeleteClient(ctx context.Context, poolID, clientID string) error
}

// Client is a user-pool app client. Everything except the identity fields
// is stored as one JSON document, so fields can be added freely.
type Client struct {
	PoolID   string `json:"poolId"`
	ClientID string `json:"clientId"` // 26 chars [a-z0-9], see NewClientID
	Name     string `json:"name"`
	// Secret is the client secret ("" = public client). Cognito returns it
	// from DescribeUserPoolClient, so it is stored recoverable; never log it.
	Secret            string   `json:"secret,omitempty"`
	ExplicitAuthFlows []string `json:"explicitAuthFlows,omitempty"`
	// Token validities in TokenValidityUnits (0 = Cognito default).
	AccessTokenValidity  int64              `json:"accessTokenValidity,omitempty"`
	IDTokenValidity      int64              `json:"idTokenValidity,omitempty"`
	RefreshTokenValidity int64              `json:"refreshTokenValidity,omitempty"`
	TokenValidityUnits   TokenValidityUnits `json:"tokenValidityUnits"`
	// AuthSessionValidity is the challenge-session lifetime in minutes (3..15).
	AuthSessionValidity int      `json:"authSessionValidity,omitempty"`
	ReadAttributes      []string `json:"readAttributes,omitempty"`
	WriteAttributes     []string `json:"writeAttributes,omitempty"`
	// OAuth settings.
	AllowedOAuthFlows               []string `json:"allowedOAuthFlows,omitempty"`
	AllowedOAuthScopes              []string `json:"allowedOAuthScopes,omitempty"`
	AllowedOAuthFlowsUserPoolClient bool     `json:"allowedOAuthFlowsUserPoolClient,omitempty"`
	CallbackURLs                    []string `json:"callbackURLs,omitempty"`
	LogoutURLs                      []string `json:"logoutURLs,omitempty"`
	DefaultRedirectURI              string   `json:"defaultRedirectURI,omitempty"`
	SupportedIdentityProviders      []string `json:"supportedIdentityProviders,omitempty"`
	// PreventUserExistenceErrors is LEGACY or ENABLED.
	PreventUserExistenceErrors string    `json:"preventUserExistenceErrors,omitempty"`
	EnableTokenRevocation      bool      `json:"enableTokenRevocation"`
	CreatedAt                  time.Time `json:"createdAt"`
	UpdatedAt                  time.Time `json:"updatedAt"`
}

// TokenValidityUnits gives the unit of each validity: seconds, minutes,
// hours or days ("" = Cognito default: hours for access/ID, days for refresh).
type TokenValidityUnits struct {
	AccessToken  string `json:"accessToken,omitempty"`
	IDToken      string `json:"idToken,omitempty"`
	RefreshToken string `json:"refreshToken,omitempty"`
}
