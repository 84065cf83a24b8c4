package sam

import (
	"encoding/base64"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
)

// evaluator resolves the template language. It is used by one Convert call.
type evaluator struct {
	file   string
	opts   *Options
	errs   config.Errors
	params map[string]*param
	// mappings is the Mappings section (nil when absent).
	mappings *Node
	condDefs *Node
	conds    map[string]condState
	// res answers Ref and Fn::GetAtt on resources.
	res *resources
	// bad marks a value whose evaluation failed (already reported); none
	// is AWS::NoValue.
	bad, none *Node
}

type condState uint8

const (
	condUnknown condState = iota
	condEvaluating
	condTrue
	condFalse
)

type param struct {
	name   string
	typ    string
	list   bool
	value  string
	items  []string
	noEcho bool
}

func newEvaluator(file string, opts *Options) *evaluator {
	return &evaluator{file: file, opts: opts, conds: map[string]condState{},
		params: map[string]*param{}, bad: &Node{}, none: &Node{}}
}

func (e *evaluator) errorf(at *Node, path, format string, args ...any) {
	fe := config.FieldError{File: e.file, Path: path, Msg: fmt.Sprintf(format, args...)}
	if at != nil {
		fe.Line, fe.Col = at.Line, at.Col
	}
	for _, x := range e.errs {
		if x == fe {
			return
		}
	}
	e.errs = append(e.errs, fe)
}

// pseudo returns the value of a pseudo parameter.
func (e *evaluator) pseudo(name string) (string, bool) {
	switch name {
	case "AWS::Region":
		return e.opts.Region, true
	case "AWS::AccountId":
		return e.opts.AccountID, true
	case "AWS::StackName":
		return e.opts.StackName, true
	case "AWS::StackId":
		return fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/%s", e.partition(), e.opts.Region, e.opts.AccountID, e.opts.StackName, stableUUID(e.opts.StackName)), true
	case "AWS::Partition":
		return e.partition(), true
	case "AWS::URLSuffix":
		if strings.HasPrefix(e.opts.Region, "cn-") {
			return "amazonaws.com.cn", true
		}
		return "amazonaws.com", true
	case "AWS::NotificationARNs":
		return "", true
	}
	return "", false
}

