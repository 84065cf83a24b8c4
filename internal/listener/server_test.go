package listener

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// blocking is a handler whose /block requests wait for release.
type blocking struct {
	entered chan struct{}
	release chan struct{}
}

func newBlocking() *blocking {
	return &blocking{entered: make(chan struct{}, 8), release: make(chan struct{})}
}

func (b *blocking) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/block" {
		b.entered <- struct{}{}
		<-b.release
	}
	_, _ = io.WriteString(w, "done "+r.URL.Path)
}

func (b *blocking) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-b.entered:
	case <-time.After(ioWait):
		t.Fatal("handler not entered")
	}
}

// idleConn returns a connection that has served one request and is idle.
func idleConn(t *testing.T, ts *testServer) *rawConn {
	t.Helper()
	c := dial(t, ts.addr)
	c.send(get("/idle"))
	if resp, _ := c.response("GET"); resp.StatusCode != 200 || resp.Close {
		t.Fatalf("idle connection setup: %d close=%v", resp.StatusCode, resp.Close)
	}
	return c
}

func waitServe(t *testing.T, ts *testServer) error {
	t.Helper()
	select {
	case err := <-ts.served:
		ts.served <- err // for the cleanup
		return err
	case <-time.After(ioWait):
		t.Fatal("Serve did not return")
		return nil
	}
}

func TestShutdownWaitsForInFlightRequest(t *testing.T) {
	h := newBlocking()
	ts := startServer(t, h)
	idle := idleConn(t, ts)
	busy := dial(t, ts.addr)
	busy.send(get("/block"))
	h.waitEntered(t)

	shut := make(chan error, 1)
	go func() { shut <- ts.Shutdown(context.Background()) }()

	idle.expectClosed() // idle connections are closed at once
	if err := waitServe(t, ts); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve = %v, want ErrServerClosed", err)
	}
	if nc, err := net.DialTimeout("tcp", ts.addr, ioWait); err == nil {
		_ = nc.Close()
		t.Errorf("dial after Shutdown succeeded, want the listener closed")
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}

	close(h.release)
	resp, body := busy.response("GET")
	if resp.StatusCode != 200 || body != "done /block" {
		t.Errorf("in-flight response %d %q", resp.StatusCode, body)
	}
	wantCloseHeader(t, resp)
	busy.expectClosed()
	select {
	case err := <-shut:
		if err != nil {
			t.Errorf("Shutdown = %v", err)
		}
	case <-time.After(ioWait):
		t.Fatal("Shutdown did not return after the request finished")
	}
}

func TestShutdownPipelinedRequestNotStarted(t *testing.T) {
	// A request already sent behind the in-flight one is not served: the
	// response to the first says Connection: close.
	h := newBlocking()
	ts := startServer(t, h)
	c := dial(t, ts.addr)
	c.send(get("/block") + get("/second"))
	h.waitEntered(t)
	shut := make(chan error, 1)
	go func() { shut <- ts.Shutdown(context.Background()) }()
	_ = waitServe(t, ts)
	close(h.release)
	resp, body := c.response("GET")
	if body != "done /block" {
		t.Errorf("first response %q", body)
	}
	wantCloseHeader(t, resp)
	c.expectClosed()
	if err := <-shut; err != nil {
		t.Errorf("Shutdown = %v", err)
	}
}

func TestShutdownContextEnds(t *testing.T) {
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	tests := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{name: "deadline passed", ctx: expired, want: context.DeadlineExceeded},
		{name: "cancelled", ctx: cancelled, want: context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newBlocking()
			ts := startServer(t, h)
			busy := dial(t, ts.addr)
			busy.send(get("/block"))
			h.waitEntered(t)
			if err := ts.Shutdown(tc.ctx); !errors.Is(err, tc.want) {
				t.Errorf("Shutdown = %v, want %v", err, tc.want)
			}
			// The request in flight still completes, and closes.
			close(h.release)
			resp, _ := busy.response("GET")
			wantCloseHeader(t, resp)
			busy.expectClosed()
		})
	}
}

func TestShutdownWithoutConnections(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(ignore))
	ctx, cancel := context.WithTimeout(context.Background(), ioWait)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	if err := waitServe(t, ts); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve = %v", err)
	}
}

