package functions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// function is the pool of one configured function.
type function struct {
	r       *Runner
	cfg     config.Function
	rt      config.RuntimeFamily
	codeDir string
	exe     string // provided runtimes
	execEnv string
	arn     string
	timeout time.Duration
	memory  int
	maxConc int
	idleTTL time.Duration

	// slots holds one token per running invocation (or cold start).
	slots   chan struct{}
	waiting atomic.Int32

	mu     sync.Mutex
	idle   []*instance // LIFO: the most recently used instance is reused first
	all    map[*instance]struct{}
	closed bool
}

// acquire takes a concurrency slot and an initialised instance: an idle one,
// or a new one. On a failed cold start it returns the init error as a
// FunctionError. The caller must release the instance.
func (f *function) acquire(ctx context.Context) (*instance, *FunctionError, error) {
	select {
	case f.slots <- struct{}{}:
	default:
		if int(f.waiting.Add(1)) > f.r.opts.MaxQueue {
			f.waiting.Add(-1)
			return nil, nil, ErrThrottled
		}
		t := time.NewTimer(f.r.opts.QueueTimeout)
		select {
		case f.slots <- struct{}{}:
			f.waiting.Add(-1)
			t.Stop()
		case <-t.C:
			f.waiting.Add(-1)
			return nil, nil, ErrThrottled
		case <-ctx.Done():
			f.waiting.Add(-1)
			t.Stop()
			return nil, nil, ctx.Err()
		case <-f.r.closing:
			f.waiting.Add(-1)
			t.Stop()
			return nil, nil, ErrClosed
		}
	}
	for {
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			<-f.slots
			return nil, nil, ErrClosed
		}
		var inst *instance
		if n := len(f.idle); n > 0 {
			inst = f.idle[n-1]
			f.idle = f.idle[:n-1]
		}
		f.mu.Unlock()
		if inst == nil {
			break
		}
		if inst.alive() {
			return inst, nil, nil
		}
		f.forget(inst)
	}
	inst, ferr, err := f.start(ctx)
	if err != nil || ferr != nil {
		<-f.slots
		return nil, ferr, err
	}
	return inst, nil, nil
}

// release returns inst to the idle list (healthy) or stops it, and frees the
// slot.
func (f *function) release(inst *instance, healthy bool) {
	f.mu.Lock()
	if healthy && !f.closed && inst.alive() {
		inst.lastUsed = f.r.now()
		f.idle = append(f.idle, inst)
		f.mu.Unlock()
	} else {
		delete(f.all, inst)
		f.mu.Unlock()
		inst.kill()
	}
	<-f.slots
}

// dropIdle removes an instance whose process ended from the idle list and
// the pool (a busy instance is handled by its invocation).
func (f *function) dropIdle(inst *instance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, in := range f.idle {
		if in == inst {
			f.idle = append(f.idle[:i], f.idle[i+1:]...)
			delete(f.all, inst)
			return
		}
	}
}

// forget drops a dead instance from the pool.
func (f *function) forget(inst *instance) {
	f.mu.Lock()
	delete(f.all, inst)
	f.mu.Unlock()
	inst.kill()
}

// start launches a new instance and waits until its runtime asks for the
// first invocation (init done), reports an init error, exits, or the init
// timeout or ctx ends.
func (f *function) start(ctx context.Context) (*instance, *FunctionError, error) {
	inst, err := f.launch()
	if err != nil {
		return nil, nil, fmt.Errorf("start %s instance: %w", f.cfg.Name, err)
	}
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		inst.kill()
		return nil, nil, ErrClosed
	}
	f.all[inst] = struct{}{}
	f.mu.Unlock()

	t := time.NewTimer(f.r.opts.InitTimeout)
	defer t.Stop()
	select {
	case <-inst.ready:
		return inst, nil, nil
	case <-inst.initFailed:
		f.forget(inst)
		<-inst.exited
		return nil, inst.initErr, nil
	case <-inst.exited:
		f.forget(inst)
		select {
		case <-inst.initFailed:
			return nil, inst.initErr, nil
		default:
		}
		return nil, newFunctionError(ErrorTypeExit, "Runtime exited with error: "+inst.exitStatus()), nil
	case <-t.C:
		f.forget(inst)
		return nil, newFunctionError(ErrorTypeInitTimeout, fmt.Sprintf("Init did not complete within %.2f seconds", f.r.opts.InitTimeout.Seconds())), nil
	case <-ctx.Done():
		f.forget(inst)
		return nil, nil, ctx.Err()
	case <-f.r.closing:
		f.forget(inst)
		return nil, nil, ErrClosed
	}
}

