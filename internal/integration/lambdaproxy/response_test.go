package lambdaproxy

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
)

func TestMapV1(t *testing.T) {
	type want struct {
		status int
		header http.Header
		body   string
	}
	tests := []struct {
		name        string
		result      string
		strict      bool
		binary      []string
		accept      string
		decodeAlway bool
		want        *want // nil: malformed
	}{
		{"status only", `{"statusCode":200}`, true, nil, "", false, &want{200, http.Header{"Content-Type": {"application/json"}}, ""}},
		{"numeric string status", `{"statusCode":"201","body":"x"}`, true, nil, "", false, &want{201, http.Header{"Content-Type": {"application/json"}}, "x"}},
		{"non-numeric status", `{"statusCode":"test"}`, true, nil, "", false, nil},
		{"fractional status", `{"statusCode":200.5}`, true, nil, "", false, nil},
		{"status out of range", `{"statusCode":700}`, true, nil, "", false, nil},
		{"no status defaults to 200", `{"headers":{"h":"v"}}`, true, nil, "", false, &want{200, http.Header{"H": {"v"}, "Content-Type": {"application/json"}}, ""}},
		{"boolean header value", `{"statusCode":200,"headers":{"h":true,"n":5}}`, true, nil, "", false, &want{200, http.Header{"H": {"true"}, "N": {"5"}, "Content-Type": {"application/json"}}, ""}},
		{"null headers", `{"statusCode":200,"headers":null}`, true, nil, "", false, &want{200, http.Header{"Content-Type": {"application/json"}}, ""}},
		{"unknown key strict", `{"statusCode":200,"wrongValue":"x"}`, true, nil, "", false, nil},
		{"unknown key lenient", `{"statusCode":200,"wrongValue":"x"}`, false, nil, "", false, &want{200, http.Header{"Content-Type": {"application/json"}}, ""}},
		{"multiValueHeaders not array", `{"statusCode":200,"multiValueHeaders":{"h":"a"}}`, true, nil, "", false, nil},
		{"multi then single, names differing in case", `{"statusCode":200,"multiValueHeaders":{"h":["a"]},"headers":{"H":"b"}}`, true, nil, "", false,
			&want{200, http.Header{"H": {"a", "b"}, "Content-Type": {"application/json"}}, ""}},
		{"multi set-cookie", `{"statusCode":200,"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]}}`, true, nil, "", false,
			&want{200, http.Header{"Set-Cookie": {"a=1", "b=2"}, "Content-Type": {"application/json"}}, ""}},
		{"plain string", `"justAString"`, true, nil, "", false, nil},
		{"array", `[1]`, true, nil, "", false, nil},
		{"null result", `null`, true, nil, "", false, nil},
		{"not JSON", `{`, true, nil, "", false, nil},
		{"body not string", `{"statusCode":200,"body":{"a":1}}`, true, nil, "", false, nil},
		{"header object value", `{"statusCode":200,"headers":{"h":{"a":1}}}`, true, nil, "", false, nil},
		{"header with newline", `{"statusCode":200,"headers":{"h":"a\r\nx: y"}}`, true, nil, "", false, nil},
		{"content type kept", `{"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"hi"}`, true, nil, "", false, &want{200, http.Header{"Content-Type": {"text/plain"}}, "hi"}},
		{"base64 without binary types returned as is", `{"statusCode":200,"isBase64Encoded":true,"body":"aGk="}`, true, nil, "", false, &want{200, http.Header{"Content-Type": {"application/json"}}, "aGk="}},
		{"base64 decoded by accept", `{"statusCode":200,"isBase64Encoded":true,"body":"aGk="}`, true, []string{"image/*"}, "image/png, */*", false, &want{200, http.Header{"Content-Type": {"application/json"}}, "hi"}},
		{"base64 decoded by content type", `{"statusCode":200,"isBase64Encoded":true,"body":"aGk=","headers":{"content-type":"image/gif"}}`, true, []string{"image/*"}, "", false, &want{200, http.Header{"Content-Type": {"image/gif"}}, "hi"}},
		{"http 1.0 always decodes", `{"statusCode":200,"isBase64Encoded":true,"body":"aGk="}`, false, nil, "", true, &want{200, http.Header{"Content-Type": {"application/json"}}, "hi"}},
		{"invalid base64", `{"statusCode":200,"isBase64Encoded":true,"body":"!!"}`, false, nil, "", true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MapV1([]byte(tc.result), tc.strict, tc.binary, tc.accept, tc.decodeAlway)
			if tc.want == nil {
				if !errors.Is(err, errMalformed) {
					t.Fatalf("got %+v, %v; want malformed", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.want.status || string(got.Body) != tc.want.body || !reflect.DeepEqual(got.Header, tc.want.header) {
				t.Errorf("got %d %v %q, want %d %v %q", got.Status, got.Header, got.Body, tc.want.status, tc.want.header, tc.want.body)
			}
		})
	}
}

func TestMapV2(t *testing.T) {
	type want struct {
		status int
		header http.Header
		body   string
	}
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name   string
		result string
		want   *want
	}{
		{"string unwrapped", `"Hello from Lambda!"`, &want{200, jsonCT, "Hello from Lambda!"}},
		{"object without statusCode serialized", `{ "message": "Hello from Lambda!" }`, &want{200, jsonCT, `{ "message": "Hello from Lambda!" }`}},
		{"number", `42`, &want{200, jsonCT, "42"}},
		{"null", `null`, &want{200, jsonCT, "null"}},
		{"array", `[1,2]`, &want{200, jsonCT, "[1,2]"}},
		{"response object", `{"statusCode":201,"headers":{"x-a":"1"},"body":"made"}`, &want{201, http.Header{"X-A": {"1"}, "Content-Type": {"application/json"}}, "made"}},
		{"seed admin response", `{"statusCode":200,"body":"\"Hello from Admin User\""}`, &want{200, jsonCT, `"Hello from Admin User"`}},
		{"cookies become Set-Cookie", `{"statusCode":200,"cookies":["a=1; Path=/","b=2"]}`, &want{200, http.Header{"Set-Cookie": {"a=1; Path=/", "b=2"}, "Content-Type": {"application/json"}}, ""}},
		{"base64 body decoded", `{"statusCode":200,"isBase64Encoded":true,"body":"aGk=","headers":{"content-type":"image/png"}}`, &want{200, http.Header{"Content-Type": {"image/png"}}, "hi"}},
		{"numeric string status", `{"statusCode":"404"}`, &want{404, jsonCT, ""}},
		{"unknown keys ignored", `{"statusCode":200,"extra":1}`, &want{200, jsonCT, ""}},
		{"bad status", `{"statusCode":"x"}`, nil},
		{"not JSON", `hello`, nil},
		{"empty", ``, nil},
		{"body not string", `{"statusCode":200,"body":5}`, nil},
		{"cookies not array", `{"statusCode":200,"cookies":"a=1"}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MapV2([]byte(tc.result))
			if tc.want == nil {
				if !errors.Is(err, errMalformed) {
					t.Fatalf("got %+v, %v; want malformed", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.want.status || string(got.Body) != tc.want.body || !reflect.DeepEqual(got.Header, tc.want.header) {
				t.Errorf("got %d %v %q, want %d %v %q", got.Status, got.Header, got.Body, tc.want.status, tc.want.header, tc.want.body)
			}
		})
	}
}

func FuzzMapResults(f *testing.F) {
	for _, s := range []string{`{"statusCode":200}`, `{"statusCode":"201","headers":{"a":true},"multiValueHeaders":{"a":["x"]}}`, `"s"`, `{"cookies":["a"],"statusCode":200,"isBase64Encoded":"true","body":"aGk="}`, `null`, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, result []byte) {
		for _, strict := range []bool{true, false} {
			if r, err := MapV1(result, strict, []string{"*/*"}, "image/png", !strict); err == nil {
				if r.Status < 100 || r.Status > 599 {
					t.Errorf("status %d", r.Status)
				}
			} else if !errors.Is(err, errMalformed) {
				t.Errorf("unexpected error kind %v", err)
			}
		}
		if r, err := MapV2(result); err == nil {
			if r.Status < 100 || r.Status > 599 {
				t.Errorf("status %d", r.Status)
			}
		} else if !errors.Is(err, errMalformed) {
			t.Errorf("unexpected error kind %v", err)
		}
	})
}
