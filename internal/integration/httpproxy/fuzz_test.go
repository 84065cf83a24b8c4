package httpproxy

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/httpwire"
)

// headOf is the part of a raw response readHead hands to parseRespHead:
// the status line and fields with their line ends, without the blank line.
func headOf(resp string) string {
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if i := strings.Index(resp, sep); i >= 0 {
			return resp[:i+len(sep)/2]
		}
	}
	return resp
}

// FuzzParseRespHead checks parseRespHead and framing on arbitrary heads:
// no panic; an accepted head has a status in 100..999 and a framing
// consistent with its fields; and net/http reads every head parseRespHead
// accepts, to the same status.
func FuzzParseRespHead(f *testing.F) {
	for _, tc := range framingCases {
		f.Add(headOf(tc.resp))
	}
	f.Add("HTTP/1.1 200 OK\r\nConnection: close, X-A\r\nX-A: 1\r\n")
	f.Add("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n")
	f.Add("HTTP/1.1 200 OK\r\nContent-Length: 007\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		var rh respHead
		if err := parseRespHead(s, &rh); err != nil {
			return
		}
		if rh.status < 100 || rh.status > 999 {
			t.Fatalf("status %d", rh.status)
		}
		if rh.minor != 0 && rh.minor != 1 {
			t.Fatalf("minor version %d", rh.minor)
		}
		nCL := 0
		for _, fl := range rh.fields {
			if !httpwire.IsToken(fl.k) {
				t.Fatalf("field name %q is not a token", fl.k)
			}
			if fl.k == "Content-Length" {
				nCL++
				if fl.v != rh.cl {
					t.Fatalf("Content-Length %q kept beside %q", fl.v, rh.cl)
				}
			}
		}
		if nCL != rh.nCL {
			t.Fatalf("nCL %d, %d Content-Length fields", rh.nCL, nCL)
		}
		for _, method := range []string{"GET", "HEAD"} {
			h := rh // framing may clear keepAlive
			fr, n, err := h.framing(method)
			if err != nil {
				if fr != 0 || n != 0 {
					t.Fatalf("%s: error %v with framing %d length %d", method, err, fr, n)
				}
				if h.te == "" && h.nCL == 0 {
					t.Fatalf("%s: error %v without Transfer-Encoding or Content-Length", method, err)
				}
				continue
			}
			switch fr {
			case frameNone:
				if n != 0 || method != "HEAD" && rh.status >= 200 && rh.status != 204 && rh.status != 304 {
					t.Fatalf("%s %d: no body, length %d", method, rh.status, n)
				}
			case frameLength:
				want, perr := strconv.ParseInt(rh.cl, 10, 64)
				if n < 0 || perr != nil || want != n || rh.te != "" || rh.nCL == 0 {
					t.Fatalf("%s: length %d from Content-Length %q (te %q)", method, n, rh.cl, rh.te)
				}
			case frameChunked:
				if n != -1 || !strings.EqualFold(rh.te, "chunked") {
					t.Fatalf("%s: chunked with length %d, te %q", method, n, rh.te)
				}
			case frameClose:
				if n != -1 || h.keepAlive || rh.te != "" || rh.nCL != 0 {
					t.Fatalf("%s: close-delimited with length %d, keep-alive %v", method, n, h.keepAlive)
				}
			default:
				t.Fatalf("%s: framing %d", method, fr)
			}
			// net/http reads what the forward path accepts.
			req, _ := http.NewRequest(method, "http://backend/", nil)
			head := s
			if !strings.HasSuffix(head, "\n") {
				head += "\n" // readHead hands over whole lines only
			}
			res, err := http.ReadResponse(bufio.NewReader(strings.NewReader(head+"\r\n")), req)
			if err != nil {
				t.Fatalf("%s: forward path accepts %q, net/http: %v", method, s, err)
			}
			if res.StatusCode != rh.status {
				t.Fatalf("%s: status %d, net/http %d", method, rh.status, res.StatusCode)
			}
		}
	})
}
