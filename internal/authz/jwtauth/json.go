package jwtauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// A small strict JSON scanner for JOSE headers and JWT claim sets. It
// accepts exactly the documents the encoding/json token decoder accepts
// (FuzzClaimsDecoder checks this against the reference decoder), and
// refuses in addition duplicate member names at any depth, nesting deeper
// than maxDepth and anything after the top-level object. It does not build
// a generic tree: it records each top-level member's kind and text, so the
// caller reads the claims it checks and renders the rest without maps of
// interfaces. Strings without escapes and with valid UTF-8 are substrings
// of the input; the others are decoded by encoding/json itself.

const maxDepth = 32

// smallNames is how many member names of one object are checked for
// duplicates by comparing with each other; larger objects use a set, so
// that a token with thousands of members costs linear time.
const smallNames = 32

type jsonKind uint8

const (
	kindString jsonKind = iota + 1
	kindNumber
	kindTrue
	kindFalse
	kindNull
	kindArray
	kindObject
)

// jsonValue is one scanned value.
type jsonValue struct {
	kind jsonKind
	// raw is the value's text: the literal of a number, the whole text of
	// an array or object (already checked), the quoted text of a string.
	raw string
	// str is a string's decoded value.
	str string
}

// member is one member of the top-level object.
type member struct {
	name string
	jsonValue
}

type jsonScanner struct {
	s string
	i int
}

var errJSONEnd = errors.New("unexpected end of JSON input")

func (p *jsonScanner) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonScanner) syntax(what string) error {
	if p.i >= len(p.s) {
		return errJSONEnd
	}
	return fmt.Errorf("invalid character %q at offset %d %s", p.s[p.i], p.i, what)
}

// scanObject scans s, which must be exactly one JSON object (white space
// around it allowed), appending its members to dst.
func scanObject(s string, dst []member) ([]member, error) {
	p := jsonScanner{s: s}
	p.ws()
	if p.i >= len(s) || s[p.i] != '{' {
		return dst, errors.New("not a JSON object")
	}
	p.i++
	base := len(dst)
	var big map[string]struct{}
	p.ws()
	if p.i < len(s) && s[p.i] == '}' {
		p.i++
	} else {
		for {
			name, err := p.name()
			if err != nil {
				return dst, err
			}
			v, err := p.value(1)
			if err != nil {
				return dst, err
			}
			// Duplicate names: compare with the members so far, or with
			// a set once there are many.
			n := len(dst) - base
			switch {
			case big != nil:
				if _, dup := big[name]; dup {
					return dst, fmt.Errorf("duplicate member %q", name)
				}
				big[name] = struct{}{}
			case n < smallNames:
				for _, m := range dst[base:] {
					if m.name == name {
						return dst, fmt.Errorf("duplicate member %q", name)
					}
				}
			default:
				big = make(map[string]struct{}, 2*n)
				for _, m := range dst[base:] {
					big[m.name] = struct{}{}
				}
				if _, dup := big[name]; dup {
					return dst, fmt.Errorf("duplicate member %q", name)
				}
				big[name] = struct{}{}
			}
			dst = append(dst, member{name: name, jsonValue: v})
			p.ws()
			if p.i < len(s) && s[p.i] == ',' {
				p.i++
				continue
			}
			if p.i < len(s) && s[p.i] == '}' {
				p.i++
				break
			}
			return dst, p.syntax("after object member")
		}
	}
	p.ws()
	if p.i != len(s) {
		return dst, errors.New("trailing data after JSON object")
	}
	return dst, nil
}

// name scans `"name" :` with the white space around it.
func (p *jsonScanner) name() (string, error) {
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", p.syntax("looking for beginning of object key string")
	}
	v, err := p.str()
	if err != nil {
		return "", err
	}
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != ':' {
		return "", p.syntax("after object key")
	}
	p.i++
	return v.str, nil
}

// value scans one value (after white space) at depth; containers at depth
// maxDepth or more are refused, as by the reference decoder.
func (p *jsonScanner) value(depth int) (jsonValue, error) {
	p.ws()
	if p.i >= len(p.s) {
		return jsonValue{}, errJSONEnd
	}
	start := p.i
	switch c := p.s[p.i]; {
	case c == '"':
		return p.str()
	case c == '{' || c == '[':
		if depth >= maxDepth {
			return jsonValue{}, errors.New("JSON nested too deeply")
		}
		var err error
		if c == '{' {
			err = p.skipObject(depth + 1)
		} else {
			err = p.skipArray(depth + 1)
		}
		if err != nil {
			return jsonValue{}, err
		}
		k := kindObject
		if c == '[' {
			k = kindArray
		}
		return jsonValue{kind: k, raw: p.s[start:p.i]}, nil
	case c == '-' || '0' <= c && c <= '9':
		if err := p.number(); err != nil {
			return jsonValue{}, err
		}
		return jsonValue{kind: kindNumber, raw: p.s[start:p.i]}, nil
	case c == 't':
		return p.literal("true", kindTrue)
	case c == 'f':
		return p.literal("false", kindFalse)
	case c == 'n':
		return p.literal("null", kindNull)
	}
	return jsonValue{}, p.syntax("looking for beginning of value")
}

