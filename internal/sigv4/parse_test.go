package sigv4

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseAuthorization(t *testing.T) {
	sig := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		in      string
		wantErr string
		want    Auth
	}{
		{name: "canonical spacing", in: "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + sig,
			want: Auth{AccessKeyID: "AKID", Scope: Scope{"20240101", "us-east-1", "execute-api"}, Terminator: "aws4_request", SignedHeaders: []string{"host", "x-amz-date"}, Signature: sig}},
		{name: "no spaces after commas", in: "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/execute-api/aws4_request,SignedHeaders=host,Signature=" + sig,
			want: Auth{AccessKeyID: "AKID", Scope: Scope{"20240101", "us-east-1", "execute-api"}, Terminator: "aws4_request", SignedHeaders: []string{"host"}, Signature: sig}},
		{name: "upper-case signature and headers lowered", in: "AWS4-HMAC-SHA256 Credential=AKID/20240101/r/s/aws4_request, SignedHeaders=Host;X-Amz-Date, Signature=" + strings.ToUpper(sig),
			want: Auth{AccessKeyID: "AKID", Scope: Scope{"20240101", "r", "s"}, Terminator: "aws4_request", SignedHeaders: []string{"host", "x-amz-date"}, Signature: sig}},
		{name: "short signature", in: "AWS4-HMAC-SHA256 Credential=AKID/20240101/r/s/aws4_request, SignedHeaders=host, Signature=abc",
			wantErr: "Authorization header has an invalid 'Signature' parameter."},
		{name: "empty signed header", in: "AWS4-HMAC-SHA256 Credential=AKID/20240101/r/s/aws4_request, SignedHeaders=host;;x, Signature=" + sig,
			wantErr: "Authorization header has an invalid 'SignedHeaders' parameter."},
		{name: "duplicate parameter", in: "AWS4-HMAC-SHA256 Credential=A/1/2/3/4, Credential=B/1/2/3/4",
			wantErr: "Authorization header has a duplicate 'Credential' parameter."},
		{name: "missing signature only", in: "AWS4-HMAC-SHA256 Credential=AKID/20240101/r/s/aws4_request, SignedHeaders=host",
			wantErr: "Authorization header requires 'Signature' parameter."},
		{name: "too long", in: "AWS4-HMAC-SHA256 " + strings.Repeat("a", MaxAuthorizationLen), wantErr: "Authorization header is too long."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAuthorization(tt.in)
			if tt.wantErr != "" {
				var se *Error
				if !errors.As(err, &se) || se.Code != CodeIncompleteSignature || se.Message != tt.wantErr {
					t.Fatalf("err = %v, want IncompleteSignature %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.AccessKeyID != tt.want.AccessKeyID || a.Scope != tt.want.Scope || a.Terminator != tt.want.Terminator ||
				strings.Join(a.SignedHeaders, ";") != strings.Join(tt.want.SignedHeaders, ";") || a.Signature != tt.want.Signature || a.Form != HeaderForm {
				t.Errorf("got %+v, want %+v", *a, tt.want)
			}
		})
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"sorted by name then value", "b=2&a=2&a=1", "a=1&a=2&b=2"},
		{"encoded names sort by their encoding", "Param-3=Value3&Param=Value2&%E1%88%B4=Value1", "%E1%88%B4=Value1&Param=Value2&Param-3=Value3"},
		{"no value", "flag&x=", "flag=&x="},
		{"reserved characters encoded", "q=a/b:c&r=%2F", "q=a%2Fb%3Ac&r=%2F"},
		{"invalid escape kept literally", "q=%zz", "q=%25zz"},
		{"plus is a space", "q=a+b", "q=a%20b"},
		{"empty pieces skipped", "&&a=1&", "a=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanonicalQuery(ParseQuery(tt.raw, true)); got != tt.want {
				t.Errorf("CanonicalQuery(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestFromHTTP(t *testing.T) {
	tests := []struct {
		name, target, wantPath, wantQuery string
	}{
		{"origin form keeps encoding", "/dev/a%20b/%C3%A9?x=1%2F2", "/dev/a%20b/%C3%A9", "x=1%2F2"},
		{"absolute form", "http://api.example.com/dev/pets?x=1", "/dev/pets", "x=1"},
		{"absolute form without path", "http://api.example.com", "/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader("12345"))
			r.RequestURI = tt.target
			r.Host = "api.example.com"
			r.Header = http.Header{}
			got := FromHTTP(r)
			if got.RawPath != tt.wantPath || got.RawQuery != tt.wantQuery || got.Host != "api.example.com" || got.Method != "POST" {
				t.Errorf("got %+v", got)
			}
			if cl := got.Header.Get("Content-Length"); cl != "5" {
				t.Errorf("content-length %q, want 5 (from r.ContentLength)", cl)
			}
			if r.Header.Get("Content-Length") != "" {
				t.Error("FromHTTP modified the request's header")
			}
		})
	}
}

func TestParsePresignedExpires(t *testing.T) {
	const sig = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		name    string
		expires string // "" leaves X-Amz-Expires out
		want    time.Duration
		wantErr string
	}{
		{name: "absent", want: 0},
		{name: "one second", expires: "1", want: time.Second},
		{name: "a week", expires: "604800", want: MaxExpires},
		{name: "a week and a second", expires: "604801", wantErr: "less than a week"},
		{name: "zero", expires: "0", wantErr: "less than a week"},
		{name: "negative", expires: "-1", wantErr: "should be a number"},
		{name: "not a number", expires: "1h", wantErr: "should be a number"},
		// n seconds overflows time.Duration and wraps negative: must not
		// slip past the bound as a never-expiring URL.
		{name: "overflows a Duration", expires: "9223372037", wantErr: "less than a week"},
		{name: "max int64", expires: "9223372036854775807", wantErr: "less than a week"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := []QueryParam{
				{QueryAlgorithm, Algorithm},
				{QueryCredential, "AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/execute-api/aws4_request"},
				{QueryDate, "20240101T120000Z"},
				{QuerySignedHeaders, "host"},
				{QuerySignature, sig},
			}
			if tt.expires != "" {
				params = append(params, QueryParam{QueryExpires, tt.expires})
			}
			a, err := ParsePresigned(params)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v (auth %+v), want containing %q", err, a, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePresigned: %v", err)
			}
			if a.Expires != tt.want {
				t.Errorf("Expires = %v, want %v", a.Expires, tt.want)
			}
		})
	}
}

