package sysmon

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMain doubles as the process TestReexec starts.
func TestMain(m *testing.M) {
	switch os.Getenv("SYSMON_TEST_CHILD") {
	case "1":
		child()
		os.Exit(0)
	case "keep":
		if err := Keep(); err != nil {
			fmt.Println("keep:", err)
		}
		report()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child re-executes itself once, then reports the GODEBUG the runtime
// started with (/proc/self/environ) and the one the environment holds now.
func child() {
	if !Restore() {
		fmt.Println("reexec:", Reexec())
		return
	}
	report()
}

// report prints whether this process was re-executed, the GODEBUG the
// runtime started with (/proc/self/environ) and the one it holds now.
func report() {
	initial := "(unreadable)"
	if b, err := os.ReadFile("/proc/self/environ"); err == nil {
		initial = "(unset)"
		for _, kv := range bytes.Split(b, []byte{0}) {
			if v, ok := bytes.CutPrefix(kv, []byte("GODEBUG=")); ok {
				initial = string(v)
			}
		}
	}
	now, ok := os.LookupEnv("GODEBUG")
	if !ok {
		now = "(unset)"
	}
	_, marker := os.LookupEnv(markerVar)
	fmt.Printf("applied=%v initial=%s now=%s marker=%v names=%s\n", applied, initial, now, marker, threadNames())
}

// threadNames is the names (comm) of this process's threads, each once, in
// order.
func threadNames() string {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return "(unreadable)"
	}
	var names []string
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/comm")
		if err != nil {
			continue
		}
		if n := strings.TrimSpace(string(b)); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ",")
}

// TestReexec starts this test binary, which re-executes itself through
// Reexec: the new process starts with schedtrace in GODEBUG, and Restore
// gives the environment its original GODEBUG back.
func TestReexec(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("needs /proc")
	}
	// Every thread of the child, re-executed through /proc/self/exe or
	// not, carries the test binary's own name, not "exe".
	name := filepath.Base(os.Args[0])
	if len(name) > 15 {
		name = name[:15]
	}
	tests := []struct {
		name, godebug, want string
	}{
		{"unset", "", "applied=true initial=schedtrace=" + Period + " now=(unset) marker=false names=" + name},
		{"other settings", "netdns=go", "applied=true initial=netdns=go,schedtrace=" + Period + " now=netdns=go marker=false names=" + name},
		{"user schedtrace", "schedtrace=600000", "reexec: " + ErrUserSetting.Error()},
		{"keep", "netdns=go", "applied=true initial=netdns=go,schedtrace=" + Period + " now=netdns=go marker=false names=" + name},
		{"keep with the user's schedtrace", "schedtrace=600000", "applied=false initial=schedtrace=600000 now=schedtrace=600000 marker=false names=" + name},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			mode := "1"
			if strings.HasPrefix(tc.name, "keep") {
				mode = "keep"
			}
			cmd.Env = []string{"SYSMON_TEST_CHILD=" + mode, "PATH=" + os.Getenv("PATH")}
			if tc.godebug != "" {
				cmd.Env = append(cmd.Env, "GODEBUG="+tc.godebug)
			}
			// The child reports on stdout. Its stderr may carry the runtime's
			// own SCHED lines (schedtrace is set), at a moment that depends
			// on the host's uptime and on scheduling, so it is only shown.
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v: %s%s", err, out, stderr.Bytes())
			}
			if got := strings.TrimSpace(string(out)); got != tc.want {
				t.Errorf("child printed %q, want %q (stderr: %q)", got, tc.want, stderr.String())
			}
		})
	}
}

