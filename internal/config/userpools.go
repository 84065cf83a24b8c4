package config

// UserPool is a Cognito-compatible user pool. Owned by the user-pools capability.
//
// The fields after Name were added (additively) by the SAM translation
// (internal/sam) so that AWS::Cognito::UserPool and its companion resources
// have a native target; the user-pools owner may refine them.
type UserPool struct {
	Name string `yaml:"name" json:"name"`
	// ID fixes the pool id ({region}_{alphanumerics}) for repeatable setups.
	ID string `yaml:"id,omitempty" json:"id,omitempty"`
	// Issuer overrides the `iss` of the pool's tokens.
	Issuer string `yaml:"issuer,omitempty" json:"issuer,omitempty"`
	// AWSIssuer makes the pool issue tokens with Cognito's issuer
	// https://cognito-idp.{region}.amazonaws.com/{id}.
	AWSIssuer bool `yaml:"awsIssuer,omitempty" json:"awsIssuer,omitempty"`
	// UsernameAttributes (email, phone_number) sign users in by those values.
	UsernameAttributes []string `yaml:"usernameAttributes,omitempty" json:"usernameAttributes,omitempty"`
	// AliasAttributes (email, phone_number, preferred_username) are aliases.
	AliasAttributes []string `yaml:"aliasAttributes,omitempty" json:"aliasAttributes,omitempty"`
	// AutoVerifiedAttributes (email, phone_number) are verified on sign-up.
	AutoVerifiedAttributes []string `yaml:"autoVerifiedAttributes,omitempty" json:"autoVerifiedAttributes,omitempty"`
	// PasswordPolicy of the pool; Cognito's defaults when absent.
	PasswordPolicy *PasswordPolicy `yaml:"passwordPolicy,omitempty" json:"passwordPolicy,omitempty"`
	// Schema declares standard and custom attributes.
	Schema []SchemaAttribute `yaml:"schema,omitempty" json:"schema,omitempty"`
	// Triggers name local functions invoked as Lambda triggers.
	Triggers *UserPoolTriggers `yaml:"triggers,omitempty" json:"triggers,omitempty"`
	// Domain is the hosted-UI domain prefix.
	Domain string `yaml:"domain,omitempty" json:"domain,omitempty"`
	// Clients are the pool's app clients.
	Clients []UserPoolClient `yaml:"clients,omitempty" json:"clients,omitempty"`
	// Groups of the pool.
	Groups []UserPoolGroup `yaml:"groups,omitempty" json:"groups,omitempty"`
	// Users created at start.
	Users []UserPoolUser `yaml:"users,omitempty" json:"users,omitempty"`
	// ResourceServers declare custom OAuth scopes (identifier/scope).
	ResourceServers []ResourceServer `yaml:"resourceServers,omitempty" json:"resourceServers,omitempty"`
}

// PasswordPolicy mirrors Cognito's Policies.PasswordPolicy.
type PasswordPolicy struct {
	MinimumLength                 int  `yaml:"minimumLength,omitempty" json:"minimumLength,omitempty"`
	RequireUppercase              bool `yaml:"requireUppercase,omitempty" json:"requireUppercase,omitempty"`
	RequireLowercase              bool `yaml:"requireLowercase,omitempty" json:"requireLowercase,omitempty"`
	RequireNumbers                bool `yaml:"requireNumbers,omitempty" json:"requireNumbers,omitempty"`
	RequireSymbols                bool `yaml:"requireSymbols,omitempty" json:"requireSymbols,omitempty"`
	TemporaryPasswordValidityDays int  `yaml:"temporaryPasswordValidityDays,omitempty" json:"temporaryPasswordValidityDays,omitempty"`
}

// SchemaAttribute is one entry of a pool's attribute schema.
type SchemaAttribute struct {
	Name string `yaml:"name" json:"name"`
	// AttributeDataType is String, Number, DateTime or Boolean.
	AttributeDataType string `yaml:"attributeDataType,omitempty" json:"attributeDataType,omitempty"`
	DeveloperOnly     bool   `yaml:"developerOnly,omitempty" json:"developerOnly,omitempty"`
	Mutable           *bool  `yaml:"mutable,omitempty" json:"mutable,omitempty"`
	Required          bool   `yaml:"required,omitempty" json:"required,omitempty"`
	MinLength         string `yaml:"minLength,omitempty" json:"minLength,omitempty"`
	MaxLength         string `yaml:"maxLength,omitempty" json:"maxLength,omitempty"`
	MinValue          string `yaml:"minValue,omitempty" json:"minValue,omitempty"`
	MaxValue          string `yaml:"maxValue,omitempty" json:"maxValue,omitempty"`
}

