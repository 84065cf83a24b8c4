package listener

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rawHead reads a response head as sent: its status line and fields.
func (c *rawConn) rawHead() (string, http.Header) {
	c.t.Helper()
	tp := textproto.NewReader(c.br)
	status, err := tp.ReadLine()
	if err != nil {
		c.t.Fatalf("reading status line: %v", err)
	}
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		c.t.Fatalf("reading response fields: %v", err)
	}
	return status, http.Header(h)
}

// chunks reads a chunked body as sent and returns it with the size of each
// chunk; it fails on any framing error.
func (c *rawConn) chunks() (string, []int) {
	c.t.Helper()
	var body bytes.Buffer
	var sizes []int
	for {
		line := c.line()
		n, err := strconv.ParseInt(line, 16, 64)
		if err != nil {
			c.t.Fatalf("chunk size line %q: %v", line, err)
		}
		if n == 0 {
			break
		}
		sizes = append(sizes, int(n))
		if _, err := io.CopyN(&body, c.br, n); err != nil {
			c.t.Fatalf("chunk data: %v", err)
		}
		if end := c.line(); end != "" {
			c.t.Fatalf("chunk data followed by %q, want CRLF", end)
		}
	}
	if end := c.line(); end != "" {
		c.t.Fatalf("last chunk followed by %q, want an empty trailer section", end)
	}
	return body.String(), sizes
}