func TestCloseClosesEverything(t *testing.T) {
	h := newBlocking()
	ts := startServer(t, h)
	idle := idleConn(t, ts)
	busy := dial(t, ts.addr)
	busy.send(get("/block"))
	h.waitEntered(t)
	if err := ts.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	idle.expectClosed()
	busy.expectClosed() // closed under the handler, without a response
	if err := waitServe(t, ts); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve = %v, want ErrServerClosed", err)
	}
	close(h.release) // the handler's late write fails quietly

	// A closed server serves no more.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := ts.Serve(ln); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Close = %v, want ErrServerClosed", err)
	}
}

func TestTimeouts(t *testing.T) {
	const short = 100 * time.Millisecond
	tests := []struct {
		name   string
		server func(*Server)
		client func(t *testing.T, c *rawConn)
	}{
		{name: "head not finished", server: func(s *Server) { s.ReadHeaderTimeout = short },
			client: func(t *testing.T, c *rawConn) { c.send("GET / HTTP/1.1\r\nHost: test\r\n") }},
		{name: "new connection silent", server: func(s *Server) { s.ReadHeaderTimeout, s.IdleTimeout = short, time.Hour },
			client: func(t *testing.T, c *rawConn) {}},
		{name: "new connection silent without header timeout", server: func(s *Server) { s.IdleTimeout = short },
			client: func(t *testing.T, c *rawConn) {}},
		{name: "head after blank lines not finished", server: func(s *Server) { s.ReadHeaderTimeout = short },
			client: func(t *testing.T, c *rawConn) { c.send("\r\n\r\nGET / HTTP/1.1\r\n") }},
		{name: "second head after blank lines not finished", server: func(s *Server) { s.ReadHeaderTimeout = short },
			client: func(t *testing.T, c *rawConn) {
				c.send(get("/"))
				if resp, _ := c.response("GET"); resp.StatusCode != 200 || resp.Close {
					t.Fatalf("first request: %d close=%v", resp.StatusCode, resp.Close)
				}
				c.send("\r\n\n\r\nGET / HTTP/1.1\r\nHost: test\r\n")
			}},
		{name: "idle after a request", server: func(s *Server) { s.IdleTimeout = short },
			client: func(t *testing.T, c *rawConn) {
				c.send(get("/"))
				if resp, _ := c.response("GET"); resp.StatusCode != 200 || resp.Close {
					t.Fatalf("first request: %d close=%v", resp.StatusCode, resp.Close)
				}
			}},
		{name: "idle after a request with a body", server: func(s *Server) { s.IdleTimeout, s.ReadHeaderTimeout = short, time.Hour },
			client: func(t *testing.T, c *rawConn) {
				c.send(post("/", "body"))
				if resp, _ := c.response("POST"); resp.StatusCode != 200 || resp.Close {
					t.Fatalf("first request: %d close=%v", resp.StatusCode, resp.Close)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, http.HandlerFunc(ignore), tc.server)
			c := dial(t, ts.addr) // reads fail after ioWait if the server never closes
			tc.client(t, c)
			c.expectClosed()
		})
	}
}

// deadlineConn counts the read deadlines set on a connection.
type deadlineConn struct {
	net.Conn
	n *atomic.Int64
}

func (c deadlineConn) SetReadDeadline(t time.Time) error {
	c.n.Add(1)
	return c.Conn.SetReadDeadline(t)
}

type deadlineListener struct {
	net.Listener
	n *atomic.Int64
}

func (l deadlineListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return deadlineConn{c, l.n}, nil
}

