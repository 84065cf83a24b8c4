package httpproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
)

// paths are the two ways a Proxy reaches a backend: the forward path (its
// own *Transport) and the ReverseProxy path (any other RoundTripper).
// paths are the two ways a Proxy sends requests. Their transports probe
// every pooled connection before reuse: these tests' backends close idle
// connections at once, not after a keep-alive timeout (TestProbeIdleAfter
// covers the default).
var paths = []struct {
	name string
	rt   func() (http.RoundTripper, *Transport)
}{
	{"forward", func() (http.RoundTripper, *Transport) { tr := probingTransport(); return tr, tr }},
	{"reverseproxy", func() (http.RoundTripper, *Transport) { tr := probingTransport(); return wrapped{tr}, tr }},
}

func probingTransport() *Transport {
	tr := NewTransport()
	tr.ProbeIdleAfter = 0
	return tr
}

// TestProbeIdleAfter: with the default, a connection back in the pool for
// less than ProbeIdleAfter is reused without a probe (no system call on a
// busy path), and one idle longer is probed, so a backend's close on its
// keep-alive timeout is seen before a request is written into it.
func TestProbeIdleAfter(t *testing.T) {
	var closeNext atomic.Bool
	be := newRawBackend(t, func(conn, req int, r *http.Request) (string, bool) {
		return okResp, !closeNext.Load()
	})
	tr := NewTransport()
	defer tr.Close()
	if tr.ProbeIdleAfter != probeAfter {
		t.Fatalf("default ProbeIdleAfter %v, want %v", tr.ProbeIdleAfter, probeAfter)
	}
	p := newProxy(t, be.URL(), exchange.HTTP, tr, 5*time.Second)
	if res := serveOnce(t, p, "GET", nil); res.err != nil {
		t.Fatal(res.err)
	}
	// The backend now closes the pooled connection after answering.
	closeNext.Store(true)
	if res := serveOnce(t, p, "GET", nil); res.err != nil {
		t.Fatal(res.err)
	}
	<-be.closed
	// Pretend the closed connection has been idle for a while: the probe
	// sees the close and a POST (which cannot be retried) gets a new one.
	tr.mu.Lock()
	for _, list := range tr.idle {
		for _, pc := range list {
			pc.idleAt = pc.idleAt.Add(-2 * probeAfter)
		}
	}
	tr.mu.Unlock()
	closeNext.Store(false)
	if res := serveOnce(t, p, "POST", strings.NewReader("x")); res.err != nil || res.body != "ok" {
		t.Fatalf("POST after the backend closed an idle connection: %v %q", res.err, res.body)
	}
}

func TestReuseSequential(t *testing.T) {
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Query().Get("n") {
				case "chunked":
					_, _ = io.WriteString(w, "a")
					w.(http.Flusher).Flush()
					_, _ = io.WriteString(w, "b")
				default:
					_, _ = fmt.Fprintf(w, "%s %s", r.Method, r.URL.Path)
				}
			})
			rt, tr := path.rt()
			defer tr.Close()
			p := newProxy(t, s.URL, exchange.HTTP, rt, 5*time.Second)
			for i := range 50 {
				method, body, want := "GET", io.Reader(nil), "GET /items/1"
				switch i % 5 {
				case 1:
					method, body, want = "POST", strings.NewReader("payload"), "POST /items/1"
				case 2:
					method, want = "HEAD", ""
				case 3:
					method, want = "DELETE", "DELETE /items/1"
				}
				res := serveOnce(t, p, method, body)
				if res.err != nil || res.panicked != nil || res.body != want {
					t.Fatalf("request %d: %v %v %q, want %q", i, res.err, res.panicked, res.body, want)
				}
			}
			if n := conns.Load(); n != 1 {
				t.Errorf("50 sequential requests opened %d connections, want 1", n)
			}
		})
	}
}

