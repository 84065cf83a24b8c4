package functions

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// bootstraps holds the runtime loops gatehouse runs for the interpreted
// runtimes: nodejs/bootstrap.cjs and python/bootstrap.py.
//
//go:embed bootstrap/nodejs/bootstrap.cjs bootstrap/python/bootstrap.py
var bootstraps embed.FS

// writeBootstraps writes the embedded bootstraps into the runtime directory
// (LAMBDA_RUNTIME_DIR), creating a temporary one when none is configured.
func (r *Runner) writeBootstraps() error {
	dir := r.opts.RuntimeDir
	if dir == "" {
		d, err := os.MkdirTemp("", "gatehouse-runtime-")
		if err != nil {
			return fmt.Errorf("create runtime dir: %w", err)
		}
		dir, r.ownDir = d, true
	}
	r.runtimeDir = dir
	return fs.WalkDir(bootstraps, "bootstrap", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("bootstrap", p)
		dst := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := bootstraps.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read embedded %s: %w", p, err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return fmt.Errorf("write bootstrap: %w", err)
		}
		return nil
	})
}
