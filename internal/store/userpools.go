package store

import (
	"context"
	"time"
)

// UserPoolStore persists user pools. DeleteUserPool cascades to everything
// the pool owns: clients, users, groups, memberships, refresh tokens, auth
// sessions bound to the pool and signing keys.
type UserPoolStore interface {
	// CreateUserPool stores p. ErrConflict if p.ID exists.
	CreateUserPool(ctx context.Context, p UserPool) error
	// GetUserPool returns the pool or ErrNotFound.
	GetUserPool(ctx context.Context, id string) (UserPool, error)
	// ListUserPools lists pools ordered by ID.
	ListUserPools(ctx context.Context, opts ListOptions) (pools []UserPool, next string, err error)
	// UpdateUserPool replaces the pool with fn's result inside one
	// transaction. ErrNotFound if absent; ErrPrecondition if fn changes ID.
	UpdateUserPool(ctx context.Context, id string, fn func(UserPool) (UserPool, error)) error
	// DeleteUserPool deletes the pool and everything it owns. ErrNotFound if absent.
	DeleteUserPool(ctx context.Context, id string) error
}

// UserPool is a Cognito-style user pool. ID has Cognito's form
// `{region}_{9 alphanumerics}` (see NewUserPoolID).
type UserPool struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Settings  PoolSettings `json:"settings"`
	CreatedAt time.Time    `json:"createdAt"`
	UpdatedAt time.Time    `json:"updatedAt"`
}

// PoolSettings is everything configurable on a pool. Backends store it as
// one JSON document, so fields can be added without a schema migration; the
// only field a backend interprets is UsernameCaseInsensitive.
type PoolSettings struct {
	PasswordPolicy PasswordPolicy `json:"passwordPolicy"`
	// UsernameAttributes (email, phone_number) makes those values the sign-in
	// identifier; AliasAttributes (email, phone_number, preferred_username)
	// allows them as aliases. Mutually exclusive, immutable after creation.
	UsernameAttributes []string `json:"usernameAttributes,omitempty"`
	AliasAttributes    []string `json:"aliasAttributes,omitempty"`
	// UsernameCaseInsensitive mirrors UsernameConfiguration.CaseSensitive=false.
	// The zero value is Cognito's API default (case sensitive). Backends key
	// usernames and alias values with NormalizeKey(value, this flag). It must
	// not change after users exist.
	UsernameCaseInsensitive bool     `json:"usernameCaseInsensitive,omitempty"`
	AutoVerifiedAttributes  []string `json:"autoVerifiedAttributes,omitempty"`
	// Schema holds the pool's attribute schema (standard and custom:*).
	Schema              []SchemaAttribute     `json:"schema,omitempty"`
	MFA                 MFAConfig             `json:"mfa"`
	Lambda              LambdaConfig          `json:"lambda"`
	Tokens              TokenSettings         `json:"tokens"`
	AdminCreateUser     AdminCreateUserConfig `json:"adminCreateUser"`
	AccountRecovery     []RecoveryOption      `json:"accountRecovery,omitempty"`
	VerificationMessage MessageTemplate       `json:"verificationMessage"`
	InvitationMessage   MessageTemplate       `json:"invitationMessage"`
	// PreventUserExistenceErrors is the pool-level default (LEGACY|ENABLED)
	// for clients that do not set their own.
	PreventUserExistenceErrors string `json:"preventUserExistenceErrors,omitempty"`
	// DeletionProtection is ACTIVE or INACTIVE.
	DeletionProtection string            `json:"deletionProtection,omitempty"`
	Domain             string            `json:"domain,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
}

// PasswordPolicy mirrors Cognito's Policies.PasswordPolicy.
type PasswordPolicy struct {
	MinimumLength                 int  `json:"minimumLength"`
	RequireUppercase              bool `json:"requireUppercase"`
	RequireLowercase              bool `json:"requireLowercase"`
	RequireNumbers                bool `json:"requireNumbers"`
	RequireSymbols                bool `json:"requireSymbols"`
	TemporaryPasswordValidityDays int  `json:"temporaryPasswordValidityDays"`
	PasswordHistorySize           int  `json:"passwordHistorySize,omitempty"`
}

// SchemaAttribute is one entry of a pool's attribute schema.
type SchemaAttribute struct {
	Name              string `json:"name"`
	AttributeDataType string `json:"attributeDataType"` // String|Number|DateTime|Boolean
	DeveloperOnly     bool   `json:"developerOnly,omitempty"`
	Mutable           bool   `json:"mutable"`
	Required          bool   `json:"required"`
	// Constraints as Cognito reports them (strings); "" means unset.
	MinLength string `json:"minLength,omitempty"`
	MaxLength string `json:"maxLength,omitempty"`
	MinValue  string `json:"minValue,omitempty"`
	MaxValue  string `json:"maxValue,omitempty"`
}

// MFAConfig is the pool's MFA configuration.
type MFAConfig struct {
	Configuration        string `json:"configuration,omitempty"` // OFF|ON|OPTIONAL
	SoftwareTokenEnabled bool   `json:"softwareTokenEnabled,omitempty"`
	SMSEnabled           bool   `json:"smsEnabled,omitempty"`
}

// LambdaConfig names the functions invoked as triggers ("" = none). Values
// are whatever the functions capability resolves (ARN or function name).
type LambdaConfig struct {
	PreSignUp                   string `json:"preSignUp,omitempty"`
	PostConfirmation            string `json:"postConfirmation,omitempty"`
	PreAuthentication           string `json:"preAuthentication,omitempty"`
	PostAuthentication          string `json:"postAuthentication,omitempty"`
	PreTokenGeneration          string `json:"preTokenGeneration,omitempty"`
	PreTokenGenerationVersion   string `json:"preTokenGenerationVersion,omitempty"` // V1_0|V2_0|V3_0
	CustomMessage               string `json:"customMessage,omitempty"`
	DefineAuthChallenge         string `json:"defineAuthChallenge,omitempty"`
	CreateAuthChallenge         string `json:"createAuthChallenge,omitempty"`
	VerifyAuthChallengeResponse string `json:"verifyAuthChallengeResponse,omitempty"`
	UserMigration               string `json:"userMigration,omitempty"`
}

// TokenSettings controls token issuance for the pool.
type TokenSettings struct {
	// Issuer overrides the `iss` claim; "" means the local default.
	Issuer string `json:"issuer,omitempty"`
	// AWSIssuer emits https://cognito-idp.{region}.amazonaws.com/{poolId}.
	AWSIssuer bool `json:"awsIssuer,omitempty"`
}

// AdminCreateUserConfig mirrors Cognito's AdminCreateUserConfig.
type AdminCreateUserConfig struct {
	AllowAdminCreateUserOnly  bool `json:"allowAdminCreateUserOnly,omitempty"`
	UnusedAccountValidityDays int  `json:"unusedAccountValidityDays,omitempty"`
}

// RecoveryOption is one AccountRecoverySetting mechanism.
type RecoveryOption struct {
	Name     string `json:"name"` // verified_email|verified_phone_number|admin_only
	Priority int    `json:"priority"`
}

// MessageTemplate is a message subject/body pair.
type MessageTemplate struct {
	Subject string `json:"subject,omitempty"`
	Message string `json:"message,omitempty"`
}
