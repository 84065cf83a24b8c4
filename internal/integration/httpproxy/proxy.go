// Package httpproxy owns HTTP proxy integrations: it substitutes path
// parameters and stage variables into the backend URL, forwards the request
// and streams the response both ways (never buffering a body whole), and
// maps transport failures to gateway responses (INTEGRATION_TIMEOUT,
// INTEGRATION_FAILURE). With the package's own Transport (the gateway's
// case) a request takes the lean forward path (forward.go): the request
// head is written straight into a pooled backend connection and the
// response head parsed into the client's header map. With any other
// http.RoundTripper it goes through httputil.ReverseProxy with the same
// header rules. A Proxy is immutable and safe for concurrent use.
package httpproxy

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/integration"
)

// Config describes one HTTP integration.
type Config struct {
	// URL is the backend URL template: `{name}` path parameters and
	// `${stageVariables.name}` stage variables are substituted.
	URL string
	// Method overrides the method sent to the backend when set.
	Method string
	// Timeout bounds the whole backend call up to the response headers and
	// the body copy.
	Timeout time.Duration
	// AppendPath appends the request path (stage removed) to the URL's path:
	// used for the `$default` route (a greedy route names {proxy} instead).
	AppendPath bool
	// StripSigV4 drops an Authorization header that is a SigV4 signature
	// and the presigned-URL signing parameters (X-Amz-Algorithm,
	// X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
	// X-Amz-Signature, X-Amz-Security-Token) from the query string, so a
	// backend never receives a caller's signature or session token.
	StripSigV4 bool
}

// Proxy is an HTTP proxy integration.
type Proxy struct {
	cfg  Config
	tmpl urlTemplate
	base *url.URL // pre-parsed when the template has no stage variables
	rp   *httputil.ReverseProxy
	log  *slog.Logger
	rest bool
	// tr is set when the transport is this package's: requests then take
	// the lean forward path instead of rp.
	tr *Transport
	// key is the connection pool key when the backend origin is fixed.
	key string
	// fixedPath is set when the backend URL is fixed (no parameters, no
	// stage variables) and its escaped path holds only bytes the target
	// is written with unchanged (see plainPath): the forward path then
	// writes the request target from it and the request's own path and
	// query, with no url.URL built per request.
	fixedPath bool
}

var _ integration.Integration = (*Proxy)(nil)

type ctxKey struct{}

// call carries per-request data from Serve into the ReverseProxy hooks.
type call struct {
	target  url.URL
	x       *exchange.Exchange
	err     error
	started time.Time
	gotResp time.Time
	// deadline is when the integration times out.
	deadline time.Time
	// direct: target holds only the fixed backend URL; the forward path
	// appends the request's path and query as it writes them.
	direct bool
}

// deadlineOf returns the earlier of the request context's deadline and the
// integration call's deadline.
func deadlineOf(r *http.Request) (time.Time, bool) {
	dl, ok := r.Context().Deadline()
	if c, _ := r.Context().Value(ctxKey{}).(*call); c != nil && !c.deadline.IsZero() && (!ok || c.deadline.Before(dl)) {
		return c.deadline, true
	}
	return dl, ok
}

// New builds a proxy. transport is shared between proxies to the same
// backend (see NewTransport).
func New(cfg Config, kind exchange.Kind, transport http.RoundTripper, log *slog.Logger) (*Proxy, error) {
	t, err := parseURLTemplate(cfg.URL)
	if err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, tmpl: t, log: log, rest: kind == exchange.REST}
	if !t.hasStageVars {
		u, err := url.Parse(t.render(nil, nil))
		if err != nil {
			return nil, fmt.Errorf("integration url: %w", err)
		}
		p.base = u
		if !t.hasParams {
			p.key = u.Scheme + "://" + u.Host
			p.fixedPath = plainPath(u.EscapedPath())
		}
	}
	p.tr, _ = transport.(*Transport)
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      transport,
		BufferPool:     bufferPool{},
		ErrorHandler:   p.errorHandler,
		ModifyResponse: p.modifyResponse,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return p, nil
}

