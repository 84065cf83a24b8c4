package listener

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// connSeeds are whole inputs for FuzzConn beyond the parseHead table.
var connSeeds = []string{
	get("/a") + get("/b"),
	post("/p", "hello") + get("/after"),
	"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nT: 1\r\n\r\n" + get("/"),
	"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nx",
	"PUT / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
	"PUT / HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nshort",
	"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
	"HEAD / HTTP/1.1\r\nHost: t\r\n\r\n" + get("/"),
	"\r\n\r\n" + get("/"),
	"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + get("/never"),
}

// FuzzConn feeds arbitrary bytes to a real connection and checks that the
// server neither panics nor hangs: once the client has sent everything and
// half-closed, the server answers with well-formed responses and closes.
func FuzzConn(f *testing.F) {
	for _, tc := range headCases {
		f.Add([]byte(tc.in + "\r\n"))
	}
	for _, s := range connSeeds {
		f.Add([]byte(s))
	}
	ts := startServer(f, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Method", r.Method)
		echo(w, r)
	}), func(s *Server) {
		s.ReadHeaderTimeout, s.IdleTimeout = time.Second, time.Second
	})
	ts.Log = slog.New(slog.NewTextHandler(ts.log, &slog.HandlerOptions{Level: slog.LevelError}))
	f.Fuzz(func(t *testing.T, in []byte) {
		c := dial(t, ts.addr)
		go func() {
			_, _ = c.Write(in)
			_ = c.CloseWrite()
		}()
		out, err := io.ReadAll(c)
		if err != nil && !isReset(err) {
			t.Fatalf("input %q: the server neither answered nor closed: %v (read %q)", in, err, out)
		}
		if logged := ts.log.String(); logged != "" {
			t.Fatalf("input %q: server logged an error:\n%s", in, logged)
		}
		// What came back is a sequence of complete responses.
		for rest, n := out, 0; len(rest) > 0; n++ {
			method := http.MethodGet
			if end := bytes.Index(rest, []byte("\r\n\r\n")); end >= 0 && bytes.Contains(rest[:end+2], []byte("\r\nX-Method: HEAD\r\n")) {
				method = http.MethodHead
			}
			r := bytes.NewReader(rest)
			br := bufio.NewReader(r)
			resp, err := http.ReadResponse(br, &http.Request{Method: method})
			if err != nil {
				t.Fatalf("input %q: response %d malformed: %v\noutput %q", in, n, err, out)
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				t.Fatalf("input %q: response %d body: %v\noutput %q", in, n, err, out)
			}
			if resp.StatusCode >= 400 && !resp.Close {
				t.Errorf("input %q: error response %d keeps the connection", in, resp.StatusCode)
			}
			rest = rest[len(rest)-r.Len()-br.Buffered():]
		}
		if len(out) > 0 && !strings.HasPrefix(string(out), "HTTP/1.1 ") {
			t.Errorf("input %q: output %q is not HTTP", in, out)
		}
	})
}
