package config

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

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
	// CaseInsensitive makes usernames and aliases case-insensitive
	// (UsernameConfiguration.CaseSensitive=false). Default: case sensitive.
	CaseInsensitive bool `yaml:"caseInsensitive,omitempty" json:"caseInsensitive,omitempty"`
}

// PasswordPolicy mirrors Cognito's Policies.PasswordPolicy. When the block
// is present its booleans are taken as written (false = not required); a
// zero MinimumLength or TemporaryPasswordValidityDays means Cognito's
// default (8, 7).
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
	PreSignUp          string `yaml:"preSignUp,omitempty" json:"preSignUp,omitempty"`
	PostConfirmation   string `yaml:"postConfirmation,omitempty" json:"postConfirmation,omitempty"`
	PreAuthentication  string `yaml:"preAuthentication,omitempty" json:"preAuthentication,omitempty"`
	PostAuthentication string `yaml:"postAuthentication,omitempty" json:"postAuthentication,omitempty"`
	PreTokenGeneration string `yaml:"preTokenGeneration,omitempty" json:"preTokenGeneration,omitempty"`
	// PreTokenGenerationVersion is V1_0 (default), V2_0 or V3_0.
	PreTokenGenerationVersion   string `yaml:"preTokenGenerationVersion,omitempty" json:"preTokenGenerationVersion,omitempty"`
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
	// SecretEnv names an environment variable holding a fixed client
	// secret (never inline in the file); it implies a confidential client.
	SecretEnv string `yaml:"secretEnv,omitempty" json:"secretEnv,omitempty"`
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