// fixed reads a Content-Length body.
func (c *rawConn) fixed(h http.Header) string {
	c.t.Helper()
	n, err := strconv.Atoi(h.Get("Content-Length"))
	if err != nil {
		c.t.Fatalf("Content-Length %q: %v", h.Get("Content-Length"), err)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(c.br, b); err != nil {
		c.t.Fatalf("reading %d body bytes: %v", n, err)
	}
	return string(b)
}

func TestResponseFraming(t *testing.T) {
	large := strings.Repeat("0123456789abcdef", 1000)
	tests := []struct {
		name        string
		req         string
		handler     http.HandlerFunc
		wantStatus  string
		wantLength  string // "" for none
		wantChunked bool
		wantBody    string
		wantClose   bool
	}{
		{name: "small body gets a length", req: get("/"),
			handler:    func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello") },
			wantStatus: "HTTP/1.1 200 OK", wantLength: "5", wantBody: "hello"},
		{name: "no body gets length zero", req: get("/"),
			handler:    func(w http.ResponseWriter, r *http.Request) {},
			wantStatus: "HTTP/1.1 200 OK", wantLength: "0"},
		{name: "status only", req: get("/"),
			handler:    func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) },
			wantStatus: "HTTP/1.1 418 I'm a teapot", wantLength: "0"},
		{name: "unknown status code", req: get("/"),
			handler:    func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(599) },
			wantStatus: "HTTP/1.1 599 status code 599", wantLength: "0"},
		{name: "body at the buffer size", req: get("/"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, large[:bufferMax/2])
				_, _ = io.WriteString(w, large[bufferMax/2:bufferMax])
			},
			wantStatus: "HTTP/1.1 200 OK", wantLength: strconv.Itoa(bufferMax), wantBody: large[:bufferMax]},
		{name: "large body is chunked", req: get("/"),
			handler:    func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, large) },
			wantStatus: "HTTP/1.1 200 OK", wantChunked: true, wantBody: large},
		{name: "many writes past the buffer are chunked", req: get("/"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				for i := 0; i < len(large); i += 100 {
					_, _ = io.WriteString(w, large[i:i+100])
				}
			},
			wantStatus: "HTTP/1.1 200 OK", wantChunked: true, wantBody: large},
		{name: "declared length is used", req: get("/"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(large)))
				for i := 0; i < len(large); i += 1000 {
					_, _ = io.WriteString(w, large[i:i+1000])
				}
			},
			wantStatus: "HTTP/1.1 200 OK", wantLength: strconv.Itoa(len(large)), wantBody: large},
		{name: "invalid declared length is replaced", req: get("/"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "abc")
				_, _ = io.WriteString(w, "hello")
			},
			wantStatus: "HTTP/1.1 200 OK", wantLength: "5", wantBody: "hello"},
		{name: "handler transfer-encoding ignored", req: get("/"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Transfer-Encoding", "chunked")
				_, _ = io.WriteString(w, "hello")
			},
			wantStatus: "HTTP/1.1 200 OK", wantLength: "5", wantBody: "hello"},
		{name: "HEAD small", req: "HEAD / HTTP/1.1\r\nHost: test\r\n\r\n",
			handler:    func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hello") },
			wantStatus: "HTTP/1.1 200 OK", wantLength: "5"},
		{name: "HEAD large", req: "HEAD / HTTP/1.1\r\nHost: test\r\n\r\n",
			handler:    func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, large) },
			wantStatus: "HTTP/1.1 200 OK", wantLength: strconv.Itoa(len(large))},
		{name: "HEAD declared", req: "HEAD / HTTP/1.1\r\nHost: test\r\n\r\n",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "42")
			},
			wantStatus: "HTTP/1.1 200 OK", wantLength: "42"},
		{name: "HEAD nothing written", req: "HEAD / HTTP/1.1\r\nHost: test\r\n\r\n",
			handler:    func(w http.ResponseWriter, r *http.Request) {},
			wantStatus: "HTTP/1.1 200 OK"},
		{name: "204", req: get("/"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNoContent)
				if _, err := io.WriteString(w, "x"); err != http.ErrBodyNotAllowed {
					panic("Write on 204 = " + errString(err))
				}
			},
			wantStatus: "HTTP/1.1 204 No Content"},
		{name: "204 with declared length", req: get("/"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "5")
				w.WriteHeader(http.StatusNoContent)
			},
			wantStatus: "HTTP/1.1 204 No Content"},
		{name: "304", req: get("/"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("ETag", `"v1"`)
				w.WriteHeader(http.StatusNotModified)
				if _, err := io.WriteString(w, "x"); err != http.ErrBodyNotAllowed {
					panic("Write on 304 = " + errString(err))
				}
			},
			wantStatus: "HTTP/1.1 304 Not Modified"},
		{name: "304 keeps a declared length", req: get("/"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "5")
				w.WriteHeader(http.StatusNotModified)
			},
			wantStatus: "HTTP/1.1 304 Not Modified", wantLength: "5"},
		{name: "1.0 large body ends with the connection", req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
			handler:    func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, large) },
			wantStatus: "HTTP/1.1 200 OK", wantBody: large, wantClose: true},
		{name: "handler asks to close", req: get("/"),
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Connection", "close")
				_, _ = io.WriteString(w, "bye")
			},
			wantStatus: "HTTP/1.1 200 OK", wantLength: "3", wantBody: "bye", wantClose: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.handler)
			c := dial(t, ts.addr)
			for range 2 {
				c.send(tc.req)
				status, h := c.rawHead()
				if status != tc.wantStatus {
					t.Fatalf("status line %q, want %q", status, tc.wantStatus)
				}
				if got := h.Values("Content-Length"); strings.Join(got, ",") != tc.wantLength {
					t.Errorf("Content-Length %q, want %q", got, tc.wantLength)
				}
				if got := h.Values("Transfer-Encoding"); (len(got) > 0) != tc.wantChunked || len(got) > 1 ||
					tc.wantChunked && got[0] != "chunked" {
					t.Errorf("Transfer-Encoding %q, want chunked %v", got, tc.wantChunked)
				}
				var body string
				switch {
				case tc.wantChunked:
					var sizes []int
					body, sizes = c.chunks()
					for _, n := range sizes {
						if n == 0 || n > len(large) {
							t.Errorf("chunk sizes %v", sizes)
						}
					}
				case tc.wantLength != "" && !strings.HasPrefix(tc.req, "HEAD") && !strings.Contains(tc.wantStatus, " 304 "):
					body = c.fixed(h)
				case tc.wantClose:
					b, err := io.ReadAll(c.br)
					if err != nil {
						t.Fatalf("reading body to EOF: %v", err)
					}
					body = string(b)
				}
				if body != tc.wantBody {
					t.Errorf("body %d bytes %.40q, want %d bytes %.40q", len(body), body, len(tc.wantBody), tc.wantBody)
				}
				if got := h.Get("Connection") == "close"; got != tc.wantClose {
					t.Errorf("Connection %q, want close %v", h.Get("Connection"), tc.wantClose)
				}
				if tc.wantClose {
					c.expectClosed()
					return
				}
				// The second round proves nothing was left on the wire.
			}
			if strings.Contains(ts.log.String(), "panic") {
				t.Errorf("handler panicked:\n%s", ts.log)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

func TestDeclaredLengthMismatch(t *testing.T) {
	t.Run("writing more", func(t *testing.T) {
		type result struct {
			n   int
			err error
		}
		results := make(chan result, 1)
		ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
			n, err := io.WriteString(w, "hello world")
			results <- result{n, err}
		}))
		c := dial(t, ts.addr)
		c.send(get("/"))
		resp, body := c.response("GET")
		if body != "hello" || resp.ContentLength != 5 {
			t.Errorf("body %q length %d, want the declared 5 bytes", body, resp.ContentLength)
		}
		if r := <-results; r.n != 5 || !errors.Is(r.err, http.ErrContentLength) {
			t.Errorf("Write = %d, %v; want 5, http.ErrContentLength", r.n, r.err)
		}
		c.send(get("/")) // nothing extra went on the wire
		if _, body := c.response("GET"); body != "hello" {
			t.Errorf("second response %q", body)
		}
		<-results
	})
	t.Run("writing less", func(t *testing.T) {
		ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			_, _ = io.WriteString(w, "hi")
		}))
		c := dial(t, ts.addr)
		c.send(get("/"))
		resp, err := http.ReadResponse(c.br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		if string(b) != "hi" || err != io.ErrUnexpectedEOF {
			t.Errorf("body %q, %v; want \"hi\" then the connection closed", b, err)
		}
	})
}

