package policy

import (
	"fmt"
	"io"
	"strings"
)

// WriteExplanation renders a decision and the traces from Explain as plain
// text, one block per statement: which elements matched and, for every
// condition, the policy values, the request values and the result. It is
// what `gatehouse policy simulate` prints and what debug logs carry for
// denied requests.
func WriteExplanation(w io.Writer, d Decision, traces []StatementTrace) error {
	var b strings.Builder
	fmt.Fprintf(&b, "decision: %s (%s)\n", d.Effect, d.Reason)
	for _, tr := range traces {
		status := "does not apply"
		switch {
		case tr.Skipped:
			status = "skipped (depends on the caller, who is not yet authenticated)"
		case tr.Applies:
			status = "applies"
		}
		fmt.Fprintf(&b, "%s %s: %s\n", tr.Match, tr.Effect, status)
		if tr.Skipped {
			continue
		}
		fmt.Fprintf(&b, "  principal %s, action %s, resource %s\n", yesNo(tr.Principal), yesNo(tr.Action), yesNo(tr.Resource))
		for _, c := range tr.Conditions {
			req := "absent"
			if c.Present {
				req = "[" + strings.Join(c.ContextValues, ", ") + "]"
			}
			fmt.Fprintf(&b, "  %s %s [%s] request %s -> %v\n", c.Operator, c.Key, strings.Join(c.PolicyValues, ", "), req, c.Result)
		}
	}
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write explanation: %w", err)
	}
	return nil
}

func yesNo(v bool) string {
	if v {
		return "matches"
	}
	return "does not match"
}