// invoke runs one invocation on an instance of f.
// The Runner's begin was called for it; invoke calls end exactly once, when
// the instance is released (possibly after returning, see ctx below).
func (f *function) invoke(ctx context.Context, payload []byte, o InvokeOptions) ([]byte, *FunctionError, error) {
	if err := ctx.Err(); err != nil {
		f.r.end()
		return nil, nil, fmt.Errorf("invoke %s: %w", f.cfg.Name, err)
	}
	inst, ferr, err := f.acquire(ctx)
	if err != nil {
		f.r.end()
		return nil, nil, fmt.Errorf("invoke %s: %w", f.cfg.Name, err)
	}
	if ferr != nil {
		f.r.end()
		return nil, ferr, nil
	}
	inv := &invocation{
		id:       newRequestID(),
		payload:  payload,
		opts:     o,
		deadline: time.Now().Add(f.timeout),
		done:     make(chan struct{}),
	}
	cold := inst.takeColdStart()
	if f.r.verbose() {
		f.r.emit(f, inv.id, "START RequestId: "+inv.id+" Version: $LATEST")
	}
	start := time.Now()
	inst.deliver(inv)

	type outcome struct {
		res []byte
		fe  *FunctionError
		err error
	}
	out := make(chan outcome, 1)
	f.r.wg.Add(1)
	go func() {
		defer f.r.wg.Done()
		res, fe, err := f.wait(inst, inv)
		f.report(inst, inv, time.Since(start), cold, fe)
		f.release(inst, err == nil)
		f.r.end()
		if errors.Is(err, errInstanceLost) {
			err = nil
		}
		out <- outcome{res, fe, err}
	}()
	select {
	case o := <-out:
		if o.err != nil {
			return nil, nil, fmt.Errorf("invoke %s: %w", f.cfg.Name, o.err)
		}
		return o.res, o.fe, nil
	case <-ctx.Done():
		// Lambda lets the invocation run to completion (or its timeout); the
		// instance stays busy until then.
		return nil, nil, fmt.Errorf("invoke %s: %w", f.cfg.Name, ctx.Err())
	}
}

// wait blocks until the invocation completed, the instance died, the
// deadline passed or the Runner is closing, and turns the outcome into a
// result; ErrClosed when the Runner shut down first. The instance may be
// reused only after a posted result.
func (f *function) wait(inst *instance, inv *invocation) ([]byte, *FunctionError, error) {
	t := time.NewTimer(max(time.Until(inv.deadline), 0))
	defer t.Stop()
	select {
	case <-inv.done:
	case <-inst.exited:
	case <-t.C:
	case <-f.r.closing:
	}
	if inv.complete(nil, nil) {
		// Nothing was posted: timeout, crash or shutdown. Find out which.
		select {
		case <-f.r.closing:
			inst.kill()
			return nil, nil, ErrClosed
		default:
		}
		select {
		case <-inst.exited:
			fe := newFunctionError(ErrorTypeExit, fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", inv.id, inst.exitStatus()))
			f.r.emit(f, inv.id, fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", inv.id, inst.exitStatus()))
			return nil, fe, errInstanceLost
		default:
		}
		inst.kill()
		msg := fmt.Sprintf("Task timed out after %.2f seconds", f.timeout.Seconds())
		f.r.emit(f, inv.id, fmt.Sprintf("%s %s %s", f.r.now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.id, msg))
		return nil, newFunctionError(ErrorTypeTimeout, fmt.Sprintf("RequestId: %s Error: %s", inv.id, msg)), errInstanceLost
	}
	return inv.result, inv.ferr, nil
}

// report writes the END and REPORT lines of an invocation.
func (f *function) report(inst *instance, inv *invocation, d time.Duration, cold bool, fe *FunctionError) {
	if !f.r.verbose() {
		return
	}
	ms := float64(d.Microseconds()) / 1000
	billed := int64(math.Ceil(ms))
	if billed < 1 {
		billed = 1
	}
	maxMem := inst.maxMemoryMB()
	inst.drainOutput()
	f.r.emit(f, inv.id, fmt.Sprintf("END RequestId: %s", inv.id))
	line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		inv.id, ms, billed, f.memory, maxMem)
	attrs := []any{"function", f.cfg.Name, "request_id", inv.id, "duration_ms", ms, "billed_duration_ms", billed,
		"memory_size_mb", f.memory, "max_memory_used_mb", maxMem}
	if cold {
		initMS := float64(inst.initDuration.Microseconds()) / 1000
		line += fmt.Sprintf("\tInit Duration: %.2f ms", initMS)
		attrs = append(attrs, "init_duration_ms", initMS)
	}
	if fe != nil && (fe.ErrorType == ErrorTypeTimeout || fe.ErrorType == ErrorTypeExit) {
		status := "timeout"
		if fe.ErrorType == ErrorTypeExit {
			status = "error\tError Type: Runtime.ExitError"
		}
		line += "\tStatus: " + status
		attrs = append(attrs, "status", status)
	}
	f.r.logLine(line)
	f.r.log.Info("REPORT", attrs...)
}

// verbose reports whether runtime lines are wanted by anyone.
func (r *Runner) verbose() bool {
	return r.opts.LogWriter != nil || r.log.Enabled(context.Background(), slog.LevelInfo)
}

// emit logs a runtime line (START, END, timeout notices) for the function.
func (r *Runner) emit(f *function, reqID, line string) {
	if !r.verbose() {
		return
	}
	r.logLine(line)
	r.log.Info(line, "function", f.cfg.Name, "request_id", reqID)
}

// errInstanceLost marks an invocation whose instance cannot be reused
// (timeout, crash); the caller still gets the FunctionError.
var errInstanceLost = errors.New("instance lost")

// invocation is one event on its way through an instance.
type invocation struct {
	id       string
	payload  []byte
	opts     InvokeOptions
	deadline time.Time

	once   sync.Once
	done   chan struct{}
	result []byte
	ferr   *FunctionError
}

// complete records the outcome once; it reports whether this call did.
func (inv *invocation) complete(result []byte, fe *FunctionError) bool {
	did := false
	inv.once.Do(func() {
		inv.result, inv.ferr = result, fe
		did = true
		close(inv.done)
	})
	return did
}
