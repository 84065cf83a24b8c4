package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/admin"
	"github.com/gatehouse/gatehouse/internal/listener"
	"github.com/gatehouse/gatehouse/internal/pipeline"
	"github.com/gatehouse/gatehouse/internal/sam"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

// Options configure an App.
type Options struct {
	// ConfigPath is the native config or template to serve.
	ConfigPath string
	// Template holds the settings used when ConfigPath is a SAM or
	// CloudFormation template (parameter overrides, region, account,
	// stack name, --allow-unsupported).
	Template sam.Options
	// Listen, IdpListen and AdminListen are listener addresses ("" disables
	// the idp and admin listeners).
	Listen, IdpListen, AdminListen string
	// DataDir holds state (created 0700).
	DataDir string
	// AdminToken protects the admin API; generated into DataDir when empty.
	AdminToken string
	// DrainTimeout bounds graceful shutdown and the retirement of a replaced
	// configuration generation.
	DrainTimeout time.Duration
	// WatchInterval is how often the config file is checked for changes (0: never).
	WatchInterval time.Duration
	Logger        *slog.Logger
	Stdout        io.Writer
	Stderr        io.Writer
	// Now is the clock of security decisions (SigV4 clock skew, temporary
	// credential expiry, aws:CurrentTime); default time.Now. For tests.
	Now func() time.Time
	// Getenv reads the environment (root credentials); default os.Getenv.
	// For tests.
	Getenv func(string) string
}

// App is a running gatehouse.
type App struct {
	opts       Options
	log        *slog.Logger
	metrics    *telemetry.Metrics
	cur        atomic.Pointer[generation]
	reload     sync.Mutex
	ready      atomic.Bool
	jwt        *jwtState
	store      store.Store
	idp        *idpState
	idpLn      net.Listener
	closeStore sync.Once
	iam        *iamState
	// bg is cancelled at shutdown; background loops run under it.
	bg     context.Context
	stopBg context.CancelFunc

	// Bound addresses, known after Start.
	GatewayAddr, IdpAddr, AdminAddr string

	servers   []server
	listeners []net.Listener
	serveErr  chan error
	stopWatch context.CancelFunc
	watchDone chan struct{}
}

// New loads the configuration and builds the first generation.
func New(ctx context.Context, o Options) (*App, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.DrainTimeout == 0 {
		o.DrainTimeout = 30 * time.Second
	}
	if o.DataDir == "" {
		o.DataDir = ".gatehouse"
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	a := &App{opts: o, log: o.Logger, metrics: telemetry.NewMetrics(), serveErr: make(chan error, 4)}
	a.bg, a.stopBg = context.WithCancel(context.WithoutCancel(ctx))
	a.jwt = newJWTState(a)
	if err := a.openStore(ctx); err != nil {
		a.stopBg()
		return nil, err
	}
	a.iam = newIAMState(a)
	if a.opts.AdminToken == "" && o.AdminListen != "" {
		tok, created, err := loadOrCreateToken(filepath.Join(o.DataDir, "admin-token"))
		if err != nil {
			return nil, err
		}
		a.opts.AdminToken = tok
		if created {
			fmt.Fprintf(o.Stderr, "generated admin token (stored in %s, shown once): %s\n", filepath.Join(o.DataDir, "admin-token"), tok)
		}
	}
	fail := func(err error) (*App, error) {
		a.stopBg()
		if a.idpLn != nil {
			_ = a.idpLn.Close()
		}
		_ = a.store.Close()
		return nil, err
	}
	res, err := a.load()
	if err != nil {
		return fail(err)
	}
	if err := a.openIdp(ctx, res.Config.Settings); err != nil {
		return fail(err)
	}
	gen, err := a.buildFrom(ctx, res)
	if err != nil {
		return fail(err)
	}
	a.cur.Store(gen)
	return a, nil
}

func loadOrCreateToken(path string) (string, bool, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		tok := strings.TrimSpace(string(b))
		if tok != "" {
			return tok, false, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", false, fmt.Errorf("read admin token: %w", err)
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", false, fmt.Errorf("generate admin token: %w", err)
	}
	tok := hex.EncodeToString(raw[:])
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("write admin token: %w", err)
	}
	return tok, true, nil
}

