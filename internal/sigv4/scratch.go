package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
)

// This file holds the allocation-free builders Verify uses on every request.
// They produce byte for byte what the string functions of canonical.go
// produce (FuzzAppendersMatchReference checks it); the string functions stay
// as the readable reference and serve Sign.

// maxPooledBuf bounds the buffers a scratch keeps between requests, so one
// huge request does not pin its buffers in the pool.
const maxPooledBuf = 16 << 10

// scratch is one Verify call's reusable buffers, pooled per Verifier.
type scratch struct {
	params []rawParam   // the query's name=value pieces, not decoded
	amz    []QueryParam // the decoded X-Amz-* parameters (query form)
	enc    []byte       // encoded query names and values
	pairs  []encPair    // offsets into enc, sorted
	hdrs   []byte       // canonical headers and signed header list
	creq   []byte       // canonical request
	sts    []byte       // string to sign
	mac    [sha256.Size]byte
	auth   Auth // VerifyCredential's parsed material
}

type encPair struct{ k0, k1, v1 int }

// release drops oversized buffers before s goes back to the pool.
func (s *scratch) release() {
	if cap(s.params) > 256 {
		s.params = nil
	}
	if cap(s.pairs) > 256 {
		s.pairs = nil
	}
	for _, b := range []*[]byte{&s.enc, &s.hdrs, &s.creq, &s.sts} {
		if cap(*b) > maxPooledBuf {
			*b = nil
		}
	}
	s.auth = Auth{}
	clear(s.params[:cap(s.params)])
	clear(s.amz[:cap(s.amz)])
	s.params, s.amz = s.params[:0], s.amz[:0]
}

// appendURIEncode is URIEncode appending to dst.
func appendURIEncode(dst []byte, s string, keepSlash bool) []byte {
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		start = i + 1
	}
	return append(dst, s[start:]...)
}

// rawParam is one name=value piece of a query, as sent, with its name
// decoded ('+' as a space).
type rawParam struct{ name, value, decodedName string }

// splitQuery appends the name=value pieces of rawQuery to dst, split as
// ParseQuery splits them; only the names are decoded (no allocation unless
// a name has escapes).
func splitQuery(dst []rawParam, rawQuery string) []rawParam {
	for rawQuery != "" {
		var piece string
		piece, rawQuery, _ = strings.Cut(rawQuery, "&")
		if piece == "" {
			continue
		}
		name, value, _ := strings.Cut(piece, "=")
		dst = append(dst, rawParam{name, value, queryUnescape(name, true)})
	}
	return dst
}

// isPresignedRaw is IsPresigned on ParseQuery(raw, true)'s parameters.
func isPresignedRaw(params []rawParam) bool {
	for _, p := range params {
		switch p.decodedName {
		case QueryAlgorithm, QueryCredential, QuerySignature:
			return true
		}
	}
	return false
}

// appendAmzParams appends, decoded ('+' as a space), the parameters whose
// decoded name starts with "X-Amz-": all ParsePresigned reads.
func appendAmzParams(dst []QueryParam, params []rawParam) []QueryParam {
	for _, p := range params {
		if strings.HasPrefix(p.decodedName, "X-Amz-") {
			dst = append(dst, QueryParam{p.decodedName, queryUnescape(p.value, true)})
		}
	}
	return dst
}

// appendReencoded is URIEncode(queryUnescape(raw, plusSpace), false)
// appending to dst, in one pass and without the decoded string.
func appendReencoded(dst []byte, raw string, plusSpace bool) []byte {
	start := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if unreserved(c) {
			continue
		}
		dst = append(dst, raw[start:i]...)
		switch {
		case c == '%' && i+2 < len(raw):
			h, ok1 := unhex(raw[i+1])
			l, ok2 := unhex(raw[i+2])
			if ok1 && ok2 {
				c = h<<4 | l
				i += 2
			}
		case c == '+' && plusSpace:
			c = ' '
		}
		if unreserved(c) {
			dst = append(dst, c)
		} else {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		}
		start = i + 1
	}
	return append(dst, raw[start:]...)
}

