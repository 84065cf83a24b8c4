package config

import (
	"errors"
	"flag"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files and schema/gatehouse.schema.json")

// parseErrs parses src as "t.yaml" and returns the error lines, or nil when
// the config is valid.
func parseErrs(t *testing.T, src string) []string {
	t.Helper()
	c, err := Parse("t.yaml", []byte(src))
	if err == nil {
		if c == nil {
			t.Fatal("Parse returned nil config and nil error")
		}
		return nil
	}
	if c != nil {
		t.Errorf("Parse returned a config along with errors")
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error is %T, want Errors: %v", err, err)
	}
	return strings.Split(err.Error(), "\n")
}

func mustParse(t *testing.T, src string) *Config {
	t.Helper()
	c, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: unexpected errors:\n%v", err)
	}
	return c
}

func checkLines(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func reflectValue(p *Config) reflect.Value { return reflect.ValueOf(p).Elem() }

// checkProblems runs validate on an empty problem list and compares what it
// records with want: one problem at each path of want, whose message
// contains the substring want names for it, and none elsewhere.
func checkProblems(t *testing.T, validate func(*problems), want map[string]string) {
	t.Helper()
	p := &problems{}
	validate(p)
	got := map[string]string{}
	for _, pr := range p.list {
		got[pr.path] = pr.msg
	}
	if len(got) != len(want) {
		t.Fatalf("problems = %v, want %d matching %v", got, len(want), want)
	}
	for path, sub := range want {
		if msg, ok := got[path]; !ok || !strings.Contains(msg, sub) {
			t.Errorf("problem at %s = %q, want it to contain %q (all: %v)", path, msg, sub, got)
		}
	}
}
