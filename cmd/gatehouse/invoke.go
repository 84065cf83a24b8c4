package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newInvoke() *cobra.Command {
	var event string
	cmd := &cobra.Command{
		Use:   "invoke FUNCTION --config FILE",
		Short: "Invoke a function directly and print its result (logs go to stderr)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return &exitError{code: 2, err: errors.New("invoke: functions are not available in this build yet")}
		},
	}
	cmd.Flags().StringVar(&event, "event", "-", "file holding the event JSON, or - for standard input")
	return cmd
}
