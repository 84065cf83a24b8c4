package store

import (
	"errors"
	"strings"
	"testing"
)

var filterTests = []struct {
	name    string
	in      string
	want    Filter
	wantErr string
}{
	{name: "exact", in: `email = "a@example.com"`, want: Filter{Attribute: "email", Value: "a@example.com"}},
	{name: "prefix", in: `given_name ^= "Jo"`, want: Filter{Attribute: "given_name", Prefix: true, Value: "Jo"}},
	{name: "no spaces", in: `username="bob"`, want: Filter{Attribute: "username", Value: "bob"}},
	{name: "no spaces prefix", in: `username^="b"`, want: Filter{Attribute: "username", Prefix: true, Value: "b"}},
	{name: "surrounding whitespace", in: "  \tname  =  \"x\"  ", want: Filter{Attribute: "name", Value: "x"}},
	{name: "quoted attribute", in: `"family_name" = "Doe"`, want: Filter{Attribute: "family_name", Value: "Doe"}},
	{name: "status attribute", in: `cognito:user_status = "CONFIRMED"`, want: Filter{Attribute: "cognito:user_status", Value: "CONFIRMED"}},
	{name: "escaped quote", in: `name = "a \"b\""`, want: Filter{Attribute: "name", Value: `a "b"`}},
	{name: "escaped backslash", in: `name = "a\\b"`, want: Filter{Attribute: "name", Value: `a\b`}},
	{name: "empty value", in: `email ^= ""`, want: Filter{Attribute: "email", Prefix: true}},
	{name: "unicode value", in: `name = "Zoë 😀"`, want: Filter{Attribute: "name", Value: "Zoë 😀"}},
	{name: "empty", in: ``, wantErr: "no operator"},
	{name: "no operator", in: `email "x"`, wantErr: "operator"},
	{name: "unknown operator", in: `email != "x"`, wantErr: "must be = or ^="},
	{name: "contains operator", in: `email *= "x"`, wantErr: "must be = or ^="},
	{name: "unquoted value", in: `email = x`, wantErr: "double-quoted"},
	{name: "single quotes", in: `email = 'x'`, wantErr: "double-quoted"},
	{name: "unterminated", in: `email = "x`, wantErr: "unterminated"},
	{name: "bad escape", in: `email = "\n"`, wantErr: "bad escape"},
	{name: "trailing text", in: `email = "x" and name = "y"`, wantErr: "after filter value"},
	{name: "custom attribute", in: `custom:tenant = "x"`, wantErr: "not searchable"},
	{name: "empty attribute", in: `= "x"`, wantErr: "no attribute"},
	{name: "empty quoted attribute", in: `"" = "x"`, wantErr: "no attribute"},
	{name: "too long", in: `name = "` + strings.Repeat("a", MaxFilterLen) + `"`, wantErr: "longer than"},
	{name: "invalid utf8", in: "name = \"\xff\"", wantErr: "UTF-8"},
}

func TestParseFilter(t *testing.T) {
	for _, tc := range filterTests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFilter(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("ParseFilter(%q) error = %v, want ErrInvalid containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseFilter(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			again, err := ParseFilter(got.String())
			if err != nil || again != got {
				t.Errorf("round trip of %q via %q = %+v, %v", tc.in, got.String(), again, err)
			}
		})
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, tc := range filterTests {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseFilter(in)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if !IsSearchable(got.Attribute) {
			t.Fatalf("accepted unsearchable attribute %q", got.Attribute)
		}
		s := got.String()
		if len(s) <= MaxFilterLen {
			again, err := ParseFilter(s)
			if err != nil || again != got {
				t.Fatalf("round trip %q -> %+v -> %q -> %+v, %v", in, got, s, again, err)
			}
		}
	})
}

func TestFilterMatch(t *testing.T) {
	u := User{Username: "Alice", Sub: "sub-1", Status: "FORCE_CHANGE_PASSWORD", Enabled: false,
		Attributes: Attributes{{Name: "email", Value: "A@Example.com"}, {Name: "custom:x", Value: "1"}}}
	tests := []struct {
		name   string
		filter string
		ci     bool
		want   bool
	}{
		{"username exact", `username = "Alice"`, false, true},
		{"username other case, case-sensitive pool", `username = "alice"`, false, false},
		{"username other case, case-insensitive pool", `username = "ALICE"`, true, true},
		{"username prefix ci", `username ^= "al"`, true, true},
		{"email exact case", `email = "A@Example.com"`, false, true},
		{"email other case", `email = "a@example.com"`, true, false},
		{"missing attribute", `name ^= ""`, false, false},
		{"status lower", `cognito:user_status = "force_change_password"`, false, true},
		{"disabled", `status = "Disabled"`, false, true},
		{"enabled", `status = "Enabled"`, false, false},
		{"sub", `sub = "sub-1"`, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFilter(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Match(u, tc.ci); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}
