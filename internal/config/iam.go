package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/policy"
)

// IAM holds IAM principals and managed policies. Owned by the IAM capability.
// The root credentials are not configured here: they come from the
// environment (GATEHOUSE_ACCESS_KEY_ID / GATEHOUSE_SECRET_ACCESS_KEY).
type IAM struct {
	// Users are IAM users with long-term access keys.
	Users []IAMUser `yaml:"users,omitempty" json:"users,omitempty"`
	// Roles are IAM roles, assumed through the STS AssumeRole endpoint.
	Roles []IAMRole `yaml:"roles,omitempty" json:"roles,omitempty"`
	// Policies are customer-managed policies attached to users and roles by
	// name.
	Policies []ManagedPolicy `yaml:"policies,omitempty" json:"policies,omitempty"`
	// ClockSkew is the SigV4 allowed clock skew (default 5m, as API Gateway;
	// at most 15m).
	ClockSkew Duration `yaml:"clockSkew,omitempty" json:"clockSkew,omitempty"`
	// AllowUnsignedPayload accepts X-Amz-Content-Sha256: UNSIGNED-PAYLOAD.
	// API Gateway refuses it; default false.
	AllowUnsignedPayload bool `yaml:"allowUnsignedPayload,omitempty" json:"allowUnsignedPayload,omitempty"`
	// Accounts declare principals of other AWS accounts (callers that are
	// cross-account for every API, which settings.accountId owns). Users,
	// roles and policies above belong to settings.accountId.
	Accounts []IAMAccount `yaml:"accounts,omitempty" json:"accounts,omitempty"`
}

// IAMAccount is another AWS account whose users and roles may call the
// gateway. Its users' and roles' ARNs, aws:PrincipalAccount and the
// integration's accountId are this account's id; managedPolicies name
// entries of this account's own policies (managed policies belong to one
// account, as in IAM).
type IAMAccount struct {
	// ID is the 12-digit account id; it must differ from settings.accountId
	// and from every other entry.
	ID       string          `yaml:"id" json:"id"`
	Users    []IAMUser       `yaml:"users,omitempty" json:"users,omitempty"`
	Roles    []IAMRole       `yaml:"roles,omitempty" json:"roles,omitempty"`
	Policies []ManagedPolicy `yaml:"policies,omitempty" json:"policies,omitempty"`
}

// IAMUser is an IAM user.
type IAMUser struct {
	Name string `yaml:"name" json:"name"`
	// Path is the IAM path ("/", "/division/"); default "/".
	Path       string      `yaml:"path,omitempty" json:"path,omitempty"`
	AccessKeys []AccessKey `yaml:"accessKeys,omitempty" json:"accessKeys,omitempty"`
	// Policies are inline identity policies.
	Policies []InlinePolicy `yaml:"policies,omitempty" json:"policies,omitempty"`
	// ManagedPolicies name entries of iam.policies.
	ManagedPolicies []string          `yaml:"managedPolicies,omitempty" json:"managedPolicies,omitempty"`
	Tags            map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// IAMRole is an IAM role. Roles have no long-term keys: callers obtain
// temporary credentials with AssumeRole.
type IAMRole struct {
	Name string `yaml:"name" json:"name"`
	// Path is the IAM path; default "/".
	Path            string            `yaml:"path,omitempty" json:"path,omitempty"`
	Policies        []InlinePolicy    `yaml:"policies,omitempty" json:"policies,omitempty"`
	ManagedPolicies []string          `yaml:"managedPolicies,omitempty" json:"managedPolicies,omitempty"`
	Tags            map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
	// TrustPolicy (AssumeRolePolicyDocument) says who may assume the role.
	// Required.
	TrustPolicy *PolicyDocument `yaml:"trustPolicy,omitempty" json:"trustPolicy,omitempty"`
	// MaxSessionDuration bounds DurationSeconds (1h..12h, default 1h).
	MaxSessionDuration Duration `yaml:"maxSessionDuration,omitempty" json:"maxSessionDuration,omitempty"`
}

// AccessKey is a long-term access key pair.
type AccessKey struct {
	ID     string `yaml:"id" json:"id"`
	Secret string `yaml:"secret" json:"-"`
	// Inactive keys are kept but refused.
	Inactive bool `yaml:"inactive,omitempty" json:"inactive,omitempty"`
}

// InlinePolicy is a named policy embedded in one principal.
type InlinePolicy struct {
	Name     string          `yaml:"name" json:"name"`
	Document *PolicyDocument `yaml:"document" json:"document"`
}

// ManagedPolicy is a named policy that users and roles attach.
type ManagedPolicy struct {
	Name     string          `yaml:"name" json:"name"`
	Path     string          `yaml:"path,omitempty" json:"path,omitempty"`
	Document *PolicyDocument `yaml:"document" json:"document"`
}

// IAM limits and defaults.
const (
	DefaultIAMClockSkew           = 5 * time.Minute
	MaxIAMClockSkew               = 15 * time.Minute
	DefaultRoleMaxSessionDuration = time.Hour
	MaxRoleMaxSessionDuration     = 12 * time.Hour
)

var (
	iamNamePattern   = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	iamPolicyPattern = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	iamPathPattern   = regexp.MustCompile(`^/([\x21-\x7e]{0,510}/)?$`)
	accessKeyPattern = regexp.MustCompile(`^\w{16,128}$`)
	tagKeyPattern    = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)
)

