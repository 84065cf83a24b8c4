package cognito

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

// TestDocsExample parses and validates the YAML example of
// docs/userpools.md, so the documented config keeps working.
func TestDocsExample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "userpools.md"))
	if err != nil {
		t.Skipf("docs not present: %v", err)
	}
	_, rest, ok := strings.Cut(string(data), "```yaml\n")
	if !ok {
		t.Fatal("no yaml block in docs/userpools.md")
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("unterminated yaml block")
	}
	cfg, err := config.Parse("docs/userpools.md", []byte(block))
	if err != nil {
		t.Fatalf("documented config does not validate: %v", err)
	}
	if len(cfg.UserPools) != 1 || len(cfg.UserPools[0].Users) != 2 || cfg.UserPools[0].Triggers.PreTokenGeneration != "pre-token" {
		t.Errorf("parsed %+v", cfg.UserPools)
	}
}
