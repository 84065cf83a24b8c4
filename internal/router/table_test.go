package router

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

func mustCompile(t testing.TB, s Spec) *Table {
	t.Helper()
	tbl, err := Compile(s)
	if err != nil {
		t.Fatalf("Compile(%+v): %v", s, err)
	}
	return tbl
}

// matchCase is one request against a table.
type matchCase struct {
	name        string
	method      string
	path        string // raw escaped path
	want        Outcome
	wantStage   string // stage name, "" when none
	wantRoute   string // route key, "" when none
	wantParams  []exchange.Param
	wantPath    string // Result.Path, checked when non-empty
	wantEscaped string // Result.EscapedPath, checked when non-empty
}

func p(kv ...string) []exchange.Param {
	var ps []exchange.Param
	for i := 0; i+1 < len(kv); i += 2 {
		ps = append(ps, exchange.Param{Name: kv[i], Value: kv[i+1]})
	}
	return ps
}

func runMatchCases(t *testing.T, tbl *Table, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, err := Canonicalize(tc.path)
			if err != nil {
				t.Fatalf("Canonicalize(%q): %v", tc.path, err)
			}
			var res Result
			got := tbl.Match(tc.method, path, &res)
			if got != tc.want || res.Outcome != got {
				t.Fatalf("Match(%s %s) = %v (res.Outcome %v), want %v", tc.method, tc.path, got, res.Outcome, tc.want)
			}
			gotStage := ""
			if res.Stage >= 0 {
				gotStage = tbl.Stage(res.Stage)
			}
			if gotStage != tc.wantStage {
				t.Errorf("stage = %q, want %q", gotStage, tc.wantStage)
			}
			gotRoute := ""
			if res.Route >= 0 {
				gotRoute = tbl.Route(res.Route).Key
			}
			if gotRoute != tc.wantRoute {
				t.Errorf("route = %q, want %q", gotRoute, tc.wantRoute)
			}
			if len(res.Params) != 0 || len(tc.wantParams) != 0 {
				if !reflect.DeepEqual(res.Params, tc.wantParams) {
					t.Errorf("params = %v, want %v", res.Params, tc.wantParams)
				}
			}
			if tc.wantPath != "" && res.Path != tc.wantPath {
				t.Errorf("Path = %q, want %q", res.Path, tc.wantPath)
			}
			if tc.wantEscaped != "" && res.EscapedPath != tc.wantEscaped {
				t.Errorf("EscapedPath = %q, want %q", res.EscapedPath, tc.wantEscaped)
			}
		})
	}
}

// dgExample is the HTTP API example of the API Gateway developer guide
// (reference §8.2), in its order: routes 1..5 are indexes 0..4.
var dgExampleRoutes = []string{
	"GET /pets/dog/1",
	"GET /pets/dog/{id}",
	"GET /pets/{proxy+}",
	"ANY /{proxy+}",
	"$default",
}

func TestMatchHTTPDeveloperGuideExample(t *testing.T) {
	tbl := mustCompile(t, Spec{Kind: exchange.HTTP, Stages: []string{"$default"}, Routes: dgExampleRoutes})
	runMatchCases(t, tbl, []matchCase{
		{name: "GET /pets/dog/1 selects route 1", method: "GET", path: "/pets/dog/1", want: Matched, wantStage: "$default", wantRoute: "GET /pets/dog/1"},
		{name: "GET /pets/dog/2 selects route 2", method: "GET", path: "/pets/dog/2", want: Matched, wantStage: "$default", wantRoute: "GET /pets/dog/{id}", wantParams: p("id", "2")},
		{name: "GET /pets/cat/1 selects route 3", method: "GET", path: "/pets/cat/1", want: Matched, wantStage: "$default", wantRoute: "GET /pets/{proxy+}", wantParams: p("proxy", "cat/1")},
		{name: "POST /test/5 selects route 4", method: "POST", path: "/test/5", want: Matched, wantStage: "$default", wantRoute: "ANY /{proxy+}", wantParams: p("proxy", "test/5")},
		{name: "method mismatch skips to a less specific route", method: "POST", path: "/pets/dog/1", want: Matched, wantStage: "$default", wantRoute: "ANY /{proxy+}", wantParams: p("proxy", "pets/dog/1")},
		{name: "root is not matched by greedy, goes to $default route", method: "GET", path: "/", want: Matched, wantStage: "$default", wantRoute: "$default", wantPath: "/"},
	})
}