// EffectiveClockSkew returns the SigV4 clock skew with its default.
func (m *IAM) EffectiveClockSkew() time.Duration {
	if m == nil || m.ClockSkew == 0 {
		return DefaultIAMClockSkew
	}
	return m.ClockSkew.D()
}

// EffectiveMaxSessionDuration returns the role's session bound with its default.
func (r *IAMRole) EffectiveMaxSessionDuration() time.Duration {
	if r.MaxSessionDuration == 0 {
		return DefaultRoleMaxSessionDuration
	}
	return r.MaxSessionDuration.D()
}

func (c *Config) validateIAM(p *problems) {
	m := c.IAM
	if m == nil {
		return
	}
	if m.ClockSkew < 0 || m.ClockSkew.D() > MaxIAMClockSkew {
		p.add("iam.clockSkew", "clock skew %s out of range; expected 0 to %s", m.ClockSkew.D(), MaxIAMClockSkew)
	}

	keys := map[string]string{}
	validateIAMPrincipals(p, "iam", m.Policies, m.Users, m.Roles, keys)

	owner := c.Settings.AccountID
	if owner == "" {
		owner = DefaultAccountID
	}
	accounts := map[string]int{}
	for i := range m.Accounts {
		a := &m.Accounts[i]
		at := fmt.Sprintf("iam.accounts[%d]", i)
		switch j, dup := accounts[a.ID]; {
		case !accountIDPattern.MatchString(a.ID):
			p.add(at+".id", "invalid account id %q; expected 12 digits", a.ID)
		case a.ID == owner:
			p.add(at+".id", "account %s is settings.accountId, the API owner's account; declare its principals under iam.users and iam.roles", a.ID)
		case dup:
			p.add(at+".id", "duplicate account id %q (also iam.accounts[%d])", a.ID, j)
		default:
			accounts[a.ID] = i
		}
		validateIAMPrincipals(p, at, a.Policies, a.Users, a.Roles, keys)
	}
}

