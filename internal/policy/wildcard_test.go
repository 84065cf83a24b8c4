package policy

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pat, text string
		fold      bool
		want      bool
	}{
		{"", "", false, true},
		{"", "a", false, false},
		{"*", "", false, true},
		{"*", "anything/at:all", false, true},
		{"a*", "a", false, true},
		{"a*", "ba", false, false},
		{"*a", "ba", false, true},
		{"*a", "ab", false, false},
		{"a*b*c", "abc", false, true},
		{"a*b*c", "aXbYc", false, true},
		{"a*b*c", "acb", false, false},
		{"a*b*c", "abcbc", false, true},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"a?c", "aüc", false, true}, // ? is one character, not one byte
		{"?", "ü", false, true},
		{"??", "ü", false, false},
		{"*?", "", false, false},
		{"*?*", "x", false, true},
		{"a**b", "ab", false, true},
		{"*ab*ab*", "abab", false, true},
		{"*ab*ab*", "aba", false, false},
		{"*aab", "aaab", false, true},
		{"x*y*z", "xyyz", false, true},
		{"GET/pets/*", "GET/pets/", false, true},
		{"Execute-API:Invoke", "execute-api:invoke", true, true},
		{"Execute-API:Invoke", "execute-api:invoke", false, false},
		{"*:ÄB", "x:äb", true, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s~%s~%v", tt.pat, tt.text, tt.fold), func(t *testing.T) {
			if got := globMatch(tt.pat, tt.text, tt.fold); got != tt.want {
				t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pat, tt.text, got, tt.want)
			}
		})
	}
}

// reference is an independent implementation (via regexp, which is
// linear-time too) to cross-check the matcher.
func reference(pat, text string) bool {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pat {
		switch r {
		case '*':
			b.WriteString("(?s:.*)")
		case '?':
			b.WriteString("(?s:.)")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String()).MatchString(text)
}

// TestMatcherCostIsBounded feeds patterns that make backtracking matchers
// exponential or quadratic and checks the comparison count stays within
// len(text) × longest-star-free-run + len(pattern) — an operation budget, not
// a wall-clock timing.
func TestMatcherCostIsBounded(t *testing.T) {
	n := 4096
	tests := []struct {
		name   string
		pat    string
		text   string
		maxRun int
		want   bool
	}{
		{"many stars against a run of a (classic exponential case)", strings.Repeat("a*", 64) + "b", strings.Repeat("a", n), 1, false},
		{"stars and question marks", strings.Repeat("*?", 50) + "b", strings.Repeat("a", n), 1, false},
		{"repeated short runs that almost match", strings.Repeat("*aaaaaaab", 20) + "*", strings.Repeat("a", n), 8, false},
		{"matching case", strings.Repeat("*a", 64) + "*", strings.Repeat("a", n), 1, true},
		{"long literal run with star", "*" + strings.Repeat("a", 32) + "b*", strings.Repeat("a", n) + "b", 33, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compileGlob(nil, tt.pat, false)
			var ctr matchCounter
			got := p.match(toRunes(nil, tt.text, false), &ctr)
			if got != tt.want {
				t.Fatalf("match = %v, want %v", got, tt.want)
			}
			if want := reference(tt.pat, tt.text); want != got {
				t.Fatalf("reference disagrees: %v", want)
			}
			budget := (len(tt.text)+1)*tt.maxRun + len(tt.pat)
			if ctr.n > budget {
				t.Errorf("comparisons = %d, budget %d", ctr.n, budget)
			}
		})
	}
}

func FuzzWildcard(f *testing.F) {
	f.Add("a*b*c", "aXbYc", false)
	f.Add("*?", "", false)
	f.Add("a?c", "aüc", false)
	f.Add(strings.Repeat("a*", 20)+"b", strings.Repeat("a", 100), false)
	f.Add("Execute-API:*", "execute-api:Invoke", true)
	f.Fuzz(func(t *testing.T, pat, text string, fold bool) {
		if len(pat) > 256 || len(text) > 1024 {
			return
		}
		var ctr matchCounter
		p := compileGlob(nil, pat, fold)
		tr := toRunes(nil, text, fold)
		got := p.match(tr, &ctr)
		if fast := p.match(tr, nil); fast != got {
			t.Fatalf("match(%q, %q) without a counter = %v, with one %v", pat, text, fast, got)
		}
		// Cost bound: every comparison is charged to a text position and a
		// pattern run, so it never exceeds (len(text)+1) × len(pattern) + len(pattern).
		if bound := (len(tr)+1)*(len(p)+1) + len(p); ctr.n > bound {
			t.Fatalf("comparisons %d exceed bound %d", ctr.n, bound)
		}
		if fold {
			return // the reference does not fold case
		}
		if want := reference(pat, text); got != want {
			t.Fatalf("match(%q, %q) = %v, reference %v", pat, text, got, want)
		}
	})
}
