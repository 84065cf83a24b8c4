package listener

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// exchange sends raw bytes on a new connection to addr, half-closes and
// returns a summary of each response read (to requests of one method).
func exchange(t *testing.T, addr, method, raw string) []string {
	t.Helper()
	c := dial(t, addr)
	c.send(raw)
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		if _, err := c.br.Peek(1); err != nil {
			break
		}
		resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
		if err != nil {
			out = append(out, "malformed: "+err.Error())
			break
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			b = append(b, " <"+err.Error()+">"...)
		}
		out = append(out, summarize(resp, b))
	}
	return out
}

// summarize renders what a client sees of a response. The Date value is
// left out; so is the status line's version: net/http answers an HTTP/1.0
// request with "HTTP/1.0", this server with "HTTP/1.1" (both allowed),
// which changes how "Connection: close" and 1xx responses are read.
func summarize(resp *http.Response, body []byte) string {
	var keys []string
	for k := range resp.Header {
		if k != "Date" && !(k == "Connection" && resp.Close) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var h strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&h, "%s=%q ", k, resp.Header[k])
	}
	closing := resp.Close && resp.StatusCode >= 200
	return fmt.Sprintf("%d length=%d te=%v close=%v header[%s] body=%.300q", resp.StatusCode, resp.ContentLength,
		resp.TransferEncoding, closing, strings.TrimSpace(h.String()), body)
}

// TestResponsesMatchNetHTTP serves the same handlers with this server and
// net/http's and compares what a client reads, request by request.
func TestResponsesMatchNetHTTP(t *testing.T) {
	large := strings.Repeat("x", 10000)
	modified := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	type handlerCase struct {
		h http.HandlerFunc
		// skip names the request kinds whose answers differ on purpose.
		skip map[string]string
	}
	handlers := map[string]handlerCase{
		"small":  {h: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello") }},
		"empty":  {h: func(w http.ResponseWriter, r *http.Request) {}},
		"teapot": {h: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }},
		"html":   {h: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<!doctype html><p>") }},
		"nil type": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			_, _ = io.WriteString(w, "<html>")
		}},
		"gzip": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write([]byte{0x1f, 0x8b, 8, 0})
		}},
		"large": {h: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, large) },
			skip: map[string]string{"HEAD": "this server sends the Content-Length it counted, net/http none past its buffer"}},
		"declared": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10000")
			_, _ = io.WriteString(w, large)
		}},
		"short": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "9")
			_, _ = io.WriteString(w, "hello")
		}},
		"204": {h: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }},
		"204 with length": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusNoContent)
		}},
		"304": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Etag", `"x"`)
			w.WriteHeader(http.StatusNotModified)
		}},
		"injection": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X", " a\r\nB: c ")
			_, _ = io.WriteString(w, "i")
		}},
		"close": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, "c")
		}},
		"flush": {h: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, "b")
		}},
		"flush only": {h: func(w http.ResponseWriter, r *http.Request) { w.(http.Flusher).Flush() }},
		"hints": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "<x>")
			w.WriteHeader(http.StatusEarlyHints)
			_, _ = io.WriteString(w, "h")
		}},
		"error":    {h: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "nope", http.StatusForbidden) }},
		"redirect": {h: func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/small", http.StatusFound) }},
		"content": {h: func(w http.ResponseWriter, r *http.Request) {
			http.ServeContent(w, r, "a.txt", modified, strings.NewReader("some text content"))
		}},
		"read body": {h: func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			_, _ = fmt.Fprintf(w, "%d", len(b))
		}},
		"late fields": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Early", "1")
			_, _ = io.WriteString(w, "body")
			w.Header().Set("X-Late", "1")
			w.Header().Del("X-Early")
			w.Header().Set("Content-Type", "text/late")
		}},
		"late fields after WriteHeader": {h: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			w.Header().Set("X-Late", "1")
			w.Header().Set("Connection", "close")
			w.Header().Set("Date", "Thu, 01 Jan 2026 00:00:00 GMT")
		}},
		"trailers": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Sum")
			_, _ = io.WriteString(w, "body")
			w.Header().Set("X-Sum", "abc")
		}, skip: map[string]string{"*": "trailers are not supported: net/http sends them after a chunked body"}},
		"more": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "3")
			_, _ = io.WriteString(w, "hello")
		}, skip: map[string]string{"*": "this server sends the declared 3 bytes; net/http sends none and closes"}},
		"transfer-encoding": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Transfer-Encoding", "chunked")
			_, _ = io.WriteString(w, "t")
		}, skip: map[string]string{"*": "this server owns the framing; net/http honours a handler's chunked"}},
		"keep-alive field": {h: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Keep-Alive", "timeout=5")
			_, _ = io.WriteString(w, "k")
		}, skip: map[string]string{"*": "this server drops the hop-by-hop Keep-Alive field a handler sets"}},
		"mid-size": {h: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, strings.Repeat("m", 3000)) },
			skip: map[string]string{"*": "this server buffers 4 KiB before chunking, net/http 2 KiB"}},
	}
	requests := []struct{ kind, method, raw string }{
		{"GET", "GET", get("/%s") + get("/small")},
		{"HEAD", "HEAD", "HEAD /%s HTTP/1.1\r\nHost: t\r\n\r\nHEAD /small HTTP/1.1\r\nHost: t\r\n\r\n"},
		{"range", "GET", get("/%s", "Range: bytes=2-5") + get("/small")},
		{"conditional", "GET", get("/%s", "If-Modified-Since: Fri, 02 Jan 2026 03:04:05 GMT") + get("/small")},
		{"1.0", "GET", "GET /%s HTTP/1.0\r\n\r\n"},
		{"1.0 keep-alive", "GET", "GET /%s HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /small HTTP/1.0\r\n\r\n"},
		{"close", "GET", get("/%s", "Connection: close") + get("/small")},
		{"POST", "POST", post("/%s", strings.Repeat("p", 1000)) + post("/small", "")},
		{"chunked POST", "POST", "POST /%s HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + post("/small", "")},
	}
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers[strings.ReplaceAll(strings.TrimPrefix(r.URL.Path, "/"), "_", " ")].h(w, r)
	})
	ours := startServer(t, mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	std := &http.Server{Handler: mux}
	go func() { _ = std.Serve(ln) }()
	t.Cleanup(func() { _ = std.Close() })

	var names []string
	for n := range handlers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, rq := range requests {
			t.Run(n+"/"+rq.kind, func(t *testing.T) {
				hc := handlers[n]
				if why := hc.skip[rq.kind] + hc.skip["*"]; why != "" {
					t.Skip(why)
				}
				raw := fmt.Sprintf(rq.raw, strings.ReplaceAll(n, " ", "_"))
				got := exchange(t, ours.addr, rq.method, raw)
				want := exchange(t, ln.Addr().String(), rq.method, raw)
				if strings.Join(got, "\n") != strings.Join(want, "\n") {
					t.Errorf("this server:\n\t%s\nnet/http:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
				}
			})
		}
	}
}