// validateIAMPrincipals checks one account's managed policies, users and
// roles; at is "iam" or "iam.accounts[i]". keys records every access key id
// seen so far (ids are unique across accounts: a key identifies its
// principal).
func validateIAMPrincipals(p *problems, at string, policies []ManagedPolicy, users []IAMUser, roles []IAMRole, keys map[string]string) {
	managed := map[string]int{}
	var managedNames []string
	for i := range policies {
		mp := &policies[i]
		pat := fmt.Sprintf("%s.policies[%d]", at, i)
		if !iamPolicyPattern.MatchString(mp.Name) {
			p.add(pat+".name", "invalid policy name %q; expected 1-128 characters from letters, digits and +=,.@_-", mp.Name)
		} else if j, dup := managed[mp.Name]; dup {
			p.add(pat+".name", "duplicate managed policy name %q (also %s.policies[%d])", mp.Name, at, j)
		} else {
			managed[mp.Name] = i
			managedNames = append(managedNames, mp.Name)
		}
		validateIAMPath(p, pat+".path", mp.Path)
		validateIAMDocument(p, pat+".document", mp.Document, policy.KindIdentity)
	}

	names := map[string]int{}
	for i := range users {
		u := &users[i]
		uat := fmt.Sprintf("%s.users[%d]", at, i)
		validateIAMName(p, uat+".name", "user", u.Name, at+".users", i, names)
		validateIAMPath(p, uat+".path", u.Path)
		for k, ak := range u.AccessKeys {
			kp := fmt.Sprintf("%s.accessKeys[%d]", uat, k)
			switch {
			case !accessKeyPattern.MatchString(ak.ID):
				p.add(kp+".id", "invalid access key id %q; expected 16-128 letters, digits or _", ak.ID)
			case strings.HasPrefix(ak.ID, "ASIA"):
				p.add(kp+".id", "access key id %q uses the ASIA prefix reserved for temporary credentials", ak.ID)
			default:
				if prev, dup := keys[ak.ID]; dup {
					p.add(kp+".id", "duplicate access key id %q (also %s)", ak.ID, prev)
				}
				keys[ak.ID] = kp
			}
			if ak.Secret == "" {
				p.add(kp+".secret", "access key %q needs a secret", ak.ID)
			}
		}
		validateIAMAttachments(p, uat, u.Policies, u.ManagedPolicies, u.Tags, managed, managedNames)
	}

	roleNames := map[string]int{}
	for i := range roles {
		r := &roles[i]
		rat := fmt.Sprintf("%s.roles[%d]", at, i)
		validateIAMName(p, rat+".name", "role", r.Name, at+".roles", i, roleNames)
		validateIAMPath(p, rat+".path", r.Path)
		if r.TrustPolicy == nil {
			p.add(rat+".trustPolicy", "role %q needs a trust policy saying who may assume it", r.Name)
		} else {
			validateIAMTrustPolicy(p, rat+".trustPolicy", r.TrustPolicy)
		}
		if d := r.MaxSessionDuration.D(); d != 0 && (d < time.Hour || d > MaxRoleMaxSessionDuration) {
			p.add(rat+".maxSessionDuration", "max session duration %s out of range; expected 1h to 12h", d)
		}
		validateIAMAttachments(p, rat, r.Policies, r.ManagedPolicies, r.Tags, managed, managedNames)
	}
}

func validateIAMPath(p *problems, at, path string) {
	if path != "" && !iamPathPattern.MatchString(path) {
		p.add(at, "invalid IAM path %q; expected \"/\" or a string that starts and ends with \"/\"", path)
	}
}

func validateIAMAttachments(p *problems, at string, inline []InlinePolicy, attached []string, tags map[string]string,
	managed map[string]int, managedNames []string) {
	seen := map[string]bool{}
	for i, ip := range inline {
		pp := fmt.Sprintf("%s.policies[%d]", at, i)
		if !iamPolicyPattern.MatchString(ip.Name) {
			p.add(pp+".name", "invalid policy name %q; expected 1-128 characters from letters, digits and +=,.@_-", ip.Name)
		} else if seen[ip.Name] {
			p.add(pp+".name", "duplicate inline policy name %q", ip.Name)
		}
		seen[ip.Name] = true
		validateIAMDocument(p, pp+".document", ip.Document, policy.KindIdentity)
	}
	if len(attached) > 20 {
		p.add(at+".managedPolicies", "%d managed policies attached; IAM allows at most 20", len(attached))
	}
	att := map[string]bool{}
	for i, name := range attached {
		ap := fmt.Sprintf("%s.managedPolicies[%d]", at, i)
		if _, ok := managed[name]; !ok {
			p.addSuggest(ap, nearest(name, managedNames), "unknown managed policy %q", name)
		} else if att[name] {
			p.add(ap, "managed policy %q attached twice", name)
		}
		att[name] = true
	}
	if len(tags) > 50 {
		p.add(at+".tags", "%d tags; IAM allows at most 50", len(tags))
	}
	for _, k := range sortedKeys(tags) {
		if !tagKeyPattern.MatchString(k) || strings.HasPrefix(strings.ToLower(k), "aws:") {
			p.add(at+".tags."+k, "invalid tag key %q", k)
		}
		if len(tags[k]) > 256 {
			p.add(at+".tags."+k, "tag value longer than 256 characters")
		}
	}
}

