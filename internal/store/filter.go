package store

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxFilterLen is Cognito's limit on the ListUsers Filter string.
const MaxFilterLen = 256

// Filter is a parsed ListUsers filter: `attribute = "value"` (exact match)
// or `attribute ^= "value"` (prefix match).
type Filter struct {
	Attribute string
	Prefix    bool
	Value     string
}

// IsSearchable reports whether ListUsers can filter on attr.
func IsSearchable(attr string) bool {
	switch attr {
	case "username", "email", "phone_number", "name", "given_name", "family_name",
		"preferred_username", "cognito:user_status", "status", "sub":
		return true
	}
	return false
}

// ParseFilter parses a ListUsers filter expression. The attribute name may be
// bare or double-quoted; the value must be double-quoted, with \" and \\ as
// the only escapes. Whitespace around the operator is optional. Errors wrap
// ErrInvalid and say what is wrong.
func ParseFilter(s string) (Filter, error) {
	var f Filter
	if len(s) > MaxFilterLen {
		return f, fmt.Errorf("filter longer than %d characters: %w", MaxFilterLen, ErrInvalid)
	}
	if !utf8.ValidString(s) {
		return f, fmt.Errorf("filter is not valid UTF-8: %w", ErrInvalid)
	}
	p := strings.TrimLeft(s, " \t")
	// Attribute.
	if strings.HasPrefix(p, `"`) {
		v, rest, err := quoted(p)
		if err != nil {
			return f, fmt.Errorf("filter attribute: %w", err)
		}
		f.Attribute, p = v, rest
	} else {
		end := strings.IndexFunc(p, func(r rune) bool { return r == ' ' || r == '\t' || r == '=' || r == '^' })
		if end < 0 {
			return f, fmt.Errorf("filter %q has no operator: %w", s, ErrInvalid)
		}
		f.Attribute, p = p[:end], p[end:]
	}
	if f.Attribute == "" {
		return f, fmt.Errorf("filter has no attribute name: %w", ErrInvalid)
	}
	if !IsSearchable(f.Attribute) {
		return f, fmt.Errorf("filter attribute %q is not searchable: %w", f.Attribute, ErrInvalid)
	}
	// Operator.
	p = strings.TrimLeft(p, " \t")
	switch {
	case strings.HasPrefix(p, "^="):
		f.Prefix, p = true, p[2:]
	case strings.HasPrefix(p, "="):
		p = p[1:]
	default:
		return f, fmt.Errorf("filter operator must be = or ^=: %w", ErrInvalid)
	}
	// Value.
	p = strings.TrimLeft(p, " \t")
	if !strings.HasPrefix(p, `"`) {
		return f, fmt.Errorf("filter value must be double-quoted: %w", ErrInvalid)
	}
	v, rest, err := quoted(p)
	if err != nil {
		return f, fmt.Errorf("filter value: %w", err)
	}
	if strings.TrimRight(rest, " \t") != "" {
		return f, fmt.Errorf("unexpected text after filter value: %w", ErrInvalid)
	}
	f.Value = v
	return f, nil
}

// quoted reads a double-quoted string at the start of p.
func quoted(p string) (string, string, error) {
	var b strings.Builder
	for i := 1; i < len(p); i++ {
		switch c := p[i]; c {
		case '"':
			return b.String(), p[i+1:], nil
		case '\\':
			if i+1 < len(p) && (p[i+1] == '"' || p[i+1] == '\\') {
				b.WriteByte(p[i+1])
				i++
				continue
			}
			return "", "", fmt.Errorf("bad escape: %w", ErrInvalid)
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated string: %w", ErrInvalid)
}

// String renders f in the syntax ParseFilter accepts.
func (f Filter) String() string {
	op := "="
	if f.Prefix {
		op = "^="
	}
	v := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(f.Value)
	return fmt.Sprintf(`%s %s "%s"`, f.Attribute, op, v)
}

// SearchValues returns the values ListUsers filters compare against, one per
// searchable attribute the user has, normalized as SearchKey normalizes the
// filter value. Backends index exactly these.
func SearchValues(u User, caseInsensitive bool) Attributes {
	out := Attributes{
		{Name: "username", Value: NormalizeKey(u.Username, caseInsensitive)},
		{Name: "sub", Value: u.Sub},
		{Name: "cognito:user_status", Value: strings.ToUpper(u.Status)},
		{Name: "status", Value: enabledString(u.Enabled)},
	}
	for _, name := range []string{"email", "phone_number", "name", "given_name", "family_name", "preferred_username"} {
		if v, ok := u.Attributes.Get(name); ok {
			out = append(out, Attribute{Name: name, Value: v})
		}
	}
	return out
}

func enabledString(enabled bool) string {
	if enabled {
		return "Enabled"
	}
	return "Disabled"
}

// SearchKey returns the filter value normalized for comparison with
// SearchValues: usernames follow the pool's case rule and
// cognito:user_status is case-insensitive; everything else is exact.
func (f Filter) SearchKey(caseInsensitive bool) string {
	switch f.Attribute {
	case "username":
		return NormalizeKey(f.Value, caseInsensitive)
	case "cognito:user_status":
		return strings.ToUpper(f.Value)
	}
	return f.Value
}

// Match reports whether u satisfies f (the reference semantics every
// backend's ListUsers must reproduce).
func (f Filter) Match(u User, caseInsensitive bool) bool {
	want := f.SearchKey(caseInsensitive)
	got, ok := SearchValues(u, caseInsensitive).Get(f.Attribute)
	if !ok {
		return false
	}
	if f.Prefix {
		return strings.HasPrefix(got, want)
	}
	return got == want
}
