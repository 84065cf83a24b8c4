package router

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

// The spelling test: /admin/secret is protected (route 0); everything else is
// open. For each of many spellings of the protected path it checks that the
// request is either rejected, or matched to the protected route with the
// canonical path forwarded, or matched to another route with a forwarded path
// that no simulated backend reads as /admin/secret.

const protectedPath = "/admin/secret"

var spellingRoutes = []string{
	"GET /admin/secret",    // 0: protected
	"ANY /public/{proxy+}", // 1: open
	"ANY /{proxy+}",        // 2: open
	"GET /admin/{item}",    // 3: sibling
}

// backend is how some server might read the path it is forwarded.
type backend struct {
	name string
	read func(escaped string) string
}

var spellingBackends = []backend{
	{"strict (decode once)", func(s string) string { return pctDecode(s) }},
	{"normalising (decode, merge slashes, resolve dots)", func(s string) string {
		return resolveDots(mergeSlashes(pctDecode(s)))
	}},
	{"servlet (drop ;params, decode, normalise)", func(s string) string {
		segs := strings.Split(s, "/")
		for i, seg := range segs {
			if j := strings.IndexByte(seg, ';'); j >= 0 {
				segs[i] = seg[:j]
			}
		}
		return resolveDots(mergeSlashes(pctDecode(strings.Join(segs, "/"))))
	}},
	{"windows (decode, backslash is slash, normalise)", func(s string) string {
		return resolveDots(mergeSlashes(strings.ReplaceAll(pctDecode(s), "\\", "/")))
	}},
	{"double decode then normalise", func(s string) string {
		return resolveDots(mergeSlashes(pctDecode(pctDecode(s))))
	}},
}

func TestSpellingsOfAProtectedPath(t *testing.T) {
	kinds := []struct {
		name   string
		spec   Spec
		stages []string // spellings of the stage prefix
	}{
		{"HTTP", Spec{Kind: exchange.HTTP, Stages: []string{"$default"}, Routes: spellingRoutes}, []string{""}},
		{"REST", Spec{Kind: exchange.REST, Stages: []string{"prod"}, Routes: spellingRoutes}, []string{"/prod", "/pr%6Fd", "/PROD", "/prod;x", "/prod%3B"}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			tbl := mustCompile(t, k.spec)
			var rejected, protected, open, total int
			res := Result{Params: make([]exchange.Param, 0, 4)}
			all := spellings()
			for i, stage := range k.stages {
				list := all
				if i > 0 {
					list = all[:2000] // other spellings of the stage: a sample
				}
				for _, s := range list {
					raw := stage + s
					total++
					path, err := Canonicalize(raw)
					if err != nil {
						rejected++
						continue
					}
					if tbl.Match("GET", path, &res) != Matched {
						continue
					}
					forwarded := res.EscapedPath
					if res.Route == 0 {
						protected++
						if got := pctDecode(forwarded); got != protectedPath {
							t.Errorf("%q matched the protected route but forwards %q (reads as %q)", raw, forwarded, got)
						}
						continue
					}
					open++
					for _, b := range spellingBackends {
						if got := b.read(forwarded); got == protectedPath {
							t.Errorf("%q matched %q but a %s backend reads the forwarded path %q as %q",
								raw, tbl.Route(res.Route).Key, b.name, forwarded, got)
						}
					}
				}
			}
			t.Logf("%d spellings: %d rejected, %d to the protected route, %d elsewhere", total, rejected, protected, open)
			if rejected == 0 || protected == 0 || open == 0 {
				t.Errorf("spelling set does not exercise every outcome: rejected %d, protected %d, open %d", rejected, protected, open)
			}
		})
	}
}

// spellings generates spellings of /admin/secret: prefixes (traversals out of
// the open /public tree), separators, per-character encodings of each
// segment, and suffixes.
func spellings() []string {
	prefixes := []string{
		"", "/public/..", "/public/%2e%2e", "/public/%2E%2E", "/public/.%2e", "/public/..;",
		"/public/..%3b", "/public/..%2f..", "/public/x/../..", "/public/%252e%252e", "/public/%c0%ae%c0%ae",
		"/public\\..", "/public/%5c..", "/public/...", "/public/.. ", "/public/..%20", "/public/..%00",
		"/public/%u002e%u002e", "/public/%2e%2e%2f", "/public/x", "/public", "/x/..", "/.",
		"/public/\xc0\xae\xc0\xae", "/public/..%ef%bc%8f",
	}
	seps := []string{
		"/", "//", "/./", "/%2e/", "/%2E/", "/x/../", "/x/%2e%2e/", "/x/.%2e/", "/x/%2e./", "/x/..;/",
		"/x/..%3b/", "/;/", "/;x/", ";/", "/.;/", "%2f", "%2F", "\\", "%5c", "%5C", "/%3b/", "/%3B",
		"/%252e/", "/%252f", "%252f", "/%c0%ae/", "%c0%af", "%e0%80%af", "/\t/", "/%09", "%00/", ";x/",
		"%ef%bc%8f", "/%20/", "/ /",
	}
	suffixes := []string{
		"", "/", "//", "/.", "/..", "/%2e", ";", ";x", ";jsessionid=1", "%3B", "%3bx", "%00", "%20", " ",
		".", "..", "...", "%2e", "%09", "%0a", "%0d%0a", "?x", "#x", "%3f", "%23", "%2f", "/%2f", "\\",
		"%5c", "..;", "~", "*", "%252e", "%c0%ae", "\xc0\xae", "%ef%bc%8e",
	}
	var out []string
	// Every pair of prefix, first separator and second separator, with every
	// suffix, over plain segments.
	for _, suf := range suffixes {
		for _, pre := range prefixes {
			for _, s := range seps {
				out = append(out, pre+s+"admin/secret"+suf, pre+"/admin"+s+"secret"+suf)
			}
		}
		for _, s1 := range seps {
			for _, s2 := range seps {
				out = append(out, s1+"admin"+s2+"secret"+suf)
			}
		}
	}
	// Segment spellings, one segment at a time, with each prefix and suffix.
	for _, a := range segmentSpellings("admin") {
		for _, pre := range prefixes {
			for _, suf := range suffixes {
				out = append(out, pre+"/"+a+"/secret"+suf)
			}
		}
	}
	for _, s := range segmentSpellings("secret") {
		for _, pre := range prefixes {
			for _, suf := range suffixes {
				out = append(out, pre+"/admin/"+s+suf)
			}
		}
	}
	return out
}

