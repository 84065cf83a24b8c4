package cognito

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/store"
)

func (s *Server) operations() map[string]operation {
	signed := func(fn func(context.Context, *call) (any, error)) operation { return operation{classSigned, fn} }
	public := func(fn func(context.Context, *call) (any, error)) operation { return operation{classPublic, fn} }
	return map[string]operation{
		"CreateUserPool":                   signed(s.createUserPool),
		"DescribeUserPool":                 signed(s.describeUserPool),
		"ListUserPools":                    signed(s.listUserPools),
		"UpdateUserPool":                   signed(s.updateUserPool),
		"DeleteUserPool":                   signed(s.deleteUserPool),
		"CreateUserPoolClient":             signed(s.createUserPoolClient),
		"DescribeUserPoolClient":           signed(s.describeUserPoolClient),
		"ListUserPoolClients":              signed(s.listUserPoolClients),
		"UpdateUserPoolClient":             signed(s.updateUserPoolClient),
		"DeleteUserPoolClient":             signed(s.deleteUserPoolClient),
		"CreateGroup":                      signed(s.createGroup),
		"GetGroup":                         signed(s.getGroup),
		"ListGroups":                       signed(s.listGroups),
		"UpdateGroup":                      signed(s.updateGroup),
		"DeleteGroup":                      signed(s.deleteGroup),
		"AdminCreateUser":                  signed(s.adminCreateUser),
		"AdminSetUserPassword":             signed(s.adminSetUserPassword),
		"AdminGetUser":                     signed(s.adminGetUser),
		"ListUsers":                        signed(s.listUsers),
		"AdminDeleteUser":                  signed(s.adminDeleteUser),
		"AdminDisableUser":                 signed(s.adminDisableUser),
		"AdminEnableUser":                  signed(s.adminEnableUser),
		"AdminUpdateUserAttributes":        signed(s.adminUpdateUserAttributes),
		"AdminDeleteUserAttributes":        signed(s.adminDeleteUserAttributes),
		"AdminAddUserToGroup":              signed(s.adminAddUserToGroup),
		"AdminRemoveUserFromGroup":         signed(s.adminRemoveUserFromGroup),
		"AdminListGroupsForUser":           signed(s.adminListGroupsForUser),
		"ListUsersInGroup":                 signed(s.listUsersInGroup),
		"AdminConfirmSignUp":               signed(s.adminConfirmSignUp),
		"AdminUserGlobalSignOut":           signed(s.adminUserGlobalSignOut),
		"AdminResetUserPassword":           signed(s.adminResetUserPassword),
		"AdminInitiateAuth":                signed(s.adminInitiateAuth),
		"AdminRespondToAuthChallenge":      signed(s.adminRespondToAuthChallenge),
		"SignUp":                           public(s.signUp),
		"ConfirmSignUp":                    public(s.confirmSignUp),
		"ResendConfirmationCode":           public(s.resendConfirmationCode),
		"ForgotPassword":                   public(s.forgotPassword),
		"ConfirmForgotPassword":            public(s.confirmForgotPassword),
		"ChangePassword":                   public(s.changePassword),
		"GetUser":                          public(s.getUser),
		"UpdateUserAttributes":             public(s.updateUserAttributes),
		"DeleteUser":                       public(s.deleteUser),
		"GlobalSignOut":                    public(s.globalSignOut),
		"RevokeToken":                      public(s.revokeToken),
		"GetUserAttributeVerificationCode": public(s.getUserAttributeVerificationCode),
		"VerifyUserAttribute":              public(s.verifyUserAttribute),
		"InitiateAuth":                     public(s.initiateAuth),
		"RespondToAuthChallenge":           public(s.respondToAuthChallenge),
	}
}

// ---- helpers ---------------------------------------------------------

func (s *Server) pool(ctx context.Context, id string) (store.UserPool, error) {
	if id == "" {
		return store.UserPool{}, missing("userPoolId")
	}
	p, err := s.st.GetUserPool(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return p, poolNotFound(id)
	}
	if err != nil {
		return p, fmt.Errorf("get user pool: %w", err)
	}
	return p, nil
}

func (s *Server) poolClient(ctx context.Context, poolID, clientID string) (store.Client, error) {
	if clientID == "" {
		return store.Client{}, missing("clientId")
	}
	c, err := s.st.GetClient(ctx, poolID, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return c, clientNotFound(clientID)
	}
	if err != nil {
		return c, fmt.Errorf("get client: %w", err)
	}
	return c, nil
}

