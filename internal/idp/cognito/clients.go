package cognito

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/store"
)

type clientIn struct {
	UserPoolID                      string                  `json:"UserPoolId"`
	ClientID                        string                  `json:"ClientId"`
	ClientName                      string                  `json:"ClientName"`
	GenerateSecret                  bool                    `json:"GenerateSecret"`
	RefreshTokenValidity            int64                   `json:"RefreshTokenValidity"`
	AccessTokenValidity             int64                   `json:"AccessTokenValidity"`
	IDTokenValidity                 int64                   `json:"IdTokenValidity"`
	TokenValidityUnits              *tokenValidityUnitsType `json:"TokenValidityUnits"`
	ReadAttributes                  []string                `json:"ReadAttributes"`
	WriteAttributes                 []string                `json:"WriteAttributes"`
	ExplicitAuthFlows               []string                `json:"ExplicitAuthFlows"`
	SupportedIdentityProviders      []string                `json:"SupportedIdentityProviders"`
	CallbackURLs                    []string                `json:"CallbackURLs"`
	LogoutURLs                      []string                `json:"LogoutURLs"`
	DefaultRedirectURI              string                  `json:"DefaultRedirectURI"`
	AllowedOAuthFlows               []string                `json:"AllowedOAuthFlows"`
	AllowedOAuthScopes              []string                `json:"AllowedOAuthScopes"`
	AllowedOAuthFlowsUserPoolClient bool                    `json:"AllowedOAuthFlowsUserPoolClient"`
	PreventUserExistenceErrors      string                  `json:"PreventUserExistenceErrors"`
	EnableTokenRevocation           *bool                   `json:"EnableTokenRevocation"`
	AuthSessionValidity             int                     `json:"AuthSessionValidity"`
}

type tokenValidityUnitsType struct {
	AccessToken  string `json:"AccessToken,omitempty"`
	IDToken      string `json:"IdToken,omitempty"`
	RefreshToken string `json:"RefreshToken,omitempty"`
}

// Auth flow names accepted in ExplicitAuthFlows.
var (
	allowFlows  = []string{"ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"}
	legacyFlows = []string{"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH"}
)

func validUnit(u string) bool {
	return u == "" || u == "seconds" || u == "minutes" || u == "hours" || u == "days"
}

// clientFromInput validates in and fills c's settable fields (full
// replacement, as UpdateUserPoolClient does).
func clientFromInput(c *store.Client, in clientIn) error {
	if in.ClientName == "" {
		return missing("clientName")
	}
	var hasAllow, hasLegacy bool
	for _, f := range in.ExplicitAuthFlows {
		switch {
		case slices.Contains(allowFlows, f):
			hasAllow = true
		case slices.Contains(legacyFlows, f):
			hasLegacy = true
		default:
			return apiErr(excInvalidParameter, "1 validation error detected: Value '[%s]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy enum value set", limitString(f, 64))
		}
	}
	if hasAllow && hasLegacy {
		return apiErr(excInvalidParameter, "ExplicitAuthFlows can not have both ALLOW_XXX and non-ALLOW_XXX values.")
	}
	if in.PreventUserExistenceErrors != "" && in.PreventUserExistenceErrors != "LEGACY" && in.PreventUserExistenceErrors != "ENABLED" {
		return apiErr(excInvalidParameter, "Invalid PreventUserExistenceErrors %q", limitString(in.PreventUserExistenceErrors, 20))
	}
	units := store.TokenValidityUnits{}
	if u := in.TokenValidityUnits; u != nil {
		if !validUnit(u.AccessToken) || !validUnit(u.IDToken) || !validUnit(u.RefreshToken) {
			return apiErr(excInvalidParameter, "Invalid TokenValidityUnits")
		}
		units = store.TokenValidityUnits{AccessToken: u.AccessToken, IDToken: u.IDToken, RefreshToken: u.RefreshToken}
	}
	if in.AuthSessionValidity != 0 && (in.AuthSessionValidity < 3 || in.AuthSessionValidity > 15) {
		return apiErr(excInvalidParameter, "AuthSessionValidity must be between 3 and 15")
	}
	c.Name = in.ClientName
	c.ExplicitAuthFlows = in.ExplicitAuthFlows
	if len(c.ExplicitAuthFlows) == 0 {
		c.ExplicitAuthFlows = []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"}
	}
	c.AccessTokenValidity, c.IDTokenValidity, c.RefreshTokenValidity = in.AccessTokenValidity, in.IDTokenValidity, in.RefreshTokenValidity
	c.TokenValidityUnits = units
	c.ReadAttributes, c.WriteAttributes = in.ReadAttributes, in.WriteAttributes
	c.SupportedIdentityProviders = in.SupportedIdentityProviders
	c.CallbackURLs, c.LogoutURLs, c.DefaultRedirectURI = in.CallbackURLs, in.LogoutURLs, in.DefaultRedirectURI
	c.AllowedOAuthFlows, c.AllowedOAuthScopes, c.AllowedOAuthFlowsUserPoolClient = in.AllowedOAuthFlows, in.AllowedOAuthScopes, in.AllowedOAuthFlowsUserPoolClient
	c.PreventUserExistenceErrors = in.PreventUserExistenceErrors
	if c.PreventUserExistenceErrors == "" {
		c.PreventUserExistenceErrors = "LEGACY"
	}
	c.EnableTokenRevocation = in.EnableTokenRevocation == nil || *in.EnableTokenRevocation
	c.AuthSessionValidity = in.AuthSessionValidity
	if c.AuthSessionValidity == 0 {
		c.AuthSessionValidity = 3
	}
	return nil
}

