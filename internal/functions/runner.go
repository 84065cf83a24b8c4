package functions

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/google/uuid"
)

// MaxPayloadSize is Lambda's limit for a synchronous invocation's request and
// response payloads (6 MB).
const MaxPayloadSize = 6 * 1024 * 1024

// Errors returned by Invoke. Callers map them to responses with errors.Is.
var (
	// ErrUnknownFunction: no function of that name is configured.
	ErrUnknownFunction = errors.New("unknown function")
	// ErrThrottled: the function's concurrency is exhausted and the queue is
	// full or the queue wait expired (Lambda's TooManyRequestsException).
	ErrThrottled = errors.New("function concurrency limit reached")
	// ErrRequestTooLarge: the payload is over MaxPayloadSize (Lambda's
	// RequestEntityTooLargeException).
	ErrRequestTooLarge = errors.New("request payload exceeds 6291456 bytes")
	// ErrClosed: the Runner is shut down.
	ErrClosed = errors.New("function runner is shut down")
)

// Error types gatehouse itself reports in a FunctionError, as Lambda does.
const (
	ErrorTypeTimeout          = "Sandbox.Timedout"
	ErrorTypeExit             = "Runtime.ExitError"
	ErrorTypeResponseTooLarge = "Function.ResponseSizeTooLarge"
	ErrorTypeInitTimeout      = "Runtime.InitTimeout"
)

// FunctionError is an error the function (or its runtime) reported, or one
// Lambda itself reports for the invocation (timeout, crash, oversized
// response). It corresponds to an Invoke answer with X-Amz-Function-Error.
type FunctionError struct {
	ErrorType    string   `json:"errorType"`
	ErrorMessage string   `json:"errorMessage"`
	StackTrace   []string `json:"stackTrace,omitempty"`
	// Payload is the error document exactly as the runtime posted it (Node.js
	// runtimes name the stack "trace", Python ones "stackTrace"), or the
	// document gatehouse built for its own errors. It is what `gatehouse
	// invoke` prints.
	Payload []byte `json:"-"`
}

func (e *FunctionError) Error() string {
	if e.ErrorType == "" {
		return e.ErrorMessage
	}
	return e.ErrorType + ": " + e.ErrorMessage
}

// Timeout reports whether the function ran past its timeout.
func (e *FunctionError) Timeout() bool { return e.ErrorType == ErrorTypeTimeout }

// newFunctionError builds a gatehouse-generated error with its payload.
func newFunctionError(errType, msg string) *FunctionError {
	payload, _ := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{msg, errType})
	return &FunctionError{ErrorType: errType, ErrorMessage: msg, Payload: payload}
}

// parseFunctionError decodes an error document posted by a runtime. A body
// that is not a JSON object still yields an error, typed by the
// Lambda-Runtime-Function-Error-Type header or "Unhandled".
func parseFunctionError(body []byte, headerType string) *FunctionError {
	var doc struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage any    `json:"errorMessage"`
		StackTrace   []any  `json:"stackTrace"`
		Trace        []any  `json:"trace"`
	}
	fe := &FunctionError{Payload: append([]byte(nil), body...)}
	if err := json.Unmarshal(body, &doc); err != nil {
		fe.ErrorType = headerType
		if fe.ErrorType == "" {
			fe.ErrorType = "Unhandled"
		}
		fe.ErrorMessage = string(body)
		fe.Payload, _ = json.Marshal(map[string]string{"errorType": fe.ErrorType, "errorMessage": fe.ErrorMessage})
		return fe
	}
	fe.ErrorType = doc.ErrorType
	if fe.ErrorType == "" {
		fe.ErrorType = headerType
	}
	switch m := doc.ErrorMessage.(type) {
	case nil:
	case string:
		fe.ErrorMessage = m
	default:
		b, _ := json.Marshal(m)
		fe.ErrorMessage = string(b)
	}
	st := doc.StackTrace
	if st == nil {
		st = doc.Trace
	}
	for _, s := range st {
		switch v := s.(type) {
		case string:
			fe.StackTrace = append(fe.StackTrace, v)
		default:
			b, _ := json.Marshal(v)
			fe.StackTrace = append(fe.StackTrace, string(b))
		}
	}
	return fe
}

