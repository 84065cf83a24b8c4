package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/syncbuf"
	"github.com/gatehouse/gatehouse/internal/sysmon"
)

// TestServeReexecOutcomes runs serve in-process with the re-exec replaced:
// when the binary cannot be started again, serve says so once as a warning
// and serves with the runtime's defaults; a user's own schedtrace and a
// platform without exec(2) are no failures and log nothing;
// --sysmon-deep-sleep never tries. (The real
// re-exec is TestServeKeepsSysmonAwake's and internal/sysmon's.)
func TestServeReexecOutcomes(t *testing.T) {
	const warning = "the Go runtime's system monitor keeps its default deep sleep"
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "gatehouse.yaml")
	cfg := "apis:\n  - name: one\n    kind: http\n    routes:\n      - route: GET /ok\n        integration: {mock: {body: up}}\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		flags       []string
		result      error
		wantCalled  bool
		wantWarning bool
	}{
		{name: "exec fails", result: errors.New("exec /proc/self/exe: permission denied"), wantCalled: true, wantWarning: true},
		{name: "the user's own schedtrace", result: fmt.Errorf("keep it: %w", sysmon.ErrUserSetting), wantCalled: true},
		{name: "a platform without exec", result: fmt.Errorf("sysmon: re-executing: %w", errors.ErrUnsupported), wantCalled: true},
		{name: "opted out", flags: []string{"--sysmon-deep-sleep"}, wantCalled: false},
	}
	saved := reexec
	t.Cleanup(func() { reexec = saved })
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			reexec = func() error { called = true; return tc.result }
			listen := freePort(t)
			args := append([]string{"serve", cfgPath, "--listen", listen, "--idp-listen", "127.0.0.1:0",
				"--admin-listen", "127.0.0.1:0", "--data", t.TempDir()}, tc.flags...)
			ctx, cancel := context.WithCancel(context.Background())
			var stdout, stderr syncbuf.Buffer
			done := make(chan int, 1)
			go func() { done <- run(ctx, args, strings.NewReader(""), &stdout, &stderr) }()
			if err := waitServing(listen, done); err != nil {
				cancel()
				t.Fatalf("%v; stderr:\n%s", err, stderr.String())
			}
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("serve exited %d; stderr:\n%s", code, stderr.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not stop after its context ended")
			}
			if called != tc.wantCalled {
				t.Errorf("re-exec called: %v, want %v", called, tc.wantCalled)
			}
			logs := stderr.String()
			want := 0
			if tc.wantWarning {
				want = 1
			}
			if got := strings.Count(logs, warning); got != want {
				t.Errorf("warning logged %d times, want it %v; stderr:\n%s", got, tc.wantWarning, logs)
			}
			if tc.wantWarning && !strings.Contains(logs, "permission denied") {
				t.Errorf("the warning does not say why; stderr:\n%s", logs)
			}
		})
	}
}

// waitServing polls GET /ok until it answers "up", serve exits, or 20 s pass.
func waitServing(listen string, done <-chan int) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case code := <-done:
			return fmt.Errorf("serve exited %d before serving", code)
		default:
		}
		resp, err := client.Get("http://" + listen + "/ok")
		if err == nil {
			var b bytes.Buffer
			_, _ = b.ReadFrom(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK && b.String() == "up" {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("serve did not answer GET /ok within 20s")
}
