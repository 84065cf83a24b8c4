package sam

import (
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// setTrigger sets the named trigger; false when the name is unknown.
func (c *conv) setTrigger(pool *config.UserPool, name, fn string) bool {
	if pool.Triggers == nil {
		pool.Triggers = &config.UserPoolTriggers{}
	}
	t := pool.Triggers
	dst := map[string]*string{
		"PreSignUp": &t.PreSignUp, "PostConfirmation": &t.PostConfirmation, "PreAuthentication": &t.PreAuthentication,
		"PostAuthentication": &t.PostAuthentication, "PreTokenGeneration": &t.PreTokenGeneration, "CustomMessage": &t.CustomMessage,
		"DefineAuthChallenge": &t.DefineAuthChallenge, "CreateAuthChallenge": &t.CreateAuthChallenge,
		"VerifyAuthChallengeResponse": &t.VerifyAuthChallengeResponse, "UserMigration": &t.UserMigration,
	}[name]
	if dst == nil {
		return false
	}
	*dst = fn
	return true
}

// poolChild returns the properties of pool-scoped resource id, their path
// and the pool its UserPoolId names (nil, already reported, when it names none).
func (c *conv) poolChild(id string) (*Node, string, *config.UserPool) {
	p, path := c.props[id], "Resources."+id+".Properties"
	pid, ok := c.getStr(p, "UserPoolId", path)
	if !ok {
		c.errorf(p, path+".UserPoolId", "UserPoolId is required")
		return p, path, nil
	}
	pool := c.pools[pid]
	if pool == nil {
		c.errorf(p.Get("UserPoolId"), path+".UserPoolId", "%q is not a user pool of this template (use !Ref to an AWS::Cognito::UserPool)", pid)
	}
	return p, path, pool
}

func (c *conv) userPools() {
	var pools []*config.UserPool
	for _, id := range c.ids("AWS::Cognito::UserPool") {
		r := c.res.byID[id]
		p := c.props[id]
		path := "Resources." + id + ".Properties"
		pid, _ := c.res.physical(r, r.node, path)
		pool := &config.UserPool{Name: id, ID: pid}
		pool.UsernameAttributes = c.getStrList(p, "UsernameAttributes", path)
		pool.AliasAttributes = c.getStrList(p, "AliasAttributes", path)
		pool.AutoVerifiedAttributes = c.getStrList(p, "AutoVerifiedAttributes", path)
		if pol := c.getMap(p, "Policies", path); pol != nil {
			if pp := c.getMap(pol, "PasswordPolicy", path+".Policies"); pp != nil {
				at := path + ".Policies.PasswordPolicy"
				var x config.PasswordPolicy
				x.MinimumLength, _ = c.getInt(pp, "MinimumLength", at)
				x.RequireLowercase, _ = c.getBool(pp, "RequireLowercase", at)
				x.RequireUppercase, _ = c.getBool(pp, "RequireUppercase", at)
				x.RequireNumbers, _ = c.getBool(pp, "RequireNumbers", at)
				x.RequireSymbols, _ = c.getBool(pp, "RequireSymbols", at)
				x.TemporaryPasswordValidityDays, _ = c.getInt(pp, "TemporaryPasswordValidityDays", at)
				pool.PasswordPolicy = &x
			}
		}
		if sc := p.Get("Schema"); sc != nil {
			if sc.Kind != KindList {
				c.errorf(sc, path+".Schema", "Schema must be a list")
			} else {
				for i, a := range sc.Items {
					ap := fmt.Sprintf("%s.Schema[%d]", path, i)
					if a.Kind != KindMap {
						c.errorf(a, ap, "a schema attribute is a map")
						continue
					}
					var s config.SchemaAttribute
					s.Name, _ = c.getStr(a, "Name", ap)
					s.AttributeDataType, _ = c.getStr(a, "AttributeDataType", ap)
					s.DeveloperOnly, _ = c.getBool(a, "DeveloperOnlyAttribute", ap)
					if m, ok := c.getBool(a, "Mutable", ap); ok {
						s.Mutable = &m
					}
					s.Required, _ = c.getBool(a, "Required", ap)
					if sc := c.getMap(a, "StringAttributeConstraints", ap); sc != nil {
						s.MinLength, _ = c.getStr(sc, "MinLength", ap+".StringAttributeConstraints")
						s.MaxLength, _ = c.getStr(sc, "MaxLength", ap+".StringAttributeConstraints")
					}
					if nc := c.getMap(a, "NumberAttributeConstraints", ap); nc != nil {
						s.MinValue, _ = c.getStr(nc, "MinValue", ap+".NumberAttributeConstraints")
						s.MaxValue, _ = c.getStr(nc, "MaxValue", ap+".NumberAttributeConstraints")
					}
					for _, f := range a.Fields {
						switch f.Key {
						case "Name", "AttributeDataType", "DeveloperOnlyAttribute", "Mutable", "Required", "StringAttributeConstraints", "NumberAttributeConstraints":
						default:
							c.errorf(f.Value, joinPath(ap, f.Key), "unknown schema attribute property %q", f.Key)
						}
					}
					pool.Schema = append(pool.Schema, s)
				}
			}
		}
		if uc := c.getMap(p, "UsernameConfiguration", path); uc != nil {
			if cs, ok := c.getBool(uc, "CaseSensitive", path+".UsernameConfiguration"); ok {
				pool.CaseInsensitive = !cs
			}
		}
		if lc := c.getMap(p, "LambdaConfig", path); lc != nil {
			if ptc := c.getMap(lc, "PreTokenGenerationConfig", path+".LambdaConfig"); ptc != nil {
				pp := path + ".LambdaConfig.PreTokenGenerationConfig"
				if arn, ok := c.getStr(ptc, "LambdaArn", pp); ok {
					if fn, ok := c.fnByArn[arn]; ok {
						c.setTrigger(pool, "PreTokenGeneration", fn)
					} else {
						c.errorf(ptc.Get("LambdaArn"), pp+".LambdaArn", "%q is not a function of this template", arn)
					}
				}
				if v, ok := c.getStr(ptc, "LambdaVersion", pp); ok {
					if pool.Triggers == nil {
						pool.Triggers = &config.UserPoolTriggers{}
					}
					pool.Triggers.PreTokenGenerationVersion = v
				}
			}
			for _, f := range lc.Fields {
				fp := joinPath(path+".LambdaConfig", f.Key)
				s, ok := str(f.Value)
				if !ok || !contains(cognitoTriggers(), f.Key) {
					continue // other keys are checked by the spec
				}
				fn, ok := c.fnByArn[s]
				if !ok {
					c.errorf(f.Value, fp, "trigger %s: %q is not a function of this template", f.Key, s)
					continue
				}
				c.setTrigger(pool, f.Key, fn)
			}
		}
		if m, ok := c.getStr(p, "MfaConfiguration", path); ok && m != "OFF" {
			c.unsupported(p.Get("MfaConfiguration"), path+".MfaConfiguration", "MfaConfiguration %s: multi-factor authentication is not supported", m)
		}
		if ac := c.getMap(p, "AdminCreateUserConfig", path); ac != nil {
			if v, ok := c.getBool(ac, "AllowAdminCreateUserOnly", path+".AdminCreateUserConfig"); ok && v {
				c.unsupported(ac.Get("AllowAdminCreateUserOnly"), path+".AdminCreateUserConfig.AllowAdminCreateUserOnly", "AllowAdminCreateUserOnly true: disabling self sign-up is not supported")
			}
		}
		c.trace[fmt.Sprintf("userPools[%d]", len(pools))] = tracePoint{path: "Resources." + id, at: r.node}
		pools = append(pools, pool)
		c.pools[pid] = pool
	}
	for _, id := range c.ids("AWS::Cognito::UserPoolClient") {
		p, path, pool := c.poolChild(id)
		if pool == nil {
			continue
		}
		r := c.res.byID[id]
		cid, _ := c.res.physical(r, r.node, path)
		cl := config.UserPoolClient{Name: id, ID: cid}
		if n, ok := c.getStr(p, "ClientName", path); ok {
			cl.Name = n
		}
		cl.GenerateSecret, _ = c.getBool(p, "GenerateSecret", path)
		cl.SecretEnv = c.gatehouseMeta(r, "secretEnv")
		cl.ExplicitAuthFlows = c.getStrList(p, "ExplicitAuthFlows", path)
		cl.AllowedOAuthFlows = c.getStrList(p, "AllowedOAuthFlows", path)
		cl.AllowedOAuthScopes = c.getStrList(p, "AllowedOAuthScopes", path)
		cl.AllowedOAuthFlowsUserPoolClient, _ = c.getBool(p, "AllowedOAuthFlowsUserPoolClient", path)
		cl.CallbackURLs = c.getStrList(p, "CallbackURLs", path)
		cl.LogoutURLs = c.getStrList(p, "LogoutURLs", path)
		cl.SupportedIdentityProviders = c.getStrList(p, "SupportedIdentityProviders", path)
		cl.ReadAttributes = c.getStrList(p, "ReadAttributes", path)
		cl.WriteAttributes = c.getStrList(p, "WriteAttributes", path)
		cl.PreventUserExistenceErrors, _ = c.getStr(p, "PreventUserExistenceErrors", path)
		if v, ok := c.getBool(p, "EnableTokenRevocation", path); ok {
			cl.EnableTokenRevocation = &v
		}
		units := c.getMap(p, "TokenValidityUnits", path)
		validity := func(key, unitKey, def string) config.Duration {
			n, ok := c.getInt(p, key, path)
			if !ok {
				return 0
			}
			unit := def
			if u, ok := c.getStr(units, unitKey, path+".TokenValidityUnits"); ok {
				unit = u
			}
			d := map[string]time.Duration{"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour}[unit]
			if d == 0 {
				c.errorf(units.Get(unitKey), path+".TokenValidityUnits."+unitKey, "unit %q must be seconds, minutes, hours or days", unit)
			}
			return config.Duration(time.Duration(n) * d)
		}
		cl.AccessTokenValidity = validity("AccessTokenValidity", "AccessToken", "hours")
		cl.IDTokenValidity = validity("IdTokenValidity", "IdToken", "hours")
		cl.RefreshTokenValidity = validity("RefreshTokenValidity", "RefreshToken", "days")
		pool.Clients = append(pool.Clients, cl)
	}
	for _, id := range c.ids("AWS::Cognito::UserPoolGroup") {
		p, path, pool := c.poolChild(id)
		if pool == nil {
			continue
		}
		r := c.res.byID[id]
		name, _ := c.res.physical(r, r.node, path)
		g := config.UserPoolGroup{Name: name}
		g.Description, _ = c.getStr(p, "Description", path)
		if v, ok := c.getInt(p, "Precedence", path); ok {
			g.Precedence = &v
		}
		g.RoleARN, _ = c.getStr(p, "RoleArn", path)
		pool.Groups = append(pool.Groups, g)
	}
	for _, id := range c.ids("AWS::Cognito::UserPoolUser") {
		p, path, pool := c.poolChild(id)
		if pool == nil {
			continue
		}
		r := c.res.byID[id]
		name, _ := c.res.physical(r, r.node, path)
		u := config.UserPoolUser{Username: name, PasswordEnv: c.gatehouseMeta(r, "passwordEnv"), PasswordFile: c.gatehouseMeta(r, "passwordFile")}
		if ua := p.Get("UserAttributes"); ua != nil {
			if ua.Kind != KindList {
				c.errorf(ua, path+".UserAttributes", "UserAttributes must be a list of {Name, Value}")
			} else {
				u.Attributes = map[string]string{}
				for i, a := range ua.Items {
					ap := fmt.Sprintf("%s.UserAttributes[%d]", path, i)
					n, ok1 := c.getStr(a, "Name", ap)
					v, ok2 := c.getStr(a, "Value", ap)
					if !ok1 || !ok2 {
						c.errorf(a, ap, "a user attribute needs Name and Value")
						continue
					}
					u.Attributes[n] = v
				}
			}
		}
		pool.Users = append(pool.Users, u)
	}
	for _, id := range c.ids("AWS::Cognito::UserPoolUserToGroupAttachment") {
		p, path, pool := c.poolChild(id)
		if pool == nil {
			continue
		}
		user, _ := c.getStr(p, "Username", path)
		group, _ := c.getStr(p, "GroupName", path)
		found := false
		for i := range pool.Users {
			if pool.Users[i].Username == user {
				pool.Users[i].Groups = append(pool.Users[i].Groups, group)
				found = true
			}
		}
		if !found {
			c.errorf(p.Get("Username"), path+".Username", "%q is not a user of pool %s declared in this template", user, pool.Name)
		}
		gFound := false
		for _, g := range pool.Groups {
			gFound = gFound || g.Name == group
		}
		if !gFound {
			c.errorf(p.Get("GroupName"), path+".GroupName", "%q is not a group of pool %s declared in this template", group, pool.Name)
		}
	}
	for _, id := range c.ids("AWS::Cognito::UserPoolDomain") {
		if p, path, pool := c.poolChild(id); pool != nil {
			pool.Domain, _ = c.getStr(p, "Domain", path)
		}
	}
	for _, id := range c.ids("AWS::Cognito::UserPoolResourceServer") {
		p, path, pool := c.poolChild(id)
		if pool == nil {
			continue
		}
		rs := config.ResourceServer{}
		rs.Identifier, _ = c.getStr(p, "Identifier", path)
		rs.Name, _ = c.getStr(p, "Name", path)
		if sc := p.Get("Scopes"); sc != nil && sc.Kind == KindList {
			for i, s := range sc.Items {
				sp := fmt.Sprintf("%s.Scopes[%d]", path, i)
				var x config.ResourceScope
				x.Name, _ = c.getStr(s, "ScopeName", sp)
				x.Description, _ = c.getStr(s, "ScopeDescription", sp)
				rs.Scopes = append(rs.Scopes, x)
			}
		}
		pool.ResourceServers = append(pool.ResourceServers, rs)
	}
	for _, p := range pools {
		c.cfg.UserPools = append(c.cfg.UserPools, *p)
	}
	// c.pools must point into the config slice from now on (events and
	// JWT authorizers update pools after this).
	for i := range c.cfg.UserPools {
		c.pools[c.cfg.UserPools[i].ID] = &c.cfg.UserPools[i]
	}
}

// gatehouseMeta returns the string at Metadata.gatehouse.<key> of a
// resource: gatehouse-specific settings CloudFormation has no property for.
func (c *conv) gatehouseMeta(r *resource, key string) string {
	n := r.node.Get("Metadata").Get("gatehouse").Get(key)
	if n == nil {
		return ""
	}
	path := "Resources." + r.id + ".Metadata.gatehouse." + key
	v := c.e.eval(n, path)
	s, ok := str(v)
	if !ok {
		if v != c.e.bad {
			c.errorf(n, path, "%s must be a string", key)
		}
		return ""
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var _ = strings.TrimSpace
