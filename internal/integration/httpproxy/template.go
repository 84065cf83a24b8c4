package httpproxy

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

// urlTemplate is a parsed integration URL: literal text, `{param}` path
// parameters (a greedy `{proxy+}` may be written `{proxy}` or `{proxy+}`) and
// `${stageVariables.name}` references.
type urlTemplate struct {
	parts        []urlPart
	hasParams    bool
	hasStageVars bool
}

type urlPart struct {
	lit      string
	param    string
	stageVar string
	// inQuery tells whether the part is after '?', where values are
	// query-escaped rather than path-escaped.
	inQuery bool
}

func parseURLTemplate(s string) (urlTemplate, error) {
	var t urlTemplate
	inQuery := false
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "${stageVariables."):
			end := strings.IndexByte(s, '}')
			if end < 0 {
				return t, fmt.Errorf("integration url: unterminated ${stageVariables...}")
			}
			name := s[len("${stageVariables."):end]
			if name == "" {
				return t, fmt.Errorf("integration url: empty stage variable name")
			}
			t.parts = append(t.parts, urlPart{stageVar: name, inQuery: inQuery})
			t.hasStageVars = true
			s = s[end+1:]
		case s[0] == '{':
			end := strings.IndexByte(s, '}')
			if end < 0 {
				return t, fmt.Errorf("integration url: unterminated {param}")
			}
			name := strings.TrimSuffix(s[1:end], "+")
			if name == "" {
				return t, fmt.Errorf("integration url: empty {} placeholder")
			}
			t.parts = append(t.parts, urlPart{param: name, inQuery: inQuery})
			t.hasParams = true
			s = s[end+1:]
		default:
			n := strings.IndexAny(s, "{$")
			if n == 0 {
				n = 1
			} else if n < 0 {
				n = len(s)
			}
			lit := s[:n]
			if strings.Contains(lit, "?") {
				inQuery = true
			}
			t.parts = append(t.parts, urlPart{lit: lit, inQuery: inQuery})
			s = s[n:]
		}
	}
	return t, nil
}

// render substitutes parameters from x (nil: placeholders left as text) and
// stage variables from vars.
func (t urlTemplate) render(x *exchange.Exchange, vars map[string]string) string {
	var b strings.Builder
	for _, p := range t.parts {
		switch {
		case p.param != "":
			if x == nil {
				b.WriteString("{" + p.param + "}")
				continue
			}
			v, _ := x.Param(p.param)
			if p.inQuery {
				b.WriteString(url.QueryEscape(v))
			} else {
				b.WriteString(escapeSegments(v))
			}
		case p.stageVar != "":
			if vars == nil {
				b.WriteString("${stageVariables." + p.stageVar + "}")
				continue
			}
			b.WriteString(vars[p.stageVar])
		default:
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

// escapeSegments path-escapes each '/'-separated segment of v.
func escapeSegments(v string) string {
	segs := strings.Split(v, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
