package policy

import (
	"errors"
	"strings"
)

// A template is a Resource or condition value that may hold policy
// variables (${aws:username}, ${aws:PrincipalTag/team, 'none'}) and the
// escapes ${*}, ${?} and ${$}. Variables are recognised only in policies with
// Version 2012-10-17; in 2008-10-17 policies "${...}" is literal text.
type template struct {
	raw   string
	parts []tmplPart
	// hasVar is true when at least one part is a variable.
	hasVar bool
	// principalVar is true when a variable reads an identity-derived key.
	principalVar bool
}

type tmplPart struct {
	kind   partKind
	text   string // partText: text where '*' and '?' may be wildcards; partEscaped: a literal character
	key    string // partVar: lower-cased key
	def    string
	hasDef bool
}

type partKind uint8

const (
	partText partKind = iota
	partEscaped
	partVar
)

// parseTemplate splits s into parts. With vars false the whole string is
// one text part.
func parseTemplate(s string, vars bool) (template, error) {
	t := template{raw: s}
	if !vars || !strings.Contains(s, "${") {
		t.parts = []tmplPart{{kind: partText, text: s}}
		return t, nil
	}
	rest := s
	for {
		i := strings.Index(rest, "${")
		if i < 0 {
			if rest != "" {
				t.parts = append(t.parts, tmplPart{kind: partText, text: rest})
			}
			return t, nil
		}
		if i > 0 {
			t.parts = append(t.parts, tmplPart{kind: partText, text: rest[:i]})
		}
		j := closingBrace(rest[i+2:])
		if j < 0 {
			return t, errors.New("policy variable \"${\" is not closed by \"}\"")
		}
		inner := rest[i+2 : i+2+j]
		rest = rest[i+2+j+1:]
		p, err := parseVariable(inner)
		if err != nil {
			return t, err
		}
		if p.kind == partVar {
			t.hasVar = true
			if principalKey(p.key) {
				t.principalVar = true
			}
		}
		t.parts = append(t.parts, p)
	}
}

// closingBrace finds the '}' ending a variable, skipping over a quoted
// default value (which may itself contain '}').
func closingBrace(s string) int {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			inQuote = !inQuote // '' inside a quote toggles twice: still quoted
		case '}':
			if !inQuote {
				return i
			}
		}
	}
	return -1
}

func parseVariable(inner string) (tmplPart, error) {
	switch strings.TrimSpace(inner) {
	case "*", "?", "$":
		return tmplPart{kind: partEscaped, text: strings.TrimSpace(inner)}, nil
	}
	key, def, hasDef := strings.Cut(inner, ",")
	key = strings.TrimSpace(key)
	if !validKeyName(key) {
		return tmplPart{}, errors.New("policy variable ${" + inner + "} does not name a condition key")
	}
	p := tmplPart{kind: partVar, key: strings.ToLower(key)}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return tmplPart{}, errors.New("policy variable default in ${" + inner + "} must be a single-quoted string")
		}
		body := def[1 : len(def)-1]
		// A quote inside the default is written as two quotes.
		var b strings.Builder
		for i := 0; i < len(body); i++ {
			if body[i] == '\'' {
				if i+1 >= len(body) || body[i+1] != '\'' {
					return tmplPart{}, errors.New("policy variable default in ${" + inner + "} has an unpaired quote")
				}
				i++
			}
			b.WriteByte(body[i])
		}
		p.def, p.hasDef = b.String(), true
	}
	return p, nil
}

// validKeyName accepts "prefix:name" keys made of printable non-space ASCII
// without wildcards or braces.
func validKeyName(k string) bool {
	before, after, ok := strings.Cut(k, ":")
	if !ok || before == "" || after == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || c == '*' || c == '?' || c == '{' || c == '}' || c == '$' || c == '\'' || c == ',' {
			return false
		}
	}
	return true
}

// resolveVar returns a variable's value. Variables must resolve to exactly
// one value; missing and multi-valued keys fall back to the default, if any.
func resolveVar(p *tmplPart, c *Context) (string, bool) {
	v, ok := c.lookup(p.key)
	if ok && v.n == 1 {
		return v.at(0), true
	}
	if p.hasDef {
		return p.def, true
	}
	return "", false
}

// str resolves the template to a plain string (escapes become their literal
// character). ok is false when a variable cannot be resolved.
func (t *template) str(c *Context) (string, bool) {
	if !t.hasVar && len(t.parts) == 1 {
		return t.parts[0].text, true
	}
	var b strings.Builder
	for i := range t.parts {
		p := &t.parts[i]
		switch p.kind {
		case partText, partEscaped:
			b.WriteString(p.text)
		case partVar:
			v, ok := resolveVar(p, c)
			if !ok {
				return "", false
			}
			b.WriteString(v)
		}
	}
	return b.String(), true
}

// pattern resolves the template to a wildcard pattern: '*' and '?' in text
// parts are wildcards, escapes and variable values are literal.
func (t *template) pattern(dst pattern, c *Context, fold bool) (pattern, bool) {
	for i := range t.parts {
		p := &t.parts[i]
		switch p.kind {
		case partText:
			dst = compileGlob(dst, p.text, fold)
		case partEscaped:
			dst = appendLiteral(dst, p.text, fold)
		case partVar:
			v, ok := resolveVar(p, c)
			if !ok {
				return dst, false
			}
			dst = appendLiteral(dst, v, fold)
		}
	}
	return dst, true
}