func TestDateHeader(t *testing.T) {
	tests := []struct {
		name    string
		set     func(h http.Header)
		want    string // "" checks a current date, "-" none
		wantNow bool
	}{
		{name: "server date", set: func(http.Header) {}, wantNow: true},
		{name: "handler date", set: func(h http.Header) { h.Set("Date", "Tue, 01 Jan 2030 00:00:00 GMT") }, want: "Tue, 01 Jan 2030 00:00:00 GMT"},
		{name: "suppressed", set: func(h http.Header) { h["Date"] = nil }, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tc.set(w.Header()) }))
			c := dial(t, ts.addr)
			c.send(get("/"))
			_, h := c.rawHead()
			got := h.Values("Date")
			if !tc.wantNow {
				if strings.Join(got, ",") != tc.want {
					t.Errorf("Date %q, want %q", got, tc.want)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("Date %q, want one", got)
			}
			d, err := time.Parse(http.TimeFormat, got[0])
			if err != nil {
				t.Fatalf("Date %q: %v", got[0], err)
			}
			if diff := time.Since(d); diff < -2*time.Second || diff > time.Minute {
				t.Errorf("Date %q is %v off the clock", got[0], diff)
			}
		})
	}
}

func TestContentTypeSniffing(t *testing.T) {
	tests := []struct {
		name    string
		method  string // GET when empty
		handler http.HandlerFunc
		want    []string
	}{
		{name: "html", handler: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<!DOCTYPE html><p>hi") },
			want: []string{"text/html; charset=utf-8"}},
		{name: "text", handler: func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "plain words") },
			want: []string{"text/plain; charset=utf-8"}},
		{name: "binary", handler: func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte{0, 1, 2, 3}) },
			want: []string{"application/octet-stream"}},
		{name: "large body sniffed from its first write", handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "{\"a\":"+strings.Repeat(" ", 2*bufferMax)+"1}")
		}, want: []string{"text/plain; charset=utf-8"}},
		{name: "set by handler", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, "<html>")
		}, want: []string{"application/json"}},
		{name: "suppressed with nil", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			_, _ = io.WriteString(w, "<html>")
		}},
		{name: "content-encoding set", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write([]byte{0x1f, 0x8b, 8, 0})
		}},
		{name: "HEAD sniffed like GET", method: "HEAD", handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "<!DOCTYPE html>")
			_, _ = io.WriteString(w, strings.Repeat("<p>", 1000))
		}, want: []string{"text/html; charset=utf-8"}},
		{name: "empty body", handler: func(w http.ResponseWriter, r *http.Request) {}},
		{name: "204", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.handler)
			c := dial(t, ts.addr)
			method := tc.method
			if method == "" {
				method = "GET"
			}
			c.send(method + " / HTTP/1.1\r\nHost: test\r\n\r\n")
			resp, body := c.response(method)
			if method == "HEAD" && body != "" {
				t.Errorf("HEAD response has a body %q", body)
			}
			if got := resp.Header.Values("Content-Type"); strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Content-Type %q, want %q", got, tc.want)
			}
		})
	}
}

