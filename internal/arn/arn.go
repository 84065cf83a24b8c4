// Package arn owns Amazon Resource Names as gatehouse uses them: splitting a
// generic ARN into its six components, and building and parsing the
// execute-api method ARNs that API Gateway evaluates policies against
// (reference §4.1), plus the account masking used in ACCESS_DENIED messages.
//
// Everything here is a pure function over strings; it is safe for concurrent
// use and holds no state.
package arn

import (
	"errors"
	"fmt"
	"strings"
)

// ARN is a generic ARN: arn:partition:service:region:account:resource.
// Resource may itself contain ':' and '/'.
type ARN struct {
	Partition string
	Service   string
	Region    string
	Account   string
	Resource  string
}

// ErrNotARN is returned (wrapped) when a string is not an ARN.
var ErrNotARN = errors.New("not an ARN")

// Parse splits s into its components. It requires the "arn:" prefix and six
// colon-separated parts; the first five colons delimit the components and any
// further colons belong to the resource.
func Parse(s string) (ARN, error) {
	parts, ok := Split(s)
	if !ok {
		return ARN{}, fmt.Errorf("parse %q: %w", s, ErrNotARN)
	}
	return ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}, nil
}

// Split returns the six components of s ("arn", partition, service, region,
// account, resource) without allocating. ok is false if s does not start with
// "arn:" or has fewer than six components.
func Split(s string) (parts [6]string, ok bool) {
	if !strings.HasPrefix(s, "arn:") {
		return parts, false
	}
	rest := s
	for i := range 5 {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return parts, false
		}
		parts[i] = rest[:j]
		rest = rest[j+1:]
	}
	parts[5] = rest
	return parts, true
}

// String reassembles the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// DefaultPartition is the partition gatehouse writes into ARNs it builds.
const DefaultPartition = "aws"

// ExecuteAPI is an execute-api method ARN:
// arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}.
type ExecuteAPI struct {
	Partition string // "" means DefaultPartition
	Region    string
	Account   string
	APIID     string
	// Stage is the stage name; "$default" for an HTTP API's default stage.
	Stage string
	// Method is the real HTTP verb of the request (never "ANY"), upper case.
	Method string
	// Path is the actual request path after the stage, percent-decoded,
	// without its leading '/'; "" for the root resource.
	Path string
}

// String builds the ARN as reference §4.1 defines it. The root path yields a
// trailing slash (".../dev/GET/").
func (e ExecuteAPI) String() string {
	p := e.Partition
	if p == "" {
		p = DefaultPartition
	}
	var b strings.Builder
	b.Grow(len("arn::execute-api:::///") + len(p) + len(e.Region) + len(e.Account) + len(e.APIID) + len(e.Stage) + len(e.Method) + len(e.Path))
	b.WriteString("arn:")
	b.WriteString(p)
	b.WriteString(":execute-api:")
	b.WriteString(e.Region)
	b.WriteByte(':')
	b.WriteString(e.Account)
	b.WriteByte(':')
	b.WriteString(e.APIID)
	b.WriteByte('/')
	b.WriteString(e.Stage)
	b.WriteByte('/')
	b.WriteString(e.Method)
	b.WriteByte('/')
	b.WriteString(e.Path)
	return b.String()
}

// MethodARN builds the method ARN for a request. method is the real request
// verb (routes declared as ANY use the verb the client sent); requestPath is
// the decoded request path after the stage, with or without its leading '/'
// ("/pets/a1b2", "/" or "" for the root).
func MethodARN(region, account, apiID, stage, method, requestPath string) string {
	return ExecuteAPI{
		Region:  region,
		Account: account,
		APIID:   apiID,
		Stage:   stage,
		Method:  strings.ToUpper(method),
		Path:    strings.TrimPrefix(requestPath, "/"),
	}.String()
}

