package app

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// gate is a backend that holds requests until released.
type gate struct {
	arrived chan struct{}
	release chan struct{}
}

func newGate() *gate { return &gate{arrived: make(chan struct{}, 16), release: make(chan struct{})} }

func (g *gate) handler(w http.ResponseWriter, r *http.Request) {
	g.arrived <- struct{}{}
	select {
	case <-g.release:
	case <-time.After(10 * time.Second):
	}
	fmt.Fprint(w, "released")
}

func TestReloadWhileRequestsInFlight(t *testing.T) {
	g := newGate()
	be := newBackend(t, g.handler)
	cfg := func(body string) string {
		return fmt.Sprintf(`
apis:
  - name: one
    kind: http
    routes:
      - route: GET /slow
        integration: {http: {url: "%s"}}
      - route: GET /version
        integration: {mock: {body: %q}}
`, be.URL, body)
	}
	ta := start(t, cfg("v1"))

	var wg sync.WaitGroup
	results := make(chan string, 3)
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- getResult("http://" + ta.GatewayAddr + "/slow")
		}()
	}
	for i := 0; i < 3; i++ {
		<-g.arrived
	}

	// A valid new config is swapped in while the three requests wait.
	if err := os.WriteFile(ta.cfg, []byte(cfg("v2")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ta.Reload(context.Background()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if _, body := ta.do(t, "GET", "", "/version", nil); body != "v2" {
		t.Fatalf("after reload got %q, want v2", body)
	}
	// An invalid config is rejected; v2 keeps serving.
	if err := os.WriteFile(ta.cfg, []byte("apis:\n  - name: x\n    kind: grpc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ta.Reload(context.Background()); err == nil {
		t.Fatal("invalid config was accepted")
	}
	if _, body := ta.do(t, "GET", "", "/version", nil); body != "v2" {
		t.Fatalf("after rejected reload got %q, want v2", body)
	}
	if !strings.Contains(ta.logs.String(), "configuration reload rejected") {
		t.Errorf("rejection not logged")
	}
	close(g.release)
	wg.Wait()
	close(results)
	for r := range results {
		if r != "200 released" {
			t.Errorf("in-flight request across reload: %s", r)
		}
	}
}

func TestFileChangeTriggersReload(t *testing.T) {
	ta := start(t, "apis:\n  - name: one\n    kind: http\n    routes:\n      - route: GET /v\n        integration: {mock: {body: a}}\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ta.watchDone = make(chan struct{})
	ta.opts.WatchInterval = 10 * time.Millisecond
	go ta.watch(ctx, fileSum(ta.cfg))
	if err := os.WriteFile(ta.cfg, []byte("apis:\n  - name: one\n    kind: http\n    routes:\n      - route: GET /v\n        integration: {mock: {body: b}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, body := ta.do(t, "GET", "", "/v", nil); body == "b" {
			cancel()
			<-ta.watchDone
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("config change was not picked up")
}

func TestShutdownDrainsInFlight(t *testing.T) {
	g := newGate()
	be := newBackend(t, g.handler)
	ta := start(t, fmt.Sprintf("apis:\n  - name: one\n    kind: http\n    routes:\n      - route: GET /slow\n        integration: {http: {url: %q}}\n", be.URL))
	done := make(chan string, 1)
	go func() { done <- getResult("http://" + ta.GatewayAddr + "/slow") }()
	<-g.arrived
	shut := make(chan error, 1)
	go func() { shut <- ta.Shutdown(context.Background()) }()
	// New connections are refused once shutdown has begun.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := http.Get("http://" + ta.GatewayAddr + "/not-a-route")
		if err != nil {
			break
		}
		c.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepting after shutdown began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(g.release)
	if got := <-done; got != "200 released" {
		t.Fatalf("in-flight request during shutdown: %s", got)
	}
	if err := <-shut; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

func TestResponseStreams(t *testing.T) {
	next := make(chan struct{})
	be := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-next:
		case <-time.After(5 * time.Second):
		}
		fmt.Fprint(w, "second\n")
	})
	ta := start(t, fmt.Sprintf("apis:\n  - name: one\n    kind: http\n    routes:\n      - route: GET /s\n        integration: {http: {url: %q}}\n", be.URL))
	resp, err := http.Get("http://" + ta.GatewayAddr + "/s")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	line, err := rd.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first chunk %q %v: the response was buffered", line, err)
	}
	close(next)
	if line, _ = rd.ReadString('\n'); line != "second\n" {
		t.Fatalf("second chunk %q", line)
	}
}

func TestCORS(t *testing.T) {
	ta := start(t, `
apis:
  - name: one
    kind: http
    cors:
      allowOrigins: ["https://app.example.com"]
      allowMethods: [GET, POST]
      allowHeaders: [authorization]
      maxAge: 300
    routes:
      - route: GET /x
        integration: {mock: {headers: {Access-Control-Allow-Origin: "https://evil.example"}}}
`)
	resp, _ := ta.do(t, "OPTIONS", "", "/x", nil, "Origin", "https://app.example.com", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "Authorization")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || resp.Header.Get("Access-Control-Max-Age") != "300" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = ta.do(t, "OPTIONS", "", "/x", nil, "Origin", "https://other.example", "Access-Control-Request-Method", "GET")
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from a foreign origin allowed: %v", resp.Header)
	}
	resp, _ = ta.do(t, "GET", "", "/x", nil, "Origin", "https://app.example.com")
	if got := resp.Header.Values("Access-Control-Allow-Origin"); len(got) != 1 || got[0] != "https://app.example.com" {
		t.Errorf("actual response CORS header %v (the integration's value must be replaced)", got)
	}
}