func (e *evaluator) partition() string {
	switch {
	case strings.HasPrefix(e.opts.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(e.opts.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// str returns the text of an evaluated scalar, or false.
func str(n *Node) (string, bool) {
	if n == nil || n.Kind != KindScalar {
		return "", false
	}
	return n.Value, true
}

// eval returns n with every intrinsic function resolved. It returns e.none
// for AWS::NoValue and e.bad after reporting an error.
func (e *evaluator) eval(n *Node, path string) *Node {
	return e.evalDepth(n, path, 0)
}

func (e *evaluator) evalDepth(n *Node, path string, depth int) *Node {
	if n == nil {
		return e.none
	}
	if depth > maxDepth {
		e.errorf(n, path, "values nested too deeply")
		return e.bad
	}
	if fn, arg, ok := n.intrinsic(); ok {
		return e.call(fn, arg, n, path, depth)
	}
	switch n.Kind {
	case KindList:
		out := &Node{Kind: KindList, Line: n.Line, Col: n.Col}
		bad := false
		for i, it := range n.Items {
			v := e.evalDepth(it, fmt.Sprintf("%s[%d]", path, i), depth+1)
			switch v {
			case e.none:
			case e.bad:
				bad = true
			default:
				out.Items = append(out.Items, v)
			}
		}
		if bad {
			return e.bad
		}
		return out
	case KindMap:
		out := &Node{Kind: KindMap, Line: n.Line, Col: n.Col}
		bad := false
		for _, f := range n.Fields {
			v := e.evalDepth(f.Value, joinPath(path, f.Key), depth+1)
			switch v {
			case e.none:
			case e.bad:
				bad = true
			default:
				f.Value = v
				out.Fields = append(out.Fields, f)
			}
		}
		if bad {
			return e.bad
		}
		return out
	}
	return n
}

// evalString evaluates n and requires a string (numbers and booleans are
// accepted as their text, as CloudFormation does).
func (e *evaluator) evalString(n *Node, path string, depth int, what string) (string, bool) {
	v := e.evalDepth(n, path, depth)
	if v == e.bad {
		return "", false
	}
	s, ok := str(v)
	if !ok {
		e.errorf(n, path, "%s must be a string, got %s", what, v.describe())
		return "", false
	}
	return s, true
}

// evalList evaluates n and requires a list.
func (e *evaluator) evalList(n *Node, path string, depth int, what string) ([]*Node, bool) {
	v := e.evalDepth(n, path, depth)
	if v == e.bad {
		return nil, false
	}
	if v.Kind != KindList {
		e.errorf(n, path, "%s must be a list, got %s", what, v.describe())
		return nil, false
	}
	return v.Items, true
}

func (e *evaluator) args(fn string, arg *Node, at *Node, path string, min, max int) ([]*Node, bool) {
	if arg == nil || arg.Kind != KindList {
		e.errorf(at, path, "%s takes a list of %s, got %s", fn, countWord(min, max), arg.describe())
		return nil, false
	}
	if len(arg.Items) < min || len(arg.Items) > max {
		e.errorf(at, path, "%s takes %s, got %d", fn, countWord(min, max), len(arg.Items))
		return nil, false
	}
	return arg.Items, true
}

// stringThen checks that fn got exactly two arguments, evaluates the first as
// a string (called first in errors) and returns it with the second argument,
// unevaluated: the shape of Fn::Join, Fn::Select and Fn::Split.
func (e *evaluator) stringThen(fn string, arg, at *Node, path string, depth int, first string) (string, *Node, bool) {
	items, ok := e.args(fn, arg, at, path, 2, 2)
	if !ok {
		return "", nil, false
	}
	s, ok := e.evalString(items[0], path+"[0]", depth+1, fn+" "+first)
	return s, items[1], ok
}

func countWord(min, max int) string {
	if min == max {
		return fmt.Sprintf("%d arguments", min)
	}
	return fmt.Sprintf("%d to %d arguments", min, max)
}

func listOf(at *Node, items []string) *Node {
	out := &Node{Kind: KindList, Line: at.Line, Col: at.Col}
	for _, s := range items {
		out.Items = append(out.Items, scalar(s, at))
	}
	return out
}

func (e *evaluator) call(fn string, arg, at *Node, path string, depth int) *Node {
	fp := path + "." + fn
	switch fn {
	case "Ref":
		name, ok := str(arg)
		if !ok {
			e.errorf(at, fp, "Ref takes a logical id or parameter name, got %s", arg.describe())
			return e.bad
		}
		return e.ref(name, at, fp)
	case "Fn::GetAtt":
		var parts []string
		if s, ok := str(arg); ok {
			a, b, _ := strings.Cut(s, ".")
			parts = []string{a, b}
		} else {
			items, ok := e.args(fn, arg, at, fp, 2, 2)
			if !ok {
				return e.bad
			}
			for i, it := range items {
				s, ok := e.evalString(it, fmt.Sprintf("%s[%d]", fp, i), depth+1, "Fn::GetAtt argument")
				if !ok {
					return e.bad
				}
				parts = append(parts, s)
			}
		}
		if parts[0] == "" || parts[1] == "" {
			e.errorf(at, fp, "Fn::GetAtt needs a logical id and an attribute name")
			return e.bad
		}
		return e.getAtt(parts[0], parts[1], at, fp)
	case "Fn::Sub":
		return e.sub(arg, at, fp, depth)
	case "Fn::Join":
		delim, rest, ok := e.stringThen(fn, arg, at, fp, depth, "delimiter")
		if !ok {
			return e.bad
		}
		list, ok := e.evalList(rest, fp+"[1]", depth+1, "Fn::Join values")
		if !ok {
			return e.bad
		}
		parts := make([]string, 0, len(list))
		for i, it := range list {
			s, ok := str(it)
			if !ok {
				e.errorf(rest, fmt.Sprintf("%s[1][%d]", fp, i), "Fn::Join values must be strings, got %s", it.describe())
				return e.bad
			}
			parts = append(parts, s)
		}
		return scalar(strings.Join(parts, delim), at)
	case "Fn::Select":
		is, rest, ok := e.stringThen(fn, arg, at, fp, depth, "index")
		if !ok {
			return e.bad
		}
		list, ok := e.evalList(rest, fp+"[1]", depth+1, "Fn::Select values")
		if !ok {
			return e.bad
		}
		i, err := strconv.Atoi(is)
		if err != nil || i < 0 || i >= len(list) {
			e.errorf(at, fp, "Fn::Select index %q out of range for a list of %d", is, len(list))
			return e.bad
		}
		return list[i]
	case "Fn::Split":
		delim, rest, ok := e.stringThen(fn, arg, at, fp, depth, "delimiter")
		if !ok {
			return e.bad
		}
		s, ok := e.evalString(rest, fp+"[1]", depth+1, "Fn::Split source")
		if !ok {
			return e.bad
		}
		if delim == "" {
			e.errorf(at, fp, "Fn::Split delimiter must not be empty")
			return e.bad
		}
		return listOf(at, strings.Split(s, delim))
	case "Fn::If":
		items, ok := e.args(fn, arg, at, fp, 3, 3)
		if !ok {
			return e.bad
		}
		name, ok := str(items[0])
		if !ok {
			e.errorf(items[0], fp+"[0]", "Fn::If takes a condition name first, got %s", items[0].describe())
			return e.bad
		}
		v, ok := e.condition(name, items[0], fp+"[0]")
		if !ok {
			return e.bad
		}
		if v {
			return e.evalDepth(items[1], fp+"[1]", depth+1)
		}
		return e.evalDepth(items[2], fp+"[2]", depth+1)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		b, ok := e.condExpr(at, path, depth)
		if !ok {
			return e.bad
		}
		return &Node{Kind: KindScalar, Value: strconv.FormatBool(b), Tag: "!!bool", Line: at.Line, Col: at.Col}
	case "Fn::FindInMap":
		items, ok := e.args(fn, arg, at, fp, 3, 4)
		if !ok {
			return e.bad
		}
		var keys [3]string
		for i := 0; i < 3; i++ {
			s, ok := e.evalString(items[i], fmt.Sprintf("%s[%d]", fp, i), depth+1, "Fn::FindInMap key")
			if !ok {
				return e.bad
			}
			keys[i] = s
		}
		m := e.mappings.Get(keys[0])
		if m == nil {
			e.errorf(at, fp, "Fn::FindInMap: no mapping %q in Mappings", keys[0])
			return e.bad
		}
		v := m.Get(keys[1]).Get(keys[2])
		if v == nil {
			if len(items) == 4 {
				if dv := items[3].Get("DefaultValue"); dv != nil {
					return e.evalDepth(dv, fp+"[3].DefaultValue", depth+1)
				}
			}
			e.errorf(at, fp, "Fn::FindInMap: mapping %q has no %s.%s", keys[0], keys[1], keys[2])
			return e.bad
		}
		return v
	case "Fn::Base64":
		s, ok := e.evalString(arg, fp, depth+1, "Fn::Base64 argument")
		if !ok {
			return e.bad
		}
		return scalar(base64.StdEncoding.EncodeToString([]byte(s)), at)
	case "Fn::GetAZs":
		r, ok := e.evalString(arg, fp, depth+1, "Fn::GetAZs region")
		if !ok {
			return e.bad
		}
		if r == "" {
			r = e.opts.Region
		}
		return listOf(at, []string{r + "a", r + "b", r + "c"})
	case "Fn::ImportValue", "Fn::Cidr", "Fn::Transform", "Fn::Length", "Fn::ToJsonString", "Fn::GetParam":
		e.errorf(at, fp, "intrinsic function %s is not supported yet", fn)
		return e.bad
	}
	e.errorf(at, fp, "unknown intrinsic function %s", fn)
	return e.bad
}

// ref resolves Ref name.
func (e *evaluator) ref(name string, at *Node, path string) *Node {
	if name == "AWS::NoValue" {
		return e.none
	}
	if v, ok := e.pseudo(name); ok {
		return scalar(v, at)
	}
	if p, ok := e.params[name]; ok {
		if p.list {
			return listOf(at, p.items)
		}
		return scalar(p.value, at)
	}
	if strings.HasPrefix(name, "AWS::") {
		e.errorf(at, path, "unknown pseudo parameter %s", name)
		return e.bad
	}
	if e.res != nil {
		if v, ok := e.res.ref(name, at, path); ok {
			return scalar(v, at)
		} else if v == "" && e.res.known(name) {
			return e.bad
		}
	}
	e.errorf(at, path, "Ref to %q: no parameter, pseudo parameter or resource with that name", name)
	return e.bad
}

func (e *evaluator) getAtt(id, attr string, at *Node, path string) *Node {
	if e.res != nil && e.res.known(id) {
		v, ok := e.res.getAtt(id, attr, at, path)
		if !ok {
			return e.bad
		}
		return scalar(v, at)
	}
	e.errorf(at, path, "Fn::GetAtt %s.%s: no resource %q", id, attr, id)
	return e.bad
}

var subVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// sub implements Fn::Sub: "${Name}", "${Res.Attr}" and "${!Literal}".
func (e *evaluator) sub(arg, at *Node, path string, depth int) *Node {
	var tmpl string
	vars := map[string]string{}
	switch {
	case arg != nil && arg.Kind == KindScalar:
		tmpl = arg.Value
	case arg != nil && arg.Kind == KindList && len(arg.Items) == 2:
		s, ok := str(arg.Items[0])
		if !ok {
			e.errorf(arg.Items[0], path+"[0]", "Fn::Sub template must be a literal string, got %s", arg.Items[0].describe())
			return e.bad
		}
		tmpl = s
		m := arg.Items[1]
		if m.Kind != KindMap {
			e.errorf(m, path+"[1]", "Fn::Sub variables must be a map, got %s", m.describe())
			return e.bad
		}
		for _, f := range m.Fields {
			v, ok := e.evalString(f.Value, joinPath(path+"[1]", f.Key), depth+1, "Fn::Sub variable")
			if !ok {
				return e.bad
			}
			vars[f.Key] = v
		}
	default:
		e.errorf(at, path, "Fn::Sub takes a string or [string, map], got %s", arg.describe())
		return e.bad
	}
	ok := true
	out := subVar.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") {
			return "${" + name[1:] + "}"
		}
		name = strings.TrimSpace(name)
		if v, found := vars[name]; found {
			return v
		}
		var v *Node
		if res, attr, dotted := strings.Cut(name, "."); dotted && !strings.HasPrefix(name, "AWS::") {
			v = e.getAtt(res, attr, at, path)
		} else {
			v = e.ref(name, at, path)
		}
		if v == e.bad || v == e.none {
			if v == e.none {
				e.errorf(at, path, "Fn::Sub cannot use AWS::NoValue")
			}
			ok = false
			return ""
		}
		s, isStr := str(v)
		if !isStr {
			e.errorf(at, path, "Fn::Sub variable ${%s} is %s, not a string", name, v.describe())
			ok = false
		}
		return s
	})
	if !ok {
		return e.bad
	}
	return scalar(out, at)
}

// condition evaluates the named condition, detecting cycles.
func (e *evaluator) condition(name string, at *Node, path string) (bool, bool) {
	switch e.conds[name] {
	case condTrue:
		return true, true
	case condFalse:
		return false, true
	case condEvaluating:
		e.errorf(at, path, "condition %q depends on itself (circular reference)", name)
		return false, false
	}
	def := e.condDefs.field(name)
	if def == nil {
		e.errorf(at, path, "no condition %q in Conditions", name)
		return false, false
	}
	e.conds[name] = condEvaluating
	v, ok := e.condExpr(def.Value, joinPath("Conditions", name), 0)
	if !ok {
		e.conds[name] = condUnknown
		// Report once: later references see the failure as "false".
		e.conds[name] = condFalse
		return false, false
	}
	if v {
		e.conds[name] = condTrue
	} else {
		e.conds[name] = condFalse
	}
	return v, true
}

// condExpr evaluates a condition expression: Fn::Equals, Fn::And, Fn::Or,
// Fn::Not or {Condition: name}.
func (e *evaluator) condExpr(n *Node, path string, depth int) (bool, bool) {
	if depth > maxDepth {
		e.errorf(n, path, "condition nested too deeply")
		return false, false
	}
	if n != nil && n.Kind == KindMap && len(n.Fields) == 1 && n.Fields[0].Key == "Condition" {
		name, ok := str(n.Fields[0].Value)
		if !ok {
			e.errorf(n, path+".Condition", "Condition takes a condition name")
			return false, false
		}
		return e.condition(name, n, path+".Condition")
	}
	fn, arg, ok := n.intrinsic()
	if !ok {
		if n != nil && n.Kind == KindScalar && n.Tag == "!!bool" {
			return n.Value == "true", true
		}
		e.errorf(n, path, "a condition must be Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition, got %s", n.describe())
		return false, false
	}
	fp := path + "." + fn
	switch fn {
	case "Fn::Equals":
		items, ok := e.args(fn, arg, n, fp, 2, 2)
		if !ok {
			return false, false
		}
		var vals [2]*Node
		for i := range items {
			v := e.evalDepth(items[i], fmt.Sprintf("%s[%d]", fp, i), depth+1)
			if v == e.bad {
				return false, false
			}
			vals[i] = v
		}
		return equalValues(vals[0], vals[1]), true
	case "Fn::And", "Fn::Or":
		items, ok := e.args(fn, arg, n, fp, 2, 10)
		if !ok {
			return false, false
		}
		res := fn == "Fn::And"
		all := true
		for i, it := range items {
			v, ok := e.condExpr(it, fmt.Sprintf("%s[%d]", fp, i), depth+1)
			if !ok {
				all = false
				continue
			}
			if fn == "Fn::And" {
				res = res && v
			} else {
				res = res || v
			}
		}
		return res, all
	case "Fn::Not":
		items, ok := e.args(fn, arg, n, fp, 1, 1)
		if !ok {
			return false, false
		}
		v, ok := e.condExpr(items[0], fp+"[0]", depth+1)
		return !v, ok
	}
	e.errorf(n, path, "%s is not a condition function (want Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition)", fn)
	return false, false
}

func equalValues(a, b *Node) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case KindScalar:
		return a.Value == b.Value
	case KindList:
		return slices.EqualFunc(a.Items, b.Items, equalValues)
	case KindMap:
		if len(a.Fields) != len(b.Fields) {
			return false
		}
		for _, f := range a.Fields {
			if o := b.Get(f.Key); o == nil || !equalValues(f.Value, o) {
				return false
			}
		}
	}
	return true
}

