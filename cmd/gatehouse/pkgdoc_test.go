package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryPackageHasADoc keeps the house rule that every package says what
// it owns in its package comment (usually doc.go).
func TestEveryPackageHasADoc(t *testing.T) {
	root := filepath.Join("..", "..")
	for _, top := range []string{"cmd", "internal", "bench"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(dir string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return err
			}
			if strings.Contains(dir, "testdata") || strings.Contains(dir, "node_modules") {
				return filepath.SkipDir
			}
			entries, _ := os.ReadDir(dir)
			hasGo, documented := false, false
			fset := token.NewFileSet()
			for _, e := range entries {
				name := e.Name()
				if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
					continue
				}
				hasGo = true
				f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
				if err != nil {
					return err
				}
				if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
					documented = true
				}
			}
			if hasGo && !documented {
				t.Errorf("%s: no package comment saying what the package owns", dir)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
