package functions

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// maxLogLine bounds one logged line of function output; longer lines are
// split.
const maxLogLine = 64 * 1024

// instance is one process of a function with its Runtime API server.
type instance struct {
	f   *function
	id  string
	cmd *exec.Cmd
	ln  net.Listener
	srv *http.Server

	next chan *invocation

	startedAt    time.Time
	readyOnce    sync.Once
	ready        chan struct{}
	initDuration time.Duration
	cold         atomic.Bool

	initOnce   sync.Once
	initFailed chan struct{}
	initErr    *FunctionError

	mu  sync.Mutex
	cur *invocation

	reqID atomic.Pointer[string]

	exited   chan struct{}
	waitErr  error
	lastUsed time.Time // guarded by f.mu
	killOnce sync.Once
	rusageKB int64

	outputs []*outputPipe

	memMu   sync.Mutex
	memKB   int64
	memRead time.Time
}

// outputPipe is the read end of an instance's stdout or stderr, with enough
// state to tell when everything written so far has been logged.
type outputPipe struct {
	f       *os.File
	reading atomic.Bool // blocked in Read with nothing buffered by us
}

func (p *outputPipe) Read(b []byte) (int, error) {
	p.reading.Store(true)
	n, err := p.f.Read(b)
	p.reading.Store(false)
	return n, err
}

// pending reports whether bytes wait in the pipe or are being processed.
func (p *outputPipe) pending() bool {
	if !p.reading.Load() {
		return true
	}
	rc, err := p.f.SyscallConn()
	if err != nil {
		return false
	}
	n := 0
	_ = rc.Control(func(fd uintptr) {
		n = pipeQueued(fd)
	})
	return n > 0
}

// drainOutput waits (briefly) until the output the process wrote so far has
// been logged, so that an invocation's lines precede its END line.
func (inst *instance) drainOutput() {
	deadline := time.Now().Add(50 * time.Millisecond)
	for _, p := range inst.outputs {
		for p.pending() && inst.alive() && time.Now().Before(deadline) {
			time.Sleep(50 * time.Microsecond)
		}
	}
}