// ServeHTTP serves the gateway listener from the current generation.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g := a.cur.Load()
	g.inflight.Add(1)
	// A reload may have swapped g out between the Load and the Add, and its
	// retire may already have seen no request in flight: serve on the
	// current generation instead. Once the count is up and g still current,
	// retire (which starts after the swap) waits for this request.
	for cur := a.cur.Load(); cur != g; cur = a.cur.Load() {
		g.inflight.Add(-1)
		g = cur
		g.inflight.Add(1)
	}
	defer g.inflight.Add(-1)
	g.gateway.ServeHTTP(w, r)
}

// Gateway returns the gateway of the current generation.
func (a *App) Gateway() *pipeline.Gateway { return a.cur.Load().gateway }

// Metrics returns the process metrics.
func (a *App) Metrics() *telemetry.Metrics { return a.metrics }

// server is what serves a listener: the gateway's own HTTP/1.1 server or
// net/http's for the idp and admin listeners.
type server interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
	Close() error
}

// Start binds the listeners and serves in the background.
func (a *App) Start(ctx context.Context) error {
	gw := &listener.Server{
		Handler:           a,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    pipeline.MaxHeaderSize,
		Log:               a.log,
	}
	addr, err := a.listen(ctx, a.opts.Listen, gw)
	if err != nil {
		return fmt.Errorf("gateway listener: %w", err)
	}
	a.GatewayAddr = addr
	if a.idpLn != nil {
		srv := &http.Server{Handler: a.idpHandler(), ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10,
			ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)}
		a.serve(a.idpLn, srv)
	}
	if a.opts.AdminListen != "" {
		srv := &http.Server{Handler: admin.Handler(admin.Options{
			Token:    a.opts.AdminToken,
			APIs:     a.listAPIs,
			Ready:    a.ready.Load,
			Gatherer: a.metrics.Registry,
			Protected: map[string]http.Handler{
				// Confirmation codes and temporary passwords (there is no mail server).
				"GET /v1/outbox": a.idp.server.Outbox().Handler(),
			},
		}), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)}
		if a.AdminAddr, err = a.listen(ctx, a.opts.AdminListen, srv); err != nil {
			return fmt.Errorf("admin listener: %w", err)
		}
	}
	if a.opts.WatchInterval > 0 && a.opts.ConfigPath != "" {
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		a.stopWatch = cancel
		a.watchDone = make(chan struct{})
		go a.watch(wctx, fileSum(a.opts.ConfigPath))
	}
	a.jwt.start(a.bg)
	// Expired auth sessions and refresh tokens are swept in the background.
	go func() { _ = a.idp.server.Run(a.bg, 0) }()
	a.ready.Store(true)
	return nil
}

func (a *App) listen(ctx context.Context, addr string, srv server) (string, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	a.serve(ln, srv)
	return ln.Addr().String(), nil
}

func (a *App) serve(ln net.Listener, srv server) {
	a.servers = append(a.servers, srv)
	a.listeners = append(a.listeners, ln)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.serveErr <- err
		}
	}()
}

// Wait blocks until ctx is done or a listener fails.
func (a *App) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-a.serveErr:
		return err
	}
}

// Shutdown stops accepting connections and drains in-flight requests within
// the drain timeout, then closes the current generation.
func (a *App) Shutdown(ctx context.Context) error {
	a.ready.Store(false)
	if a.stopWatch != nil {
		a.stopWatch()
		<-a.watchDone
	}
	ctx, cancel := context.WithTimeout(ctx, a.opts.DrainTimeout)
	defer cancel()
	var errs []error
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, s := range a.servers {
		wg.Add(1)
		go func(s server) {
			defer wg.Done()
			if err := s.Shutdown(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				_ = s.Close()
			}
		}(s)
	}
	wg.Wait()
	a.stopBg()
	if g := a.cur.Load(); g != nil {
		g.close()
	}
	a.closeStore.Do(func() {
		if err := a.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
	})
	return errors.Join(errs...)
}
