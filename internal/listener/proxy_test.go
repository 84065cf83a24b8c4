package listener

import (
	"bufio"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestReverseProxyBehind serves an httputil.ReverseProxy, as the gateway's
// HTTP integrations do, and checks what a client gets through it.
func TestReverseProxyBehind(t *testing.T) {
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Backend", r.Header.Get("X-Client"))
			_, _ = w.Write(b)
		case "/large":
			_, _ = io.WriteString(w, strings.Repeat("L", 100000))
		case "/stream":
			_, _ = io.WriteString(w, "first;")
			w.(http.Flusher).Flush()
			<-release
			_, _ = io.WriteString(w, "second")
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		case "/upgrade":
			w.Header().Set("Connection", "Upgrade")
			w.Header().Set("Upgrade", "websocket")
			w.WriteHeader(http.StatusSwitchingProtocols)
		}
	}))
	t.Cleanup(backend.Close)
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock) // runs before backend.Close
	target, _ := url.Parse(backend.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	ts := startServer(t, proxy)
	client := newClient(t)

	t.Run("request body and fields", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+ts.addr+"/echo", io.MultiReader(strings.NewReader("payload")))
		req.Header.Set("X-Client", "c1")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if string(b) != "payload" || resp.Header.Get("X-Backend") != "c1" {
			t.Errorf("got %q, X-Backend %q", b, resp.Header.Get("X-Backend"))
		}
	})
	t.Run("large body", func(t *testing.T) {
		resp, err := client.Get("http://" + ts.addr + "/large")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if string(b) != strings.Repeat("L", 100000) {
			t.Errorf("body of %d bytes", len(b))
		}
	})
	t.Run("no content", func(t *testing.T) {
		resp, err := client.Get("http://" + ts.addr + "/empty")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("streamed", func(t *testing.T) {
		resp, err := client.Get("http://" + ts.addr + "/stream")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		br := bufio.NewReader(resp.Body)
		first := make([]byte, len("first;"))
		if _, err := io.ReadFull(br, first); err != nil || string(first) != "first;" {
			t.Fatalf("first part %q, %v (before the backend finished)", first, err)
		}
		unblock()
		rest, _ := io.ReadAll(br)
		if string(rest) != "second" {
			t.Errorf("rest %q", rest)
		}
	})
	t.Run("upgrade not supported", func(t *testing.T) {
		// The response writer cannot be hijacked, so ReverseProxy answers
		// a protocol switch with 502.
		req, _ := http.NewRequest(http.MethodGet, "http://"+ts.addr+"/upgrade", nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway {
			t.Errorf("status %d, want 502", resp.StatusCode)
		}
	})
}
