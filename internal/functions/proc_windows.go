package functions

import (
	"os"
	"syscall"
)

// ownGroup starts a function's process in a new process group.
func ownGroup() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

// killGroup kills p. Windows has no process-group kill like Unix's; what
// the process started itself is not reached.
func killGroup(p *os.Process) { _ = p.Kill() }

// maxRSSKB: Windows reports no peak resident set through os.ProcessState,
// so REPORT lines leave Max Memory Used out there.
func maxRSSKB(*os.ProcessState) int64 { return 0 }
