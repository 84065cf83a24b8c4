package httpwire

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestGrammar(t *testing.T) {
	tokens := []struct {
		in   string
		want bool
	}{{"GET", true}, {"X-Amz-Date", true}, {"a!#$%&'*+-.^_`|~z", true}, {"", false}, {"a b", false}, {"a:b", false}, {"é", false}, {"a\x00", false}, {"(x)", false}}
	for _, tc := range tokens {
		if got := IsToken(tc.in); got != tc.want {
			t.Errorf("IsToken(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	values := []struct {
		in   string
		want bool
	}{{"", true}, {"a b\tc", true}, {"é ü", true}, {"a\rb", false}, {"a\nb", false}, {"a\x00", false}, {"a\x7f", false}}
	for _, tc := range values {
		if got := ValidValue(tc.in); got != tc.want {
			t.Errorf("ValidValue(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for in, want := range map[string]string{"": "", " \ta b\t ": "a b", "x": "x", " \t ": ""} {
		if got := TrimOWS(in); got != want {
			t.Errorf("TrimOWS(%q) = %q, want %q", in, got, want)
		}
	}
	lines := []struct{ in, line, rest string }{
		{"a\r\nb\r\n", "a", "b\r\n"}, {"a\nb", "a", "b"}, {"a", "a", ""}, {"a\r", "a", ""}, {"\r\n", "", ""}, {"", "", ""},
	}
	for _, tc := range lines {
		if l, r := CutLine(tc.in); l != tc.line || r != tc.rest {
			t.Errorf("CutLine(%q) = %q, %q; want %q, %q", tc.in, l, r, tc.line, tc.rest)
		}
	}
	has := []struct {
		vals []string
		tok  string
		want bool
	}{{[]string{"keep-alive, Close"}, "close", true}, {[]string{"a", " b ,c"}, "B", true}, {[]string{"closed"}, "close", false}, {nil, "close", false}}
	for _, tc := range has {
		if got := HasToken(tc.vals, tc.tok); got != tc.want {
			t.Errorf("HasToken(%q, %q) = %v, want %v", tc.vals, tc.tok, got, tc.want)
		}
	}
}

func TestDiscardTrailer(t *testing.T) {
	tests := []struct {
		name, in string
		limit    int
		wantErr  error
		rest     string
	}{
		{"none", "\r\nNEXT", 100, nil, "NEXT"},
		{"bare LF", "\nNEXT", 100, nil, "NEXT"},
		{"fields", "X-A: 1\r\nX-B: 2\r\n\r\nNEXT", 100, nil, "NEXT"},
		{"over the limit", "X-A: " + strings.Repeat("a", 200) + "\r\n\r\n", 100, ErrTrailerTooLarge, ""},
		{"line over the buffer", "X-A: " + strings.Repeat("a", 5000) + "\r\n\r\n", 1 << 20, ErrTrailerTooLarge, ""},
		{"cut short", "X-A: 1\r\n", 100, io.ErrUnexpectedEOF, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(tc.in), 4096)
			err := DiscardTrailer(br, tc.limit)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err == nil {
				if rest, _ := io.ReadAll(br); string(rest) != tc.rest {
					t.Fatalf("left %q, want %q", rest, tc.rest)
				}
			}
		})
	}
}

func FuzzDiscardTrailer(f *testing.F) {
	for _, s := range []string{"\r\n", "X-A: 1\r\n\r\n", "X-A: 1\r\n", "\n\n", strings.Repeat("a", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		br := bufio.NewReaderSize(strings.NewReader(s), 64)
		err := DiscardTrailer(br, 128)
		if err == nil && !strings.Contains(s, "\n") {
			t.Fatalf("accepted a trailer section with no line end: %q", s)
		}
	})
}

func TestSanitizeAndHopByHop(t *testing.T) {
	for in, want := range map[string]string{" a b ": "a b", "a\r\nX-Injected: 1": "a  X-Injected: 1", "a\nb": "a b", "": ""} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
	for _, k := range []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"} {
		if !HopByHop(k) {
			t.Errorf("HopByHop(%q) = false", k)
		}
	}
	for _, k := range []string{"Content-Length", "Authorization", "X-Forwarded-For", "connection"} {
		if HopByHop(k) {
			t.Errorf("HopByHop(%q) = true", k)
		}
	}
}
