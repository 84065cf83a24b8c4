package app

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// openStore opens the embedded store in the data directory.
func (a *App) openStore(ctx context.Context) error {
	st, err := sqlite.OpenWithOptions(ctx, sqlite.DefaultPath(a.opts.DataDir), sqlite.Options{Logger: a.log})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	a.store = st
	return nil
}
