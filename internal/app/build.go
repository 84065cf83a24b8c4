package app

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/admin"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/clientip"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/cors"
	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/functions"
	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/idp/cognito"
	"github.com/gatehouse/gatehouse/internal/integration"
	"github.com/gatehouse/gatehouse/internal/integration/httpproxy"
	"github.com/gatehouse/gatehouse/internal/integration/mock"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/router"
	"github.com/gatehouse/gatehouse/internal/sam"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

// generation is everything built from one configuration.
type generation struct {
	cfg        *config.Config
	gateway    *pipeline.Gateway
	transports map[string]*httpproxy.Transport
	sinks      map[string]*telemetry.Sink
	iam        *genIAM
	runner     *functions.Runner
	// pools are the user pools the configuration declares, as provisioned.
	pools []cognito.ProvisionedPool
	// source is the loaded file: the template's outputs when it was one.
	source    *sam.Result
	inflight  atomic.Int64
	closers   []func()
	closeOnce sync.Once
}

// close releases the generation's resources once its requests are done.
func (g *generation) close() { g.closeOnce.Do(g.doClose) }

func (g *generation) doClose() {
	for _, t := range g.transports {
		t.Close()
	}
	for _, s := range g.sinks {
		_ = s.Close()
	}
	for _, c := range g.closers {
		c()
	}
}

// retire waits (bounded) for in-flight requests, then closes g.
func (g *generation) retire(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for g.inflight.Load() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	g.close()
}

// build loads the configuration file and compiles a generation.
func (a *App) build(ctx context.Context) (*generation, error) {
	res, err := a.load()
	if err != nil {
		return nil, err
	}
	return a.buildFrom(ctx, res)
}

// load reads the configuration file (native config or template).
func (a *App) load() (*sam.Result, error) {
	res, err := sam.LoadConfigFile(a.opts.ConfigPath, a.opts.Template)
	if err != nil {
		return nil, err
	}
	for _, w := range res.Warnings {
		a.log.Warn("template: ignored", "where", w.String())
	}
	return res, nil
}

// buildFrom compiles a loaded configuration into a generation.
func (a *App) buildFrom(ctx context.Context, res *sam.Result) (*generation, error) {
	gen, err := a.compile(ctx, res.Config)
	if err != nil {
		return nil, err
	}
	gen.source = res
	if err := a.prewarm(ctx, gen); err != nil {
		gen.close()
		return nil, err
	}
	return gen, nil
}

func (a *App) compile(ctx context.Context, cfg *config.Config) (_ *generation, err error) {
	gen := &generation{cfg: cfg, transports: map[string]*httpproxy.Transport{}, sinks: map[string]*telemetry.Sink{}}
	defer func() {
		if err != nil {
			gen.close()
		}
	}()
	if gen.iam, err = a.compileIAM(cfg); err != nil {
		return nil, err
	}
	if err := a.compileFunctions(ctx, gen, cfg); err != nil {
		return nil, err
	}
	if err := a.provisionPools(ctx, gen, cfg); err != nil {
		return nil, err
	}
	apis := make([]*pipeline.API, 0, len(cfg.APIs))
	for i := range cfg.APIs {
		api, err := a.compileAPI(gen, cfg, &cfg.APIs[i])
		if err != nil {
			return nil, fmt.Errorf("api %q: %w", cfg.APIs[i].Name, err)
		}
		apis = append(apis, api)
	}
	resolver, err := clientip.New(clientip.Options{TrustedProxies: cfg.Settings.TrustedProxies})
	if err != nil {
		return nil, fmt.Errorf("settings.trustedProxies: %w", err)
	}
	gen.gateway = pipeline.New(apis, pipeline.Options{
		Logger:  a.log,
		OnPanic: a.metrics.Panics.Inc,
		ClientIP: func(r *http.Request) string {
			if ip := resolver.FromRequest(r); ip.IsValid() {
				return ip.String()
			}
			return pipeline.PeerIP(r)
		},
	})
	return gen, nil
}

func kindOf(k config.APIKind) exchange.Kind {
	if k == config.KindREST {
		return exchange.REST
	}
	return exchange.HTTP
}

