package iam

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/sigv4"
)

// Environment variables holding the root credentials.
const (
	EnvAccessKeyID     = "GATEHOUSE_ACCESS_KEY_ID"
	EnvSecretAccessKey = "GATEHOUSE_SECRET_ACCESS_KEY"
)

// RootCredentials are the account root's access key.
type RootCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// RootCredentialsFromEnv reads the root credentials with getenv (os.Getenv in
// production). Both variables unset means no root key; exactly one set is an
// error.
func RootCredentialsFromEnv(getenv func(string) string) (RootCredentials, error) {
	id, secret := getenv(EnvAccessKeyID), getenv(EnvSecretAccessKey)
	switch {
	case id == "" && secret == "":
		return RootCredentials{}, nil
	case id == "" || secret == "":
		return RootCredentials{}, fmt.Errorf("iam: set both %s and %s, or neither", EnvAccessKeyID, EnvSecretAccessKey)
	case strings.HasPrefix(id, "ASIA"):
		return RootCredentials{}, fmt.Errorf("iam: %s must not use the ASIA prefix reserved for temporary credentials", EnvAccessKeyID)
	}
	return RootCredentials{AccessKeyID: id, SecretAccessKey: secret}, nil
}

// Options configure a Directory.
type Options struct {
	// IAM is the config section; nil means no users, roles or policies.
	IAM *config.IAM
	// Account is the 12-digit account id (settings.accountId).
	Account string
	// Root are the root credentials; empty means no root key.
	Root RootCredentials
	// Sessions holds temporary credentials; nil means none can be issued or
	// honoured.
	Sessions SessionStore
}

// Role is a configured IAM role.
type Role struct {
	Name, Path, ARN string
	// RoleID is the stable AROA… id.
	RoleID             string
	Tags               map[string]string
	Policies           []NamedPolicy
	Trust              *policy.Policy
	MaxSessionDuration time.Duration
}

type keyEntry struct {
	secret   string
	inactive bool
	identity *Identity
}

// Directory resolves access keys to identities. Immutable; safe for
// concurrent use.
type Directory struct {
	account  string
	keys     map[string]keyEntry
	users    map[string]*Identity // by lower-case name
	roles    map[string]*Role     // by lower-case name
	rolesARN map[string]*Role
	sessions SessionStore
}

// uniqueID derives a stable IAM unique id (prefix + 17 characters) from the
// principal's ARN, so ids survive restarts and reloads.
func uniqueID(prefix, arn string) string {
	sum := sha256.Sum256([]byte(arn))
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])
	return prefix + enc[:17]
}

func iamPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// NewDirectory builds the directory. The config must have passed validation;
// NewDirectory still fails on anything it cannot use.
func NewDirectory(o Options) (*Directory, error) {
	if len(o.Account) != 12 {
		return nil, fmt.Errorf("iam: invalid account id %q", o.Account)
	}
	d := &Directory{
		account: o.Account, keys: map[string]keyEntry{}, users: map[string]*Identity{},
		roles: map[string]*Role{}, rolesARN: map[string]*Role{}, sessions: o.Sessions,
	}
	if o.Root.AccessKeyID != "" {
		d.keys[o.Root.AccessKeyID] = keyEntry{secret: o.Root.SecretAccessKey, identity: &Identity{
			Type: TypeAccount, Account: o.Account, ARN: "arn:aws:iam::" + o.Account + ":root",
			UserID: o.Account, AccessKeyID: o.Root.AccessKeyID,
		}}
	}
	m := o.IAM
	if m == nil {
		m = &config.IAM{}
	}
	managed := map[string]NamedPolicy{}
	for i, mp := range m.Policies {
		if mp.Document == nil {
			return nil, fmt.Errorf("iam: iam.policies[%d]: no document", i)
		}
		pp, err := policy.Parse(mp.Document.JSON, policy.ParseOptions{Name: mp.Name, Kind: policy.KindIdentity})
		if err != nil {
			return nil, fmt.Errorf("iam: iam.policies[%d]: %w", i, err)
		}
		managed[mp.Name] = NamedPolicy{Name: mp.Name, Managed: true, Document: mp.Document.JSON, Parsed: pp}
	}
	collect := func(at string, inline []config.InlinePolicy, attached []string) ([]NamedPolicy, error) {
		var out []NamedPolicy
		for i, ip := range inline {
			if ip.Document == nil {
				return nil, fmt.Errorf("iam: %s.policies[%d]: no document", at, i)
			}
			pp, err := policy.Parse(ip.Document.JSON, policy.ParseOptions{Name: ip.Name, Kind: policy.KindIdentity})
			if err != nil {
				return nil, fmt.Errorf("iam: %s.policies[%d]: %w", at, i, err)
			}
			out = append(out, NamedPolicy{Name: ip.Name, Document: ip.Document.JSON, Parsed: pp})
		}
		for _, name := range attached {
			mp, ok := managed[name]
			if !ok {
				return nil, fmt.Errorf("iam: %s: unknown managed policy %q", at, name)
			}
			out = append(out, mp)
		}
		return out, nil
	}

	for i, u := range m.Users {
		at := fmt.Sprintf("iam.users[%d]", i)
		pols, err := collect(at, u.Policies, u.ManagedPolicies)
		if err != nil {
			return nil, err
		}
		arn := "arn:aws:iam::" + o.Account + ":user" + iamPath(u.Path) + u.Name
		base := Identity{
			Type: TypeUser, Account: o.Account, ARN: arn, UserID: uniqueID("AIDA", arn), Username: u.Name,
			Name: u.Name, Path: iamPath(u.Path), Tags: maps.Clone(u.Tags), Policies: pols,
		}
		d.users[strings.ToLower(u.Name)] = &base
		for _, k := range u.AccessKeys {
			if _, dup := d.keys[k.ID]; dup {
				return nil, fmt.Errorf("iam: %s: access key id %q is used twice (or is the root key)", at, k.ID)
			}
			id := base
			id.AccessKeyID = k.ID
			d.keys[k.ID] = keyEntry{secret: k.Secret, inactive: k.Inactive, identity: &id}
		}
	}
	for i, r := range m.Roles {
		at := fmt.Sprintf("iam.roles[%d]", i)
		pols, err := collect(at, r.Policies, r.ManagedPolicies)
		if err != nil {
			return nil, err
		}
		if r.TrustPolicy == nil {
			return nil, fmt.Errorf("iam: %s: no trust policy", at)
		}
		doc, err := config.TrustPolicyJSON(r.TrustPolicy.JSON)
		if err != nil {
			return nil, fmt.Errorf("iam: %s: %w", at, err)
		}
		trust, err := policy.Parse(doc, policy.ParseOptions{Name: r.Name + " trust policy", Kind: policy.KindResource})
		if err != nil {
			return nil, fmt.Errorf("iam: %s.trustPolicy: %w", at, err)
		}
		arn := "arn:aws:iam::" + o.Account + ":role" + iamPath(r.Path) + r.Name
		role := &Role{Name: r.Name, Path: iamPath(r.Path), ARN: arn, RoleID: uniqueID("AROA", arn), Tags: maps.Clone(r.Tags),
			Policies: pols, Trust: trust, MaxSessionDuration: r.EffectiveMaxSessionDuration()}
		d.roles[strings.ToLower(r.Name)] = role
		d.rolesARN[arn] = role
	}
	return d, nil
}

