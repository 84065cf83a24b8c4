package sam

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
)

func (c *conv) inlinePolicies(p *Node, path string) []config.InlinePolicy {
	v := p.Get("Policies")
	if v == nil {
		return nil
	}
	if v.Kind != KindList {
		c.errorf(v, path+".Policies", "Policies must be a list of {PolicyName, PolicyDocument}")
		return nil
	}
	var out []config.InlinePolicy
	for i, it := range v.Items {
		ip := fmt.Sprintf("%s.Policies[%d]", path, i)
		name, ok := c.getStr(it, "PolicyName", ip)
		if !ok {
			c.errorf(it, ip+".PolicyName", "an inline policy needs PolicyName")
			continue
		}
		doc := c.policyDoc(it.Get("PolicyDocument"), ip+".PolicyDocument")
		if doc == nil {
			c.errorf(it, ip+".PolicyDocument", "an inline policy needs PolicyDocument")
			continue
		}
		out = append(out, config.InlinePolicy{Name: name, Document: doc})
	}
	return out
}

func (c *conv) iam() {
	m := &config.IAM{}
	managedByArn := map[string]string{}
	for _, id := range c.ids("AWS::IAM::ManagedPolicy") {
		p, path := c.props[id], "Resources."+id+".Properties"
		r := c.res.byID[id]
		arn, ok := c.res.physical(r, r.node, path)
		if !ok {
			continue
		}
		name := arn[strings.LastIndexByte(arn, '/')+1:]
		mp := config.ManagedPolicy{Name: name, Document: c.policyDoc(p.Get("PolicyDocument"), path+".PolicyDocument")}
		mp.Path, _ = c.getStr(p, "Path", path)
		if mp.Document == nil {
			c.errorf(r.node, path+".PolicyDocument", "%s needs a PolicyDocument", id)
		}
		managedByArn[arn] = name
		c.trace[fmt.Sprintf("iam.policies[%d]", len(m.Policies))] = tracePoint{path: "Resources." + id, at: r.node}
		m.Policies = append(m.Policies, mp)
	}
	managed := func(p *Node, path string) []string {
		var out []string
		for _, a := range c.getStrList(p, "ManagedPolicyArns", path) {
			if n, ok := managedByArn[a]; ok {
				out = append(out, n)
			} else {
				c.warnf(p.Get("ManagedPolicyArns"), path+".ManagedPolicyArns", "managed policy %s is ignored: it is not defined in this template (its permissions are not granted)", a)
			}
		}
		return out
	}
	userIdx := map[string]int{}
	for _, id := range c.ids("AWS::IAM::User") {
		p, path := c.props[id], "Resources."+id+".Properties"
		r := c.res.byID[id]
		name, ok := c.res.physical(r, r.node, path)
		if !ok {
			continue
		}
		u := config.IAMUser{Name: name, Policies: c.inlinePolicies(p, path), ManagedPolicies: managed(p, path)}
		u.Path, _ = c.getStr(p, "Path", path)
		u.Tags = c.tags(p, path)
		userIdx[name] = len(m.Users)
		c.trace[fmt.Sprintf("iam.users[%d]", len(m.Users))] = tracePoint{path: "Resources." + id, at: r.node}
		m.Users = append(m.Users, u)
	}
	for _, id := range c.ids("AWS::IAM::AccessKey") {
		p, path := c.props[id], "Resources."+id+".Properties"
		r := c.res.byID[id]
		user, ok := c.getStr(p, "UserName", path)
		if !ok {
			c.errorf(r.node, path+".UserName", "%s needs a UserName", id)
			continue
		}
		ui, ok := userIdx[user]
		if !ok {
			c.errorf(p.Get("UserName"), path+".UserName", "%q is not an AWS::IAM::User of this template", user)
			continue
		}
		kid, _ := c.res.physical(r, r.node, path)
		secret, ok := c.res.secret(id)
		if !ok {
			c.errorf(r.node, path, "cannot generate a secret access key")
			continue
		}
		k := config.AccessKey{ID: kid, Secret: secret}
		if s, ok := c.getStr(p, "Status", path); ok {
			switch s {
			case "Active":
			case "Inactive":
				k.Inactive = true
			default:
				c.errorf(p.Get("Status"), path+".Status", "Status must be Active or Inactive, got %q", s)
			}
		}
		m.Users[ui].AccessKeys = append(m.Users[ui].AccessKeys, k)
	}
	roleIdx := map[string]int{}
	for _, id := range c.ids("AWS::IAM::Role") {
		p, path := c.props[id], "Resources."+id+".Properties"
		r := c.res.byID[id]
		name, ok := c.res.physical(r, r.node, path)
		if !ok {
			continue
		}
		role := config.IAMRole{Name: name, Policies: c.inlinePolicies(p, path), ManagedPolicies: managed(p, path)}
		role.Path, _ = c.getStr(p, "Path", path)
		role.Tags = c.tags(p, path)
		role.TrustPolicy = c.policyDoc(p.Get("AssumeRolePolicyDocument"), path+".AssumeRolePolicyDocument")
		if role.TrustPolicy == nil {
			c.errorf(r.node, path+".AssumeRolePolicyDocument", "role %s needs an AssumeRolePolicyDocument", id)
		}
		if s, ok := c.getInt(p, "MaxSessionDuration", path); ok {
			role.MaxSessionDuration = seconds(s)
		}
		roleIdx[name] = len(m.Roles)
		c.trace[fmt.Sprintf("iam.roles[%d]", len(m.Roles))] = tracePoint{path: "Resources." + id, at: r.node}
		m.Roles = append(m.Roles, role)
	}
	attach := func(p *Node, path string, onUser func(int), onRole func(int)) {
		for _, u := range c.getStrList(p, "Users", path) {
			if i, ok := userIdx[u]; ok {
				onUser(i)
			} else {
				c.errorf(p.Get("Users"), path+".Users", "%q is not an AWS::IAM::User of this template", u)
			}
		}
		for _, rn := range c.getStrList(p, "Roles", path) {
			if i, ok := roleIdx[rn]; ok {
				onRole(i)
			} else {
				c.errorf(p.Get("Roles"), path+".Roles", "%q is not an AWS::IAM::Role of this template", rn)
			}
		}
	}
	for _, id := range c.ids("AWS::IAM::ManagedPolicy") {
		p, path := c.props[id], "Resources."+id+".Properties"
		arn, _ := c.res.physical(c.res.byID[id], nil, path)
		name := managedByArn[arn]
		attach(p, path, func(i int) { m.Users[i].ManagedPolicies = append(m.Users[i].ManagedPolicies, name) },
			func(i int) { m.Roles[i].ManagedPolicies = append(m.Roles[i].ManagedPolicies, name) })
	}
	for _, id := range c.ids("AWS::IAM::Policy") {
		p, path := c.props[id], "Resources."+id+".Properties"
		r := c.res.byID[id]
		name, _ := c.res.physical(r, r.node, path)
		doc := c.policyDoc(p.Get("PolicyDocument"), path+".PolicyDocument")
		if doc == nil {
			c.errorf(r.node, path+".PolicyDocument", "%s needs a PolicyDocument", id)
			continue
		}
		ip := config.InlinePolicy{Name: name, Document: doc}
		if p.Get("Users") == nil && p.Get("Roles") == nil {
			c.warnf(r.node, "Resources."+id, "policy %s is attached to no user or role", id)
		}
		attach(p, path, func(i int) { m.Users[i].Policies = append(m.Users[i].Policies, ip) },
			func(i int) { m.Roles[i].Policies = append(m.Roles[i].Policies, ip) })
	}
	if len(m.Users)+len(m.Roles)+len(m.Policies) > 0 {
		c.cfg.IAM = m
	}
}

func (c *conv) tags(p *Node, path string) map[string]string {
	v := p.Get("Tags")
	if v == nil {
		return nil
	}
	if v.Kind != KindList {
		c.errorf(v, path+".Tags", "Tags must be a list of {Key, Value}")
		return nil
	}
	out := map[string]string{}
	for i, t := range v.Items {
		tp := fmt.Sprintf("%s.Tags[%d]", path, i)
		k, ok1 := c.getStr(t, "Key", tp)
		val, ok2 := c.getStr(t, "Value", tp)
		if ok1 && ok2 {
			out[k] = val
		}
	}
	return out
}
