package policy

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/arn"
)

// baseOp is a condition operator without negation, IfExists or qualifier.
type baseOp uint8

const (
	opStringEquals baseOp = iota + 1
	opStringEqualsIgnoreCase
	opStringLike
	opNumericEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opArnLike
	opNull
)

// lookupOperator maps an operator name (without qualifier and IfExists) to
// its base operator and whether it is the negated form.
func lookupOperator(name string) (op baseOp, negated, ok bool) {
	switch name {
	case "StringEquals":
		return opStringEquals, false, true
	case "StringNotEquals":
		return opStringEquals, true, true
	case "StringEqualsIgnoreCase":
		return opStringEqualsIgnoreCase, false, true
	case "StringNotEqualsIgnoreCase":
		return opStringEqualsIgnoreCase, true, true
	case "StringLike":
		return opStringLike, false, true
	case "StringNotLike":
		return opStringLike, true, true
	case "NumericEquals":
		return opNumericEquals, false, true
	case "NumericNotEquals":
		return opNumericEquals, true, true
	case "NumericLessThan":
		return opNumericLessThan, false, true
	case "NumericLessThanEquals":
		return opNumericLessThanEquals, false, true
	case "NumericGreaterThan":
		return opNumericGreaterThan, false, true
	case "NumericGreaterThanEquals":
		return opNumericGreaterThanEquals, false, true
	case "DateEquals":
		return opDateEquals, false, true
	case "DateNotEquals":
		return opDateEquals, true, true
	case "DateLessThan":
		return opDateLessThan, false, true
	case "DateLessThanEquals":
		return opDateLessThanEquals, false, true
	case "DateGreaterThan":
		return opDateGreaterThan, false, true
	case "DateGreaterThanEquals":
		return opDateGreaterThanEquals, false, true
	case "Bool":
		return opBool, false, true
	case "BinaryEquals":
		return opBinaryEquals, false, true
	case "IpAddress":
		return opIPAddress, false, true
	case "NotIpAddress":
		return opIPAddress, true, true
	case "ArnEquals", "ArnLike":
		return opArnLike, false, true
	case "ArnNotEquals", "ArnNotLike":
		return opArnLike, true, true
	case "Null":
		return opNull, false, true
	}
	return 0, false, false
}

type setQualifier uint8

const (
	setNone setQualifier = iota
	setForAnyValue
	setForAllValues
)

// condition is one (operator, key) pair of a Condition block.
type condition struct {
	path     string // Statement[i].Condition.<operator>.<key>
	operator string // as written
	keyName  string // as written
	key      string // lower-cased
	op       baseOp
	negated  bool
	ifExists bool
	set      setQualifier
	values   []condValue
}

// condValue is one policy value, pre-parsed for its operator.
type condValue struct {
	raw    string       // value as written (BinaryEquals: decoded bytes)
	src    string       // value as written, for traces
	t      template     // string and ARN operators
	glob   pattern      // StringLike without variables
	comps  [6]pattern   // ArnLike without variables
	arnOK  bool         // comps holds six components
	num    float64      // Numeric*
	tm     time.Time    // Date*
	prefix netip.Prefix // IpAddress
	b      bool         // Bool, Null
}

func (p *parser) conditions(n *node, path string) []*condition {
	if n.kind != jsonObject {
		p.errf(path, n, "must be an object, not %s", n.kind)
		return nil
	}
	var out []*condition
	for i, opName := range n.keys {
		block := n.vals[i]
		opPath := path + "." + opName
		name := opName
		set := setNone
		if q, rest, ok := strings.Cut(name, ":"); ok {
			switch q {
			case "ForAnyValue":
				set = setForAnyValue
			case "ForAllValues":
				set = setForAllValues
			default:
				p.errf(opPath, block, "unknown set qualifier %q (want ForAnyValue or ForAllValues)", q)
				continue
			}
			name = rest
		}
		ifExists := false
		if base, ok := strings.CutSuffix(name, "IfExists"); ok && base != "Null" {
			name, ifExists = base, true
		}
		op, neg, ok := lookupOperator(name)
		if !ok {
			p.errf(opPath, block, "unknown condition operator %q", opName)
			continue
		}
		if op == opNull && set != setNone {
			p.errf(opPath, block, "the Null operator cannot take a set qualifier")
			continue
		}
		if block.kind != jsonObject {
			p.errf(opPath, block, "must be an object of condition keys, not %s", block.kind)
			continue
		}
		if len(block.keys) == 0 {
			p.errf(opPath, block, "must name at least one condition key")
		}
		for j, keyName := range block.keys {
			vn := block.vals[j]
			kp := opPath + "." + keyName
			if !validKeyName(keyName) {
				p.errf(kp, vn, "%q is not a condition key (want prefix:name)", keyName)
				continue
			}
			c := &condition{path: kp, operator: opName, keyName: keyName, key: strings.ToLower(keyName),
				op: op, negated: neg, ifExists: ifExists, set: set}
			if !knownKey(c.key) {
				p.warnf(kp, vn, "condition key %q is never present in gatehouse requests unless set by the caller", keyName)
			}
			c.values = p.condValues(c, vn, kp)
			if len(c.values) > 0 {
				out = append(out, c)
			}
		}
	}
	return out
}