type userPoolClientType struct {
	UserPoolID                      string                  `json:"UserPoolId"`
	ClientName                      string                  `json:"ClientName"`
	ClientID                        string                  `json:"ClientId"`
	ClientSecret                    string                  `json:"ClientSecret,omitempty"`
	LastModifiedDate                epoch                   `json:"LastModifiedDate"`
	CreationDate                    epoch                   `json:"CreationDate"`
	RefreshTokenValidity            int64                   `json:"RefreshTokenValidity"`
	AccessTokenValidity             int64                   `json:"AccessTokenValidity,omitempty"`
	IDTokenValidity                 int64                   `json:"IdTokenValidity,omitempty"`
	TokenValidityUnits              *tokenValidityUnitsType `json:"TokenValidityUnits,omitempty"`
	ReadAttributes                  []string                `json:"ReadAttributes,omitempty"`
	WriteAttributes                 []string                `json:"WriteAttributes,omitempty"`
	ExplicitAuthFlows               []string                `json:"ExplicitAuthFlows,omitempty"`
	SupportedIdentityProviders      []string                `json:"SupportedIdentityProviders,omitempty"`
	CallbackURLs                    []string                `json:"CallbackURLs,omitempty"`
	LogoutURLs                      []string                `json:"LogoutURLs,omitempty"`
	DefaultRedirectURI              string                  `json:"DefaultRedirectURI,omitempty"`
	AllowedOAuthFlows               []string                `json:"AllowedOAuthFlows,omitempty"`
	AllowedOAuthScopes              []string                `json:"AllowedOAuthScopes,omitempty"`
	AllowedOAuthFlowsUserPoolClient bool                    `json:"AllowedOAuthFlowsUserPoolClient"`
	PreventUserExistenceErrors      string                  `json:"PreventUserExistenceErrors"`
	EnableTokenRevocation           bool                    `json:"EnableTokenRevocation"`
	AuthSessionValidity             int                     `json:"AuthSessionValidity"`
}

func toClientType(c store.Client) userPoolClientType {
	out := userPoolClientType{
		UserPoolID: c.PoolID, ClientName: c.Name, ClientID: c.ClientID, ClientSecret: c.Secret,
		LastModifiedDate: epoch(c.UpdatedAt), CreationDate: epoch(c.CreatedAt),
		RefreshTokenValidity: c.RefreshTokenValidity, AccessTokenValidity: c.AccessTokenValidity, IDTokenValidity: c.IDTokenValidity,
		ReadAttributes: c.ReadAttributes, WriteAttributes: c.WriteAttributes, ExplicitAuthFlows: c.ExplicitAuthFlows,
		SupportedIdentityProviders: c.SupportedIdentityProviders, CallbackURLs: c.CallbackURLs, LogoutURLs: c.LogoutURLs,
		DefaultRedirectURI: c.DefaultRedirectURI, AllowedOAuthFlows: c.AllowedOAuthFlows, AllowedOAuthScopes: c.AllowedOAuthScopes,
		AllowedOAuthFlowsUserPoolClient: c.AllowedOAuthFlowsUserPoolClient, PreventUserExistenceErrors: c.PreventUserExistenceErrors,
		EnableTokenRevocation: c.EnableTokenRevocation, AuthSessionValidity: c.AuthSessionValidity,
	}
	if out.RefreshTokenValidity == 0 {
		out.RefreshTokenValidity = 30
	}
	if u := c.TokenValidityUnits; u != (store.TokenValidityUnits{}) {
		out.TokenValidityUnits = &tokenValidityUnitsType{AccessToken: u.AccessToken, IDToken: u.IDToken, RefreshToken: u.RefreshToken}
	}
	return out
}

