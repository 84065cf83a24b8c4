package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenErrors parses each testdata/golden/*.yaml and compares the full
// error output with the .golden file next to it (-update rewrites them).
func TestGoldenErrors(t *testing.T) {
	inputs, err := filepath.Glob("testdata/golden/*.yaml")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			_, err := LoadFile(in)
			if err == nil {
				t.Fatal("config is valid; golden inputs must fail")
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(in, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run: go test ./internal/config -run Golden -update)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s (rerun with -update after checking):\n got:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}
