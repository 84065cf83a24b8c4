package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm accepted.
const Algorithm = "AWS4-HMAC-SHA256"

// Terminator ends every credential scope.
const Terminator = "aws4_request"

// EmptyPayloadHash is the hex SHA-256 of an empty body.
const EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// UnsignedPayload is the X-Amz-Content-Sha256 value some clients send instead
// of a body hash.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

// TimeFormat is the ISO-8601 basic format of X-Amz-Date.
const TimeFormat = "20060102T150405Z"

// DateFormat is the scope date format.
const DateFormat = "20060102"

// HashPayload returns the lower-case hex SHA-256 of b.
func HashPayload(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

const upperHex = "0123456789ABCDEF"

// unreservedMask has a bit set for each unreserved byte (A-Z a-z 0-9 - _ .
// ~), as two 64-bit halves of the ASCII range.
const (
	unreservedLo = (1<<10-1)<<'0' | 1<<'-' | 1<<'.'
	unreservedHi = (1<<26-1)<<('A'-64) | (1<<26-1)<<('a'-64) | 1<<('_'-64) | 1<<('~'-64)
)

func unreserved(c byte) bool {
	if c < 64 {
		return unreservedLo&(1<<c) != 0
	}
	return c < 128 && unreservedHi&(1<<(c-64)) != 0
}

// URIEncode percent-encodes every byte of s except the unreserved characters
// A-Z a-z 0-9 - _ . ~ (and '/' when keepSlash), with upper-case hex.
func URIEncode(s string, keepSlash bool) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && !(keepSlash && s[i] == '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
	return b.String()
}

// NormalizePath removes empty and "." segments and resolves ".." segments of
// an absolute path, keeping a trailing slash. It never climbs above the root.
func NormalizePath(p string) string {
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for _, s := range segs {
		switch s {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	last := segs[len(segs)-1]
	r := "/" + strings.Join(out, "/")
	if len(out) > 0 && (last == "" || last == "." || last == "..") {
		r += "/"
	}
	return r
}

// CanonicalURI returns the canonical URI of a path exactly as received on the
// wire: the path (optionally normalised) URI-encoded once more with '/' kept.
// For API Gateway this means the stage prefix is included and a wire path
// "/dev/a%20b" canonicalises to "/dev/a%2520b".
func CanonicalURI(rawPath string, normalize bool) string {
	if rawPath == "" {
		rawPath = "/"
	}
	if normalize {
		rawPath = NormalizePath(rawPath)
	}
	return URIEncode(rawPath, true)
}

func unhex(c byte) (byte, bool) {
	if d := c - '0'; d < 10 {
		return d, true
	}
	if l := (c | 0x20) - 'a'; l < 6 {
		return l + 10, true
	}
	return 0, false
}

// queryUnescape decodes %XX sequences leniently (invalid ones are kept as
// literal bytes) and, when plusSpace, '+' as a space.
func queryUnescape(s string, plusSpace bool) string {
	i := nextEscape(s, 0, plusSpace)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s):
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b.WriteByte(h<<4 | l)
				i += 3
			} else {
				b.WriteByte(c)
				i++
			}
		case c == '+' && plusSpace:
			b.WriteByte(' ')
			i++
		default:
			b.WriteByte(c)
			i++
		}
		j := nextEscape(s, i, plusSpace)
		b.WriteString(s[i:j])
		i = j
	}
	return b.String()
}

// nextEscape returns the index of the first '%' (or '+' when plusSpace) in
// s at or after i, or len(s).
func nextEscape(s string, i int, plusSpace bool) int {
	rest := s[i:]
	n := strings.IndexByte(rest, '%')
	if n < 0 {
		n = len(rest)
	}
	if plusSpace {
		if k := strings.IndexByte(rest[:n], '+'); k >= 0 {
			n = k
		}
	}
	return i + n
}

// QueryParam is one decoded query parameter.
type QueryParam struct {
	Name, Value string
}

// ParseQuery splits a raw query string into decoded parameters in wire order.
// Empty pieces ("a=1&&b=2") are skipped; a piece without '=' has an empty
// value. When plusSpace, '+' decodes to a space (form semantics).
func ParseQuery(rawQuery string, plusSpace bool) []QueryParam {
	if rawQuery == "" {
		return nil
	}
	var out []QueryParam
	for rawQuery != "" {
		var piece string
		piece, rawQuery, _ = strings.Cut(rawQuery, "&")
		if piece == "" {
			continue
		}
		name, value, _ := strings.Cut(piece, "=")
		out = append(out, QueryParam{queryUnescape(name, plusSpace), queryUnescape(value, plusSpace)})
	}
	return out
}

// CanonicalQuery encodes each name and value, sorts by encoded name then
// encoded value and joins them as name=value with '&'. Parameters named in
// exclude (exact, case-sensitive) are left out.
func CanonicalQuery(params []QueryParam, exclude ...string) string {
	type kv struct{ k, v string }
	enc := make([]kv, 0, len(params))
outer:
	for _, p := range params {
		for _, x := range exclude {
			if p.Name == x {
				continue outer
			}
		}
		enc = append(enc, kv{URIEncode(p.Name, false), URIEncode(p.Value, false)})
	}
	slices.SortFunc(enc, func(a, b kv) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, e := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(e.k)
		b.WriteByte('=')
		b.WriteString(e.v)
	}
	return b.String()
}

// canonicalHeaderValue trims the value and collapses runs of spaces.
func canonicalHeaderValue(v string) string {
	v = strings.Trim(v, " \t")
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	space := false
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// CanonicalHeaders returns the canonical header block (each "name:value\n")
// for the given lower-case, sorted signed header names. The host header is
// taken from host when the header map has none.
func CanonicalHeaders(h http.Header, host string, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		vals := h.Values(name)
		if len(vals) == 0 && name == "host" {
			// Go's server moves Host out of the header map.
			b.WriteString(canonicalHeaderValue(host))
		}
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(canonicalHeaderValue(v))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// CanonicalRequest joins the six parts of a canonical request.
func CanonicalRequest(method, canonicalURI, canonicalQuery, canonicalHeaders string, signed []string, payloadHash string) string {
	return method + "\n" + canonicalURI + "\n" + canonicalQuery + "\n" + canonicalHeaders + "\n" +
		strings.Join(signed, ";") + "\n" + payloadHash
}

// Scope is a credential scope: date/region/service/aws4_request.
type Scope struct {
	Date    string // YYYYMMDD
	Region  string
	Service string
}

// String returns "date/region/service/aws4_request".
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + Terminator
}

// StringToSign builds the string to sign from the request time (X-Amz-Date
// form), the scope and the canonical request.
func StringToSign(amzDate string, scope Scope, canonicalRequest string) string {
	h := sha256.Sum256([]byte(canonicalRequest))
	return Algorithm + "\n" + amzDate + "\n" + scope.String() + "\n" + hex.EncodeToString(h[:])
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// DeriveKey derives the signing key for secret and scope.
func DeriveKey(secret string, scope Scope) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), scope.Date)
	k = hmacSHA256(k, scope.Region)
	k = hmacSHA256(k, scope.Service)
	return hmacSHA256(k, Terminator)
}

// SignString returns the hex signature of stringToSign under key.
func SignString(key []byte, stringToSign string) string {
	return hex.EncodeToString(hmacSHA256(key, stringToSign))
}

// FormatTime returns t in X-Amz-Date form (UTC).
func FormatTime(t time.Time) string { return t.UTC().Format(TimeFormat) }
