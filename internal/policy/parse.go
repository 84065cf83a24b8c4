package policy

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/arn"
)

// Policy language versions.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Kind says where a policy is attached, which decides whether a Principal
// element is required, forbidden or optional.
type Kind uint8

const (
	// KindAny accepts statements with or without Principal (Lambda
	// authorizer output policies, simulations).
	KindAny Kind = iota
	// KindIdentity is a policy attached to an IAM user or role: Principal
	// and NotPrincipal are errors, as in IAM.
	KindIdentity
	// KindResource is a resource policy: every statement needs Principal or
	// NotPrincipal.
	KindResource
	// KindTrust is a role trust policy: like KindResource, but Resource and
	// NotResource are prohibited (as in IAM); statements apply to any
	// resource.
	KindTrust
)

// DefaultMaxBytes bounds the size of a policy document accepted by Parse.
const DefaultMaxBytes = 64 << 10

// Scope is the API a resource policy guards. It expands the abbreviated
// resources "execute-api:/stage/METHOD/path" (as API Gateway does when a
// policy is saved) and, with ExpandPlaceholders, the AWS documentation
// placeholders in execute-api ARNs.
type Scope struct {
	Partition string // "" means "aws"
	Region    string
	Account   string
	APIID     string
	// ExpandPlaceholders replaces the placeholder components that AWS
	// documentation examples use ("region", "account-id", "api-id", and the
	// same in braces) inside execute-api resource ARNs with this scope's
	// values, recording a warning for each. AWS itself would store them
	// literally (matching nothing); gatehouse makes pasted examples work.
	ExpandPlaceholders bool
}

// ParseOptions controls Parse.
type ParseOptions struct {
	// Name labels the policy in decisions and errors.
	Name string
	Kind Kind
	// MaxBytes bounds the document size; 0 means DefaultMaxBytes.
	MaxBytes int
	// Scope, when set, expands execute-api abbreviations and placeholders.
	Scope *Scope
}

