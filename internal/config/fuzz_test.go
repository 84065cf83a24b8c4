package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, and that it returns either a
// config or an Errors value with at least one entry, never both or neither.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"apis: []\n",
		"apis:\n  - {name: a, kind: http, routes: [{route: 'GET /x/{id}', integration: {http: {url: 'http://h/{id}', timeout: 1s}}}]}\n",
		"apis:\n  - {name: a, kind: rest, stages: [{name: p, variables: {a: b}}], routes: [{route: 'ANY /{p+}', integration: {mock: {status: 201}}}]}\n",
		"{\"apis\": [{\"name\": \"a\", \"kind\": \"http\", \"routes\": []}]}",
		"a: &a [x]\nb: *a\n<<: {c: 1}\n",
		"apis: [{name: a, kind: rest, stages: [{name: p}], routes: [], resourcePolicy: {Statement: [{Effect: Allow, Action: [a, b], N: 1.5}]}}]\n",
		"apis:\n  - name: a\n   kind: http\n",
		"---\n---\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	for _, dir := range []string{"testdata/golden", "../../examples/basic"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		switch {
		case err == nil && c == nil:
			t.Fatal("nil config and nil error")
		case err != nil && c != nil:
			t.Fatal("config returned with errors")
		case err != nil:
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %v is not a non-empty Errors", err, err)
			}
		}
	})
}
