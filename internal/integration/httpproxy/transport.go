package httpproxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Transport is the HTTP/1.1 client that carries integration requests to
// backends. Unlike http.Transport it does the whole exchange on the calling
// goroutine (write the request, read the response) with no per-connection
// reader and writer goroutines, so a proxied request costs no goroutine
// hand-offs; connections are kept in a LIFO pool per backend origin. It
// implements http.RoundTripper for httputil.ReverseProxy and is safe for
// concurrent use.
//
// What it does not do: HTTP/2, proxies (CONNECT), response decompression.
// An idle connection is looked at before reuse (a non-blocking peek at its
// socket, where the platform allows) and dropped when the backend closed
// it, as backends do on their own keep-alive timeout. A request that fails
// on a reused connection before any byte of the response arrived (the
// backend closed it in between) is retried once on a new connection when
// its body can be replayed (none, or GetBody).
type Transport struct {
	// DialTimeout bounds connecting (default 10s).
	DialTimeout time.Duration
	// TLSConfig is used for https backends.
	TLSConfig *tls.Config
	// MaxIdlePerHost bounds the idle connections kept per origin (default 1024).
	MaxIdlePerHost int
	// IdleTimeout closes connections idle longer than this (default 90s).
	IdleTimeout time.Duration
	// MaxResponseHeaderBytes bounds a response's header block (default 64 KiB).
	MaxResponseHeaderBytes int64
	// ProbeIdleAfter: a pooled connection idle at least this long is
	// checked for a close by the backend before it is reused (zero: every
	// reuse; default 100 ms, see probeAfter).
	ProbeIdleAfter time.Duration

	mu     sync.Mutex
	idle   map[string][]*pconn
	closed bool
	dialer net.Dialer
}

var _ http.RoundTripper = (*Transport)(nil)

// NewTransport returns a Transport with the defaults.
func NewTransport() *Transport {
	return &Transport{
		DialTimeout:            10 * time.Second,
		MaxIdlePerHost:         1024,
		IdleTimeout:            90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		ProbeIdleAfter:         probeAfter,
		dialer:                 net.Dialer{KeepAlive: 30 * time.Second},
	}
}

// headLimit is MaxResponseHeaderBytes, or its default when unset.
func (t *Transport) headLimit() int64 {
	if t.MaxResponseHeaderBytes > 0 {
		return t.MaxResponseHeaderBytes
	}
	return 64 << 10
}

// pconn is one backend connection.
type pconn struct {
	t      *Transport
	key    string
	conn   net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time
	hbuf   []byte    // response head scratch (forward path)
	rh     respHead  // parsed response head (forward path)
	probe  *prober   // looks for a backend close while idle (nil: cannot)
	lim    headLimit // br's source: conn, optionally capped while a head is read
	dl     time.Time // the deadline set on conn for reads and writes (zero: none or unknown)
	wr     capWriter // bw's destination: conn, or a capture for flushThenWait
}

// capWriter writes to the connection, or, while capture is set, keeps the
// slice it was given (bufio's own buffer, valid until bw is written again)
// for flushThenWait to write itself.
type capWriter struct {
	conn     net.Conn
	capture  bool
	captured []byte
	written  bool // something went to conn since the last flushThenWait
}

func (w *capWriter) Write(p []byte) (int, error) {
	if w.capture {
		w.captured = p
		return len(p), nil
	}
	w.written = true
	return w.conn.Write(p)
}

// flushThenWait sends what bw holds and waits until the response can be
// read without a failed read first (prober.writeThenWait). It does so only
// when bw holds the whole request (nothing of it written yet, no body to
// follow): the backend cannot have answered before the write, so no
// readiness it signalled is lost when the raw read resets it. Otherwise,
// and on TLS, it is bw.Flush.
func (pc *pconn) flushThenWait(whole bool) error {
	written := pc.wr.written
	pc.wr.written = false
	if !whole || written || !pc.probe.canWriteThenWait() || pc.bw.Buffered() == 0 {
		return pc.bw.Flush()
	}
	pc.wr.capture = true
	err := pc.bw.Flush()
	pc.wr.capture = false
	b := pc.wr.captured
	pc.wr.captured = nil
	if err != nil {
		return err
	}
	n, err := pc.probe.writeThenWait(b)
	if err == syscall.EAGAIN {
		_, err = pc.conn.Write(b[n:])
	}
	return err
}

