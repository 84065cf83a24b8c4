package httpproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
)

// failingBody yields data and then err.
type failingBody struct {
	data string
	err  error
}

func (b *failingBody) Read(p []byte) (int, error) {
	if b.data == "" {
		return 0, b.err
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

func (b *failingBody) Close() error { return nil }

// TestRequestBodyFailure: a request body that fails or ends short of its
// Content-Length is INTEGRATION_FAILURE on both paths, the backend
// connection is not pooled, and the next request works.
func TestRequestBodyFailure(t *testing.T) {
	errClient := errors.New("client reset")
	tests := []struct {
		name    string
		length  int64 // ContentLength; -1 sends chunked
		body    *failingBody
		wantErr gwresp.Type
	}{
		{"read error with length", 10, &failingBody{"abc", errClient}, gwresp.IntegrationFailure},
		{"read error chunked", -1, &failingBody{"abc", errClient}, gwresp.IntegrationFailure},
		{"short body", 10, &failingBody{"abc", io.EOF}, gwresp.IntegrationFailure},
		{"large body then read error", -1, &failingBody{strings.Repeat("x", 100<<10), errClient}, gwresp.IntegrationFailure},
	}
	for _, path := range paths {
		for _, tc := range tests {
			t.Run(path.name+"/"+tc.name, func(t *testing.T) {
				be := newRawBackend(t, func(conn, req int, r *http.Request) (string, bool) { return okResp, true })
				rt, tr := path.rt()
				defer tr.Close()
				p := newProxy(t, be.URL(), exchange.HTTP, rt, 5*time.Second)
				if res := serveOnce(t, p, "GET", nil); res.err != nil {
					t.Fatal(res.err)
				}
				res := serveWith(t, p, func(r *http.Request) {
					r.Method = "POST"
					r.Body, r.ContentLength = tc.body, tc.length
					if tc.length < 0 {
						r.TransferEncoding = []string{"chunked"}
					}
				})
				if res.panicked != nil || res.errType != tc.wantErr {
					t.Fatalf("Serve: %v (panic %v), want %s", res.err, res.panicked, tc.wantErr)
				}
				if n := idleConns(tr); n != 0 {
					t.Errorf("%d idle connections after a failed request body", n)
				}
				if res := serveOnce(t, p, "GET", nil); res.err != nil || res.body != "ok" {
					t.Fatalf("next request: %v %q", res.err, res.body)
				}
				// The half-sent request was never completed: the backend
				// read one request on the first connection and one on
				// the new one.
				if n := be.requests.Load(); n != 2 {
					t.Errorf("backend read %d requests, want 2", n)
				}
			})
		}
	}
}

// serveWith is serveOnce with a request the caller adjusts.
func serveWith(t *testing.T, p *Proxy, adjust func(*http.Request)) (res result) {
	t.Helper()
	x, w := newExchange("GET", "/items/1", nil)
	adjust(x.R)
	return serveExchange(p, x, w)
}

// TestEarlyResponse: a backend that answers before reading a small body
// (413) reaches the client, and the connection is not reused after the
// backend's Connection: close.
func TestEarlyResponse(t *testing.T) {
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			be, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.ContentLength > 10 {
					w.Header().Set("Connection", "close")
					http.Error(w, "too large", http.StatusRequestEntityTooLarge)
					return
				}
				_, _ = io.WriteString(w, "ok")
			})
			rt, tr := path.rt()
			defer tr.Close()
			p := newProxy(t, be.URL, exchange.HTTP, rt, 5*time.Second)
			res := serveOnce(t, p, "POST", strings.NewReader(strings.Repeat("x", 1000)))
			if res.err != nil || res.status != http.StatusRequestEntityTooLarge {
				t.Fatalf("got %v %d %q, want 413", res.err, res.status, res.body)
			}
			if res := serveOnce(t, p, "GET", nil); res.err != nil || res.body != "ok" {
				t.Fatalf("next request: %v %q", res.err, res.body)
			}
			if n := conns.Load(); n != 2 {
				t.Errorf("backend accepted %d connections, want 2", n)
			}
		})
	}
}

// TestEarlyResponseDuringLargeUpload: a backend that answers 413 and closes
// while an upload far larger than the socket buffers is still being sent
// makes the write fail; the forward path still forwards the answer the
// backend gave (as net/http's Transport does) instead of
// INTEGRATION_FAILURE, and does not keep the connection. A backend that
// closes without answering stays INTEGRATION_FAILURE.
func TestEarlyResponseDuringLargeUpload(t *testing.T) {
	cases := []struct {
		name       string
		answer     string
		wantStatus int
		wantErr    gwresp.Type
	}{
		{"answer then close", "HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 9\r\n\r\ntoo large", http.StatusRequestEntityTooLarge, ""},
		{"close without an answer", "", 0, gwresp.IntegrationFailure},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					go func() {
						defer c.Close()
						br := bufio.NewReader(c)
						if _, err := http.ReadRequest(br); err != nil {
							return
						}
						// Read a little of the body, answer, and close with the
						// rest unread (the kernel then resets the connection).
						_, _ = io.CopyN(io.Discard, br, 64<<10)
						_, _ = io.WriteString(c, tc.answer)
					}()
				}
			}()
			tr := NewTransport()
			defer tr.Close()
			p := newProxy(t, "http://"+ln.Addr().String(), exchange.HTTP, tr, 10*time.Second)
			body := io.LimitReader(zeros{}, 64<<20) // 64 MiB: far more than any socket buffer
			x, w := newExchange("POST", "/upload", body)
			x.R.ContentLength = 64 << 20
			err = p.Serve(x)
			var ge *gwresp.Error
			if tc.wantErr != "" {
				if !errors.As(err, &ge) || ge.Type != tc.wantErr {
					t.Fatalf("Serve: %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Serve: %v, want the backend's answer", err)
			}
			if w.Code != tc.wantStatus || w.Body.String() != "too large" {
				t.Fatalf("got %d %q, want %d", w.Code, w.Body.String(), tc.wantStatus)
			}
			if n := idleConns(tr); n != 0 {
				t.Errorf("%d idle connections after an early answer, want 0", n)
			}
		})
	}
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
