package httpproxy

import (
	"bufio"
	"bytes"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// captureBackend answers okResp to every request and hands the exact bytes
// of each request (head and body) to got.
func captureBackend(t *testing.T, got chan<- []byte) string {
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
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		for {
			var raw bytes.Buffer
			var n int64
			chunked := false
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				raw.WriteString(line)
				if line == "\r\n" {
					break
				}
				k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
				switch strings.ToLower(k) {
				case "content-length":
					n, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				case "transfer-encoding":
					chunked = true
				}
			}
			if chunked {
				for !bytes.HasSuffix(raw.Bytes(), []byte("\r\n0\r\n\r\n")) {
					b, err := br.ReadByte()
					if err != nil {
						return
					}
					raw.WriteByte(b)
				}
			} else if _, err := io.CopyN(&raw, br, n); err != nil {
				return
			}
			got <- raw.Bytes()
			if _, err := io.WriteString(c, okResp); err != nil {
				return
			}
		}
	}()
	return ln.Addr().String()
}

var goldenTrace = regexp.MustCompile(`Root=1-[0-9a-f]{8}-[0-9a-f]{24}`)

// normalizeHead sorts the header lines (the forward path writes them in
// map order), masks the trace id and the backend address, and shows line
// ends.
func normalizeHead(raw []byte, addr string) string {
	s := strings.ReplaceAll(string(raw), addr, "backend")
	s = goldenTrace.ReplaceAllString(s, "Root=1-TIME-ID")
	head, body, _ := strings.Cut(s, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	slices.Sort(lines[1:])
	return strings.ReplaceAll(strings.Join(lines, "\r\n")+"\r\n\r\n"+body, "\r\n", "\\r\\n\n")
}

// TestRequestHeadGolden pins the exact request bytes the forward path
// writes (testdata/request_heads.golden; go test -run TestRequestHeadGolden
// -update rewrites it).
func TestRequestHeadGolden(t *testing.T) {
	cases := []struct {
		name    string
		kind    exchange.Kind
		cfg     Config
		method  string
		target  string
		header  http.Header
		body    string
		chunked bool
	}{
		{name: "get", method: "GET", target: "http://gw.example/items/1"},
		{name: "get rest with client headers", kind: exchange.REST, method: "GET", target: "http://gw.example:8443/items/a%2Fb?q=1&r=%20",
			header: http.Header{"User-Agent": {"curl/8"}, "Accept": {"a/b", "c/d"}, "X-Forwarded-For": {"203.0.113.9"},
				"Connection": {"X-Hop"}, "X-Hop": {"1"}, "Te": {"trailers"}, "X-Inject": {"a\r\nb"}}},
		{name: "post with length", method: "POST", target: "http://gw.example/items", body: `{"a":1}`,
			header: http.Header{"Content-Type": {"application/json"}}},
		{name: "post without body", method: "POST", target: "http://gw.example/items"},
		{name: "delete without body", method: "DELETE", target: "http://gw.example/items/1"},
		{name: "put chunked", method: "PUT", target: "http://gw.example/items/1", body: "hello world", chunked: true},
		{name: "head with method override", cfg: Config{Method: "GET"}, method: "HEAD", target: "http://gw.example/x?"},
		{name: "sigv4 stripped", cfg: Config{StripSigV4: true}, method: "GET", target: "http://gw.example/s?X-Amz-Signature=00&keep=1",
			header: http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00"}}},
	}
	got := make(chan []byte, 1)
	addr := captureBackend(t, got)
	tr := NewTransport()
	defer tr.Close()
	var out strings.Builder
	for _, tc := range cases {
		cfg := tc.cfg
		cfg.URL, cfg.AppendPath, cfg.Timeout = "http://"+addr+"/base", true, 5*time.Second
		kind := tc.kind
		if kind == 0 {
			kind = exchange.HTTP
		}
		p, err := New(cfg, kind, tr, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		pc := parityCase{method: tc.method, target: tc.target, header: tc.header, body: tc.body, chunked: tc.chunked}
		x := pc.request()
		if err := p.Serve(x); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		out.WriteString("=== " + tc.name + "\n" + normalizeHead(<-got, addr) + "\n")
	}
	golden := filepath.Join("testdata", "request_heads.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if out.String() != string(want) {
		t.Errorf("request heads differ from %s (run with -update after checking):\n%s", golden, out.String())
	}
}
