package config

import (
	"fmt"
	"strings"
)

// RouteKeyDefault is the catch-all route key of HTTP APIs.
const RouteKeyDefault = "$default"

// Route path limits (the router enforces the same ones).
const (
	MaxRoutePathLength = 2048
	MaxRouteSegments   = 64
	MaxParamNameLength = 128
)

// Methods are the route-key methods, in the order AWS lists them; ANY
// matches every method that has no explicit route on the same path.
func Methods() []string {
	return []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"}
}

// RouteKey is a parsed route key.
type RouteKey struct {
	// Default is true for "$default"; Method and Path are then empty.
	Default bool
	// Method is one of Methods().
	Method string
	// Path is the template as written ("/items/{id}").
	Path string
	// Segments of Path; empty for the root path "/".
	Segments []Segment
}

// Segment is one path segment of a route template: a literal, a `{name}`
// parameter, or a greedy `{name+}` parameter (last segment only).
type Segment struct {
	Literal string
	Param   string
	Greedy  bool
}

// String returns the route key in its canonical form.
func (k RouteKey) String() string {
	if k.Default {
		return RouteKeyDefault
	}
	return k.Method + " " + k.Path
}

// Params lists the path parameter names of the key, in order.
func (k RouteKey) Params() []string {
	var out []string
	for _, s := range k.Segments {
		if s.Param != "" {
			out = append(out, s.Param)
		}
	}
	return out
}

// RouteKeyError explains why a route key is invalid.
type RouteKeyError struct {
	Msg string
	// Suggest is a corrected spelling, when one is obvious.
	Suggest string
}

func (e *RouteKeyError) Error() string { return e.Msg }

// ParseRouteKey parses "$default" or "METHOD /path/{param}/{greedy+}".
// Paths start with '/', have no empty, "." or ".." segments, no '%'
// (write the decoded character), parameters occupy whole segments, names
// are unique, and a greedy parameter may only be the last segment. The
// error is a *RouteKeyError.
func ParseRouteKey(s string) (RouteKey, error) {
	if s == RouteKeyDefault {
		return RouteKey{Default: true}, nil
	}
	if s == "" {
		return RouteKey{}, &RouteKeyError{Msg: `route key is empty; write "METHOD /path" or "$default"`}
	}
	method, path, ok := strings.Cut(s, " ")
	if !ok {
		if strings.HasPrefix(s, "/") {
			return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("route key %q has no method; write \"METHOD /path\"", s), Suggest: "ANY " + s}
		}
		return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("route key %q must be \"METHOD /path\" or \"$default\"", s), Suggest: nearest(s, []string{RouteKeyDefault})}
	}
	known := false
	for _, m := range Methods() {
		if m == method {
			known = true
		}
	}
	if !known {
		sug := nearest(method, Methods())
		if sug != "" {
			sug += " " + path
		}
		return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("unknown method %q in route key; use one of %s", method, strings.Join(Methods(), " ")), Suggest: sug}
	}
	k := RouteKey{Method: method, Path: path}
	if !strings.HasPrefix(path, "/") {
		fixed := strings.TrimSpace(path)
		if !strings.HasPrefix(fixed, "/") {
			fixed = "/" + fixed
		}
		return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("route path %q must start with '/'", path), Suggest: method + " " + fixed}
	}
	if path == "/" {
		return k, nil
	}
	if len(path) > MaxRoutePathLength {
		return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("route path is %d bytes; the limit is %d", len(path), MaxRoutePathLength)}
	}
	seen := map[string]bool{}
	parts := strings.Split(path[1:], "/")
	if len(parts) > MaxRouteSegments {
		return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("route path %q has %d segments; the limit is %d", path, len(parts), MaxRouteSegments)}
	}
	for i, part := range parts {
		switch {
		case part == "":
			return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("route path %q has an empty segment (doubled or trailing '/')", path)}
		case strings.Trim(part, ".") == "":
			// Any all-dots segment: the router rejects "..." too (dot
			// segments never match a canonical request path).
			return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("route path %q has a %q segment", path, part)}
		case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}"):
			name := part[1 : len(part)-1]
			greedy := strings.HasSuffix(name, "+")
			name = strings.TrimSuffix(name, "+")
			if len(name) > MaxParamNameLength {
				return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("route path %q: parameter name longer than %d characters", path, MaxParamNameLength)}
			}
			if !validParamName(name) {
				return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("route path %q: parameter name %q must be letters, digits, '_' or '-'", path, name)}
			}
			if greedy && i != len(parts)-1 {
				return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("route path %q: greedy parameter {%s+} must be the last segment", path, name)}
			}
			if seen[name] {
				return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("route path %q: parameter %q appears twice", path, name)}
			}
			seen[name] = true
			k.Segments = append(k.Segments, Segment{Param: name, Greedy: greedy})
		default:
			if bad := strings.IndexFunc(part, func(r rune) bool { return !literalRune(r) }); bad >= 0 {
				return RouteKey{}, &RouteKeyError{Msg: fmt.Sprintf("route path %q: character %q is not allowed in a path segment (parameters are whole segments: {name})", path, part[bad:bad+1])}
			}
			k.Segments = append(k.Segments, Segment{Literal: part})
		}
	}
	return k, nil
}

func validParamName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// literalRune reports whether r may appear in a literal path segment: the
// RFC 3986 pchar characters a canonical path leaves unescaped (';' excluded).
func literalRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("-._~!$&'()*+,=:@", r)
}
