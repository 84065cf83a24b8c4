package httpproxy

import (
	"bufio"
	"bytes"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

// TestWriteTargetMatchesURL: for a fixed backend URL the forward path
// writes the request target itself (writeTarget); it must write exactly
// what Proxy.target and url.URL produce, and the shortcut must be taken only
// for paths plainPath accepts.
func TestWriteTargetMatchesURL(t *testing.T) {
	bases := []string{"http://b", "http://b/", "http://b/api", "http://b/api/", "http://b/a%20b/", "http://b/x?k=v", "http://b/x?", "http://b/$s;p=1@x"}
	paths := []string{"", "/", "/items/1", "/a%2Fb", "/a%20b/c", "/a!b", "/f(1)", "/%7Euser", "/a+b=c;d,e:f@g$h&i", "/é", "/a%zz", "/x%", "/a|b", "/*"}
	queries := []string{"", "a=1", "a=1&b=2", "X-Amz-Algorithm=AWS4-HMAC-SHA256&a=1&X-Amz-Signature=00", "x-amz-date=1&&b=%20", "a"}
	n := 0
	for _, base := range bases {
		for _, appendPath := range []bool{false, true} {
			for _, strip := range []bool{false, true} {
				p, err := New(Config{URL: base, AppendPath: appendPath, StripSigV4: strip, Timeout: time.Second}, exchange.HTTP, NewTransport(), slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				for _, path := range paths {
					for _, q := range queries {
						target := "/x"
						if q != "" {
							target += "?" + q
						}
						x := &exchange.Exchange{R: httptest.NewRequest("GET", target, nil), EscapedPath: path}
						var want call
						werr := p.target(x, &want.target)
						direct := p.fixedPath && (!appendPath || plainPath(path))
						if !direct {
							continue
						}
						n++
						if werr != nil {
							t.Errorf("%s append=%v path %q: target() failed (%v) where the shortcut applies", base, appendPath, path, werr)
							continue
						}
						var wantB bytes.Buffer
						if e := want.target.EscapedPath(); e == "" {
							wantB.WriteByte('/')
						} else {
							wantB.WriteString(e)
						}
						if want.target.RawQuery != "" || want.target.ForceQuery {
							wantB.WriteString("?" + want.target.RawQuery)
						}
						var got bytes.Buffer
						bw := bufio.NewWriter(&got)
						c := &call{target: *p.base, direct: true}
						p.writeTarget(bw, x, c)
						_ = bw.Flush()
						if got.String() != wantB.String() {
							t.Errorf("%s append=%v strip=%v path %q query %q: wrote %q, url.URL gives %q", base, appendPath, strip, path, q, got.String(), wantB.String())
						}
					}
				}
			}
		}
	}
	if n < 500 {
		t.Fatalf("only %d cases took the shortcut", n)
	}
}

func TestPlainPath(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", true}, {"/", true}, {"/a/b-c_d.e~f", true}, {"/a%2Fb", true}, {"/a%2fb", true},
		{"/$&+,:;=@", true}, {"/a!b", false}, {"/a*b", false}, {"/(x)", false}, {"/'", false},
		{"/a%2", false}, {"/a%zz", false}, {"/%", false}, {"/a b", false}, {"/é", false}, {"/a|b", false}, {"/a?b", false},
	} {
		if got := plainPath(tc.in); got != tc.want {
			t.Errorf("plainPath(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