func httpTestSpec() Spec {
	return Spec{
		Kind:   exchange.HTTP,
		Stages: []string{"$default", "dev"},
		Routes: []string{
			"GET /items",          // 0
			"GET /items/{id}",     // 1
			"POST /items/{id}",    // 2
			"ANY /items/{id}",     // 3
			"GET /a/{x}/c",        // 4
			"GET /a/b/{proxy+}",   // 5
			"GET /a/{proxy+}",     // 6
			"GET /{x}/b/c",        // 7
			"HEAD /h",             // 8
			"GET /",               // 9
			"GET /files/{f}/{g+}", // 10
		},
	}
}

func TestMatchHTTP(t *testing.T) {
	runMatchCases(t, mustCompile(t, httpTestSpec()), httpMatchCases())
}

func httpMatchCases() []matchCase {
	return []matchCase{
		{name: "static", method: "GET", path: "/items", want: Matched, wantStage: "$default", wantRoute: "GET /items", wantPath: "/items"},
		{name: "trailing slash is significant", method: "GET", path: "/items/", want: NotFound, wantStage: "$default", wantPath: "/items/"},
		{name: "param", method: "GET", path: "/items/5", want: Matched, wantStage: "$default", wantRoute: "GET /items/{id}", wantParams: p("id", "5")},
		{name: "explicit method beats ANY", method: "POST", path: "/items/5", want: Matched, wantStage: "$default", wantRoute: "POST /items/{id}", wantParams: p("id", "5")},
		{name: "ANY catches other methods", method: "DELETE", path: "/items/5", want: Matched, wantStage: "$default", wantRoute: "ANY /items/{id}", wantParams: p("id", "5")},
		{name: "ANY catches unknown methods", method: "PROPFIND", path: "/items/5", want: Matched, wantStage: "$default", wantRoute: "ANY /items/{id}", wantParams: p("id", "5")},
		{name: "method names are case-sensitive", method: "get", path: "/items/5", want: Matched, wantStage: "$default", wantRoute: "ANY /items/{id}", wantParams: p("id", "5")},
		{name: "method literally ANY is an ordinary method", method: "ANY", path: "/items", want: NotFound, wantStage: "$default"},
		{name: "static prefix then param beats param first", method: "GET", path: "/a/b/c", want: Matched, wantStage: "$default", wantRoute: "GET /a/{x}/c", wantParams: p("x", "b")},
		{name: "full match beats greedy", method: "GET", path: "/q/b/c", want: Matched, wantStage: "$default", wantRoute: "GET /{x}/b/c", wantParams: p("x", "q")},
		{name: "longer greedy prefix first", method: "GET", path: "/a/b/d", want: Matched, wantStage: "$default", wantRoute: "GET /a/b/{proxy+}", wantParams: p("proxy", "d")},
		{name: "shorter greedy prefix", method: "GET", path: "/a/z/d/e", want: Matched, wantStage: "$default", wantRoute: "GET /a/{proxy+}", wantParams: p("proxy", "z/d/e")},
		{name: "greedy keeps trailing slash", method: "GET", path: "/a/b/", want: Matched, wantStage: "$default", wantRoute: "GET /a/{proxy+}", wantParams: p("proxy", "b/")},
		{name: "greedy needs one segment", method: "GET", path: "/a", want: NotFound, wantStage: "$default"},
		{name: "param then greedy", method: "GET", path: "/files/x/y/z", want: Matched, wantStage: "$default", wantRoute: "GET /files/{f}/{g+}", wantParams: p("f", "x", "g", "y/z")},
		{name: "HEAD route", method: "HEAD", path: "/h", want: Matched, wantStage: "$default", wantRoute: "HEAD /h"},
		{name: "GET does not use a HEAD route", method: "GET", path: "/h", want: NotFound, wantStage: "$default"},
		{name: "HEAD does not fall back to GET", method: "HEAD", path: "/items", want: NotFound, wantStage: "$default"},
		{name: "paths are case-sensitive", method: "GET", path: "/Items", want: NotFound, wantStage: "$default"},
		{name: "named stage", method: "GET", path: "/dev/items", want: Matched, wantStage: "dev", wantRoute: "GET /items", wantPath: "/items", wantEscaped: "/items"},
		{name: "named stage root", method: "GET", path: "/dev", want: Matched, wantStage: "dev", wantRoute: "GET /", wantPath: "/"},
		{name: "named stage root with slash", method: "GET", path: "/dev/", want: Matched, wantStage: "dev", wantRoute: "GET /", wantPath: "/"},
		{name: "stage prefix is a whole segment", method: "GET", path: "/development/items", want: NotFound, wantStage: "$default", wantPath: "/development/items"},
		{name: "stage names are case-sensitive", method: "GET", path: "/Dev/items", want: NotFound, wantStage: "$default", wantPath: "/Dev/items"},
		{name: "encoded stage name", method: "GET", path: "/d%65v/items", want: Matched, wantStage: "dev", wantRoute: "GET /items", wantPath: "/items"},
		{name: "decoded param value", method: "GET", path: "/items/caf%C3%A9%20au%3Blait", want: Matched, wantStage: "$default", wantRoute: "GET /items/{id}", wantParams: p("id", "caf\u00e9 au;lait"), wantEscaped: "/items/caf%C3%A9%20au%3Blait"},
		{name: "root on $default stage", method: "GET", path: "/", want: Matched, wantStage: "$default", wantRoute: "GET /", wantPath: "/"},
	}
}

