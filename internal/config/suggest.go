package config

import "strings"

// nearest returns the candidate closest to got by edit distance (ignoring
// case), or "" when none is close enough to be a plausible typo. Section
// validators use it for "did you mean" suggestions.
func nearest(got string, candidates []string) string {
	if got == "" {
		return ""
	}
	lg := strings.ToLower(got)
	best, bestDist := "", -1
	for _, c := range candidates {
		if c == got {
			continue
		}
		d := editDistance(lg, strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 {
		return ""
	}
	// Allow about one edit in three characters, at least two edits for
	// short names, and always a pure case difference.
	limit := max(2, len([]rune(got))/3)
	if bestDist > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
