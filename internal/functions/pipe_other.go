//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package functions

// pipeQueued cannot see into the pipe here: it reports nothing queued, so
// an invocation's last lines may be logged after its END line.
func pipeQueued(uintptr) int { return 0 }
