//go:build !unix

package sysmon

import (
	"errors"
	"fmt"
)

// Reexec is not available on this platform (it needs exec(2)); the
// runtime's defaults apply. The error wraps errors.ErrUnsupported.
func Reexec() error {
	return fmt.Errorf("sysmon: re-executing: %w", errors.ErrUnsupported)
}
