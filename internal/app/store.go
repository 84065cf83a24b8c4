package app

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
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

// janitor deletes expired refresh tokens and auth sessions periodically.
func (a *App) janitor(ctx context.Context, st store.Store, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		if n, err := st.DeleteExpiredSessions(ctx, now); err != nil {
			a.log.Warn("delete expired sessions", "error", err.Error())
		} else if n > 0 {
			a.log.Debug("deleted expired sessions", "count", n)
		}
		if n, err := st.DeleteExpiredRefreshTokens(ctx, now); err != nil {
			a.log.Warn("delete expired refresh tokens", "error", err.Error())
		} else if n > 0 {
			a.log.Debug("deleted expired refresh tokens", "count", n)
		}
	}
}
