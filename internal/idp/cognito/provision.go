package cognito

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Secrets resolves the passwords and client secrets a config names.
type Secrets struct {
	// LookupEnv is os.LookupEnv in production.
	LookupEnv func(string) (string, bool)
	// ReadFile is os.ReadFile in production.
	ReadFile func(string) ([]byte, error)
}

// ProvisionedPool reports what Provision applied for one configured pool.
type ProvisionedPool struct {
	Name   string
	ID     string
	Issuer string
	// Clients maps client name to client id.
	Clients map[string]string
}

// Provision creates or updates the pools declared in the config, with
// their clients, groups and users. It is idempotent: running it again with
// the same config changes nothing except what the config changed. Pools
// and clients without a fixed id are matched by name.
func (s *Server) Provision(ctx context.Context, pools []config.UserPool, sec Secrets) ([]ProvisionedPool, error) {
	var out []ProvisionedPool
	for i := range pools {
		pp, err := s.provisionPool(ctx, &pools[i], sec)
		if err != nil {
			return out, fmt.Errorf("userPools[%d] (%s): %w", i, pools[i].Name, err)
		}
		out = append(out, pp)
	}
	return out, nil
}

func poolSettingsFromConfig(up *config.UserPool) (store.PoolSettings, error) {
	st := store.PoolSettings{
		PasswordPolicy:          DefaultPasswordPolicy(),
		UsernameAttributes:      up.UsernameAttributes,
		AliasAttributes:         up.AliasAttributes,
		AutoVerifiedAttributes:  up.AutoVerifiedAttributes,
		UsernameCaseInsensitive: up.CaseInsensitive,
		MFA:                     store.MFAConfig{Configuration: "OFF"},
		Tokens:                  store.TokenSettings{Issuer: up.Issuer, AWSIssuer: up.AWSIssuer},
		DeletionProtection:      "INACTIVE",
		Domain:                  up.Domain,
	}
	if pp := up.PasswordPolicy; pp != nil {
		st.PasswordPolicy = defaultPolicy(store.PasswordPolicy{MinimumLength: pp.MinimumLength, RequireUppercase: pp.RequireUppercase,
			RequireLowercase: pp.RequireLowercase, RequireNumbers: pp.RequireNumbers, RequireSymbols: pp.RequireSymbols,
			TemporaryPasswordValidityDays: pp.TemporaryPasswordValidityDays})
	}
	var schema []schemaIn
	for _, a := range up.Schema {
		schema = append(schema, schemaIn{Name: a.Name, AttributeDataType: a.AttributeDataType, DeveloperOnlyAttribute: a.DeveloperOnly,
			Mutable: a.Mutable, Required: a.Required,
			StringAttributeConstraints: &stringConstraints{MinLength: a.MinLength, MaxLength: a.MaxLength},
			NumberAttributeConstraints: &numberConstraints{MinValue: a.MinValue, MaxValue: a.MaxValue}})
	}
	var err error
	if st.Schema, err = applySchema(DefaultSchema(), schema); err != nil {
		return st, err
	}
	if t := up.Triggers; t != nil {
		st.Lambda = store.LambdaConfig{PreSignUp: t.PreSignUp, PostConfirmation: t.PostConfirmation, PreAuthentication: t.PreAuthentication,
			PostAuthentication: t.PostAuthentication, PreTokenGeneration: t.PreTokenGeneration, PreTokenGenerationVersion: t.PreTokenGenerationVersion,
			CustomMessage: t.CustomMessage, DefineAuthChallenge: t.DefineAuthChallenge, CreateAuthChallenge: t.CreateAuthChallenge,
			VerifyAuthChallengeResponse: t.VerifyAuthChallengeResponse, UserMigration: t.UserMigration}
	}
	return st, nil
}

func (s *Server) findPoolByName(ctx context.Context, name string) (store.UserPool, bool, error) {
	token := ""
	for range 1000 {
		list, next, err := s.st.ListUserPools(ctx, store.ListOptions{Limit: store.MaxPageSize, Token: token})
		if err != nil {
			return store.UserPool{}, false, fmt.Errorf("list user pools: %w", err)
		}
		for _, p := range list {
			if p.Name == name {
				return p, true, nil
			}
		}
		if next == "" {
			break
		}
		token = next
	}
	return store.UserPool{}, false, nil
}