// Options configure a Runner.
type Options struct {
	// Functions to run. Their CodeDir is resolved against BaseDir.
	Functions []config.Function
	// BaseDir is the directory of the config file.
	BaseDir string
	// Region and AccountID appear in ARNs and the environment. Defaults
	// us-east-1 and 123456789012.
	Region    string
	AccountID string
	// Logger receives instance output and START/END/REPORT records.
	Logger *slog.Logger
	// LogWriter, when set, also receives every instance's output and the
	// START/END/REPORT lines as plain text lines, as Lambda writes them to
	// CloudWatch (used by `gatehouse invoke`).
	LogWriter io.Writer
	// RuntimeDir is where the embedded bootstraps are written; a temporary
	// directory (removed by Shutdown) when empty.
	RuntimeDir string
	// NodePath and PythonPath override the interpreters found on PATH
	// (`node`; `python3.X` for runtime python3.X, else `python3`).
	NodePath   string
	PythonPath string
	// MaxQueue bounds the invocations of one function waiting for a free
	// instance slot; beyond it Invoke fails with ErrThrottled at once.
	// Default 100.
	MaxQueue int
	// QueueTimeout bounds how long an invocation waits for a slot before it
	// fails with ErrThrottled. Default 10s.
	QueueTimeout time.Duration
	// InitTimeout bounds a cold start (process start to the first request
	// for an invocation). Default 10s, as Lambda's init phase.
	InitTimeout time.Duration
	// Now is the clock used for idle accounting and REPORT durations.
	// Default time.Now.
	Now func() time.Time
	// PATH given to function processes. Default: gatehouse's own PATH.
	PATH string
}

// Runner runs function instances and invokes them.
type Runner struct {
	opts       Options
	log        *slog.Logger
	now        func() time.Time
	runtimeDir string
	ownDir     bool
	node       string
	python     map[string]string // runtime name -> interpreter
	funcs      map[string]*function
	logMu      sync.Mutex

	closing   chan struct{}
	closeOnce sync.Once

	// Invocations in progress, for Drain.
	activeMu sync.Mutex
	draining bool
	active   int
	drained  chan struct{}
	wg       sync.WaitGroup
}

