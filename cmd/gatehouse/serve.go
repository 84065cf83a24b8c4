package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/sysmon"
	"github.com/gatehouse/gatehouse/internal/telemetry"
)

func newServe() *cobra.Command {
	var o struct {
		listen, idpListen, adminListen, data, logFormat, logLevel string
		drain, watch                                              time.Duration
		tf                                                        templateFlags
		deepSleep                                                 bool
	}
	cmd := &cobra.Command{
		Use:   "serve FILE",
		Short: "Serve the APIs, user pools and functions of a config file",
		Long: `Serve the APIs, user pools and functions declared in FILE: a native gatehouse
config (YAML or JSON) or an AWS SAM / CloudFormation template, run as it is.

Every flag can also be set from the environment as GATEHOUSE_<FLAG>, for
example GATEHOUSE_LISTEN=127.0.0.1:8080. The admin API token is taken from
GATEHOUSE_ADMIN_TOKEN, or generated into the data directory at first start.
SIGHUP, or a change of FILE, reloads the configuration; an invalid new
configuration is rejected and the old one keeps serving. SIGTERM and SIGINT
drain in-flight requests, then exit.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := bindEnv(cmd.Flags()); err != nil {
				return &exitError{code: 2, err: err}
			}
			log, err := telemetry.NewLogger(cmd.ErrOrStderr(), o.logFormat, o.logLevel)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			if !o.deepSleep && reexec != nil {
				// Returns only when the binary could not be started again.
				if err := reexec(); err != nil && !sysmon.Declined(err) {
					log.Warn("the Go runtime's system monitor keeps its default deep sleep", "error", err.Error())
				}
			}
			topts, err := o.tf.options()
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			a, err := app.New(ctx, app.Options{
				ConfigPath: args[0], Template: topts, Listen: o.listen, IdpListen: o.idpListen, AdminListen: o.adminListen,
				DataDir: o.data, AdminToken: os.Getenv("GATEHOUSE_ADMIN_TOKEN"),
				DrainTimeout: o.drain, WatchInterval: o.watch, Logger: log,
				Stdout: cmd.OutOrStdout(), Stderr: cmd.ErrOrStderr(),
			})
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			if err := a.Start(ctx); err != nil {
				return &exitError{code: 1, err: err}
			}
			a.PrintSummary(cmd.OutOrStdout())
			log.Info("gatehouse serving", "gateway", a.GatewayAddr, "idp", a.IdpAddr, "admin", a.AdminAddr)

			hup := make(chan os.Signal, 1)
			signal.Notify(hup, syscall.SIGHUP)
			defer signal.Stop(hup)
			go func() {
				for {
					select {
					case <-ctx.Done():
						return
					case <-hup:
						_ = a.Reload(ctx)
					}
				}
			}()
			werr := a.Wait(ctx)
			log.Info("shutting down: draining in-flight requests", "timeout", o.drain.String())
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.drain+5*time.Second)
			defer cancel()
			if err := a.Shutdown(sctx); err != nil {
				log.Warn("shutdown", "error", err.Error())
			}
			if werr != nil {
				return &exitError{code: 1, err: fmt.Errorf("listener: %w", werr)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address of the gateway listener (APIs)")
	f.StringVar(&o.idpListen, "idp-listen", "127.0.0.1:9229", "address of the identity-provider listener (Cognito API, JWKS, OIDC, STS); empty disables it")
	f.StringVar(&o.adminListen, "admin-listen", "127.0.0.1:9090", "address of the admin listener (/v1/apis, /metrics, /healthz, /readyz); empty disables it")
	f.StringVar(&o.data, "data", "./.gatehouse", "directory for state: the embedded store, signing keys, the generated admin token")
	f.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.DurationVar(&o.drain, "drain-timeout", 30*time.Second, "how long SIGTERM waits for in-flight requests to finish")
	o.tf.register(f)
	f.DurationVar(&o.watch, "watch-interval", time.Second, "how often FILE is checked for changes (0 disables watching)")
	f.BoolVar(&o.deepSleep, "sysmon-deep-sleep", false, "keep the Go runtime's default of parking its system monitor when idle; by default gatehouse restarts itself once with GODEBUG schedtrace set, which saves thousands of thread wake-ups a second under load (docs/deployment.md)")
	return cmd
}