// launch starts the process of a new instance and its Runtime API listener.
func (f *function) launch() (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime api listener: %w", err)
	}
	inst := &instance{
		f:          f,
		id:         newRequestID()[:8],
		ln:         ln,
		next:       make(chan *invocation, 1),
		ready:      make(chan struct{}),
		initFailed: make(chan struct{}),
		exited:     make(chan struct{}),
	}
	inst.cold.Store(true)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", inst.handleNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", inst.handleResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", inst.handleError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", inst.handleInitError)
	inst.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10}

	name, args := f.command()
	cmd := exec.Command(name, args...)
	cmd.Dir = f.codeDir
	cmd.Env = f.environ(ln.Addr().String())
	cmd.SysProcAttr = ownGroup()
	outR, outW, err := os.Pipe()
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		ln.Close()
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("stderr pipe: %w", err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	inst.cmd = cmd
	inst.startedAt = time.Now()
	if err := cmd.Start(); err != nil {
		ln.Close()
		outR.Close()
		outW.Close()
		errR.Close()
		errW.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	outW.Close()
	errW.Close()
	r := f.r
	r.wg.Add(4)
	go func() {
		defer r.wg.Done()
		_ = inst.srv.Serve(ln)
	}()
	outP, errP := &outputPipe{f: outR}, &outputPipe{f: errR}
	inst.outputs = []*outputPipe{outP, errP}
	go func() {
		defer r.wg.Done()
		defer outR.Close()
		inst.pipeLines(outP, "stdout")
	}()
	go func() {
		defer r.wg.Done()
		defer errR.Close()
		inst.pipeLines(errP, "stderr")
	}()
	go func() {
		defer r.wg.Done()
		inst.waitErr = cmd.Wait()
		if kb := maxRSSKB(cmd.ProcessState); kb > 0 {
			atomic.StoreInt64(&inst.rusageKB, kb)
		}
		// Take down anything the process left behind in its group.
		killGroup(cmd.Process)
		close(inst.exited)
		_ = inst.srv.Close()
		f.dropIdle(inst)
	}()
	r.log.Debug("started function instance", "function", f.cfg.Name, "instance", inst.id, "pid", cmd.Process.Pid)
	return inst, nil
}

// command is the program and arguments of an instance.
func (f *function) command() (string, []string) {
	switch f.rt {
	case config.RuntimeNodeJS:
		return f.r.node, []string{filepath.Join(f.r.runtimeDir, "nodejs", "bootstrap.cjs")}
	case config.RuntimePython:
		return f.r.python[f.cfg.Runtime], []string{"-u", "-B", filepath.Join(f.r.runtimeDir, "python", "bootstrap.py")}
	default:
		return f.exe, nil
	}
}

// environ is the environment of an instance: Lambda's variables plus the
// function's own, and nothing inherited from gatehouse except PATH.
func (f *function) environ(api string) []string {
	r := f.r
	now := r.now().UTC()
	var stream [16]byte
	copy(stream[:], strings.ReplaceAll(newRequestID(), "-", ""))
	env := map[string]string{
		"PATH":                            r.opts.PATH,
		"LANG":                            "en_US.UTF-8",
		"TZ":                              ":UTC",
		"AWS_LAMBDA_RUNTIME_API":          api,
		"_HANDLER":                        f.cfg.Handler,
		"LAMBDA_TASK_ROOT":                f.codeDir,
		"LAMBDA_RUNTIME_DIR":              r.runtimeDir,
		"AWS_LAMBDA_FUNCTION_NAME":        f.cfg.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.memory),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.cfg.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      now.Format("2006/01/02") + "/[$LATEST]" + string(stream[:]),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      r.opts.Region,
		"AWS_DEFAULT_REGION":              r.opts.Region,
	}
	if f.execEnv != "" {
		env["AWS_EXECUTION_ENV"] = f.execEnv
	}
	for k, v := range f.cfg.Environment {
		if _, reserved := env[k]; reserved && k != "PATH" && k != "LANG" && k != "TZ" {
			continue
		}
		if strings.HasPrefix(k, "GATEHOUSE_") {
			continue
		}
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// pipeLines logs every line the instance writes to one of its streams.
func (inst *instance) pipeLines(rd io.Reader, stream string) {
	br := bufio.NewReaderSize(rd, maxLogLine)
	f := inst.f
	for {
		line, isPrefix, err := br.ReadLine()
		if len(line) > 0 || (err == nil && !isPrefix) {
			text := string(bytes.TrimRight(line, "\r"))
			reqID := ""
			if p := inst.reqID.Load(); p != nil {
				reqID = *p
			}
			f.r.logLine(text)
			f.r.log.Info("function output", "function", f.cfg.Name, "request_id", reqID, "instance", inst.id, "stream", stream, "text", text)
		}
		if err != nil {
			return
		}
	}
}

// alive reports whether the process is still running.
func (inst *instance) alive() bool {
	select {
	case <-inst.exited:
		return false
	default:
		return true
	}
}

// kill stops the instance's whole process group. Once the process has been
// reaped its group was already killed (and its id may be reused), so kill
// does nothing then.
func (inst *instance) kill() {
	if !inst.alive() {
		return
	}
	inst.killOnce.Do(func() {
		if inst.cmd != nil && inst.cmd.Process != nil {
			killGroup(inst.cmd.Process)
		}
	})
}

// exitStatus describes how the process ended.
func (inst *instance) exitStatus() string {
	select {
	case <-inst.exited:
	default:
		return "running"
	}
	if inst.waitErr == nil {
		return "exit status 0"
	}
	var ee *exec.ExitError
	if errors.As(inst.waitErr, &ee) {
		return ee.Error()
	}
	return inst.waitErr.Error()
}

// takeColdStart reports (once) that this is the instance's first invocation.
func (inst *instance) takeColdStart() bool { return inst.cold.Swap(false) }

// deliver queues inv for the instance's next /invocation/next.
func (inst *instance) deliver(inv *invocation) {
	inst.reqID.Store(&inv.id)
	inst.next <- inv
}

// memoryRefresh bounds how often /proc is read for the peak memory figure;
// generating /proc/<pid>/status costs more than a warm invocation.
const memoryRefresh = 250 * time.Millisecond

// maxMemoryMB is the peak resident set of the instance's process, from
// /proc (VmHWM, re-read at most every memoryRefresh) while it runs or rusage
// after it exited.
func (inst *instance) maxMemoryMB() int64 {
	if kb := atomic.LoadInt64(&inst.rusageKB); kb > 0 {
		return (kb + 1023) / 1024
	}
	if inst.cmd == nil || inst.cmd.Process == nil {
		return 0
	}
	inst.memMu.Lock()
	defer inst.memMu.Unlock()
	if inst.memKB > 0 && time.Since(inst.memRead) < memoryRefresh {
		return (inst.memKB + 1023) / 1024
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", inst.cmd.Process.Pid))
	if err != nil {
		return (inst.memKB + 1023) / 1024
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			inst.memKB, inst.memRead = kb, time.Now()
			break
		}
	}
	return (inst.memKB + 1023) / 1024
}
