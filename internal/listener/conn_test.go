package listener

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/httpwire"
)

func TestKeepAliveReusesConnection(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s", r.RemoteAddr, r.URL.Path, b)
	}))
	c := dial(t, ts.addr)
	local := c.LocalAddr().String()
	for i := range 20 {
		path := "/r" + strconv.Itoa(i)
		if i%2 == 0 {
			c.send(get(path))
		} else {
			c.send(post(path, "body"+strconv.Itoa(i)))
		}
		resp, body := c.response("GET")
		want := local + " " + path + " "
		if i%2 == 1 {
			want += "body" + strconv.Itoa(i)
		}
		if resp.StatusCode != 200 || body != want || resp.Close {
			t.Fatalf("request %d: %d close=%v %q, want 200 keep-alive %q", i, resp.StatusCode, resp.Close, body, want)
		}
	}
	if n := ts.accepts.Load(); n != 1 {
		t.Errorf("accepted %d connections, want 1", n)
	}
}

func TestPipelinedRequestsAnsweredInOrder(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(echo))
	c := dial(t, ts.addr)
	reqs := []string{
		get("/one"),
		post("/two", "2222"),
		"POST /three HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HEAD /four HTTP/1.1\r\nHost: test\r\n\r\n",
		get("/five"),
	}
	c.send(strings.Join(reqs, ""))
	want := []struct{ method, body string }{
		{"GET", "GET /one test 0|"},
		{"POST", "POST /two test 4|2222"},
		{"POST", "POST /three test -1|abc"},
		{"HEAD", ""},
		{"GET", "GET /five test 0|"},
	}
	for i, w := range want {
		resp, body := c.response(w.method)
		if resp.StatusCode != 200 || body != w.body {
			t.Errorf("response %d: %d %q, want 200 %q", i, resp.StatusCode, body, w.body)
		}
	}
}

func TestConnectionClose(t *testing.T) {
	tests := []struct {
		name      string
		req       string
		wantClose bool
		wantConn  string // the Connection field of the response
	}{
		{name: "1.1 default keep-alive", req: get("/"), wantConn: ""},
		{name: "1.1 close", req: get("/", "Connection: close"), wantClose: true, wantConn: "close"},
		{name: "1.1 close among tokens", req: get("/", "Connection: foo, Close"), wantClose: true, wantConn: "close"},
		{name: "1.0 default close", req: "GET / HTTP/1.0\r\n\r\n", wantClose: true, wantConn: "close"},
		{name: "1.0 keep-alive", req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", wantConn: "keep-alive"},
		{name: "1.0 keep-alive with host", req: "GET / HTTP/1.0\r\nHost: test\r\nConnection: Keep-Alive\r\n\r\n", wantConn: "keep-alive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, http.HandlerFunc(echo))
			c := dial(t, ts.addr)
			c.send(tc.req)
			resp, body := c.response("GET")
			if resp.StatusCode != 200 || !strings.HasPrefix(body, "GET / ") {
				t.Fatalf("got %d %q", resp.StatusCode, body)
			}
			// http.ReadResponse moves "Connection: close" to resp.Close.
			got := resp.Header.Get("Connection")
			if resp.Close {
				got = "close"
			}
			if got != tc.wantConn {
				t.Errorf("Connection = %q, want %q", got, tc.wantConn)
			}
			if tc.wantClose {
				c.expectClosed()
				return
			}
			c.send(tc.req) // the connection still serves
			if resp, _ := c.response("GET"); resp.StatusCode != 200 {
				t.Errorf("second request: %d", resp.StatusCode)
			}
		})
	}
}

// TestHTTP10ResponseWithoutLength checks that an HTTP/1.0 keep-alive
// response whose length is unknown when its head goes out ends with the
// connection, as there is no chunked encoding in HTTP/1.0.
func TestHTTP10ResponseWithoutLength(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "part1,")
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, "part2")
	}))
	c := dial(t, ts.addr)
	c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	resp, body := c.response("GET")
	if body != "part1,part2" || resp.ContentLength != -1 || len(resp.TransferEncoding) > 0 {
		t.Errorf("body %q length %d encoding %v, want the body to end with the connection", body, resp.ContentLength, resp.TransferEncoding)
	}
	wantCloseHeader(t, resp)
	c.expectClosed()
}