func (s *Server) provisionPool(ctx context.Context, up *config.UserPool, sec Secrets) (ProvisionedPool, error) {
	settings, err := poolSettingsFromConfig(up)
	if err != nil {
		return ProvisionedPool{}, err
	}
	var p store.UserPool
	found := false
	if up.ID != "" {
		p, err = s.st.GetUserPool(ctx, up.ID)
		switch {
		case err == nil:
			found = true
		case !errors.Is(err, store.ErrNotFound):
			return ProvisionedPool{}, fmt.Errorf("get user pool: %w", err)
		}
	} else if p, found, err = s.findPoolByName(ctx, up.Name); err != nil {
		return ProvisionedPool{}, err
	}
	now := s.cfg.Now()
	if found {
		err = s.st.UpdateUserPool(ctx, p.ID, func(old store.UserPool) (store.UserPool, error) {
			old.Name, old.Settings, old.UpdatedAt = up.Name, settings, now
			p = old
			return old, nil
		})
		if err != nil {
			return ProvisionedPool{}, fmt.Errorf("update user pool: %w", err)
		}
	} else {
		id := up.ID
		if id == "" {
			if id, err = store.NewUserPoolID(s.cfg.Region, s.cfg.Rand); err != nil {
				return ProvisionedPool{}, err
			}
		}
		p = store.UserPool{ID: id, Name: up.Name, Settings: settings, CreatedAt: now, UpdatedAt: now}
		if err := s.st.CreateUserPool(ctx, p); err != nil {
			return ProvisionedPool{}, fmt.Errorf("create user pool: %w", err)
		}
	}
	res := ProvisionedPool{Name: up.Name, ID: p.ID, Issuer: s.Issuer(p), Clients: map[string]string{}}
	for j := range up.Clients {
		id, err := s.provisionClient(ctx, p, &up.Clients[j], sec)
		if err != nil {
			return res, fmt.Errorf("clients[%d] (%s): %w", j, up.Clients[j].Name, err)
		}
		res.Clients[up.Clients[j].Name] = id
	}
	for j, g := range up.Groups {
		if err := s.provisionGroup(ctx, p, g); err != nil {
			return res, fmt.Errorf("groups[%d] (%s): %w", j, g.Name, err)
		}
	}
	for j := range up.Users {
		if err := s.provisionUser(ctx, p, &up.Users[j], sec); err != nil {
			return res, fmt.Errorf("users[%d] (%s): %w", j, up.Users[j].Username, err)
		}
	}
	return res, nil
}

func (s *Server) provisionClient(ctx context.Context, p store.UserPool, cc *config.UserPoolClient, sec Secrets) (string, error) {
	in := clientIn{ClientName: cc.Name, ExplicitAuthFlows: cc.ExplicitAuthFlows, ReadAttributes: cc.ReadAttributes, WriteAttributes: cc.WriteAttributes,
		SupportedIdentityProviders: cc.SupportedIdentityProviders, CallbackURLs: cc.CallbackURLs, LogoutURLs: cc.LogoutURLs,
		AllowedOAuthFlows: cc.AllowedOAuthFlows, AllowedOAuthScopes: cc.AllowedOAuthScopes, AllowedOAuthFlowsUserPoolClient: cc.AllowedOAuthFlowsUserPoolClient,
		PreventUserExistenceErrors: cc.PreventUserExistenceErrors, EnableTokenRevocation: cc.EnableTokenRevocation}
	units := &tokenValidityUnitsType{}
	if d := cc.AccessTokenValidity.D(); d > 0 {
		in.AccessTokenValidity, units.AccessToken = int64(d/time.Second), "seconds"
	}
	if d := cc.IDTokenValidity.D(); d > 0 {
		in.IDTokenValidity, units.IDToken = int64(d/time.Second), "seconds"
	}
	if d := cc.RefreshTokenValidity.D(); d > 0 {
		in.RefreshTokenValidity, units.RefreshToken = int64(d/time.Second), "seconds"
	}
	in.TokenValidityUnits = units
	secret := ""
	if cc.SecretEnv != "" {
		v, ok := sec.LookupEnv(cc.SecretEnv)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s (client secret) is not set", cc.SecretEnv)
		}
		secret = v
	}
	existing, found := store.Client{}, false
	if cc.ID != "" {
		c, err := s.st.FindClient(ctx, cc.ID)
		switch {
		case err == nil && c.PoolID != p.ID:
			return "", fmt.Errorf("client id %s belongs to pool %s", cc.ID, c.PoolID)
		case err == nil:
			existing, found = c, true
		case !errors.Is(err, store.ErrNotFound):
			return "", fmt.Errorf("find client: %w", err)
		}
	} else {
		token := ""
		for range 1000 {
			list, next, err := s.st.ListClients(ctx, p.ID, store.ListOptions{Limit: store.MaxPageSize, Token: token})
			if err != nil {
				return "", fmt.Errorf("list clients: %w", err)
			}
			if i := slices.IndexFunc(list, func(c store.Client) bool { return c.Name == cc.Name }); i >= 0 {
				existing, found = list[i], true
				break
			}
			if next == "" {
				break
			}
			token = next
		}
	}
	if !found {
		in.GenerateSecret = cc.GenerateSecret
		c, err := s.createClient(ctx, p.ID, cc.ID, secret, in)
		return c.ClientID, err
	}
	err := s.st.UpdateClient(ctx, p.ID, existing.ClientID, func(c store.Client) (store.Client, error) {
		if err := clientFromInput(&c, in); err != nil {
			return c, err
		}
		switch {
		case secret != "":
			c.Secret = secret
		case !cc.GenerateSecret:
			c.Secret = ""
		case c.Secret == "":
			gen, err := store.NewClientSecret(s.cfg.Rand)
			if err != nil {
				return c, err
			}
			c.Secret = gen
		}
		c.UpdatedAt = s.cfg.Now()
		return c, nil
	})
	if err != nil {
		return "", fmt.Errorf("update client: %w", err)
	}
	return existing.ClientID, nil
}

