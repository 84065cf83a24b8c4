package listener

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/httpwire"
)

// parsed is what a test compares after parseHead succeeded.
type parsed struct {
	Method, RequestURI, Host string
	ProtoMinor               int
	Path, RawPath, RawQuery  string
	URLHost, Scheme          string
	Header                   http.Header
	ContentLength            int64
	TransferEncoding         []string
	Chunked, Expect          bool
	KeepAlive, Close         bool
}

// parse runs parseHead on a head the way conn.readRequest does and returns
// what it set, or the status the server would answer with (0 on success).
func parse(t testing.TB, s string) (parsed, int) {
	t.Helper()
	req := http.Request{Header: make(http.Header)}
	var u url.URL
	h, _, err := parseHead(s, &req, &u, nil)
	if err != nil {
		var pe *protoError
		if !errors.As(err, &pe) {
			t.Fatalf("parseHead(%q) error %v is not a *protoError", s, err)
		}
		return parsed{}, pe.status
	}
	if req.URL != &u {
		t.Fatalf("parseHead(%q): req.URL does not point at u", s)
	}
	return parsed{
		Method: req.Method, RequestURI: req.RequestURI, Host: req.Host, ProtoMinor: req.ProtoMinor,
		Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery, URLHost: u.Host, Scheme: u.Scheme,
		Header: req.Header, ContentLength: req.ContentLength, TransferEncoding: req.TransferEncoding,
		Chunked: h.chunked, Expect: h.expectContinue, KeepAlive: h.keepAlive, Close: req.Close,
	}, 0
}

// get11 is a GET of target over HTTP/1.1 to Host example.com with extra lines.
func get11(target string, lines ...string) string {
	return "GET " + target + " HTTP/1.1\r\nHost: example.com\r\n" + strings.Join(append(lines, ""), "\r\n")
}

type headCase struct {
	name       string
	in         string
	want       parsed
	wantStatus int
}

