// Package httpwire owns the HTTP/1.1 wire grammar that both ends of
// gatehouse's hot path parse by hand: the gateway listener (requests from
// clients) and the HTTP integrations' forward path (responses from
// backends). It holds RFC 9110/9112 character classes and line handling,
// no state; every function is safe for concurrent use.
package httpwire

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// tokenChars marks the bytes allowed in an RFC 9110 token (field names,
// methods, transfer codings, connection options).
var tokenChars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-32] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// TokenChar reports whether c may appear in a token.
func TokenChar(c byte) bool { return tokenChars[c] }

// IsToken reports whether s is a non-empty token.
func IsToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return s != ""
}

// ValidValue reports whether a field value holds no control byte but HTAB
// (no CR, LF, NUL or DEL: RFC 9110 §5.5).
func ValidValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// Sanitize trims a field value and turns CR and LF into spaces (as
// net/http's header writer does), so no value can add a header line.
func Sanitize(v string) string {
	v = strings.TrimSpace(v)
	if strings.IndexByte(v, '\r') >= 0 || strings.IndexByte(v, '\n') >= 0 {
		v = newlineToSpace.Replace(v)
	}
	return v
}

var newlineToSpace = strings.NewReplacer("\r", " ", "\n", " ")

// HopByHop reports whether a canonical field name is hop-by-hop (RFC 9110
// §7.6.1 and the Proxy-* and Keep-Alive fields proxies also drop): a proxy
// never forwards it. The fields a Connection field names are hop-by-hop
// too; callers check those with HasToken.
func HopByHop(k string) bool {
	switch k {
	case "Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
		"Te", "Trailer", "Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// TrimOWS removes optional white space (spaces and tabs) at both ends.
func TrimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// CutLine splits s after its first line, dropping the CRLF or LF.
func CutLine(s string) (line, rest string) {
	i := strings.IndexByte(s, '\n')
	if i < 0 {
		return strings.TrimSuffix(s, "\r"), ""
	}
	return strings.TrimSuffix(s[:i], "\r"), s[i+1:]
}

// HasToken reports whether a comma-separated field (all its values) lists
// tok, compared case-insensitively.
func HasToken(vals []string, tok string) bool {
	for _, v := range vals {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(TrimOWS(t), tok) {
				return true
			}
		}
	}
	return false
}

// ErrTrailerTooLarge is a trailer section over its bound.
var ErrTrailerTooLarge = errors.New("chunked trailer section too large")

// DiscardTrailer reads the trailer section that follows the last chunk of
// a chunked body, up to its blank line, and discards it; the section is
// bounded by limit bytes (and a line by br's buffer).
func DiscardTrailer(br *bufio.Reader, limit int) error {
	for n := 0; ; {
		line, err := br.ReadSlice('\n')
		if n += len(line); n > limit || err == bufio.ErrBufferFull {
			return ErrTrailerTooLarge
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if len(line) == 1 || (len(line) == 2 && line[0] == '\r') {
			return nil
		}
	}
}