// AuthorizerARN builds the source ARN a Lambda authorizer is invoked with:
// arn:aws:execute-api:{region}:{account}:{apiId}/authorizers/{id}.
func AuthorizerARN(region, account, apiID, authorizerID string) string {
	return ARN{Partition: DefaultPartition, Service: "execute-api", Region: region, Account: account,
		Resource: apiID + "/authorizers/" + authorizerID}.String()
}

// ParseExecuteAPI parses a method ARN. The resource must have at least the
// apiId, stage and method segments followed by '/'; everything after the
// method's slash is the path (which may itself contain '/').
func ParseExecuteAPI(s string) (ExecuteAPI, error) {
	a, err := Parse(s)
	if err != nil {
		return ExecuteAPI{}, err
	}
	if a.Service != "execute-api" {
		return ExecuteAPI{}, fmt.Errorf("parse %q: service is %q, want execute-api", s, a.Service)
	}
	apiID, rest, ok1 := strings.Cut(a.Resource, "/")
	stage, rest, ok2 := strings.Cut(rest, "/")
	method, path, ok3 := strings.Cut(rest, "/")
	if a.Partition == "" {
		return ExecuteAPI{}, fmt.Errorf("parse %q: empty partition", s)
	}
	if !ok1 || !ok2 || !ok3 || apiID == "" || stage == "" || method == "" {
		return ExecuteAPI{}, fmt.Errorf("parse %q: resource must be {apiId}/{stage}/{METHOD}/{path}", s)
	}
	return ExecuteAPI{Partition: a.Partition, Region: a.Region, Account: a.Account, APIID: apiID,
		Stage: stage, Method: method, Path: path}, nil
}

// IsAccountID reports whether s is an AWS account id: exactly 12 ASCII
// digits.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MaskAccount replaces all but the last four characters of the account
// component of an ARN with '*', as API Gateway does for the resource ARN in
// ACCESS_DENIED messages ("********9012"). Non-ARNs are returned unchanged.
func MaskAccount(s string) string {
	parts, ok := Split(s)
	if !ok || len(parts[4]) <= 4 {
		return s
	}
	acct := parts[4]
	masked := strings.Repeat("*", len(acct)-4) + acct[len(acct)-4:]
	prefix := len(parts[0]) + len(parts[1]) + len(parts[2]) + len(parts[3]) + 4
	return s[:prefix] + masked + s[prefix+len(acct):]
}

// ParseUserPool reports whether s is a Cognito user pool ARN,
// arn:aws…:cognito-idp:{region}:{account}:userpool/{poolId}, and returns its
// region and pool id. The partition starts with "aws" ("aws", "aws-cn",
// "aws-us-gov"); the region is lower-case letters, digits and '-'; the
// account is 12 digits; the pool id is {region-like prefix}_{letters and
// digits}, as Cognito forms them ("eu-west-1_AbC123").
func ParseUserPool(s string) (region, poolID string, ok bool) {
	parts, ok := Split(s)
	if !ok || parts[2] != "cognito-idp" || !IsAccountID(parts[4]) {
		return "", "", false
	}
	partition, region := parts[1], parts[3]
	if !strings.HasPrefix(partition, "aws") || !allBytes(partition[3:], isLowerOrDash) ||
		region == "" || !allBytes(region, isLowerDigitOrDash) {
		return "", "", false
	}
	id, found := strings.CutPrefix(parts[5], "userpool/")
	if !found {
		return "", "", false
	}
	i := strings.LastIndexByte(id, '_')
	if i <= 0 || i == len(id)-1 || !allBytes(id[:i], isWordOrDash) || !allBytes(id[i+1:], isAlnum) {
		return "", "", false
	}
	return region, id, true
}

func allBytes(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
func isLowerOrDash(c byte) bool      { return c >= 'a' && c <= 'z' || c == '-' }
func isLowerDigitOrDash(c byte) bool { return isLowerOrDash(c) || c >= '0' && c <= '9' }
func isWordOrDash(c byte) bool       { return isAlnum(c) || c == '_' || c == '-' }