// Serve implements integration.Integration.
func (p *Proxy) Serve(x *exchange.Exchange) error {
	c := &call{x: x, started: time.Now()}
	if p.tr != nil && p.fixedPath && (!p.cfg.AppendPath || plainPath(x.EscapedPath)) {
		// The forward path writes the target itself (writeTarget).
		c.target, c.direct = *p.base, true
	} else if err := p.target(x, &c.target); err != nil {
		return gwresp.New(gwresp.APIConfigurationError, err)
	}
	parent := x.R.Context()
	// The integration timeout is a deadline on the backend connection (set
	// by Transport from the call), not a context timer: no timer per request.
	c.deadline = c.started.Add(p.cfg.Timeout)
	if p.tr != nil {
		p.forward(x, c)
	} else {
		p.rp.ServeHTTP(x.W, x.R.WithContext(context.WithValue(parent, ctxKey{}, c)))
	}
	if !c.gotResp.IsZero() {
		x.IntegrationLatency = c.gotResp.Sub(c.started)
	} else {
		x.IntegrationLatency = time.Since(c.started)
	}
	if c.err == nil {
		return nil
	}
	switch {
	case parent.Err() != nil:
		// The client went away: nothing to answer.
		return &gwresp.Error{Type: gwresp.Default4XX, Status: 499, Cause: fmt.Errorf("client closed request: %w", c.err)}
	case errors.Is(c.err, context.DeadlineExceeded) || isTimeout(c.err) || !time.Now().Before(c.deadline):
		return gwresp.New(gwresp.IntegrationTimeout, fmt.Errorf("backend %s: %w", c.target.Host, c.err))
	default:
		return gwresp.New(gwresp.IntegrationFailure, fmt.Errorf("backend %s: %w", c.target.Host, c.err))
	}
}

// isTimeout reports a network timeout (the connection deadline, set from the
// integration timeout, can fire just before the context's own timer).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// target computes the backend URL for x.
func (p *Proxy) target(x *exchange.Exchange, u *url.URL) error {
	if p.base != nil {
		*u = *p.base
		if p.tmpl.hasParams {
			raw := p.tmpl.render(x, nil)
			pu, err := url.Parse(raw)
			if err != nil {
				return fmt.Errorf("integration url after substitution: %w", err)
			}
			*u = *pu
		}
	} else {
		var vars map[string]string
		if x.Stage != nil {
			vars = x.Stage.Variables
		}
		pu, err := url.Parse(p.tmpl.render(x, vars))
		if err != nil {
			return fmt.Errorf("integration url after substitution: %w", err)
		}
		if pu.Scheme != "http" && pu.Scheme != "https" || pu.Host == "" {
			return fmt.Errorf("integration url after substitution is not an absolute http(s) url")
		}
		*u = *pu
	}
	if p.cfg.AppendPath {
		escaped := escapedPath(x)
		base := strings.TrimSuffix(u.EscapedPath(), "/")
		joined := base + escaped
		if joined == "" {
			joined = "/"
		}
		dec, err := url.PathUnescape(joined)
		if err != nil {
			return fmt.Errorf("join path: %w", err)
		}
		u.Path = dec
		if dec != joined {
			u.RawPath = joined
		} else {
			u.RawPath = ""
		}
	}
	q := x.R.URL.RawQuery
	if p.cfg.StripSigV4 {
		q = stripPresignParams(q)
	}
	if q != "" {
		if u.RawQuery == "" {
			u.RawQuery = q
		} else {
			u.RawQuery = u.RawQuery + "&" + q
		}
	}
	return nil
}

// isPresignParam reports whether a (decoded) query parameter name is one
// of the SigV4 presigned-URL parameters, case-insensitively.
func isPresignParam(name string) bool {
	for _, p := range presignParams {
		// The lengths nearly tell the names apart, so at most two of
		// them are compared.
		if len(name) == len(p) && strings.EqualFold(name, p) {
			return true
		}
	}
	return false
}

var presignParams = [...]string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"}