// Problem is one error or warning found while parsing, located by a field
// path ("Statement[1].Condition.IpAddress.aws:SourceIp") and the byte offset
// of the offending JSON value in the document.
type Problem struct {
	Path   string
	Offset int64
	Msg    string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// ParseError lists every problem found in a document.
type ParseError struct {
	Name     string
	Problems []Problem
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("invalid policy")
	if e.Name != "" {
		fmt.Fprintf(&b, " %q", e.Name)
	}
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Policy is a parsed, validated policy document. It is immutable and safe for
// concurrent evaluation.
type Policy struct {
	Name       string
	Version    string
	ID         string
	Statements []*Statement
	// Warnings are accepted-but-notable findings (placeholder expansion,
	// condition keys gatehouse never sets, a missing Version).
	Warnings []Problem
}

// StatementEffect is a statement's Effect element.
type StatementEffect uint8

// Statement effects.
const (
	StatementAllow StatementEffect = iota + 1
	StatementDeny
)

func (e StatementEffect) String() string {
	switch e {
	case StatementAllow:
		return "Allow"
	case StatementDeny:
		return "Deny"
	}
	return "invalid"
}

// Statement is one parsed statement.
type Statement struct {
	Index  int
	Sid    string
	Effect StatementEffect
	// Path is "Statement[i]" (or "Statement" when the document holds a
	// single statement object).
	Path string

	principals   *principalSpec // nil: no Principal element
	notPrincipal bool
	actions      []pattern
	notAction    bool
	resources    []resourcePattern
	notResource  bool
	conditions   []*condition
	// principalDependent: the statement's outcome depends on who the
	// caller is, so it cannot be decided before authentication.
	principalDependent bool
	// reasons caches the decision reasons naming this statement (see
	// Statement.reason); set by Parse.
	reasons *stmtReasons
	// actionStars locate the wildcards of actions (same order).
	actionStars []starSpan
}

type parser struct {
	opts     ParseOptions
	vars     bool
	problems []Problem
	warnings []Problem
}

func (p *parser) errf(path string, n *node, format string, args ...any) {
	var off int64
	if n != nil {
		off = n.off
	}
	p.problems = append(p.problems, Problem{Path: path, Offset: off, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) warnf(path string, n *node, format string, args ...any) {
	var off int64
	if n != nil {
		off = n.off
	}
	p.warnings = append(p.warnings, Problem{Path: path, Offset: off, Msg: fmt.Sprintf(format, args...)})
}

// Parse strictly parses and validates a JSON policy document. All problems
// are reported at once in a *ParseError.
func Parse(data []byte, opts ParseOptions) (*Policy, error) {
	maxBytes := opts.MaxBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if len(data) > maxBytes {
		return nil, &ParseError{Name: opts.Name, Problems: []Problem{{Msg: fmt.Sprintf("document is %d bytes, limit is %d", len(data), maxBytes)}}}
	}
	root, err := decodeTree(data)
	if err != nil {
		e := err.(*errAt)
		return nil, &ParseError{Name: opts.Name, Problems: []Problem{{Offset: e.off, Msg: "malformed JSON: " + e.msg}}}
	}
	p := &parser{opts: opts}
	pol := p.document(root)
	if len(p.problems) > 0 {
		return nil, &ParseError{Name: opts.Name, Problems: p.problems}
	}
	pol.Warnings = p.warnings
	for _, st := range pol.Statements {
		st.reasons = newStmtReasons(pol, st)
		st.actionStars = make([]starSpan, len(st.actions))
		for i, a := range st.actions {
			st.actionStars[i] = a.stars()
		}
	}
	return pol, nil
}

func (p *parser) document(root *node) *Policy {
	pol := &Policy{Name: p.opts.Name}
	if root.kind != jsonObject {
		p.errf("", root, "policy document must be a JSON object, not %s", root.kind)
		return pol
	}
	var stmts *node
	for i, k := range root.keys {
		v := root.vals[i]
		switch k {
		case "Version":
			if v.kind != jsonString || (v.str != Version2012 && v.str != Version2008) {
				p.errf("Version", v, "must be %q or %q", Version2012, Version2008)
				continue
			}
			pol.Version = v.str
		case "Id":
			if v.kind != jsonString {
				p.errf("Id", v, "must be a string, not %s", v.kind)
				continue
			}
			pol.ID = v.str
		case "Statement":
			stmts = v
		default:
			p.errf(k, v, "unknown policy element %q", k)
		}
	}
	if pol.Version == "" {
		pol.Version = Version2008
		p.warnf("Version", root, "missing; treated as %s, so policy variables are not expanded", Version2008)
	}
	p.vars = pol.Version == Version2012
	if stmts == nil {
		p.errf("Statement", root, "missing")
		return pol
	}
	switch stmts.kind {
	case jsonObject:
		pol.Statements = append(pol.Statements, p.statement(stmts, 0, "Statement"))
	case jsonArray:
		if len(stmts.elems) == 0 {
			p.errf("Statement", stmts, "must not be empty")
		}
		for i, s := range stmts.elems {
			pol.Statements = append(pol.Statements, p.statement(s, i, fmt.Sprintf("Statement[%d]", i)))
		}
	default:
		p.errf("Statement", stmts, "must be an object or an array of objects, not %s", stmts.kind)
	}
	sids := map[string]string{}
	for _, s := range pol.Statements {
		if s.Sid == "" {
			continue
		}
		if prev, dup := sids[s.Sid]; dup {
			p.errf(s.Path+".Sid", nil, "duplicate Sid %q (also used by %s)", s.Sid, prev)
		}
		sids[s.Sid] = s.Path
	}
	return pol
}

func (p *parser) statement(n *node, idx int, path string) *Statement {
	st := &Statement{Index: idx, Path: path}
	if n.kind != jsonObject {
		p.errf(path, n, "statement must be an object, not %s", n.kind)
		return st
	}
	var action, notAction, resource, notResource, principal, notPrincipal, cond *node
	for i, k := range n.keys {
		v := n.vals[i]
		switch k {
		case "Sid":
			if v.kind != jsonString {
				p.errf(path+".Sid", v, "must be a string, not %s", v.kind)
				continue
			}
			st.Sid = v.str
		case "Effect":
			switch {
			case v.kind == jsonString && v.str == "Allow":
				st.Effect = StatementAllow
			case v.kind == jsonString && v.str == "Deny":
				st.Effect = StatementDeny
			default:
				p.errf(path+".Effect", v, "must be \"Allow\" or \"Deny\"")
			}
		case "Action":
			action = v
		case "NotAction":
			notAction = v
		case "Resource":
			resource = v
		case "NotResource":
			notResource = v
		case "Principal":
			principal = v
		case "NotPrincipal":
			notPrincipal = v
		case "Condition":
			cond = v
		default:
			p.errf(path+"."+k, v, "unknown statement element %q", k)
		}
	}
	if st.Effect == 0 && !hasKey(n, "Effect") {
		p.errf(path+".Effect", n, "missing")
	}
	// Action / NotAction
	switch {
	case action != nil && notAction != nil:
		p.errf(path+".NotAction", notAction, "a statement cannot have both Action and NotAction")
	case action == nil && notAction == nil:
		p.errf(path+".Action", n, "missing (a statement needs Action or NotAction)")
	case action != nil:
		st.actions = p.actions(action, path+".Action")
	default:
		st.notAction = true
		st.actions = p.actions(notAction, path+".NotAction")
	}
	// Resource / NotResource
	switch {
	case p.opts.Kind == KindTrust && (resource != nil || notResource != nil):
		el, v := "Resource", resource
		if v == nil {
			el, v = "NotResource", notResource
		}
		p.errf(path+"."+el, v, "not allowed in a trust policy")
	case p.opts.Kind == KindTrust:
		st.resources = []resourcePattern{{any: true, t: template{raw: "*"}}}
	case resource != nil && notResource != nil:
		p.errf(path+".NotResource", notResource, "a statement cannot have both Resource and NotResource")
	case resource == nil && notResource == nil:
		p.errf(path+".Resource", n, "missing (a statement needs Resource or NotResource)")
	case resource != nil:
		st.resources = p.resources(resource, path+".Resource")
	default:
		st.notResource = true
		st.resources = p.resources(notResource, path+".NotResource")
	}
	// Principal / NotPrincipal
	switch {
	case principal != nil && notPrincipal != nil:
		p.errf(path+".NotPrincipal", notPrincipal, "a statement cannot have both Principal and NotPrincipal")
	case p.opts.Kind == KindIdentity && (principal != nil || notPrincipal != nil):
		el, v := "Principal", principal
		if v == nil {
			el, v = "NotPrincipal", notPrincipal
		}
		p.errf(path+"."+el, v, "not allowed in an identity-based policy")
	case principal != nil:
		st.principals = p.principal(principal, path+".Principal")
	case notPrincipal != nil:
		st.notPrincipal = true
		st.principals = p.principal(notPrincipal, path+".NotPrincipal")
	case p.opts.Kind == KindResource || p.opts.Kind == KindTrust:
		p.errf(path+".Principal", n, "missing (a resource or trust policy statement needs Principal or NotPrincipal)")
	}
	if cond != nil {
		st.conditions = p.conditions(cond, path+".Condition")
	}
	st.principalDependent = st.notPrincipal || (st.principals != nil && !st.principals.any)
	for _, r := range st.resources {
		if r.t.principalVar {
			st.principalDependent = true
		}
	}
	for _, c := range st.conditions {
		if principalKey(c.key) {
			st.principalDependent = true
		}
		for i := range c.values {
			if c.values[i].t.principalVar {
				st.principalDependent = true
			}
		}
	}
	return st
}

func hasKey(n *node, k string) bool {
	for _, x := range n.keys {
		if x == k {
			return true
		}
	}
	return false
}

// stringList accepts a string or a non-empty array of strings.
func (p *parser) stringList(n *node, path string) ([]string, []*node) {
	switch n.kind {
	case jsonString:
		return []string{n.str}, []*node{n}
	case jsonArray:
		if len(n.elems) == 0 {
			p.errf(path, n, "must not be an empty array")
			return nil, nil
		}
		out := make([]string, 0, len(n.elems))
		nodes := make([]*node, 0, len(n.elems))
		for i, e := range n.elems {
			if e.kind != jsonString {
				p.errf(fmt.Sprintf("%s[%d]", path, i), e, "must be a string, not %s", e.kind)
				continue
			}
			out = append(out, e.str)
			nodes = append(nodes, e)
		}
		return out, nodes
	}
	p.errf(path, n, "must be a string or an array of strings, not %s", n.kind)
	return nil, nil
}

func (p *parser) actions(n *node, path string) []pattern {
	vals, nodes := p.stringList(n, path)
	out := make([]pattern, 0, len(vals))
	for i, a := range vals {
		svc, name, ok := strings.Cut(a, ":")
		if a != "*" && (!ok || svc == "" || name == "" || strings.ContainsAny(svc, "*?")) {
			p.errf(elemPath(path, n, i), nodes[i], "action %q must be \"*\" or \"service:action\"", a)
			continue
		}
		out = append(out, compileGlob(nil, a, true))
	}
	return out
}

func elemPath(path string, n *node, i int) string {
	if n.kind == jsonArray {
		return fmt.Sprintf("%s[%d]", path, i)
	}
	return path
}

// resourcePattern is one Resource/NotResource entry.
type resourcePattern struct {
	t   template
	any bool // "*"
	// comps holds the six component patterns when the entry has no
	// variables (precompiled); whole is the entire pattern.
	comps   [6]pattern
	compsOK bool
	whole   pattern
	// compStars and wholeStars locate the wildcards of comps and whole.
	compStars  [6]starSpan
	wholeStars starSpan
}

func (p *parser) resources(n *node, path string) []resourcePattern {
	vals, nodes := p.stringList(n, path)
	out := make([]resourcePattern, 0, len(vals))
	for i, r := range vals {
		ep := elemPath(path, n, i)
		r = p.expandResource(r, ep, nodes[i])
		if r == "*" {
			out = append(out, resourcePattern{any: true, t: template{raw: r}})
			continue
		}
		if _, ok := arn.Split(r); !ok {
			p.errf(ep, nodes[i], "resource %q must be \"*\" or an ARN (arn:partition:service:region:account:resource)", r)
			continue
		}
		t, err := parseTemplate(r, p.vars)
		if err != nil {
			p.errf(ep, nodes[i], "%v", err)
			continue
		}
		rp := resourcePattern{t: t}
		if !t.hasVar {
			rp.whole, _ = t.pattern(nil, nil, false)
			rp.comps, rp.compsOK = splitPattern(rp.whole)
			rp.wholeStars = rp.whole.stars()
			for i := range rp.comps {
				rp.compStars[i] = rp.comps[i].stars()
			}
		}
		out = append(out, rp)
	}
	return out
}

// splitPattern splits a resolved pattern into its six ARN components at the
// first five ':' runes; ok is false when there are fewer than six.
func splitPattern(pt pattern) (comps [6]pattern, ok bool) {
	c := 0
	start := 0
	for i, r := range pt {
		if r == ':' && c < 5 {
			comps[c] = pt[start:i]
			c++
			start = i + 1
		}
	}
	comps[c] = pt[start:]
	return comps, c == 5
}

// expandResource applies the Scope: abbreviated execute-api resources and
// documentation placeholders.
func (p *parser) expandResource(r, path string, n *node) string {
	sc := p.opts.Scope
	if rest, ok := strings.CutPrefix(r, "execute-api:"); ok {
		if sc == nil || sc.Region == "" || sc.Account == "" || sc.APIID == "" {
			p.errf(path, n, "abbreviated resource %q needs the API's region, account and id", r)
			return r
		}
		if !strings.HasPrefix(rest, "/") {
			p.errf(path, n, "abbreviated resource %q must start with \"execute-api:/\"", r)
			return r
		}
		return "arn:" + partition(sc) + ":execute-api:" + sc.Region + ":" + sc.Account + ":" + sc.APIID + rest
	}
	if sc == nil || !sc.ExpandPlaceholders {
		return r
	}
	parts, ok := arn.Split(r)
	if !ok || parts[2] != "execute-api" {
		return r
	}
	changed := false
	if contains([]string{"region", "{region}", "<region>"}, parts[3]) && sc.Region != "" {
		p.warnf(path, n, "placeholder region %q replaced with %q", parts[3], sc.Region)
		parts[3], changed = sc.Region, true
	}
	if contains([]string{"account-id", "{account-id}", "<account-id>", "account_id", "{accountId}"}, parts[4]) && sc.Account != "" {
		p.warnf(path, n, "placeholder account %q replaced with %q", parts[4], sc.Account)
		parts[4], changed = sc.Account, true
	}
	for _, ph := range []string{"api-id", "{api-id}", "{apiId}", "<api-id>"} {
		if rest, ok := strings.CutPrefix(parts[5], ph); ok && sc.APIID != "" && (rest == "" || rest[0] == '/') {
			p.warnf(path, n, "placeholder API id %q replaced with %q", ph, sc.APIID)
			parts[5], changed = sc.APIID+rest, true
			break
		}
	}
	if !changed {
		return r
	}
	return strings.Join(parts[:], ":")
}

func partition(sc *Scope) string {
	if sc.Partition == "" {
		return arn.DefaultPartition
	}
	return sc.Partition
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// principalSpec is a parsed Principal / NotPrincipal element.
type principalSpec struct {
	any       bool
	accounts  []string // 12-digit ids (from "123456789012" or ":root" ARNs)
	arns      []string // user, role, assumed-role session ARNs
	services  []string
	federated []string
}

func (p *parser) principal(n *node, path string) *principalSpec {
	ps := &principalSpec{}
	if n.kind == jsonString {
		if n.str != "*" {
			p.errf(path, n, "a string principal must be \"*\"; use {\"AWS\": ...} for accounts and ARNs")
		}
		ps.any = true
		return ps
	}
	if n.kind != jsonObject {
		p.errf(path, n, "must be \"*\" or an object, not %s", n.kind)
		return ps
	}
	if len(n.keys) == 0 {
		p.errf(path, n, "must not be an empty object")
	}
	for i, k := range n.keys {
		v := n.vals[i]
		kp := path + "." + k
		vals, nodes := p.stringList(v, kp)
		for j, s := range vals {
			ep := elemPath(kp, v, j)
			switch k {
			case "AWS":
				switch {
				case s == "*":
					ps.any = true
				case arn.IsAccountID(s):
					ps.accounts = append(ps.accounts, s)
				case strings.ContainsAny(s, "*?"):
					p.errf(ep, nodes[j], "principal %q: wildcards are only allowed as the whole value \"*\"", s)
				default:
					parts, ok := arn.Split(s)
					if !ok || (parts[2] != "iam" && parts[2] != "sts") || !arn.IsAccountID(parts[4]) {
						p.errf(ep, nodes[j], "principal %q must be \"*\", a 12-digit account id or an IAM/STS ARN", s)
						continue
					}
					if parts[2] == "iam" && parts[5] == "root" {
						ps.accounts = append(ps.accounts, parts[4])
						continue
					}
					ps.arns = append(ps.arns, s)
				}
			case "Service":
				if strings.ContainsAny(s, "*?") || s == "" {
					p.errf(ep, nodes[j], "service principal %q must be a service name", s)
					continue
				}
				ps.services = append(ps.services, s)
			case "Federated":
				if strings.ContainsAny(s, "*?") || s == "" {
					p.errf(ep, nodes[j], "federated principal %q must be a provider name", s)
					continue
				}
				ps.federated = append(ps.federated, s)
			case "CanonicalUser":
				// S3-only principal type; never matches an execute-api caller.
			default:
				p.errf(kp, v, "unknown principal type %q (want AWS, Service, Federated or CanonicalUser)", k)
			}
		}
	}
	return ps
}

// Position converts the problem's byte offset into a 1-based line and
// column (in bytes) within doc, the document that was parsed.
func (p Problem) Position(doc []byte) (line, col int) {
	off := int(p.Offset)
	if off > len(doc) {
		off = len(doc)
	}
	line, col = 1, 1
	for _, c := range doc[:off] {
		if c == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return line, col
}
