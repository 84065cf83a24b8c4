package pipeline

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/cors"
	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/integration"
	"github.com/gatehouse/gatehouse/internal/router"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

// Limits of a request (reference §10.3).
const (
	MaxBodyBytes  = 10 << 20
	MaxURILength  = 10240
	MaxHeaderSize = 10240
)

// Route is a compiled route: what the pipeline needs once it has matched.
type Route struct {
	Info        exchange.Route
	Authorizer  authz.Authorizer // nil: no authorization
	Integration integration.Integration
	Metrics     *telemetry.RouteMetrics
}

// API is a compiled API.
type API struct {
	Info      exchange.API
	Stages    []exchange.Stage
	Routes    []Route
	Table     *router.Table
	Responses *gwresp.Catalogue
	CORS      *cors.Policy
	// AccessLogs is indexed like Stages; nil entries log nothing.
	AccessLogs []*telemetry.AccessLog
	// Unmatched collects metrics of requests that matched no route.
	Unmatched *telemetry.RouteMetrics
	// Guard applies the API's resource policy (REST); nil when it has none.
	Guard authz.Guard
}

// Gateway serves every API of one configuration generation.
type Gateway struct {
	apis   map[string]*API
	single *API
	log    *slog.Logger
	// ClientIP resolves the caller address (TCP peer or trusted X-Forwarded-For).
	clientIP  ClientIPFunc
	panics    func()
	now       func() time.Time
	xpool     sync.Pool
	fallbackR *gwresp.Catalogue
}

// ClientIPFunc resolves the client address of a request.
type ClientIPFunc func(r *http.Request) string

// Options configure a Gateway.
type Options struct {
	Logger   *slog.Logger
	ClientIP ClientIPFunc
	// OnPanic is called for every recovered panic (metrics).
	OnPanic func()
	Now     func() time.Time
}

// New builds a Gateway over apis.
func New(apis []*API, o Options) *Gateway {
	g := &Gateway{apis: make(map[string]*API, len(apis)), log: o.Logger, clientIP: o.ClientIP, panics: o.OnPanic, now: o.Now}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.clientIP == nil {
		g.clientIP = PeerIP
	}
	if g.now == nil {
		g.now = time.Now
	}
	for _, a := range apis {
		g.apis[a.Info.ID] = a
	}
	if len(apis) == 1 {
		g.single = apis[0]
	}
	g.fallbackR, _ = gwresp.NewCatalogue(exchange.HTTP, nil)
	g.xpool.New = func() any { return new(state) }
	return g
}

// PeerIP is the TCP peer's address.
func PeerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// APIs returns the compiled APIs (for the admin listing).
func (g *Gateway) APIs() []*API {
	out := make([]*API, 0, len(g.apis))
	for _, a := range g.apis {
		out = append(out, a)
	}
	return out
}

// state is the pooled per-request storage.
type state struct {
	x   exchange.Exchange
	rw  respWriter
	res router.Result
	lb  limitedBody
}

// selectAPI picks the API for a Host header: `<apiId>.execute-api.<anything>`,
// else the only API.
func (g *Gateway) selectAPI(host string) *API {
	if i := strings.Index(host, ".execute-api."); i > 0 {
		if a, ok := g.apis[host[:i]]; ok {
			return a
		}
		return nil
	}
	return g.single
}

// ServeHTTP runs the pipeline.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := g.xpool.Get().(*state)
	defer g.xpool.Put(st)
	*st = state{res: router.Result{Params: st.res.Params[:0]}}
	x := &st.x
	x.Start = g.now()
	x.R = r
	st.rw.ResponseWriter = w
	x.W = &st.rw

	api := g.selectAPI(r.Host)
	if api == nil {
		g.noAPI(w)
		return
	}
	x.API = &api.Info
	x.RequestID, x.ExtendedRequestID = newRequestIDs(api.Info.Kind)
	if api.Info.Kind == exchange.REST {
		h := w.Header()
		h["X-Amzn-Requestid"] = []string{x.RequestID}
		h["X-Amz-Apigw-Id"] = []string{x.ExtendedRequestID}
	} else {
		w.Header()["Apigw-Requestid"] = []string{x.RequestID}
	}
	x.SourceIP = g.clientIP(r)

	var route *Route
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			if g.panics != nil {
				g.panics()
			}
			g.log.Error("panic serving request", "request_id", x.RequestID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if !st.rw.wrote {
				g.fail(api, x, gwresp.New(gwresp.Default5XX, fmt.Errorf("panic: %v", p)))
			}
		}
		g.finish(api, route, x, st)
	}()

	if err := g.serve(api, x, st, &route); err != nil {
		if st.rw.wrote {
			g.log.Warn("integration failed after the response started", "request_id", x.RequestID, "error", err)
			return
		}
		g.fail(api, x, err)
	}
}

