package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/functions"
)

func newInvoke() *cobra.Command {
	var event, cfgPath string
	cmd := &cobra.Command{
		Use:   "invoke FUNCTION",
		Short: "Invoke a function of a config file directly and print its result (logs go to stderr)",
		Long: `Invoke FUNCTION, declared in the config file given with --config, with the
JSON event read from --event (a file, or - for standard input; empty input
means {}). The result is printed to standard output and the function's logs,
with START/END/REPORT lines, to standard error, as sam local invoke does. The
exit status is 1 when the function fails (its error document is printed) and
2 for usage or configuration errors.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := bindEnv(cmd.Flags()); err != nil {
				return &exitError{code: 2, err: err}
			}
			cfg, err := config.LoadFile(cfgPath)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			var in io.Reader = cmd.InOrStdin()
			if event != "-" {
				f, err := os.Open(event)
				if err != nil {
					return &exitError{code: 2, err: err}
				}
				defer f.Close()
				in = f
			}
			err = functions.InvokeCommand(cmd.Context(), cfg, filepath.Dir(cfgPath), args[0], in, cmd.OutOrStdout(), cmd.ErrOrStderr())
			var fe *functions.FunctionError
			switch {
			case err == nil:
				return nil
			case errors.As(err, &fe):
				return &exitError{code: 1, err: errors.New("")}
			default:
				return &exitError{code: 2, err: err}
			}
		},
	}
	cmd.Flags().StringVar(&event, "event", "-", "file holding the event JSON, or - for standard input")
	cmd.Flags().StringVarP(&cfgPath, "config", "c", "gatehouse.yaml", "config file declaring the function")
	return cmd
}
