package httpproxy

import (
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
)

// TestTLSBackend: https backends on both paths: a trusted certificate is
// served and the connection reused, an unknown CA is INTEGRATION_FAILURE.
func TestTLSBackend(t *testing.T) {
	var conns int64
	var mu sync.Mutex
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "secure "+r.URL.Path)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			mu.Lock()
			conns++
			mu.Unlock()
		}
	}
	s.StartTLS()
	defer s.Close()
	roots := s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			mu.Lock()
			conns = 0
			mu.Unlock()
			rt, tr := path.rt()
			tr.TLSConfig = &tls.Config{RootCAs: roots}
			defer tr.Close()
			p := newProxy(t, s.URL, exchange.HTTP, rt, 5*time.Second)
			for range 3 {
				if res := serveOnce(t, p, "GET", nil); res.err != nil || res.body != "secure /items/1" {
					t.Fatalf("got %v %q", res.err, res.body)
				}
			}
			mu.Lock()
			if conns != 1 {
				t.Errorf("3 requests opened %d TLS connections, want 1", conns)
			}
			mu.Unlock()

			rt2, tr2 := path.rt()
			defer tr2.Close()
			res := serveOnce(t, newProxy(t, s.URL, exchange.HTTP, rt2, 5*time.Second), "GET", nil)
			if res.errType != gwresp.IntegrationFailure {
				t.Fatalf("untrusted certificate: %v, want INTEGRATION_FAILURE", res.err)
			}
		})
	}
}

// TestTLSHandshakeTimeout: a backend that accepts the connection but never
// answers the TLS handshake is bounded by the integration timeout.
func TestTLSHandshakeTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // never read, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		_ = ln.Close()
		<-done
		mu.Lock()
		for _, c := range held {
			_ = c.Close()
		}
		mu.Unlock()
	}()
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			rt, tr := path.rt()
			defer tr.Close()
			p := newProxy(t, "https://"+ln.Addr().String(), exchange.HTTP, rt, 200*time.Millisecond)
			result := make(chan result, 1)
			go func() { result <- serveOnce(t, p, "GET", nil) }()
			select {
			case res := <-result:
				if res.errType != gwresp.IntegrationTimeout {
					t.Fatalf("Serve: %v, want INTEGRATION_TIMEOUT", res.err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Serve still waiting on the TLS handshake 5s after a 200ms integration timeout")
			}
		})
	}
}

// TestConcurrent: requests from many goroutines share the pool without
// crossing responses.
func TestConcurrent(t *testing.T) {
	s, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Query().Get("chunked") != "" {
			_, _ = io.WriteString(w, r.URL.RawQuery)
			w.(http.Flusher).Flush()
		}
		_, _ = fmt.Fprintf(w, "%s|%s", r.URL.RawQuery, b)
	})
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			rt, tr := path.rt()
			defer tr.Close()
			p, err := New(Config{URL: s.URL + "/c", Timeout: 5 * time.Second}, exchange.REST, rt, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			const workers, each = 16, 25
			var wg sync.WaitGroup
			errs := make(chan string, workers*each)
			for g := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						q := fmt.Sprintf("g=%d&i=%d", g, i)
						if i%4 == 2 {
							q += "&chunked=1" // the backend writes the query twice, flushing between
						}
						var body io.Reader
						payload := ""
						if i%3 == 1 {
							payload = "body-" + q
							body = strings.NewReader(payload)
						}
						want := q + "|" + payload
						if i%4 == 2 {
							want = q + want
						}
						method := "GET"
						if body != nil {
							method = "POST"
						}
						x, w := newExchange(method, "/c?"+q, body)
						if err := p.Serve(x); err != nil {
							errs <- err.Error()
							continue
						}
						if got := w.Body.String(); got != want {
							errs <- fmt.Sprintf("%s: got %q, want %q", q, got, want)
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
		})
	}
}

// TestTLSStalePool: a TLS backend that closed its idle connection (with a
// close_notify alert) is noticed before the next request, which then goes
// out on a new connection even with a body.
func TestTLSStalePool(t *testing.T) {
	var mu sync.Mutex
	var opened int
	closed := make(chan struct{}, 10)
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, "%s %s", r.Method, b)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			mu.Lock()
			opened++
			mu.Unlock()
		case http.StateClosed:
			closed <- struct{}{}
		}
	}
	s.StartTLS()
	defer s.Close()
	roots := s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	for _, path := range paths {
		for _, method := range []string{"GET", "POST"} {
			t.Run(path.name+"/"+method, func(t *testing.T) {
				mu.Lock()
				opened = 0
				mu.Unlock()
				rt, tr := path.rt()
				tr.TLSConfig = &tls.Config{RootCAs: roots}
				defer tr.Close()
				p := newProxy(t, s.URL, exchange.HTTP, rt, 5*time.Second)
				if res := serveOnce(t, p, "GET", nil); res.err != nil || res.body != "GET " {
					t.Fatalf("first request: %v %q", res.err, res.body)
				}
				s.CloseClientConnections()
				<-closed
				var body io.Reader
				want := "GET "
				if method == "POST" {
					body, want = strings.NewReader("payload"), "POST payload"
				}
				if res := serveOnce(t, p, method, body); res.err != nil || res.body != want {
					t.Fatalf("request after the backend closed the idle connection: %v %q", res.err, res.body)
				}
				mu.Lock()
				defer mu.Unlock()
				if opened != 2 {
					t.Errorf("backend accepted %d connections, want 2", opened)
				}
			})
		}
	}
}
