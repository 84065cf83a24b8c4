//go:build unix

package functions

import (
	"os"
	"runtime"
	"syscall"
)

// ownGroup starts a function's process in a process group of its own, so
// that killGroup also reaches what it started.
func ownGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// killGroup kills p's process group. Called after p was reaped, its group
// id may already be free: the kill then finds no process.
func killGroup(p *os.Process) { _ = syscall.Kill(-p.Pid, syscall.SIGKILL) }

// maxRSSKB is the peak resident set of an exited process in KiB, or 0
// when the system does not say.
func maxRSSKB(ps *os.ProcessState) int64 {
	st, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || st == nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return st.Maxrss / 1024 // bytes there, KiB elsewhere
	}
	return st.Maxrss
}