// plainPath reports whether an escaped path holds only bytes that
// url.URL.EscapedPath leaves as they are (unreserved, "$&+,/:;=@", and
// well-formed %XX escapes): for such a path the target url.URL would be
// written with is the path itself, so the forward path can skip building it.
func plainPath(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == '~' || c == '/' ||
			c == '$' || c == '&' || c == '+' || c == ',' || c == ':' || c == ';' || c == '=' || c == '@':
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// stripPresignParams removes the presigned-URL signing parameters from a
// raw query, matching names case-insensitively after unescaping and keeping
// every other parameter byte for byte, in order.
func stripPresignParams(q string) string {
	if !strings.Contains(q, "-") && !strings.Contains(q, "%") {
		return q // fast path: no parameter can be one of them
	}
	var b strings.Builder
	kept := 0
	for part := range strings.SplitSeq(q, "&") {
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if isPresignParam(name) {
			continue
		}
		if kept > 0 {
			b.WriteByte('&')
		}
		kept++
		b.WriteString(part)
	}
	return b.String()
}

// escapedPath is the request path without the stage, in escaped form.
func escapedPath(x *exchange.Exchange) string {
	p := x.EscapedPath
	if p == "" {
		return "/"
	}
	return p
}

func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	c, _ := pr.In.Context().Value(ctxKey{}).(*call)
	if c == nil {
		return
	}
	out := pr.Out
	out.URL.Scheme = c.target.Scheme
	out.URL.Host = c.target.Host
	out.URL.Path = c.target.Path
	out.URL.RawPath = c.target.RawPath
	out.URL.RawQuery = c.target.RawQuery
	out.Host = ""
	if p.cfg.Method != "" {
		out.Method = p.cfg.Method
	}
	h := out.Header
	// Append to the chain the client sent, as API Gateway does; the peer
	// address is added by SetXForwarded.
	if prior, ok := pr.In.Header["X-Forwarded-For"]; ok {
		h["X-Forwarded-For"] = []string{strings.Join(prior, ", ")}
	}
	pr.SetXForwarded()
	if _, port, err := net.SplitHostPort(pr.In.Host); err == nil {
		h["X-Forwarded-Port"] = []string{port}
	}
	h["X-Amzn-Trace-Id"] = []string{traceID(c.started)}
	if p.rest {
		h["X-Amzn-Apigateway-Api-Id"] = []string{c.x.API.ID}
	}
	// Reference §10.1: request headers API Gateway drops before the
	// integration (Connection, Transfer-Encoding, Upgrade and Proxy-* are
	// hop-by-hop, removed by ReverseProxy).
	for _, k := range []string{"Expect", "Max-Forwards", "Content-Md5", "X-Http-Method-Override", "Te", "Trailer", "Server", "Www-Authenticate"} {
		delete(h, k)
	}
	if p.cfg.StripSigV4 {
		if a := h.Get("Authorization"); strings.HasPrefix(a, "AWS4-HMAC-SHA256 ") {
			delete(h, "Authorization")
		}
	}
	if _, ok := h["User-Agent"]; !ok {
		h["User-Agent"] = []string{""}
	}
}

func (p *Proxy) modifyResponse(res *http.Response) error {
	c, _ := res.Request.Context().Value(ctxKey{}).(*call)
	if c != nil {
		c.gotResp = time.Now()
		c.x.IntegrationStatus = res.StatusCode
	}
	if p.rest {
		for _, k := range []string{"Date", "Server", "X-Amzn-Requestid", "Connection"} {
			if v, ok := res.Header[k]; ok {
				delete(res.Header, k)
				res.Header["X-Amzn-Remapped-"+k] = v
			}
		}
	} else {
		delete(res.Header, "Apigw-Requestid")
	}
	return nil
}

func (p *Proxy) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	c, _ := r.Context().Value(ctxKey{}).(*call)
	if c == nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	c.err = err
}

// traceID returns an X-Amzn-Trace-Id root like "Root=1-5e1b4151-5ac6c58f1f0ea6b21a2d1a83".
func traceID(t time.Time) string {
	var b [64]byte
	return string(appendTraceID(b[:0], t))
}

// appendTraceID appends a trace id root (see traceID) to dst.
func appendTraceID(dst []byte, t time.Time) []byte {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64())
	dst = append(dst, "Root=1-"...)
	dst = strconv.AppendInt(dst, t.Unix(), 16)
	dst = append(dst, '-')
	return hex.AppendEncode(dst, b[:12])
}

type bufferPool struct{}

var bufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *(bufs.Get().(*[]byte)) }
func (bufferPool) Put(b []byte) { bufs.Put(&b) }
