//go:build unix

package sysmon

import (
	"fmt"
	"os"
	"syscall"
)

// Reexec replaces the running process with a new start of the same binary,
// same arguments, with schedtrace added to GODEBUG. On success it does not
// return. It returns ErrUserSetting when GODEBUG already sets schedtrace,
// and an error when the binary cannot be found or executed; the caller then
// goes on with the runtime's defaults.
func Reexec() error {
	if applied {
		return nil
	}
	env, err := environ(os.Environ())
	if err != nil {
		return err
	}
	// /proc/self/exe is the very file running, even if it was replaced or
	// removed since; os.Executable is the fallback off Linux.
	exe := "/proc/self/exe"
	if _, err := os.Stat(exe); err != nil {
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("sysmon: finding the running binary: %w", err)
		}
	}
	if err := syscall.Exec(exe, os.Args, env); err != nil {
		return fmt.Errorf("sysmon: re-executing %s: %w", exe, err)
	}
	return nil
}
