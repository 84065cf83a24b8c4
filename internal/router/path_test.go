package router

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

type canonCase struct {
	name        string
	raw         string
	wantDecoded string
	wantEscaped string
	wantErr     error
}

func canonCases() []canonCase {
	return []canonCase{
		{name: "root", raw: "/", wantDecoded: "/", wantEscaped: "/"},
		{name: "plain", raw: "/pets/7", wantDecoded: "/pets/7", wantEscaped: "/pets/7"},
		{name: "trailing slash kept", raw: "/pets/", wantDecoded: "/pets/", wantEscaped: "/pets/"},
		{name: "case kept", raw: "/Pets/DOG", wantDecoded: "/Pets/DOG", wantEscaped: "/Pets/DOG"},
		{name: "sub-delims raw", raw: "/a!$&'()*+,=:@~-._b", wantDecoded: "/a!$&'()*+,=:@~-._b", wantEscaped: "/a!$&'()*+,=:@~-._b"},
		{name: "encoded unreserved decoded", raw: "/%61dmin/%7Euser", wantDecoded: "/admin/~user", wantEscaped: "/admin/~user"},
		{name: "lowercase hex", raw: "/a%2db", wantDecoded: "/a-b", wantEscaped: "/a-b"},
		{name: "space escaped upper", raw: "/a%20b", wantDecoded: "/a b", wantEscaped: "/a%20b"},
		{name: "utf8 escaped", raw: "/caf%c3%a9", wantDecoded: "/caf\u00e9", wantEscaped: "/caf%C3%A9"},
		{name: "raw utf8 escaped", raw: "/caf\u00e9", wantDecoded: "/caf\u00e9", wantEscaped: "/caf%C3%A9"},
		{name: "raw semicolon escaped", raw: "/a;b=c", wantDecoded: "/a;b=c", wantEscaped: "/a%3Bb=c"},
		{name: "encoded semicolon", raw: "/a%3bb", wantDecoded: "/a;b", wantEscaped: "/a%3Bb"},
		{name: "encoded question and hash", raw: "/a%3F%23", wantDecoded: "/a?#", wantEscaped: "/a%3F%23"},
		{name: "literal percent", raw: "/100%25", wantDecoded: "/100%", wantEscaped: "/100%25"},
		{name: "percent then non-hex", raw: "/%25zz", wantDecoded: "/%zz", wantEscaped: "/%25zz"},
		{name: "raw braces escaped", raw: "/{x}|^`", wantDecoded: "/{x}|^`", wantEscaped: "/%7Bx%7D%7C%5E%60"},
		{name: "dots inside a segment", raw: "/a..b/.c/d.", wantDecoded: "/a..b/.c/d.", wantEscaped: "/a..b/.c/d."},
		{name: "dot with text after semicolon param", raw: "/a;..", wantDecoded: "/a;..", wantEscaped: "/a%3B.."},

		{name: "empty", raw: "", wantErr: ErrNotAbsolute},
		{name: "relative", raw: "pets", wantErr: ErrNotAbsolute},
		{name: "asterisk form", raw: "*", wantErr: ErrNotAbsolute},
		{name: "doubled slash", raw: "/a//b", wantErr: ErrEmptySegment},
		{name: "leading doubled slash", raw: "//a", wantErr: ErrEmptySegment},
		{name: "only slashes", raw: "//", wantErr: ErrEmptySegment},
		{name: "trailing doubled slash", raw: "/a//", wantErr: ErrEmptySegment},
		{name: "dot", raw: "/a/./b", wantErr: ErrDotSegment},
		{name: "dot dot", raw: "/a/../b", wantErr: ErrDotSegment},
		{name: "final dot dot", raw: "/a/..", wantErr: ErrDotSegment},
		{name: "three dots", raw: "/a/.../b", wantErr: ErrDotSegment},
		{name: "encoded dot", raw: "/a/%2e/b", wantErr: ErrDotSegment},
		{name: "encoded dot dot upper", raw: "/a/%2E%2E/b", wantErr: ErrDotSegment},
		{name: "mixed dot dot", raw: "/a/.%2e/b", wantErr: ErrDotSegment},
		{name: "mixed dot dot reversed", raw: "/a/%2e./b", wantErr: ErrDotSegment},
		{name: "dot dot with params", raw: "/a/..;x/b", wantErr: ErrDotSegment},
		{name: "dot dot with encoded semicolon", raw: "/a/..%3b/b", wantErr: ErrDotSegment},
		{name: "encoded slash", raw: "/a%2Fb", wantErr: ErrEncodedSlash},
		{name: "encoded slash lower", raw: "/a%2fb", wantErr: ErrEncodedSlash},
		{name: "raw backslash", raw: "/a\\b", wantErr: ErrBackslash},
		{name: "encoded backslash", raw: "/a%5Cb", wantErr: ErrBackslash},
		{name: "encoded backslash lower", raw: "/a%5cb", wantErr: ErrBackslash},
		{name: "truncated escape", raw: "/a%2", wantErr: ErrBadEscape},
		{name: "bare percent", raw: "/a%", wantErr: ErrBadEscape},
		{name: "non-hex escape", raw: "/a%G0", wantErr: ErrBadEscape},
		{name: "IIS unicode escape", raw: "/a%u002e", wantErr: ErrBadEscape},
		{name: "encoded NUL", raw: "/a%00", wantErr: ErrControlChar},
		{name: "encoded newline", raw: "/a%0Ab", wantErr: ErrControlChar},
		{name: "encoded DEL", raw: "/a%7f", wantErr: ErrControlChar},
		{name: "raw tab", raw: "/a\tb", wantErr: ErrControlChar},
		{name: "raw NUL", raw: "/a\x00", wantErr: ErrControlChar},
		{name: "raw space", raw: "/a b", wantErr: ErrBadChar},
		{name: "raw question mark", raw: "/a?b", wantErr: ErrBadChar},
		{name: "raw hash", raw: "/a#b", wantErr: ErrBadChar},
		{name: "overlong dot", raw: "/a/%c0%ae%c0%ae/b", wantErr: ErrInvalidUTF8},
		{name: "overlong slash", raw: "/a%c0%afb", wantErr: ErrInvalidUTF8},
		{name: "lone continuation byte", raw: "/a%80", wantErr: ErrInvalidUTF8},
		{name: "raw invalid utf8", raw: "/a\xff", wantErr: ErrInvalidUTF8},
		{name: "encoded surrogate", raw: "/a%ED%A0%80", wantErr: ErrInvalidUTF8},
		{name: "double encoded dot", raw: "/a/%252e%252e/b", wantErr: ErrDoubleEncoding},
		{name: "double encoded slash", raw: "/a%252Fb", wantErr: ErrDoubleEncoding},
		{name: "too long", raw: "/" + strings.Repeat("a", MaxPathLength), wantErr: ErrPathTooLong},
	}
}

