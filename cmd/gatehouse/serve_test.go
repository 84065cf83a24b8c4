package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/syncbuf"
)

// buildBinary builds gatehouse once per test binary run.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func gatehouseBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gatehouse-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "gatehouse")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, ".").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type process struct {
	cmd    *exec.Cmd
	stdout *bytes.Buffer
	stderr *syncbuf.Buffer
}

func startServe(t *testing.T, cfgPath, listen string, env ...string) *process {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(gatehouseBinary(t), "serve", cfgPath, "--idp-listen", "", "--admin-listen", "", "--data", filepath.Join(dir, "data"), "--watch-interval", "0")
	cmd.Env = append(os.Environ(), append([]string{"GATEHOUSE_LISTEN=" + listen}, env...)...)
	p := &process{cmd: cmd, stdout: &bytes.Buffer{}, stderr: &syncbuf.Buffer{}}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", listen); err == nil {
			c.Close()
			return p
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("gatehouse did not listen on %s:\n%s", listen, p.stderr.String())
	return nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSignalsWithRequestsInFlight runs the real binary: SIGHUP reloads while
// a request is in flight, an invalid config is rejected on SIGHUP, and SIGTERM
// drains the in-flight request before exiting 0.
func TestSignalsWithRequestsInFlight(t *testing.T) {
	arrived := make(chan struct{}, 4)
	release := make(chan struct{})
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-time.After(20 * time.Second):
		}
		_, _ = io.WriteString(w, "slow done")
	}))
	defer be.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "gatehouse.yaml")
	write := func(version string) {
		cfg := fmt.Sprintf("apis:\n  - name: one\n    kind: http\n    routes:\n      - route: GET /slow\n        integration: {http: {url: %q}}\n      - route: GET /v\n        integration: {mock: {body: %s}}\n", be.URL, version)
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("one")
	listen := freePort(t)
	p := startServe(t, cfgPath, listen)
	base := "http://" + listen

	results := make(chan string, 2)
	inflight := func() {
		go func() {
			resp, err := http.Get(base + "/slow")
			if err != nil {
				results <- err.Error()
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			results <- fmt.Sprintf("%d %s", resp.StatusCode, b)
		}()
		<-arrived
	}
	inflight()

	write("two")
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitBody(t, base+"/v", "two")

	if err := os.WriteFile(cfgPath, []byte("apis:\n  - name: one\n    kind: http\n    routes:\n      - route: GET /v\n        integration: {mock: {body: x}, http: {url: 'http://127.0.0.1:1'}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.stderr.String(), "reload rejected") {
		if time.Now().After(deadline) {
			t.Fatalf("invalid config not reported:\n%s", p.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, body := get(t, base+"/v"); body != "two" {
		t.Fatalf("after a rejected reload: %q", body)
	}

	inflight()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	for i := 0; i < 2; i++ {
		if r := <-results; r != "200 slow done" {
			t.Errorf("in-flight request: %s", r)
		}
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("gatehouse did not exit after SIGTERM")
	}
}

func waitBody(t *testing.T, url, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := get(t, url)
		if body == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: got %q, want %q", url, body, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMalformedHTTPGets400AndServingContinues(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "gatehouse.yaml")
	if err := os.WriteFile(cfgPath, []byte("apis:\n  - name: one\n    kind: http\n    routes:\n      - route: GET /ok\n        integration: {mock: {body: fine}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	listen := freePort(t)
	startServe(t, cfgPath, listen)
	for _, raw := range []string{
		"GARBAGE\r\n\r\n",
		"GET /ok HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
		"GET /ok HTTP/9.9\r\nHost: x\r\n\r\n",
		"GET /ok HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
		"GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 20000) + "\r\n\r\n",
	} {
		c, err := net.Dial("tcp", listen)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = c.Write([]byte(raw))
		line, _ := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if !strings.HasPrefix(line, "HTTP/1.1 4") && !strings.HasPrefix(line, "HTTP/1.1 505 ") {
			t.Errorf("%q: got %q, want a 4xx (or 505) status line", raw[:min(len(raw), 40)], line)
		}
	}
	if code, body := get(t, "http://"+listen+"/ok"); code != 200 || body != "fine" {
		t.Fatalf("after malformed requests: %d %q", code, body)
	}
}

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("apis:\n  - name: a\n    knd: http\n    routes: []\n  - name: b\n    kind: grpc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"validate", bad}, strings.NewReader(""), &out, &errb)
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, errb.String())
	}
	msg := errb.String()
	for _, want := range []string{"bad.yaml:3:5", `did you mean "kind"`, "bad.yaml:6:11"} {
		if !strings.Contains(msg, want) {
			t.Errorf("validate output lacks %q:\n%s", want, msg)
		}
	}
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte("apis:\n  - name: a\n    kind: http\n    routes:\n      - route: GET /\n        integration: {mock: {}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(context.Background(), []string{"validate", good}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("valid config: exit %d", code)
	}
}

func TestVersionAndHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"version"}, strings.NewReader(""), &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "gatehouse ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"serve", "--help"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("help: %d", code)
	}
	for _, flag := range []string{"--listen", "--idp-listen", "--admin-listen", "--data", "--log-format", "--log-level"} {
		if !strings.Contains(out.String(), flag) {
			t.Errorf("serve --help lacks %s", flag)
		}
	}
}

// TestServeKeepsSysmonAwake runs the real binary: serve starts itself again,
// in the same process, with schedtrace added to GODEBUG (internal/sysmon),
// unless the flag or the user's own GODEBUG says otherwise, and serves
// either way.
func TestServeKeepsSysmonAwake(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("needs /proc")
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "gatehouse.yaml")
	cfg := "apis:\n  - name: one\n    kind: http\n    routes:\n      - route: GET /ok\n        integration: {mock: {body: up}}\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	const st = "schedtrace=2147483647"
	tests := []struct {
		name string
		env  []string
		want string // GODEBUG the running image started with
	}{
		{"default", []string{"GODEBUG="}, st},
		{"other settings kept", []string{"GODEBUG=netdns=go"}, "netdns=go," + st},
		{"opted out", []string{"GODEBUG=netdns=go", "GATEHOUSE_SYSMON_DEEP_SLEEP=true"}, "netdns=go"},
		{"the user's schedtrace", []string{"GODEBUG=schedtrace=3600000"}, "schedtrace=3600000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			listen := freePort(t)
			p := startServe(t, cfgPath, listen, tc.env...)
			if code, body := get(t, "http://"+listen+"/ok"); code != 200 || body != "up" {
				t.Fatalf("GET /ok = %d %q", code, body)
			}
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", p.cmd.Process.Pid))
			if err != nil {
				t.Fatal(err)
			}
			godebug := "(unset)"
			for _, kv := range strings.Split(string(b), "\x00") {
				if v, ok := strings.CutPrefix(kv, "GODEBUG="); ok {
					godebug = v
				}
			}
			if godebug != tc.want {
				t.Errorf("process %d started with GODEBUG=%q, want %q", p.cmd.Process.Pid, godebug, tc.want)
			}
			// What ps, top and pidof show: the binary's name, not the "exe"
			// of /proc/self/exe that the re-exec ran.
			if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", p.cmd.Process.Pid)); err != nil || strings.TrimSpace(string(comm)) != "gatehouse" {
				t.Errorf("process %d is named %q (%v), want gatehouse", p.cmd.Process.Pid, comm, err)
			}
			if strings.Contains(p.stderr.String(), "system monitor") {
				t.Errorf("unexpected warning: %s", p.stderr.String())
			}
		})
	}
}
