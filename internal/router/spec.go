package router

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

// Names with a special meaning in stage lists and route keys.
const (
	// DefaultStage is the HTTP API stage served at the root of the API.
	DefaultStage = "$default"
	// DefaultRoute is the HTTP API route key that catches unmatched requests.
	DefaultRoute = "$default"
)

// Bounds on what Compile accepts.
const (
	MaxTemplateLength   = 2048
	MaxTemplateSegments = 64
	MaxParamNameLength  = 128
	MaxStageNameLength  = 128
)

// Spec is the input of Compile. Route i of the compiled Table is Routes[i]
// and stage i is Stages[i], so callers attach their own data by index.
type Spec struct {
	Kind exchange.Kind
	// Stages are stage names; HTTP APIs may include "$default".
	Stages []string
	// Routes are route keys: "GET /items/{id}", "ANY /{proxy+}" or, for HTTP
	// APIs, "$default".
	Routes []string
}

// Route is the compiled form of one route key.
type Route struct {
	// Key is the route key as given ("GET /pets/{id}", "$default").
	Key string
	// Method is GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY; empty
	// for the $default route.
	Method string
	// Template is the path template ("/pets/{id}"), or "$default".
	Template string
	// Params are the parameter names in template order. Read-only.
	Params []string
	// Greedy is true when the template ends in a {name+} parameter.
	Greedy bool
}

// methodList names the methods a route key may use, in endpoint slot order.
const methodList = "GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, ANY"

const (
	slotANY  = 7
	numSlots = 8
)

// methodSlot maps a request or route method to its endpoint slot, -1 for
// methods that only ANY can catch. Methods are case-sensitive.
func methodSlot(m string) int {
	switch m {
	case "GET":
		return 0
	case "POST":
		return 1
	case "PUT":
		return 2
	case "DELETE":
		return 3
	case "PATCH":
		return 4
	case "HEAD":
		return 5
	case "OPTIONS":
		return 6
	case "ANY":
		return slotANY
	}
	return -1
}

type segKind uint8

const (
	segStatic segKind = iota
	segParam
	segGreedy
)

type segment struct {
	kind segKind
	text string // static text, or parameter name
}

// parseRouteKey splits "METHOD /template" and parses the template.
func parseRouteKey(kind exchange.Kind, key string) (Route, []segment, error) {
	if key == DefaultRoute {
		if kind != exchange.HTTP {
			return Route{}, nil, errors.New("the $default route exists only on HTTP APIs")
		}
		return Route{Key: key, Template: DefaultRoute}, nil, nil
	}
	method, tmpl, ok := strings.Cut(key, " ")
	if !ok {
		return Route{}, nil, errors.New(`route key must be "METHOD /path" or "$default"`)
	}
	if methodSlot(method) < 0 {
		return Route{}, nil, fmt.Errorf("unknown method %q (want one of %s)", method, methodList)
	}
	segs, err := parseTemplate(tmpl)
	if err != nil {
		return Route{}, nil, err
	}
	r := Route{Key: key, Method: method, Template: tmpl}
	for _, s := range segs {
		if s.kind != segStatic {
			r.Params = append(r.Params, s.text)
		}
		r.Greedy = s.kind == segGreedy
	}
	return r, segs, nil
}

// parseTemplate parses "/", "/a/{b}/{c+}". Static segments may use only the
// characters a canonical path leaves unescaped; a template cannot end in '/'.
func parseTemplate(tmpl string) ([]segment, error) {
	if len(tmpl) > MaxTemplateLength {
		return nil, fmt.Errorf("path template longer than %d bytes", MaxTemplateLength)
	}
	if tmpl == "" || tmpl[0] != '/' {
		return nil, errors.New("path template must start with /")
	}
	if tmpl == "/" {
		return nil, nil
	}
	parts := strings.Split(tmpl[1:], "/")
	if len(parts) > MaxTemplateSegments {
		return nil, fmt.Errorf("path template has more than %d segments", MaxTemplateSegments)
	}
	segs := make([]segment, 0, len(parts))
	seen := make(map[string]bool)
	for i, p := range parts {
		if p == "" {
			if i == len(parts)-1 {
				return nil, errors.New("path template must not end with /")
			}
			return nil, errors.New("path template has an empty segment (//)")
		}
		if p[0] != '{' {
			if err := checkStatic(p); err != nil {
				return nil, err
			}
			segs = append(segs, segment{kind: segStatic, text: p})
			continue
		}
		if len(p) < 3 || p[len(p)-1] != '}' {
			return nil, fmt.Errorf("segment %q: a parameter must be a whole segment {name} or {name+}", p)
		}
		name, k := p[1:len(p)-1], segParam
		if strings.HasSuffix(name, "+") {
			name, k = name[:len(name)-1], segGreedy
			if i != len(parts)-1 {
				return nil, fmt.Errorf("segment %q: a greedy parameter must be the last segment", p)
			}
		}
		if err := checkParamName(name); err != nil {
			return nil, fmt.Errorf("segment %q: %w", p, err)
		}
		if seen[name] {
			return nil, fmt.Errorf("parameter {%s} appears twice", name)
		}
		seen[name] = true
		segs = append(segs, segment{kind: k, text: name})
	}
	return segs, nil
}

func checkStatic(s string) error {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isCanonicalRaw(c) {
			if c == '{' || c == '}' {
				return fmt.Errorf("segment %q: a parameter must be a whole segment {name} or {name+}", s)
			}
			// s[i:i+1], not c: %q of a byte prints it as a rune ("é"'s
			// first byte would read 'Ã').
			return fmt.Errorf("segment %q: character %q is not allowed in a static segment (use a parameter)", s, s[i:i+1])
		}
	}
	if isDotSegment(s) {
		return fmt.Errorf("segment %q: dot segments never match", s)
	}
	return nil
}

func checkParamName(name string) error {
	if name == "" {
		return errors.New("empty parameter name")
	}
	if len(name) > MaxParamNameLength {
		return fmt.Errorf("parameter name longer than %d bytes", MaxParamNameLength)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return fmt.Errorf("parameter name %q: only letters, digits, '_', '-' and '.' are allowed", name)
		}
	}
	return nil
}

// checkStageName: HTTP allows "$default"; named stages are [A-Za-z0-9_-]{1,128}.
func checkStageName(kind exchange.Kind, name string) error {
	if name == DefaultStage {
		if kind != exchange.HTTP {
			return errors.New("the $default stage exists only on HTTP APIs")
		}
		return nil
	}
	if name == "" || len(name) > MaxStageNameLength {
		return fmt.Errorf("stage name must be 1 to %d characters", MaxStageNameLength)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("stage name %q: only letters, digits, '_' and '-' are allowed", name)
		}
	}
	return nil
}
