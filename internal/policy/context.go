package policy

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Principal types as AWS reports them in aws:PrincipalType.
const (
	PrincipalAccount       = "Account"
	PrincipalUser          = "User"
	PrincipalFederatedUser = "FederatedUser"
	PrincipalAssumedRole   = "AssumedRole"
)

// Identity is an authenticated IAM caller, as the policy engine sees it.
// It is deliberately independent of the packages that authenticate callers;
// they fill one in. A nil *Identity is an anonymous caller.
type Identity struct {
	// ARN is aws:PrincipalArn: the user ARN, the role ARN (not the session
	// ARN) for assumed-role sessions, or arn:aws:iam::{account}:root.
	ARN string
	// SessionARN is the assumed-role session ARN
	// (arn:aws:sts::{account}:assumed-role/{role}/{session}); empty otherwise.
	SessionARN string
	// Account is the principal's 12-digit account id (aws:PrincipalAccount).
	Account string
	// Type is aws:PrincipalType (PrincipalUser, PrincipalAssumedRole, ...).
	Type string
	// UserID is aws:userid ("AIDA..." for users, "AROA...:session" for roles).
	UserID string
	// Username is aws:username; IAM users only.
	Username string
	// Tags are the principal's tags (aws:PrincipalTag/<key>, key matched
	// case-insensitively).
	Tags map[string]string
	// OrgID and OrgPaths are aws:PrincipalOrgID and aws:PrincipalOrgPaths.
	OrgID    string
	OrgPaths []string
	// TokenIssueTime is set for temporary credentials (aws:TokenIssueTime).
	TokenIssueTime time.Time
	// MFAPresent and MFAAgeSeconds are set only when known
	// (aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge).
	MFAPresent    *bool
	MFAAgeSeconds *int64
	// Service names a service principal ("lambda.amazonaws.com"); Federated a
	// federated identity provider. Matched by Principal {"Service": ...} and
	// {"Federated": ...}.
	Service   string
	Federated string
}

// CallerARN is the ARN API Gateway prints for the caller in ACCESS_DENIED
// messages: the session ARN for assumed roles, the principal ARN otherwise.
func (id *Identity) CallerARN() string {
	if id == nil {
		return "anonymous"
	}
	if id.SessionARN != "" {
		return id.SessionARN
	}
	return id.ARN
}

// Context is the request context a policy is evaluated against. The caller
// builds one per request; the engine never reads the clock or the network.
type Context struct {
	// Now is aws:CurrentTime and aws:EpochTime (absent when zero).
	Now time.Time
	// SourceIP is aws:SourceIp (absent when invalid).
	SourceIP netip.Addr
	// SecureTransport is aws:SecureTransport (always present).
	SecureTransport bool
	// UserAgent and Referer are aws:UserAgent and aws:Referer; nil when the
	// request had no such header.
	UserAgent *string
	Referer   *string
	// Principal is the authenticated IAM caller; nil for anonymous callers.
	// aws:username, aws:userid, aws:Principal* come from it.
	Principal *Identity
	// extra holds any other keys (aws:SourceVpc, aws:SourceArn,
	// service-specific keys), by lower-cased name.
	extra map[string][]string
}

// Set adds or replaces a context key not covered by the typed fields. Key
// names are case-insensitive. Setting a key with no values removes it.
func (c *Context) Set(key string, values ...string) {
	k := strings.ToLower(key)
	if len(values) == 0 {
		delete(c.extra, k)
		return
	}
	if c.extra == nil {
		c.extra = make(map[string][]string)
	}
	c.extra[k] = append([]string(nil), values...)
}

// ctxValue is a looked-up context value: one value or several, never
// allocating for the common single-value case.
type ctxValue struct {
	one  string
	many []string
	n    int
}

func single(s string) ctxValue { return ctxValue{one: s, n: 1} }

func multi(v []string) ctxValue {
	if len(v) == 1 {
		return single(v[0])
	}
	return ctxValue{many: v, n: len(v)}
}

func (v ctxValue) at(i int) string {
	if v.many != nil {
		return v.many[i]
	}
	return v.one
}