func TestMatchHTTPStages(t *testing.T) {
	noDefault := mustCompile(t, Spec{Kind: exchange.HTTP, Stages: []string{"v1"}, Routes: []string{"GET /items", "$default"}})
	runMatchCases(t, noDefault, []matchCase{
		{name: "no $default stage", method: "GET", path: "/items", want: UnknownStage},
		{name: "named stage", method: "GET", path: "/v1/items", want: Matched, wantStage: "v1", wantRoute: "GET /items"},
		{name: "$default route in a named stage", method: "GET", path: "/v1/other", want: Matched, wantStage: "v1", wantRoute: "$default", wantPath: "/other"},
	})
}

func restTestSpec() Spec {
	return Spec{
		Kind:   exchange.REST,
		Stages: []string{"prod", "dev"},
		Routes: []string{
			"GET /",                             // 0
			"GET /pets",                         // 1
			"POST /pets",                        // 2
			"GET /pets/{petId}",                 // 3
			"GET /pets/mine",                    // 4
			"ANY /{proxy+}",                     // 5
			"GET /files/{path+}",                // 6
			"HEAD /head",                        // 7
			"ANY /any",                          // 8
			"GET /any",                          // 9
			"DELETE /pets/{petId}/toys/{toyId}", // 10
		},
	}
}

func TestMatchREST(t *testing.T) {
	runMatchCases(t, mustCompile(t, restTestSpec()), restMatchCases())
}