// loadParameters resolves every parameter from overrides and defaults and
// validates its constraints.
func (e *evaluator) loadParameters(sec *Node, overrides map[string]string) {
	if sec != nil && sec.Kind != KindMap {
		e.errorf(sec, "Parameters", "Parameters must be a map, got %s", sec.describe())
		return
	}
	for k := range overrides {
		if sec.Get(k) == nil {
			e.errorf(sec, "Parameters", "parameter override %q: the template has no such parameter", k)
		}
	}
	if sec == nil {
		return
	}
	for _, f := range sec.Fields {
		path := joinPath("Parameters", f.Key)
		d := f.Value
		if d.Kind != KindMap {
			e.errorf(d, path, "a parameter is a map with Type, got %s", d.describe())
			continue
		}
		for _, pf := range d.Fields {
			switch pf.Key {
			case "Type", "Default", "AllowedValues", "AllowedPattern", "MinLength", "MaxLength",
				"MinValue", "MaxValue", "NoEcho", "Description", "ConstraintDescription":
			default:
				e.errorf(pf.Value, joinPath(path, pf.Key), "unknown parameter attribute %q", pf.Key)
			}
		}
		typ, _ := str(d.Get("Type"))
		p := &param{name: f.Key, typ: typ}
		switch {
		case typ == "":
			e.errorf(d, path+".Type", "parameter %s needs a Type", f.Key)
			continue
		case typ == "String", typ == "Number":
		case typ == "CommaDelimitedList", typ == "List<Number>":
			p.list = true
		case strings.HasPrefix(typ, "AWS::SSM::Parameter::"):
			e.errorf(d.Get("Type"), path+".Type", "parameter type %s is not supported yet (no SSM parameter store); use a String parameter", typ)
			continue
		case strings.HasPrefix(typ, "List<AWS::"):
			p.list = true
		case strings.HasPrefix(typ, "AWS::"):
		default:
			e.errorf(d.Get("Type"), path+".Type", "unknown parameter type %q", typ)
			continue
		}
		if ne, ok := str(d.Get("NoEcho")); ok {
			p.noEcho = strings.EqualFold(ne, "true")
		}
		raw, have := overrides[f.Key]
		at := d
		if !have {
			dv := d.Get("Default")
			if dv == nil {
				e.errorf(d, path, "parameter %s has no Default and no override (--parameter-overrides %s=VALUE)", f.Key, f.Key)
				continue
			}
			if dv.Kind == KindList && p.list {
				parts := make([]string, 0, len(dv.Items))
				for _, it := range dv.Items {
					s, _ := str(it)
					parts = append(parts, s)
				}
				raw = strings.Join(parts, ",")
			} else if s, ok := str(dv); ok {
				raw = s
			} else {
				e.errorf(dv, path+".Default", "Default must be a string, got %s", dv.describe())
				continue
			}
			at = dv
		}
		p.value = raw
		if p.list {
			if raw == "" {
				p.items = []string{}
			} else {
				p.items = strings.Split(raw, ",")
				for i := range p.items {
					p.items[i] = strings.TrimSpace(p.items[i])
				}
			}
		}
		e.checkParam(p, d, at, path, have)
		e.params[f.Key] = p
	}
}

