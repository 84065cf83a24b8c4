package router

import (
	"net/http"
	"strings"
	"unicode/utf8"
)

// MaxPathLength bounds the escaped request path Canonicalize accepts, in
// bytes. API Gateway limits an edge-optimised URL to 8192 characters.
const MaxPathLength = 8192

// PathError is the reason Canonicalize rejected a request path. Every
// PathError matches ErrBadPath with errors.Is; the caller answers 400 (or 414
// for ErrPathTooLong).
type PathError string

func (e PathError) Error() string { return "router: " + string(e) }

// Is reports whether target is ErrBadPath, the class of every PathError.
func (e PathError) Is(target error) bool { return target == ErrBadPath }

// Reasons Canonicalize rejects a path. They are constants, so no caller can
// reassign them.
const (
	// ErrBadPath is the class of all PathErrors.
	ErrBadPath PathError = "bad request path"
	// ErrPathTooLong: the escaped path exceeds MaxPathLength.
	ErrPathTooLong PathError = "request path too long"
	// ErrNotAbsolute: the path is empty or does not start with '/'.
	ErrNotAbsolute PathError = "request path does not start with /"
	// ErrEmptySegment: a doubled slash ("//") somewhere in the path.
	ErrEmptySegment PathError = "empty path segment (doubled slash)"
	// ErrDotSegment: a segment made only of dots (".", "..", "..."), raw or
	// percent-encoded, optionally followed by ";params".
	ErrDotSegment PathError = "dot segment in path"
	// ErrEncodedSlash: "%2F" would hide a segment boundary inside a segment.
	ErrEncodedSlash PathError = "encoded slash in path"
	// ErrBackslash: '\' raw or as "%5C"; some backends treat it as '/'.
	ErrBackslash PathError = "backslash in path"
	// ErrBadEscape: '%' not followed by two hexadecimal digits.
	ErrBadEscape PathError = "invalid percent-escape in path"
	// ErrControlChar: a byte below 0x20 or 0x7F, raw or decoded ("%00").
	ErrControlChar PathError = "control character in path"
	// ErrInvalidUTF8: the decoded path is not valid UTF-8 (this includes
	// overlong encodings such as "%C0%AE").
	ErrInvalidUTF8 PathError = "path is not valid UTF-8"
	// ErrDoubleEncoding: the decoded path still contains a percent-escape
	// ("%252e" decodes to "%2e"); a backend that decodes twice would see
	// another path than the one routed.
	ErrDoubleEncoding PathError = "double percent-encoding in path"
	// ErrBadChar: a raw space, '?' or '#' in the path.
	ErrBadChar PathError = "character not allowed in path"
)

// Path is a canonical request path: the decoded form routes are matched on
// and the escaped form forwarded to backends. Segments of the decoded form
// never contain '/', so both forms split into the same segments. The zero
// Path matches nothing.
type Path struct {
	decoded string
	escaped string
}

// String returns the percent-decoded path ("/pets/caf\u00e9"), stage included.
func (p Path) String() string { return p.decoded }

// Escaped returns the canonical escaped path ("/pets/caf%C3%A9"), stage
// included. Canonicalize(p.Escaped()) returns p: forwarding it cannot change
// the route a request matches.
func (p Path) Escaped() string { return p.escaped }

// RequestPath returns the escaped path of r as the client sent it: the path
// part of r.RequestURI when it is in origin form, else r.URL.EscapedPath().
// Pass the result to Canonicalize.
func RequestPath(r *http.Request) string {
	if u := r.RequestURI; strings.HasPrefix(u, "/") {
		if i := strings.IndexByte(u, '?'); i >= 0 {
			return u[:i]
		}
		return u
	}
	return r.URL.EscapedPath()
}