// createClient creates a client; id and secret may be fixed (config).
func (s *Server) createClient(ctx context.Context, poolID, id, secret string, in clientIn) (store.Client, error) {
	if _, err := s.pool(ctx, poolID); err != nil {
		return store.Client{}, err
	}
	var c store.Client
	if err := clientFromInput(&c, in); err != nil {
		return c, err
	}
	var err error
	if id == "" {
		if id, err = store.NewClientID(s.cfg.Rand); err != nil {
			return c, err
		}
	}
	if secret == "" && in.GenerateSecret {
		if secret, err = store.NewClientSecret(s.cfg.Rand); err != nil {
			return c, err
		}
	}
	now := s.cfg.Now()
	c.PoolID, c.ClientID, c.Secret, c.CreatedAt, c.UpdatedAt = poolID, id, secret, now, now
	if err := s.st.CreateClient(ctx, c); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return c, apiErr(excInvalidParameter, "Client %s already exists.", id)
		}
		return c, fmt.Errorf("create client: %w", err)
	}
	return c, nil
}

// clientCall decodes a client operation and resolves its pool and client.
func (s *Server) clientCall(ctx context.Context, c *call) (clientIn, store.Client, error) {
	var in clientIn
	if _, err := s.poolCall(ctx, c, &in); err != nil {
		return in, store.Client{}, err
	}
	cl, err := s.poolClient(ctx, in.UserPoolID, in.ClientID)
	return in, cl, err
}

