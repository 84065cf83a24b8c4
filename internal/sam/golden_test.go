package sam

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedRand makes generated secrets reproducible in golden files.
func fixedRand() *bytes.Reader { return bytes.NewReader(bytes.Repeat([]byte{7, 42, 99, 200}, 1024)) }

// TestGolden converts every template in testdata/golden and compares the
// native YAML, warnings and outputs with the .golden file; the native YAML
// must parse with config.Parse (Convert does that, and we check again).
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.yaml")
	jsonFiles, _ := filepath.Glob("testdata/golden/*.json")
	files = append(files, jsonFiles...)
	if len(files) < 4 {
		t.Fatalf("expected golden templates, found %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !IsTemplate(data) {
				t.Errorf("IsTemplate = false")
			}
			res, err := Convert(f, data, Options{Rand: fixedRand()})
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			if _, err := config.Parse("round-trip.yaml", res.YAML); err != nil {
				t.Fatalf("rendered config does not parse: %v", err)
			}
			var b strings.Builder
			b.Write(res.YAML)
			b.WriteString("# --- warnings\n")
			for _, w := range res.Warnings {
				fmt.Fprintf(&b, "# %s\n", w)
			}
			b.WriteString("# --- outputs\n")
			for _, o := range res.Outputs {
				fmt.Fprintf(&b, "# %s = %s\n", o.Name, o.Value)
			}
			got := b.String()
			golden := strings.TrimSuffix(f, filepath.Ext(f)) + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden file (run with -update): %v", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (run with -update and review):\n%s", golden, got)
			}
		})
	}
}
