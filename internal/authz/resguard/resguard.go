package resguard

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
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
	// readsClock: the policy may read aws:CurrentTime or aws:EpochTime, so
	// a decision is reused only for the same clock reading.
	readsClock bool
	// onEval, when set (tests), is called once per resource-policy
	// evaluation the guard causes.
	onEval func()
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
	return &Guard{o: o, policy: p, readsClock: mayReadClock(o.Policy)}, nil
}

// mayReadClock reports whether a policy document may name a time key
// (condition key or policy variable). It errs towards true: any JSON
// escape could spell a key out of sight.
func mayReadClock(doc []byte) bool {
	l := bytes.ToLower(doc)
	return bytes.Contains(l, []byte("currenttime")) || bytes.Contains(l, []byte("epochtime")) ||
		bytes.Contains(l, []byte(`\u`))
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

// memo is one request's state, built by Before and kept in
// exchange.Exchange.GuardState for After.
type memo struct {
	// The inputs the state was built from.
	g        *Guard
	r        *http.Request
	api      *exchange.API
	stage    *exchange.Stage
	route    *exchange.Route
	path     string
	sourceIP string

	arn string
	// anon is the anonymous caller's policy context (in anonBuf).
	anon    *policy.Context
	anonBuf respolicy.ContextBuffer
	// decision is the resource policy's decision for the anonymous caller
	// (non-AWS_IAM routes); valid when evaluated.
	decision  policy.Decision
	evaluated bool
}

// memoFor returns the request's memo when Before built it from the same
// inputs; nil otherwise.
func (g *Guard) memoFor(x *exchange.Exchange) *memo {
	m, _ := x.GuardState.(*memo)
	if m == nil || m.g != g || m.r != x.R || m.api != x.API || m.stage != x.Stage || m.route != x.Route ||
		m.path != x.Path || m.sourceIP != x.SourceIP {
		return nil
	}
	return m
}

func (g *Guard) input(x *exchange.Exchange, arn string, ctx *policy.Context) respolicy.Input {
	name := ""
	if x.Route != nil {
		name = x.Route.AuthorizerName
	}
	return respolicy.Input{
		Policy: g.policy, APIAccount: x.API.AccountID, AuthType: g.AuthType(name),
		MethodARN: arn, Context: ctx, Wording: g.o.Wording,
	}
}

func (g *Guard) anonymousContext(x *exchange.Exchange, now time.Time) *policy.Context {
	return respolicy.NewContext(x.R.Header, x.ClientAddr(), x.R.TLS != nil, now, nil)
}

func (g *Guard) counted() {
	if g.onEval != nil {
		g.onEval()
	}
}

// Before implements authz.Guard: the pre-authorization pass refuses an
// explicit deny that applies whoever the caller is.
func (g *Guard) Before(x *exchange.Exchange) error {
	m := &memo{g: g, r: x.R, api: x.API, stage: x.Stage, route: x.Route, path: x.Path, sourceIP: x.SourceIP,
		arn: iamauth.MethodARN(x)}
	m.anon = m.anonBuf.Init(x.R.Header, x.ClientAddr(), x.R.TLS != nil, g.o.Now(), nil)
	x.GuardState = m
	in := new(respolicy.Input)
	*in = g.input(x, m.arn, m.anon)
	if in.AuthType == 0 {
		x.Record(StageName, "deny", "unknown authorizer "+x.Route.AuthorizerName)
		g.counted()
		return respolicy.Decide(in, policy.Decision{}).Err()
	}
	if in.AuthType != respolicy.AuthIAM {
		// The pass and Decide ask the same question of an anonymous caller.
		g.counted()
		m.decision, m.evaluated = in.EvaluateResource(), true
		in.Resource = &m.decision
	} else {
		g.counted() // PreAuthorize evaluates with the caller unknown
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
	m := g.memoFor(x)
	arn := ""
	if m != nil {
		arn = m.arn
	} else {
		arn = iamauth.MethodARN(x)
	}
	in := new(respolicy.Input)
	*in = g.input(x, arn, ctx)
	if in.AuthType != respolicy.AuthIAM || ctx == nil {
		// Only SigV4 callers are known to IAM; everyone else is anonymous
		// to the resource policy: Before's context and decision hold,
		// unless the policy reads the clock and it has moved.
		reuse := false
		if m != nil && !g.readsClock {
			reuse = true
		} else {
			now := g.o.Now()
			reuse = m != nil && now.Equal(m.anon.Now)
			if !reuse {
				in.Context = g.anonymousContext(x, now)
			}
		}
		if reuse {
			in.Context = m.anon
			if m.evaluated && in.AuthType != respolicy.AuthIAM {
				in.Resource = &m.decision
			}
		}
	}
	if in.Resource == nil {
		g.counted() // Decide evaluates
	}
	o := respolicy.Decide(in, d)
	if o.Allowed {
		x.Record(StageName, "allow", o.Reason)
		return nil
	}
	x.Record(StageName, "deny", o.Reason)
	return o.Err()
}