// TestRequestsMatchNetHTTP sends the same raw requests to this server and
// net/http's and compares what their handlers see. Deliberate differences
// left out: "OPTIONS *" reaches the handler (net/http answers it itself),
// a chunked body's trailer fields are read and discarded (net/http puts
// them in Request.Trailer), and empty lines before a request line are
// skipped as RFC 9112 section 2.2 asks (net/http answers 400).
func TestRequestsMatchNetHTTP(t *testing.T) {
	view := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		_, _ = fmt.Fprintf(w, "%s %q %s %d.%d host=%q url=%q path=%q raw=%q query=%q header=%v length=%d te=%v close=%v trailer=%v body=%q err=%v",
			r.Method, r.RequestURI, r.Proto, r.ProtoMajor, r.ProtoMinor, r.Host, r.URL.String(), r.URL.Path, r.URL.RawPath,
			r.URL.RawQuery, r.Header, r.ContentLength, r.TransferEncoding, r.Close, r.Trailer, b, err)
	})
	requests := []struct {
		name, raw string
		// refused: the server answers, not the handler; only the status
		// and the closing are compared (the texts differ).
		refused bool
	}{
		{name: "simple", raw: get("/a/b?c=d&e")},
		{name: "escaped path", raw: get("/a%2Fb/%7Ec/d!(e)")},
		{name: "absolute form", raw: "GET http://other.test:8080/p?q HTTP/1.1\r\nHost: test\r\n\r\n"},
		{name: "multi-value", raw: get("/", "X-A: 1", "x-a: 2", "X-B:  spaced  ")},
		{name: "connection close", raw: get("/", "Connection: close")},
		{name: "http/1.0", raw: "GET /old HTTP/1.0\r\nUser-Agent: x\r\n\r\n"},
		{name: "http/1.0 keep", raw: "GET /old HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"},
		{name: "http/1.0 length", raw: "POST /old HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc"},
		{name: "length body", raw: post("/p", "hello")},
		{name: "chunked body", raw: "POST /c HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
		{name: "expect", raw: "PUT /e HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok"},
		{name: "ipv6 host", raw: "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"},
		{name: "empty host", raw: "GET / HTTP/1.1\r\nHost:\r\n\r\n"},
		{name: "pipelined", raw: get("/1") + post("/2", "two") + get("/3")},
		{name: "bare LF head", raw: "GET /lf HTTP/1.1\nHost: test\nX: y\n\n"},
		{name: "unread then next", raw: post("/p", "unread body") + get("/next")},
		{name: "utf-8 value", raw: get("/", "X-Name: caf\xc3\xa9")},
		{name: "underscore name", raw: get("/", "X_Forwarded_For: 1.2.3.4")},
		{name: "bad header name", raw: "GET / HTTP/1.1\r\nHost: test\r\nBad Header: x\r\n\r\n", refused: true},
		{name: "missing host", raw: "GET / HTTP/1.1\r\n\r\n", refused: true},
		{name: "conflicting length", raw: "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", refused: true},
		{name: "unsupported te", raw: "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n", refused: true},
		{name: "http/2.0", raw: "GET / HTTP/2.0\r\nHost: test\r\n\r\n", refused: true},
		{name: "expect other", raw: get("/", "Expect: x"), refused: true},
	}
	ours := startServer(t, view)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	std := &http.Server{Handler: view}
	go func() { _ = std.Serve(ln) }()
	t.Cleanup(func() { _ = std.Close() })
	statusOnly := func(s []string) []string {
		for i, r := range s {
			status, _, _ := strings.Cut(r, " ")
			s[i] = status + " close=" + fmt.Sprint(strings.Contains(r, " close=true "))
		}
		return s
	}
	for _, rq := range requests {
		t.Run(rq.name, func(t *testing.T) {
			got := exchange(t, ours.addr, "GET", rq.raw)
			want := exchange(t, ln.Addr().String(), "GET", rq.raw)
			if rq.refused {
				got, want = statusOnly(got), statusOnly(want)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("this server:\n\t%s\nnet/http:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
			}
		})
	}
}