// TestRetry: a request that fails on a reused connection before any
// response byte arrived is sent once more on a new connection, unless it
// carried a body (it cannot be replayed) or a response had begun.
func TestRetry(t *testing.T) {
	const early = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
	tests := []struct {
		name string
		// second answers the second request on connection 0 ("" closes
		// without answering); the first request is answered okResp and
		// the connection closed after it when closeIdle.
		closeIdle    bool
		second       string
		body         string
		wantErr      gwresp.Type
		wantConns    int64
		wantRequests int64
	}{
		// A pooled connection the backend closed is noticed before use
		// (peerClosed) where the platform allows, so even a request with
		// a body goes out on a new connection.
		{name: "idle connection closed, no body", closeIdle: true, wantConns: 2, wantRequests: 2},
		{name: "idle connection closed, with body", closeIdle: true, body: "data", wantConns: 2, wantRequests: 2},
		// Closed after the request went out: retried when it had no body.
		{name: "closed after reading the request", second: "",
			wantConns: 2, wantRequests: 3},
		{name: "closed after reading the request, with body", second: "", body: "data",
			wantErr: gwresp.IntegrationFailure, wantConns: 1, wantRequests: 2},
		{name: "closed after an interim response", second: early,
			wantErr: gwresp.IntegrationFailure, wantConns: 1, wantRequests: 2},
		{name: "closed mid-head", second: "HTTP/1.1 200 OK\r\nContent-",
			wantErr: gwresp.IntegrationFailure, wantConns: 1, wantRequests: 2},
	}
	for _, path := range paths {
		for _, tc := range tests {
			t.Run(path.name+"/"+tc.name, func(t *testing.T) {
				be := newRawBackend(t, func(conn, req int, r *http.Request) (string, bool) {
					switch {
					case conn == 0 && req == 0:
						return okResp, !tc.closeIdle
					case conn == 0 && req == 1:
						return tc.second, false
					}
					return okResp, true
				})
				rt, tr := path.rt()
				defer tr.Close()
				p := newProxy(t, be.URL(), exchange.HTTP, rt, 5*time.Second)
				if res := serveOnce(t, p, "GET", nil); res.err != nil || res.body != "ok" {
					t.Fatalf("first request: %v %q", res.err, res.body)
				}
				if tc.closeIdle {
					if n := idleConns(tr); n != 1 {
						t.Fatalf("idle connections %d, want 1", n)
					}
					if c := <-be.closed; c != 0 {
						t.Fatalf("backend closed connection %d", c)
					}
				}
				method, body := "GET", io.Reader(nil)
				if tc.body != "" {
					method, body = "POST", strings.NewReader(tc.body)
				}
				res := serveOnce(t, p, method, body)
				if res.panicked != nil {
					t.Fatalf("panic %v", res.panicked)
				}
				if res.errType != tc.wantErr {
					t.Fatalf("Serve: %v, want %q", res.err, tc.wantErr)
				}
				if tc.wantErr == "" && res.body != "ok" {
					t.Errorf("body %q, want ok", res.body)
				}
				if n := be.accepted.Load(); n != tc.wantConns {
					t.Errorf("backend accepted %d connections, want %d", n, tc.wantConns)
				}
				if n := be.requests.Load(); n != tc.wantRequests {
					t.Errorf("backend read %d requests, want %d", n, tc.wantRequests)
				}
			})
		}
	}
}

// TestRetryOnlyOnce: when the new connection fails too, the error stands.
func TestRetryOnlyOnce(t *testing.T) {
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			be := newRawBackend(t, func(conn, req int, r *http.Request) (string, bool) {
				if conn == 0 && req == 0 {
					return okResp, true
				}
				return "", false // every later request: closed without an answer
			})
			rt, tr := path.rt()
			defer tr.Close()
			p := newProxy(t, be.URL(), exchange.HTTP, rt, 5*time.Second)
			if res := serveOnce(t, p, "GET", nil); res.err != nil {
				t.Fatal(res.err)
			}
			if res := serveOnce(t, p, "GET", nil); res.errType != gwresp.IntegrationFailure {
				t.Fatalf("Serve: %v, want INTEGRATION_FAILURE", res.err)
			}
			if n := be.accepted.Load(); n != 2 {
				t.Errorf("backend accepted %d connections, want 2", n)
			}
			if n := be.requests.Load(); n != 3 {
				t.Errorf("backend read %d requests, want 3", n)
			}
		})
	}
}