// TestIdleDeadlineKeptAcrossRequests checks that a busy kept connection
// does not move its read deadline (a timer operation) on every request,
// and that the idle timeout still closes it, no earlier than asked and at
// most the documented slack later.
func TestIdleDeadlineKeptAcrossRequests(t *testing.T) {
	const idle = 400 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var sets atomic.Int64
	srv := &Server{Handler: http.HandlerFunc(ignore), IdleTimeout: idle, ReadHeaderTimeout: time.Hour}
	go func() { _ = srv.Serve(deadlineListener{ln, &sets}) }()
	defer srv.Close()
	c := dial(t, ln.Addr().String())
	const requests = 200
	for i := range requests {
		c.send(get("/"))
		if resp, _ := c.response("GET"); resp.StatusCode != 200 || resp.Close {
			t.Fatalf("request %d: %d close=%v", i, resp.StatusCode, resp.Close)
		}
	}
	// 200 requests take far less than the slack (idle/16 = 25 ms) on
	// loopback, but a slow machine may need a few moves: allow 20.
	if n := sets.Load(); n > 20 {
		t.Errorf("read deadline set %d times for %d requests, want it kept", n, requests)
	}
	start := time.Now()
	c.expectClosed()
	waited := time.Since(start)
	if waited < idle-idle/16 || waited > idle+idle/16+time.Second {
		t.Errorf("closed after %v idle, want about %v", waited, idle)
	}
}

// TestTimeoutsDoNotCutRequests checks that the head deadline does not apply
// to a body read by the handler nor to the wait for the next request.
func TestTimeoutsDoNotCutRequests(t *testing.T) {
	const short = 50 * time.Millisecond
	pause := func() { <-time.After(4 * short) } // longer than the timeout
	t.Run("slow body", func(t *testing.T) {
		ts := startServer(t, http.HandlerFunc(echo), func(s *Server) { s.ReadHeaderTimeout = short })
		c := dial(t, ts.addr)
		c.send("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\n\r\nab")
		pause()
		c.send("cd")
		if resp, body := c.response("POST"); resp.StatusCode != 200 || body != "POST / test 4|abcd" {
			t.Errorf("got %d %q", resp.StatusCode, body)
		}
	})
	t.Run("no idle timeout", func(t *testing.T) {
		ts := startServer(t, http.HandlerFunc(echo), func(s *Server) { s.ReadHeaderTimeout = short })
		c := dial(t, ts.addr)
		for i := range 3 {
			// The head comes in two parts so the server waits for it under
			// the head deadline, which must not outlive the request.
			c.send("GET / HTTP/1.1\r\n")
			<-time.After(short / 5)
			c.send("Host: test\r\n\r\n")
			if resp, _ := c.response("GET"); resp.StatusCode != 200 || resp.Close {
				t.Fatalf("request %d: %d close=%v", i, resp.StatusCode, resp.Close)
			}
			pause()
		}
	})
	t.Run("slow handler", func(t *testing.T) {
		ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pause()
			echo(w, r)
		}), func(s *Server) { s.ReadHeaderTimeout, s.IdleTimeout = short, short })
		c := dial(t, ts.addr)
		for i := range 2 {
			c.send(get("/"))
			if resp, _ := c.response("GET"); resp.StatusCode != 200 || resp.Close {
				t.Fatalf("request %d: %d close=%v", i, resp.StatusCode, resp.Close)
			}
		}
	})
}

// registered waits until the server tracks n connections.
func registered(t *testing.T, ts *testServer, n int) {
	t.Helper()
	for deadline := time.Now().Add(ioWait); time.Now().Before(deadline); {
		ts.mu.Lock()
		got := len(ts.conns)
		ts.mu.Unlock()
		if got >= n {
			return
		}
		<-time.After(time.Millisecond)
	}
	t.Fatalf("the server did not register %d connections", n)
}

// TestShutdownServesNewConnection checks that a connection accepted just
// before Shutdown, whose request has not arrived yet, is served (with
// Connection: close) rather than closed under the client, as net/http
// gives new connections time to send their first request.
func TestShutdownServesNewConnection(t *testing.T) {
	h := newBlocking()
	ts := startServer(t, h, func(s *Server) { s.ReadHeaderTimeout = ioWait / 2 })
	busy := dial(t, ts.addr) // keeps Shutdown waiting until the end of the test
	busy.send(get("/block"))
	h.waitEntered(t)
	fresh := dial(t, ts.addr)
	registered(t, ts, 2)

	shut := make(chan error, 1)
	go func() { shut <- ts.Shutdown(context.Background()) }()
	_ = waitServe(t, ts) // Shutdown has begun: the listener is closed
	// Two ticks of Shutdown's idle sweep (10 ms) pass before the request.
	<-time.After(30 * time.Millisecond)
	fresh.send(get("/fresh"))
	resp, body := fresh.response("GET")
	if resp.StatusCode != 200 || body != "done /fresh" {
		t.Errorf("fresh connection: %d %q", resp.StatusCode, body)
	}
	wantCloseHeader(t, resp)
	close(h.release)
	busy.response("GET")
	if err := <-shut; err != nil {
		t.Errorf("Shutdown = %v", err)
	}
}

