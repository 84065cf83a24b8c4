package jwtauth

import (
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

// Default identity sources.
const (
	DefaultHTTPIdentitySource = "$request.header.Authorization"
	DefaultRESTIdentitySource = "method.request.header.Authorization"
)

type identitySource struct {
	header bool
	name   string
}

// parseIdentitySource accepts "$request.header.X" and
// "$request.querystring.x" (HTTP APIs), "method.request.header.X" and
// "method.request.querystring.x" (REST APIs).
func parseIdentitySource(s string, rest bool) (identitySource, error) {
	prefix := "$request."
	if rest {
		prefix = "method.request."
	}
	if !strings.HasPrefix(s, prefix) {
		return identitySource{}, fmt.Errorf("identity source %q must start with %q", s, prefix)
	}
	kind, name, ok := strings.Cut(s[len(prefix):], ".")
	if !ok || name == "" {
		return identitySource{}, fmt.Errorf("identity source %q names no parameter", s)
	}
	switch kind {
	case "header":
		for i := 0; i < len(name); i++ {
			if !isTokenChar(name[i]) {
				return identitySource{}, fmt.Errorf("identity source %q: invalid header name", s)
			}
		}
		return identitySource{header: true, name: textproto.CanonicalMIMEHeaderKey(name)}, nil
	case "querystring":
		return identitySource{name: name}, nil
	}
	return identitySource{}, errors.New("identity source must be a header or a query string parameter")
}

func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// extract returns the identity value; duplicates are joined with "," as API
// Gateway does, which no valid token survives.
func (s identitySource) extract(x *exchange.Exchange) string {
	var vals []string
	if s.header {
		vals = x.R.Header[s.name]
	} else {
		vals = x.R.URL.Query()[s.name]
	}
	switch len(vals) {
	case 0:
		return ""
	case 1:
		return vals[0]
	}
	return strings.Join(vals, ",")
}

// bareToken strips an optional "Bearer " prefix (any case) and surrounding
// white space.
func bareToken(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:6], "bearer") && (v[6] == ' ' || v[6] == '\t') {
		v = strings.TrimSpace(v[7:])
	}
	return v
}
