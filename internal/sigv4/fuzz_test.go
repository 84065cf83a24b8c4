package sigv4

import (
	"fmt"
	"net/http"
	"net/textproto"
	"reflect"
	"strings"
	"testing"
	"time"
)

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
		"Bearer abc", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e,,Signature=x", "AWS4-HMAC-SHA256 a=b, a=c", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAuthorization(s)
		if err != nil {
			if a != nil {
				t.Fatal("error with a result")
			}
			return
		}
		if !validSignature(a.Signature) || a.AccessKeyID == "" || len(a.SignedHeaders) == 0 || len(a.SignedHeaders) > MaxSignedHeaders {
			t.Fatalf("accepted incomplete authorization %+v", a)
		}
		for _, h := range a.SignedHeaders {
			if h == "" || h != strings.ToLower(h) {
				t.Fatalf("bad signed header %q", h)
			}
		}
	})
}

func FuzzParsePresigned(f *testing.F) {
	for _, s := range []string{
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature=2ce6e6d2e0cf2f9d1b55fafec88cd20574c31dc2e7631979f71ba2310083e95b",
		"X-Amz-Algorithm=x", "a=%zz&b=+&&c", "X-Amz-Expires=-1&X-Amz-Expires=2",
		// X-Amz-Expires whose Duration overflows (TestParsePresignedExpires).
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=9223372037&X-Amz-Signature=2ce6e6d2e0cf2f9d1b55fafec88cd20574c31dc2e7631979f71ba2310083e95b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		params := ParseQuery(raw, true)
		_ = CanonicalQuery(params, QuerySignature)
		a, err := ParsePresigned(params)
		if err != nil {
			return
		}
		if a.Expires < 0 || a.Expires > MaxExpires || !validSignature(a.Signature) || len(a.SignedHeaders) == 0 {
			t.Fatalf("accepted bad presigned parameters %+v", a)
		}
	})
}

func FuzzCanonicalURI(f *testing.F) {
	for _, s := range []string{"/", "/dev/a%20b", "//a/../b/./c/", "/example space/", "/ሴ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		for _, norm := range []bool{false, true} {
			u := CanonicalURI(p, norm)
			for i := 0; i < len(u); i++ {
				if c := u[i]; !unreserved(c) && c != '/' && c != '%' {
					t.Fatalf("unencoded byte %q in %q", c, u)
				}
			}
		}
		if n := NormalizePath(p); !strings.HasPrefix(n, "/") || strings.Contains(n, "//") {
			t.Fatalf("NormalizePath(%q) = %q", p, n)
		}
	})
}

// FuzzAppendersMatchReference checks that the allocation-free builders
// Verify uses (scratch.go) produce exactly what the string functions of
// canonical.go produce, for any path, query, header value and signed-header
// list.
func FuzzAppendersMatchReference(f *testing.F) {
	for _, s := range []struct{ path, query, value, signed string }{
		{"/dev/a%20b", "b=2&a=1&a=%2F&X-Amz-Signature=x&X-Amz-Security-Token=t", "  a   b\t", "host;x-amz-date"},
		{"", "q=a+b&%E1%88%B4=1&&flag", "v", "host"},
		{"//a/../b/./c/", "a=%zz&b=%", "", "content-type;host;x-amz-content-sha256;x-custom"},
		{"/ሴ", "Param-3=Value3&Param=Value2", "x,y", "my-Header;host;x y;ünicode"},
		{"/bench/iam/0", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDX%2F20261122%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20261122T042751Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=d8d0e91b74037b6fb91ae0af8dab1e9b61ad28452bb95c183d35745489c93032", "", "host"},
		{"/", "X-Amz-%53ignature=x&X%2DAmz-Date=1&X-Amz-Date=2&a=%41%2b%2B+", "", "host"},
	} {
		f.Add(s.path, s.query, s.value, s.signed)
	}
	f.Fuzz(func(t *testing.T, path, query, value, signedList string) {
		signed, ok := parseSignedHeaders(nil, signedList)
		if !ok {
			return
		}
		h := http.Header{}
		for _, name := range signed {
			h[textproto.CanonicalMIMEHeaderKey(name)] = []string{value, value + " 2"}
		}
		var s scratch
		s.params = splitQuery(s.params[:0], query)
		for _, plus := range []bool{true, false} {
			params := ParseQuery(query, plus)
			if len(params) != len(s.params) {
				t.Fatalf("splitQuery(%q) has %d parameters, ParseQuery %d", query, len(s.params), len(params))
			}
			for _, ex := range []exclusion{excludeNone, excludeSignature, excludeSigToken} {
				s.hdrs = appendCanonicalHeaders(s.hdrs[:0], h, "host.example", signed)
				s.canonicalRequest("GET", path, plus, ex, EmptyPayloadHash)
				want := CanonicalRequest("GET", CanonicalURI(path, false), CanonicalQuery(params, ex.names()...),
					CanonicalHeaders(h, "host.example", signed), signed, EmptyPayloadHash)
				if string(s.creq) != want {
					t.Fatalf("canonical request:\n got %q\nwant %q", s.creq, want)
				}
				scope := Scope{"20240101", "us-east-1", "execute-api"}
				s.stringToSign("20240101T000000Z", scope)
				if want := StringToSign("20240101T000000Z", scope, want); string(s.sts) != want {
					t.Fatalf("string to sign:\n got %q\nwant %q", s.sts, want)
				}
			}
		}
		// The query form's parameter handling on raw pieces.
		params := ParseQuery(query, true)
		if got, want := isPresignedRaw(s.params), IsPresigned(params); got != want {
			t.Fatalf("isPresignedRaw(%q) = %v, IsPresigned %v", query, got, want)
		}
		gotA, gotErr := ParsePresigned(appendAmzParams(nil, s.params))
		wantA, wantErr := ParsePresigned(params)
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || (gotA == nil) != (wantA == nil) || gotA != nil && !reflect.DeepEqual(*gotA, *wantA) {
			t.Fatalf("ParsePresigned on the X-Amz-* parameters of %q = %+v, %v; on all = %+v, %v", query, gotA, gotErr, wantA, wantErr)
		}
		for _, name := range signed {
			if got, want := headerValues(h, name), h.Values(name); strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
				t.Fatalf("headerValues(%q) = %q, want %q", name, got, want)
			}
		}
	})
}

// FuzzParseAmzDate checks ParseAmzDate against time.Parse with TimeFormat.
func FuzzParseAmzDate(f *testing.F) {
	for _, s := range []string{"20150830T123600Z", "20240229T000000Z", "20230229T000000Z", "20241301T000000Z", "20240101T240000Z",
		"20240101T235960Z", "20240431T000000Z", "00000101T000000Z", "2024-1-1T00000Z", "20240101t000000z", "+0240101T000000Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseAmzDate(s)
		want, err := time.Parse(TimeFormat, s)
		wantOK := err == nil && len(s) == len(TimeFormat)
		if ok != wantOK || ok && !got.Equal(want) || ok && got.Location() != time.UTC {
			t.Fatalf("ParseAmzDate(%q) = %v, %v; time.Parse = %v, %v", s, got, ok, want, err)
		}
	})
}
