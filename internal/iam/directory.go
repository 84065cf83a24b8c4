package iam

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/arn"
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
	// Account owns the role: the directory's account, or one of
	// iam.accounts.
	Account string
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
	users    map[string]*Identity // by account + "/" + lower-case name
	roles    map[string]*Role     // by account + "/" + lower-case name
	rolesARN map[string]*Role
	accounts []string // other accounts (iam.accounts), in config order
	sessions SessionStore
}

func nameKey(account, name string) string { return account + "/" + strings.ToLower(name) }

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
		root := &Identity{
			Type: TypeAccount, Account: o.Account, ARN: "arn:aws:iam::" + o.Account + ":root",
			UserID: o.Account, AccessKeyID: o.Root.AccessKeyID,
		}
		d.keys[o.Root.AccessKeyID] = keyEntry{secret: o.Root.SecretAccessKey, identity: root.seal()}
	}
	m := o.IAM
	if m == nil {
		m = &config.IAM{}
	}
	if err := d.addAccount(o.Account, "iam", m.Policies, m.Users, m.Roles); err != nil {
		return nil, err
	}
	for i, a := range m.Accounts {
		at := fmt.Sprintf("iam.accounts[%d]", i)
		if !arn.IsAccountID(a.ID) || a.ID == o.Account {
			return nil, fmt.Errorf("iam: %s: invalid account id %q (12 digits, not the API owner's account)", at, a.ID)
		}
		if slices.Contains(d.accounts, a.ID) {
			return nil, fmt.Errorf("iam: %s: account %s declared twice", at, a.ID)
		}
		d.accounts = append(d.accounts, a.ID)
		if err := d.addAccount(a.ID, at, a.Policies, a.Users, a.Roles); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// addAccount adds the managed policies, users and roles of one account; at
// is its config path ("iam" or "iam.accounts[i]"). Access key ids are unique
// across accounts.
func (d *Directory) addAccount(account, at string, policies []config.ManagedPolicy, users []config.IAMUser, roles []config.IAMRole) error {
	managed := map[string]NamedPolicy{}
	for i, mp := range policies {
		if mp.Document == nil {
			return fmt.Errorf("iam: %s.policies[%d]: no document", at, i)
		}
		pp, err := policy.Parse(mp.Document.JSON, policy.ParseOptions{Name: mp.Name, Kind: policy.KindIdentity})
		if err != nil {
			return fmt.Errorf("iam: %s.policies[%d]: %w", at, i, err)
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

	for i, u := range users {
		uat := fmt.Sprintf("%s.users[%d]", at, i)
		pols, err := collect(uat, u.Policies, u.ManagedPolicies)
		if err != nil {
			return err
		}
		arn := "arn:aws:iam::" + account + ":user" + iamPath(u.Path) + u.Name
		base := Identity{
			Type: TypeUser, Account: account, ARN: arn, UserID: uniqueID("AIDA", arn), Username: u.Name,
			Name: u.Name, Path: iamPath(u.Path), Tags: maps.Clone(u.Tags), Policies: pols,
		}
		d.users[nameKey(account, u.Name)] = base.seal()
		for _, k := range u.AccessKeys {
			if _, dup := d.keys[k.ID]; dup {
				return fmt.Errorf("iam: %s: access key id %q is used twice (or is the root key)", uat, k.ID)
			}
			id := base
			id.AccessKeyID = k.ID
			d.keys[k.ID] = keyEntry{secret: k.Secret, inactive: k.Inactive, identity: id.seal()}
		}
	}
	for i, r := range roles {
		rat := fmt.Sprintf("%s.roles[%d]", at, i)
		pols, err := collect(rat, r.Policies, r.ManagedPolicies)
		if err != nil {
			return err
		}
		if r.TrustPolicy == nil {
			return fmt.Errorf("iam: %s: no trust policy", rat)
		}
		doc, err := config.TrustPolicyJSON(r.TrustPolicy.JSON)
		if err != nil {
			return fmt.Errorf("iam: %s: %w", rat, err)
		}
		trust, err := policy.Parse(doc, policy.ParseOptions{Name: r.Name + " trust policy", Kind: policy.KindResource})
		if err != nil {
			return fmt.Errorf("iam: %s.trustPolicy: %w", rat, err)
		}
		arn := "arn:aws:iam::" + account + ":role" + iamPath(r.Path) + r.Name
		role := &Role{Name: r.Name, Path: iamPath(r.Path), ARN: arn, Account: account, RoleID: uniqueID("AROA", arn), Tags: maps.Clone(r.Tags),
			Policies: pols, Trust: trust, MaxSessionDuration: r.EffectiveMaxSessionDuration()}
		d.roles[nameKey(account, r.Name)] = role
		d.rolesARN[arn] = role
	}
	return nil
}

// Account returns the account id.
func (d *Directory) Account() string { return d.account }

// Accounts returns the other accounts declared in iam.accounts, in config
// order (not the directory's own account).
func (d *Directory) Accounts() []string { return slices.Clone(d.accounts) }

// User returns the identity of a user of the directory's account (without
// an access key), by name.
func (d *Directory) User(name string) (*Identity, bool) {
	return d.UserIn(d.account, name)
}

// UserIn returns the identity of a user of account (the directory's own or
// one of iam.accounts), by name.
func (d *Directory) UserIn(account, name string) (*Identity, bool) {
	u, ok := d.users[nameKey(account, name)]
	return u, ok
}

// RoleByARN returns a role by its ARN.
func (d *Directory) RoleByARN(arn string) (*Role, bool) {
	r, ok := d.rolesARN[arn]
	return r, ok
}

// Role returns a role of the directory's account by name.
func (d *Directory) Role(name string) (*Role, bool) {
	return d.RoleIn(d.account, name)
}

// RoleIn returns a role of account by name.
func (d *Directory) RoleIn(account, name string) (*Role, bool) {
	r, ok := d.roles[nameKey(account, name)]
	return r, ok
}

// SessionIdentity builds the identity of an assumed-role session: it
// belongs to the role's account, whoever assumed the role.
func (d *Directory) SessionIdentity(r *Role, s Session) *Identity {
	account := r.Account
	if account == "" {
		account = d.account
	}
	id := &Identity{
		Type: TypeAssumedRole, Account: account, ARN: r.ARN,
		SessionARN: "arn:aws:sts::" + account + ":assumed-role/" + r.Name + "/" + s.SessionName,
		UserID:     r.RoleID + ":" + s.SessionName,
		Name:       r.Name, Path: r.Path, RoleID: r.RoleID, SessionName: s.SessionName,
		AccessKeyID: s.AccessKeyID, Tags: r.Tags, Policies: r.Policies,
		TokenIssueTime: s.IssuedAt, Expiration: s.Expiration,
	}
	return id.seal()
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