func TestEnviron(t *testing.T) {
	const st = "schedtrace=" + Period
	tests := []struct {
		name string
		in   []string
		want []string
		err  error
	}{
		{"no GODEBUG", []string{"PATH=/bin", "HOME=/h"},
			[]string{"PATH=/bin", "HOME=/h", "GODEBUG=" + st, markerVar + "=unset"}, nil},
		{"empty GODEBUG", []string{"GODEBUG=", "PATH=/bin"},
			[]string{"PATH=/bin", "GODEBUG=" + st, markerVar + "=set:"}, nil},
		{"other settings kept", []string{"GODEBUG=netdns=go,http2client=0"},
			[]string{"GODEBUG=netdns=go,http2client=0," + st, markerVar + "=set:netdns=go,http2client=0"}, nil},
		{"a stale marker is replaced", []string{markerVar + "=set:x", "A=1"},
			[]string{"A=1", "GODEBUG=" + st, markerVar + "=unset"}, nil},
		{"schedtrace chosen by the user", []string{"GODEBUG=netdns=go,schedtrace=1000"}, nil, ErrUserSetting},
		{"schedtrace with spaces", []string{"GODEBUG=netdns=go, schedtrace=0"}, nil, ErrUserSetting},
		{"a similar name is not schedtrace", []string{"GODEBUG=xschedtrace=1"},
			[]string{"GODEBUG=xschedtrace=1," + st, markerVar + "=set:xschedtrace=1"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := environ(tc.in)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("environ(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestRestore checks that Restore gives GODEBUG back exactly what environ
// recorded, for each way GODEBUG can have been before.
func TestRestore(t *testing.T) {
	tests := []struct {
		name    string
		before  *string // GODEBUG before Reexec; nil: unset
		applied bool
	}{
		{"was unset", nil, true},
		{"was empty", ptr(""), true},
		{"had settings", ptr("netdns=go"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(func() { applied = false })
			in := []string{"A=1"}
			if tc.before != nil {
				in = append(in, "GODEBUG="+*tc.before)
			}
			env, err := environ(in)
			if err != nil {
				t.Fatal(err)
			}
			for _, kv := range env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			if got := Restore(); got != tc.applied || applied != tc.applied {
				t.Fatalf("Restore() = %v, applied = %v, want %v", got, applied, tc.applied)
			}
			if _, ok := os.LookupEnv(markerVar); ok {
				t.Errorf("the marker %s is still set", markerVar)
			}
			v, ok := os.LookupEnv("GODEBUG")
			switch {
			case tc.before == nil && ok:
				t.Errorf("GODEBUG = %q, want it unset", v)
			case tc.before != nil && (!ok || v != *tc.before):
				t.Errorf("GODEBUG = %q (set: %v), want %q", v, ok, *tc.before)
			}
		})
	}
}

func TestRestoreWithoutMarker(t *testing.T) {
	t.Setenv("GODEBUG", "netdns=go")
	if Restore() || applied {
		t.Fatal("Restore reported a re-exec that did not happen")
	}
	if v := os.Getenv("GODEBUG"); v != "netdns=go" {
		t.Errorf("GODEBUG = %q, changed without a marker", v)
	}
}

func TestRestoreIgnoresForeignMarker(t *testing.T) {
	t.Setenv("GODEBUG", "netdns=go")
	t.Setenv(markerVar, "something else")
	if Restore() || applied {
		t.Fatal("Restore accepted a marker it did not write")
	}
	if v := os.Getenv("GODEBUG"); v != "netdns=go" {
		t.Errorf("GODEBUG = %q, changed by a foreign marker", v)
	}
}

func ptr(s string) *string { return &s }

func TestDeclined(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"the user's schedtrace", fmt.Errorf("reexec: %w", ErrUserSetting), true},
		{"no exec on this platform", fmt.Errorf("sysmon: re-executing: %w", errors.ErrUnsupported), true},
		{"exec failed", errors.New("sysmon: re-executing /proc/self/exe: permission denied"), false},
	}
	for _, tc := range tests {
		if got := Declined(tc.err); got != tc.want {
			t.Errorf("%s: Declined = %v, want %v", tc.name, got, tc.want)
		}
	}
}
