// Package respolicy combines a REST API's resource policy with the outcome
// of the route's authorization type (NONE, AWS_IAM, Lambda/CUSTOM,
// COGNITO_USER_POOLS) exactly as API Gateway's authorization flow does
// (reference §1.1 step 3 and §5.6, tables A and B), and says which
// ACCESS_DENIED message to render (§3.5, §4.3, §5.5).
//
// Everything here is a pure function of its inputs: no I/O, no clock, no
// state; safe for concurrent use. The pipeline calls PreAuthorize before
// running the authorizer and Decide after it.
package respolicy

import (
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/arn"
	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// InvokeAction is the action every API call is authorized for.
const InvokeAction = "execute-api:Invoke"

// AuthType is a method's authorization type.
type AuthType uint8

// Authorization types.
const (
	AuthNone AuthType = iota + 1
	AuthIAM
	// AuthLambda is a Lambda (CUSTOM) authorizer returning an IAM policy.
	AuthLambda
	// AuthCognito is a COGNITO_USER_POOLS (or JWT) authorizer: the token
	// authenticates, the resource policy alone authorizes.
	AuthCognito
)

func (a AuthType) String() string {
	switch a {
	case AuthNone:
		return "NONE"
	case AuthIAM:
		return "AWS_IAM"
	case AuthLambda:
		return "CUSTOM"
	case AuthCognito:
		return "COGNITO_USER_POOLS"
	}
	return "invalid"
}

// Wording selects the ACCESS_DENIED message variants: Classic (the short
// forms, default) or Current (the suffixed forms observed since 2024, e.g.
// "... because no resource-based policy allows the execute-api:Invoke
// action"). Both exist in the wild (reference §3.5, §5.5, §12.3).
type Wording uint8

// Message wordings.
const (
	WordingClassic Wording = iota
	WordingCurrent
)

// Input describes one request's authorization situation.
type Input struct {
	// Policy is the API's resource policy; nil when it has none.
	Policy *policy.Policy
	// APIAccount is the account that owns the API (decides table A vs B).
	APIAccount string
	AuthType   AuthType
	// MethodARN is the resource being invoked (arn.MethodARN).
	MethodARN string
	// Action defaults to InvokeAction.
	Action string
	// Context is the request context. For AuthIAM its Principal is the
	// SigV4-authenticated caller (ignored by PreAuthorize); for every other
	// type the caller is anonymous as far as IAM is concerned and Principal
	// is ignored.
	Context *policy.Context
	Wording Wording
	// Resource, when non-nil, is EvaluateResource's result for this same
	// Input, computed earlier in the request; Decide (and PreAuthorize,
	// except for AuthIAM, whose pass asks a different question with the
	// caller unknown) use it instead of evaluating the policy again.
	Resource *policy.Decision
}

// Source says which policy decided an outcome.
type Source uint8

// Decision sources.
const (
	SourceNone Source = iota
	SourceResourcePolicy
	// SourceAuthorizer is the Lambda authorizer's returned policy.
	SourceAuthorizer
	// SourceIdentity is the IAM caller's identity-based policies.
	SourceIdentity
)

func (s Source) String() string {
	switch s {
	case SourceResourcePolicy:
		return "resource policy"
	case SourceAuthorizer:
		return "authorizer policy"
	case SourceIdentity:
		return "identity policy"
	}
	return "none"
}

// Outcome is the combined decision.
type Outcome struct {
	Allowed bool
	// Effect is the combined effect (Allow, ExplicitDeny or ImplicitDeny).
	Effect policy.Effect
	// Source is the policy whose result decided the outcome.
	Source Source
	// Table names the rule applied: "pre-authorization", "A", "B",
	// "NONE" or "COGNITO_USER_POOLS".
	Table string
	// ResourcePolicy is the resource policy's own decision (nil when the API
	// has no resource policy).
	ResourcePolicy *policy.Decision
	// Authorizer is the authorizer or identity effect that was combined.
	Authorizer policy.Effect
	// Message is the public ACCESS_DENIED message; empty when allowed.
	Message string
	// Reason explains the outcome for logs and traces.
	Reason string
}

// Err returns the gateway error to render, or nil when allowed. Denials are
// always ACCESS_DENIED (403, AccessDeniedException, body key "Message").
func (o Outcome) Err() *gwresp.Error {
	if o.Allowed {
		return nil
	}
	return gwresp.WithMessage(gwresp.AccessDenied, o.Message, errors.New(o.Reason))
}

func (in *Input) action() string {
	if in.Action == "" {
		return InvokeAction
	}
	return in.Action
}

// evalResource evaluates the resource policy. Callers that are not
// IAM-authenticated are anonymous to the policy.
func (in *Input) evalResource(principalUnknown bool) policy.Decision {
	if in.Resource != nil && !principalUnknown {
		return *in.Resource
	}
	ctx := policy.Context{}
	if in.Context != nil {
		ctx = *in.Context
	}
	if in.AuthType != AuthIAM || principalUnknown {
		ctx.Principal = nil
	}
	return in.Policy.Evaluate(&policy.Request{Action: in.action(), Resource: in.MethodARN, Context: &ctx, PrincipalUnknown: principalUnknown})
}

// EvaluateResource evaluates the resource policy as Decide does (the caller
// anonymous unless AuthType is AuthIAM). The result may be passed back as
// Input.Resource to evaluate once per request. It requires a Policy.
func (in *Input) EvaluateResource() policy.Decision {
	return in.evalResource(false)
}

// PreAuthorize is the resource policy's pre-authorization pass (§1.1 step
// 3): before any authorizer runs, an explicit Deny refuses the request. It
// returns proceed=false with the denial when that happens. For AWS_IAM
// routes the caller is not yet authenticated, so only statements whose
// outcome is the same for every caller are considered (policy
// Request.PrincipalUnknown); statements naming principals or reading
// identity keys wait for Decide.
func PreAuthorize(in *Input) (o Outcome, proceed bool) {
	if in.Policy == nil {
		return Outcome{}, true
	}
	ev := in.evalResource(in.AuthType == AuthIAM)
	if ev.Effect != policy.ExplicitDeny {
		return Outcome{}, true
	}
	d := ev // only a refusal keeps the decision (on the heap)
	return Outcome{
		Effect:         policy.ExplicitDeny,
		Source:         SourceResourcePolicy,
		Table:          "pre-authorization",
		ResourcePolicy: &d,
		Message:        in.resourceMessage("anonymous", true),
		Reason:         "pre-authorization: resource policy " + d.Reason,
	}, false
}

// Decide combines the authorizer's outcome with the resource policy.
// authz is the Lambda authorizer's policy decision (AuthLambda) or the
// caller's identity-policy decision (AuthIAM); it is ignored for AuthNone
// and AuthCognito (whose token was already validated).
func Decide(in *Input, authz policy.Decision) Outcome {
	rp := policy.ImplicitDeny
	var rd *policy.Decision
	switch {
	case in.Policy != nil && in.Resource != nil:
		rd, rp = in.Resource, in.Resource.Effect
	case in.Policy != nil:
		d := in.evalResource(false)
		rd, rp = &d, d.Effect
	}
	o := Outcome{ResourcePolicy: rd}
	switch in.AuthType {
	case AuthNone, AuthCognito:
		o.Table = in.AuthType.String()
		o.Source = SourceResourcePolicy
		switch {
		case in.Policy == nil:
			o.Effect = policy.Allow
			o.Source = SourceNone
			o.Reason = o.Table + ": no resource policy"
		default:
			// The resource policy alone must explicitly allow (§5.6).
			o.Effect = rp
			o.Reason = o.Table + ": resource policy " + rd.Reason
		}
		if o.Effect != policy.Allow {
			o.Message = in.resourceMessage("anonymous", o.Effect == policy.ExplicitDeny)
		}
	case AuthLambda:
		o.Table = "A"
		o.Authorizer = authz.Effect
		o.Effect = tableA(authz.Effect, rp)
		o.Source = SourceAuthorizer
		if o.Effect == policy.ExplicitDeny && rp == policy.ExplicitDeny {
			o.Source = SourceResourcePolicy
		}
		if o.Effect == policy.Allow && authz.Effect != policy.Allow {
			o.Source = SourceResourcePolicy
		}
		o.Reason = in.combinedReason(o, authz, rd)
		if o.Effect != policy.Allow {
			if o.Source == SourceResourcePolicy {
				o.Message = in.resourceMessage("anonymous", true)
			} else {
				o.Message = in.authorizerMessage(o.Effect == policy.ExplicitDeny)
			}
		}
	case AuthIAM:
		caller := (*policy.Identity)(nil)
		if in.Context != nil {
			caller = in.Context.Principal
		}
		if caller == nil {
			// Fail closed: an IAM route must have an authenticated caller.
			o.Effect, o.Source, o.Table = policy.ImplicitDeny, SourceIdentity, "A"
			o.Reason = "AWS_IAM: no authenticated caller"
			o.Message = in.iamMessage("anonymous", SourceIdentity, false)
			return o
		}
		o.Authorizer = authz.Effect
		if caller.Account != "" && caller.Account == in.APIAccount {
			o.Table = "A"
			o.Effect = tableA(authz.Effect, rp)
		} else {
			o.Table = "B"
			o.Effect = tableB(authz.Effect, rp)
		}
		switch {
		case o.Effect == policy.ExplicitDeny && rp == policy.ExplicitDeny:
			o.Source = SourceResourcePolicy
		case o.Effect == policy.ExplicitDeny:
			o.Source = SourceIdentity
		case o.Effect == policy.Allow && authz.Effect != policy.Allow:
			o.Source = SourceResourcePolicy
		case o.Effect == policy.Allow:
			o.Source = SourceIdentity
		case o.Table == "B" && authz.Effect == policy.Allow:
			o.Source = SourceResourcePolicy // the resource policy did not allow
		default:
			o.Source = SourceIdentity
		}
		o.Reason = in.combinedReason(o, authz, rd)
		if o.Effect != policy.Allow {
			o.Message = in.iamMessage(caller.CallerARN(), o.Source, o.Effect == policy.ExplicitDeny)
		}
	default:
		o.Effect = policy.ImplicitDeny
		o.Reason = fmt.Sprintf("unknown authorization type %d", in.AuthType)
		o.Message = in.resourceMessage("anonymous", false)
	}
	o.Allowed = o.Effect == policy.Allow
	return o
}

// tableA: same account (and Lambda authorizers). Deny anywhere wins; an
// Allow from either side suffices.
func tableA(id, rp policy.Effect) policy.Effect {
	switch {
	case id == policy.ExplicitDeny || rp == policy.ExplicitDeny:
		return policy.ExplicitDeny
	case id == policy.Allow || rp == policy.Allow:
		return policy.Allow
	}
	return policy.ImplicitDeny
}

// tableB: cross account. Deny anywhere wins; both sides must allow.
func tableB(id, rp policy.Effect) policy.Effect {
	switch {
	case id == policy.ExplicitDeny || rp == policy.ExplicitDeny:
		return policy.ExplicitDeny
	case id == policy.Allow && rp == policy.Allow:
		return policy.Allow
	}
	return policy.ImplicitDeny
}

func (in *Input) combinedReason(o Outcome, authz policy.Decision, rd *policy.Decision) string {
	rpEff, rpWhy := "Neither", "no resource policy"
	if rd != nil {
		rpEff, rpWhy = effectName(rd.Effect), rd.Reason
	}
	azWhy := authz.Reason
	if azWhy == "" {
		azWhy = "no reason given"
	}
	// One concatenation (fmt would box every argument): runs on every
	// request of an API with a resource policy.
	return in.AuthType.String() + " table " + o.Table + ": " + sourceLabel(in.AuthType) + " " + effectName(authz.Effect) +
		" × resource policy " + rpEff + " → " + o.Effect.String() + " (decided by " + o.Source.String() + "); " +
		sourceLabel(in.AuthType) + ": " + azWhy + "; resource policy: " + rpWhy
}

func sourceLabel(a AuthType) string {
	if a == AuthIAM {
		return "identity"
	}
	return "authorizer"
}

// effectName uses the flow tables' vocabulary.
func effectName(e policy.Effect) string {
	switch e {
	case policy.Allow:
		return "Allow"
	case policy.ExplicitDeny:
		return "Deny"
	}
	return "Neither"
}

// resourceMessage is the §5.5 text for a resource-policy denial.
func (in *Input) resourceMessage(caller string, explicit bool) string {
	return in.userMessage(caller, "a", "resource-based", explicit)
}

// iamMessage is the §4.3 step 10 text for an IAM caller, or the §5.5 text
// (with the caller's ARN) when the resource policy decided.
func (in *Input) iamMessage(caller string, src Source, explicit bool) string {
	if src == SourceResourcePolicy {
		return in.resourceMessage(caller, explicit)
	}
	return in.userMessage(caller, "an", "identity-based", explicit)
}

// userMessage is the "User: <caller> is not authorized ..." text, with the
// suffix of the selected wording naming the kind of policy that decided
// (with its indefinite article).
func (in *Input) userMessage(caller, article, kind string, explicit bool) string {
	msg := "User: " + caller + " is not authorized to perform: " + in.action() + " on resource: " + arn.MaskAccount(in.MethodARN)
	switch {
	case explicit && in.Wording == WordingCurrent:
		return msg + " with an explicit deny in " + article + " " + kind + " policy"
	case explicit:
		return msg + " with an explicit deny"
	case in.Wording == WordingCurrent:
		return msg + " because no " + kind + " policy allows the " + in.action() + " action"
	}
	return msg
}

// authorizerMessage is the §3.5 text for a Lambda authorizer's policy.
func (in *Input) authorizerMessage(explicit bool) string {
	const msg = "User is not authorized to access this resource"
	switch {
	case explicit && in.Wording == WordingCurrent:
		return msg + " with an explicit deny in an identity-based policy"
	case explicit:
		return msg + " with an explicit deny"
	}
	return msg
}