func TestCanonicalize(t *testing.T) {
	for _, tc := range canonCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Canonicalize(tc.raw)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Canonicalize(%q) error = %v, want %v", tc.raw, err, tc.wantErr)
				}
				if !errors.Is(err, ErrBadPath) {
					t.Errorf("error %v does not match ErrBadPath", err)
				}
				if got != (Path{}) {
					t.Errorf("Canonicalize(%q) = %+v with an error, want zero Path", tc.raw, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Canonicalize(%q) error = %v", tc.raw, err)
			}
			if got.String() != tc.wantDecoded || got.Escaped() != tc.wantEscaped {
				t.Errorf("Canonicalize(%q) = (%q, %q), want (%q, %q)", tc.raw, got.String(), got.Escaped(), tc.wantDecoded, tc.wantEscaped)
			}
			again, err := Canonicalize(got.Escaped())
			if err != nil || again != got {
				t.Errorf("Canonicalize(Escaped()=%q) = %+v, %v; want %+v (idempotent)", got.Escaped(), again, err, got)
			}
		})
	}
}

func TestCanonicalizeAllocations(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Canonicalize("/prod/pets/dog/1"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Canonicalize of a canonical path: %v allocs, want 0", allocs)
	}
}

func TestRequestPath(t *testing.T) {
	tests := []struct {
		name   string
		target string
		want   string
	}{
		{name: "origin form", target: "/a%2Fb/c?x=1", want: "/a%2Fb/c"},
		{name: "no query", target: "/a/%2e%2e/b", want: "/a/%2e%2e/b"},
		{name: "absolute form", target: "http://example.com/a%20b?x", want: "/a%20b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tc.target, nil)
			if got := RequestPath(r); got != tc.want {
				t.Errorf("RequestPath(%q) = %q, want %q", tc.target, got, tc.want)
			}
		})
	}
}

func TestEscapeParam(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "abc"},
		{"a b;c", "a%20b%3Bc"},
		{"dir/file name.txt", "dir/file%20name.txt"},
		{"caf\u00e9", "caf%C3%A9"},
		{"100%", "100%25"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := EscapeParam(tc.in); got != tc.want {
				t.Errorf("EscapeParam(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