// TestTimeoutAndCancel: a backend slower than Config.Timeout is
// INTEGRATION_TIMEOUT, on a new and on a reused connection, without a
// retry; a client that goes away is 499.
func TestTimeoutAndCancel(t *testing.T) {
	tests := []struct {
		name      string
		warm      bool // a first request leaves a pooled connection
		cancel    string
		wantErr   gwresp.Type
		wantState int
	}{
		{name: "timeout on a new connection", wantErr: gwresp.IntegrationTimeout},
		{name: "timeout on a reused connection", warm: true, wantErr: gwresp.IntegrationTimeout},
		{name: "cancelled while waiting", cancel: "during", wantErr: gwresp.Default4XX, wantState: 499},
		{name: "cancelled while waiting on a reused connection", warm: true, cancel: "during", wantErr: gwresp.Default4XX, wantState: 499},
		{name: "cancelled before the call", cancel: "before", wantErr: gwresp.Default4XX, wantState: 499},
		{name: "cancelled before the call with a pooled connection", warm: true, cancel: "before", wantErr: gwresp.Default4XX, wantState: 499},
	}
	for _, path := range paths {
		for _, tc := range tests {
			t.Run(path.name+"/"+tc.name, func(t *testing.T) {
				arrived := make(chan struct{}, 10)
				release := make(chan struct{})
				var slow atomic.Int64
				be, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Query().Get("slow") == "" {
						_, _ = io.WriteString(w, "fast")
						return
					}
					slow.Add(1)
					arrived <- struct{}{}
					select {
					case <-release:
					case <-r.Context().Done():
					}
				})
				defer close(release)
				rt, tr := path.rt()
				defer tr.Close()
				timeout := 5 * time.Second
				if tc.cancel == "" {
					timeout = 100 * time.Millisecond
				}
				fast := newProxy(t, be.URL, exchange.REST, rt, 5*time.Second)
				if tc.warm {
					if res := serveOnce(t, fast, "GET", nil); res.err != nil || res.body != "fast" {
						t.Fatalf("warm-up: %v %q", res.err, res.body)
					}
				}
				p, err := New(Config{URL: be.URL + "/?slow=1", Timeout: timeout}, exchange.REST, rt, slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				x, _ := newExchange("GET", "/items/a", nil)
				ctx, cancel := context.WithCancel(x.R.Context())
				defer cancel()
				x.R = x.R.WithContext(ctx)
				switch tc.cancel {
				case "before":
					cancel()
				case "during":
					go func() {
						<-arrived
						cancel()
					}()
				}
				start := time.Now()
				err = p.Serve(x)
				if d := time.Since(start); d > 3*time.Second {
					t.Errorf("Serve took %v", d)
				}
				var ge *gwresp.Error
				if !errors.As(err, &ge) || ge.Type != tc.wantErr || ge.Status != tc.wantState {
					t.Fatalf("Serve: %v, want %s (status %d)", err, tc.wantErr, tc.wantState)
				}
				if tc.cancel == "" && slow.Load() != 1 {
					t.Errorf("backend got %d slow requests, want 1 (no retry after a timeout)", slow.Load())
				}
				if n := idleConns(tr); n != 0 {
					t.Errorf("%d idle connections: the timed-out connection went back to the pool", n)
				}
				if tc.cancel != "before" {
					if n := conns.Load(); tc.warm && n != 1 {
						t.Errorf("backend accepted %d connections, want 1", n)
					}
				}
			})
		}
	}
}

