package iam

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/policy"
)

// Principal types (aws:PrincipalType).
const (
	TypeAccount     = policy.PrincipalAccount     // the account root
	TypeUser        = policy.PrincipalUser        // an IAM user
	TypeAssumedRole = policy.PrincipalAssumedRole // an assumed-role session
)

// NamedPolicy is one identity policy of a principal.
type NamedPolicy struct {
	// Name is the inline policy name, or the managed policy name.
	Name string
	// Managed is true for attached managed policies.
	Managed bool
	// Document is the policy JSON as configured.
	Document []byte
	// Parsed is Document parsed by the policy engine (identity kind).
	Parsed *policy.Policy
}

// Identity is an authenticated IAM caller with everything the policy context
// keys and the integration's requestContext need. Identities are shared and
// must not be modified.
type Identity struct {
	// Type is aws:PrincipalType: TypeAccount, TypeUser or TypeAssumedRole.
	Type string
	// Account is the 12-digit account id (aws:PrincipalAccount, accountId).
	Account string
	// ARN is aws:PrincipalArn: arn:aws:iam::{acct}:user/{path}{name},
	// the role ARN arn:aws:iam::{acct}:role/{path}{name} for sessions, or
	// arn:aws:iam::{acct}:root.
	ARN string
	// SessionARN is arn:aws:sts::{acct}:assumed-role/{role}/{session} for
	// assumed-role sessions (the caller ARN API Gateway reports); empty
	// otherwise.
	SessionARN string
	// UserID is aws:userid: AIDA… for users, AROA…:{session} for sessions,
	// the account id for root.
	UserID string
	// Username is aws:username (users only).
	Username string
	// Name is the user or role name ("" for root); Path its IAM path.
	Name string
	Path string
	// RoleID (AROA…) and SessionName are set for sessions.
	RoleID      string
	SessionName string
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// Tags are the principal's tags (aws:PrincipalTag/*).
	Tags map[string]string
	// Policies are the identity policies: inline first, then attached
	// managed policies, in config order. Empty for root.
	Policies []NamedPolicy
	// TokenIssueTime is when temporary credentials were issued (zero for
	// long-term keys).
	TokenIssueTime time.Time
	// Expiration of temporary credentials (zero for long-term keys).
	Expiration time.Time

	// policyID and parsed cache PolicyIdentity and ParsedPolicies; set by
	// seal when the directory builds the identity, so requests share them.
	policyID *policy.Identity
	parsed   []*policy.Policy
}

// seal computes the cached policy-engine views of id. Call it once the
// identity is complete, before it is shared.
func (id *Identity) seal() *Identity {
	id.policyID, id.parsed = nil, nil
	id.policyID, id.parsed = id.PolicyIdentity(), id.ParsedPolicies()
	return id
}

// IsRoot reports whether the caller is the account root, which identity
// policies do not restrict.
func (id *Identity) IsRoot() bool { return id != nil && id.Type == TypeAccount }

// CallerARN is the ARN shown as the caller: the session ARN for sessions,
// else the principal ARN.
func (id *Identity) CallerARN() string {
	if id.SessionARN != "" {
		return id.SessionARN
	}
	return id.ARN
}

// Caller is the requestContext "caller" / "callerId" value: the user id for
// users and sessions ("AIDA…", "AROA…:session"), the account id for root.
func (id *Identity) Caller() string { return id.UserID }

// ParsedPolicies returns the parsed identity policies, for policy.Evaluate.
// The slice may be shared between requests: do not modify it.
func (id *Identity) ParsedPolicies() []*policy.Policy {
	if id.parsed != nil {
		return id.parsed
	}
	out := make([]*policy.Policy, 0, len(id.Policies))
	for _, p := range id.Policies {
		out = append(out, p.Parsed)
	}
	return out
}

// PolicyIdentity converts the identity into the policy engine's form, which
// supplies aws:username, aws:userid, aws:PrincipalArn, aws:PrincipalAccount,
// aws:PrincipalType, aws:PrincipalTag/* and aws:TokenIssueTime. The
// result may be shared between requests: do not modify it.
func (id *Identity) PolicyIdentity() *policy.Identity {
	if id == nil {
		return nil
	}
	if id.policyID != nil {
		return id.policyID
	}
	return &policy.Identity{
		ARN:            id.ARN,
		SessionARN:     id.SessionARN,
		Account:        id.Account,
		Type:           id.Type,
		UserID:         id.UserID,
		Username:       id.Username,
		Tags:           id.Tags,
		TokenIssueTime: id.TokenIssueTime,
	}
}
