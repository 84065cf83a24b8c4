package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/sam"
)

func newSam() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sam",
		Short: "Work with AWS SAM and CloudFormation templates",
	}
	cmd.AddCommand(newSamConvert())
	return cmd
}

func newSamConvert() *cobra.Command {
	var tf templateFlags
	cmd := &cobra.Command{
		Use:   "convert FILE",
		Short: "Print the native gatehouse config equivalent to a SAM/CloudFormation template",
		Long: "Print the native gatehouse config equivalent to a SAM/CloudFormation template.\n" +
			"Warnings (ignored resources and properties) go to stderr; errors are listed with file:line:column\n" +
			"and the exit status is 2. Generated secret access keys are printed in the output.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := tf.options()
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			res, err := sam.ConvertFile(args[0], opts)
			if err != nil {
				var errs config.Errors
				if errors.As(err, &errs) {
					fmt.Fprintln(cmd.ErrOrStderr(), errs.Error())
					fmt.Fprintf(cmd.ErrOrStderr(), "%d error(s) in %s\n", len(errs), args[0])
					return &exitError{code: 2, err: errors.New("")}
				}
				return &exitError{code: 2, err: err}
			}
			for _, w := range res.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w.String())
			}
			_, err = cmd.OutOrStdout().Write(res.YAML)
			return err
		},
	}
	tf.register(cmd.Flags())
	return cmd
}