func TestUnreserved(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		want := 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-' || b == '_' || b == '.' || b == '~'
		if got := unreserved(b); got != want {
			t.Errorf("unreserved(%q) = %v, want %v", b, got, want)
		}
	}
}

func TestQueryUnescape(t *testing.T) {
	tests := []struct {
		name, in string
		plus     bool
		want     string
	}{
		{"plain", "abc", true, "abc"},
		{"escapes", "a%2Fb%2fc", true, "a/b/c"},
		{"plus as space", "a+b+", true, "a b "},
		{"plus literal", "a+b%20", false, "a+b "},
		{"invalid escape kept", "%zz%4", true, "%zz%4"},
		{"trailing percent", "ab%", true, "ab%"},
		{"escape at end", "ab%41", true, "abA"},
		{"adjacent", "%41%42+%43", true, "AB C"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := queryUnescape(tt.in, tt.plus); got != tt.want {
				t.Errorf("queryUnescape(%q, %v) = %q, want %q", tt.in, tt.plus, got, tt.want)
			}
		})
	}
}

func TestHexDigits(t *testing.T) {
	if len(hexDigits) != 256 {
		t.Fatalf("table has %d entries", len(hexDigits))
	}
	for c := 0; c < 256; c++ {
		v, ok := unhex(byte(c))
		got := hexDigits[c]
		want := byte(0x80)
		if ok {
			want = v
			if 'A' <= c && c <= 'F' {
				want |= 0x40
			}
		}
		if got != want {
			t.Errorf("hexDigits[%q] = %#x, want %#x", byte(c), got, want)
		}
	}
}