// clientAndPool resolves a client by id alone (public operations).
func (s *Server) clientAndPool(ctx context.Context, clientID string) (store.Client, store.UserPool, error) {
	if clientID == "" {
		return store.Client{}, store.UserPool{}, missing("clientId")
	}
	c, err := s.st.FindClient(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return c, store.UserPool{}, clientNotFound(clientID)
	}
	if err != nil {
		return c, store.UserPool{}, fmt.Errorf("find client: %w", err)
	}
	p, err := s.pool(ctx, c.PoolID)
	return c, p, err
}

// poolInput is a request that names a user pool.
type poolInput interface{ poolID() string }

func (in *poolIn) poolID() string   { return in.UserPoolID }
func (in *userIn) poolID() string   { return in.UserPoolID }
func (in *groupIn) poolID() string  { return in.UserPoolID }
func (in *clientIn) poolID() string { return in.UserPoolID }

// poolCall decodes an operation on a user pool into in and resolves the
// pool.
func (s *Server) poolCall(ctx context.Context, c *call, in poolInput) (store.UserPool, error) {
	if err := c.decode(in); err != nil {
		return store.UserPool{}, err
	}
	return s.pool(ctx, in.poolID())
}

func storeErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrInvalid):
		return apiErr(excInvalidParameter, "Invalid %s", what)
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ---- user pools ------------------------------------------------------

type passwordPolicyIn struct {
	MinimumLength                 *int  `json:"MinimumLength"`
	RequireUppercase              *bool `json:"RequireUppercase"`
	RequireLowercase              *bool `json:"RequireLowercase"`
	RequireNumbers                *bool `json:"RequireNumbers"`
	RequireSymbols                *bool `json:"RequireSymbols"`
	TemporaryPasswordValidityDays *int  `json:"TemporaryPasswordValidityDays"`
	PasswordHistorySize           *int  `json:"PasswordHistorySize"`
}

type schemaIn struct {
	Name                       string             `json:"Name"`
	AttributeDataType          string             `json:"AttributeDataType"`
	DeveloperOnlyAttribute     bool               `json:"DeveloperOnlyAttribute"`
	Mutable                    *bool              `json:"Mutable"`
	Required                   bool               `json:"Required"`
	StringAttributeConstraints *stringConstraints `json:"StringAttributeConstraints"`
	NumberAttributeConstraints *numberConstraints `json:"NumberAttributeConstraints"`
}

type poolIn struct {
	UserPoolID string `json:"UserPoolId"`
	PoolName   string `json:"PoolName"`
	Policies   *struct {
		PasswordPolicy *passwordPolicyIn `json:"PasswordPolicy"`
	} `json:"Policies"`
	LambdaConfig           *lambdaConfigType `json:"LambdaConfig"`
	AutoVerifiedAttributes []string          `json:"AutoVerifiedAttributes"`
	AliasAttributes        []string          `json:"AliasAttributes"`
	UsernameAttributes     []string          `json:"UsernameAttributes"`
	UsernameConfiguration  *struct {
		CaseSensitive *bool `json:"CaseSensitive"`
	} `json:"UsernameConfiguration"`
	Schema                []schemaIn `json:"Schema"`
	MfaConfiguration      string     `json:"MfaConfiguration"`
	AdminCreateUserConfig *struct {
		AllowAdminCreateUserOnly  bool `json:"AllowAdminCreateUserOnly"`
		UnusedAccountValidityDays int  `json:"UnusedAccountValidityDays"`
	} `json:"AdminCreateUserConfig"`
	DeletionProtection string            `json:"DeletionProtection"`
	UserPoolTags       map[string]string `json:"UserPoolTags"`
}

// DefaultPasswordPolicy is Cognito's default policy.
func DefaultPasswordPolicy() store.PasswordPolicy {
	return store.PasswordPolicy{MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7}
}

func applyPolicy(pp store.PasswordPolicy, in *passwordPolicyIn) (store.PasswordPolicy, error) {
	if in == nil {
		return pp, nil
	}
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	if in.MinimumLength != nil {
		if *in.MinimumLength < 6 || *in.MinimumLength > 99 {
			return pp, apiErr(excInvalidParameter, "1 validation error detected: Value '%d' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value between 6 and 99", *in.MinimumLength)
		}
		pp.MinimumLength = *in.MinimumLength
	}
	set(&pp.RequireUppercase, in.RequireUppercase)
	set(&pp.RequireLowercase, in.RequireLowercase)
	set(&pp.RequireNumbers, in.RequireNumbers)
	set(&pp.RequireSymbols, in.RequireSymbols)
	if in.TemporaryPasswordValidityDays != nil {
		if *in.TemporaryPasswordValidityDays < 0 || *in.TemporaryPasswordValidityDays > 365 {
			return pp, apiErr(excInvalidParameter, "TemporaryPasswordValidityDays must be between 0 and 365")
		}
		pp.TemporaryPasswordValidityDays = *in.TemporaryPasswordValidityDays
	}
	if in.PasswordHistorySize != nil {
		pp.PasswordHistorySize = *in.PasswordHistorySize
	}
	return pp, nil
}