func restMatchCases() []matchCase {
	return []matchCase{
		{name: "stage root", method: "GET", path: "/prod", want: Matched, wantStage: "prod", wantRoute: "GET /", wantPath: "/", wantEscaped: "/"},
		{name: "stage root with slash", method: "GET", path: "/prod/", want: Matched, wantStage: "prod", wantRoute: "GET /", wantPath: "/"},
		{name: "greedy does not match the stage root", method: "POST", path: "/prod/", want: NotFound, wantStage: "prod", wantPath: "/"},
		{name: "static", method: "GET", path: "/prod/pets", want: Matched, wantStage: "prod", wantRoute: "GET /pets", wantPath: "/pets"},
		{name: "trailing slash ignored", method: "GET", path: "/prod/pets/", want: Matched, wantStage: "prod", wantRoute: "GET /pets", wantPath: "/pets", wantEscaped: "/pets"},
		{name: "second method", method: "POST", path: "/prod/pets", want: Matched, wantStage: "prod", wantRoute: "POST /pets"},
		{name: "resource without the method", method: "PUT", path: "/prod/pets", want: NotFound, wantStage: "prod", wantPath: "/pets"},
		{name: "param", method: "GET", path: "/prod/pets/7", want: Matched, wantStage: "prod", wantRoute: "GET /pets/{petId}", wantParams: p("petId", "7")},
		{name: "static beats param", method: "GET", path: "/prod/pets/mine", want: Matched, wantStage: "prod", wantRoute: "GET /pets/mine"},
		{name: "param resource without the method", method: "POST", path: "/prod/pets/7", want: NotFound, wantStage: "prod"},
		{name: "two params", method: "DELETE", path: "/prod/pets/7/toys/3", want: Matched, wantStage: "prod", wantRoute: "DELETE /pets/{petId}/toys/{toyId}", wantParams: p("petId", "7", "toyId", "3")},
		{name: "intermediate path is no resource", method: "GET", path: "/prod/pets/7/toys", want: Matched, wantStage: "prod", wantRoute: "ANY /{proxy+}", wantParams: p("proxy", "pets/7/toys")},
		{name: "greedy", method: "GET", path: "/prod/files/a/b/c.txt", want: Matched, wantStage: "prod", wantRoute: "GET /files/{path+}", wantParams: p("path", "a/b/c.txt")},
		{name: "greedy drops trailing slash", method: "GET", path: "/prod/files/a/b/", want: Matched, wantStage: "prod", wantRoute: "GET /files/{path+}", wantParams: p("path", "a/b"), wantPath: "/files/a/b"},
		{name: "greedy resource without the method", method: "POST", path: "/prod/files/a", want: NotFound, wantStage: "prod"},
		{name: "root greedy", method: "PATCH", path: "/prod/other/x", want: Matched, wantStage: "prod", wantRoute: "ANY /{proxy+}", wantParams: p("proxy", "other/x")},
		{name: "paths are case-sensitive", method: "GET", path: "/prod/Pets", want: Matched, wantStage: "prod", wantRoute: "ANY /{proxy+}", wantParams: p("proxy", "Pets")},
		{name: "HEAD route", method: "HEAD", path: "/prod/head", want: Matched, wantStage: "prod", wantRoute: "HEAD /head"},
		{name: "GET on HEAD-only resource", method: "GET", path: "/prod/head", want: NotFound, wantStage: "prod"},
		{name: "HEAD does not fall back to GET", method: "HEAD", path: "/prod/pets", want: NotFound, wantStage: "prod"},
		{name: "explicit method beats ANY", method: "GET", path: "/prod/any", want: Matched, wantStage: "prod", wantRoute: "GET /any"},
		{name: "ANY catches HEAD", method: "HEAD", path: "/prod/any", want: Matched, wantStage: "prod", wantRoute: "ANY /any"},
		{name: "ANY catches unknown methods", method: "PROPFIND", path: "/prod/any", want: Matched, wantStage: "prod", wantRoute: "ANY /any"},
		{name: "lowercase method is not GET", method: "get", path: "/prod/pets", want: NotFound, wantStage: "prod"},
		{name: "second stage", method: "GET", path: "/dev/pets", want: Matched, wantStage: "dev", wantRoute: "GET /pets"},
		{name: "encoded stage", method: "GET", path: "/pr%6fd/pets", want: Matched, wantStage: "prod", wantRoute: "GET /pets"},
		{name: "unknown stage", method: "GET", path: "/staging/pets", want: UnknownStage},
		{name: "stage names are case-sensitive", method: "GET", path: "/Prod/pets", want: UnknownStage},
		{name: "no stage", method: "GET", path: "/", want: UnknownStage},
		{name: "decoded param", method: "GET", path: "/prod/pets/a%20b%3B", want: Matched, wantStage: "prod", wantRoute: "GET /pets/{petId}", wantParams: p("petId", "a b;"), wantEscaped: "/pets/a%20b%3B"},
	}
}

