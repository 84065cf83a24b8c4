package iamauth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/arn"
	"github.com/gatehouse/gatehouse/internal/authz/respolicy"
	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/sigv4"
)

// MaxBodyBytes bounds the body buffered for the payload hash (API Gateway's
// 10 MB payload limit, as pipeline.MaxBodyBytes).
const MaxBodyBytes = 10 << 20

// StageName is the trace stage name of this authorizer's records.
const StageName = "iam"

// Options configure an Authorizer.
type Options struct {
	// Authenticator verifies signatures against the IAM directory. Required.
	Authenticator *iam.Authenticator
	// Now is the clock for aws:CurrentTime / aws:EpochTime. Required.
	Now func() time.Time
	// HasResourcePolicy says the API has a resource policy: identity-policy
	// denials are then left to the guard (tables A/B) instead of refused
	// here.
	HasResourcePolicy bool
	// Wording selects ACCESS_DENIED message variants (default classic).
	Wording respolicy.Wording
}

// Authorizer is the AWS_IAM authorizer of one API.
type Authorizer struct {
	o Options
}

// New returns an Authorizer.
func New(o Options) (*Authorizer, error) {
	if o.Authenticator == nil || o.Now == nil {
		return nil, errors.New("iamauth: authenticator and clock are required")
	}
	return &Authorizer{o: o}, nil
}

// Decision is what the authorizer leaves in Principal.Decision: the
// identity-policy decision and the policy context it was evaluated with
// (the caller's identity keys, source address, time), which the resource
// policy must be evaluated against as well.
type Decision struct {
	policy.Decision
	Context *policy.Context
}

// PolicyDecision returns the identity-policy decision.
func (d *Decision) PolicyDecision() policy.Decision { return d.Decision }

// PolicyContext returns the request context the decision was made with.
func (d *Decision) PolicyContext() *policy.Context { return d.Context }

// MethodARN returns the execute-api ARN of the request in x: the real verb
// (X-HTTP-Method-Override on REST APIs, as routing uses it) and the decoded
// path after the stage.
func MethodARN(x *exchange.Exchange) string {
	stage := "$default"
	if x.Stage != nil && x.Stage.Name != "" {
		stage = x.Stage.Name
	}
	return arn.MethodARN(x.API.Region, x.API.AccountID, x.API.ID, stage, Method(x), x.Path)
}

// Method returns the request's effective verb.
func Method(x *exchange.Exchange) string {
	if x.API != nil && x.API.Kind == exchange.REST {
		if o := x.R.Header.Get("X-Http-Method-Override"); o != "" {
			return strings.ToUpper(o)
		}
	}
	return x.R.Method
}

// authorized is everything an accepted request's Principal points to, in
// one allocation.
type authorized struct {
	p   exchange.Principal
	iam exchange.IAMIdentity
	d   Decision
	ctx respolicy.ContextBuffer
}

// bodyHasher hashes a request's body on demand (bufferBody) and keeps the
// read error for Authorize.
type bodyHasher struct {
	r   *http.Request
	err error
}

func (b *bodyHasher) hash() (string, error) {
	sum, err := bufferBody(b.r)
	b.err = err
	return sum, err
}

// emptyBodyHash is the payload hash of a request without a body.
func emptyBodyHash() (string, error) { return sigv4.EmptyPayloadHash, nil }

// Authorize implements authz.Authorizer.
func (a *Authorizer) Authorize(x *exchange.Exchange) (*exchange.Principal, error) {
	r := x.R
	hash := emptyBodyHash
	var body *bodyHasher // only requests with a body pay for it
	if r.Body != nil && r.Body != http.NoBody {
		body = &bodyHasher{r: r}
		hash = body.hash
	}
	id, token, gerr := a.o.Authenticator.Check(r.Context(), r, hash)
	if body != nil && body.err != nil {
		x.Record(StageName, "error", "reading the body for the payload hash failed")
		if errors.Is(body.err, errBodyTooLarge) {
			return nil, gwresp.New(gwresp.RequestTooLarge, body.err)
		}
		return nil, gwresp.New(gwresp.Default4XX, body.err)
	}
	if gerr != nil {
		x.Record(StageName, "deny", "signature refused: "+refusalKind(gerr))
		return nil, gerr
	}

	methodARN := MethodARN(x)
	out := &authorized{}
	pctx := out.ctx.Init(x.R.Header, x.ClientAddr(), x.R.TLS != nil, a.o.Now(), id.PolicyIdentity())
	d := &out.d.Decision
	if id.IsRoot() {
		*d = policy.Decision{Effect: policy.Allow, Reason: "account root: identity policies do not restrict the root user"}
	} else {
		policy.EvaluateInto(d, &policy.Request{Action: respolicy.InvokeAction, Resource: methodARN, Context: pctx}, id.ParsedPolicies()...)
	}
	out.d.Context = pctx
	callerARN := id.CallerARN()
	out.iam = exchange.IAMIdentity{
		AccessKey: id.AccessKeyID, AccountID: id.Account, Caller: id.Caller(),
		User: id.UserID, UserARN: callerARN, SessionToken: token != "",
	}
	out.p = exchange.Principal{Type: "iam", ID: callerARN, IAM: &out.iam, Decision: &out.d}
	p := &out.p
	if a.o.HasResourcePolicy {
		x.Record(StageName, "authenticated", callerARN+" on "+methodARN+": identity policy "+d.Reason+" (combined with the resource policy next)")
		return p, nil
	}
	if d.Effect == policy.Allow && id.Account == x.API.AccountID {
		// Table A, identity Allow × no resource policy: allowed.
		x.Record(StageName, "allow", callerARN+" on "+methodARN+": "+d.Reason)
		return p, nil
	}
	o := respolicy.Decide(&respolicy.Input{
		APIAccount: x.API.AccountID, AuthType: respolicy.AuthIAM, MethodARN: methodARN,
		Context: pctx, Wording: a.o.Wording,
	}, *d)
	if !o.Allowed {
		x.Record(StageName, "deny", callerARN+" on "+methodARN+": "+d.Reason)
		return nil, o.Err()
	}
	x.Record(StageName, "allow", callerARN+" on "+methodARN+": "+d.Reason)
	return p, nil
}

// refusalKind names a SigV4 refusal for traces without echoing client data.
func refusalKind(e *gwresp.Error) string {
	if e.Header != nil {
		if t := e.Header.Get("x-amzn-ErrorType"); t != "" {
			return string(e.Type) + " (" + t + ")"
		}
	}
	return string(e.Type)
}

var errBodyTooLarge = errors.New("iamauth: request body larger than 10 MB")

// bufferBody reads r's body (at most MaxBodyBytes), replaces r.Body with a
// reader over the bytes read and returns their hex SHA-256.
func bufferBody(r *http.Request) (string, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return sigv4.EmptyPayloadHash, nil
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= MaxBodyBytes {
		buf.Grow(int(r.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return "", fmt.Errorf("iamauth: read body: %w", err)
	}
	if n > MaxBodyBytes {
		return "", errBodyTooLarge
	}
	b := buf.Bytes()
	r.Body = io.NopCloser(bytes.NewReader(b))
	return sigv4.HashPayload(b), nil
}
