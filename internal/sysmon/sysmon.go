// Package sysmon keeps the Go runtime's system monitor from parking while
// gatehouse serves.
//
// The monitor (sysmon) is a runtime thread that sleeps 20 µs at a time while
// the program runs. When every P is idle it parks on a futex instead, and the
// next goroutine to enter a system call wakes it; it then polls at 20 µs again
// for at least 50 rounds. A gateway under load goes idle and busy thousands of
// times a second, so each burst pays a futex wake-up and a run of short
// sleeps, each a thread switch (golang/go#18236). On a 2-core VM this was
// about a sixth of gatehouse's CPU per proxied request (docs/benchmarks.md).
//
// The runtime parks the monitor only when GODEBUG's schedtrace is unset. With
// it set, the monitor never parks and, once nothing needs it, backs off to
// 10 ms sleeps: about 100 wake-ups a second on an idle process instead of
// thousands under load. GODEBUG is read when the runtime starts, so Reexec
// starts the binary again with schedtrace set to its longest period, and
// Restore, run first thing in the new process, gives the environment back its
// original GODEBUG, so that child processes (functions) do not inherit it.
package sysmon

import (
	"errors"
	"os"
	"strings"
)

// Period is the schedtrace period set, in milliseconds: the largest the
// runtime accepts (an int32), about 24.8 days. The runtime prints one
// scheduler line to standard error per period, and one at start when the
// host's monotonic clock (its uptime) is past one period.
const Period = "2147483647"

// markerVar carries the original GODEBUG across the re-exec: "unset", or
// "set:" followed by the value.
const markerVar = "GATEHOUSE_SYSMON_GODEBUG"

// applied is set by Restore when this process was started by Reexec, so
// that Reexec does not start it a third time.
var applied bool

// Restore undoes Reexec's change to the environment: GODEBUG gets its
// original value back (the runtime has already read the new one and keeps
// it), the marker goes, and the process gets its name back. It reports
// whether the process was re-executed. Call it before anything starts child
// processes.
func Restore() bool {
	m, ok := os.LookupEnv(markerVar)
	if !ok {
		return false
	}
	_ = os.Unsetenv(markerVar)
	switch {
	case m == "unset":
		_ = os.Unsetenv("GODEBUG")
	case strings.HasPrefix(m, "set:"):
		_ = os.Setenv("GODEBUG", m[len("set:"):])
	default:
		// A marker this package did not write: leave GODEBUG as it is.
		return false
	}
	applied = true
	restoreName()
	return true
}

// Keep is Restore then, in a process not yet re-executed, Reexec: for
// commands that keep the monitor awake unconditionally (the benchmark's
// backend and load generator). It returns Reexec's error unless Declined;
// on error the process goes on with the runtime's defaults.
func Keep() error {
	if Restore() {
		return nil
	}
	if err := Reexec(); err != nil && !Declined(err) {
		return err
	}
	return nil
}

// Declined reports whether an error from Reexec only says the setting was
// not applied by choice or by the platform: GODEBUG already sets schedtrace
// (ErrUserSetting), or the platform cannot exec (errors.ErrUnsupported).
// Such an error is not worth a warning; any other is.
func Declined(err error) bool {
	return errors.Is(err, ErrUserSetting) || errors.Is(err, errors.ErrUnsupported)
}

// ErrUserSetting means GODEBUG already sets schedtrace; it is left as the
// user chose.
var ErrUserSetting = errors.New("GODEBUG already sets schedtrace")

// environ returns env with GODEBUG extended by schedtrace and the marker
// recording the original, or ErrUserSetting.
func environ(env []string) ([]string, error) {
	orig, found := "", false
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "GODEBUG":
			orig, found = v, true
			continue
		case markerVar:
			continue
		}
		out = append(out, kv)
	}
	for _, s := range strings.Split(orig, ",") {
		if k, _, _ := strings.Cut(strings.TrimSpace(s), "="); k == "schedtrace" {
			return nil, ErrUserSetting
		}
	}
	godebug, marker := "schedtrace="+Period, "unset"
	if found {
		marker = "set:" + orig
		if orig != "" {
			godebug = orig + "," + godebug
		}
	}
	return append(out, "GODEBUG="+godebug, markerVar+"="+marker), nil
}