func (s *Server) provisionGroup(ctx context.Context, p store.UserPool, g config.UserPoolGroup) error {
	var prec *int64
	if g.Precedence != nil {
		v := int64(*g.Precedence)
		prec = &v
	}
	_, err := s.st.GetGroup(ctx, p.ID, g.Name)
	if errors.Is(err, store.ErrNotFound) {
		_, err = s.createGroupRecord(ctx, store.Group{PoolID: p.ID, Name: g.Name, Description: g.Description, RoleArn: g.RoleARN, Precedence: prec})
		return err
	}
	if err != nil {
		return fmt.Errorf("get group: %w", err)
	}
	return s.st.UpdateGroup(ctx, p.ID, g.Name, func(old store.Group) (store.Group, error) {
		old.Description, old.RoleArn, old.Precedence, old.UpdatedAt = g.Description, g.RoleARN, prec, s.cfg.Now()
		return old, nil
	})
}

func (s *Server) userPassword(u *config.UserPoolUser, sec Secrets) (string, error) {
	switch {
	case u.PasswordEnv != "":
		v, ok := sec.LookupEnv(u.PasswordEnv)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s (password) is not set", u.PasswordEnv)
		}
		return v, nil
	case u.PasswordFile != "":
		b, err := sec.ReadFile(u.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("read password file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", nil
}

func (s *Server) provisionUser(ctx context.Context, p store.UserPool, cu *config.UserPoolUser, sec Secrets) error {
	password, err := s.userPassword(cu, sec)
	if err != nil {
		return err
	}
	if password != "" {
		if err := checkPolicy(p.Settings.PasswordPolicy, password); err != nil {
			return err
		}
	}
	var attrs []attrIn
	for _, name := range slices.Sorted(maps.Keys(cu.Attributes)) {
		attrs = append(attrs, attrIn{Name: name, Value: cu.Attributes[name]})
	}
	u, err := s.resolveUser(ctx, p, cu.Username)
	switch {
	case errors.Is(err, store.ErrNotFound):
		in := userIn{Username: cu.Username, UserAttributes: attrs, MessageAction: "SUPPRESS"}
		if u, err = s.createUserCore(ctx, p, in); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		if err := checkAttributes(p, attrs, true); err != nil {
			return err
		}
		if u, err = s.updateUser(ctx, p, u.Username, func(u *store.User) error { applyAttributes(u, attrs); return nil }); err != nil {
			return err
		}
	}
	if password != "" && (u.Status != store.StatusConfirmed || !checkPassword(u.PasswordHash, password)) {
		_, err := s.updateUser(ctx, p, u.Username, func(u *store.User) error {
			u.Status = store.StatusConfirmed
			u.TempPasswordExpiresAt = time.Time{}
			return s.setPassword(p.ID, u, password)
		})
		if err != nil {
			return err
		}
	}
	for _, g := range cu.Groups {
		if err := s.st.AddUserToGroup(ctx, p.ID, g, u.Username); err != nil {
			return fmt.Errorf("add to group %s: %w", g, err)
		}
	}
	return nil
}