// appendCanonicalQuery is CanonicalQuery(ParseQuery(raw, plusSpace),
// exclude.names()...) for the pieces params of raw, appending to dst and
// using s.enc and s.pairs as scratch space.
func (s *scratch) appendCanonicalQuery(dst []byte, params []rawParam, plusSpace bool, exclude exclusion) []byte {
	s.enc, s.pairs = s.enc[:0], s.pairs[:0]
	for _, p := range params {
		if exclude != excludeNone {
			name := p.decodedName
			if !plusSpace {
				name = queryUnescape(p.name, false)
			}
			if exclude.excludes(name) {
				continue
			}
		}
		k0 := len(s.enc)
		s.enc = appendReencoded(s.enc, p.name, plusSpace)
		k1 := len(s.enc)
		s.enc = appendReencoded(s.enc, p.value, plusSpace)
		s.pairs = append(s.pairs, encPair{k0, k1, len(s.enc)})
	}
	enc := s.enc
	slices.SortFunc(s.pairs, func(a, b encPair) int {
		if c := bytes.Compare(enc[a.k0:a.k1], enc[b.k0:b.k1]); c != 0 {
			return c
		}
		return bytes.Compare(enc[a.k1:a.v1], enc[b.k1:b.v1])
	})
	for i, p := range s.pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, enc[p.k0:p.k1]...)
		dst = append(dst, '=')
		dst = append(dst, enc[p.k1:p.v1]...)
	}
	return dst
}

// appendHeaderValue is canonicalHeaderValue appending to dst.
func appendHeaderValue(dst []byte, v string) []byte {
	v = strings.Trim(v, " \t")
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
		dst = append(dst, v[i])
	}
	return dst
}

// headerValues is h.Values(name) for a lower-case name without the
// allocation textproto.CanonicalMIMEHeaderKey makes for names it has to
// re-case. Names it would leave unchanged (any byte outside the token set)
// take the slow path.
func headerValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) > len(buf) {
		return h.Values(name)
	}
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !tokenByte(c) {
			return h.Values(name)
		}
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
		upper = c == '-'
	}
	return h[string(buf[:len(name)])]
}

// tokenByte reports whether c may appear in an HTTP header name (RFC 9110
// token), as net/textproto decides before canonicalising a name.
func tokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// appendCanonicalHeaders is CanonicalHeaders followed by the signed header
// list (joined with ';'), appending to dst.
func appendCanonicalHeaders(dst []byte, h http.Header, host string, signed []string) []byte {
	for _, name := range signed {
		dst = append(dst, name...)
		dst = append(dst, ':')
		vals := headerValues(h, name)
		if len(vals) == 0 && name == "host" {
			dst = appendHeaderValue(dst, host)
		}
		for i, v := range vals {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendHeaderValue(dst, v)
		}
		dst = append(dst, '\n')
	}
	dst = append(dst, '\n')
	for i, name := range signed {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, name...)
	}
	return dst
}

// canonicalRequest builds the canonical request of one candidate into
// s.creq: method, canonical URI of path, canonical query of s.params
// (decoded with plusSpace) without exclude, the canonical headers and
// signed header list already in s.hdrs, and the payload hash.
func (s *scratch) canonicalRequest(method, path string, plusSpace bool, exclude exclusion, payload string) {
	b := append(s.creq[:0], method...)
	b = append(b, '\n')
	if path == "" {
		path = "/"
	}
	b = appendURIEncode(b, path, true)
	b = append(b, '\n')
	b = s.appendCanonicalQuery(b, s.params, plusSpace, exclude)
	b = append(b, '\n')
	b = append(b, s.hdrs...)
	b = append(b, '\n')
	b = append(b, payload...)
	s.creq = b
}

// stringToSign builds the string to sign of s.creq into s.sts.
func (s *scratch) stringToSign(amzDate string, scope Scope) {
	sum := sha256.Sum256(s.creq)
	b := append(s.sts[:0], Algorithm...)
	b = append(b, '\n')
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = append(b, scope.Date...)
	b = append(b, '/')
	b = append(b, scope.Region...)
	b = append(b, '/')
	b = append(b, scope.Service...)
	b = append(b, '/')
	b = append(b, Terminator...)
	b = append(b, '\n')
	s.sts = hex.AppendEncode(b, sum[:])
}