func (p *parser) condValues(c *condition, n *node, path string) []condValue {
	var elems []*node
	switch n.kind {
	case jsonArray:
		if len(n.elems) == 0 {
			p.errf(path, n, "must not be an empty array")
			return nil
		}
		elems = n.elems
	case jsonString, jsonNumber, jsonBool:
		elems = []*node{n}
	default:
		p.errf(path, n, "must be a string, number, boolean or an array of them, not %s", n.kind)
		return nil
	}
	out := make([]condValue, 0, len(elems))
	for i, e := range elems {
		ep := elemPath(path, n, i)
		var raw string
		switch e.kind {
		case jsonString, jsonNumber:
			raw = e.str
		case jsonBool:
			raw = strconv.FormatBool(e.b)
		default:
			p.errf(ep, e, "must be a string, number or boolean, not %s", e.kind)
			continue
		}
		v, err := p.condValue(c, raw)
		if err != nil {
			p.errf(ep, e, "%v", err)
			continue
		}
		out = append(out, v)
	}
	return out
}

func (p *parser) condValue(c *condition, raw string) (condValue, error) {
	v := condValue{raw: raw, src: raw}
	switch c.op {
	case opStringEquals, opStringEqualsIgnoreCase, opStringLike, opArnLike:
		t, err := parseTemplate(raw, p.vars)
		if err != nil {
			return v, err
		}
		v.t = t
		if !t.hasVar {
			switch c.op {
			case opStringLike:
				v.glob, _ = t.pattern(nil, nil, false)
			case opArnLike:
				whole, _ := t.pattern(nil, nil, false)
				v.comps, v.arnOK = splitPattern(whole)
			}
		}
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		f, err := parseNumber(raw)
		if err != nil {
			return v, err
		}
		v.num = f
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		tm, err := parseDate(raw)
		if err != nil {
			return v, err
		}
		v.tm = tm
	case opBool, opNull:
		switch strings.ToLower(raw) {
		case "true":
			v.b = true
		case "false":
		default:
			return v, fmt.Errorf("value %q must be true or false", raw)
		}
	case opBinaryEquals:
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return v, fmt.Errorf("value %q is not base64: %w", raw, err)
		}
		v.raw = string(b)
	case opIPAddress:
		pfx, err := parseCIDR(raw)
		if err != nil {
			return v, err
		}
		v.prefix = pfx
	}
	return v, nil
}

// parseNumber accepts decimal integers and decimals (optionally with an
// exponent); hex floats, underscores, Inf and NaN are refused.
func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.Trim(s, "0123456789+-.eE") != "" {
		return 0, fmt.Errorf("value %q is not a number", s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("value %q is not a number", s)
	}
	return f, nil
}

// parseDate accepts the ISO 8601 forms IAM accepts (with or without
// seconds, fraction and zone; date only; basic date-time format) and epoch
// seconds. An all-digit value is always epoch seconds.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s != "" && strings.Trim(s, "0123456789") == "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err == nil && len(s) <= 12 {
			return time.Unix(sec, 0).UTC(), nil
		}
	}
	for _, layout := range []string{
		time.RFC3339Nano,
		"2006-01-02T15:04Z07:00",
		"2006-01-02T15:04:05.999999999",
		"2006-01-02T15:04",
		"2006-01-02",
		"20060102T150405Z",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("value %q is not an ISO 8601 date or epoch seconds", s)
}

