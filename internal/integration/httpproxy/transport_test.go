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
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer counts the connections its clients open.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	s := httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s, &conns
}

func get(t *testing.T, tr *Transport, target string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", target, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp, string(b)
}

func TestTransportReusesConnections(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Path)
	})
	tr := NewTransport()
	defer tr.Close()
	for i := 0; i < 20; i++ {
		if _, body := get(t, tr, s.URL+fmt.Sprintf("/%d", i)); body != fmt.Sprintf("hello /%d", i) {
			t.Fatalf("body %q", body)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("20 sequential requests opened %d connections, want 1", n)
	}
}

func TestTransportChunkedBothWays(t *testing.T) {
	s, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "%s-%d;", b, i)
			w.(http.Flusher).Flush()
		}
	})
	tr := NewTransport()
	defer tr.Close()
	for i := 0; i < 3; i++ {
		pr, pw := io.Pipe()
		go func() { _, _ = io.WriteString(pw, "abc"); pw.Close() }()
		req, _ := http.NewRequest("POST", s.URL, pr)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "abc-0;abc-1;abc-2;" {
			t.Fatalf("round %d: %q", i, b)
		}
	}
}

func TestTransportRetriesStaleIdleConnection(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	tr := NewTransport()
	defer tr.Close()
	get(t, tr, s.URL)
	// The backend drops its idle connections (as a backend with a short
	// keep-alive timeout does); the next request must not fail.
	s.CloseClientConnections()
	time.Sleep(20 * time.Millisecond)
	if _, body := get(t, tr, s.URL); body != "ok" {
		t.Fatalf("body %q", body)
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("connections %d, want 2", n)
	}
}

func TestTransportDoesNotReuseAfterPartialRead(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 100000))
	})
	tr := NewTransport()
	defer tr.Close()
	req, _ := http.NewRequest("GET", s.URL, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	_, _ = resp.Body.Read(buf)
	resp.Body.Close() // unread rest: the connection cannot be reused
	get(t, tr, s.URL)
	if n := conns.Load(); n != 2 {
		t.Errorf("connections %d, want 2 (a half-read connection must be closed)", n)
	}
}

// oneShotBackend accepts one connection, reads one request and answers
// resp, raw; it returns the backend's address.
func oneShotBackend(t *testing.T, resp string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = http.ReadRequest(bufio.NewReader(c))
		_, _ = io.WriteString(c, resp)
	}()
	return ln.Addr().String()
}

func TestTransportSkipsInterimResponses(t *testing.T) {
	addr := oneShotBackend(t, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody")
	tr := NewTransport()
	defer tr.Close()
	resp, body := get(t, tr, "http://"+addr+"/")
	if resp.StatusCode != 200 || body != "body" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
}

// TestTransportBoundsResponseHeads checks the RoundTrip path's bounds:
// http.ReadResponse has no header limit of its own, and a backend may send
// interim responses without end.
func TestTransportBoundsResponseHeads(t *testing.T) {
	big := "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 1000)+"\r\n", 200) + "Content-Length: 2\r\n\r\nok"
	interim := "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
	cases := []struct {
		name    string
		resp    string
		limit   int64
		wantErr bool
	}{
		{"head under the limit", big, 1 << 20, false},
		{"head over the limit", big, 64 << 10, true},
		{"five interim responses", strings.Repeat(interim, 5) + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, false},
		{"six interim responses", strings.Repeat(interim, 6) + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := oneShotBackend(t, tc.resp)
			tr := NewTransport()
			defer tr.Close()
			if tc.limit > 0 {
				tr.MaxResponseHeaderBytes = tc.limit
			}
			req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
			resp, err := tr.RoundTrip(req)
			if tc.wantErr {
				if err == nil {
					resp.Body.Close()
					t.Fatalf("got %d, want an error", resp.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != "ok" {
				t.Fatalf("got %d %q", resp.StatusCode, b)
			}
		})
	}
}

func TestTransportDeadlineAndCancel(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	tr := NewTransport()
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL, nil)
	start := time.Now()
	_, err := tr.RoundTrip(req)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && !isTimeout(err) {
		t.Fatalf("err %v, want a timeout", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("deadline not applied")
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	req, _ = http.NewRequestWithContext(ctx2, "GET", s.URL, nil)
	go func() { time.Sleep(30 * time.Millisecond); cancel2() }()
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want canceled", err)
	}
}

func TestTransportTLSBackend(t *testing.T) {
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "secure") }))
	defer s.Close()
	tr := NewTransport()
	tr.TLSConfig = &tls.Config{RootCAs: s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	defer tr.Close()
	if _, body := get(t, tr, s.URL); body != "secure" {
		t.Fatalf("body %q", body)
	}
	// An unknown CA is refused.
	tr2 := NewTransport()
	defer tr2.Close()
	req, _ := http.NewRequest("GET", s.URL, nil)
	if _, err := tr2.RoundTrip(req); err == nil {
		t.Fatal("untrusted certificate accepted")
	}
}

func TestTransportUpgradeThroughReverseProxy(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			http.Error(w, "no upgrade", 400)
			return
		}
		c, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		line, _ := brw.ReadString('\n')
		io.WriteString(c, "echo: "+line)
	}))
	defer be.Close()
	u, _ := url.Parse(be.URL)
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) }, Transport: NewTransport()}
	front := httptest.NewServer(rp)
	defer front.Close()
	c, err := net.Dial("tcp", strings.TrimPrefix(front.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	io.WriteString(c, "ping\n")
	line, _ := br.ReadString('\n')
	if line != "echo: ping\n" {
		t.Fatalf("got %q", line)
	}
}

func BenchmarkTransport(b *testing.B) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }))
	defer s.Close()
	tr := NewTransport()
	defer tr.Close()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest("GET", s.URL, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
