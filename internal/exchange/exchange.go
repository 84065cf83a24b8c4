// Package exchange defines the per-request state that flows through the
// pipeline: the matched API, stage and route, the request id, the client
// address and, once authorized, the Principal. Stages read and fill it; only
// the pipeline goroutine serving the request touches an Exchange.
package exchange

import (
	"net/http"
	"net/netip"
	"time"
)

// Kind mirrors config.APIKind without importing config on the hot path.
type Kind uint8

// API kinds.
const (
	HTTP Kind = iota + 1
	REST
)

// API is the runtime view of an API that stages need.
type API struct {
	ID               string
	Name             string
	Kind             Kind
	Region           string
	AccountID        string
	BinaryMediaTypes []string
	LogicalID        string
}

// Stage is the runtime view of a stage.
type Stage struct {
	// Name is the stage name; "$default" for an HTTP API's root stage.
	Name      string
	Variables map[string]string
}

// Route is the runtime view of the matched route.
type Route struct {
	// Key is the route key, "GET /items/{id}" or "$default".
	Key string
	// Method is the route's method ("ANY" included); empty for $default.
	Method string
	// ResourcePath is the path template, "/items/{id}"; "$default" for the default route.
	ResourcePath string
	// Scopes required (any of them) by the route's authorizer.
	Scopes []string
	// AuthorizerName is "NONE", "AWS_IAM" or an authorizer's name.
	AuthorizerName string
}

// Param is one path parameter.
type Param struct {
	Name  string
	Value string
}

// Exchange is the state of one request.
type Exchange struct {
	W http.ResponseWriter
	R *http.Request

	API   *API
	Stage *Stage
	Route *Route
	// Params are the path parameters, in template order.
	Params []Param
	// Path is the request path with the stage prefix removed (percent-decoded,
	// canonical form used for matching).
	Path string
	// EscapedPath is Path in canonical escaped form, as forwarded to backends.
	EscapedPath string
	// RawPath is the path as received (escaped form), stage included.
	RawPath string

	RequestID         string
	ExtendedRequestID string
	Start             time.Time
	// SourceIP is the caller's address (TCP peer, or X-Forwarded-For from a
	// trusted proxy), as text.
	SourceIP string

	// Principal is set by the authorization stage.
	Principal *Principal
	// Trace records why each decision was taken.
	Trace []Step
	// GuardState is the resource-policy guard's per-request memo (method
	// ARN, policy context, decision) carried from Guard.Before to
	// Guard.After; opaque here and nil at the start of every request.
	GuardState any

	// Filled by the integration for access logs and metrics.
	Status             int
	ResponseLength     int64
	IntegrationLatency time.Duration
	IntegrationStatus  int
	ErrorMessage       string
	ErrorType          string
}

// ClientAddr returns SourceIP parsed; the zero Addr when it does not parse.
func (x *Exchange) ClientAddr() netip.Addr {
	a, _ := netip.ParseAddr(x.SourceIP)
	return a
}

// Param returns the value of a path parameter.
func (x *Exchange) Param(name string) (string, bool) {
	for _, p := range x.Params {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// Record appends a decision step.
func (x *Exchange) Record(stage, outcome, detail string) {
	x.Trace = append(x.Trace, Step{Stage: stage, Outcome: outcome, Detail: detail})
}

// Step is one decision of the request's path ("authorizer", "allow", "scope admin matched").
type Step struct {
	Stage   string `json:"stage"`
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
}

// Principal is who the caller is, as established by an authorizer.
type Principal struct {
	// Type is "jwt", "cognito_user_pools", "iam" or "lambda".
	Type string
	// ID is the principal id (sub, user ARN, lambda principalId).
	ID string
	// Claims are the verified JWT claims (jwt, cognito_user_pools). Read
	// them with ClaimMap: an authorizer may set ClaimSource instead, so
	// that requests whose integration never reads them do not pay for
	// building them.
	Claims map[string]any
	// ClaimSource builds Claims on first use when Claims is nil.
	ClaimSource ClaimSource
	// Scopes are the token's scopes (jwt, cognito_user_pools access tokens).
	Scopes []string
	// IAM is set for SigV4-authenticated callers.
	IAM *IAMIdentity
	// Context is a Lambda authorizer's context map.
	Context map[string]any
	// Decision is the authorizer's own policy decision (IAM identity
	// policies, a Lambda authorizer's policy), opaque here; the API's
	// resource-policy Guard combines it with the resource policy.
	Decision any
}

// ClaimSource builds a principal's claims when they are first needed. It is
// safe for concurrent use, and the map it returns is shared and must not be
// modified.
type ClaimSource interface {
	Claims() map[string]any
}

// ClaimMap is the principal's verified claims: Claims, or else what
// ClaimSource builds; nil for principals without claims.
func (p *Principal) ClaimMap() map[string]any {
	if p.Claims == nil && p.ClaimSource != nil {
		return p.ClaimSource.Claims()
	}
	return p.Claims
}

// IAMIdentity is what SigV4 authentication established.
type IAMIdentity struct {
	AccessKey      string
	AccountID      string
	Caller         string
	User           string
	UserARN        string
	PrincipalOrgID string
	SessionToken   bool
}
