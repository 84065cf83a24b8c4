package policy

import (
	"unicode"
	"unicode/utf8"
)

// A pattern is a compiled IAM wildcard pattern: literal runes (>= 0),
// anyOne ('?': exactly one character) and anySeq ('*': any sequence,
// including the empty one and '/'). Keeping wildcards as distinct values lets
// escaped or substituted '*' and '?' (${*}, ${?}, variable values) stay
// literal.
type pattern []rune

const (
	anyOne rune = -1
	anySeq rune = -2
)

// compileGlob turns s into a pattern where every '*' and '?' is a wildcard.
// With fold, letters are lower-cased (action names are case-insensitive).
func compileGlob(dst pattern, s string, fold bool) pattern {
	for _, r := range s {
		switch r {
		case '*':
			dst = append(dst, anySeq)
		case '?':
			dst = append(dst, anyOne)
		default:
			if fold {
				r = unicode.ToLower(r)
			}
			dst = append(dst, r)
		}
	}
	return dst
}

// appendLiteral appends s to dst with no wildcard meaning.
func appendLiteral(dst pattern, s string, fold bool) pattern {
	for _, r := range s {
		if fold {
			r = unicode.ToLower(r)
		}
		dst = append(dst, r)
	}
	return dst
}

// toRunes decodes s into buf (reused when large enough, otherwise replaced
// by one allocation of len(s) runes, enough for any decoding of s). With
// fold the runes are lower-cased.
func toRunes(buf []rune, s string, fold bool) []rune {
	if cap(buf) < len(s) {
		buf = make([]rune, 0, len(s))
	}
	return appendRunes(buf[:0], s, fold)
}

// appendRunes appends the decoded runes of s to buf.
func appendRunes(buf []rune, s string, fold bool) []rune {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			r := rune(c)
			if fold && 'A' <= c && c <= 'Z' {
				r += 'a' - 'A'
			}
			buf = append(buf, r)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if fold {
			r = unicode.ToLower(r)
		}
		buf = append(buf, r)
		i += n
	}
	return buf
}

// matchCounter, when non-nil, counts character comparisons. Tests use it to
// prove the matcher's cost bound; production passes nil.
type matchCounter struct{ n int }

func (c *matchCounter) add(k int) {
	if c != nil {
		c.n += k
	}
}

// match reports whether text matches p. It never backtracks over a '*':
// the text before the first '*' and after the last one is compared in
// place, and each run between two '*' is matched at its leftmost occurrence
// after the previous run (leftmost placement is always safe for glob
// patterns, so no alternative placement ever needs to be revisited). The
// cost is O(len(text) × longest run between stars + len(p)).
func (p pattern) match(text []rune, ctr *matchCounter) bool {
	return p.matchStars(p.stars(), text, ctr)
}

// starSpan is where a pattern's '*' wildcards are: the first and last
// index, both -1 when there is none; the zero value means "not located".
// Patterns compiled at parse time keep theirs, so evaluation does not scan
// for them again.
type starSpan struct {
	located     bool
	first, last int
}

func (p pattern) stars() starSpan {
	sp := starSpan{true, -1, -1}
	for i, r := range p {
		if r == anySeq {
			if sp.first < 0 {
				sp.first = i
			}
			sp.last = i
		}
	}
	return sp
}

// matchStars is match with p's stars already located (sp == p.stars(), or
// the zero starSpan to locate them now).
func (p pattern) matchStars(sp starSpan, text []rune, ctr *matchCounter) bool {
	if !sp.located {
		sp = p.stars()
	}
	first, last := sp.first, sp.last
	if first < 0 {
		return len(p) == len(text) && runEqual(p, text, ctr)
	}
	prefix, suffix := p[:first], p[last+1:]
	if len(prefix)+len(suffix) > len(text) {
		return false
	}
	if !runEqual(prefix, text[:len(prefix)], ctr) || !runEqual(suffix, text[len(text)-len(suffix):], ctr) {
		return false
	}
	t := text[len(prefix) : len(text)-len(suffix)]
	var mid pattern
	if last > first {
		mid = p[first+1 : last]
	}
	pos := 0
	for len(mid) > 0 {
		k := 0
		for k < len(mid) && mid[k] != anySeq {
			k++
		}
		run := mid[:k]
		if k < len(mid) {
			mid = mid[k+1:]
		} else {
			mid = nil
		}
		if len(run) == 0 {
			continue
		}
		at := runIndex(run, t[pos:], ctr)
		if at < 0 {
			return false
		}
		pos += at + len(run)
	}
	return true
}

// runEqual compares a star-free run with text of the same length.
func runEqual(run pattern, text []rune, ctr *matchCounter) bool {
	if ctr == nil {
		text = text[:len(run)]
		for i, r := range run {
			if r != text[i] && r != anyOne {
				return false
			}
		}
		return true
	}
	for i, r := range run {
		ctr.add(1)
		if r != anyOne && r != text[i] {
			return false
		}
	}
	return true
}

// runIndex returns the leftmost offset in text where the star-free run
// matches, or -1.
func runIndex(run pattern, text []rune, ctr *matchCounter) int {
	n := len(text) - len(run)
	for i := 0; i <= n; i++ {
		if runEqual(run, text[i:i+len(run)], ctr) {
			return i
		}
	}
	if n < 0 {
		ctr.add(1)
	}
	return -1
}

// globMatch is a convenience for one-off matches (tests, fuzzing).
func globMatch(pat, text string, fold bool) bool {
	return compileGlob(nil, pat, fold).match(toRunes(nil, text, fold), nil)
}
