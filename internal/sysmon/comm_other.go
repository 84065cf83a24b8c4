//go:build !linux

package sysmon

// restoreName has nothing to do here: off Linux, Reexec executes the binary
// by its path, so the process keeps its name.
func restoreName() {}