// TestCloseUnblocksStuckWrite: a client that never reads keeps a handler
// writing forever (there is no write timeout); Shutdown gives up with its
// context and Close then fails the handler's write.
func TestCloseUnblocksStuckWrite(t *testing.T) {
	entered, wrote := make(chan struct{}), make(chan error, 1)
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		buf := make([]byte, 64<<10)
		for {
			if _, err := w.Write(buf); err != nil {
				wrote <- err
				return
			}
		}
	}))
	c := dial(t, ts.addr)
	c.send(get("/")) // and never read
	select {
	case <-entered:
	case <-time.After(ioWait):
		t.Fatal("handler not entered")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := ts.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want context.DeadlineExceeded", err)
	}
	if err := ts.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	select {
	case err := <-wrote:
		if err == nil {
			t.Error("write succeeded after Close")
		}
	case <-time.After(ioWait):
		t.Fatal("the handler's write still blocks after Close")
	}
}

// TestStalledUnreadBody: a client that stops sending a body the handler did
// not read must not hold the connection forever while the server drains
// it; it gets its response and the connection closes.
func TestStalledUnreadBody(t *testing.T) {
	const short = 100 * time.Millisecond
	tests := []struct {
		name   string
		server func(*Server)
		req    string
	}{
		{name: "content-length", server: func(s *Server) { s.IdleTimeout = short },
			req: "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\nonly ten.."},
		{name: "chunked", server: func(s *Server) { s.IdleTimeout = short },
			req: "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n64\r\nonly ten.."},
		{name: "chunked with only a header timeout", server: func(s *Server) { s.ReadHeaderTimeout = short },
			req: "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n64\r\nonly ten.."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, http.HandlerFunc(ignore), tc.server)
			c := dial(t, ts.addr)
			c.send(tc.req) // and nothing more
			resp, body := c.response("POST")
			if resp.StatusCode != 200 || body != "ignored" {
				t.Errorf("got %d %q", resp.StatusCode, body)
			}
			c.expectClosed()
		})
	}
}

// flakyListener fails its first Accept calls with the given errors.
type flakyListener struct {
	net.Listener
	errs chan error
}

func (l *flakyListener) Accept() (net.Conn, error) {
	select {
	case err := <-l.errs:
		return nil, err
	default:
		return l.Listener.Accept()
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "accept timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true } // net.Error still requires it

func TestServeAcceptErrors(t *testing.T) {
	permanent := errors.New("listener broken")
	tests := []struct {
		name     string
		errs     []error
		wantServ error // nil: Serve keeps serving
	}{
		{name: "timeouts are retried", errs: []error{timeoutError{}, timeoutError{}}},
		{name: "out of descriptors is retried", errs: []error{&net.OpError{Op: "accept", Err: syscall.EMFILE}}},
		{name: "aborted handshake is retried", errs: []error{syscall.ECONNABORTED}},
		{name: "other errors end Serve", errs: []error{permanent}, wantServ: permanent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			fl := &flakyListener{Listener: ln, errs: make(chan error, len(tc.errs))}
			for _, e := range tc.errs {
				fl.errs <- e
			}
			s := &Server{Handler: http.HandlerFunc(ignore)}
			served := make(chan error, 1)
			go func() { served <- s.Serve(fl) }()
			defer s.Close()
			if tc.wantServ != nil {
				select {
				case err := <-served:
					if !errors.Is(err, tc.wantServ) {
						t.Errorf("Serve = %v, want %v", err, tc.wantServ)
					}
				case <-time.After(ioWait):
					t.Fatal("Serve did not return")
				}
				return
			}
			c := dial(t, ln.Addr().String())
			c.send(get("/"))
			if resp, _ := c.response("GET"); resp.StatusCode != 200 {
				t.Errorf("after accept errors: %d", resp.StatusCode)
			}
			_ = s.Close()
			if err := <-served; !errors.Is(err, ErrServerClosed) {
				t.Errorf("Serve = %v", err)
			}
		})
	}
}
