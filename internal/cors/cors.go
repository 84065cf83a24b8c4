// Package cors owns CORS for HTTP APIs as API Gateway implements it: the
// gateway answers preflight requests itself (before routing and
// authorization) and sets the CORS response headers on every response to a
// CORS request, replacing whatever the integration sent. A Policy is
// immutable and safe for concurrent use.
package cors

import (
	"net/http"
	"strconv"
	"strings"
)

// Config is the CORS configuration of an API.
type Config struct {
	AllowOrigins     []string
	AllowMethods     []string
	AllowHeaders     []string
	ExposeHeaders    []string
	AllowCredentials bool
	MaxAge           int
}

// Policy is a compiled Config.
type Policy struct {
	anyOrigin   bool
	origins     map[string]struct{}
	wildcards   []string // "https://*.example.com" → suffix ".example.com" with scheme prefix
	anyMethod   bool
	methods     map[string]struct{}
	allowMethod string
	anyHeader   bool
	headers     map[string]struct{}
	allowHeader string
	expose      string
	credentials bool
	maxAge      string
}

// New compiles c.
func New(c Config) *Policy {
	p := &Policy{
		origins:     map[string]struct{}{},
		methods:     map[string]struct{}{},
		headers:     map[string]struct{}{},
		credentials: c.AllowCredentials,
		expose:      strings.Join(c.ExposeHeaders, ","),
		allowMethod: strings.Join(c.AllowMethods, ","),
		allowHeader: strings.Join(c.AllowHeaders, ","),
	}
	if c.MaxAge > 0 {
		p.maxAge = strconv.Itoa(c.MaxAge)
	}
	for _, o := range c.AllowOrigins {
		switch {
		case o == "*":
			p.anyOrigin = true
		case strings.Contains(o, "*"):
			p.wildcards = append(p.wildcards, strings.ToLower(o))
		default:
			p.origins[strings.ToLower(o)] = struct{}{}
		}
	}
	for _, m := range c.AllowMethods {
		if m == "*" {
			p.anyMethod = true
		}
		p.methods[strings.ToUpper(m)] = struct{}{}
	}
	for _, h := range c.AllowHeaders {
		if h == "*" {
			p.anyHeader = true
		}
		p.headers[strings.ToLower(h)] = struct{}{}
	}
	return p
}

// allowedOrigin returns the value for Access-Control-Allow-Origin, or "".
func (p *Policy) allowedOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	lo := strings.ToLower(origin)
	if _, ok := p.origins[lo]; ok {
		return origin
	}
	for _, w := range p.wildcards {
		i := strings.IndexByte(w, '*')
		if strings.HasPrefix(lo, w[:i]) && strings.HasSuffix(lo, w[i+1:]) && len(lo) > len(w)-1 {
			return origin
		}
	}
	if p.anyOrigin {
		if p.credentials {
			return origin
		}
		return "*"
	}
	return ""
}

// IsPreflight reports whether r is a CORS preflight request.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// Preflight answers a preflight request: 204 with the CORS headers when the
// origin, method and headers are allowed, 204 without them otherwise.
func (p *Policy) Preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	origin := p.allowedOrigin(r.Header.Get("Origin"))
	method := strings.ToUpper(r.Header.Get("Access-Control-Request-Method"))
	_, methodOK := p.methods[method]
	if origin != "" && (p.anyMethod || methodOK) && p.headersAllowed(r.Header.Get("Access-Control-Request-Headers")) {
		h.Set("Access-Control-Allow-Origin", origin)
		if p.anyMethod {
			h.Set("Access-Control-Allow-Methods", method)
		} else {
			h.Set("Access-Control-Allow-Methods", p.allowMethod)
		}
		if reqH := r.Header.Get("Access-Control-Request-Headers"); reqH != "" {
			if p.anyHeader {
				h.Set("Access-Control-Allow-Headers", reqH)
			} else {
				h.Set("Access-Control-Allow-Headers", p.allowHeader)
			}
		}
		if p.credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if p.maxAge != "" {
			h.Set("Access-Control-Max-Age", p.maxAge)
		}
		if origin != "*" {
			h.Add("Vary", "Origin")
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (p *Policy) headersAllowed(list string) bool {
	if list == "" || p.anyHeader {
		return true
	}
	for _, name := range strings.Split(list, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if _, ok := p.headers[name]; !ok {
			return false
		}
	}
	return true
}

// Apply sets the CORS headers of an actual (non-preflight) response. Any
// Access-Control-* header the integration set is replaced, as API Gateway does.
func (p *Policy) Apply(h http.Header, origin string) {
	for k := range h {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(h, k)
		}
	}
	o := p.allowedOrigin(origin)
	if o == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", o)
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if p.expose != "" {
		h.Set("Access-Control-Expose-Headers", p.expose)
	}
	if o != "*" {
		h.Add("Vary", "Origin")
	}
}