func TestMatchRESTBacktracking(t *testing.T) {
	tbl := mustCompile(t, Spec{Kind: exchange.REST, Stages: []string{"s"}, Routes: []string{"GET /a/x", "GET /{p}/b"}})
	runMatchCases(t, tbl, []matchCase{
		{name: "static", method: "GET", path: "/s/a/x", want: Matched, wantStage: "s", wantRoute: "GET /a/x"},
		{name: "backtracks from a dead static branch", method: "GET", path: "/s/a/b", want: Matched, wantStage: "s", wantRoute: "GET /{p}/b", wantParams: p("p", "a")},
		{name: "no resource", method: "GET", path: "/s/a/c", want: NotFound, wantStage: "s"},
	})
}

func TestMatchZeroPath(t *testing.T) {
	tbl := mustCompile(t, Spec{Kind: exchange.HTTP, Stages: []string{"$default"}, Routes: []string{"$default"}})
	var res Result
	if got := tbl.Match("GET", Path{}, &res); got != UnknownStage || res.Route != -1 || res.Stage != -1 {
		t.Errorf("Match(zero Path) = %v stage %d route %d, want %v -1 -1", got, res.Stage, res.Route, UnknownStage)
	}
}

func TestMatchResetsResult(t *testing.T) {
	tbl := mustCompile(t, Spec{Kind: exchange.HTTP, Stages: []string{"$default"}, Routes: []string{"GET /a/{x}", "GET /b"}})
	var res Result
	pa, _ := Canonicalize("/a/1")
	if tbl.Match("GET", pa, &res) != Matched || len(res.Params) != 1 {
		t.Fatalf("first match: %+v", res)
	}
	pc, _ := Canonicalize("/c")
	if got := tbl.Match("GET", pc, &res); got != NotFound || len(res.Params) != 0 || res.Route != -1 {
		t.Errorf("second match = %v params %v route %d, want NotFound, none, -1", got, res.Params, res.Route)
	}
}

func TestMatchAllocations(t *testing.T) {
	tbl := mustCompile(t, Spec{Kind: exchange.REST, Stages: []string{"prod"}, Routes: []string{"GET /pets/dog/list", "GET /pets/{id}", "ANY /{proxy+}"}})
	tests := []struct{ name, path string }{
		{"static", "/prod/pets/dog/list"},
		{"param", "/prod/pets/7"},
		{"greedy", "/prod/x/y/z"},
		{"not found", "/prod/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, err := Canonicalize(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			res := Result{Params: make([]exchange.Param, 0, 4)}
			allocs := testing.AllocsPerRun(100, func() { tbl.Match("GET", path, &res) })
			if allocs != 0 {
				t.Errorf("Match(%s): %v allocs, want 0", tc.path, allocs)
			}
		})
	}
}

type compileErrorCase struct {
	name    string
	spec    Spec
	wantErr string
}

