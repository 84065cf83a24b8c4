// Package ctxtmpl owns the small template language of gateway responses and
// access-log formats: literal text with $context.*, $stageVariables.* and
// $method.request.* references. It is not VTL. Templates are immutable and
// safe for concurrent use.
package ctxtmpl

import (
	"errors"
	"strings"
)

// maxTemplateLen bounds a body template.
const maxTemplateLen = 64 << 10

// Template is a compiled gateway-response body template. Only simple
// variable substitution is supported, as in API Gateway: $context.*,
// $stageVariables.*, $method.request.*; `${context.x}` is accepted too.
// Anything else is literal text. Unknown variables render empty.
type Template struct {
	parts []part
}

type part struct {
	lit string
	ref string
}

// ParseTemplate compiles s.
func ParseTemplate(s string) (Template, error) {
	if len(s) > maxTemplateLen {
		return Template{}, errors.New("template longer than 64 KiB")
	}
	var t Template
	var lit strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' {
			lit.WriteByte(c)
			i++
			continue
		}
		ref, n := scanRef(s[i+1:])
		if n == 0 {
			lit.WriteByte(c)
			i++
			continue
		}
		if lit.Len() > 0 {
			t.parts = append(t.parts, part{lit: lit.String()})
			lit.Reset()
		}
		t.parts = append(t.parts, part{ref: ref})
		i += 1 + n
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, part{lit: lit.String()})
	}
	return t, nil
}

// refRoots are the variable roots a template may reference. $input (the
// request body in VTL mapping templates) is not available to gateway
// responses or access logs, so it stays literal text.
var refRoots = [...]string{"context.", "stageVariables.", "method.request."}

// scanRef reads a reference after '$'. It returns the reference and the
// number of bytes consumed, or 0 when s does not start with one.
func scanRef(s string) (string, int) {
	braced := strings.HasPrefix(s, "{")
	body := s
	if braced {
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return "", 0
		}
		body = s[1:end]
		if !validRef(body) {
			return "", 0
		}
		return body, end + 1
	}
	n := 0
	for n < len(body) && isRefByte(body[n]) {
		n++
	}
	ref := strings.TrimRight(body[:n], ".")
	if !validRef(ref) {
		return "", 0
	}
	return ref, len(ref)
}

func validRef(ref string) bool {
	for _, root := range refRoots {
		if strings.HasPrefix(ref, root) && len(ref) > len(root) {
			for i := 0; i < len(ref); i++ {
				if !isRefByte(ref[i]) {
					return false
				}
			}
			return true
		}
	}
	return false
}

func isRefByte(c byte) bool {
	return c == '.' || c == '_' || c == '-' || c == ':' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Render substitutes the template's references from vars.
func (t Template) Render(vars Vars) []byte { return t.AppendRender(nil, vars) }

// Vars resolves references for one rendering. Names are given without the
// leading '$': "context.requestId", "stageVariables.x",
// "method.request.header.Accept".
type Vars interface {
	Lookup(name string) (string, bool)
}

// MustParse is ParseTemplate for templates fixed in the source.
func MustParse(s string) Template {
	t, err := ParseTemplate(s)
	if err != nil {
		panic(err)
	}
	return t
}

// Refs returns the references the template uses, in order.
func (t Template) Refs() []string {
	var out []string
	for _, p := range t.parts {
		if p.ref != "" {
			out = append(out, p.ref)
		}
	}
	return out
}

// AppendRender is Render appending to dst, for callers that reuse buffers.
func (t Template) AppendRender(dst []byte, vars Vars) []byte {
	for _, p := range t.parts {
		if p.ref == "" {
			dst = append(dst, p.lit...)
			continue
		}
		if vars != nil {
			if v, ok := vars.Lookup(p.ref); ok {
				dst = append(dst, v...)
			}
		}
	}
	return dst
}