// validateIAMDocument parses a policy document with the policy engine and
// reports each problem at its place inside the document.
func validateIAMDocument(p *problems, at string, d *PolicyDocument, kind policy.Kind) {
	if d == nil || len(d.JSON) == 0 {
		p.add(at, "policy document is required")
		return
	}
	_, err := policy.Parse(d.JSON, policy.ParseOptions{Kind: kind})
	if err == nil {
		return
	}
	var pe *policy.ParseError
	if !errors.As(err, &pe) || len(pe.Problems) == 0 {
		p.add(at, "invalid policy document: %v", err)
		return
	}
	for _, pr := range pe.Problems {
		if pr.Path == "" {
			p.add(at, "%s", pr.Msg)
		} else {
			p.add(at+"."+pr.Path, "%s", pr.Msg)
		}
	}
}

func validateIAMTrustPolicy(p *problems, at string, d *PolicyDocument) {
	if d == nil || len(d.JSON) == 0 {
		p.add(at, "policy document is required")
		return
	}
	doc, err := TrustPolicyJSON(d.JSON)
	if err != nil {
		p.add(at, "invalid trust policy: %v", err)
		return
	}
	validateIAMDocument(p, at, &PolicyDocument{JSON: doc}, policy.KindResource)
}

// TrustPolicyJSON returns a role trust policy in the form the policy engine
// evaluates: trust policies have no Resource element (the role is the
// resource), so each statement without Resource or NotResource gets
// "Resource": "*". Other elements are kept as written.
func TrustPolicyJSON(doc []byte) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, fmt.Errorf("decode trust policy: %w", err)
	}
	raw, ok := top["Statement"]
	if !ok {
		return doc, nil
	}
	addResource := func(st json.RawMessage) (json.RawMessage, error) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(st, &m); err != nil {
			return st, nil // let the policy parser report the shape
		}
		if _, ok := m["Resource"]; ok {
			return st, nil
		}
		if _, ok := m["NotResource"]; ok {
			return st, nil
		}
		m["Resource"] = json.RawMessage(`"*"`)
		return json.Marshal(m)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err == nil {
		for i := range list {
			var err error
			if list[i], err = addResource(list[i]); err != nil {
				return nil, err
			}
		}
		b, err := json.Marshal(list)
		if err != nil {
			return nil, err
		}
		top["Statement"] = b
	} else {
		b, err := addResource(raw)
		if err != nil {
			return nil, err
		}
		top["Statement"] = b
	}
	return json.Marshal(top)
}

// validateIAMName checks the name of entry i of a user or role list (kind):
// its syntax, and its uniqueness among the names seen so far (lower-cased,
// as IAM compares them), which it records.
func validateIAMName(p *problems, field, kind, name, list string, i int, seen map[string]int) {
	if !iamNamePattern.MatchString(name) {
		p.add(field, "invalid %s name %q; expected 1-64 characters from letters, digits and +=,.@_-", kind, name)
		return
	}
	if j, dup := seen[strings.ToLower(name)]; dup {
		p.add(field, "duplicate %s name %q (also %s[%d]; IAM names are case-insensitive)", kind, name, list, j)
		return
	}
	seen[strings.ToLower(name)] = i
}
