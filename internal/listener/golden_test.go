package listener

import (
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// goldenHandler serves the fixed answers the golden transcripts record.
func goldenHandler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/hello":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "hello")
	case "/large":
		_, _ = io.WriteString(w, strings.Repeat("0123456789", 500))
	case "/204":
		w.WriteHeader(http.StatusNoContent)
	case "/304":
		w.Header().Set("ETag", `"v1"`)
		w.WriteHeader(http.StatusNotModified)
	case "/hints":
		w.Header().Set("Link", "</a.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "page")
	case "/echo":
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(b)
	case "/inject":
		w.Header().Set("X-Value", "a\r\nSet-Cookie: x=1")
		w.Header().Set("Content-Type", "text/plain")
	}
}

var dateField = regexp.MustCompile(`(?m)^Date: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r$`)

// TestWireGolden records what the server sends for fixed inputs; the Date
// value is replaced. Run with -update to rewrite the files.
func TestWireGolden(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{name: "get", in: get("/hello")},
		{name: "keep_alive_pair", in: get("/hello") + get("/hello", "Connection: close")},
		{name: "chunked", in: get("/large")},
		{name: "head", in: "HEAD /hello HTTP/1.1\r\nHost: test\r\n\r\n"},
		{name: "no_content", in: get("/204")},
		{name: "not_modified", in: get("/304")},
		{name: "early_hints", in: get("/hints")},
		{name: "expect_continue", in: "PUT /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody"},
		{name: "chunked_request", in: "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n"},
		{name: "http10", in: "GET /hello HTTP/1.0\r\n\r\n"},
		{name: "http10_keep_alive", in: "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"},
		{name: "header_injection", in: get("/inject")},
		{name: "bad_request", in: "GET / HTTP/1.1\r\n\r\n"},
		{name: "version_not_supported", in: "GET / HTTP/2.0\r\nHost: test\r\n\r\n"},
		{name: "not_implemented", in: "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n"},
		{name: "expectation_failed", in: get("/", "Expect: nothing")},
		{name: "too_many_fields", in: "GET / HTTP/1.1\r\nHost: test\r\n" + strings.Repeat("A: 1\r\n", maxHeaderLines) + "\r\n"},
	}
	ts := startServer(t, http.HandlerFunc(goldenHandler))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, ts.addr)
			c.send(tc.in)
			if err := c.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			out, err := io.ReadAll(c.br)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			got := dateField.ReplaceAllString(string(out), "Date: <date>\r")
			path := filepath.Join("testdata", "golden", tc.name+".http")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("answer differs from %s\n got %q\nwant %q", path, got, want)
			}
		})
	}
}
