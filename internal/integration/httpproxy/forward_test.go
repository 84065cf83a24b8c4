package httpproxy

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
)

// rawBackend is a loopback server that reads HTTP/1.1 requests and answers
// each with the exact bytes respond returns; it closes the connection after
// writing them when keep is false.
type rawBackend struct {
	ln       net.Listener
	accepted atomic.Int64
	requests atomic.Int64
	// closed receives the index of each connection the backend closed.
	closed chan int

	respond func(conn, req int, r *http.Request) (resp string, keep bool)

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func newRawBackend(t testing.TB, respond func(conn, req int, r *http.Request) (string, bool)) *rawBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &rawBackend{ln: ln, respond: respond, closed: make(chan int, 100)}
	b.wg.Add(1)
	go b.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		b.mu.Lock()
		for _, c := range b.conns {
			_ = c.Close()
		}
		b.mu.Unlock()
		b.wg.Wait()
	})
	return b
}

func (b *rawBackend) URL() string { return "http://" + b.ln.Addr().String() }

func (b *rawBackend) serve() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		n := int(b.accepted.Add(1)) - 1
		b.mu.Lock()
		b.conns = append(b.conns, c)
		b.mu.Unlock()
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			defer func() { _ = c.Close(); b.closed <- n }()
			br := bufio.NewReader(c)
			for i := 0; ; i++ {
				r, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				if _, err := io.Copy(io.Discard, r.Body); err != nil {
					return
				}
				b.requests.Add(1)
				resp, keep := b.respond(n, i, r)
				if _, err := io.WriteString(c, resp); err != nil || !keep {
					return
				}
			}
		}()
	}
}

const okResp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// idleConns is the number of connections in tr's idle pool.
func idleConns(tr *Transport) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	n := 0
	for _, l := range tr.idle {
		n += len(l)
	}
	return n
}

// result is what Serve did with one request.
type result struct {
	err      error
	errType  gwresp.Type
	panicked any
	status   int
	header   http.Header
	body     string
	x        *exchange.Exchange
}

// serveOnce runs one request through p, recovering a panic.
func serveOnce(t *testing.T, p *Proxy, method string, body io.Reader) (res result) {
	t.Helper()
	r := httptest.NewRequest(method, "http://gw.example/items/1", body)
	r.RemoteAddr = "192.0.2.1:5555"
	w := httptest.NewRecorder()
	x := &exchange.Exchange{W: w, R: r, API: &exchange.API{ID: "api1"}, Stage: &exchange.Stage{Name: "$default"},
		Path: "/items/1", EscapedPath: "/items/1"}
	res = serveExchange(p, x, w)
	if res.panicked == nil && res.err != nil && res.errType == "" {
		t.Fatalf("Serve: %v, want a gwresp.Error", res.err)
	}
	return res
}

// serveExchange runs x through p, recovering a panic, and reports what w
// received.
func serveExchange(p *Proxy, x *exchange.Exchange, w *httptest.ResponseRecorder) (res result) {
	res.x = x
	defer func() {
		if v := recover(); v != nil {
			res.panicked = v
		}
	}()
	res.err = p.Serve(x)
	var ge *gwresp.Error
	if errors.As(res.err, &ge) {
		res.errType = ge.Type
	}
	res.status, res.header, res.body = w.Code, w.Result().Header, w.Body.String()
	return res
}

