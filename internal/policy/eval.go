package policy

import (
	"fmt"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/arn"
)

// Effect is the outcome of evaluating one or more policies. The zero value
// is ImplicitDeny, so an unset decision fails closed.
type Effect uint8

const (
	// ImplicitDeny: no statement applies ("Neither" in the authorization
	// flow tables).
	ImplicitDeny Effect = iota
	// Allow: at least one Allow statement applies and no Deny does.
	Allow
	// ExplicitDeny: at least one Deny statement applies.
	ExplicitDeny
)

func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// Request is what is being authorized.
type Request struct {
	// Action, e.g. "execute-api:Invoke" (matched case-insensitively).
	Action string
	// Resource is the ARN acted on (matched case-sensitively, component by
	// component).
	Resource string
	// Context supplies condition keys and the caller; nil means an empty
	// context with an anonymous caller.
	Context *Context
	// PrincipalUnknown evaluates before authentication (the resource
	// policy's pre-authorization pass): statements whose outcome depends on
	// who the caller is are skipped, so only conclusions that hold for
	// every possible caller are drawn.
	PrincipalUnknown bool
}

// Match identifies an applicable statement.
type Match struct {
	Policy string
	Index  int
	Sid    string
	Effect StatementEffect
	Path   string
	// NamesPrincipal: the statement's Principal lists the caller's own ARN
	// (user, role or assumed-role session), rather than admitting it as
	// "*", as a principal of its account or through NotPrincipal.
	NamesPrincipal bool
}

func (m Match) String() string {
	s := m.Path
	if m.Policy != "" {
		s = "policy " + strconv.Quote(m.Policy) + " " + s
	}
	if m.Sid != "" {
		s += " (Sid " + strconv.Quote(m.Sid) + ")"
	}
	return s
}

// Decision is the result of an evaluation and why it was reached.
type Decision struct {
	Effect Effect
	// Decisive is the statement that decided: the first applicable Deny for
	// ExplicitDeny, the first applicable Allow for Allow; nil otherwise.
	Decisive *Match
	// Matches lists every applicable statement, in evaluation order.
	Matches []Match
	// Skipped counts statements not evaluated because the principal was
	// unknown (pre-authorization pass).
	Skipped int
	// Reason is a one-line human explanation for logs.
	Reason string

	// inline backs Matches for EvaluateInto.
	inline [1]Match
}

// stmtReasons are the Decision.Reason texts naming one statement, built
// once at parse time for the policy name, Sid and Path it had then.
type stmtReasons struct {
	name, sid, path string
	allow, deny     string
}

func newStmtReasons(p *Policy, s *Statement) *stmtReasons {
	m := Match{Policy: p.Name, Sid: s.Sid, Path: s.Path}.String()
	return &stmtReasons{name: p.Name, sid: s.Sid, path: s.Path, allow: "allowed by " + m, deny: "explicit deny by " + m}
}

// reason returns the Decision.Reason for m (the decisive match of effect e):
// the cached text when the statement still has the names it was parsed
// with.
func reason(e Effect, m *Match, s *Statement) string {
	if r := s.reasons; r != nil && r.name == m.Policy && r.sid == m.Sid && r.path == m.Path {
		if e == Allow {
			return r.allow
		}
		return r.deny
	}
	if e == Allow {
		return "allowed by " + m.String()
	}
	return "explicit deny by " + m.String()
}

// evalState is per-evaluation scratch space.
type evalState struct {
	ctx              *Context
	action           []rune
	resource         string
	resParts         [6]string
	resIsARN         bool
	resRunes         [6][]rune
	resWhole         []rune
	principalUnknown bool
	// b holds buffers reused across statements, allocated on first use
	// (behind a pointer so that storing into them does not make the
	// caller's stack buffers escape).
	b *evalBufs
	// tracing: Explain wants every condition's context values.
	tracing bool
}

// evalBufs are an evaluation's reusable buffers for condition values and
// patterns with variables.
type evalBufs struct {
	text    []rune
	scratch pattern
}

// buf returns st's buffers, allocating them on first use.
func (st *evalState) buf() *evalBufs {
	if st.b == nil {
		st.b = &evalBufs{}
	}
	return st.b
}