func TestRequestBodies(t *testing.T) {
	tests := []struct {
		name string
		req  string
		want string
	}{
		{name: "content-length", req: post("/p", "hello world"), want: "POST /p test 11|hello world"},
		{name: "empty content-length", req: post("/p", ""), want: "POST /p test 0|"},
		{name: "chunked with extensions and trailers",
			req: "POST /c HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" +
				"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t1\r\nX-Other: t2\r\n\r\n",
			want: "POST /c test -1|hello world"},
		{name: "chunked empty", req: "POST /c HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			want: "POST /c test -1|"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, http.HandlerFunc(echo))
			c := dial(t, ts.addr)
			for i := range 2 { // the second proves the body was consumed exactly
				c.send(tc.req)
				resp, body := c.response("POST")
				if resp.StatusCode != 200 || body != tc.want || resp.Header.Get("X-Body-Error") != "" {
					t.Fatalf("request %d: %d %q (%s), want 200 %q", i, resp.StatusCode, body, resp.Header.Get("X-Body-Error"), tc.want)
				}
			}
		})
	}
}

func TestBodyErrors(t *testing.T) {
	tests := []struct {
		name    string
		req     string
		wantErr string
	}{
		{name: "bad chunk size", req: "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", wantErr: "invalid byte in chunk length"},
		{name: "chunk line with bare LF", req: "POST /c HTTP/1.1\nHost: test\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", wantErr: "bare LF"},
		{name: "chunk data longer than its size", req: "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc\r\n0\r\n\r\n", wantErr: "malformed chunked encoding"},
		{name: "trailer too large", req: "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" +
			strings.Repeat("X-T: "+strings.Repeat("t", 100)+"\r\n", 200) + "\r\n", wantErr: httpwire.ErrTrailerTooLarge.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, http.HandlerFunc(echo))
			c := dial(t, ts.addr)
			c.send(tc.req)
			resp, _ := c.response("POST")
			if got := resp.Header.Get("X-Body-Error"); !strings.Contains(got, tc.wantErr) {
				t.Errorf("handler's body error = %q, want %q", got, tc.wantErr)
			}
			wantCloseHeader(t, resp)
			c.expectClosed()
		})
	}
}

func TestBodyReadAfterClose(t *testing.T) {
	errs := make(chan error, 1)
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.Body.Close()
		_, err := r.Body.Read(make([]byte, 1))
		errs <- err
	}))
	c := dial(t, ts.addr)
	c.send(post("/", "abc"))
	c.response("POST")
	if err := <-errs; err != http.ErrBodyReadAfterClose {
		t.Errorf("Read after Close = %v, want http.ErrBodyReadAfterClose", err)
	}
	c.send(get("/")) // the closed body was still drained
	if resp, _ := c.response("GET"); resp.StatusCode != 200 {
		t.Errorf("next request: %d", resp.StatusCode)
	}
}

func TestUnreadBody(t *testing.T) {
	big := strings.Repeat("x", maxDrain+1)
	chunkedBig := "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" +
		strings.Repeat("1000\r\n"+strings.Repeat("y", 0x1000)+"\r\n", maxDrain/0x1000+2) + "0\r\n\r\n"
	tests := []struct {
		name      string
		req       string
		wantClose bool
	}{
		{name: "small content-length drained", req: post("/", strings.Repeat("s", 1000))},
		{name: "content-length at the drain limit", req: post("/", strings.Repeat("s", maxDrain))},
		{name: "small chunked drained", req: "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\nT: 1\r\n\r\n"},
		{name: "large content-length closes", req: post("/", big), wantClose: true},
		{name: "large chunked closes", req: chunkedBig, wantClose: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, http.HandlerFunc(ignore))
			c := dial(t, ts.addr)
			// The body goes out from another goroutine: a server that does
			// not read it may stop the write.
			go func() { _, _ = io.WriteString(c, tc.req) }()
			resp, body := c.response("POST")
			if resp.StatusCode != 200 || body != "ignored" {
				t.Fatalf("got %d %q", resp.StatusCode, body)
			}
			if tc.wantClose {
				if !resp.Close {
					t.Errorf("response does not say Connection: close")
				}
				c.expectClosed()
				return
			}
			if resp.Close {
				t.Errorf("response closes the connection, want it kept")
			}
			c.send(get("/next"))
			if resp, body := c.response("GET"); resp.StatusCode != 200 || body != "ignored" {
				t.Errorf("next request: %d %q", resp.StatusCode, body)
			}
		})
	}
}