// maxDeadlineSlack bounds how much later than the integration timeout a
// connection deadline may fall (see deadlineAt).
const maxDeadlineSlack = 250 * time.Millisecond

// deadlineAt bounds the connection's reads and writes by want, the end of
// an integration call of the given timeout. Setting a deadline is a timer
// operation, and a kept connection carries a call after another, so the
// deadline is set a slack of timeout/16 (at most 250 ms) after want, and
// one already set is kept while it falls between want and want plus the
// slack. The caller checks the response head's arrival against want itself,
// so a response that comes after want is still a timeout; only the
// detection of a backend that never answers may come up to the slack late.
func (pc *pconn) deadlineAt(want time.Time, timeout time.Duration) {
	if want.IsZero() {
		if !pc.dl.IsZero() {
			pc.dl = time.Time{}
			_ = pc.conn.SetDeadline(time.Time{})
		}
		return
	}
	slack := min(timeout/16, maxDeadlineSlack)
	if !pc.dl.IsZero() && !pc.dl.Before(want) && pc.dl.Sub(want) <= slack {
		return
	}
	pc.dl = want.Add(slack)
	_ = pc.conn.SetDeadline(pc.dl)
}

// maxInterim bounds the interim (1xx) responses skipped before a final
// one, as net/http does; each is bounded by MaxResponseHeaderBytes.
const maxInterim = 5

// errTooManyInterim is returned when a backend sends more than maxInterim
// interim responses.
var errTooManyInterim = errors.New("backend sent too many 1xx responses")

// headLimit reads from the connection. While n ≥ 0 it allows only n more
// bytes and then fails, which bounds a response head that http.ReadResponse
// parses (it has no limit of its own). The bound is approximate by the
// buffer's read-ahead, as in net/http.
type headLimit struct {
	r net.Conn
	n int64 // bytes still allowed; < 0: unlimited
}

// errHeadTooLarge is returned when a response head exceeds its bound.
var errHeadTooLarge = errors.New("backend response header too large")

func (l *headLimit) Read(p []byte) (int, error) {
	if l.n < 0 {
		return l.r.Read(p)
	}
	if l.n == 0 {
		return 0, errHeadTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 32<<10) }}
	writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}
)

func (pc *pconn) close() {
	_ = pc.conn.Close()
	if pc.br != nil {
		pc.br.Reset(nil)
		readerPool.Put(pc.br)
		pc.br = nil
	}
	if pc.bw != nil {
		pc.bw.Reset(nil)
		writerPool.Put(pc.bw)
		pc.bw = nil
	}
}

// errTransportClosed is returned after CloseIdleConnections was told to stop.
var errTransportClosed = errors.New("httpproxy: transport closed")

func originKey(r *http.Request) string {
	return r.URL.Scheme + "://" + r.URL.Host
}

// get returns an idle connection for key, or dials a new one.
func (t *Transport) get(ctx context.Context, r *http.Request, key string) (*pconn, bool, error) {
	dl, _ := deadlineOf(r)
	return t.acquire(ctx, r.URL.Scheme, r.URL.Host, key, dl)
}

// acquire returns an idle connection to scheme://host (pool key key), or
// dials a new one that must be connected by dl (zero: no deadline).
func (t *Transport) acquire(ctx context.Context, scheme, host, key string, dl time.Time) (*pconn, bool, error) {
	now := time.Now()
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, false, errTransportClosed
	}
	for list := t.idle[key]; len(list) > 0; list = t.idle[key] {
		pc := list[len(list)-1]
		list[len(list)-1] = nil
		t.idle[key] = list[:len(list)-1]
		t.mu.Unlock()
		idle := now.Sub(pc.idleAt)
		if t.IdleTimeout > 0 && idle > t.IdleTimeout || idle >= t.ProbeIdleAfter && !pc.usable() {
			pc.close()
			t.mu.Lock()
			continue
		}
		return pc, true, nil
	}
	t.mu.Unlock()
	pc, err := t.dial(ctx, scheme, host, key, dl)
	return pc, false, err
}