// Canonicalize validates a raw escaped request path (see RequestPath) and
// returns its canonical form, or a PathError. Percent-escapes are decoded
// exactly once; the rules are listed in docs/routing.md. A path that is
// already canonical is returned without allocating.
func Canonicalize(raw string) (Path, error) {
	if len(raw) > MaxPathLength {
		return Path{}, ErrPathTooLong
	}
	if raw == "" || raw[0] != '/' {
		return Path{}, ErrNotAbsolute
	}
	clean := true
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c != '/' && !isCanonicalRaw(c) {
			clean = false
			break
		}
	}
	if clean {
		// Only unreserved and safe sub-delimiter bytes: nothing to decode
		// and nothing to escape; only the segment rules remain.
		if err := checkSegments(raw); err != nil {
			return Path{}, err
		}
		return Path{decoded: raw, escaped: raw}, nil
	}

	dec := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '%':
			if i+2 >= len(raw) {
				return Path{}, ErrBadEscape
			}
			hi, ok1 := unhex(raw[i+1])
			lo, ok2 := unhex(raw[i+2])
			if !ok1 || !ok2 {
				return Path{}, ErrBadEscape
			}
			b := hi<<4 | lo
			if b == '/' {
				return Path{}, ErrEncodedSlash
			}
			dec = append(dec, b)
			i += 2
		case c == '\\':
			return Path{}, ErrBackslash
		case c == ' ' || c == '?' || c == '#':
			return Path{}, ErrBadChar
		case c < 0x20 || c == 0x7f:
			return Path{}, ErrControlChar
		default:
			dec = append(dec, c)
		}
	}
	decoded := string(dec)
	for i := 0; i < len(decoded); i++ {
		c := decoded[i]
		switch {
		case c == '\\':
			return Path{}, ErrBackslash
		case c < 0x20 || c == 0x7f:
			return Path{}, ErrControlChar
		case c == '%' && i+2 < len(decoded) && isHex(decoded[i+1]) && isHex(decoded[i+2]):
			return Path{}, ErrDoubleEncoding
		}
	}
	if !utf8.ValidString(decoded) {
		return Path{}, ErrInvalidUTF8
	}
	if err := checkSegments(decoded); err != nil {
		return Path{}, err
	}
	return Path{decoded: decoded, escaped: escapePath(decoded)}, nil
}

// checkSegments applies the segment rules to a path starting with '/': no
// empty segment except a final one (a trailing slash), no dot segment.
func checkSegments(s string) error {
	start := 1
	for i := 1; i <= len(s); i++ {
		if i < len(s) && s[i] != '/' {
			continue
		}
		seg := s[start:i]
		if seg == "" && i < len(s) {
			return ErrEmptySegment
		}
		if isDotSegment(seg) {
			return ErrDotSegment
		}
		start = i + 1
	}
	return nil
}

// isDotSegment reports whether seg, up to its first ';', is one or more dots.
// "..;x" counts: servlet containers drop ";x" and then resolve "..".
func isDotSegment(seg string) bool {
	if i := strings.IndexByte(seg, ';'); i >= 0 {
		seg = seg[:i]
	}
	if seg == "" {
		return false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] != '.' {
			return false
		}
	}
	return true
}

// isCanonicalRaw reports whether c stays unescaped in a canonical path:
// RFC 3986 unreserved characters and the sub-delimiters and ':' '@' that
// backends do not reinterpret. ';' is escaped so that no backend reads path
// parameters the router did not see.
func isCanonicalRaw(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', '=', ':', '@':
		return true
	}
	return false
}

const upperhex = "0123456789ABCDEF"

// escapePath escapes every byte of a decoded path that is not canonical-raw,
// keeping '/' as the segment separator.
func escapePath(decoded string) string {
	n := 0
	for i := 0; i < len(decoded); i++ {
		if c := decoded[i]; c != '/' && !isCanonicalRaw(c) {
			n++
		}
	}
	if n == 0 {
		return decoded
	}
	var b strings.Builder
	b.Grow(len(decoded) + 2*n)
	for i := 0; i < len(decoded); i++ {
		c := decoded[i]
		if c == '/' || isCanonicalRaw(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperhex[c>>4])
		b.WriteByte(upperhex[c&0xf])
	}
	return b.String()
}

// EscapeParam returns the canonical escaped form of a decoded path parameter
// value, exactly as Path.Escaped writes it; use it to substitute parameters
// into backend URLs. Slashes inside a greedy value stay separators.
func EscapeParam(decoded string) string { return escapePath(decoded) }

func isHex(c byte) bool {
	_, ok := unhex(c)
	return ok
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
