package router

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

func FuzzCanonicalize(f *testing.F) {
	for _, tc := range canonCases() {
		f.Add(tc.raw)
	}
	for _, s := range spellings()[:500] {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := Canonicalize(raw)
		if err != nil {
			if p != (Path{}) {
				t.Fatalf("Canonicalize(%q) returned %+v with error %v", raw, p, err)
			}
			return
		}
		checkCanonical(t, raw, p)
	})
}

// checkCanonical asserts the properties every accepted Path has.
func checkCanonical(t *testing.T, raw string, p Path) {
	t.Helper()
	again, err := Canonicalize(p.Escaped())
	if err != nil || again != p {
		t.Fatalf("Canonicalize(%q) = %+v; re-canonicalising its escaped form gives %+v, %v", raw, p, again, err)
	}
	dec, esc := p.String(), p.Escaped()
	if !strings.HasPrefix(dec, "/") || strings.Contains(dec, "//") {
		t.Fatalf("decoded %q: not absolute or has an empty segment", dec)
	}
	if strings.Count(dec, "/") != strings.Count(esc, "/") {
		t.Fatalf("decoded %q and escaped %q have different segment counts", dec, esc)
	}
	for _, seg := range strings.Split(dec, "/") {
		if isDotSegment(seg) {
			t.Fatalf("decoded %q has a dot segment %q", dec, seg)
		}
	}
	for i := 0; i < len(esc); i++ {
		c := esc[i]
		switch {
		case c == '/' || isCanonicalRaw(c):
		case c == '%' && i+2 < len(esc) && strings.IndexByte(upperhex, esc[i+1]) >= 0 && strings.IndexByte(upperhex, esc[i+2]) >= 0:
			i += 2
		default:
			t.Fatalf("escaped %q has non-canonical byte %q at %d", esc, c, i)
		}
	}
	for i := 0; i < len(dec); i++ {
		if c := dec[i]; c < 0x20 || c == 0x7f || c == '\\' {
			t.Fatalf("decoded %q has byte %q", dec, c)
		}
	}
}

// fuzzTables are the tables FuzzMatch routes through: the HTTP and REST
// tables of the table tests and the developer-guide example.
func fuzzTables(t testing.TB) []*Table {
	return []*Table{
		mustCompile(t, httpTestSpec()),
		mustCompile(t, restTestSpec()),
		mustCompile(t, Spec{Kind: exchange.HTTP, Stages: []string{"$default", "dev"}, Routes: dgExampleRoutes}),
		mustCompile(t, Spec{Kind: exchange.REST, Stages: []string{"prod"}, Routes: spellingRoutes}),
	}
}

func FuzzMatch(f *testing.F) {
	for _, tc := range append(httpMatchCases(), restMatchCases()...) {
		f.Add(tc.method, tc.path)
	}
	for _, s := range spellings()[:300] {
		f.Add("GET", s)
		f.Add("POST", "/prod"+s)
	}
	tables := fuzzTables(f)
	f.Fuzz(func(t *testing.T, method, raw string) {
		p, err := Canonicalize(raw)
		if err != nil {
			return
		}
		for _, tbl := range tables {
			checkMatch(t, tbl, method, raw, p)
		}
	})
}

// checkMatch asserts the routing invariants for one request: a matched
// route's template, filled with the escaped parameters, gives exactly the
// forwarded path; the forwarded path (with its stage) re-matches the same
// stage, route and parameters; an unmatched request has no route or params.
func checkMatch(t *testing.T, tbl *Table, method, raw string, p Path) {
	t.Helper()
	var res Result
	out := tbl.Match(method, p, &res)
	if out != res.Outcome {
		t.Fatalf("Match returned %v but res.Outcome is %v", out, res.Outcome)
	}
	switch out {
	case Matched:
	case NotFound, UnknownStage:
		if res.Route != -1 || len(res.Params) != 0 || out == UnknownStage && res.Stage != -1 {
			t.Fatalf("%s %q: %v with stage %d route %d params %v", method, raw, out, res.Stage, res.Route, res.Params)
		}
		return
	default:
		t.Fatalf("%s %q: unknown outcome %v", method, raw, out)
	}
	r := tbl.Route(res.Route)
	if len(res.Params) != len(r.Params) {
		t.Fatalf("%s %q matched %q with params %v, want names %v", method, raw, r.Key, res.Params, r.Params)
	}
	if r.Key != DefaultRoute {
		wantEsc, wantDec := fill(r.Template, res.Params, EscapeParam), fill(r.Template, res.Params, func(s string) string { return s })
		if res.EscapedPath != wantEsc || res.Path != wantDec {
			t.Fatalf("%s %q matched %q params %v: forwarded (%q, %q), template gives (%q, %q)",
				method, raw, r.Key, res.Params, res.Path, res.EscapedPath, wantDec, wantEsc)
		}
	}
	stage := tbl.Stage(res.Stage)
	forwarded := res.EscapedPath
	if stage != DefaultStage {
		forwarded = "/" + stage + forwarded
	}
	p2, err := Canonicalize(forwarded)
	if err != nil {
		t.Fatalf("%s %q: forwarded path %q is rejected: %v", method, raw, forwarded, err)
	}
	var res2 Result
	if tbl.Match(method, p2, &res2) != Matched || res2.Stage != res.Stage || res2.Route != res.Route || !reflect.DeepEqual(res2.Params, res.Params) {
		t.Fatalf("%s %q matched stage %d route %q params %v; its forwarded path %q matches stage %d route %d params %v",
			method, raw, res.Stage, r.Key, res.Params, forwarded, res2.Stage, res2.Route, res2.Params)
	}
}