var customAttrName = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,20}$`)

func applySchema(base []store.SchemaAttribute, in []schemaIn) ([]store.SchemaAttribute, error) {
	out := slices.Clone(base)
	for _, a := range in {
		idx := slices.IndexFunc(out, func(x store.SchemaAttribute) bool { return x.Name == a.Name })
		if idx >= 0 && !strings.HasPrefix(a.Name, "custom:") {
			out[idx].Required = a.Required
			if a.Mutable != nil {
				out[idx].Mutable = *a.Mutable
			}
			continue
		}
		name := strings.TrimPrefix(a.Name, "custom:")
		if !customAttrName.MatchString(name) {
			return nil, apiErr(excInvalidParameter, "Invalid custom attribute name %q", limitString(a.Name, 40))
		}
		if a.Required {
			return nil, apiErr(excInvalidParameter, "Required custom attributes are not supported currently.")
		}
		typ := a.AttributeDataType
		if typ == "" {
			typ = "String"
		}
		if !slices.Contains([]string{"String", "Number", "DateTime", "Boolean"}, typ) {
			return nil, apiErr(excInvalidParameter, "Invalid AttributeDataType %q", limitString(typ, 20))
		}
		sa := store.SchemaAttribute{Name: "custom:" + name, AttributeDataType: typ, DeveloperOnly: a.DeveloperOnlyAttribute, Mutable: a.Mutable == nil || *a.Mutable}
		if c := a.StringAttributeConstraints; c != nil {
			sa.MinLength, sa.MaxLength = c.MinLength, c.MaxLength
		}
		if c := a.NumberAttributeConstraints; c != nil {
			sa.MinValue, sa.MaxValue = c.MinValue, c.MaxValue
		}
		if idx >= 0 {
			return nil, apiErr(excInvalidParameter, "Existing attribute already has name %s.", sa.Name)
		}
		out = append(out, sa)
	}
	return out, nil
}

func validAttrList(field string, vals, allowed []string) error {
	for _, v := range vals {
		if !slices.Contains(allowed, v) {
			return apiErr(excInvalidParameter, "1 validation error detected: Value '[%s]' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", limitString(v, 40), field, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// PoolSettingsFromInput builds pool settings the way CreateUserPool does.
func (s *Server) poolSettings(in poolIn) (store.PoolSettings, error) {
	st := store.PoolSettings{PasswordPolicy: DefaultPasswordPolicy(), Schema: DefaultSchema()}
	var err error
	if in.Policies != nil {
		if st.PasswordPolicy, err = applyPolicy(st.PasswordPolicy, in.Policies.PasswordPolicy); err != nil {
			return st, err
		}
	}
	if len(in.AliasAttributes) > 0 && len(in.UsernameAttributes) > 0 {
		return st, apiErr(excInvalidParameter, "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.")
	}
	if err := validAttrList("aliasAttributes", in.AliasAttributes, []string{"phone_number", "email", "preferred_username"}); err != nil {
		return st, err
	}
	if err := validAttrList("usernameAttributes", in.UsernameAttributes, []string{"phone_number", "email"}); err != nil {
		return st, err
	}
	if err := validAttrList("autoVerifiedAttributes", in.AutoVerifiedAttributes, []string{"phone_number", "email"}); err != nil {
		return st, err
	}
	st.AliasAttributes, st.UsernameAttributes, st.AutoVerifiedAttributes = in.AliasAttributes, in.UsernameAttributes, in.AutoVerifiedAttributes
	if in.UsernameConfiguration != nil && in.UsernameConfiguration.CaseSensitive != nil {
		st.UsernameCaseInsensitive = !*in.UsernameConfiguration.CaseSensitive
	}
	if st.Schema, err = applySchema(st.Schema, in.Schema); err != nil {
		return st, err
	}
	st.Lambda = fromLambdaConfig(in.LambdaConfig)
	st.MFA.Configuration = in.MfaConfiguration
	if st.MFA.Configuration == "" {
		st.MFA.Configuration = "OFF"
	}
	if in.AdminCreateUserConfig != nil {
		st.AdminCreateUser = store.AdminCreateUserConfig{AllowAdminCreateUserOnly: in.AdminCreateUserConfig.AllowAdminCreateUserOnly, UnusedAccountValidityDays: in.AdminCreateUserConfig.UnusedAccountValidityDays}
	}
	st.DeletionProtection = in.DeletionProtection
	if st.DeletionProtection == "" {
		st.DeletionProtection = "INACTIVE"
	}
	st.Tags = in.UserPoolTags
	return st, nil
}

type userPoolType struct {
	ID                     string                `json:"Id"`
	Name                   string                `json:"Name"`
	Arn                    string                `json:"Arn"`
	Status                 string                `json:"Status,omitempty"`
	CreationDate           epoch                 `json:"CreationDate"`
	LastModifiedDate       epoch                 `json:"LastModifiedDate"`
	Policies               policiesType          `json:"Policies"`
	LambdaConfig           lambdaConfigType      `json:"LambdaConfig"`
	SchemaAttributes       []schemaAttributeType `json:"SchemaAttributes"`
	AutoVerifiedAttributes []string              `json:"AutoVerifiedAttributes,omitempty"`
	AliasAttributes        []string              `json:"AliasAttributes,omitempty"`
	UsernameAttributes     []string              `json:"UsernameAttributes,omitempty"`
	UsernameConfiguration  *struct {
		CaseSensitive bool `json:"CaseSensitive"`
	} `json:"UsernameConfiguration,omitempty"`
	MfaConfiguration       string `json:"MfaConfiguration"`
	EstimatedNumberOfUsers int    `json:"EstimatedNumberOfUsers"`
	DeletionProtection     string `json:"DeletionProtection"`
	AdminCreateUserConfig  struct {
		AllowAdminCreateUserOnly  bool `json:"AllowAdminCreateUserOnly"`
		UnusedAccountValidityDays int  `json:"UnusedAccountValidityDays"`
	} `json:"AdminCreateUserConfig"`
	Domain       string            `json:"Domain,omitempty"`
	UserPoolTags map[string]string `json:"UserPoolTags,omitempty"`
}

func (s *Server) toUserPoolType(ctx context.Context, p store.UserPool) userPoolType {
	st := p.Settings
	pp := defaultPolicy(st.PasswordPolicy)
	out := userPoolType{
		ID: p.ID, Name: p.Name, Arn: fmt.Sprintf("arn:aws:cognito-idp:%s:%s:userpool/%s", regionOf(p.ID, s.cfg.Region), s.cfg.AccountID, p.ID),
		CreationDate: epoch(p.CreatedAt), LastModifiedDate: epoch(p.UpdatedAt),
		Policies: policiesType{PasswordPolicy: passwordPolicyType{MinimumLength: pp.MinimumLength, RequireUppercase: pp.RequireUppercase,
			RequireLowercase: pp.RequireLowercase, RequireNumbers: pp.RequireNumbers, RequireSymbols: pp.RequireSymbols,
			TemporaryPasswordValidityDays: pp.TemporaryPasswordValidityDays}},
		LambdaConfig:           toLambdaConfig(st.Lambda),
		AutoVerifiedAttributes: st.AutoVerifiedAttributes, AliasAttributes: st.AliasAttributes, UsernameAttributes: st.UsernameAttributes,
		MfaConfiguration: st.MFA.Configuration, DeletionProtection: st.DeletionProtection, Domain: st.Domain, UserPoolTags: st.Tags,
	}
	if pp.PasswordHistorySize > 0 {
		n := pp.PasswordHistorySize
		out.Policies.PasswordPolicy.PasswordHistorySize = &n
	}
	if st.UsernameCaseInsensitive {
		out.UsernameConfiguration = &struct {
			CaseSensitive bool `json:"CaseSensitive"`
		}{false}
	}
	out.AdminCreateUserConfig.AllowAdminCreateUserOnly = st.AdminCreateUser.AllowAdminCreateUserOnly
	out.AdminCreateUserConfig.UnusedAccountValidityDays = st.AdminCreateUser.UnusedAccountValidityDays
	if out.AdminCreateUserConfig.UnusedAccountValidityDays == 0 {
		out.AdminCreateUserConfig.UnusedAccountValidityDays = pp.TemporaryPasswordValidityDays
	}
	for _, a := range st.Schema {
		out.SchemaAttributes = append(out.SchemaAttributes, toSchemaType(a))
	}
	if n, err := s.st.CountUsers(ctx, p.ID); err == nil {
		out.EstimatedNumberOfUsers = n
	}
	return out
}

// CreatePool creates a pool with the given id ("" = generated).
func (s *Server) createPool(ctx context.Context, id string, in poolIn) (store.UserPool, error) {
	if in.PoolName == "" {
		return store.UserPool{}, missing("poolName")
	}
	if len(in.PoolName) > 128 {
		return store.UserPool{}, apiErr(excInvalidParameter, "PoolName is too long")
	}
	settings, err := s.poolSettings(in)
	if err != nil {
		return store.UserPool{}, err
	}
	if id == "" {
		if id, err = store.NewUserPoolID(s.cfg.Region, s.cfg.Rand); err != nil {
			return store.UserPool{}, err
		}
	}
	now := s.cfg.Now()
	p := store.UserPool{ID: id, Name: in.PoolName, Settings: settings, CreatedAt: now, UpdatedAt: now}
	if err := s.st.CreateUserPool(ctx, p); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return p, apiErr(excInvalidParameter, "User pool %s already exists.", id)
		}
		return p, fmt.Errorf("create user pool: %w", err)
	}
	return p, nil
}

func (s *Server) createUserPool(ctx context.Context, c *call) (any, error) {
	var in poolIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	p, err := s.createPool(ctx, "", in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserPool": s.toUserPoolType(ctx, p)}, nil
}

func (s *Server) describeUserPool(ctx context.Context, c *call) (any, error) {
	var in poolIn
	p, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserPool": s.toUserPoolType(ctx, p)}, nil
}

func (s *Server) listUserPools(ctx context.Context, c *call) (any, error) {
	var in struct {
		MaxResults int    `json:"MaxResults"`
		NextToken  string `json:"NextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.MaxResults < 1 || in.MaxResults > 60 {
		return nil, apiErr(excInvalidParameter, "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60", in.MaxResults)
	}
	pools, next, err := s.st.ListUserPools(ctx, store.ListOptions{Limit: in.MaxResults, Token: in.NextToken})
	if err != nil {
		return nil, storeErr(err, "nextToken")
	}
	type desc struct {
		ID               string           `json:"Id"`
		Name             string           `json:"Name"`
		LambdaConfig     lambdaConfigType `json:"LambdaConfig"`
		CreationDate     epoch            `json:"CreationDate"`
		LastModifiedDate epoch            `json:"LastModifiedDate"`
	}
	out := []desc{}
	for _, p := range pools {
		out = append(out, desc{p.ID, p.Name, toLambdaConfig(p.Settings.Lambda), epoch(p.CreatedAt), epoch(p.UpdatedAt)})
	}
	res := map[string]any{"UserPools": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}