// serve runs the stages in their fixed order.
func (g *Gateway) serve(api *API, x *exchange.Exchange, st *state, routeOut **Route) error {
	r := x.R
	// 1. Limits.
	if len(r.RequestURI) > MaxURILength {
		return uriTooLong(nil)
	}
	if r.ContentLength > MaxBodyBytes {
		return gwresp.New(gwresp.RequestTooLarge, fmt.Errorf("content-length %d", r.ContentLength))
	}
	if r.Body != nil && r.Body != http.NoBody {
		st.lb = limitedBody{rc: r.Body, left: MaxBodyBytes}
		r.Body = &st.lb
		st.rw.lb = &st.lb
	}

	// 2. Route.
	x.RawPath = router.RequestPath(r)
	method := r.Method
	if api.Info.Kind == exchange.REST {
		if o := r.Header.Get("X-Http-Method-Override"); o != "" {
			method = strings.ToUpper(o)
		}
	}
	// HTTP API CORS preflight is answered before routing and authorization.
	if api.CORS != nil && cors.IsPreflight(r) {
		api.CORS.Preflight(x.W, r)
		x.Route = &exchange.Route{Key: "OPTIONS (CORS preflight)"}
		return nil
	}
	canon, err := router.Canonicalize(x.RawPath)
	if err != nil {
		if errors.Is(err, router.ErrPathTooLong) {
			return uriTooLong(err)
		}
		return &gwresp.Error{Type: gwresp.Default4XX, Message: strp("Bad Request"), Set: true, Cause: err}
	}
	outcome := api.Table.Match(method, canon, &st.res)
	if outcome != router.Matched {
		if api.Info.Kind == exchange.REST {
			return gwresp.New(gwresp.MissingAuthenticationToken, fmt.Errorf("no route for %s %s (%v)", method, x.RawPath, outcome))
		}
		return gwresp.New(gwresp.ResourceNotFound, fmt.Errorf("no route for %s %s (%v)", method, x.RawPath, outcome))
	}
	x.Stage = &api.Stages[st.res.Stage]
	route := &api.Routes[st.res.Route]
	*routeOut = route
	x.Route = &route.Info
	x.Params = st.res.Params
	x.Path = st.res.Path
	x.EscapedPath = st.res.EscapedPath

	if api.CORS != nil {
		if o := r.Header.Get("Origin"); o != "" {
			st.rw.cors = api.CORS
			st.rw.origin = o
		}
	}

	// 3. Authorization: resource-policy pre-pass, the route's authorizer,
	// then the combination of both.
	if api.Guard != nil {
		if err := api.Guard.Before(x); err != nil {
			return err
		}
	}
	if route.Authorizer != nil {
		p, err := route.Authorizer.Authorize(x)
		if err != nil {
			return err
		}
		x.Principal = p
	}
	if api.Guard != nil {
		if err := api.Guard.After(x, x.Principal); err != nil {
			return err
		}
	}

	// 4. Integration.
	return route.Integration.Serve(x)
}

// fail renders a stage error through the API's gateway responses.
func (g *Gateway) fail(api *API, x *exchange.Exchange, err error) {
	var ge *gwresp.Error
	if !errors.As(err, &ge) {
		ge = gwresp.New(gwresp.Default5XX, err)
	}
	if st, ok := x.W.(*respWriter); ok && st.lb != nil && st.lb.exceeded {
		ge = gwresp.New(gwresp.RequestTooLarge, err)
	}
	if ge.Cause != nil || len(x.Trace) > 0 {
		lvl := slog.LevelDebug
		if gwresp.ServerError(ge.Type) {
			lvl = slog.LevelWarn
		}
		if g.log.Enabled(x.R.Context(), lvl) {
			attrs := []any{"request_id", x.RequestID, "type", string(ge.Type)}
			if ge.Cause != nil {
				attrs = append(attrs, "cause", ge.Cause.Error())
			}
			if len(x.Trace) > 0 {
				// Why the request was refused, step by step (authorizer,
				// policy statements, scopes); never tokens or keys.
				attrs = append(attrs, "decisions", x.Trace)
			}
			g.log.Log(x.R.Context(), lvl, "gateway response", attrs...)
		}
	}
	x.ErrorType = string(ge.Type)
	vars := Vars{X: x}
	resp := api.Responses.Write(x.W, ge, vars, x.R.Header.Get("Accept"))
	// The message, not the rendered body: a customised template may echo
	// request headers, which must not reach the access log.
	x.ErrorMessage = resp.Message
}

// finish writes the access log and metrics.
func (g *Gateway) finish(api *API, route *Route, x *exchange.Exchange, st *state) {
	if !st.rw.wrote {
		// An integration that wrote nothing answers 200 with an empty body.
		st.rw.WriteHeader(http.StatusOK)
	}
	x.Status = st.rw.status
	x.ResponseLength = st.rw.n
	total := g.now().Sub(x.Start)
	if route != nil {
		route.Metrics.Observe(x.Status, total, x.IntegrationLatency)
	} else {
		api.Unmatched.Observe(x.Status, total, 0)
	}
	if x.Stage != nil && api.AccessLogs != nil {
		idx := st.res.Stage
		if idx >= 0 && idx < len(api.AccessLogs) {
			api.AccessLogs[idx].Log(Vars{X: x, Done: total})
		}
	} else if len(api.AccessLogs) > 0 {
		api.AccessLogs[0].Log(Vars{X: x, Done: total})
	}
	if st.lb.rc != nil {
		// Drain a little of an unread body so the connection can be reused.
		_, _ = io.CopyN(io.Discard, &st.lb, 64<<10)
	}
}

// noAPI answers a request for a Host that names no API.
func (g *Gateway) noAPI(w http.ResponseWriter) {
	g.fallbackR.Write(w, gwresp.New(gwresp.ResourceNotFound, nil), nil, "")
}

func strp(s string) *string { return &s }

// uriTooLong is the 414 answered for an over-long request URI or path.
func uriTooLong(cause error) *gwresp.Error {
	return &gwresp.Error{Type: gwresp.Default4XX, Status: http.StatusRequestURITooLong, Message: strp("Request-URI Too Long"), Set: true, Cause: cause}
}

// limitedBody fails reads past the body limit.
type limitedBody struct {
	rc       io.ReadCloser
	left     int64
	exceeded bool
}

var errBodyTooLarge = errors.New("request body larger than 10 MB")

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Probe for one more byte to tell "exactly at the limit" from "over".
		var one [1]byte
		n, err := l.rc.Read(one[:])
		if n > 0 {
			l.exceeded = true
			return 0, errBodyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }
