//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package functions

import "golang.org/x/sys/unix"

// fionread is FIONREAD, _IOR('f', 127, int), on the BSDs and macOS.
const fionread = 0x4004667f

// pipeQueued is how many bytes wait unread in the pipe fd.
func pipeQueued(fd uintptr) int {
	n, _ := unix.IoctlGetInt(int(fd), fionread)
	return n
}