// segmentSpellings spells one segment: each character percent-encoded (both
// hex cases), as an overlong UTF-8 sequence, double-encoded, IIS %u, as its
// fullwidth form, and case variants.
func segmentSpellings(seg string) []string {
	out := []string{seg, strings.ToUpper(seg), strings.ToUpper(seg[:1]) + seg[1:], seg + "%00", seg + ";"}
	var all strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		fmt.Fprintf(&all, "%%%02X", c)
		for _, enc := range []string{
			fmt.Sprintf("%%%02x", c),
			fmt.Sprintf("%%%02X", c),
			fmt.Sprintf("%%%02X", c-'a'+'A'),
			fmt.Sprintf("%%C%X%%%02X", c>>6, 0x80|c&0x3f),
			fmt.Sprintf("%%E0%%8%X%%%02X", c>>6, 0x80|c&0x3f),
			fmt.Sprintf("%%25%02X", c),
			fmt.Sprintf("%%u00%02X", c),
			fmt.Sprintf("%%EF%%BD%%%02X", 0x80+c-'`'), // fullwidth a-z are U+FF41..U+FF5A
			string(rune(0xFF41 + rune(c-'a'))),
		} {
			out = append(out, seg[:i]+enc+seg[i+1:])
		}
	}
	return append(out, all.String())
}

func pctDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b.WriteByte(hi<<4 | lo)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func mergeSlashes(s string) string {
	for strings.Contains(s, "//") {
		s = strings.ReplaceAll(s, "//", "/")
	}
	return s
}

// resolveDots removes "." and ".." segments (RFC 3986 section 5.2.4).
func resolveDots(s string) string {
	segs := strings.Split(s, "/")
	var out []string
	for i, seg := range segs {
		if i == 0 {
			continue
		}
		switch seg {
		case ".":
			if i == len(segs)-1 {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if i == len(segs)-1 {
				out = append(out, "")
			}
		default:
			out = append(out, seg)
		}
	}
	return "/" + strings.Join(out, "/")
}

func TestSpellingHelpers(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"decode", pctDecode("/a%2Fb%zz"), "/a/b%zz"},
		{"merge", mergeSlashes("//a///b"), "/a/b"},
		{"dots", resolveDots("/a/./b/../c"), "/a/c"},
		{"dots above root", resolveDots("/../a"), "/a"},
		{"trailing dot dot", resolveDots("/a/b/.."), "/a/"},
		{"servlet", spellingBackends[2].read("/public/..;/admin/secret"), protectedPath},
		{"windows", spellingBackends[3].read("/public\\..\\admin\\secret"), protectedPath},
		{"double decode", spellingBackends[4].read("/public/%252e%252e/admin/secret"), protectedPath},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

// Equivalences some backends apply that the router does not (AWS does not
// either): case folding, trailing-slash folding on HTTP APIs, and trimming of
// trailing dots and spaces (Windows). Each spelling is routed as another
// path, so a backend that folds it must not sit behind a more open route;
// docs/routing.md says so.
func TestCaseAndHTTPTrailingSlashAreOtherPaths(t *testing.T) {
	httpTbl := mustCompile(t, Spec{Kind: exchange.HTTP, Stages: []string{"$default"}, Routes: spellingRoutes})
	restTbl := mustCompile(t, Spec{Kind: exchange.REST, Stages: []string{"prod"}, Routes: spellingRoutes})
	runMatchCases(t, httpTbl, []matchCase{
		{name: "HTTP trailing slash", method: "GET", path: "/admin/secret/", want: Matched, wantStage: "$default", wantRoute: "ANY /{proxy+}", wantParams: p("proxy", "admin/secret/"), wantEscaped: "/admin/secret/"},
		{name: "HTTP case", method: "GET", path: "/Admin/secret", want: Matched, wantStage: "$default", wantRoute: "ANY /{proxy+}", wantParams: p("proxy", "Admin/secret")},
		{name: "HTTP trailing dot", method: "GET", path: "/admin/secret.", want: Matched, wantStage: "$default", wantRoute: "GET /admin/{item}", wantParams: p("item", "secret.")},
		{name: "HTTP trailing space", method: "GET", path: "/admin/secret%20", want: Matched, wantStage: "$default", wantRoute: "GET /admin/{item}", wantParams: p("item", "secret ")},
		{name: "HTTP fullwidth solidus", method: "GET", path: "/admin%EF%BC%8Fsecret", want: Matched, wantStage: "$default", wantRoute: "ANY /{proxy+}", wantParams: p("proxy", "admin\uff0fsecret")},
	})
	runMatchCases(t, restTbl, []matchCase{
		{name: "REST trailing slash is the same path", method: "GET", path: "/prod/admin/secret/", want: Matched, wantStage: "prod", wantRoute: "GET /admin/secret", wantEscaped: protectedPath},
		{name: "REST case", method: "GET", path: "/prod/admin/SECRET", want: Matched, wantStage: "prod", wantRoute: "GET /admin/{item}", wantParams: p("item", "SECRET")},
	})
}