func compileErrorCases() []compileErrorCase {
	return []compileErrorCase{
		{name: "unknown kind", spec: Spec{Stages: []string{"a"}}, wantErr: "unknown API kind"},
		{name: "no stages", spec: Spec{Kind: exchange.HTTP}, wantErr: "at least one stage"},
		{name: "duplicate stage", spec: Spec{Kind: exchange.REST, Stages: []string{"a", "a"}}, wantErr: "duplicate stage"},
		{name: "duplicate $default stage", spec: Spec{Kind: exchange.HTTP, Stages: []string{"$default", "$default"}}, wantErr: "duplicate stage"},
		{name: "REST $default stage", spec: Spec{Kind: exchange.REST, Stages: []string{"$default"}}, wantErr: "only on HTTP APIs"},
		{name: "bad stage name", spec: Spec{Kind: exchange.REST, Stages: []string{"a/b"}}, wantErr: "only letters"},
		{name: "empty stage name", spec: Spec{Kind: exchange.REST, Stages: []string{""}}, wantErr: "1 to 128"},
		{name: "long stage name", spec: Spec{Kind: exchange.REST, Stages: []string{strings.Repeat("s", 129)}}, wantErr: "1 to 128"},
		{name: "REST $default route", spec: rest("$default"), wantErr: "only on HTTP APIs"},
		{name: "duplicate $default route", spec: httpSpec("$default", "$default"), wantErr: "duplicate of routes[0]"},
		{name: "no space", spec: httpSpec("GET/a"), wantErr: `"METHOD /path"`},
		{name: "lowercase method", spec: httpSpec("get /a"), wantErr: "unknown method"},
		{name: "unknown method", spec: httpSpec("FETCH /a"), wantErr: "unknown method"},
		{name: "two spaces", spec: httpSpec("GET  /a"), wantErr: "must start with /"},
		{name: "no leading slash", spec: httpSpec("GET a"), wantErr: "must start with /"},
		{name: "empty template", spec: httpSpec("GET "), wantErr: "must start with /"},
		{name: "trailing slash", spec: httpSpec("GET /a/"), wantErr: "must not end with /"},
		{name: "doubled slash", spec: httpSpec("GET /a//b"), wantErr: "empty segment"},
		{name: "unterminated param", spec: httpSpec("GET /a/{id"), wantErr: "whole segment"},
		{name: "param in a segment", spec: httpSpec("GET /a/{id}.json"), wantErr: "whole segment"},
		{name: "brace in static", spec: httpSpec("GET /a/x{id}"), wantErr: "whole segment"},
		{name: "empty param", spec: httpSpec("GET /a/{}"), wantErr: "whole segment"},
		{name: "empty greedy", spec: httpSpec("GET /a/{+}"), wantErr: "empty parameter name"},
		{name: "greedy not last", spec: httpSpec("GET /{p+}/a"), wantErr: "last segment"},
		{name: "bad param name", spec: httpSpec("GET /{a b}"), wantErr: "only letters"},
		{name: "long param name", spec: httpSpec("GET /{" + strings.Repeat("p", 129) + "}"), wantErr: "longer than 128"},
		{name: "duplicate param", spec: httpSpec("GET /{a}/{a}"), wantErr: "appears twice"},
		{name: "dot segment", spec: httpSpec("GET /a/../b"), wantErr: "dot segments"},
		{name: "percent in static", spec: httpSpec("GET /a%20b"), wantErr: "not allowed in a static segment"},
		{name: "semicolon in static", spec: httpSpec("GET /a;b"), wantErr: "not allowed in a static segment"},
		{name: "non-ASCII byte named as a byte", spec: httpSpec("GET /é"), wantErr: `character "\xc3" is not allowed`},
		{name: "too many segments", spec: httpSpec("GET " + strings.Repeat("/a", MaxTemplateSegments+1)), wantErr: "more than 64 segments"},
		{name: "too long", spec: httpSpec("GET /" + strings.Repeat("a", MaxTemplateLength)), wantErr: "longer than 2048"},
		{name: "duplicate route", spec: httpSpec("GET /a", "GET /a"), wantErr: "same method and path as routes[0]"},
		{name: "same shape other names", spec: httpSpec("GET /a/{x}", "GET /a/{y}"), wantErr: "same method and path"},
		{name: "duplicate greedy", spec: httpSpec("ANY /{p+}", "ANY /{q+}"), wantErr: "same method and path"},
		{name: "REST sibling params", spec: rest("GET /{a}", "POST /{b}"), wantErr: "at most one variable child"},
		{name: "REST param beside greedy", spec: rest("ANY /{proxy+}", "GET /{id}"), wantErr: "at most one variable child"},
		{name: "REST greedy beside param", spec: rest("GET /{id}", "ANY /{proxy+}"), wantErr: "at most one variable child"},
		{name: "REST two greedy names", spec: rest("GET /{a+}", "POST /{b+}"), wantErr: "at most one variable child"},
		{name: "every error reported", spec: httpSpec("GET a", "GET /ok", "BAD /x"), wantErr: "routes[2]"},
	}
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range compileErrorCases() {
		t.Run(tc.name, func(t *testing.T) {
			tbl, err := Compile(tc.spec)
			if err == nil {
				t.Fatalf("Compile(%+v) succeeded, want error containing %q", tc.spec, tc.wantErr)
			}
			if tbl != nil {
				t.Errorf("Compile returned a table with an error")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Compile error = %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestCompileAccepts(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
	}{
		{name: "HTTP sibling param names on other methods", spec: httpSpec("GET /{a}", "POST /{b}", "ANY /{c+}")},
		{name: "REST same names", spec: rest("GET /{a}", "POST /{a}/x", "GET /x/{p+}", "POST /x/{p+}")},
		{name: "every method", spec: httpSpec("GET /", "POST /", "PUT /", "DELETE /", "PATCH /", "HEAD /", "OPTIONS /", "ANY /")},
		{name: "sub-delims in static", spec: httpSpec("GET /a!$&'()*+,=:@~-._b")},
		{name: "param name characters", spec: httpSpec("GET /{a-b_c.D9}")},
		{name: "HTTP stages", spec: Spec{Kind: exchange.HTTP, Stages: []string{"$default", "dev", "v-1_x"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tbl, err := Compile(tc.spec)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if tbl.NumRoutes() != len(tc.spec.Routes) || tbl.NumStages() != len(tc.spec.Stages) {
				t.Errorf("table has %d routes %d stages, want %d %d", tbl.NumRoutes(), tbl.NumStages(), len(tc.spec.Routes), len(tc.spec.Stages))
			}
			for i, key := range tc.spec.Routes {
				if got := tbl.Route(i).Key; got != key {
					t.Errorf("Route(%d).Key = %q, want %q", i, got, key)
				}
			}
		})
	}
}

func TestRouteInfo(t *testing.T) {
	tbl := mustCompile(t, httpSpec("GET /pets/{id}/files/{path+}", "$default", "ANY /"))
	tests := []struct {
		i    int
		want Route
	}{
		{0, Route{Key: "GET /pets/{id}/files/{path+}", Method: "GET", Template: "/pets/{id}/files/{path+}", Params: []string{"id", "path"}, Greedy: true}},
		{1, Route{Key: "$default", Template: "$default"}},
		{2, Route{Key: "ANY /", Method: "ANY", Template: "/"}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.i), func(t *testing.T) {
			if got := tbl.Route(tc.i); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Route(%d) = %+v, want %+v", tc.i, got, tc.want)
			}
		})
	}
	if tbl.Kind() != exchange.HTTP {
		t.Errorf("Kind() = %v, want HTTP", tbl.Kind())
	}
}

func httpSpec(routes ...string) Spec {
	return Spec{Kind: exchange.HTTP, Stages: []string{"$default"}, Routes: routes}
}

func rest(routes ...string) Spec {
	return Spec{Kind: exchange.REST, Stages: []string{"prod"}, Routes: routes}
}

// TestMatchConcurrent backs the doc.go claim that a Table is safe for
// concurrent use; run with -race.
func TestMatchConcurrent(t *testing.T) {
	tbl := mustCompile(t, httpTestSpec())
	cases := httpMatchCases()
	paths := make([]Path, len(cases))
	for i, tc := range cases {
		var err error
		if paths[i], err = Canonicalize(tc.path); err != nil {
			t.Fatal(err)
		}
	}
	const workers = 4
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		go func() {
			var res Result
			for round := 0; round < 50; round++ {
				for i, tc := range cases {
					if got := tbl.Match(tc.method, paths[i], &res); got != tc.want {
						errs <- fmt.Errorf("%s %s: got %v, want %v", tc.method, tc.path, got, tc.want)
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for w := 0; w < workers; w++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