func TestResponseHeaderSanitised(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Split", "a\r\nSet-Cookie: stolen=1")
		h.Set("X-Lf", "b\nX-Injected: 1")
		h.Set("X-Spaces", "  padded  ")
		h["X-Bad\r\nSet-Cookie"] = []string{"c"}
		h["Bad Key"] = []string{"d"}
		h.Add("X-Multi", "1")
		h.Add("X-Multi", "2")
		_, _ = io.WriteString(w, "ok")
	}))
	c := dial(t, ts.addr)
	c.send(get("/"))
	status, h := c.rawHead()
	if status != "HTTP/1.1 200 OK" {
		t.Fatalf("status %q", status)
	}
	for _, k := range []string{"Set-Cookie", "X-Injected", "X-Bad", "Bad Key"} {
		if v, ok := h[k]; ok {
			t.Errorf("header %q = %q leaked into the response", k, v)
		}
	}
	want := map[string][]string{
		"X-Split":  {"a  Set-Cookie: stolen=1"},
		"X-Lf":     {"b X-Injected: 1"},
		"X-Spaces": {"padded"},
		"X-Multi":  {"1", "2"},
	}
	for k, v := range want {
		if got := h.Values(k); strings.Join(got, "\x00") != strings.Join(v, "\x00") {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if body := c.fixed(h); body != "ok" {
		t.Errorf("body %q", body)
	}
}

func TestFlushSendsWhatIsWritten(t *testing.T) {
	release := make(chan struct{})
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "first")
		w.(http.Flusher).Flush()
		<-release
		_, _ = io.WriteString(w, "second")
	}))
	c := dial(t, ts.addr)
	c.send(get("/"))
	// All of this arrives while the handler is still blocked.
	status, h := c.rawHead()
	if status != "HTTP/1.1 200 OK" || h.Get("Transfer-Encoding") != "chunked" {
		t.Fatalf("status %q header %v, want a chunked 200", status, h)
	}
	if size := c.line(); size != "5" {
		t.Fatalf("first chunk size %q", size)
	}
	if data := c.line(); data != "first" {
		t.Fatalf("first chunk %q", data)
	}
	close(release)
	if body, _ := c.chunks(); body != "second" {
		t.Errorf("rest of the body %q", body)
	}
	c.send(get("/")) // the connection is still usable
	if _, h := c.rawHead(); h.Get("Transfer-Encoding") != "chunked" {
		t.Errorf("second response header %v", h)
	}
}

func TestFlushWithoutBody(t *testing.T) {
	release := make(chan struct{})
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		w.(http.Flusher).Flush()
		<-release
	}))
	c := dial(t, ts.addr)
	c.send(get("/"))
	status, h := c.rawHead()
	close(release)
	if status != "HTTP/1.1 202 Accepted" || h.Get("Transfer-Encoding") != "chunked" {
		t.Fatalf("status %q header %v", status, h)
	}
	if body, _ := c.chunks(); body != "" {
		t.Errorf("body %q", body)
	}
}