var (
	userPoolIDRe      = regexp.MustCompile(`^[\w-]+_[0-9a-zA-Z]+$`)
	clientIDRe        = regexp.MustCompile(`^[\w+]{1,128}$`)
	customAttrRe      = regexp.MustCompile(`^custom:[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,20}$`)
	standardUserAttrs = []string{"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
		"picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
		"phone_number_verified", "address", "updated_at"}
	authFlowsAllow  = []string{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"}
	authFlowsLegacy = []string{"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}
)

func checkEnum(p *problems, path, v string, allowed []string) {
	if !slices.Contains(allowed, v) {
		if s := nearest(v, allowed); s != "" {
			p.addSuggest(path, s, "unknown value %q, expected one of %s", v, strings.Join(allowed, ", "))
			return
		}
		p.add(path, "unknown value %q, expected one of %s", v, strings.Join(allowed, ", "))
	}
}

func checkValidity(p *problems, path string, d Duration, lo, hi time.Duration) {
	if d != 0 && (d.D() < lo || d.D() > hi) {
		p.add(path, "must be between %s and %s, got %s", lo, hi, d.D())
	}
}

// validateUserPools checks user pools, their clients, groups and users.
func (c *Config) validateUserPools(p *problems) {
	names, ids := map[string]bool{}, map[string]bool{}
	clientIDs := map[string]bool{}
	fns := []string{}
	for _, f := range c.Functions {
		fns = append(fns, f.Name)
	}
	for i := range c.UserPools {
		up := &c.UserPools[i]
		base := fmt.Sprintf("userPools[%d]", i)
		switch {
		case up.Name == "":
			p.add(base+".name", "a user pool needs a name")
		case len(up.Name) > 128:
			p.add(base+".name", "at most 128 characters")
		case names[up.Name]:
			p.add(base+".name", "duplicate user pool name %q", up.Name)
		}
		names[up.Name] = true
		if up.ID != "" {
			switch {
			case len(up.ID) > 55 || !userPoolIDRe.MatchString(up.ID):
				p.add(base+".id", "a pool id has the form {region}_{alphanumerics} (at most 55 characters), got %q", up.ID)
			case ids[up.ID]:
				p.add(base+".id", "duplicate user pool id %q", up.ID)
			}
			ids[up.ID] = true
		}
		if up.Issuer != "" {
			if up.AWSIssuer {
				p.add(base+".issuer", "set issuer or awsIssuer, not both")
			}
			if u, err := url.Parse(up.Issuer); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
				p.add(base+".issuer", "issuer must be an http(s) URL without query or fragment, got %q", up.Issuer)
			}
		}
		if len(up.UsernameAttributes) > 0 && len(up.AliasAttributes) > 0 {
			p.add(base+".aliasAttributes", "usernameAttributes and aliasAttributes are mutually exclusive")
		}
		for j, a := range up.UsernameAttributes {
			checkEnum(p, fmt.Sprintf("%s.usernameAttributes[%d]", base, j), a, []string{"email", "phone_number"})
		}
		for j, a := range up.AliasAttributes {
			checkEnum(p, fmt.Sprintf("%s.aliasAttributes[%d]", base, j), a, []string{"email", "phone_number", "preferred_username"})
		}
		for j, a := range up.AutoVerifiedAttributes {
			checkEnum(p, fmt.Sprintf("%s.autoVerifiedAttributes[%d]", base, j), a, []string{"email", "phone_number"})
		}
		if pp := up.PasswordPolicy; pp != nil {
			if pp.MinimumLength != 0 && (pp.MinimumLength < 6 || pp.MinimumLength > 99) {
				p.add(base+".passwordPolicy.minimumLength", "must be between 6 and 99, got %d", pp.MinimumLength)
			}
			if pp.TemporaryPasswordValidityDays < 0 || pp.TemporaryPasswordValidityDays > 365 {
				p.add(base+".passwordPolicy.temporaryPasswordValidityDays", "must be between 0 and 365, got %d", pp.TemporaryPasswordValidityDays)
			}
		}
		schemaNames := map[string]bool{}
		for j, a := range up.Schema {
			sp := fmt.Sprintf("%s.schema[%d]", base, j)
			switch {
			case slices.Contains(standardUserAttrs, a.Name):
			case customAttrRe.MatchString(a.Name) || customAttrRe.MatchString("custom:"+a.Name):
				if a.Required {
					p.add(sp+".required", "custom attributes cannot be required")
				}
			default:
				p.add(sp+".name", "%q is neither a standard attribute nor a custom attribute name (1–20 characters)", a.Name)
			}
			if a.AttributeDataType != "" {
				checkEnum(p, sp+".attributeDataType", a.AttributeDataType, []string{"String", "Number", "DateTime", "Boolean"})
			}
			if schemaNames[strings.TrimPrefix(a.Name, "custom:")] {
				p.add(sp+".name", "duplicate schema attribute %q", a.Name)
			}
			schemaNames[strings.TrimPrefix(a.Name, "custom:")] = true
		}
		if t := up.Triggers; t != nil {
			for _, ref := range []struct{ field, fn string }{
				{"preSignUp", t.PreSignUp}, {"postConfirmation", t.PostConfirmation}, {"preAuthentication", t.PreAuthentication},
				{"postAuthentication", t.PostAuthentication}, {"preTokenGeneration", t.PreTokenGeneration}, {"customMessage", t.CustomMessage},
				{"defineAuthChallenge", t.DefineAuthChallenge}, {"createAuthChallenge", t.CreateAuthChallenge},
				{"verifyAuthChallengeResponse", t.VerifyAuthChallengeResponse}, {"userMigration", t.UserMigration},
			} {
				if ref.fn != "" && !slices.Contains(fns, ref.fn) {
					if s := nearest(ref.fn, fns); s != "" {
						p.addSuggest(base+".triggers."+ref.field, s, "no function named %q in functions", ref.fn)
					} else {
						p.add(base+".triggers."+ref.field, "no function named %q in functions", ref.fn)
					}
				}
			}
			if t.PreTokenGenerationVersion != "" {
				checkEnum(p, base+".triggers.preTokenGenerationVersion", t.PreTokenGenerationVersion, []string{"V1_0", "V2_0", "V3_0"})
			}
		}
		clientNames := map[string]bool{}
		for j := range up.Clients {
			cl := &up.Clients[j]
			cp := fmt.Sprintf("%s.clients[%d]", base, j)
			switch {
			case cl.Name == "":
				p.add(cp+".name", "a client needs a name")
			case clientNames[cl.Name]:
				p.add(cp+".name", "duplicate client name %q in this pool", cl.Name)
			}
			clientNames[cl.Name] = true
			if cl.ID != "" {
				switch {
				case !clientIDRe.MatchString(cl.ID):
					p.add(cp+".id", "a client id is 1–128 characters of letters, digits, '_' and '+', got %q", cl.ID)
				case clientIDs[cl.ID]:
					p.add(cp+".id", "duplicate client id %q (client ids are unique across pools)", cl.ID)
				}
				clientIDs[cl.ID] = true
			}
			if cl.SecretEnv != "" && cl.GenerateSecret {
				p.add(cp+".secretEnv", "set secretEnv or generateSecret, not both")
			}
			var allow, legacy bool
			for k, f := range cl.ExplicitAuthFlows {
				switch {
				case slices.Contains(authFlowsAllow, f):
					allow = true
				case slices.Contains(authFlowsLegacy, f):
					legacy = true
				default:
					checkEnum(p, fmt.Sprintf("%s.explicitAuthFlows[%d]", cp, k), f, append(slices.Clone(authFlowsAllow), authFlowsLegacy...))
				}
			}
			if allow && legacy {
				p.add(cp+".explicitAuthFlows", "ALLOW_* values cannot be mixed with the legacy names ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH")
			}
			if cl.PreventUserExistenceErrors != "" {
				checkEnum(p, cp+".preventUserExistenceErrors", cl.PreventUserExistenceErrors, []string{"ENABLED", "LEGACY"})
			}
			checkValidity(p, cp+".accessTokenValidity", cl.AccessTokenValidity, 5*time.Minute, 24*time.Hour)
			checkValidity(p, cp+".idTokenValidity", cl.IDTokenValidity, 5*time.Minute, 24*time.Hour)
			checkValidity(p, cp+".refreshTokenValidity", cl.RefreshTokenValidity, time.Hour, 3650*24*time.Hour)
		}
		groups := map[string]bool{}
		for j, g := range up.Groups {
			gp := fmt.Sprintf("%s.groups[%d]", base, j)
			switch {
			case g.Name == "":
				p.add(gp+".name", "a group needs a name")
			case len(g.Name) > 128:
				p.add(gp+".name", "at most 128 characters")
			case groups[g.Name]:
				p.add(gp+".name", "duplicate group %q", g.Name)
			}
			groups[g.Name] = true
			if g.Precedence != nil && *g.Precedence < 0 {
				p.add(gp+".precedence", "must not be negative")
			}
		}
		users := map[string]bool{}
		groupNames := slices.Collect(maps.Keys(groups))
		slices.Sort(groupNames)
		for j, u := range up.Users {
			upath := fmt.Sprintf("%s.users[%d]", base, j)
			switch {
			case u.Username == "":
				p.add(upath+".username", "a user needs a username")
			case len(u.Username) > 128 || strings.ContainsAny(u.Username, " \t\n\r"):
				p.add(upath+".username", "a username is 1–128 characters without whitespace")
			case users[u.Username]:
				p.add(upath+".username", "duplicate user %q", u.Username)
			}
			users[u.Username] = true
			if u.PasswordEnv != "" && u.PasswordFile != "" {
				p.add(upath+".passwordFile", "set passwordEnv or passwordFile, not both")
			}
			for _, name := range slices.Sorted(maps.Keys(u.Attributes)) {
				if name == "sub" || !(slices.Contains(standardUserAttrs, name) || customAttrRe.MatchString(name)) {
					p.add(upath+".attributes."+name, "%q is not a writable standard attribute or custom:<name>", name)
				}
			}
			for k, g := range u.Groups {
				if !groups[g] {
					if s := nearest(g, groupNames); s != "" {
						p.addSuggest(fmt.Sprintf("%s.groups[%d]", upath, k), s, "no group named %q in this pool", g)
					} else {
						p.add(fmt.Sprintf("%s.groups[%d]", upath, k), "no group named %q in this pool", g)
					}
				}
			}
		}
	}
}