// TestSlowBodyTimesOut: the integration timeout also bounds the body copy;
// past it the forward path aborts the client response.
func TestSlowBodyTimesOut(t *testing.T) {
	be := newRawBackend(t, func(conn, req int, r *http.Request) (string, bool) {
		return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true // and nothing more
	})
	tr := NewTransport()
	defer tr.Close()
	p := newProxy(t, be.URL(), exchange.HTTP, tr, 100*time.Millisecond)
	res := serveOnce(t, p, "GET", nil)
	if res.panicked != http.ErrAbortHandler {
		t.Fatalf("panic %v (err %v), want http.ErrAbortHandler", res.panicked, res.err)
	}
	if res.x.IntegrationStatus != 200 {
		t.Errorf("IntegrationStatus %d, want 200", res.x.IntegrationStatus)
	}
	if n := idleConns(tr); n != 0 {
		t.Errorf("%d idle connections after an aborted body", n)
	}
}

// TestStreaming: chunked and close-delimited bodies reach the client as the
// backend writes them (a flush per write), through a real front server.
func TestStreaming(t *testing.T) {
	backends := []struct {
		name    string
		handler func(release <-chan struct{}) http.HandlerFunc
	}{
		{"chunked", func(release <-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, "part1")
				w.(http.Flusher).Flush()
				select {
				case <-release:
				case <-r.Context().Done():
					return
				}
				_, _ = io.WriteString(w, "part2")
			}
		}},
		{"close-delimited", func(release <-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				c, _, err := w.(http.Hijacker).Hijack()
				if err != nil {
					return
				}
				defer c.Close()
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\npart1")
				<-release
				_, _ = io.WriteString(c, "part2")
			}
		}},
		{"server-sent events", func(release <-chan struct{}) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				_, _ = io.WriteString(w, "part1")
				w.(http.Flusher).Flush()
				select {
				case <-release:
				case <-r.Context().Done():
					return
				}
				_, _ = io.WriteString(w, "part2")
			}
		}},
	}
	for _, path := range paths {
		for _, bc := range backends {
			t.Run(path.name+"/"+bc.name, func(t *testing.T) {
				release := make(chan struct{})
				var once bool
				defer func() {
					if !once {
						close(release)
					}
				}()
				be := httptest.NewServer(bc.handler(release))
				defer be.Close()
				rt, tr := path.rt()
				defer tr.Close()
				p := newProxy(t, be.URL, exchange.HTTP, rt, 10*time.Second)
				front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					x := &exchange.Exchange{W: w, R: r, API: &exchange.API{ID: "api1"}, Stage: &exchange.Stage{Name: "$default"},
						Path: r.URL.Path, EscapedPath: r.URL.EscapedPath()}
					if err := p.Serve(x); err != nil {
						http.Error(w, err.Error(), http.StatusBadGateway)
					}
				}))
				defer front.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, "GET", front.URL+"/stream", nil)
				resp, err := front.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("status %d", resp.StatusCode)
				}
				first := make([]byte, len("part1"))
				if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "part1" {
					t.Fatalf("first part before the backend continued: %q %v (not flushed?)", first, err)
				}
				close(release)
				once = true
				rest, err := io.ReadAll(resp.Body)
				if err != nil || string(rest) != "part2" {
					t.Fatalf("rest %q %v, want part2", rest, err)
				}
			})
		}
	}
}

// TestNoRetryAfterTimeout: a request that timed out on a reused connection
// is not retried on another pooled connection (which the expired deadline
// would only break).
func TestNoRetryAfterTimeout(t *testing.T) {
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			both := make(chan struct{})
			var arrived atomic.Int64
			release := make(chan struct{})
			defer close(release)
			be, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/warm":
					if arrived.Add(1) == 2 {
						close(both)
					}
					<-both // two requests at once: two connections
				case "/slow":
					select {
					case <-release:
					case <-r.Context().Done():
					}
				}
			})
			rt, tr := path.rt()
			defer tr.Close()
			warm, err := New(Config{URL: be.URL + "/warm", Timeout: 5 * time.Second}, exchange.HTTP, rt, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			slow, err := New(Config{URL: be.URL + "/slow", Timeout: 100 * time.Millisecond}, exchange.HTTP, rt, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			warmPool(t, warm, tr, 2)
			x, _ := newExchange("GET", "/items/a", nil)
			var ge *gwresp.Error
			if err := slow.Serve(x); !errors.As(err, &ge) || ge.Type != gwresp.IntegrationTimeout {
				t.Fatalf("Serve: %v, want INTEGRATION_TIMEOUT", err)
			}
			if n := idleConns(tr); n != 1 {
				t.Errorf("idle connections %d after the timeout, want 1 (the other pooled connection untouched)", n)
			}
			if n := conns.Load(); n != 2 {
				t.Errorf("backend accepted %d connections, want 2", n)
			}
		})
	}
}