func (s *Server) updateUserPool(ctx context.Context, c *call) (any, error) {
	var in poolIn
	_, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	err = s.st.UpdateUserPool(ctx, in.UserPoolID, func(p store.UserPool) (store.UserPool, error) {
		st := p.Settings
		pp := DefaultPasswordPolicy()
		var err error
		if in.Policies != nil {
			if pp, err = applyPolicy(pp, in.Policies.PasswordPolicy); err != nil {
				return p, err
			}
		}
		if err := validAttrList("autoVerifiedAttributes", in.AutoVerifiedAttributes, []string{"phone_number", "email"}); err != nil {
			return p, err
		}
		st.PasswordPolicy = pp
		st.Lambda = fromLambdaConfig(in.LambdaConfig)
		st.AutoVerifiedAttributes = in.AutoVerifiedAttributes
		if in.MfaConfiguration != "" {
			st.MFA.Configuration = in.MfaConfiguration
		}
		if in.DeletionProtection != "" {
			st.DeletionProtection = in.DeletionProtection
		}
		if in.UserPoolTags != nil {
			st.Tags = in.UserPoolTags
		}
		p.Settings = st
		p.UpdatedAt = s.cfg.Now()
		return p, nil
	})
	return nil, storeErr(err, "update user pool")
}

func (s *Server) deleteUserPool(ctx context.Context, c *call) (any, error) {
	var in poolIn
	p, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	if p.Settings.DeletionProtection == "ACTIVE" {
		return nil, apiErr(excInvalidParameter, "The user pool cannot be deleted because deletion protection is activated.")
	}
	if err := s.st.DeleteUserPool(ctx, p.ID); err != nil {
		return nil, storeErr(err, "delete user pool")
	}
	s.cfg.Signer.Forget(p.ID)
	return nil, nil
}