// New validates the functions against the file system (code directories,
// handler files, interpreters), writes the bootstraps and starts the idle
// reaper. It does not start any instance; see Prewarm. ctx bounds the
// interpreter checks.
func New(ctx context.Context, opts Options) (*Runner, error) {
	r := &Runner{
		opts:    opts,
		log:     opts.Logger,
		now:     opts.Now,
		funcs:   map[string]*function{},
		python:  map[string]string{},
		closing: make(chan struct{}),
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.opts.Region == "" {
		r.opts.Region = "us-east-1"
	}
	if r.opts.AccountID == "" {
		r.opts.AccountID = "123456789012"
	}
	if r.opts.MaxQueue <= 0 {
		r.opts.MaxQueue = 100
	}
	if r.opts.QueueTimeout <= 0 {
		r.opts.QueueTimeout = 10 * time.Second
	}
	if r.opts.InitTimeout <= 0 {
		r.opts.InitTimeout = 10 * time.Second
	}
	if r.opts.PATH == "" {
		r.opts.PATH = os.Getenv("PATH")
	}
	var problems []string
	for i := range opts.Functions {
		fc := opts.Functions[i]
		if _, dup := r.funcs[fc.Name]; dup {
			problems = append(problems, fmt.Sprintf("function %s: defined twice", fc.Name))
			continue
		}
		f, err := r.newFunction(ctx, fc)
		if err != nil {
			problems = append(problems, fmt.Sprintf("function %s: %v", fc.Name, err))
			continue
		}
		r.funcs[fc.Name] = f
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	if err := r.writeBootstraps(); err != nil {
		return nil, err
	}
	r.wg.Add(1)
	go r.reaper()
	return r, nil
}

func (r *Runner) newFunction(ctx context.Context, fc config.Function) (*function, error) {
	rt := fc.RuntimeFamily()
	if rt == "" {
		return nil, fmt.Errorf("unsupported runtime %q", fc.Runtime)
	}
	if msg := config.ValidateHandler(rt, fc.Handler); msg != "" {
		return nil, errors.New(msg)
	}
	dir, err := filepath.Abs(fc.ResolveCodeDir(r.opts.BaseDir))
	if err != nil {
		return nil, fmt.Errorf("code directory: %w", err)
	}
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("code directory: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("code directory %s is not a directory", dir)
	}
	f := &function{
		r:       r,
		cfg:     fc,
		rt:      rt,
		codeDir: dir,
		timeout: fc.EffectiveTimeout(),
		memory:  fc.EffectiveMemorySize(),
		maxConc: fc.EffectiveMaxConcurrency(),
		idleTTL: fc.EffectiveIdleTimeout(),
		arn:     fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", r.opts.Region, r.opts.AccountID, fc.Name),
		all:     map[*instance]struct{}{},
	}
	f.slots = make(chan struct{}, f.maxConc)
	switch rt {
	case config.RuntimeNodeJS:
		if _, err := resolveNodeModule(dir, fc.Handler); err != nil {
			return nil, err
		}
		if r.node == "" {
			r.node = r.opts.NodePath
			if r.node == "" {
				if r.node, err = exec.LookPath("node"); err != nil {
					return nil, fmt.Errorf("nodejs runtime: %w", err)
				}
				r.node = realInterpreter(ctx, r.node, dir, "-e", "process.stdout.write(process.execPath)")
			}
		}
		f.execEnv = "AWS_Lambda_nodejs" + strings.TrimPrefix(fc.Runtime, "nodejs")
		if fc.Runtime == "nodejs" {
			f.execEnv = "AWS_Lambda_nodejs"
		}
	case config.RuntimePython:
		if err := checkPythonModule(dir, fc.Handler); err != nil {
			return nil, err
		}
		if _, ok := r.python[fc.Runtime]; !ok {
			p := r.opts.PythonPath
			if p == "" {
				cands := []string{"python3"}
				if fc.Runtime != "python" && fc.Runtime != "python3" {
					cands = []string{fc.Runtime, "python3"}
				}
				for _, c := range cands {
					if p, err = exec.LookPath(c); err == nil {
						break
					}
				}
				if p == "" {
					return nil, fmt.Errorf("python runtime: no interpreter (%s) on PATH", strings.Join(cands, ", "))
				}
				p = realInterpreter(ctx, p, dir, "-c", "import sys; print(sys.executable)")
			}
			r.python[fc.Runtime] = p
		}
		f.execEnv = "AWS_Lambda_" + fc.Runtime
	case config.RuntimeProvided:
		exe, err := providedExecutable(dir, fc.Handler)
		if err != nil {
			return nil, err
		}
		f.exe = exe
		f.execEnv = ""
	}
	return f, nil
}

// realInterpreter asks an interpreter for its own path (running it with
// args), so that version-manager shims (pyenv, asdf, volta), which can cost
// ~100 ms per start, are resolved once. On any failure p is kept.
func realInterpreter(ctx context.Context, p, dir string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return p
	}
	real := strings.TrimSpace(string(out))
	if st, err := os.Stat(real); err != nil || st.IsDir() || st.Mode().Perm()&0o111 == 0 {
		return p
	}
	return real
}

// resolveNodeModule finds the file a Node.js handler "dir/file.export" loads.
func resolveNodeModule(codeDir, handler string) (string, error) {
	slash := strings.LastIndex(handler, "/")
	base := handler[slash+1:]
	dot := strings.Index(base, ".")
	mod := filepath.Join(codeDir, filepath.FromSlash(handler[:slash+1]+base[:dot]))
	for _, ext := range []string{".js", ".mjs", ".cjs"} {
		if st, err := os.Stat(mod + ext); err == nil && st.Mode().IsRegular() {
			return mod + ext, nil
		}
	}
	return "", fmt.Errorf("handler %q: no file %s.js, .mjs or .cjs", handler, mod)
}

// checkPythonModule checks that the module of a Python handler exists in the
// code directory (as MODULE.py, MODULE/__init__.py or an extension module).
func checkPythonModule(codeDir, handler string) error {
	mod := handler[:strings.LastIndex(handler, ".")]
	p := filepath.Join(codeDir, filepath.FromSlash(strings.ReplaceAll(mod, ".", "/")))
	for _, c := range []string{p + ".py", filepath.Join(p, "__init__.py"), p + ".pyc"} {
		if _, err := os.Stat(c); err == nil {
			return nil
		}
	}
	if m, _ := filepath.Glob(p + ".*.so"); len(m) > 0 {
		return nil
	}
	return fmt.Errorf("handler %q: no module %s.py or %s/__init__.py", handler, p, p)
}

// providedExecutable is the code directory's bootstrap, or the handler as a
// path inside the code directory.
func providedExecutable(codeDir, handler string) (string, error) {
	cands := []string{filepath.Join(codeDir, "bootstrap")}
	if handler != "" {
		cands = append([]string{filepath.Join(codeDir, filepath.FromSlash(handler))}, cands...)
	}
	for _, c := range cands {
		st, err := os.Stat(c)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		if st.Mode().Perm()&0o111 == 0 {
			return "", fmt.Errorf("%s is not executable", c)
		}
		return c, nil
	}
	return "", fmt.Errorf("no executable %s", strings.Join(cands, " or "))
}

// Functions lists the configured function names, sorted.
func (r *Runner) Functions() []string {
	names := make([]string, 0, len(r.funcs))
	for n := range r.funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// InvokeOptions carry the optional invocation headers.
type InvokeOptions struct {
	// TraceID is sent as Lambda-Runtime-Trace-Id; generated when empty.
	TraceID string
	// ClientContext and CognitoIdentity are sent as
	// Lambda-Runtime-Client-Context / Lambda-Runtime-Cognito-Identity when set
	// (JSON documents).
	ClientContext   string
	CognitoIdentity string
}

// Invoke runs the function called name with payload (a JSON document) and
// returns its result, or the error it reported as a *FunctionError, or an
// error when it could not be invoked (ErrUnknownFunction, ErrThrottled,
// ErrRequestTooLarge, ErrClosed, ctx.Err()). When ctx ends first, Invoke
// returns ctx.Err() at once; the invocation keeps its instance until it
// finishes or times out, as in Lambda.
func (r *Runner) Invoke(ctx context.Context, name string, payload []byte) ([]byte, *FunctionError, error) {
	return r.InvokeWithOptions(ctx, name, payload, InvokeOptions{})
}

// InvokeWithOptions is Invoke with invocation headers.
func (r *Runner) InvokeWithOptions(ctx context.Context, name string, payload []byte, o InvokeOptions) ([]byte, *FunctionError, error) {
	f, ok := r.funcs[name]
	if !ok {
		return nil, nil, fmt.Errorf("invoke %s: %w", name, ErrUnknownFunction)
	}
	if len(payload) > MaxPayloadSize {
		return nil, nil, fmt.Errorf("invoke %s: %w", name, ErrRequestTooLarge)
	}
	select {
	case <-r.closing:
		return nil, nil, fmt.Errorf("invoke %s: %w", name, ErrClosed)
	default:
	}
	if !r.begin() {
		return nil, nil, fmt.Errorf("invoke %s: %w", name, ErrClosed)
	}
	if o.TraceID == "" {
		o.TraceID = newTraceID(r.now())
	}
	return f.invoke(ctx, payload, o)
}

// begin counts an invocation in; false once the Runner is draining.
func (r *Runner) begin() bool {
	r.activeMu.Lock()
	defer r.activeMu.Unlock()
	if r.draining {
		return false
	}
	r.active++
	return true
}

// end counts an invocation out once its instance is released.
func (r *Runner) end() {
	r.activeMu.Lock()
	defer r.activeMu.Unlock()
	r.active--
	if r.active == 0 && r.drained != nil {
		close(r.drained)
		r.drained = nil
	}
}

// Drain stops accepting invocations (they fail with ErrClosed), waits until
// the ones in progress have finished (or ctx ends), then shuts down. Used
// when a reloaded configuration replaces this Runner.
func (r *Runner) Drain(ctx context.Context) error {
	r.activeMu.Lock()
	r.draining = true
	var wait chan struct{}
	if r.active > 0 {
		if r.drained == nil {
			r.drained = make(chan struct{})
		}
		wait = r.drained
	}
	r.activeMu.Unlock()
	var err error
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			err = fmt.Errorf("drain functions: %w", ctx.Err())
		}
	}
	return errors.Join(err, r.Shutdown(context.WithoutCancel(ctx)))
}