// fill substitutes parameter values, through enc, into a path template.
func fill(tmpl string, params []exchange.Param, enc func(string) string) string {
	if tmpl == "/" {
		return "/"
	}
	segs := strings.Split(tmpl[1:], "/")
	k := 0
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && k < len(params) {
			segs[i] = enc(params[k].Value)
			k++
		}
	}
	return "/" + strings.Join(segs, "/")
}

func FuzzCompile(f *testing.F) {
	for _, tc := range compileErrorCases() {
		f.Add(uint8(tc.spec.Kind), strings.Join(tc.spec.Stages, ","), strings.Join(tc.spec.Routes, "\n"))
	}
	for _, s := range []Spec{httpTestSpec(), restTestSpec(), httpSpec(dgExampleRoutes...), rest(spellingRoutes...)} {
		f.Add(uint8(s.Kind), strings.Join(s.Stages, ","), strings.Join(s.Routes, "\n"))
	}
	f.Fuzz(func(t *testing.T, kind uint8, stages, routes string) {
		spec := Spec{Kind: exchange.Kind(kind), Stages: strings.Split(stages, ","), Routes: strings.Split(routes, "\n")}
		if len(spec.Routes) > 64 {
			return
		}
		tbl, err := Compile(spec)
		_, err2 := Compile(spec)
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("Compile is not deterministic: %v then %v", err, err2)
		}
		if err != nil {
			if tbl != nil {
				t.Fatal("Compile returned a table and an error")
			}
			return
		}
		for i, key := range spec.Routes {
			r := tbl.Route(i)
			if r.Key != key {
				t.Fatalf("Route(%d).Key = %q, want %q", i, r.Key, key)
			}
			if r.Key == DefaultRoute {
				continue
			}
			// A concrete request for the route, routed through the whole
			// table (invariants only) and through a table of its own (it
			// must match, with the expected parameters).
			stagePrefix, single := "", Spec{Kind: spec.Kind, Routes: []string{key}}
			if spec.Kind == exchange.REST {
				stagePrefix, single.Stages = "/s", []string{"s"}
			} else {
				single.Stages = []string{DefaultStage}
			}
			want := make([]exchange.Param, len(r.Params))
			for j, name := range r.Params {
				want[j] = exchange.Param{Name: name, Value: "v" + name}
				if r.Greedy && j == len(r.Params)-1 {
					want[j].Value = "g/h"
				}
			}
			path, err := Canonicalize(stagePrefix + fill(r.Template, want, EscapeParam))
			if err != nil {
				t.Fatalf("route %q: concrete path rejected: %v", key, err)
			}
			method := r.Method
			if method == "ANY" {
				method = "PATCH"
			}
			checkMatch(t, tbl, method, path.Escaped(), path)
			one, err := Compile(single)
			if err != nil {
				t.Fatalf("route %q compiles in a table but not alone: %v", key, err)
			}
			var res Result
			if one.Match(method, path, &res) != Matched || res.Route != 0 || !reflect.DeepEqual(res.Params, want) && len(want) > 0 {
				t.Fatalf("route %q alone: %s %q gives %v route %d params %v, want route 0 params %v",
					key, method, path.Escaped(), res.Outcome, res.Route, res.Params, want)
			}
		}
	})
}