func TestInformationalResponses(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Add("Link", "</app.js>; rel=preload; as=script")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "done")
	}))
	c := dial(t, ts.addr)
	c.send(get("/"))
	wantLinks := [][]string{
		{"</style.css>; rel=preload; as=style"},
		{"</style.css>; rel=preload; as=style", "</app.js>; rel=preload; as=script"},
	}
	for i, want := range wantLinks {
		status, h := c.rawHead()
		if status != "HTTP/1.1 103 Early Hints" {
			t.Fatalf("response %d: status %q, want 103", i, status)
		}
		if got := h.Values("Link"); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("103 #%d Link %q, want %q", i, got, want)
		}
		if h.Get("Content-Length") != "" || h.Get("Transfer-Encoding") != "" {
			t.Errorf("103 #%d has framing fields %v", i, h)
		}
	}
	resp, body := c.response("GET")
	if resp.StatusCode != 200 || body != "done" || resp.Header.Get("Link") != "" {
		t.Errorf("final response %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

func TestWriteHeaderOnce(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "x")
		w.WriteHeader(http.StatusBadGateway)
	}))
	c := dial(t, ts.addr)
	c.send(get("/"))
	if resp, body := c.response("GET"); resp.StatusCode != http.StatusCreated || body != "x" {
		t.Errorf("got %d %q, want the first status", resp.StatusCode, body)
	}
}

func TestHandlerPanics(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantLog string // "" when nothing is logged at error level
	}{
		{name: "abort handler", handler: func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }},
		{name: "abort after a buffered write", handler: func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "partial")
			panic(http.ErrAbortHandler)
		}},
		{name: "other panic", handler: func(w http.ResponseWriter, r *http.Request) { panic("boom") }, wantLog: "boom"},
		{name: "invalid status code", handler: func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(42) }, wantLog: "invalid WriteHeader code 42"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/ok" {
					_, _ = io.WriteString(w, "fine")
					return
				}
				tc.handler(w, r)
			}))
			c := dial(t, ts.addr)
			c.send(get("/panic"))
			c.expectClosed() // no response at all
			logged := ts.log.String()
			if tc.wantLog == "" && strings.Contains(logged, "level=ERROR") {
				t.Errorf("logged an error:\n%s", logged)
			}
			if tc.wantLog != "" && (!strings.Contains(logged, "panic serving connection") || !strings.Contains(logged, tc.wantLog)) {
				t.Errorf("log does not report the panic %q:\n%s", tc.wantLog, logged)
			}
			// The server keeps serving.
			c2 := dial(t, ts.addr)
			c2.send(get("/ok"))
			if resp, body := c2.response("GET"); resp.StatusCode != 200 || body != "fine" {
				t.Errorf("after the panic: %d %q", resp.StatusCode, body)
			}
		})
	}
}

func TestAbortAfterFlushTruncatesResponse(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}))
	c := dial(t, ts.addr)
	c.send(get("/"))
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if string(b) != "partial" || err != io.ErrUnexpectedEOF {
		t.Errorf("body %q, %v; want the flushed part then a truncated chunked body", b, err)
	}
}

// TestHeaderReadAtWriteHeader: the header map is read when the status is
// decided (WriteHeader or the first Write), as net/http does; later changes
// are not sent, even while the body is still buffered.
func TestHeaderReadAtWriteHeader(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Early", "1")
		_, _ = io.WriteString(w, "body")
		w.Header().Del("X-Early")
		w.Header().Set("X-Late", "1")
		w.Header().Set("Content-Type", "text/late")
		w.Header().Set("Connection", "close")
		w.Header().Set("Date", "Thu, 01 Jan 2026 00:00:00 GMT")
	}))
	c := dial(t, ts.addr)
	for range 2 { // the late Connection: close is not honoured either
		c.send(get("/"))
		resp, body := c.response("GET")
		if body != "body" || resp.Close {
			t.Fatalf("body %q close=%v", body, resp.Close)
		}
		for k, want := range map[string]string{"X-Early": "1", "X-Late": "", "Content-Type": "text/plain; charset=utf-8"} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		if d := resp.Header.Get("Date"); strings.HasPrefix(d, "Thu, 01 Jan 2026") {
			t.Errorf("Date %q set after the first Write was sent", d)
		}
	}
}
