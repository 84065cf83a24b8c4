package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantOK  int
	}{
		{name: "content-length", wantOK: 20, handler: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "5")
			_, _ = io.WriteString(w, "hello")
		}},
		{name: "chunked", wantOK: 20, handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, strings.Repeat("x", 100))
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, strings.Repeat("y", 5000))
		}},
		{name: "connection close", wantOK: 20, handler: func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, "bye")
		}},
		{name: "no content", wantOK: 20, handler: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}},
		{name: "errors are not latencies", wantOK: 0, handler: func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "no", http.StatusInternalServerError)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var served atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				served.Add(1)
				if r.URL.RequestURI() != "/p?q=1" || r.Host == "" {
					t.Errorf("request %q host %q", r.URL.RequestURI(), r.Host)
				}
				tt.handler(w, r)
			}))
			defer srv.Close()
			cfg, err := newConfig(srv.URL+"/p?q=1", 200, 100*time.Millisecond, 4, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			res, err := run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if res.sent != 20 || res.ok != tt.wantOK || res.errs != 20-tt.wantOK {
				t.Errorf("got %v, want sent=20 ok=%d", res, tt.wantOK)
			}
			if got := served.Load(); got != 20 {
				t.Errorf("server saw %d requests, want 20", got)
			}
			if tt.wantOK > 0 && (res.p50 <= 0 || res.p99 < res.p50 || res.max < res.p99) {
				t.Errorf("percentiles out of order: %v", res)
			}
		})
	}
}

// TestRunOpenLoop: a slow target makes later requests wait, and the wait
// counts: with one connection and a 20 ms answer at 100 requests/s, the
// last of 10 requests is due at 90 ms but answered at about 200 ms.
func TestRunOpenLoop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(20 * time.Millisecond) // the target's service time, not an assertion
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	cfg, err := newConfig(srv.URL+"/", 100, 100*time.Millisecond, 1, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	res, err := run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.ok != 10 {
		t.Fatalf("got %v, want 10 ok", res)
	}
	if res.max < 100*time.Millisecond {
		t.Errorf("max latency %v: queueing behind the slow target was not counted", res.max)
	}
}

func TestNewConfig(t *testing.T) {
	tests := []struct {
		name, url string
		wantErr   bool
		wantAddr  string
	}{
		{name: "loopback", url: "http://127.0.0.1:8080/a?b=c", wantAddr: "127.0.0.1:8080"},
		{name: "localhost default port", url: "http://localhost/", wantAddr: "localhost:80"},
		{name: "ipv6 loopback", url: "http://[::1]:9/", wantAddr: "[::1]:9"},
		{name: "not loopback", url: "http://10.0.0.1:8080/", wantErr: true},
		{name: "https", url: "https://127.0.0.1/", wantErr: true},
		{name: "garbage", url: "::", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := newConfig(tt.url, 10, time.Second, 1, time.Second)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && cfg.addr != tt.wantAddr {
				t.Errorf("addr = %q, want %q", cfg.addr, tt.wantAddr)
			}
		})
	}
}

// TestRunConnections: the ways a connection ends that are not the target's
// answer to the request in flight.
func TestRunConnections(t *testing.T) {
	t.Run("server closes each connection after one answer without saying so", func(t *testing.T) {
		addr := rawServer(t, func(c net.Conn) {
			buf := make([]byte, 4096)
			if _, err := c.Read(buf); err != nil {
				return
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		})
		res := mustRun(t, "http://"+addr+"/", 100, 200*time.Millisecond, 2, 5*time.Second)
		if res.sent != 20 || res.ok != 20 {
			t.Errorf("got %v, want all 20 answered on fresh connections", res)
		}
	})
	t.Run("target not listening", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		res := mustRun(t, "http://"+addr+"/", 100, 100*time.Millisecond, 2, 5*time.Second)
		if res.sent != 10 || res.errs != 10 {
			t.Errorf("got %v, want 10 errors", res)
		}
	})
	t.Run("target never answers", func(t *testing.T) {
		addr := rawServer(t, func(c net.Conn) {
			_, _ = io.Copy(io.Discard, c)
		})
		res := mustRun(t, "http://"+addr+"/", 100, 50*time.Millisecond, 8, 200*time.Millisecond)
		if res.sent != 5 || res.errs != 5 {
			t.Errorf("got %v, want 5 timed-out requests", res)
		}
	})
}

func mustRun(t *testing.T, url string, rate int, dur time.Duration, conns int, timeout time.Duration) result {
	t.Helper()
	cfg, err := newConfig(url, rate, dur, conns, timeout)
	if err != nil {
		t.Fatal(err)
	}
	res, err := run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// rawServer serves each accepted connection with handle, then closes it.
func rawServer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}