func (s *Server) createUserPoolClient(ctx context.Context, c *call) (any, error) {
	var in clientIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	cl, err := s.createClient(ctx, in.UserPoolID, "", "", in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserPoolClient": toClientType(cl)}, nil
}

func (s *Server) describeUserPoolClient(ctx context.Context, c *call) (any, error) {
	_, cl, err := s.clientCall(ctx, c)
	if err != nil {
		return nil, err
	}
	return map[string]any{"UserPoolClient": toClientType(cl)}, nil
}

func (s *Server) listUserPoolClients(ctx context.Context, c *call) (any, error) {
	var in struct {
		UserPoolID string `json:"UserPoolId"`
		MaxResults int    `json:"MaxResults"`
		NextToken  string `json:"NextToken"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if _, err := s.pool(ctx, in.UserPoolID); err != nil {
		return nil, err
	}
	limit := in.MaxResults
	if limit <= 0 || limit > 60 {
		limit = 60
	}
	list, next, err := s.st.ListClients(ctx, in.UserPoolID, store.ListOptions{Limit: limit, Token: in.NextToken})
	if err != nil {
		return nil, storeErr(err, "nextToken")
	}
	type desc struct {
		ClientID   string `json:"ClientId"`
		UserPoolID string `json:"UserPoolId"`
		ClientName string `json:"ClientName"`
	}
	out := []desc{}
	for _, cl := range list {
		out = append(out, desc{cl.ClientID, cl.PoolID, cl.Name})
	}
	res := map[string]any{"UserPoolClients": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res, nil
}

func (s *Server) updateUserPoolClient(ctx context.Context, c *call) (any, error) {
	in, _, err := s.clientCall(ctx, c)
	if err != nil {
		return nil, err
	}
	var out store.Client
	err = s.st.UpdateClient(ctx, in.UserPoolID, in.ClientID, func(cl store.Client) (store.Client, error) {
		if in.ClientName == "" {
			in.ClientName = cl.Name
		}
		if err := clientFromInput(&cl, in); err != nil {
			return cl, err
		}
		cl.UpdatedAt = s.cfg.Now()
		out = cl
		return cl, nil
	})
	if err != nil {
		return nil, storeErr(err, "update client")
	}
	return map[string]any{"UserPoolClient": toClientType(out)}, nil
}

func (s *Server) deleteUserPoolClient(ctx context.Context, c *call) (any, error) {
	in, _, err := s.clientCall(ctx, c)
	if err != nil {
		return nil, err
	}
	return nil, storeErr(s.st.DeleteClient(ctx, in.UserPoolID, in.ClientID), "delete client")
}

// flowAllowed reports whether the client allows an auth flow.
func flowAllowed(c store.Client, flow string) bool {
	has := func(f string) bool { return slices.Contains(c.ExplicitAuthFlows, f) }
	legacyOnly := len(c.ExplicitAuthFlows) > 0 && !strings.HasPrefix(c.ExplicitAuthFlows[0], "ALLOW_")
	switch flow {
	case "USER_SRP_AUTH":
		return has("ALLOW_USER_SRP_AUTH") || legacyOnly
	case "USER_PASSWORD_AUTH":
		return has("ALLOW_USER_PASSWORD_AUTH") || has("USER_PASSWORD_AUTH")
	case "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
		return has("ALLOW_ADMIN_USER_PASSWORD_AUTH") || has("ADMIN_NO_SRP_AUTH")
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		return has("ALLOW_REFRESH_TOKEN_AUTH") || legacyOnly
	case "CUSTOM_AUTH":
		return has("ALLOW_CUSTOM_AUTH") || has("CUSTOM_AUTH_FLOW_ONLY")
	}
	return false
}

// ---- groups ----------------------------------------------------------

type groupIn struct {
	UserPoolID  string  `json:"UserPoolId"`
	GroupName   string  `json:"GroupName"`
	Description *string `json:"Description"`
	RoleArn     *string `json:"RoleArn"`
	Precedence  *int64  `json:"Precedence"`
	Limit       int     `json:"Limit"`
	NextToken   string  `json:"NextToken"`
}

func validGroupName(n string) error {
	if n == "" {
		return missing("groupName")
	}
	if len(n) > 128 {
		return apiErr(excInvalidParameter, "1 validation error detected: Value at 'groupName' failed to satisfy constraint: Member must have length less than or equal to 128")
	}
	return nil
}

func (s *Server) createGroupRecord(ctx context.Context, g store.Group) (store.Group, error) {
	if err := validGroupName(g.Name); err != nil {
		return g, err
	}
	if g.Precedence != nil && *g.Precedence < 0 {
		return g, apiErr(excInvalidParameter, "Precedence must be non-negative")
	}
	now := s.cfg.Now()
	g.CreatedAt, g.UpdatedAt = now, now
	if err := s.st.CreateGroup(ctx, g); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return g, apiErr(excGroupExists, "A group with the name already exists.")
		}
		return g, fmt.Errorf("create group: %w", err)
	}
	return g, nil
}

func (s *Server) createGroup(ctx context.Context, c *call) (any, error) {
	var in groupIn
	_, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	g := store.Group{PoolID: in.UserPoolID, Name: in.GroupName, Precedence: in.Precedence}
	if in.Description != nil {
		g.Description = *in.Description
	}
	if in.RoleArn != nil {
		g.RoleArn = *in.RoleArn
	}
	g, err = s.createGroupRecord(ctx, g)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Group": toGroupType(g)}, nil
}

func (s *Server) group(ctx context.Context, poolID, name string) (store.Group, error) {
	if err := validGroupName(name); err != nil {
		return store.Group{}, err
	}
	g, err := s.st.GetGroup(ctx, poolID, name)
	if errors.Is(err, store.ErrNotFound) {
		return g, apiErr(excResourceNotFound, "Group not found.")
	}
	return g, storeErr(err, "get group")
}

func (s *Server) getGroup(ctx context.Context, c *call) (any, error) {
	var in groupIn
	_, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	g, err := s.group(ctx, in.UserPoolID, in.GroupName)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Group": toGroupType(g)}, nil
}

func (s *Server) updateGroup(ctx context.Context, c *call) (any, error) {
	var in groupIn
	_, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	if _, err := s.group(ctx, in.UserPoolID, in.GroupName); err != nil {
		return nil, err
	}
	var out store.Group
	err = s.st.UpdateGroup(ctx, in.UserPoolID, in.GroupName, func(g store.Group) (store.Group, error) {
		if in.Description != nil {
			g.Description = *in.Description
		}
		if in.RoleArn != nil {
			g.RoleArn = *in.RoleArn
		}
		if in.Precedence != nil {
			g.Precedence = in.Precedence
		}
		g.UpdatedAt = s.cfg.Now()
		out = g
		return g, nil
	})
	if err != nil {
		return nil, storeErr(err, "update group")
	}
	return map[string]any{"Group": toGroupType(out)}, nil
}

func (s *Server) listGroups(ctx context.Context, c *call) (any, error) {
	var in groupIn
	_, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	list, next, err := s.st.ListGroups(ctx, in.UserPoolID, store.ListOptions{Limit: min(max(in.Limit, 0), 60), Token: in.NextToken})
	if err != nil {
		return nil, storeErr(err, "nextToken")
	}
	return groupsPage(list, next), nil
}

func groupsPage(list []store.Group, next string) map[string]any {
	out := []groupType{}
	for _, g := range list {
		out = append(out, toGroupType(g))
	}
	res := map[string]any{"Groups": out}
	if next != "" {
		res["NextToken"] = next
	}
	return res
}

func (s *Server) deleteGroup(ctx context.Context, c *call) (any, error) {
	var in groupIn
	_, err := s.poolCall(ctx, c, &in)
	if err != nil {
		return nil, err
	}
	if _, err := s.group(ctx, in.UserPoolID, in.GroupName); err != nil {
		return nil, err
	}
	return nil, storeErr(s.st.DeleteGroup(ctx, in.UserPoolID, in.GroupName), "delete group")
}
