package resguard

import (
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/authz/iamauth"
	"github.com/gatehouse/gatehouse/internal/authz/respolicy"
	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// MaxPolicyChars is API Gateway's resource-policy size limit, in characters.
const MaxPolicyChars = 8192

// StageName is the trace stage name of the guard's records.
const StageName = "resource-policy"

// Options configure a Guard.
type Options struct {
	// Policy is the resource policy document (JSON). Required.
	Policy []byte
	// Region, Account and APIID scope the policy: "execute-api:/..."
	// abbreviations and the placeholders of AWS documentation examples
	// ("region", "account-id", "api-id") expand to them.
	Region, Account, APIID string
	// AuthTypes maps the names of the API's configured authorizers to their
	// authorization type (JWT and Cognito user-pool authorizers →
	// respolicy.AuthCognito, Lambda authorizers → respolicy.AuthLambda).
	// NONE and AWS_IAM are built in.
	AuthTypes map[string]respolicy.AuthType
	// Now is the clock for aws:CurrentTime. Required.
	Now func() time.Time
	// Wording selects ACCESS_DENIED message variants (default classic).
	Wording respolicy.Wording
}

// Guard applies an API's resource policy around the route's authorizer.
type Guard struct {
	o      Options
	policy *policy.Policy
}

// New parses the resource policy and returns the Guard. Errors name the
// field of the document at fault (policy.ParseError).
func New(o Options) (*Guard, error) {
	if o.Now == nil {
		return nil, errors.New("resguard: a clock is required")
	}
	if len(o.Policy) == 0 {
		return nil, errors.New("resource policy is empty")
	}
	if n := utf8.RuneCount(o.Policy); n > MaxPolicyChars {
		return nil, fmt.Errorf("resource policy is %d characters long; API Gateway allows at most %d", n, MaxPolicyChars)
	}
	p, err := policy.Parse(o.Policy, policy.ParseOptions{
		Name: "resource policy",
		Kind: policy.KindResource,
		Scope: &policy.Scope{
			Region: o.Region, Account: o.Account, APIID: o.APIID, ExpandPlaceholders: true,
		},
	})
	if err != nil {
		return nil, err
	}
	return &Guard{o: o, policy: p}, nil
}

// Policy returns the parsed resource policy (warnings included).
func (g *Guard) Policy() *policy.Policy { return g.policy }

// AuthType maps a route's authorizer name to its authorization type;
// unknown names map to 0 (which Decide refuses, failing closed).
func (g *Guard) AuthType(name string) respolicy.AuthType {
	switch name {
	case "", "NONE":
		return respolicy.AuthNone
	case "AWS_IAM":
		return respolicy.AuthIAM
	}
	return g.o.AuthTypes[name]
}

func (g *Guard) input(x *exchange.Exchange, ctx *policy.Context) *respolicy.Input {
	name := ""
	if x.Route != nil {
		name = x.Route.AuthorizerName
	}
	return &respolicy.Input{
		Policy: g.policy, APIAccount: x.API.AccountID, AuthType: g.AuthType(name),
		MethodARN: iamauth.MethodARN(x), Context: ctx, Wording: g.o.Wording,
	}
}

func (g *Guard) anonymousContext(x *exchange.Exchange) *policy.Context {
	return respolicy.NewContext(x.R.Header, x.ClientAddr(), x.R.TLS != nil, g.o.Now(), nil)
}

// Before implements authz.Guard: the pre-authorization pass refuses an
// explicit deny that applies whoever the caller is.
func (g *Guard) Before(x *exchange.Exchange) error {
	in := g.input(x, g.anonymousContext(x))
	if in.AuthType == 0 {
		x.Record(StageName, "deny", "unknown authorizer "+x.Route.AuthorizerName)
		return respolicy.Decide(in, policy.Decision{}).Err()
	}
	o, proceed := respolicy.PreAuthorize(in)
	if proceed {
		x.Record(StageName, "proceed", "pre-authorization: no explicit deny for every caller")
		return nil
	}
	x.Record(StageName, "deny", o.Reason)
	return o.Err()
}

// Contextual is implemented by a Principal.Decision that carries the policy
// context its authorizer evaluated (iamauth.Decision): the resource policy
// is evaluated with the same caller keys, time and address.
type Contextual interface {
	PolicyDecision() policy.Decision
	PolicyContext() *policy.Context
}

// After implements authz.Guard: it combines the authorizer's outcome with
// the resource policy (NONE and Cognito: the resource policy must allow;
// AWS_IAM: table A same account, table B cross account; Lambda: table A).
func (g *Guard) After(x *exchange.Exchange, p *exchange.Principal) error {
	var (
		d   policy.Decision
		ctx *policy.Context
	)
	if p != nil {
		switch v := p.Decision.(type) {
		case Contextual:
			d, ctx = v.PolicyDecision(), v.PolicyContext()
		case policy.Decision:
			d = v
		case *policy.Decision:
			if v != nil {
				d = *v
			}
		}
	}
	in := g.input(x, ctx)
	if in.AuthType != respolicy.AuthIAM || ctx == nil {
		// Only SigV4 callers are known to IAM; everyone else is anonymous
		// to the resource policy.
		in.Context = g.anonymousContext(x)
	}
	o := respolicy.Decide(in, d)
	if o.Allowed {
		x.Record(StageName, "allow", o.Reason)
		return nil
	}
	x.Record(StageName, "deny", o.Reason)
	return o.Err()
}
