package cognito

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// DefaultSweepInterval is how often Run removes expired state.
const DefaultSweepInterval = time.Minute

// Sweep deletes expired auth sessions (abandoned SRP and
// NEW_PASSWORD_REQUIRED challenges) and expired refresh tokens, and
// returns how many of each it removed.
func (s *Server) Sweep(ctx context.Context) (sessions, refresh int, err error) {
	now := s.cfg.Now()
	if sessions, err = s.st.DeleteExpiredSessions(ctx, now); err != nil {
		return 0, 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	if refresh, err = s.st.DeleteExpiredRefreshTokens(ctx, now); err != nil {
		return sessions, 0, fmt.Errorf("delete expired refresh tokens: %w", err)
	}
	return sessions, refresh, nil
}

// Run sweeps every interval (DefaultSweepInterval when <= 0) until ctx is
// done. The caller owns the goroutine it runs in.
func (s *Server) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = DefaultSweepInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			sessions, refresh, err := s.Sweep(ctx)
			switch {
			case err != nil && !errors.Is(err, context.Canceled):
				s.log.LogAttrs(ctx, slog.LevelWarn, "idp sweep failed", slog.String("error", err.Error()))
			case sessions+refresh > 0:
				s.log.LogAttrs(ctx, slog.LevelDebug, "idp sweep", slog.Int("sessions", sessions), slog.Int("refresh_tokens", refresh))
			}
		}
	}
}