// Prewarm starts one instance of each function (or of the named ones) and
// returns the init errors, so that a missing export or a syntax error is
// reported at startup rather than on the first request. Started instances
// stay warm.
func (r *Runner) Prewarm(ctx context.Context, names ...string) error {
	if len(names) == 0 {
		names = r.Functions()
	}
	var errs []error
	for _, n := range names {
		f, ok := r.funcs[n]
		if !ok {
			errs = append(errs, fmt.Errorf("prewarm %s: %w", n, ErrUnknownFunction))
			continue
		}
		inst, ferr, err := f.acquire(ctx)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("prewarm %s: %w", n, err))
		case ferr != nil:
			errs = append(errs, fmt.Errorf("function %s failed to initialise: %w", n, ferr))
		default:
			f.release(inst, true)
		}
	}
	return errors.Join(errs...)
}

// Shutdown stops every instance and the reaper, and removes the runtime
// directory it created. In-flight invocations fail with ErrClosed.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.closeOnce.Do(func() { close(r.closing) })
	var insts []*instance
	for _, f := range r.funcs {
		f.mu.Lock()
		f.closed = true
		for inst := range f.all {
			insts = append(insts, inst)
		}
		f.idle = nil
		f.all = map[*instance]struct{}{}
		f.mu.Unlock()
	}
	for _, inst := range insts {
		inst.kill()
	}
	done := make(chan struct{})
	go func() {
		for _, inst := range insts {
			<-inst.exited
		}
		r.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("shutdown functions: %w", ctx.Err())
	}
	if r.ownDir {
		if rmErr := os.RemoveAll(r.runtimeDir); rmErr != nil && err == nil {
			err = fmt.Errorf("remove runtime dir: %w", rmErr)
		}
	}
	return err
}

