package app

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/functions"
	"github.com/gatehouse/gatehouse/internal/integration"
	"github.com/gatehouse/gatehouse/internal/integration/lambdaproxy"
)

// compileFunctions starts the generation's function runner (no instance is
// started until Prewarm or the first invocation).
func (a *App) compileFunctions(ctx context.Context, gen *generation, cfg *config.Config) error {
	if len(cfg.Functions) == 0 {
		return nil
	}
	r, err := functions.New(ctx, functions.Options{
		Functions: cfg.Functions,
		BaseDir:   filepath.Dir(a.opts.ConfigPath),
		Region:    cfg.Settings.Region,
		AccountID: cfg.Settings.AccountID,
		Logger:    a.log.With("component", "functions"),
	})
	if err != nil {
		return fmt.Errorf("functions: %w", err)
	}
	gen.runner = r
	gen.closers = append(gen.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Shutdown(ctx)
	})
	return nil
}

// prewarm starts one instance of every function so that a missing handler
// export or a syntax error fails the start (or the reload), not the first
// request.
func (a *App) prewarm(ctx context.Context, gen *generation) error {
	if gen.runner == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := gen.runner.Prewarm(ctx); err != nil {
		return fmt.Errorf("functions: %w", err)
	}
	return nil
}

// lambdaIntegration builds a Lambda proxy integration.
func (a *App) lambdaIntegration(gen *generation, kind exchange.Kind, l *config.LambdaIntegration) (integration.Integration, error) {
	if gen.runner == nil {
		return nil, fmt.Errorf("lambda integration: function %q is not declared", l.Function)
	}
	timeout := l.Timeout.D()
	if timeout == 0 {
		timeout = config.DefaultHTTPTimeout
		if kind == exchange.REST {
			timeout = config.DefaultRESTTimeout
		}
	}
	return lambdaproxy.New(lambdaproxy.Config{Function: l.Function, PayloadFormatVersion: l.PayloadFormatVersion, Timeout: timeout}, kind, gen.runner, a.log)
}