// TestStalePool: a backend with a keep-alive timeout shorter than the
// pool's closes every idle connection; the next request, with or without
// a body, must not fail on them (two pooled connections, both stale).
func TestStalePool(t *testing.T) {
	for _, path := range paths {
		for _, method := range []string{"GET", "POST"} {
			t.Run(path.name+"/"+method, func(t *testing.T) {
				both := make(chan struct{})
				var warmed atomic.Int64
				be := newRawBackend(t, func(conn, req int, r *http.Request) (string, bool) {
					if r.URL.Path == "/warm" {
						if warmed.Add(1) == 2 {
							close(both)
						}
						<-both
						return okResp, false // served, then closed (as by an idle timeout)
					}
					return okResp, true
				})
				rt, tr := path.rt()
				defer tr.Close()
				warm, err := New(Config{URL: be.URL() + "/warm", Timeout: 5 * time.Second}, exchange.HTTP, rt, slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				warmPool(t, warm, tr, 2)
				<-be.closed
				<-be.closed
				p := newProxy(t, be.URL(), exchange.HTTP, rt, 5*time.Second)
				var body io.Reader
				if method == "POST" {
					body = strings.NewReader("payload")
				}
				if res := serveOnce(t, p, method, body); res.err != nil || res.body != "ok" {
					t.Fatalf("request after the backend closed its idle connections: %v %q", res.err, res.body)
				}
				if n := be.accepted.Load(); n != 3 {
					t.Errorf("backend accepted %d connections, want 3", n)
				}
			})
		}
	}
}

// TestAbortReachesClient: a backend body cut short after the head reaches
// a client of a real server as a broken response (an error on its read),
// never as a complete short one, on both paths.
func TestAbortReachesClient(t *testing.T) {
	for _, path := range paths {
		for _, resp := range []string{
			"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
		} {
			t.Run(path.name+"/"+strings.Fields(resp)[3], func(t *testing.T) {
				be := newRawBackend(t, func(conn, req int, r *http.Request) (string, bool) { return resp, false })
				rt, tr := path.rt()
				defer tr.Close()
				p := newProxy(t, be.URL(), exchange.HTTP, rt, 5*time.Second)
				front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					x := &exchange.Exchange{W: w, R: r, API: &exchange.API{ID: "api1"}, Path: r.URL.Path, EscapedPath: r.URL.EscapedPath()}
					if err := p.Serve(x); err != nil {
						http.Error(w, err.Error(), http.StatusBadGateway)
					}
				}))
				front.Config.ErrorLog = log.New(io.Discard, "", 0)
				front.Start()
				defer front.Close()
				// The head may not have left the server's buffer when the
				// handler aborted: then the client sees the connection drop.
				resp, err := front.Client().Get(front.URL + "/x")
				if err != nil {
					return
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				if err == nil {
					t.Fatalf("client read %d %q with no error: a cut body looked complete", resp.StatusCode, b)
				}
			})
		}
	}
}