// reaper stops idle instances past their function's idle timeout.
func (r *Runner) reaper() {
	defer r.wg.Done()
	interval := time.Second
	for _, f := range r.funcs {
		if d := f.idleTTL / 2; d < interval {
			interval = max(d, 50*time.Millisecond)
		}
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-r.closing:
			return
		case <-t.C:
			r.reapIdle()
		}
	}
}

// reapIdle stops the idle instances not used for their function's idle
// timeout, and returns how many it stopped.
func (r *Runner) reapIdle() int {
	now := r.now()
	n := 0
	for _, f := range r.funcs {
		var stop []*instance
		f.mu.Lock()
		keep := f.idle[:0]
		for _, inst := range f.idle {
			if now.Sub(inst.lastUsed) >= f.idleTTL {
				stop = append(stop, inst)
				delete(f.all, inst)
			} else {
				keep = append(keep, inst)
			}
		}
		f.idle = keep
		f.mu.Unlock()
		for _, inst := range stop {
			r.log.Debug("stopping idle function instance", "function", f.cfg.Name, "instance", inst.id)
			inst.kill()
		}
		n += len(stop)
	}
	return n
}

// Stats is a snapshot of a function's pool.
type Stats struct {
	Instances int
	Idle      int
	Busy      int
	Waiting   int
}

// Stats returns the pool state of the function called name.
func (r *Runner) Stats(name string) (Stats, bool) {
	f, ok := r.funcs[name]
	if !ok {
		return Stats{}, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return Stats{Instances: len(f.all), Idle: len(f.idle), Busy: len(f.slots), Waiting: int(f.waiting.Load())}, true
}

// logLine writes a plain-text line to LogWriter (if any).
func (r *Runner) logLine(line string) {
	if r.opts.LogWriter == nil {
		return
	}
	r.logMu.Lock()
	defer r.logMu.Unlock()
	_, _ = io.WriteString(r.opts.LogWriter, line+"\n")
}

// newTraceID returns an X-Ray style trace header value.
func newTraceID(now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	var p [8]byte
	_, _ = rand.Read(p[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", now.Unix(), hex.EncodeToString(b[:]), hex.EncodeToString(p[:]))
}

func newRequestID() string { return uuid.NewString() }