func (a *App) compileAPI(gen *generation, cfg *config.Config, c *config.API) (*pipeline.API, error) {
	kind := kindOf(c.Kind)
	api := &pipeline.API{
		Info: exchange.API{
			ID: c.ID, Name: c.Name, Kind: kind,
			Region: cfg.Settings.Region, AccountID: cfg.Settings.AccountID,
			BinaryMediaTypes: c.BinaryMediaTypes, LogicalID: c.LogicalID,
		},
		Unmatched: a.metrics.Route(c.ID, ""),
	}
	spec := router.Spec{Kind: kind}
	for _, s := range c.Stages {
		api.Stages = append(api.Stages, exchange.Stage{Name: s.Name, Variables: s.Variables})
		spec.Stages = append(spec.Stages, s.Name)
	}
	for i := range c.Routes {
		rc := &c.Routes[i]
		spec.Routes = append(spec.Routes, rc.Route)
		r, err := a.compileRoute(gen, c, kind, rc)
		if err != nil {
			return nil, fmt.Errorf("route %q: %w", rc.Route, err)
		}
		api.Routes = append(api.Routes, r)
	}
	table, err := router.Compile(spec)
	if err != nil {
		return nil, err
	}
	api.Table = table
	if api.Guard, err = a.resourceGuard(gen, c); err != nil {
		return nil, err
	}
	custom := make(map[gwresp.Type]gwresp.Custom, len(c.GatewayResponses))
	for t, gr := range c.GatewayResponses {
		custom[gwresp.Type(t)] = gwresp.Custom{Status: gr.Status, Headers: gr.Headers, Templates: gr.Templates}
	}
	if api.Responses, err = gwresp.NewCatalogue(kind, custom); err != nil {
		return nil, err
	}
	if c.CORS != nil {
		api.CORS = cors.New(cors.Config{
			AllowOrigins: c.CORS.AllowOrigins, AllowMethods: c.CORS.AllowMethods, AllowHeaders: c.CORS.AllowHeaders,
			ExposeHeaders: c.CORS.ExposeHeaders, AllowCredentials: c.CORS.AllowCredentials, MaxAge: c.CORS.MaxAge,
		})
	}
	api.AccessLogs = make([]*telemetry.AccessLog, len(c.Stages))
	for i, s := range c.Stages {
		al := s.AccessLog
		if al == nil {
			al = c.AccessLog
		}
		if al == nil || al.Disabled {
			continue
		}
		sink, err := a.sink(gen, al.Destination)
		if err != nil {
			return nil, err
		}
		if api.AccessLogs[i], err = telemetry.NewAccessLog(al.Format, sink); err != nil {
			return nil, err
		}
	}
	return api, nil
}

func (a *App) sink(gen *generation, dest string) (*telemetry.Sink, error) {
	if dest == "" {
		dest = "stdout"
	}
	if s, ok := gen.sinks[dest]; ok {
		return s, nil
	}
	s, err := telemetry.OpenSink(dest, a.opts.Stdout, a.opts.Stderr)
	if err != nil {
		return nil, err
	}
	gen.sinks[dest] = s
	return s, nil
}

// routeParts splits a route key into method and resource path.
func routeParts(key string) (method, path string) {
	if key == "$default" {
		return "", "$default"
	}
	m, p, _ := strings.Cut(key, " ")
	return m, p
}

func (a *App) compileRoute(gen *generation, api *config.API, kind exchange.Kind, rc *config.Route) (pipeline.Route, error) {
	method, path := routeParts(rc.Route)
	authName := rc.Authorizer
	if authName == "" {
		authName = api.DefaultAuthorizer
	}
	if authName == "" {
		authName = config.AuthorizerNone
	}
	r := pipeline.Route{
		Info: exchange.Route{
			Key: rc.Route, Method: method, ResourcePath: path,
			Scopes: rc.Scopes, AuthorizerName: authName,
		},
		Metrics: a.metrics.Route(api.ID, rc.Route),
	}
	var err error
	if r.Integration, err = a.compileIntegration(gen, kind, rc, authName); err != nil {
		return r, err
	}
	if r.Authorizer, err = a.compileAuthorizer(gen, api, authName); err != nil {
		return r, err
	}
	return r, nil
}

