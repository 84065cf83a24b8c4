package listener

import (
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/httpwire"
)

// protoError is a request the server refuses before any handler sees it.
type protoError struct {
	status int
	msg    string
}

func (e *protoError) Error() string { return strconv.Itoa(e.status) + " " + e.msg }

func badRequest(msg string) *protoError { return &protoError{status: http.StatusBadRequest, msg: msg} }

// head is what parseHead extracts beyond the http.Request fields.
type head struct {
	chunked        bool
	expectContinue bool
	keepAlive      bool // HTTP/1.0 "Connection: keep-alive"
}

// parseHead parses a request head (request line and header fields, each
// ending in CRLF or LF, the blank line excluded) held in one string into req.
// Every string in req (method, target, header keys and values) is a
// substring of s or a canonical-key constant, so a request costs one string
// allocation for its whole head; vals is the backing array for the header
// value slices. req.Header must be empty; u receives the parsed target.
func parseHead(s string, req *http.Request, u *url.URL, vals []string) (head, []string, error) {
	var h head
	line, rest := httpwire.CutLine(s)
	method, line, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(line, " ")
	if !ok1 || !ok2 || method == "" || target == "" {
		return h, vals, badRequest("malformed request line")
	}
	if !httpwire.IsToken(method) {
		return h, vals, badRequest("invalid method")
	}
	switch proto {
	case "HTTP/1.1":
		req.ProtoMinor = 1
	case "HTTP/1.0":
		req.ProtoMinor = 0
	default:
		if strings.HasPrefix(proto, "HTTP/") && len(proto) == 8 && proto[6] == '.' &&
			proto[5] >= '0' && proto[5] <= '9' && proto[7] >= '0' && proto[7] <= '9' {
			return h, vals, &protoError{status: http.StatusHTTPVersionNotSupported, msg: "unsupported protocol version"}
		}
		return h, vals, badRequest("malformed protocol version")
	}
	req.Method, req.RequestURI, req.Proto, req.ProtoMajor = method, target, proto, 1
	if err := parseTarget(method, target, u); err != nil {
		return h, vals, err
	}
	req.URL = u

	hdr := req.Header
	var hosts, lengths, encodings int
	var contentLength string
	for rest != "" {
		line, rest = httpwire.CutLine(rest)
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			return h, vals, badRequest("obsolete line folding")
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" || !httpwire.IsToken(k) {
			return h, vals, badRequest("malformed header field")
		}
		v = httpwire.TrimOWS(v)
		if !httpwire.ValidValue(v) {
			return h, vals, badRequest("invalid header field value")
		}
		k = textproto.CanonicalMIMEHeaderKey(k)
		switch k {
		case "Host":
			hosts++
			if hosts > 1 {
				return h, vals, badRequest("too many Host headers")
			}
			if !validHost(v) {
				return h, vals, badRequest("malformed Host header")
			}
			req.Host = v
			continue // as net/http: the Host header moves to req.Host
		case "Content-Length":
			if lengths > 0 {
				if v != contentLength {
					return h, vals, badRequest("conflicting Content-Length headers")
				}
				continue // repeats collapse into one value, as net/http
			}
			lengths++
			contentLength = v
		case "Transfer-Encoding":
			encodings++
			if encodings > 1 || !strings.EqualFold(v, "chunked") {
				return h, vals, &protoError{status: http.StatusNotImplemented, msg: "unsupported transfer encoding"}
			}
			h.chunked = true
			continue // as net/http: framing is in req.TransferEncoding
		case "Connection":
			for _, tok := range strings.Split(v, ",") {
				tok = httpwire.TrimOWS(tok)
				if strings.EqualFold(tok, "close") {
					req.Close = true
				} else if strings.EqualFold(tok, "keep-alive") {
					h.keepAlive = true
				}
			}
		case "Expect":
			if !strings.EqualFold(v, "100-continue") {
				return h, vals, &protoError{status: http.StatusExpectationFailed, msg: "unsupported expectation"}
			}
			h.expectContinue = req.ProtoMinor == 1
		}
		if old, ok := hdr[k]; ok {
			hdr[k] = append(old, v)
			continue
		}
		vals = append(vals, v)
		hdr[k] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	if req.ProtoMinor == 1 && hosts == 0 {
		return h, vals, badRequest("missing required Host header")
	}
	if u.Host != "" { // absolute form wins over the Host header (RFC 9112 §3.2.2)
		req.Host = u.Host
	}
	if req.ProtoMinor == 0 && !h.keepAlive {
		req.Close = true
	}
	switch {
	case h.chunked && lengths > 0:
		// Both framings at once is how requests are smuggled past proxies.
		return h, vals, badRequest("both Transfer-Encoding and Content-Length")
	case h.chunked:
		if req.ProtoMinor == 0 {
			return h, vals, badRequest("chunked encoding in HTTP/1.0")
		}
		req.ContentLength = -1
		req.TransferEncoding = chunkedTE
	case lengths > 0:
		n, err := parseLength(contentLength)
		if err != nil {
			return h, vals, badRequest("invalid Content-Length")
		}
		req.ContentLength = n
	}
	return h, vals, nil
}

