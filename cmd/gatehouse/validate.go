package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/sam"
)

func newValidate() *cobra.Command {
	var tf templateFlags
	cmd := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a config file or SAM/CloudFormation template and print every error (exit status 2 on any)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := tf.options()
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			res, err := sam.LoadConfigFile(args[0], opts)
			if err == nil {
				for _, w := range res.Warnings {
					fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w.String())
				}
			}
			if err != nil {
				var errs config.Errors
				if errors.As(err, &errs) {
					fmt.Fprint(cmd.ErrOrStderr(), errs.Error())
					if len(errs) > 0 {
						fmt.Fprintln(cmd.ErrOrStderr())
					}
					fmt.Fprintf(cmd.ErrOrStderr(), "%d error(s) in %s\n", len(errs), args[0])
					return &exitError{code: 2, err: errors.New("")}
				}
				return &exitError{code: 2, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", args[0])
			return nil
		},
	}
	tf.register(cmd.Flags())
	return cmd
}