// UserPoolTriggers name the functions invoked as Cognito Lambda triggers.
type UserPoolTriggers struct {
	PreSignUp                   string `yaml:"preSignUp,omitempty" json:"preSignUp,omitempty"`
	PostConfirmation            string `yaml:"postConfirmation,omitempty" json:"postConfirmation,omitempty"`
	PreAuthentication           string `yaml:"preAuthentication,omitempty" json:"preAuthentication,omitempty"`
	PostAuthentication          string `yaml:"postAuthentication,omitempty" json:"postAuthentication,omitempty"`
	PreTokenGeneration          string `yaml:"preTokenGeneration,omitempty" json:"preTokenGeneration,omitempty"`
	CustomMessage               string `yaml:"customMessage,omitempty" json:"customMessage,omitempty"`
	DefineAuthChallenge         string `yaml:"defineAuthChallenge,omitempty" json:"defineAuthChallenge,omitempty"`
	CreateAuthChallenge         string `yaml:"createAuthChallenge,omitempty" json:"createAuthChallenge,omitempty"`
	VerifyAuthChallengeResponse string `yaml:"verifyAuthChallengeResponse,omitempty" json:"verifyAuthChallengeResponse,omitempty"`
	UserMigration               string `yaml:"userMigration,omitempty" json:"userMigration,omitempty"`
}

// UserPoolClient is an app client of a pool.
type UserPoolClient struct {
	Name string `yaml:"name" json:"name"`
	// ID fixes the client id for repeatable setups.
	ID             string `yaml:"id,omitempty" json:"id,omitempty"`
	GenerateSecret bool   `yaml:"generateSecret,omitempty" json:"generateSecret,omitempty"`
	// ExplicitAuthFlows as in Cognito (ALLOW_USER_SRP_AUTH, ...).
	ExplicitAuthFlows []string `yaml:"explicitAuthFlows,omitempty" json:"explicitAuthFlows,omitempty"`
	// AllowedOAuthFlows (code, implicit, client_credentials).
	AllowedOAuthFlows               []string `yaml:"allowedOAuthFlows,omitempty" json:"allowedOAuthFlows,omitempty"`
	AllowedOAuthScopes              []string `yaml:"allowedOAuthScopes,omitempty" json:"allowedOAuthScopes,omitempty"`
	AllowedOAuthFlowsUserPoolClient bool     `yaml:"allowedOAuthFlowsUserPoolClient,omitempty" json:"allowedOAuthFlowsUserPoolClient,omitempty"`
	CallbackURLs                    []string `yaml:"callbackURLs,omitempty" json:"callbackURLs,omitempty"`
	LogoutURLs                      []string `yaml:"logoutURLs,omitempty" json:"logoutURLs,omitempty"`
	SupportedIdentityProviders      []string `yaml:"supportedIdentityProviders,omitempty" json:"supportedIdentityProviders,omitempty"`
	ReadAttributes                  []string `yaml:"readAttributes,omitempty" json:"readAttributes,omitempty"`
	WriteAttributes                 []string `yaml:"writeAttributes,omitempty" json:"writeAttributes,omitempty"`
	// Token validities; Cognito's defaults (1h, 1h, 30d) when zero.
	AccessTokenValidity  Duration `yaml:"accessTokenValidity,omitempty" json:"accessTokenValidity,omitempty"`
	IDTokenValidity      Duration `yaml:"idTokenValidity,omitempty" json:"idTokenValidity,omitempty"`
	RefreshTokenValidity Duration `yaml:"refreshTokenValidity,omitempty" json:"refreshTokenValidity,omitempty"`
	// PreventUserExistenceErrors is ENABLED or LEGACY.
	PreventUserExistenceErrors string `yaml:"preventUserExistenceErrors,omitempty" json:"preventUserExistenceErrors,omitempty"`
	EnableTokenRevocation      *bool  `yaml:"enableTokenRevocation,omitempty" json:"enableTokenRevocation,omitempty"`
}

// UserPoolGroup is a group of a pool.
type UserPoolGroup struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Precedence  *int   `yaml:"precedence,omitempty" json:"precedence,omitempty"`
	RoleARN     string `yaml:"roleArn,omitempty" json:"roleArn,omitempty"`
}

// UserPoolUser is a user created at start. Passwords never sit in the
// file: PasswordEnv or PasswordFile name where to read one; without either
// the user is created without a usable password (as AdminCreateUser with
// MessageAction SUPPRESS).
type UserPoolUser struct {
	Username     string            `yaml:"username" json:"username"`
	Attributes   map[string]string `yaml:"attributes,omitempty" json:"attributes,omitempty"`
	Groups       []string          `yaml:"groups,omitempty" json:"groups,omitempty"`
	PasswordEnv  string            `yaml:"passwordEnv,omitempty" json:"passwordEnv,omitempty"`
	PasswordFile string            `yaml:"passwordFile,omitempty" json:"passwordFile,omitempty"`
}

// ResourceServer declares custom scopes identifier/name.
type ResourceServer struct {
	Identifier string          `yaml:"identifier" json:"identifier"`
	Name       string          `yaml:"name,omitempty" json:"name,omitempty"`
	Scopes     []ResourceScope `yaml:"scopes,omitempty" json:"scopes,omitempty"`
}

// ResourceScope is one scope of a resource server.
type ResourceScope struct {
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
}

func (c *Config) validateUserPools(p *problems) {}