// TestLateResponseIsTimeout: the connection deadline may fall up to a slack
// after the integration timeout (deadlineAt), but a response head that
// arrives after the timeout is still INTEGRATION_TIMEOUT, not served.
func TestLateResponseIsTimeout(t *testing.T) {
	const timeout = 1600 * time.Millisecond // slack: 100 ms
	be := newRawBackend(t, func(conn, req int, r *http.Request) (string, bool) {
		if r.URL.Query().Get("late") != "" {
			time.Sleep(timeout + 30*time.Millisecond) // after the timeout, before the deadline
		}
		return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false
	})
	tr := NewTransport()
	defer tr.Close()
	if res := serveOnce(t, newProxy(t, be.URL(), exchange.HTTP, tr, timeout), "GET", nil); res.err != nil || res.body != "ok" {
		t.Fatalf("warm-up: %v %q", res.err, res.body)
	}
	late, err := New(Config{URL: be.URL() + "/?late=1", Timeout: timeout}, exchange.HTTP, tr, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	res := serveOnce(t, late, "GET", nil)
	if res.errType != gwresp.IntegrationTimeout {
		t.Fatalf("late response: err %v (status %d %q), want INTEGRATION_TIMEOUT", res.err, res.status, res.body)
	}
	if n := idleConns(tr); n != 0 {
		t.Errorf("%d idle connections: the late connection went back to the pool", n)
	}
}

// deadlineCounter counts deadlines set on a connection.
type deadlineCounter struct {
	net.Conn
	sets int
	last time.Time
}

func (c *deadlineCounter) SetDeadline(t time.Time) error { c.sets++; c.last = t; return nil }

func TestDeadlineAtKeepsACloseDeadline(t *testing.T) {
	const timeout = 1600 * time.Millisecond // slack 100 ms
	base := time.Now()
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	steps := []struct {
		want    time.Time
		wantSet bool
		wantDL  time.Time
	}{
		{at(0), true, at(100)},           // nothing set yet: want plus the slack
		{at(50), false, at(100)},         // within the slack: kept
		{at(100), false, at(100)},        // exactly at the kept deadline: kept
		{at(101), true, at(201)},         // the kept one would be early: moved
		{at(50), true, at(150)},          // the kept one would be too late: moved
		{time.Time{}, true, time.Time{}}, // none asked: removed
		{time.Time{}, false, time.Time{}},
	}
	pc := &pconn{conn: &deadlineCounter{}}
	dc := pc.conn.(*deadlineCounter)
	for i, s := range steps {
		before := dc.sets
		pc.deadlineAt(s.want, timeout)
		if set := dc.sets > before; set != s.wantSet {
			t.Fatalf("step %d: set=%v, want %v", i, set, s.wantSet)
		}
		if !dc.last.Equal(s.wantDL) || !pc.dl.Equal(s.wantDL) {
			t.Fatalf("step %d: deadline %v (tracked %v), want %v", i, dc.last.Sub(base), pc.dl.Sub(base), s.wantDL.Sub(base))
		}
	}
}

// TestImmediateReuseAfterBackendClose: a backend that closes a connection
// right after answering (without Connection: close) leaves a pooled
// connection that is reused at once, without a probe. The bodiless request
// written into it (write-then-wait: its first read waits for readiness
// instead of trying the socket) must notice the close at once and be
// retried on a new connection, not wait for the integration timeout.
func TestImmediateReuseAfterBackendClose(t *testing.T) {
	be := newRawBackend(t, func(conn, req int, r *http.Request) (string, bool) {
		return okResp, false // answer, then close
	})
	tr := NewTransport()
	defer tr.Close()
	p := newProxy(t, be.URL(), exchange.HTTP, tr, 10*time.Second)
	for i := range 5 {
		start := time.Now()
		res := serveOnce(t, p, "GET", nil)
		if res.err != nil || res.body != "ok" {
			t.Fatalf("request %d: %v %q", i, res.err, res.body)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("request %d took %v: the closed connection was not noticed", i, d)
		}
	}
}

// warmPool serves n concurrent requests through p and checks that they
// leave n idle connections in tr's pool.
func warmPool(t *testing.T, p *Proxy, tr *Transport, n int) {
	t.Helper()
	errs := make(chan error, n)
	for range n {
		go func() {
			x, _ := newExchange("GET", "/items/a", nil)
			errs <- p.Serve(x)
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := idleConns(tr); got != n {
		t.Fatalf("idle connections %d, want %d", got, n)
	}
}