func newProxy(t *testing.T, url string, kind exchange.Kind, rt http.RoundTripper, timeout time.Duration) *Proxy {
	t.Helper()
	p, err := New(Config{URL: url, AppendPath: true, Timeout: timeout}, kind, rt, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type reuse int

const (
	reuseAny reuse = iota
	reused
	notReused
)

// framingCase is a raw backend response to the first request.
type framingCase struct {
	name   string
	method string
	resp   string
	close  bool  // the backend closes the connection after resp
	maxHdr int64 // Transport.MaxResponseHeaderBytes when set

	wantErr    gwresp.Type
	wantPanic  bool
	wantStatus int
	wantBody   string
	wantHeader http.Header // exact client header
	wantReuse  reuse
	// rpDiffers documents how the ReverseProxy path answers differently
	// (TestResponseParity); empty when both paths agree.
	rpDiffers string
}

var framingCases = []framingCase{
	{name: "content-length", resp: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello",
		wantStatus: 200, wantBody: "hello", wantHeader: http.Header{"Content-Length": {"5"}, "X-A": {"1"}}, wantReuse: reused},
	{name: "content-length zero", resp: "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
		wantStatus: 201, wantHeader: http.Header{"Content-Length": {"0"}}, wantReuse: reused},
	{name: "large content-length body", resp: "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("x", 100000),
		wantStatus: 200, wantBody: strings.Repeat("x", 100000), wantHeader: http.Header{"Content-Length": {"100000"}}, wantReuse: reused},
	{name: "bare LF line endings", resp: "HTTP/1.1 200 OK\nContent-Length: 2\nX-A: 1\n\nok",
		wantStatus: 200, wantBody: "ok", wantHeader: http.Header{"Content-Length": {"2"}, "X-A": {"1"}}, wantReuse: reused},
	{name: "no reason phrase", resp: "HTTP/1.1 299\r\nContent-Length: 2\r\n\r\nok",
		wantStatus: 299, wantBody: "ok", wantHeader: http.Header{"Content-Length": {"2"}}, wantReuse: reused},
	{name: "header names canonicalised and values trimmed", resp: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nx-lower:   v \t\r\nX-Empty:\r\n\r\nok",
		wantStatus: 200, wantBody: "ok", wantHeader: http.Header{"Content-Length": {"2"}, "X-Lower": {"v"}, "X-Empty": {""}}, wantReuse: reused},
	{name: "repeated fields keep order", resp: "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-B: 1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n",
		wantStatus: 200, wantHeader: http.Header{"Set-Cookie": {"a=1", "b=2"}, "X-B": {"1"}, "Content-Length": {"0"}}, wantReuse: reused},
	{name: "identical content-lengths", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
		wantStatus: 200, wantBody: "ok", wantHeader: http.Header{"Content-Length": {"2"}}, wantReuse: reused},
	{name: "hop-by-hop response headers", resp: "HTTP/1.1 200 OK\r\nConnection: X-Hop, keep-alive\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n" +
		"Proxy-Authenticate: Basic\r\nProxy-Connection: keep-alive\r\nUpgrade: h2c\r\nTe: trailers\r\nX-Kept: 1\r\nContent-Length: 2\r\n\r\nok",
		wantStatus: 200, wantBody: "ok", wantHeader: http.Header{"X-Kept": {"1"}, "Content-Length": {"2"}}, wantReuse: reused},
	{name: "chunked with trailer", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n" +
		"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: v\r\n\r\n",
		wantStatus: 200, wantBody: "hello world", wantHeader: http.Header{}, wantReuse: reused,
		rpDiffers: "ReverseProxy forwards trailers (Trailer: X-T announced); the forward path drops them"},
	{name: "chunked without trailer", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		wantStatus: 200, wantBody: "abc", wantHeader: http.Header{}, wantReuse: reused},
	{name: "chunked and content-length", resp: "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		wantStatus: 200, wantBody: "abc", wantHeader: http.Header{}},
	{name: "close-delimited", resp: "HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nuntil close", close: true,
		wantStatus: 200, wantBody: "until close", wantHeader: http.Header{"X-A": {"1"}}, wantReuse: notReused},
	{name: "http/1.0 without keep-alive", resp: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
		wantStatus: 200, wantBody: "ok", wantHeader: http.Header{"Content-Length": {"2"}}, wantReuse: notReused},
	{name: "http/1.0 keep-alive with length", resp: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
		wantStatus: 200, wantBody: "ok", wantHeader: http.Header{"Content-Length": {"2"}}, wantReuse: reused},
	{name: "http/1.0 keep-alive without length", resp: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nuntil close", close: true,
		wantStatus: 200, wantBody: "until close", wantHeader: http.Header{}, wantReuse: notReused},
	{name: "http/1.0 chunked", resp: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", close: true,
		wantStatus: 200, wantBody: "abc", wantHeader: http.Header{}, wantReuse: notReused,
		rpDiffers: "net/http ignores Transfer-Encoding on HTTP/1.0 and passes the chunk framing on as body bytes; the forward path decodes it and closes (RFC 9112 §6.1)"},
	{name: "http/1.1 connection close", resp: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
		wantStatus: 200, wantBody: "ok", wantHeader: http.Header{"Content-Length": {"2"}}, wantReuse: notReused},
	{name: "head with content-length", method: "HEAD", resp: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
		wantStatus: 200, wantHeader: http.Header{"Content-Length": {"10"}}, wantReuse: reused},
	{name: "head with chunked", method: "HEAD", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		wantStatus: 200, wantHeader: http.Header{}, wantReuse: reused},
	{name: "204", method: "DELETE", resp: "HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n",
		wantStatus: 204, wantHeader: http.Header{"X-A": {"1"}}, wantReuse: reused},
	{name: "304 with content-length", resp: "HTTP/1.1 304 Not Modified\r\nEtag: \"v1\"\r\nContent-Length: 10\r\n\r\n",
		wantStatus: 304, wantHeader: http.Header{"Etag": {`"v1"`}, "Content-Length": {"10"}}, wantReuse: reused},
	{name: "100 and 103 skipped", resp: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" + okResp,
		wantStatus: 200, wantBody: "ok", wantHeader: http.Header{"Content-Length": {"2"}}, wantReuse: reused},
	{name: "five interim responses skipped", resp: strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n", 5) + okResp,
		wantStatus: 200, wantBody: "ok", wantHeader: http.Header{"Content-Length": {"2"}}, wantReuse: reused},
	{name: "six interim responses refused", resp: strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n", 6) + okResp,
		wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "101", resp: "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
		wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "malformed status code", resp: "HTTP/1.1 2x0 OK\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "status code too long", resp: "HTTP/1.1 2000 OK\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "status code below 100", resp: "HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused,
		rpDiffers: "net/http reads status 099 and ReverseProxy then panics in WriteHeader; the forward path refuses codes below 100"},
	{name: "not http", resp: "ICY 200 OK\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "no status code", resp: "HTTP/1.1\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "header without colon", resp: "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "header name with space", resp: "HTTP/1.1 200 OK\r\nBad Name: v\r\nContent-Length: 0\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused,
		rpDiffers: "net/http reads response field names leniently and forwards \"Bad Name\"; the forward path refuses a name that is not a token"},
	{name: "space before colon", resp: "HTTP/1.1 200 OK\r\nX-A : v\r\nContent-Length: 0\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused,
		rpDiffers: "net/http forwards \"X-A \" (space kept in the name); the forward path refuses it (RFC 9112 §5.1)"},
	{name: "obs-fold", resp: "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 2\r\n\r\nok", wantErr: gwresp.IntegrationFailure, wantReuse: notReused,
		rpDiffers: "net/http unfolds obs-fold continuation lines; the forward path rejects them (RFC 9112 §5.2 allows a gateway either)"},
	{name: "conflicting content-length", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "content-length list", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "transfer-encoding gzip", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "transfer-encoding gzip, chunked", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "empty transfer-encoding", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\nContent-Length: 2\r\n\r\nok", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "negative content-length", resp: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "plus-sign content-length", resp: "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "non-numeric content-length", resp: "HTTP/1.1 200 OK\r\nContent-Length: two\r\n\r\nok", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "overflowing content-length", resp: "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nok", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "empty content-length", resp: "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nok", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "head with invalid content-length", method: "HEAD", resp: "HTTP/1.1 200 OK\r\nContent-Length: two\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "304 with negative content-length", resp: "HTTP/1.1 304 Not Modified\r\nContent-Length: -0\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "204 with transfer-encoding gzip", resp: "HTTP/1.1 204 No Content\r\nTransfer-Encoding: gzip\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "chunked with invalid content-length", resp: "HTTP/1.1 200 OK\r\nContent-Length: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "NUL in a header value", resp: "HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 0\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "bare CR in a header value", resp: "HTTP/1.1 200 OK\r\nX-A: a\rX-B: b\r\nContent-Length: 0\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "DEL in a header value", resp: "HTTP/1.1 200 OK\r\nX-A: \x7f\r\nContent-Length: 0\r\n\r\n", wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "tab and obs-text in a header value", resp: "HTTP/1.1 200 OK\r\nX-A: a\tb \xe9\r\nContent-Length: 0\r\n\r\n",
		wantStatus: 200, wantHeader: http.Header{"X-A": {"a\tb \xe9"}, "Content-Length": {"0"}}, wantReuse: reused},
	{name: "header line longer than the read buffer", resp: "HTTP/1.1 200 OK\r\nX-Long: " + strings.Repeat("l", 40<<10) + "\r\nContent-Length: 2\r\n\r\nok",
		wantStatus: 200, wantBody: "ok", wantHeader: http.Header{"X-Long": {strings.Repeat("l", 40<<10)}, "Content-Length": {"2"}}, wantReuse: reused},
	{name: "header block over the default limit", resp: "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Many: "+strings.Repeat("m", 1000)+"\r\n", 70) + "Content-Length: 0\r\n\r\n",
		wantErr: gwresp.IntegrationFailure, wantReuse: notReused,
		rpDiffers: "Transport.RoundTrip reads the head with http.ReadResponse, which applies no MaxResponseHeaderBytes"},
	{name: "header block over limit", maxHdr: 1024, resp: "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("b", 2000) + "\r\nContent-Length: 0\r\n\r\n",
		wantErr: gwresp.IntegrationFailure, wantReuse: notReused,
		rpDiffers: "Transport.RoundTrip reads the head with http.ReadResponse, which applies no MaxResponseHeaderBytes"},
	{name: "head ends at eof", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", close: true, wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "closed before any byte", resp: "", close: true, wantErr: gwresp.IntegrationFailure, wantReuse: notReused},
	{name: "closed mid-body", resp: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", close: true,
		wantPanic: true, wantReuse: notReused,
		rpDiffers: "ReverseProxy panics only under net/http's server (http.ServerContextKey), so on a recorder it returns a short body"},
	{name: "closed mid-chunk", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", close: true,
		wantPanic: true, wantReuse: notReused,
		rpDiffers: "ReverseProxy panics only under net/http's server"},
	{name: "bad chunk size", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
		wantPanic: true, wantReuse: notReused,
		rpDiffers: "ReverseProxy panics only under net/http's server"},
	{name: "trailer never ends", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: v\r\n", close: true,
		wantPanic: true, wantReuse: notReused,
		rpDiffers: "ReverseProxy panics only under net/http's server"},
}

// TestFraming runs raw backend responses through the forward path: status,
// client headers and body, errors, aborts, and whether the connection goes
// back to the pool (checked on the pool and by a second request: a reused
// connection means the backend accepted only one).
func TestFraming(t *testing.T) {
	for _, tc := range framingCases {
		t.Run(tc.name, func(t *testing.T) {
			be := newRawBackend(t, func(conn, req int, r *http.Request) (string, bool) {
				if conn == 0 && req == 0 {
					return tc.resp, !tc.close
				}
				return okResp, true
			})
			tr := NewTransport()
			defer tr.Close()
			if tc.maxHdr > 0 {
				tr.MaxResponseHeaderBytes = tc.maxHdr
			}
			p := newProxy(t, be.URL(), exchange.HTTP, tr, 5*time.Second)
			method := tc.method
			if method == "" {
				method = "GET"
			}
			res := serveOnce(t, p, method, nil)
			switch {
			case tc.wantPanic:
				if res.panicked != http.ErrAbortHandler {
					t.Fatalf("panic %v (err %v), want http.ErrAbortHandler", res.panicked, res.err)
				}
			case res.panicked != nil:
				t.Fatalf("panic %v", res.panicked)
			case tc.wantErr != "":
				if res.errType != tc.wantErr {
					t.Fatalf("Serve: %v, want %s", res.err, tc.wantErr)
				}
				if res.x.IntegrationStatus != 0 {
					t.Errorf("IntegrationStatus = %d for a refused response, want 0", res.x.IntegrationStatus)
				}
			default:
				if res.err != nil {
					t.Fatalf("Serve: %v", res.err)
				}
				if res.status != tc.wantStatus || res.body != tc.wantBody {
					t.Errorf("got %d %q, want %d %q", res.status, res.body, tc.wantStatus, tc.wantBody)
				}
				if res.x.IntegrationStatus != tc.wantStatus {
					t.Errorf("IntegrationStatus = %d, want %d", res.x.IntegrationStatus, tc.wantStatus)
				}
				diffHeaderExact(t, res.header, tc.wantHeader)
			}
			idle := idleConns(tr)
			if tc.wantReuse == reused && idle != 1 || tc.wantReuse == notReused && idle != 0 {
				t.Errorf("idle connections after the response: %d, want reuse %v", idle, tc.wantReuse == reused)
			}
			// A second request works either way; it reuses the connection
			// only when the first one left it clean.
			if res := serveOnce(t, p, "GET", nil); res.err != nil || res.panicked != nil || res.body != "ok" {
				t.Fatalf("second request: %v %v %q", res.err, res.panicked, res.body)
			}
			want := map[reuse]int64{reused: 1, notReused: 2}[tc.wantReuse]
			if n := be.accepted.Load(); want != 0 && n != want {
				t.Errorf("backend accepted %d connections, want %d", n, want)
			}
		})
	}
}

func diffHeaderExact(t *testing.T, got, want http.Header) {
	t.Helper()
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("header %s = %q, want %q", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected header %s: %q", k, v)
		}
	}
}

// summary is a comparable account of what Serve did.
func (r result) summary() string {
	switch {
	case r.panicked != nil:
		return fmt.Sprintf("panic %v", r.panicked)
	case r.err != nil:
		return "error " + string(r.errType)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d", r.status)
	for _, k := range slices.Sorted(maps.Keys(r.header)) {
		fmt.Fprintf(&b, " %s=%s", k, truncate(fmt.Sprintf("%q", r.header[k])))
	}
	fmt.Fprintf(&b, " body %q", r.body)
	return b.String()
}

// TestResponseParity runs the framing table through the ReverseProxy path
// too: both paths answer alike except where rpDiffers documents why not.
func TestResponseParity(t *testing.T) {
	for _, tc := range framingCases {
		t.Run(tc.name, func(t *testing.T) {
			be := newRawBackend(t, func(conn, req int, r *http.Request) (string, bool) {
				return tc.resp, !tc.close
			})
			method := tc.method
			if method == "" {
				method = "GET"
			}
			var got [2]string
			for i, rt := range []http.RoundTripper{NewTransport(), wrapped{NewTransport()}} {
				tr, _ := rt.(*Transport)
				if w, ok := rt.(wrapped); ok {
					tr = w.RoundTripper.(*Transport)
				}
				if tc.maxHdr > 0 {
					tr.MaxResponseHeaderBytes = tc.maxHdr
				}
				got[i] = serveOnce(t, newProxy(t, be.URL(), exchange.HTTP, rt, 5*time.Second), method, nil).summary()
				tr.Close()
			}
			switch {
			case tc.rpDiffers == "" && got[0] != got[1]:
				t.Errorf("forward:      %s\nreverseproxy: %s", got[0], got[1])
			case tc.rpDiffers != "" && got[0] == got[1]:
				t.Errorf("both paths: %s; documented difference %q no longer holds", got[0], tc.rpDiffers)
			case tc.rpDiffers != "":
				t.Logf("%s\nforward:      %s\nreverseproxy: %s", tc.rpDiffers, got[0], got[1])
			}
		})
	}
}

// failingWriter is a client connection that is gone.
type failingWriter struct{ h http.Header }

func (w *failingWriter) Header() http.Header     { return w.h }
func (*failingWriter) WriteHeader(int)           {}
func (*failingWriter) Write([]byte) (int, error) { return 0, errors.New("client gone") }

// TestClientWriteFails: when the client cannot be written to, the forward
// path aborts (http.ErrAbortHandler) and drops the backend connection,
// whose body was not read to the end.
func TestClientWriteFails(t *testing.T) {
	for _, resp := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	} {
		be := newRawBackend(t, func(conn, req int, r *http.Request) (string, bool) { return resp, true })
		tr := NewTransport()
		p := newProxy(t, be.URL(), exchange.HTTP, tr, 5*time.Second)
		x, _ := newExchange("GET", "/items/1", nil)
		x.W = &failingWriter{h: http.Header{}}
		func() {
			defer func() {
				if v := recover(); v != http.ErrAbortHandler {
					t.Errorf("%q: panic %v, want http.ErrAbortHandler", resp, v)
				}
			}()
			err := p.Serve(x)
			t.Errorf("%q: Serve returned %v", resp, err)
		}()
		if n := idleConns(tr); n != 0 {
			t.Errorf("%q: %d idle connections", resp, n)
		}
		tr.Close()
	}
}