// parseCIDR accepts a CIDR (host bits may be set, as in AWS examples like
// 123.4.5.6/24) or a bare address (a /32 or /128).
func parseCIDR(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		pfx, err := netip.ParsePrefix(s)
		if err != nil || pfx.Addr().Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("value %q is not a CIDR block", s)
		}
		if pfx.Addr().Is4In6() && pfx.Bits() >= 96 {
			pfx = netip.PrefixFrom(pfx.Addr().Unmap(), pfx.Bits()-96)
		}
		return pfx.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("value %q is not an IP address or CIDR block", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// eval evaluates the condition. AWS semantics:
//   - key absent (or an empty set): ForAllValues → true; ForAnyValue → false
//     (true with IfExists); otherwise IfExists → true, negated operators →
//     true, positive operators → false. Null tests presence only.
//   - several policy values are OR-ed; a negated operator is the negation of
//     that OR ("matches none of them").
//   - several context values: ForAnyValue → some value matches (for a
//     negated operator: some value matches none of the policy values);
//     ForAllValues → every value does; without a qualifier → any value
//     matches (negated: none does).
//   - a policy value whose variable cannot be resolved makes the condition
//     false.
func (c *condition) eval(st *evalState) (result bool, v ctxValue, present bool) {
	if c.op == opIPAddress && c.key == keySourceIP && !st.tracing {
		return c.evalSourceIP(st.ctx), ctxValue{}, st.ctx.SourceIP.IsValid()
	}
	v, present = st.ctx.lookup(c.key)
	if v.n == 0 {
		present = false
	}
	if c.op == opNull {
		for i := range c.values {
			if c.values[i].b == !present {
				return true, v, present
			}
		}
		return false, v, present
	}
	if !present {
		switch c.set {
		case setForAllValues:
			return true, v, false
		case setForAnyValue:
			return c.ifExists, v, false
		}
		return c.ifExists || c.negated, v, false
	}
	var anyMatch, allMatch = false, true
	for i := 0; i < v.n; i++ {
		m, ok := c.matchAny(st, v.at(i))
		if !ok {
			return false, v, true
		}
		if c.negated {
			m = !m // "this value matches none of the policy values"
		}
		anyMatch = anyMatch || m
		allMatch = allMatch && m
	}
	switch c.set {
	case setForAllValues:
		return allMatch, v, true
	case setForAnyValue:
		return anyMatch, v, true
	}
	if c.negated {
		return allMatch, v, true
	}
	return anyMatch, v, true
}

// evalSourceIP is eval for IpAddress / NotIpAddress on aws:SourceIp
// without formatting the address as text and parsing it back (the context
// value is always a single address). The value returned by eval is only
// needed for traces, which take the general path.
func (c *condition) evalSourceIP(ctx *Context) bool {
	if !ctx.SourceIP.IsValid() {
		switch c.set {
		case setForAllValues:
			return true
		case setForAnyValue:
			return c.ifExists
		}
		return c.ifExists || c.negated
	}
	a := ctx.SourceIP.Unmap().WithZone("")
	m := false
	for i := range c.values {
		if c.values[i].prefix.Contains(a) {
			m = true
			break
		}
	}
	// One context value: every set qualifier reduces to this value's
	// (possibly negated) match.
	return m != c.negated
}

// matchAny reports whether one context value matches at least one policy
// value (positive sense). ok is false when a policy variable is unresolved.
func (c *condition) matchAny(st *evalState, s string) (matched, ok bool) {
	switch c.op {
	case opStringEquals, opStringEqualsIgnoreCase:
		for i := range c.values {
			pv, ok := c.values[i].t.str(st.ctx)
			if !ok {
				return false, false
			}
			if (c.op == opStringEquals && pv == s) || (c.op == opStringEqualsIgnoreCase && strings.EqualFold(pv, s)) {
				return true, true
			}
		}
		return false, true
	case opStringLike:
		b := st.buf()
		b.text = toRunes(b.text, s, false)
		for i := range c.values {
			cv := &c.values[i]
			pt := cv.glob
			if cv.t.hasVar {
				var ok bool
				if pt, ok = cv.t.pattern(st.buf().scratch[:0], st.ctx, false); !ok {
					return false, false
				}
				st.b.scratch = pt
			}
			if pt.match(b.text, nil) {
				return true, true
			}
		}
		return false, true
	case opArnLike:
		parts, isARN := arn.Split(s)
		if !isARN {
			// Still resolve variables so an unresolved one is reported.
			for i := range c.values {
				if _, ok := c.values[i].t.str(st.ctx); !ok {
					return false, false
				}
			}
			return false, true
		}
		for i := range c.values {
			cv := &c.values[i]
			comps, compsOK := cv.comps, cv.arnOK
			if cv.t.hasVar {
				pt, ok := cv.t.pattern(st.buf().scratch[:0], st.ctx, false)
				if !ok {
					return false, false
				}
				st.b.scratch = pt
				comps, compsOK = splitPattern(pt)
			}
			if compsOK && st.matchComponents(&comps, &parts) {
				return true, true
			}
		}
		return false, true
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		f, err := parseNumber(s)
		if err != nil {
			return false, true
		}
		for i := range c.values {
			pv := c.values[i].num
			var m bool
			switch c.op {
			case opNumericEquals:
				m = f == pv
			case opNumericLessThan:
				m = f < pv
			case opNumericLessThanEquals:
				m = f <= pv
			case opNumericGreaterThan:
				m = f > pv
			default:
				m = f >= pv
			}
			if m {
				return true, true
			}
		}
		return false, true
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		t, err := parseDate(s)
		if err != nil {
			return false, true
		}
		for i := range c.values {
			pv := c.values[i].tm
			var m bool
			switch c.op {
			case opDateEquals:
				m = t.Equal(pv)
			case opDateLessThan:
				m = t.Before(pv)
			case opDateLessThanEquals:
				m = !t.After(pv)
			case opDateGreaterThan:
				m = t.After(pv)
			default:
				m = !t.Before(pv)
			}
			if m {
				return true, true
			}
		}
		return false, true
	case opBool:
		var b bool
		switch strings.ToLower(s) {
		case "true":
			b = true
		case "false":
		default:
			return false, true
		}
		for i := range c.values {
			if c.values[i].b == b {
				return true, true
			}
		}
		return false, true
	case opBinaryEquals:
		for i := range c.values {
			if c.values[i].raw == s {
				return true, true
			}
		}
		return false, true
	case opIPAddress:
		a, err := netip.ParseAddr(s)
		if err != nil {
			return false, true
		}
		a = a.Unmap().WithZone("")
		for i := range c.values {
			if c.values[i].prefix.Contains(a) {
				return true, true
			}
		}
		return false, true
	}
	return false, true
}