func (e *evaluator) checkParam(p *param, d, at *Node, path string, override bool) {
	src := "default"
	if override {
		src = "override"
	}
	vals := []string{p.value}
	if p.list {
		vals = p.items
	}
	show := func(v string) string {
		if p.noEcho {
			return "****"
		}
		return strconv.Quote(v)
	}
	if p.typ == "Number" || p.typ == "List<Number>" {
		for _, v := range vals {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				e.errorf(at, path, "parameter %s (%s): %s is not a number", p.name, src, show(v))
				return
			}
			if mv, ok := numAttr(d, "MinValue"); ok && f < mv {
				e.errorf(at, path, "parameter %s (%s): %s is less than MinValue %v", p.name, src, show(v), mv)
			}
			if mv, ok := numAttr(d, "MaxValue"); ok && f > mv {
				e.errorf(at, path, "parameter %s (%s): %s is greater than MaxValue %v", p.name, src, show(v), mv)
			}
		}
	}
	if p.typ == "String" {
		if ml, ok := numAttr(d, "MinLength"); ok && float64(len(p.value)) < ml {
			e.errorf(at, path, "parameter %s (%s): %s is shorter than MinLength %v", p.name, src, show(p.value), ml)
		}
		if ml, ok := numAttr(d, "MaxLength"); ok && float64(len(p.value)) > ml {
			e.errorf(at, path, "parameter %s (%s): %s is longer than MaxLength %v", p.name, src, show(p.value), ml)
		}
	}
	if pat, ok := str(d.Get("AllowedPattern")); ok {
		re, err := regexp.Compile(`^(?:` + pat + `)$`)
		if err != nil {
			e.errorf(d.Get("AllowedPattern"), path+".AllowedPattern", "invalid AllowedPattern: %v", err)
		} else {
			for _, v := range vals {
				if !re.MatchString(v) {
					e.errorf(at, path, "parameter %s (%s): %s does not match AllowedPattern %s", p.name, src, show(v), pat)
				}
			}
		}
	}
	if av := d.Get("AllowedValues"); av != nil {
		if av.Kind != KindList {
			e.errorf(av, path+".AllowedValues", "AllowedValues must be a list")
			return
		}
		var allowed []string
		for _, it := range av.Items {
			s, _ := str(it)
			allowed = append(allowed, s)
		}
		for _, v := range vals {
			if !slices.Contains(allowed, v) {
				e.errorf(at, path, "parameter %s (%s): %s is not one of AllowedValues [%s]", p.name, src, show(v), strings.Join(allowed, ", "))
			}
		}
	}
}

func numAttr(d *Node, key string) (float64, bool) {
	s, ok := str(d.Get(key))
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