// probeAfter is NewTransport's ProbeIdleAfter. Backends close idle connections after
// their keep-alive timeout, seconds at the least (Node.js and uvicorn 5 s,
// gunicorn 2 s, nginx 75 s); a connection back in the pool for less has not
// met one, and skipping the probe keeps a system call off every request
// under load. A close within that window (a backend restarting) is still
// covered by the retry of a request without a body.
const probeAfter = 100 * time.Millisecond

type probeResult int

const (
	probeOpen probeResult = iota
	probeClosed
	probePending // TLS: a record is waiting
)

// usable reports whether an idle connection can carry a request: the
// backend has not closed it (see prober.look).
func (pc *pconn) usable() bool {
	switch pc.probe.look() {
	case probeClosed:
		return false
	case probePending:
		// Let TLS read the waiting record, briefly: a close_notify is
		// EOF, a session ticket is consumed and the read then times out.
		_ = pc.conn.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
		_, err := pc.br.Peek(1)
		_ = pc.conn.SetDeadline(time.Time{}) // both, so that none is left (pc.dl)
		pc.dl = time.Time{}
		return isTimeout(err)
	}
	return true
}

func (t *Transport) dial(ctx context.Context, scheme, host, key string, dl time.Time) (*pconn, error) {
	addr := host
	hostname, port, err := net.SplitHostPort(host)
	if err != nil {
		hostname, port = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), ""
	}
	if port == "" {
		port = "80"
		if scheme == "https" {
			port = "443"
		}
		addr = net.JoinHostPort(hostname, port)
	}
	d := t.dialer
	d.Timeout = t.DialTimeout
	if !dl.IsZero() {
		d.Deadline = dl
	}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if scheme == "https" {
		cfg := t.TLSConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = hostname
		}
		cfg.NextProtos = []string{"http/1.1"}
		// The handshake is part of connecting: bounded by the integration
		// deadline and DialTimeout, as the TCP connect is (ctx alone
		// carries no deadline).
		hsdl := dl
		if t.DialTimeout > 0 {
			if d := time.Now().Add(t.DialTimeout); hsdl.IsZero() || d.Before(hsdl) {
				hsdl = d
			}
		}
		_ = conn.SetDeadline(hsdl)
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = conn.Close()
			return nil, err
		}
		_ = conn.SetDeadline(time.Time{})
		conn = tc
	}
	pc := &pconn{t: t, key: key, conn: conn, probe: newProber(conn), lim: headLimit{r: conn, n: -1}, wr: capWriter{conn: conn}}
	pc.br = readerPool.Get().(*bufio.Reader)
	pc.br.Reset(&pc.lim)
	pc.bw = writerPool.Get().(*bufio.Writer)
	pc.bw.Reset(&pc.wr)
	return pc, nil
}

// put returns a connection to the idle pool, or closes it.
func (t *Transport) put(pc *pconn) {
	pc.idleAt = time.Now()
	t.mu.Lock()
	if !t.closed {
		if t.idle == nil {
			t.idle = map[string][]*pconn{}
		}
		if list := t.idle[pc.key]; len(list) < t.MaxIdlePerHost {
			t.idle[pc.key] = append(list, pc)
			t.mu.Unlock()
			return
		}
	}
	t.mu.Unlock()
	pc.close()
}

// CloseIdleConnections closes the idle connections; connections in use are
// closed when their response is done.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, list := range idle {
		for _, pc := range list {
			pc.close()
		}
	}
}

// Close closes the idle connections and refuses new requests.
func (t *Transport) Close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.CloseIdleConnections()
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL == nil || (r.URL.Scheme != "http" && r.URL.Scheme != "https") || r.URL.Host == "" {
		closeBody(r)
		return nil, fmt.Errorf("httpproxy: unsupported URL %v", r.URL)
	}
	ctx := r.Context()
	key := originKey(r)
	dl, _ := deadlineOf(r)
	for attempt := 0; ; attempt++ {
		pc, reused, err := t.get(ctx, r, key)
		if err != nil {
			closeBody(r)
			return nil, err
		}
		resp, retryable, err := pc.roundTrip(ctx, r, dl)
		if err == nil {
			return resp, nil
		}
		pc.close()
		if retryOnNewConn(ctx, reused, retryable, attempt, err) {
			if r.Body == nil || r.Body == http.NoBody {
				continue
			}
			if r.GetBody != nil {
				body, gerr := r.GetBody()
				if gerr == nil {
					r = r.Clone(ctx)
					r.Body = body
					continue
				}
			}
		}
		closeBody(r)
		return nil, err
	}
}

