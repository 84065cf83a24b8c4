package config

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// FieldError is one problem found in a config file: where it is, which field
// it concerns, and what is wrong. Line and Col are 1-based; zero means the
// position is unknown (a config built in code, or a YAML syntax error that
// names only a line).
type FieldError struct {
	File string
	Line int
	Col  int
	// Path names the field with YAML names: apis[0].routes[2].integration.
	Path string
	Msg  string
	// Suggest is the nearest valid name, when there is one.
	Suggest string
}

// String formats the error as file:line:col: path: message (did you mean "x"?).
func (e FieldError) String() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, "%d:", e.Col)
		}
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Suggest != "" {
		fmt.Fprintf(&b, " (did you mean %q?)", e.Suggest)
	}
	return b.String()
}

// Errors is every problem found in one config, sorted by position. It is the
// error type returned by Parse, LoadFile and Validate.
type Errors []FieldError

// Error prints all problems, one per line, in position order.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.String()
	}
	return strings.Join(lines, "\n")
}

func (es Errors) sort() {
	slices.SortStableFunc(es, func(a, b FieldError) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
}