func (p *jsonScanner) literal(lit string, k jsonKind) (jsonValue, error) {
	if len(p.s)-p.i < len(lit) || p.s[p.i:p.i+len(lit)] != lit {
		return jsonValue{}, fmt.Errorf("invalid literal at offset %d", p.i)
	}
	p.i += len(lit)
	return jsonValue{kind: k, raw: lit}, nil
}

// number scans a number literal (RFC 8259 §6).
func (p *jsonScanner) number() error {
	s, i := p.s, p.i
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		}
	default:
		p.i = i
		return p.syntax("in numeric literal")
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			p.i = i
			return p.syntax("after decimal point in numeric literal")
		}
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			p.i = i
			return p.syntax("in exponent of numeric literal")
		}
		for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		}
	}
	p.i = i
	return nil
}

// str scans a string starting at its opening quote.
func (p *jsonScanner) str() (jsonValue, error) {
	s := p.s
	start := p.i
	plain := true // no escape, all bytes printable ASCII
	i := start + 1
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			raw := s[start : i+1]
			p.i = i + 1
			body := s[start+1 : i]
			if plain || utf8.ValidString(body) {
				return jsonValue{kind: kindString, raw: raw, str: body}, nil
			}
			return p.unquote(raw)
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			p.i = i
			return jsonValue{}, p.syntax("in string literal")
		case c >= utf8.RuneSelf:
			plain = false
		}
	}
	p.i = len(s)
	return jsonValue{}, errJSONEnd
}

// escaped finishes a string that contains an escape, from its opening
// quote, and decodes it with encoding/json.
func (p *jsonScanner) escaped(start int) (jsonValue, error) {
	s := p.s
	for i := start + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			p.i = i + 1
			return p.unquote(s[start : i+1])
		case c == '\\':
			// The escaped character is checked by unquote; skipping it
			// here finds the same end (a \u escape is followed by hex
			// digits, never a quote).
			i++
		case c < 0x20:
			p.i = i
			return jsonValue{}, p.syntax("in string literal")
		}
	}
	p.i = len(s)
	return jsonValue{}, errJSONEnd
}

// unquote decodes a quoted string with escapes or non-UTF-8 bytes exactly
// as encoding/json does (invalid UTF-8 becomes U+FFFD).
func (p *jsonScanner) unquote(raw string) (jsonValue, error) {
	var out string
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return jsonValue{}, fmt.Errorf("string literal: %w", err)
	}
	return jsonValue{kind: kindString, raw: raw, str: out}, nil
}

// skipObject checks a nested object from its '{' (duplicates refused).
func (p *jsonScanner) skipObject(depth int) error {
	p.i++ // '{'
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return nil
	}
	var names []string
	var big map[string]struct{}
	for {
		name, err := p.name()
		if err != nil {
			return err
		}
		if _, err := p.value(depth); err != nil {
			return err
		}
		switch {
		case big != nil:
			if _, dup := big[name]; dup {
				return fmt.Errorf("duplicate member %q", name)
			}
			big[name] = struct{}{}
		case len(names) < smallNames:
			for _, n := range names {
				if n == name {
					return fmt.Errorf("duplicate member %q", name)
				}
			}
			names = append(names, name)
		default:
			big = make(map[string]struct{}, 2*len(names))
			for _, n := range names {
				big[n] = struct{}{}
			}
			if _, dup := big[name]; dup {
				return fmt.Errorf("duplicate member %q", name)
			}
			big[name] = struct{}{}
		}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return nil
		}
		return p.syntax("after object member")
	}
}

// skipArray checks a nested array from its '['.
func (p *jsonScanner) skipArray(depth int) error {
	p.i++ // '['
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		if _, err := p.value(depth); err != nil {
			return err
		}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return nil
		}
		return p.syntax("after array element")
	}
}

// arrayElems calls f for each element of raw, a checked array's text.
func arrayElems(raw string, f func(v jsonValue) error) error {
	p := jsonScanner{s: raw, i: 1}
	p.ws()
	if p.i < len(raw) && raw[p.i] == ']' {
		return nil
	}
	for {
		// raw was checked at its depth already; depth 1 only bounds the
		// recursion, which the first scan bounded too.
		v, err := p.value(1)
		if err != nil {
			return err
		}
		if err := f(v); err != nil {
			return err
		}
		p.ws()
		if p.i < len(raw) && raw[p.i] == ',' {
			p.i++
			continue
		}
		return nil
	}
}

// generic decodes raw, a checked value's text, to the types the reference
// decoder produces (map[string]any, []any, json.Number, string, bool, nil);
// used only to render nested objects.
func generic(v jsonValue) any {
	switch v.kind {
	case kindString:
		return v.str
	case kindNumber:
		return json.Number(v.raw)
	case kindTrue:
		return true
	case kindFalse:
		return false
	case kindArray:
		a := []any{}
		_ = arrayElems(v.raw, func(e jsonValue) error { a = append(a, generic(e)); return nil })
		return a
	case kindObject:
		m := map[string]any{}
		p := jsonScanner{s: v.raw, i: 1}
		p.ws()
		if p.i < len(v.raw) && v.raw[p.i] == '}' {
			return m
		}
		for {
			name, err := p.name()
			if err != nil {
				return m
			}
			e, err := p.value(1)
			if err != nil {
				return m
			}
			m[name] = generic(e)
			p.ws()
			if p.i < len(v.raw) && v.raw[p.i] == ',' {
				p.i++
				continue
			}
			return m
		}
	}
	return nil
}