func (a *App) compileIntegration(gen *generation, kind exchange.Kind, rc *config.Route, authName string) (integration.Integration, error) {
	in := rc.Integration
	switch {
	case in.HTTP != nil:
		key := transportKey(in.HTTP.URL)
		tr, ok := gen.transports[key]
		if !ok {
			tr = httpproxy.NewTransport()
			gen.transports[key] = tr
		}
		// config.Parse has set the kind's default timeout (29 s REST, 30 s HTTP).
		return httpproxy.New(httpproxy.Config{
			URL: in.HTTP.URL, Method: in.HTTP.Method, Timeout: in.HTTP.Timeout.D(),
			AppendPath: rc.Route == "$default",
			StripSigV4: authName == config.AuthorizerAWSIAM,
		}, kind, tr, a.log)
	case in.Mock != nil:
		return mock.New(in.Mock.Status, in.Mock.Headers, in.Mock.Body), nil
	case in.Lambda != nil:
		return a.lambdaIntegration(gen, kind, in.Lambda)
	}
	return nil, fmt.Errorf("route has no integration")
}

// compileAuthorizer builds a route's authorizer: none, AWS_IAM, or one of
// the API's jwt / cognitoUserPools authorizers.
func (a *App) compileAuthorizer(gen *generation, api *config.API, name string) (authz.Authorizer, error) {
	switch name {
	case config.AuthorizerNone:
		return nil, nil
	case config.AuthorizerAWSIAM:
		return a.iamAuthorizer(gen, api)
	}
	for _, c := range api.Authorizers {
		if c.Name == name {
			return a.jwtAuthorizer(gen, c)
		}
	}
	return nil, fmt.Errorf("authorizer %q is not declared", name)
}

// transportKey groups integrations by backend origin so they share a
// connection pool; URLs whose origin depends on stage variables share one.
func transportKey(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	host, _, _ := strings.Cut(rest, "/")
	if strings.ContainsAny(host, "${}") {
		return "dynamic"
	}
	return scheme + "://" + host
}

// listAPIs describes the current generation for the admin API.
func (a *App) listAPIs() []admin.APIInfo {
	g := a.cur.Load()
	out := make([]admin.APIInfo, 0, len(g.cfg.APIs))
	single := len(g.cfg.APIs) == 1
	for _, c := range g.cfg.APIs {
		info := admin.APIInfo{ID: c.ID, Name: c.Name, Kind: string(c.Kind), LogicalID: c.LogicalID, BaseURLs: []string{}}
		for _, s := range c.Stages {
			urls := a.baseURLs(c.ID, s.Name, single)
			info.Stages = append(info.Stages, admin.StageInfo{Name: s.Name, Variables: s.Variables, BaseURLs: urls})
			info.BaseURLs = append(info.BaseURLs, urls...)
		}
		if len(info.BaseURLs) > 0 {
			info.BaseURL = info.BaseURLs[0]
		}
		for _, r := range c.Routes {
			auth := r.Authorizer
			if auth == "" {
				auth = c.DefaultAuthorizer
			}
			if auth == "" {
				auth = config.AuthorizerNone
			}
			info.Routes = append(info.Routes, admin.RouteInfo{RouteKey: r.Route, Integration: describeIntegration(r.Integration), Authorizer: auth, Scopes: r.Scopes})
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func describeIntegration(in config.Integration) string {
	switch {
	case in.HTTP != nil:
		return "http " + in.HTTP.URL
	case in.Mock != nil:
		st := in.Mock.Status
		if st == 0 {
			st = 200
		}
		return fmt.Sprintf("mock %d", st)
	case in.Lambda != nil:
		return "lambda " + in.Lambda.Function
	}
	return "none"
}

// baseURLs returns the URLs a stage answers on: the execute-api host form and,
// for a lone API, the plain listener address.
func (a *App) baseURLs(id, stage string, single bool) []string {
	addr := a.GatewayAddr
	if addr == "" {
		addr = a.opts.Listen
	}
	host, port := splitAddr(addr)
	prefix := "/" + stage
	if stage == "$default" {
		prefix = ""
	}
	urls := []string{fmt.Sprintf("http://%s.execute-api.localhost:%s%s", id, port, prefix)}
	if single {
		urls = append(urls, fmt.Sprintf("http://%s:%s%s", host, port, prefix))
	}
	return urls
}

func splitAddr(addr string) (host, port string) {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return "127.0.0.1", "80"
	}
	host, port = addr[:i], addr[i+1:]
	switch host {
	case "", "0.0.0.0", "[::]", "::":
		host = "127.0.0.1"
	}
	return host, port
}