// newEvalState returns the state for evaluating r. actionBuf and resBuf
// are (usually stack) storage for the request's runes, used when large
// enough. The state is returned by value so the caller's buffers stay on
// its stack (a pointer receiver storing them would make them escape).
func newEvalState(r *Request, actionBuf, resBuf []rune) evalState {
	st := evalState{ctx: r.Context, resource: r.Resource, principalUnknown: r.PrincipalUnknown}
	if st.ctx == nil {
		st.ctx = &Context{}
	}
	st.action = toRunes(actionBuf, r.Action, true)
	st.resParts, st.resIsARN = arn.Split(r.Resource)
	if st.resIsARN {
		all := resBuf[:0]
		if len(r.Resource) > cap(resBuf) {
			all = make([]rune, 0, len(r.Resource))
		}
		for i, p := range st.resParts {
			start := len(all)
			all = appendRunes(all, p, false)
			st.resRunes[i] = all[start:len(all):len(all)]
		}
	} else {
		st.resWhole = toRunes(resBuf, r.Resource, false)
	}
	return st
}

// Evaluate evaluates one policy.
func (p *Policy) Evaluate(r *Request) Decision {
	return Evaluate(r, p)
}

// Evaluate evaluates a set of policies together (e.g. a user's inline and
// managed policies): an applicable Deny anywhere wins, else an applicable
// Allow, else implicit deny. Nil policies are ignored.
func Evaluate(r *Request, policies ...*Policy) Decision {
	var d Decision
	evaluate(&d, nil, r, policies)
	return d
}

// EvaluateInto is Evaluate writing the decision to d, whose own storage
// holds the first matches: a caller that keeps d in memory it allocates
// anyway evaluates without allocating. d.Matches and d.Decisive may point
// into *d, so copies of d must be treated as read-only (as every Decision).
func EvaluateInto(d *Decision, r *Request, policies ...*Policy) {
	evaluate(d, d.inline[:0], r, policies)
}

// evaluate is Evaluate and EvaluateInto; the matches are appended to
// storage. (Evaluate returns d by value, so d's own storage cannot be used
// there: d would have to live on the heap.)
func evaluate(d *Decision, storage []Match, r *Request, policies []*Policy) {
	var actionBuf [48]rune
	var resBuf [192]rune
	st := newEvalState(r, actionBuf[:0], resBuf[:0])
	*d = Decision{Matches: storage}
	var decisive *Statement
	for _, p := range policies {
		if p == nil {
			continue
		}
		for _, s := range p.Statements {
			if st.principalUnknown && s.principalDependent {
				d.Skipped++
				continue
			}
			if !s.applies(&st, nil) {
				continue
			}
			d.Matches = append(d.Matches, s.match(p, st.ctx.Principal))
			if d.Effect != ExplicitDeny {
				switch s.Effect {
				case StatementDeny:
					d.Effect, decisive = ExplicitDeny, s
				case StatementAllow:
					if decisive == nil {
						d.Effect, decisive = Allow, s
					}
				}
			}
		}
	}
	if len(d.Matches) == 0 {
		d.Matches = nil
	}
	for i := range d.Matches {
		m := &d.Matches[i]
		if m.Effect == StatementDeny {
			d.Decisive = m
			break
		}
		if m.Effect == StatementAllow && d.Decisive == nil {
			d.Decisive = m
		}
	}
	switch d.Effect {
	case ExplicitDeny, Allow:
		d.Reason = reason(d.Effect, d.Decisive, decisive)
	default:
		d.Reason = "implicit deny: no statement applies"
		if d.Skipped > 0 {
			d.Reason += fmt.Sprintf(" (%d statements depend on the caller and were not evaluated)", d.Skipped)
		}
	}
}

// applies reports whether the statement applies to the request. When tr is
// non-nil every element is evaluated and recorded.
func (s *Statement) applies(st *evalState, tr *StatementTrace) bool {
	ok := s.matchPrincipal(st.ctx.Principal)
	if tr != nil {
		tr.Principal = ok
	} else if !ok {
		return false
	}
	a := s.matchAction(st)
	if tr != nil {
		tr.Action = a
	} else if !a {
		return false
	}
	r := s.matchResource(st)
	if tr != nil {
		tr.Resource = r
	} else if !r {
		return false
	}
	c := true
	for _, cd := range s.conditions {
		res, v, present := cd.eval(st)
		if tr != nil {
			ct := ConditionTrace{Path: cd.path, Operator: cd.operator, Key: cd.keyName, Present: present, Result: res}
			for i := range cd.values {
				ct.PolicyValues = append(ct.PolicyValues, cd.values[i].display())
			}
			for i := 0; i < v.n; i++ {
				ct.ContextValues = append(ct.ContextValues, v.at(i))
			}
			tr.Conditions = append(tr.Conditions, ct)
		}
		if !res {
			c = false
			if tr == nil {
				return false
			}
		}
	}
	return ok && a && r && c
}

func (v *condValue) display() string { return v.src }

func (s *Statement) matchPrincipal(id *Identity) bool {
	if s.principals == nil {
		return true
	}
	m := s.principals.matches(id)
	if s.notPrincipal {
		return !m
	}
	return m
}

// match identifies s (of policy p) as applicable to the caller id.
func (s *Statement) match(p *Policy, id *Identity) Match {
	return Match{Policy: p.Name, Index: s.Index, Sid: s.Sid, Effect: s.Effect, Path: s.Path,
		NamesPrincipal: s.principals != nil && !s.notPrincipal && s.principals.namesARN(id)}
}

// namesARN reports whether ps lists id's ARN or session ARN.
func (ps *principalSpec) namesARN(id *Identity) bool {
	if id == nil {
		return false
	}
	for _, a := range ps.arns {
		if (id.ARN != "" && a == id.ARN) || (id.SessionARN != "" && a == id.SessionARN) {
			return true
		}
	}
	return false
}

func (ps *principalSpec) matches(id *Identity) bool {
	if ps.any {
		return true
	}
	if id == nil {
		return false
	}
	for _, a := range ps.accounts {
		if a == id.Account {
			return true
		}
	}
	if ps.namesARN(id) {
		return true
	}
	for _, s := range ps.services {
		if id.Service != "" && s == id.Service {
			return true
		}
	}
	for _, f := range ps.federated {
		if id.Federated != "" && f == id.Federated {
			return true
		}
	}
	return false
}

func (s *Statement) matchAction(st *evalState) bool {
	m := false
	for i, p := range s.actions {
		var sp starSpan // located by matchStars unless Parse did
		if i < len(s.actionStars) {
			sp = s.actionStars[i]
		}
		if p.matchStars(sp, st.action, nil) {
			m = true
			break
		}
	}
	return m != s.notAction
}

// matchResource: a Resource entry whose variable cannot be resolved matches
// nothing; for NotResource such an entry makes the statement not apply
// (an unresolvable statement is never applied).
func (s *Statement) matchResource(st *evalState) bool {
	m := false
	for i := range s.resources {
		r := &s.resources[i]
		hit, ok := st.matchResource(r)
		if !ok {
			if s.notResource {
				return false
			}
			continue
		}
		if hit {
			m = true
			break
		}
	}
	return m != s.notResource
}

func (st *evalState) matchResource(r *resourcePattern) (hit, ok bool) {
	if r.any {
		return true, true
	}
	if r.t.hasVar {
		pt, ok := r.t.pattern(st.buf().scratch[:0], st.ctx, false)
		if !ok {
			return false, false
		}
		st.b.scratch = pt
		if !st.resIsARN {
			return pt.match(st.resWhole, nil), true
		}
		comps, compsOK := splitPattern(pt)
		if !compsOK {
			return false, true
		}
		for i := range comps {
			if !comps[i].match(st.resRunes[i], nil) {
				return false, true
			}
		}
		return true, true
	}
	if !st.resIsARN {
		return r.whole.matchStars(r.wholeStars, st.resWhole, nil), true
	}
	if !r.compsOK {
		return false, true
	}
	for i := range r.comps {
		if !r.comps[i].matchStars(r.compStars[i], st.resRunes[i], nil) {
			return false, true
		}
	}
	return true, true
}

// matchComponents matches six component patterns against an ARN's parts.
func (st *evalState) matchComponents(comps *[6]pattern, parts *[6]string) bool {
	for i := range comps {
		b := st.buf()
		b.text = toRunes(b.text, parts[i], false)
		if !comps[i].match(b.text, nil) {
			return false
		}
	}
	return true
}

// StatementTrace records how one statement was evaluated (for
// `gatehouse policy simulate` and debug logs).
type StatementTrace struct {
	Match
	// Skipped: not evaluated because the principal was unknown.
	Skipped    bool
	Principal  bool
	Action     bool
	Resource   bool
	Conditions []ConditionTrace
	Applies    bool
}

// ConditionTrace records one condition's evaluation.
type ConditionTrace struct {
	Path          string
	Operator      string
	Key           string
	PolicyValues  []string
	ContextValues []string
	Present       bool
	Result        bool
}

// Explain evaluates every statement of the policies fully and returns a
// trace per statement alongside the decision. It is slower than Evaluate and
// meant for diagnostics.
func Explain(r *Request, policies ...*Policy) (Decision, []StatementTrace) {
	st := newEvalState(r, nil, nil)
	st.tracing = true
	var traces []StatementTrace
	for _, p := range policies {
		if p == nil {
			continue
		}
		for _, s := range p.Statements {
			tr := StatementTrace{Match: s.match(p, st.ctx.Principal)}
			if st.principalUnknown && s.principalDependent {
				tr.Skipped = true
			} else {
				tr.Applies = s.applies(&st, &tr)
			}
			traces = append(traces, tr)
		}
	}
	return Evaluate(r, policies...), traces
}