// headCases is the parseHead table; FuzzParseHead is seeded from it.
var headCases = []headCase{
	// Methods.
	{name: "get", in: get11("/"), want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/", Header: http.Header{}}},
	{name: "post with length", in: "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n",
		want: parsed{Method: "POST", RequestURI: "/p", Host: "h", ProtoMinor: 1, Path: "/p", ContentLength: 5, Header: http.Header{"Content-Length": {"5"}}}},
	{name: "extension method", in: "PURGE /x HTTP/1.1\r\nHost: h\r\n",
		want: parsed{Method: "PURGE", RequestURI: "/x", Host: "h", ProtoMinor: 1, Path: "/x", Header: http.Header{}}},
	{name: "lower case method kept", in: "get / HTTP/1.1\r\nHost: h\r\n",
		want: parsed{Method: "get", RequestURI: "/", Host: "h", ProtoMinor: 1, Path: "/", Header: http.Header{}}},
	{name: "method with slash", in: "GE/T / HTTP/1.1\r\nHost: h\r\n", wantStatus: 400},
	{name: "empty method", in: " / HTTP/1.1\r\nHost: h\r\n", wantStatus: 400},
	{name: "double space", in: "GET  / HTTP/1.1\r\nHost: h\r\n", wantStatus: 400},
	{name: "missing version", in: "GET /\r\nHost: h\r\n", wantStatus: 400},
	{name: "trailing field on request line", in: "GET / HTTP/1.1 x\r\nHost: h\r\n", wantStatus: 400},
	{name: "empty head", in: "", wantStatus: 400},

	// Targets.
	{name: "origin with query", in: get11("/a/b?x=1&y=%20"),
		want: parsed{Method: "GET", RequestURI: "/a/b?x=1&y=%20", Host: "example.com", ProtoMinor: 1, Path: "/a/b", RawQuery: "x=1&y=%20", Header: http.Header{}}},
	{name: "percent-encoded slash", in: get11("/a%2Fb/c"),
		want: parsed{Method: "GET", RequestURI: "/a%2Fb/c", Host: "example.com", ProtoMinor: 1, Path: "/a/b/c", RawPath: "/a%2Fb/c", Header: http.Header{}}},
	{name: "percent-encoded unreserved", in: get11("/%7Euser"),
		want: parsed{Method: "GET", RequestURI: "/%7Euser", Host: "example.com", ProtoMinor: 1, Path: "/~user", RawPath: "/%7Euser", Header: http.Header{}}},
	{name: "percent-encoded space", in: get11("/a%20b"),
		want: parsed{Method: "GET", RequestURI: "/a%20b", Host: "example.com", ProtoMinor: 1, Path: "/a b", Header: http.Header{}}},
	{name: "sub-delims kept raw", in: get11("/f(1)!*'"),
		want: parsed{Method: "GET", RequestURI: "/f(1)!*'", Host: "example.com", ProtoMinor: 1, Path: "/f(1)!*'", RawPath: "/f(1)!*'", Header: http.Header{}}},
	{name: "bad percent-encoding", in: get11("/a%zz"), wantStatus: 400},
	{name: "truncated percent-encoding", in: get11("/a%2"), wantStatus: 400},
	{name: "control byte in target", in: get11("/a\x01b"), wantStatus: 400},
	{name: "DEL in target", in: get11("/a\x7fb"), wantStatus: 400},
	{name: "relative target", in: get11("a/b"), wantStatus: 400},
	{name: "absolute form", in: "GET http://backend.test:8080/p?q HTTP/1.1\r\nHost: ignored.test\r\n",
		want: parsed{Method: "GET", RequestURI: "http://backend.test:8080/p?q", Host: "backend.test:8080", ProtoMinor: 1,
			Path: "/p", RawQuery: "q", URLHost: "backend.test:8080", Scheme: "http", Header: http.Header{}}},
	{name: "absolute form https", in: "GET HTTPS://b.test/ HTTP/1.1\r\nHost: b.test\r\n",
		want: parsed{Method: "GET", RequestURI: "HTTPS://b.test/", Host: "b.test", ProtoMinor: 1,
			Path: "/", URLHost: "b.test", Scheme: "https", Header: http.Header{}}},
	{name: "absolute form other scheme", in: "GET ftp://b.test/ HTTP/1.1\r\nHost: b.test\r\n", wantStatus: 400},
	{name: "absolute form without host", in: "GET http:///p HTTP/1.1\r\nHost: b.test\r\n", wantStatus: 400},
	{name: "asterisk", in: "OPTIONS * HTTP/1.1\r\nHost: h\r\n",
		want: parsed{Method: "OPTIONS", RequestURI: "*", Host: "h", ProtoMinor: 1, Path: "*", Header: http.Header{}}},
	{name: "asterisk with GET", in: "GET * HTTP/1.1\r\nHost: h\r\n", wantStatus: 400},
	{name: "authority form", in: "CONNECT backend.test:443 HTTP/1.1\r\nHost: backend.test:443\r\n",
		want: parsed{Method: "CONNECT", RequestURI: "backend.test:443", Host: "backend.test:443", ProtoMinor: 1,
			URLHost: "backend.test:443", Header: http.Header{}}},
	{name: "authority form with path", in: "CONNECT backend.test/x HTTP/1.1\r\nHost: backend.test\r\n", wantStatus: 400},
	{name: "authority form with userinfo", in: "CONNECT u@backend.test:443 HTTP/1.1\r\nHost: backend.test\r\n", wantStatus: 400},

	// Versions.
	{name: "http/1.0 without host", in: "GET / HTTP/1.0\r\n",
		want: parsed{Method: "GET", RequestURI: "/", ProtoMinor: 0, Path: "/", Close: true, Header: http.Header{}}},
	{name: "http/1.0 keep-alive", in: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n",
		want: parsed{Method: "GET", RequestURI: "/", ProtoMinor: 0, Path: "/", KeepAlive: true, Header: http.Header{"Connection": {"keep-alive"}}}},
	{name: "http/2.0", in: "GET / HTTP/2.0\r\nHost: h\r\n", wantStatus: 505},
	{name: "http/0.9 style", in: "GET / HTTP/0.9\r\nHost: h\r\n", wantStatus: 505},
	{name: "lower case version", in: "GET / http/1.1\r\nHost: h\r\n", wantStatus: 400},
	{name: "garbage version", in: "GET / HTTP/1.x\r\nHost: h\r\n", wantStatus: 400},
	{name: "long version", in: "GET / HTTP/1.10\r\nHost: h\r\n", wantStatus: 400},

	// Host.
	{name: "missing host on 1.1", in: "GET / HTTP/1.1\r\nAccept: */*\r\n", wantStatus: 400},
	{name: "duplicate host", in: "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n", wantStatus: 400},
	{name: "host with space", in: "GET / HTTP/1.1\r\nHost: a b\r\n", wantStatus: 400},
	{name: "host with slash", in: "GET / HTTP/1.1\r\nHost: a/b\r\n", wantStatus: 400},
	{name: "host with at sign", in: "GET / HTTP/1.1\r\nHost: user@a\r\n", wantStatus: 400},
	{name: "host with hash", in: "GET / HTTP/1.1\r\nHost: a#b\r\n", wantStatus: 400},
	{name: "host with pipe", in: "GET / HTTP/1.1\r\nHost: a|b\r\n", wantStatus: 400},
	{name: "host with sub-delims and zone", in: "GET / HTTP/1.1\r\nHost: [fe80::1%25en0]:8080\r\n",
		want: parsed{Method: "GET", RequestURI: "/", Host: "[fe80::1%25en0]:8080", ProtoMinor: 1, Path: "/", Header: http.Header{}}},
	{name: "host with sub-delims", in: "GET / HTTP/1.1\r\nHost: a!$&'()*+,;=b\r\n",
		want: parsed{Method: "GET", RequestURI: "/", Host: "a!$&'()*+,;=b", ProtoMinor: 1, Path: "/", Header: http.Header{}}},
	{name: "host ipv6 with port", in: "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n",
		want: parsed{Method: "GET", RequestURI: "/", Host: "[::1]:8080", ProtoMinor: 1, Path: "/", Header: http.Header{}}},
	{name: "empty host", in: "GET / HTTP/1.1\r\nHost:\r\n",
		want: parsed{Method: "GET", RequestURI: "/", ProtoMinor: 1, Path: "/", Header: http.Header{}}},
	{name: "host key in any case", in: "GET / HTTP/1.1\r\nhOsT: a.test\r\n",
		want: parsed{Method: "GET", RequestURI: "/", Host: "a.test", ProtoMinor: 1, Path: "/", Header: http.Header{}}},

	// Header fields.
	{name: "canonical keys and value order", in: get11("/", "x-multi: 1", "accept-encoding: gzip", "X-MULTI: 2", "x-Multi: 3"),
		want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/",
			Header: http.Header{"X-Multi": {"1", "2", "3"}, "Accept-Encoding": {"gzip"}}}},
	{name: "ows trimmed", in: get11("/", "A: \t v w \t", "B:v", "C:   "),
		want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/",
			Header: http.Header{"A": {"v w"}, "B": {"v"}, "C": {""}}}},
	{name: "bare LF line endings", in: "GET / HTTP/1.1\nHost: h\nA: 1\n",
		want: parsed{Method: "GET", RequestURI: "/", Host: "h", ProtoMinor: 1, Path: "/", Header: http.Header{"A": {"1"}}}},
	{name: "value with colon and utf-8", in: get11("/", "X: a:b é"),
		want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/", Header: http.Header{"X": {"a:b é"}}}},
	{name: "obs-fold", in: get11("/", "A: 1", " continued"), wantStatus: 400},
	{name: "obs-fold with tab", in: get11("/", "A: 1", "\tcontinued"), wantStatus: 400},
	{name: "space before colon", in: get11("/", "A : 1"), wantStatus: 400},
	{name: "no colon", in: get11("/", "A 1"), wantStatus: 400},
	{name: "empty name", in: get11("/", ": 1"), wantStatus: 400},
	{name: "name with slash", in: get11("/", "A/B: 1"), wantStatus: 400},
	{name: "NUL in value", in: get11("/", "A: x\x00y"), wantStatus: 400},
	{name: "CR in value", in: get11("/", "A: x\ry"), wantStatus: 400},
	{name: "DEL in value", in: get11("/", "A: x\x7f"), wantStatus: 400},
	{name: "tab in value", in: get11("/", "A: x\ty"),
		want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/", Header: http.Header{"A": {"x\ty"}}}},

	// Content-Length.
	{name: "zero length", in: get11("/", "Content-Length: 0"),
		want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/", Header: http.Header{"Content-Length": {"0"}}}},
	{name: "equal duplicate lengths", in: get11("/", "Content-Length: 7", "content-length: 7"),
		want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/", ContentLength: 7,
			Header: http.Header{"Content-Length": {"7"}}}},
	{name: "leading zeros", in: get11("/", "Content-Length: 007"),
		want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/", ContentLength: 7,
			Header: http.Header{"Content-Length": {"007"}}}},
	{name: "largest accepted length", in: get11("/", "Content-Length: 999999999999999999"),
		want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/", ContentLength: 999999999999999999,
			Header: http.Header{"Content-Length": {"999999999999999999"}}}},
	{name: "conflicting lengths", in: get11("/", "Content-Length: 7", "Content-Length: 8"), wantStatus: 400},
	{name: "length list", in: get11("/", "Content-Length: 7, 7"), wantStatus: 400},
	{name: "negative length", in: get11("/", "Content-Length: -1"), wantStatus: 400},
	{name: "plus sign length", in: get11("/", "Content-Length: +1"), wantStatus: 400},
	{name: "hex length", in: get11("/", "Content-Length: 0x10"), wantStatus: 400},
	{name: "empty length", in: get11("/", "Content-Length:"), wantStatus: 400},
	{name: "too long length", in: get11("/", "Content-Length: 1000000000000000000"), wantStatus: 400},
	{name: "overflowing length", in: get11("/", "Content-Length: 99999999999999999999999"), wantStatus: 400},

	// Transfer-Encoding.
	{name: "chunked", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n",
		want: parsed{Method: "POST", RequestURI: "/", Host: "h", ProtoMinor: 1, Path: "/", ContentLength: -1,
			TransferEncoding: []string{"chunked"}, Chunked: true, Header: http.Header{}}},
	{name: "chunked any case", in: "POST / HTTP/1.1\r\nHost: h\r\ntransfer-encoding: Chunked\r\n",
		want: parsed{Method: "POST", RequestURI: "/", Host: "h", ProtoMinor: 1, Path: "/", ContentLength: -1,
			TransferEncoding: []string{"chunked"}, Chunked: true, Header: http.Header{}}},
	{name: "gzip encoding", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n", wantStatus: 501},
	{name: "identity encoding", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n", wantStatus: 501},
	{name: "two encoding fields", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", wantStatus: 501},
	{name: "chunked and length", in: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n", wantStatus: 400},
	{name: "length and chunked", in: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n", wantStatus: 400},
	{name: "chunked on 1.0", in: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n", wantStatus: 400},

	// Expect.
	{name: "expect continue", in: "PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n",
		want: parsed{Method: "PUT", RequestURI: "/", Host: "h", ProtoMinor: 1, Path: "/", ContentLength: 1, Expect: true,
			Header: http.Header{"Expect": {"100-Continue"}, "Content-Length": {"1"}}}},
	{name: "expect continue on 1.0 ignored", in: "PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n",
		want: parsed{Method: "PUT", RequestURI: "/", ProtoMinor: 0, Path: "/", ContentLength: 1, Close: true,
			Header: http.Header{"Expect": {"100-continue"}, "Content-Length": {"1"}}}},
	{name: "other expectation", in: get11("/", "Expect: 200-ok"), wantStatus: 417},

	// Connection.
	{name: "connection close", in: get11("/", "Connection: close"),
		want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/", Close: true, Header: http.Header{"Connection": {"close"}}}},
	{name: "connection token list", in: get11("/", "Connection: Upgrade , CLOSE"),
		want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/", Close: true, Header: http.Header{"Connection": {"Upgrade , CLOSE"}}}},
	{name: "connection keep-alive on 1.1", in: get11("/", "Connection: Keep-Alive"),
		want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/", KeepAlive: true, Header: http.Header{"Connection": {"Keep-Alive"}}}},
	{name: "connection closed is not close", in: get11("/", "Connection: closed"),
		want: parsed{Method: "GET", RequestURI: "/", Host: "example.com", ProtoMinor: 1, Path: "/", Header: http.Header{"Connection": {"closed"}}}},
	{name: "1.0 keep-alive and close", in: "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n",
		want: parsed{Method: "GET", RequestURI: "/", ProtoMinor: 0, Path: "/", KeepAlive: true, Close: true, Header: http.Header{"Connection": {"keep-alive, close"}}}},
}

func TestParseHead(t *testing.T) {
	for _, tc := range headCases {
		t.Run(tc.name, func(t *testing.T) {
			got, status := parse(t, tc.in)
			if status != tc.wantStatus {
				t.Fatalf("status = %d, want %d (parsed %+v)", status, tc.wantStatus, got)
			}
			if status != 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseHead(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

// TestParseHeadTargetMatchesURL checks that origin-form and absolute-form
// targets come out as url.ParseRequestURI (which net/http uses) makes them,
// so EscapedPath, RequestURI and String agree with what a proxy expects.
func TestParseHeadTargetMatchesURL(t *testing.T) {
	targets := []string{
		"/", "/a/b/c", "/a/b/", "//double//slash", "/a?", "/a?x=1&x=2", "/a?q=%zz", "/a#frag", "/a?b#c",
		"/a%2Fb", "/a%2fb", "/%41%42", "/a%20b", "/a+b", "/a%2Bb", "/%7Euser", "/~user",
		"/a!b", "/f(1)", "/a*b", "/a'b", "/a;b=c,d", "/a:b@c", "/$&=", "/a{b}", "/a|b", "/a\"b", "/a<b>", "/a^b`c",
		"/é", "/%C3%A9", "/a%e9", "/a[b]", "/a%5Bb%5D", "/%", "/a%2", "/a%g0",
		"http://h.test", "http://h.test/", "http://h.test:81/a%2Fb?x#f", "https://user@h.test/p", "http://[::1]:8080/p!",
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			want, wantErr := url.ParseRequestURI(target)
			var got url.URL
			err := parseTarget(http.MethodGet, target, &got)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("parseTarget error %v, url.ParseRequestURI error %v", err, wantErr)
			}
			if err != nil {
				return
			}
			if got.User.String() != want.User.String() {
				t.Errorf("User = %v, want %v", got.User, want.User)
			}
			got.User, want.User = nil, nil
			if got != *want {
				t.Errorf("parseTarget = %#v\nurl.ParseRequestURI = %#v", got, *want)
			}
			if got.EscapedPath() != want.EscapedPath() || got.RequestURI() != want.RequestURI() {
				t.Errorf("EscapedPath, RequestURI = %q, %q; want %q, %q", got.EscapedPath(), got.RequestURI(), want.EscapedPath(), want.RequestURI())
			}
		})
	}
}

// TestParseHeadReuse parses into the same request and URL twice, as a
// connection does, and checks nothing of the first request leaks.
func TestParseHeadReuse(t *testing.T) {
	req := http.Request{Header: make(http.Header)}
	var u url.URL
	if _, _, err := parseHead("GET http://a.test/x%2Fy?q HTTP/1.1\r\nHost: a.test\r\nX-A: 1\r\nContent-Length: 4\r\n", &req, &u, nil); err != nil {
		t.Fatal(err)
	}
	req = http.Request{Header: req.Header}
	clear(req.Header)
	if _, _, err := parseHead("GET /z HTTP/1.1\r\nHost: b.test\r\n", &req, &u, nil); err != nil {
		t.Fatal(err)
	}
	want := url.URL{Path: "/z"}
	if u != want || req.Host != "b.test" || len(req.Header) != 0 || req.ContentLength != 0 {
		t.Errorf("second request: url %#v host %q header %v length %d", u, req.Host, req.Header, req.ContentLength)
	}
}

func FuzzParseHead(f *testing.F) {
	for _, tc := range headCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		req := http.Request{Header: make(http.Header)}
		var u url.URL
		h, _, err := parseHead(s, &req, &u, nil)
		if err != nil {
			var pe *protoError
			if !errors.As(err, &pe) || pe.status < 400 || pe.status > 599 {
				t.Fatalf("parseHead(%q) error %v is not a 4xx/5xx protoError", s, err)
			}
			return
		}
		if !httpwire.IsToken(req.Method) {
			t.Errorf("method %q is not a token", req.Method)
		}
		if req.ProtoMajor != 1 || (req.ProtoMinor != 0 && req.ProtoMinor != 1) {
			t.Errorf("version %d.%d", req.ProtoMajor, req.ProtoMinor)
		}
		for k, vs := range req.Header {
			if k != textproto.CanonicalMIMEHeaderKey(k) {
				t.Errorf("header key %q is not canonical", k)
			}
			if k == "Host" || k == "Transfer-Encoding" {
				t.Errorf("header %q kept in the map", k)
			}
			for _, v := range vs {
				if v != httpwire.TrimOWS(v) || strings.ContainsAny(v, "\r\n\x00") {
					t.Errorf("header %q value %q not trimmed or has controls", k, v)
				}
			}
		}
		if req.ContentLength < -1 {
			t.Errorf("ContentLength = %d", req.ContentLength)
		}
		if h.chunked && req.ContentLength != -1 {
			t.Errorf("chunked with ContentLength = %d", req.ContentLength)
		}
		if !h.chunked && req.ContentLength == -1 {
			t.Errorf("ContentLength -1 without chunked")
		}
		if req.ProtoMinor == 1 && !strings.Contains(strings.ToLower(s), "host:") {
			t.Errorf("HTTP/1.1 without a Host field accepted")
		}
		if req.URL == nil || strings.ContainsAny(req.Host, " \r\n/") {
			t.Errorf("URL %v, Host %q", req.URL, req.Host)
		}
	})
}

// FuzzParseHeadMatchesNetHTTP checks that every head parseHead accepts is
// accepted by net/http's http.ReadRequest too and parsed the same way.
func FuzzParseHeadMatchesNetHTTP(f *testing.F) {
	for _, tc := range headCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// readHead hands parseHead every line with its terminator, so the
		// input gets one here, for both parsers alike: unterminated, a last
		// line "A:\r" is "A:" to parseHead but "A:\r" plus CRLF to
		// net/http, a difference the server can never meet.
		if !strings.HasSuffix(s, "\n") {
			s += "\r\n"
		}
		req := http.Request{Header: make(http.Header)}
		var u url.URL
		if _, _, err := parseHead(s, &req, &u, nil); err != nil {
			return
		}
		nr, err := http.ReadRequest(bufio.NewReader(strings.NewReader(s + "\r\n")))
		if err != nil {
			t.Fatalf("parseHead accepts %q, net/http does not: %v", s, err)
		}
		delete(nr.Header, "Host")
		summary := func(r *http.Request) string {
			return fmt.Sprintf("%s %s %s %s|%q|%q|%q|%v|%d|%v|%v", r.Method, r.RequestURI, r.Host, r.Proto,
				r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.Header, r.ContentLength, r.TransferEncoding, r.Close)
		}
		if got, want := summary(&req), summary(nr); got != want {
			t.Fatalf("input %q\nparseHead %s\nnet/http  %s", s, got, want)
		}
	})
}

func BenchmarkParseHead(b *testing.B) {
	const s = "GET /v1/items/42?expand=owner HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: bench/1.0\r\n" +
		"Accept: application/json\r\nAccept-Encoding: gzip\r\nAuthorization: Bearer abc.def.ghi\r\n" +
		"X-Request-Id: 0123456789\r\nConnection: keep-alive\r\n"
	req := http.Request{Header: make(http.Header, 8)}
	var u url.URL
	vals := make([]string, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		clear(req.Header)
		if _, _, err := parseHead(s, &req, &u, vals[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
