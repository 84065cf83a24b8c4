//go:build !unix

package sysmon

import "errors"

// Reexec is not available on this platform; the runtime's defaults apply.
func Reexec() error { return errors.New("sysmon: re-executing is not supported on this platform") }
