package httpproxy

import (
	"bufio"
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

// replayBody is a request body that can be rewound without allocating.
type replayBody struct{ strings.Reader }

func (*replayBody) Close() error { return nil }

// BenchmarkForward measures the proxy's own cost per request on both paths
// against a raw backend that answers fixed bytes (BenchmarkServe uses a
// net/http backend, whose cost dominates).
func BenchmarkForward(b *testing.B) {
	const resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Sun, 22 Nov 2026 04:00:00 GMT\r\n" +
		"X-Amzn-Requestid: abc\r\nContent-Length: 17\r\n\r\n{\"message\":\"ok\"}\n"
	addr := leanBackend(b, resp)
	payload := strings.Repeat("x", 1024)
	for _, path := range paths {
		for _, kind := range []struct {
			name string
			k    exchange.Kind
		}{{"http", exchange.HTTP}, {"rest", exchange.REST}} {
			for _, method := range []string{"GET", "POST"} {
				b.Run(path.name+"/"+kind.name+"/"+method, func(b *testing.B) {
					rt, tr := path.rt()
					defer tr.Close()
					p, err := New(Config{URL: "http://" + addr, AppendPath: true, Timeout: 5 * time.Second}, kind.k, rt, slog.New(slog.DiscardHandler))
					if err != nil {
						b.Fatal(err)
					}
					r := httptest.NewRequest(method, "http://gw.example/items/1?a=b", nil)
					r.RemoteAddr = "192.0.2.1:5555"
					r.Header.Set("User-Agent", "bench/1")
					r.Header.Set("Accept", "application/json")
					r.Header.Set("Authorization", "Bearer x")
					body := &replayBody{}
					if method == "POST" {
						r.Body, r.ContentLength = body, int64(len(payload))
					}
					w := &discard{h: http.Header{}}
					x := &exchange.Exchange{W: w, R: r, API: &exchange.API{ID: "a"}, EscapedPath: "/items/1"}
					b.ReportAllocs()
					for b.Loop() {
						body.Reset(payload)
						clear(w.h)
						if err := p.Serve(x); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// leanBackend answers every request with resp, parsing no more than the
// Content-Length of the request head, so that allocations reported by the
// benchmark are the proxy's.
func leanBackend(b *testing.B, resp string) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	b.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				out := []byte(resp)
				for {
					var n int64
					for {
						line, err := br.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
						if v, ok := bytes.CutPrefix(line, []byte("Content-Length: ")); ok {
							for _, d := range bytes.TrimSpace(v) {
								n = n*10 + int64(d-'0')
							}
						}
					}
					if _, err := br.Discard(int(n)); err != nil {
						return
					}
					if _, err := c.Write(out); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// BenchmarkStripPresignParams: the query of a presigned URL as the AWS SDK
// for Go v2 signer writes it, every parameter removed.
func BenchmarkStripPresignParams(b *testing.B) {
	q := "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIABENCH0000001%2F20261122%2Fus-east-1%2Fexecute-api%2Faws4_request" +
		"&X-Amz-Date=20261122T105450Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host" +
		"&X-Amz-Signature=b09611306f7f2902e8e15ff778e8851f5bc9e6ab007a132e4ea5f37509f69818"
	b.ReportAllocs()
	for b.Loop() {
		if stripPresignParams(q) != "" {
			b.Fatal("a parameter was kept")
		}
	}
}
