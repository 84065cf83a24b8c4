package sqlite

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// crashChildEnv makes the test binary act as the crashing writer.
const crashChildEnv = "GATEHOUSE_STORE_CRASH_CHILD"

// TestCrashChild is the child half of TestKillAfterCommit: it commits a
// write, reports it, and waits to be killed.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("helper process for TestKillAfterCommit")
	}
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUserPool(ctx, store.UserPool{ID: "r_crash"}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, store.User{PoolID: "r_crash", Username: "survivor", Sub: "sub-crash", Status: store.StatusForceChangePassword}); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("committed\n")
	// Wait to be killed. Stdin is a pipe from the parent, so an orphan exits
	// when the parent goes away.
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// TestKillAfterCommit kills (SIGKILL) a process right after a write returned
// and checks the write is in the database: committed means durable.
func TestKillAfterCommit(t *testing.T) {
	if os.Getenv(crashChildEnv) != "" {
		t.Skip("running as child")
	}
	path := filepath.Join(t.TempDir(), FileName)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = t.Output()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	committed := false
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "committed" {
			committed = true
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if !committed {
		t.Fatal("child never reported its commit")
	}
	s := openT(t, path)
	defer s.Close()
	u, err := s.GetUser(ctx, "r_crash", "survivor")
	if err != nil {
		t.Fatalf("write lost after kill -9: %v", err)
	}
	if u.Sub != "sub-crash" {
		t.Errorf("sub = %q", u.Sub)
	}
}
