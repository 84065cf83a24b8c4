package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseRouteKey(t *testing.T) {
	tests := []struct {
		key     string
		want    RouteKey
		err     string
		suggest string
	}{
		{key: "$default", want: RouteKey{Default: true}},
		{key: "GET /", want: RouteKey{Method: "GET", Path: "/"}},
		{key: "ANY /{proxy+}", want: RouteKey{Method: "ANY", Path: "/{proxy+}", Segments: []Segment{{Param: "proxy", Greedy: true}}}},
		{key: "GET /pets/{petId}/toys", want: RouteKey{Method: "GET", Path: "/pets/{petId}/toys", Segments: []Segment{{Literal: "pets"}, {Param: "petId"}, {Literal: "toys"}}}},
		{key: "OPTIONS /a-b/c.d/~e:f@g/{x_1}", want: RouteKey{Method: "OPTIONS", Path: "/a-b/c.d/~e:f@g/{x_1}", Segments: []Segment{{Literal: "a-b"}, {Literal: "c.d"}, {Literal: "~e:f@g"}, {Param: "x_1"}}}},
		{key: "", err: `route key is empty; write "METHOD /path" or "$default"`},
		{key: "$defualt", err: `route key "$defualt" must be "METHOD /path" or "$default"`, suggest: "$default"},
		{key: "/pets", err: `route key "/pets" has no method; write "METHOD /path"`, suggest: "ANY /pets"},
		{key: "get /pets", err: `unknown method "get" in route key; use one of GET POST PUT DELETE PATCH HEAD OPTIONS ANY`, suggest: "GET /pets"},
		{key: "FETCH /pets", err: `unknown method "FETCH" in route key; use one of GET POST PUT DELETE PATCH HEAD OPTIONS ANY`, suggest: "PATCH /pets"},
		{key: "GET  /pets", err: `route path " /pets" must start with '/'`, suggest: "GET /pets"},
		{key: "GET pets", err: `route path "pets" must start with '/'`, suggest: "GET /pets"},
		{key: "GET /pets/", err: `route path "/pets/" has an empty segment (doubled or trailing '/')`},
		{key: "GET /a//b", err: `route path "/a//b" has an empty segment (doubled or trailing '/')`},
		{key: "GET /a/../b", err: `route path "/a/../b" has a ".." segment`},
		{key: "GET /a/./b", err: `route path "/a/./b" has a "." segment`},
		{key: "GET /a/...", err: `route path "/a/..." has a "..." segment`},
		{key: "GET /a%2Fb", err: `route path "/a%2Fb": character "%" is not allowed in a path segment (parameters are whole segments: {name})`},
		{key: "GET /a b", err: `route path "/a b": character " " is not allowed in a path segment (parameters are whole segments: {name})`},
		{key: "GET /a?x=1", err: `route path "/a?x=1": character "?" is not allowed in a path segment (parameters are whole segments: {name})`},
		{key: "GET /item{id}", err: `route path "/item{id}": character "{" is not allowed in a path segment (parameters are whole segments: {name})`},
		{key: "GET /{}", err: `route path "/{}": parameter name "" must be letters, digits, '_' or '-'`},
		{key: "GET /{a.b}", err: `route path "/{a.b}": parameter name "a.b" must be letters, digits, '_' or '-'`},
		{key: "GET /{proxy+}/x", err: `route path "/{proxy+}/x": greedy parameter {proxy+} must be the last segment`},
		{key: "GET /{id}/{id}", err: `route path "/{id}/{id}": parameter "id" appears twice`},
		{key: "GET /a;b", err: `route path "/a;b": character ";" is not allowed in a path segment (parameters are whole segments: {name})`},
		{key: "GET /" + strings.Repeat("a", 2048), err: "route path is 2049 bytes; the limit is 2048"},
		{key: "GET " + strings.Repeat("/a", 65), err: `route path "` + strings.Repeat("/a", 65) + `" has 65 segments; the limit is 64`},
		{key: "GET /{" + strings.Repeat("p", 129) + "}", err: `route path "/{` + strings.Repeat("p", 129) + `}": parameter name longer than 128 characters`},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			got, err := ParseRouteKey(tt.key)
			if tt.err != "" {
				var ke *RouteKeyError
				if !errors.As(err, &ke) {
					t.Fatalf("err = %v, want *RouteKeyError %q", err, tt.err)
				}
				if ke.Msg != tt.err || ke.Suggest != tt.suggest {
					t.Errorf("err = %q (suggest %q), want %q (suggest %q)", ke.Msg, ke.Suggest, tt.err, tt.suggest)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if got.String() != tt.key {
				t.Errorf("String() = %q, want %q", got.String(), tt.key)
			}
		})
	}
	if got := (RouteKey{Method: "GET", Path: "/a/{b}/{c+}", Segments: []Segment{{Literal: "a"}, {Param: "b"}, {Param: "c", Greedy: true}}}).Params(); !reflect.DeepEqual(got, []string{"b", "c"}) {
		t.Errorf("Params = %q", got)
	}
}

func TestNearest(t *testing.T) {
	cands := []string{"apis", "functions", "userPools", "iam", "settings"}
	tests := []struct{ got, want string }{
		{"setings", "settings"},
		{"APIS", "apis"},
		{"userpools", "userPools"},
		{"functons", "functions"},
		{"iam", ""}, // exact match: nothing to suggest
		{"xyz", ""},
		{"", ""},
		{"routes", ""},
	}
	for _, tt := range tests {
		if got := nearest(tt.got, cands); got != tt.want {
			t.Errorf("nearest(%q) = %q, want %q", tt.got, got, tt.want)
		}
	}
	if d := editDistance("kitten", "sitting"); d != 3 {
		t.Errorf("editDistance = %d, want 3", d)
	}
	if d := editDistance("", "abc"); d != 3 {
		t.Errorf("editDistance empty = %d, want 3", d)
	}
}

// FuzzParseRouteKey checks that ParseRouteKey never panics, that accepted
// keys round-trip through String, and that parameters fill whole segments.
func FuzzParseRouteKey(f *testing.F) {
	for _, s := range []string{"$default", "GET /", "ANY /{proxy+}", "GET /pets/{id}/toys", "get /x", "GET /a//b", "GET /{a}/{a}", "GET /{p+}/x", "POST /a%20b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseRouteKey(s)
		if err != nil {
			var ke *RouteKeyError
			if !errors.As(err, &ke) || ke.Msg == "" {
				t.Fatalf("error %v is not a *RouteKeyError with a message", err)
			}
			return
		}
		if k.String() != s {
			t.Fatalf("String() = %q, want %q", k.String(), s)
		}
		again, err := ParseRouteKey(k.String())
		if err != nil || !reflect.DeepEqual(again, k) {
			t.Fatalf("round trip: %+v, %v; want %+v", again, err, k)
		}
		for i, seg := range k.Segments {
			if (seg.Param == "") == (seg.Literal == "") {
				t.Fatalf("segment %d %+v must be exactly one of literal or param", i, seg)
			}
			if seg.Greedy && i != len(k.Segments)-1 {
				t.Fatalf("greedy segment %d is not last", i)
			}
		}
	})
}
