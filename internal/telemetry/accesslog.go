package telemetry

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/ctxtmpl"
)

// DefaultAccessLogFormat is gatehouse's default access-log line: JSON with
// API Gateway's $context names.
const DefaultAccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength","integrationLatency":"$context.integrationLatency","responseLatency":"$context.responseLatency","apiId":"$context.apiId","stage":"$context.stage","errorMessage":"$context.error.message"}`

// AccessLog renders access-log lines for one API stage to a shared sink.
// Only $context.* variables are available, so request headers (Authorization,
// Cookie) and bodies can never reach the log.
type AccessLog struct {
	tmpl ctxtmpl.Template
	sink *Sink
	json bool
}

// NewAccessLog compiles format (DefaultAccessLogFormat when empty).
func NewAccessLog(format string, sink *Sink) (*AccessLog, error) {
	if format == "" {
		format = DefaultAccessLogFormat
	}
	t, err := ctxtmpl.ParseTemplate(format)
	if err != nil {
		return nil, fmt.Errorf("access log format: %w", err)
	}
	for _, ref := range t.Refs() {
		if len(ref) < 8 || ref[:8] != "context." {
			return nil, fmt.Errorf("access log format: only $context variables are allowed, not $%s", ref)
		}
	}
	return &AccessLog{tmpl: t, sink: sink, json: len(format) > 0 && format[0] == '{'}, nil
}

// contextOnly hides everything but $context from a template.
type contextOnly struct {
	v    ctxtmpl.Vars
	json bool
}

func (c contextOnly) Lookup(name string) (string, bool) {
	if len(name) < 8 || name[:8] != "context." {
		return "", false
	}
	v, ok := c.v.Lookup(name)
	if !ok || v == "" {
		// As in API Gateway's access logs, a value that is absent or empty
		// is logged as "-".
		return "-", true
	}
	if c.json {
		v = jsonEscape(v)
	}
	return v, true
}

// Log writes one line for a finished request.
func (a *AccessLog) Log(vars ctxtmpl.Vars) {
	if a == nil {
		return
	}
	buf := a.sink.pool.Get().(*[]byte)
	b := a.tmpl.AppendRender((*buf)[:0], contextOnly{v: vars, json: a.json})
	b = append(b, '\n')
	a.sink.write(b)
	*buf = b
	a.sink.pool.Put(buf)
}

func jsonEscape(s string) string {
	need := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c < 0x20:
			out = append(out, fmt.Sprintf(`\u%04x`, c)...)
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// Sink is a buffered, mutex-serialised line writer flushed periodically.
type Sink struct {
	mu     sync.Mutex
	w      *bufio.Writer
	closer io.Closer
	pool   sync.Pool
	stop   chan struct{}
	done   chan struct{}
}

// OpenSink opens a destination: "stdout", "stderr" or a file path (appended,
// mode 0600).
func OpenSink(dest string, stdout, stderr io.Writer) (*Sink, error) {
	var w io.Writer
	var c io.Closer
	switch dest {
	case "", "stdout":
		w = stdout
	case "stderr":
		w = stderr
	default:
		f, err := os.OpenFile(dest, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open access log: %w", err)
		}
		w, c = f, f
	}
	s := &Sink{w: bufio.NewWriterSize(w, 64<<10), closer: c, stop: make(chan struct{}), done: make(chan struct{})}
	s.pool.New = func() any { b := make([]byte, 0, 512); return &b }
	go s.flushLoop()
	return s, nil
}

func (s *Sink) write(b []byte) {
	s.mu.Lock()
	_, _ = s.w.Write(b)
	s.mu.Unlock()
}

func (s *Sink) flushLoop() {
	defer close(s.done)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.mu.Lock()
			_ = s.w.Flush()
			s.mu.Unlock()
		case <-s.stop:
			return
		}
	}
}

// Close flushes and closes the sink.
func (s *Sink) Close() error {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.w.Flush()
	if s.closer != nil {
		if cerr := s.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