// retryOnNewConn reports whether a failed exchange may run once more on a
// new connection (the body permitting): the first attempt failed on a
// reused connection before any response byte arrived, and neither the
// caller nor a deadline ended it.
func retryOnNewConn(ctx context.Context, reused, retryable bool, attempt int, err error) bool {
	return reused && retryable && attempt == 0 && ctx.Err() == nil && !isTimeout(err)
}

func closeBody(r *http.Request) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
}

// aLongTimeAgo interrupts blocked reads and writes.
var aLongTimeAgo = time.Unix(1, 0)

// roundTrip sends r on pc and reads the response head. retryable reports
// that the failure happened before any response byte arrived.
func (pc *pconn) roundTrip(ctx context.Context, r *http.Request, dl time.Time) (resp *http.Response, retryable bool, err error) {
	// Every use sets the deadline (zero: none), so a pooled connection
	// never carries an earlier request's deadline.
	_ = pc.conn.SetDeadline(dl)
	pc.dl = dl
	stop := context.AfterFunc(ctx, func() { _ = pc.conn.SetDeadline(aLongTimeAgo) })
	defer func() {
		if err != nil {
			stop()
			if ctx.Err() != nil {
				err = fmt.Errorf("%w (%v)", ctx.Err(), err)
			}
		}
	}()
	if err := r.Write(pc.bw); err != nil {
		return nil, true, err
	}
	if err := pc.bw.Flush(); err != nil {
		return nil, true, err
	}
	for interim := 0; ; interim++ {
		if interim > maxInterim {
			return nil, false, errTooManyInterim
		}
		if _, err := pc.br.Peek(1); err != nil {
			return nil, interim == 0, err // no retry once an interim response arrived
		}
		pc.lim.n = pc.t.headLimit()
		resp, err = http.ReadResponse(pc.br, r)
		pc.lim.n = -1
		if err != nil {
			return nil, false, err
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
			continue // 100 Continue, 103 Early Hints: skip interim responses
		}
		break
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		_ = pc.conn.SetDeadline(time.Time{})
		stop()
		resp.Body = &upgraded{pc: pc}
		return resp, false, nil
	}
	b := &body{pc: pc, rc: resp.Body, stop: stop, reuse: !resp.Close && !r.Close}
	if resp.Body == http.NoBody {
		b.done(true)
		return resp, false, nil
	}
	resp.Body = b
	return resp, false, nil
}

// body returns the connection to the pool once the response body was read
// to the end, and closes it otherwise.
type body struct {
	pc       *pconn
	rc       io.ReadCloser
	stop     func() bool
	reuse    bool
	finished bool
	mu       sync.Mutex
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.done(true)
	}
	return n, err
}

func (b *body) Close() error {
	b.done(false)
	return nil
}

func (b *body) done(eof bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	stopped := b.stop()
	if b.rc != nil && b.rc != http.NoBody {
		_ = b.rc.Close()
	}
	pc := b.pc
	if eof && b.reuse && stopped && pc.br.Buffered() == 0 {
		pc.t.put(pc)
		return
	}
	pc.close()
}

// upgraded is the body of a 101 response: the raw connection, for
// httputil.ReverseProxy's protocol-switch handling (WebSocket).
type upgraded struct {
	pc   *pconn
	once sync.Once
}

func (u *upgraded) Read(p []byte) (int, error) {
	if u.pc.br.Buffered() > 0 {
		return u.pc.br.Read(p)
	}
	return u.pc.conn.Read(p)
}

func (u *upgraded) Write(p []byte) (int, error) { return u.pc.conn.Write(p) }

func (u *upgraded) Close() error {
	u.once.Do(u.pc.close)
	return nil
}
