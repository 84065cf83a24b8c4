// Command gatehouse runs the gatehouse API gateway. It only parses flags,
// loads and validates configuration through internal packages, and handles
// signals; all wiring is in internal/app.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gatehouse/gatehouse/internal/idp/cli"
	"github.com/gatehouse/gatehouse/internal/sysmon"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// exitError carries a process exit code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// reexec, when set, starts the binary again with the Go runtime's system
// monitor kept awake (internal/sysmon). Only main sets it, so tests that call
// run in-process never re-execute the test binary.
var reexec func() error

func main() {
	// First: a process started by sysmon.Reexec gives GODEBUG back its
	// original value before anything can start a child process.
	if !sysmon.Restore() {
		reexec = sysmon.Reexec
	}
	code := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "error:", err)
	return 1
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "gatehouse",
		Short:         "A self-hosted API gateway that speaks Amazon API Gateway, Cognito and Lambda",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetIn(stdin)
	root.AddCommand(newServe(), newValidate(), newVersion(), newInvoke())
	root.AddCommand(newSam())
	root.AddCommand(newPolicy())
	// gatehouse userpool ... and gatehouse login, talking to a running idp listener.
	root.AddCommand(cli.Commands(os.LookupEnv)...)
	return root
}

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the gatehouse version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "gatehouse %s\n", version)
			return nil
		},
	}
}

// bindEnv sets every flag not given on the command line from
// GATEHOUSE_<FLAG> (upper case, dashes as underscores).
func bindEnv(fs *pflag.FlagSet) error {
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			return
		}
		name := "GATEHOUSE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	})
	return errors.Join(errs...)
}