var chunkedTE = []string{"chunked"}

// parseTarget fills u from a request target: origin form (/path?query),
// absolute form (http://host/path), authority form for CONNECT, or *.
func parseTarget(method, target string, u *url.URL) error {
	*u = url.URL{}
	for i := 0; i < len(target); i++ {
		if c := target[i]; c <= ' ' || c == 0x7f {
			return badRequest("invalid request target")
		}
	}
	switch {
	case target[0] == '/':
		path, query, hasQuery := strings.Cut(target, "?")
		u.RawQuery, u.ForceQuery = query, hasQuery && query == ""
		return setPath(u, path)
	case target == "*" && method == http.MethodOptions:
		u.Path = "*"
		return nil
	case method == http.MethodConnect:
		// Authority form: host and port only, held to the Host header's
		// rules since it takes the place of Host.
		if !validHost(target) {
			return badRequest("invalid request target")
		}
		if p, err := url.ParseRequestURI("http://" + target); err != nil || p.Host != target {
			return badRequest("invalid request target")
		}
		u.Host = target
		return nil
	}
	p, err := url.ParseRequestURI(target)
	if err != nil || p.Host == "" || (p.Scheme != "http" && p.Scheme != "https") {
		return badRequest("invalid request target")
	}
	*u = *p
	return nil
}

// setPath sets u.Path (decoded) and u.RawPath as url.Parse does: RawPath
// keeps p whenever re-escaping Path would not give p back, which includes
// sub-delimiters such as "!" or "(" that url escapes but clients send raw.
func setPath(u *url.URL, p string) error {
	if plainPath(p) {
		u.Path = p
		return nil
	}
	d, err := url.PathUnescape(p)
	if err != nil {
		return badRequest("invalid percent-encoding in path")
	}
	u.Path = d
	if u.EscapedPath() != p {
		u.RawPath = p
	}
	return nil
}

// plainPath reports whether p holds only bytes url.URL.EscapedPath leaves
// as they are, so Path can be p itself and RawPath stays empty.
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		switch c {
		case '-', '_', '.', '~', '$', '&', '+', ',', '/', ':', ';', '=', '@':
			continue
		}
		return false
	}
	return true
}

func parseLength(s string) (int64, error) {
	if s == "" || len(s) > 18 {
		return 0, strconv.ErrRange
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, strconv.ErrSyntax
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// validHost accepts what a Host header may hold: reg-name, IPv4, [IPv6]
// (with a zone) and an optional port, that is RFC 3986's unreserved and
// sub-delims characters, '%', ':', '[' and ']' (the set net/http accepts);
// no spaces, controls or delimiters of other URI parts ('/', '?', '#', '@').
func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		if !hostChars[h[i]] {
			return false
		}
	}
	return true
}

var hostChars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-32] = true, true
	}
	for _, c := range "-._~!$&'()*+,;=%:[]" {
		t[c] = true
	}
	return t
}()