// Condition key names (lower case; lookups are case-insensitive).
const (
	keyCurrentTime     = "aws:currenttime"
	keyEpochTime       = "aws:epochtime"
	keySourceIP        = "aws:sourceip"
	keySecureTransport = "aws:securetransport"
	keyUserAgent       = "aws:useragent"
	keyReferer         = "aws:referer"
	keyUsername        = "aws:username"
	keyUserID          = "aws:userid"
	keyPrincipalARN    = "aws:principalarn"
	keyPrincipalAcct   = "aws:principalaccount"
	keyPrincipalType   = "aws:principaltype"
	keyPrincipalOrgID  = "aws:principalorgid"
	keyPrincipalOrgPth = "aws:principalorgpaths"
	keyPrincipalTagPfx = "aws:principaltag/"
	keyTokenIssueTime  = "aws:tokenissuetime"
	keyMFAPresent      = "aws:multifactorauthpresent"
	keyMFAAge          = "aws:multifactorauthage"
)

// knownKey reports whether gatehouse can ever put k in a request context;
// other keys in a policy get a load-time warning (they are always absent
// unless the caller sets them with Context.Set).
func knownKey(k string) bool {
	switch k {
	case keyCurrentTime, keyEpochTime, keySourceIP, keySecureTransport, keyUserAgent, keyReferer,
		"aws:sourcevpc", "aws:sourcevpce", "aws:vpcsourceip", "aws:sourcearn":
		return true
	}
	return principalKey(k)
}

// principalKey reports whether a key's value comes from the caller's
// identity (and so is unknown before authentication).
func principalKey(k string) bool {
	switch k {
	case keyUsername, keyUserID, keyPrincipalARN, keyPrincipalAcct, keyPrincipalType,
		keyPrincipalOrgID, keyPrincipalOrgPth, keyTokenIssueTime, keyMFAPresent, keyMFAAge:
		return true
	}
	return strings.HasPrefix(k, keyPrincipalTagPfx)
}

// lookup returns the value of a lower-cased key.
func (c *Context) lookup(k string) (ctxValue, bool) {
	if c == nil {
		return ctxValue{}, false
	}
	p := c.Principal
	switch k {
	case keyCurrentTime:
		if c.Now.IsZero() {
			return ctxValue{}, false
		}
		return single(c.Now.UTC().Format(time.RFC3339)), true
	case keyEpochTime:
		if c.Now.IsZero() {
			return ctxValue{}, false
		}
		return single(strconv.FormatInt(c.Now.Unix(), 10)), true
	case keySourceIP:
		if !c.SourceIP.IsValid() {
			return ctxValue{}, false
		}
		return single(c.SourceIP.Unmap().String()), true
	case keySecureTransport:
		return single(strconv.FormatBool(c.SecureTransport)), true
	case keyUserAgent:
		return optional(c.UserAgent)
	case keyReferer:
		return optional(c.Referer)
	}
	if principalKey(k) {
		if p == nil {
			return ctxValue{}, false
		}
		return p.lookup(k)
	}
	if v, ok := c.extra[k]; ok && len(v) > 0 {
		return multi(v), true
	}
	return ctxValue{}, false
}

func optional(s *string) (ctxValue, bool) {
	if s == nil {
		return ctxValue{}, false
	}
	return single(*s), true
}

func nonEmpty(s string) (ctxValue, bool) {
	if s == "" {
		return ctxValue{}, false
	}
	return single(s), true
}

func (p *Identity) lookup(k string) (ctxValue, bool) {
	switch k {
	case keyUsername:
		return nonEmpty(p.Username)
	case keyUserID:
		return nonEmpty(p.UserID)
	case keyPrincipalARN:
		return nonEmpty(p.ARN)
	case keyPrincipalAcct:
		return nonEmpty(p.Account)
	case keyPrincipalType:
		return nonEmpty(p.Type)
	case keyPrincipalOrgID:
		return nonEmpty(p.OrgID)
	case keyPrincipalOrgPth:
		if len(p.OrgPaths) == 0 {
			return ctxValue{}, false
		}
		return multi(p.OrgPaths), true
	case keyTokenIssueTime:
		if p.TokenIssueTime.IsZero() {
			return ctxValue{}, false
		}
		return single(p.TokenIssueTime.UTC().Format(time.RFC3339)), true
	case keyMFAPresent:
		if p.MFAPresent == nil {
			return ctxValue{}, false
		}
		return single(strconv.FormatBool(*p.MFAPresent)), true
	case keyMFAAge:
		if p.MFAAgeSeconds == nil {
			return ctxValue{}, false
		}
		return single(strconv.FormatInt(*p.MFAAgeSeconds, 10)), true
	}
	tag := k[len(keyPrincipalTagPfx):]
	for tk, tv := range p.Tags {
		if strings.EqualFold(tk, tag) {
			return single(tv), true
		}
	}
	return ctxValue{}, false
}
