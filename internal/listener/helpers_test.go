package listener

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/syncbuf"
)

// ioWait bounds every blocking read or write a test does on a connection.
const ioWait = 5 * time.Second

// testServer is a Server serving on a loopback port.
type testServer struct {
	*Server
	addr    string
	log     *syncbuf.Buffer
	accepts *atomic.Int64
	served  chan error // receives Serve's result
}

// startServer serves h on 127.0.0.1 and closes the server when the test ends.
func startServer(t testing.TB, h http.Handler, opts ...func(*Server)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{addr: ln.Addr().String(), log: &syncbuf.Buffer{}, accepts: new(atomic.Int64), served: make(chan error, 1)}
	ts.Server = &Server{Handler: h, Log: slog.New(slog.NewTextHandler(ts.log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	for _, o := range opts {
		o(ts.Server)
	}
	go func() { ts.served <- ts.Serve(countingListener{ln, ts.accepts}) }()
	t.Cleanup(func() {
		_ = ts.Close()
		select {
		case err := <-ts.served:
			if !errors.Is(err, ErrServerClosed) {
				t.Errorf("Serve = %v, want ErrServerClosed", err)
			}
			ts.served <- err
		case <-time.After(ioWait):
			t.Errorf("Serve did not return after Close")
		}
	})
	return ts
}

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// rawConn is a client connection driven with raw bytes.
type rawConn struct {
	t testing.TB
	*net.TCPConn
	br *bufio.Reader
}

func dial(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, ioWait)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(ioWait))
	return &rawConn{t: t, TCPConn: nc.(*net.TCPConn), br: bufio.NewReader(nc)}
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		c.t.Fatalf("writing request: %v", err)
	}
}

// response reads one response to a request with the given method and its
// whole body.
func (c *rawConn) response(method string) (*http.Response, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatalf("reading response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("reading response body: %v", err)
	}
	return resp, string(b)
}

// line reads one line, CRLF dropped.
func (c *rawConn) line() string {
	c.t.Helper()
	s, err := c.br.ReadString('\n')
	if err != nil {
		c.t.Fatalf("reading line: %v (got %q)", err, s)
	}
	return strings.TrimSuffix(s, "\r\n")
}

// expectClosed checks that the server closed the connection with nothing
// more to read.
func (c *rawConn) expectClosed() {
	c.t.Helper()
	b, err := io.ReadAll(c.br)
	if len(b) > 0 {
		c.t.Errorf("read %q after the response, want the connection closed", b)
	}
	if err != nil && !isReset(err) {
		c.t.Errorf("waiting for the server to close: %v", err)
	}
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET)
}

// get is a minimal HTTP/1.1 GET.
func get(path string, lines ...string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + strings.Join(append(lines, "", ""), "\r\n")
}

// post is an HTTP/1.1 POST with a Content-Length body.
func post(path, body string, lines ...string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n%s\r\n%s", path, len(body),
		strings.Join(append(lines, ""), "\r\n"), body)
}

// echo answers with what it saw of the request, reading the whole body.
func echo(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		w.Header().Set("X-Body-Error", err.Error())
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "%s %s %s %d|%s", r.Method, r.URL.RequestURI(), r.Host, r.ContentLength, b)
}

// ignore answers without reading the body.
func ignore(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "ignored")
}

// wantCloseHeader checks that a response said "Connection: close" (which
// http.ReadResponse turns into resp.Close).
func wantCloseHeader(t testing.TB, resp *http.Response) {
	t.Helper()
	if !resp.Close {
		t.Errorf("response does not say Connection: close (header %v)", resp.Header)
	}
}