// Account returns the account id.
func (d *Directory) Account() string { return d.account }

// User returns the identity of a user (without an access key), by name.
func (d *Directory) User(name string) (*Identity, bool) {
	u, ok := d.users[strings.ToLower(name)]
	return u, ok
}

// RoleByARN returns a role by its ARN.
func (d *Directory) RoleByARN(arn string) (*Role, bool) {
	r, ok := d.rolesARN[arn]
	return r, ok
}

// Role returns a role by name.
func (d *Directory) Role(name string) (*Role, bool) {
	r, ok := d.roles[strings.ToLower(name)]
	return r, ok
}

// SessionIdentity builds the identity of an assumed-role session.
func (d *Directory) SessionIdentity(r *Role, s Session) *Identity {
	return &Identity{
		Type: TypeAssumedRole, Account: d.account, ARN: r.ARN,
		SessionARN: "arn:aws:sts::" + d.account + ":assumed-role/" + r.Name + "/" + s.SessionName,
		UserID:     r.RoleID + ":" + s.SessionName,
		Name:       r.Name, Path: r.Path, RoleID: r.RoleID, SessionName: s.SessionName,
		AccessKeyID: s.AccessKeyID, Tags: r.Tags, Policies: r.Policies,
		TokenIssueTime: s.IssuedAt, Expiration: s.Expiration,
	}
}

// Lookup implements sigv4.CredentialLookup: long-term keys (users, root)
// and temporary keys from the session store. Credential.Principal is the
// *Identity. Unknown and inactive keys, and sessions whose role no longer
// exists, wrap sigv4.ErrUnknownAccessKey.
func (d *Directory) Lookup(ctx context.Context, accessKeyID string) (sigv4.Credential, error) {
	if e, ok := d.keys[accessKeyID]; ok {
		if e.inactive {
			return sigv4.Credential{}, fmt.Errorf("iam: access key is inactive: %w", sigv4.ErrUnknownAccessKey)
		}
		return sigv4.Credential{AccessKeyID: accessKeyID, SecretAccessKey: e.secret, Principal: e.identity}, nil
	}
	if d.sessions == nil || !strings.HasPrefix(accessKeyID, "ASIA") {
		return sigv4.Credential{}, sigv4.ErrUnknownAccessKey
	}
	s, err := d.sessions.Get(ctx, accessKeyID)
	if errors.Is(err, ErrSessionNotFound) {
		return sigv4.Credential{}, sigv4.ErrUnknownAccessKey
	}
	if err != nil {
		return sigv4.Credential{}, fmt.Errorf("iam: session store: %w", err)
	}
	r, ok := d.rolesARN[s.RoleARN]
	if !ok {
		return sigv4.Credential{}, fmt.Errorf("iam: role of session was removed: %w", sigv4.ErrUnknownAccessKey)
	}
	return sigv4.Credential{
		AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken,
		Expires: s.Expiration, Principal: d.SessionIdentity(r, s),
	}, nil
}

// IdentityOf returns the *Identity carried by a verified credential.
func IdentityOf(c sigv4.Credential) (*Identity, bool) {
	id, ok := c.Principal.(*Identity)
	return id, ok && id != nil
}

// Sessions returns the session store (nil when temporary credentials are
// disabled).
func (d *Directory) Sessions() SessionStore { return d.sessions }