func TestExpectContinue(t *testing.T) {
	t.Run("handler reads the body", func(t *testing.T) {
		ts := startServer(t, http.HandlerFunc(echo))
		c := dial(t, ts.addr)
		c.send("PUT /e HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
		if got := c.line(); got != "HTTP/1.1 100 Continue" {
			t.Fatalf("interim status line %q, want 100 Continue", got)
		}
		if got := c.line(); got != "" {
			t.Fatalf("interim response has field %q", got)
		}
		c.send("hello")
		resp, body := c.response("PUT")
		if resp.StatusCode != 200 || body != "PUT /e test 5|hello" || resp.Close {
			t.Fatalf("got %d close=%v %q", resp.StatusCode, resp.Close, body)
		}
		c.send(get("/next"))
		if resp, _ := c.response("GET"); resp.StatusCode != 200 {
			t.Errorf("next request: %d", resp.StatusCode)
		}
	})
	t.Run("handler does not read the body", func(t *testing.T) {
		ts := startServer(t, http.HandlerFunc(ignore))
		c := dial(t, ts.addr)
		c.send("PUT /e HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
		// No 100 Continue: the first thing read is the final response.
		resp, body := c.response("PUT")
		if resp.StatusCode != 200 || body != "ignored" {
			t.Fatalf("got %d %q", resp.StatusCode, body)
		}
		wantCloseHeader(t, resp)
		c.expectClosed()
	})
	t.Run("no body needs no continue", func(t *testing.T) {
		ts := startServer(t, http.HandlerFunc(echo))
		c := dial(t, ts.addr)
		c.send("PUT /e HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")
		resp, body := c.response("PUT")
		if resp.StatusCode != 200 || body != "PUT /e test 0|" || resp.Close {
			t.Fatalf("got %d close=%v %q", resp.StatusCode, resp.Close, body)
		}
	})
	t.Run("handler sends its own 100", func(t *testing.T) {
		ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusContinue)
			echo(w, r)
		}))
		c := dial(t, ts.addr)
		c.send("PUT /e HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
		if got := c.line(); got != "HTTP/1.1 100 Continue" {
			t.Fatalf("interim status line %q", got)
		}
		c.line()
		c.send("ok")
		// The body read must not send a second 100 Continue.
		if got := c.line(); got != "HTTP/1.1 200 OK" {
			t.Fatalf("status line after the 100 %q, want the final response", got)
		}
	})
	t.Run("continue not sent after the response", func(t *testing.T) {
		ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			w.(http.Flusher).Flush()
			_, _ = io.ReadAll(r.Body)
		}))
		c := dial(t, ts.addr)
		c.send("PUT /e HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
		if got := c.line(); got != "HTTP/1.1 202 Accepted" {
			t.Fatalf("first status line %q, want the final response", got)
		}
		c.send("ok")
	})
}

func TestRefusedRequests(t *testing.T) {
	longLine := "GET /" + strings.Repeat("a", MaxRequestLine) + " HTTP/1.1\r\nHost: test\r\n\r\n"
	bigHeader := "GET / HTTP/1.1\r\nHost: test\r\nX-Big: " + strings.Repeat("b", DefaultMaxHeaderBytes) + "\r\n\r\n"
	manyLines := "GET / HTTP/1.1\r\nHost: test\r\n" + strings.Repeat("X-A: 1\r\n", maxHeaderLines) + "\r\n"
	tests := []struct {
		name       string
		req        string
		wantStatus int
	}{
		{name: "request line too long", req: longLine, wantStatus: 414},
		{name: "header too large", req: bigHeader, wantStatus: 431},
		{name: "too many header lines", req: manyLines, wantStatus: 431},
		{name: "malformed request line", req: "GET\r\n\r\n", wantStatus: 400},
		{name: "binary garbage", req: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", wantStatus: 400},
		{name: "missing host", req: "GET / HTTP/1.1\r\n\r\n", wantStatus: 400},
		{name: "too many empty lines first", req: "\r\n\r\n\r\n\r\n\r\n" + get("/"), wantStatus: 400},
		{name: "http/2.0", req: "GET / HTTP/2.0\r\nHost: test\r\n\r\n", wantStatus: 505},
		{name: "gzip transfer encoding", req: "POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n", wantStatus: 501},
		{name: "unknown expectation", req: get("/", "Expect: something"), wantStatus: 417},
		{name: "smuggling attempt", req: "POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", wantStatus: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			called := make(chan struct{}, 1)
			ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called <- struct{}{} }))
			c := dial(t, ts.addr)
			go func() { _, _ = io.WriteString(c, tc.req) }()
			resp, body := c.response("GET")
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			if want := strconv.Itoa(tc.wantStatus) + " " + http.StatusText(tc.wantStatus); body != want {
				t.Errorf("body %q, want %q", body, want)
			}
			wantCloseHeader(t, resp)
			c.expectClosed()
			select {
			case <-called:
				t.Errorf("the handler ran for a refused request")
			default:
			}
			// The server keeps serving.
			c2 := dial(t, ts.addr)
			c2.send(get("/"))
			if resp, _ := c2.response("GET"); resp.StatusCode != 200 {
				t.Errorf("next connection: %d", resp.StatusCode)
			}
		})
	}
}

