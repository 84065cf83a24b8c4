package functions

import "golang.org/x/sys/unix"

// pipeQueued is how many bytes wait unread in the pipe fd.
func pipeQueued(fd uintptr) int {
	n, _ := unix.IoctlGetInt(int(fd), unix.TIOCINQ)
	return n
}