// TestLimitsAreInclusive checks that a request exactly at each limit passes.
func TestLimitsAreInclusive(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(ignore), func(s *Server) { s.MaxHeaderBytes = 2000 })
	// The request line is counted with its CRLF; the header section with
	// its fields' CRLFs and the final blank line.
	line := "GET /" + strings.Repeat("a", MaxRequestLine-len("GET / HTTP/1.1\r\n")) + " HTTP/1.1\r\n"
	field := "X-Pad: " + strings.Repeat("p", 2000-len("Host: test\r\n")-len("X-Pad: \r\n")-len("\r\n")) + "\r\n"
	tests := []struct {
		name       string
		req        string
		wantStatus int
	}{
		{name: "request line at limit", req: line + "Host: test\r\n\r\n", wantStatus: 200},
		{name: "request line over limit", req: "GET /a" + line[len("GET /"):] + "Host: test\r\n\r\n", wantStatus: 414},
		{name: "header at limit", req: "GET / HTTP/1.1\r\nHost: test\r\n" + field + "\r\n", wantStatus: 200},
		{name: "header over limit", req: "GET / HTTP/1.1\r\nHost: test\r\nX" + field + "\r\n", wantStatus: 431},
		{name: "header lines at limit", req: "GET / HTTP/1.1\r\nHost: test\r\n" + strings.Repeat("A: 1\r\n", maxHeaderLines-1) + "\r\n", wantStatus: 200},
		{name: "header lines over limit", req: "GET / HTTP/1.1\r\nHost: test\r\n" + strings.Repeat("A: 1\r\n", maxHeaderLines) + "\r\n", wantStatus: 431},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, ts.addr)
			c.send(tc.req)
			if resp, _ := c.response("GET"); resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
		})
	}
}

func TestMalformedInputKeepsServing(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(echo))
	inputs := []string{
		"\x00\x01\x02\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: test\r\nBad Header\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: test\r\n folded\r\n\r\n",
		"GET /%zz HTTP/1.1\r\nHost: test\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	}
	for i, in := range inputs {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			c := dial(t, ts.addr)
			c.send(in)
			resp, _ := c.response("GET")
			if resp.StatusCode != 400 {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			wantCloseHeader(t, resp)
			c.expectClosed()
		})
	}
	c := dial(t, ts.addr)
	c.send(get("/ok"))
	if resp, body := c.response("GET"); resp.StatusCode != 200 || body != "GET /ok test 0|" {
		t.Errorf("after malformed input: %d %q", resp.StatusCode, body)
	}
	if strings.Contains(ts.log.String(), "panic") {
		t.Errorf("log has a panic:\n%s", ts.log)
	}
}

func TestEmptyLinesBeforeRequestSkipped(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(echo))
	c := dial(t, ts.addr)
	c.send("\r\n\n" + get("/x"))
	if resp, body := c.response("GET"); resp.StatusCode != 200 || body != "GET /x test 0|" {
		t.Errorf("got %d %q", resp.StatusCode, body)
	}
}

// TestRequestFields checks what a handler sees of a request on the wire.
func TestRequestFields(t *testing.T) {
	type seen struct {
		Method, Host, RequestURI, Path, RawPath, RemoteAddr, Proto string
		Header                                                     http.Header
		Local                                                      bool
	}
	got := make(chan seen, 1)
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok := r.Context().Value(http.LocalAddrContextKey).(interface{ String() string })
		got <- seen{r.Method, r.Host, r.RequestURI, r.URL.Path, r.URL.RawPath, r.RemoteAddr, r.Proto, r.Header.Clone(), ok}
	}))
	c := dial(t, ts.addr)
	c.send("DELETE /a%2Fb!?x=1 HTTP/1.1\r\nHost: api.test\r\nX-Multi: 1\r\nx-multi: 2\r\n\r\n")
	c.response("DELETE")
	want := seen{"DELETE", "api.test", "/a%2Fb!?x=1", "/a/b!", "/a%2Fb!", c.LocalAddr().String(), "HTTP/1.1",
		http.Header{"X-Multi": {"1", "2"}}, true}
	if g := <-got; fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("handler saw %+v\nwant %+v", g, want)
	}
	// The second request on the connection starts clean.
	c.send("GET /b HTTP/1.1\r\nHost: other.test\r\n\r\n")
	c.response("GET")
	want = seen{"GET", "other.test", "/b", "/b", "", c.LocalAddr().String(), "HTTP/1.1", http.Header{}, true}
	if g := <-got; fmt.Sprint(g) != fmt.Sprint(want) {
		t.Errorf("second request: handler saw %+v\nwant %+v", g, want)
	}
}
