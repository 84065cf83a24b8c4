package listener

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// digest answers a request with a summary of it and, for ?size=N, a body of
// N bytes derived from the request, so every answer can be checked.
func digest(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	sum := sha256.Sum256(b)
	w.Header().Set("X-Sum", hex.EncodeToString(sum[:]))
	w.Header().Set("X-Echo", r.Header.Get("X-Token"))
	size, _ := strconv.Atoi(r.URL.Query().Get("size"))
	if r.URL.Query().Get("declare") != "" {
		w.Header().Set("Content-Length", strconv.Itoa(size))
	}
	_, _ = io.WriteString(w, payload(r.URL.Path, size))
}

func payload(seed string, n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat(seed+";", n/(len(seed)+1)+1)[:n]
}

func newClient(t testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 8, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: ioWait}
}

// roundTrip makes request i and checks its answer.
func roundTrip(t testing.TB, client *http.Client, addr string, i int) error {
	sizes := []int{0, 1, 100, bufferMax, bufferMax + 1, 70000}
	size := sizes[i%len(sizes)]
	path := "/item/" + strconv.Itoa(i)
	query := "?size=" + strconv.Itoa(size)
	if i%3 == 0 {
		query += "&declare=1"
	}
	reqBody := strings.Repeat("b", (i*37)%9000)
	var body io.Reader
	method := http.MethodGet
	if reqBody != "" {
		method = http.MethodPost
		body = strings.NewReader(reqBody)
		if i%2 == 0 { // no length: the client sends it chunked
			body = io.MultiReader(body)
		}
	}
	req, err := http.NewRequest(method, "http://"+addr+path+query, body)
	if err != nil {
		return err
	}
	req.Header.Set("X-Token", "tok-"+strconv.Itoa(i))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("request %d: %w", i, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("request %d body: %w", i, err)
	}
	sum := sha256.Sum256([]byte(reqBody))
	switch {
	case resp.StatusCode != 200:
		return fmt.Errorf("request %d: status %d %s", i, resp.StatusCode, got)
	case string(got) != payload(path, size):
		return fmt.Errorf("request %d: body of %d bytes, want %d", i, len(got), size)
	case resp.Header.Get("X-Sum") != hex.EncodeToString(sum[:]):
		return fmt.Errorf("request %d: the server saw another request body", i)
	case resp.Header.Get("X-Echo") != "tok-"+strconv.Itoa(i):
		return fmt.Errorf("request %d: X-Echo %q", i, resp.Header.Get("X-Echo"))
	case resp.Close:
		return fmt.Errorf("request %d: the server closes the connection", i)
	}
	return nil
}

func TestNetHTTPClientSequential(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(digest))
	client := newClient(t)
	for i := range 300 {
		if err := roundTrip(t, client, ts.addr, i); err != nil {
			t.Fatal(err)
		}
	}
	// The transport may dial a spare connection when it asks for one
	// before the previous is back in its pool; reuse is what counts.
	if n := ts.accepts.Load(); n > 3 {
		t.Errorf("%d connections for 300 sequential requests, want them kept alive", n)
	}
}

func TestNetHTTPClientConcurrent(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(digest))
	client := newClient(t)
	const workers, each = 8, 60
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := roundTrip(t, client, ts.addr, w*each+i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := ts.accepts.Load(); n > 2*workers {
		t.Errorf("%d connections for %d workers, want them kept alive", n, workers)
	}
}

func TestNetHTTPClientFeatures(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/continue":
			b, _ := io.ReadAll(r.Body)
			_, _ = w.Write(b)
		case "/head":
			w.Header().Set("X-Head", "1")
			_, _ = io.WriteString(w, "not sent")
		case "/redirect":
			http.Redirect(w, r, "/target", http.StatusFound)
		case "/target":
			_, _ = io.WriteString(w, "arrived")
		case "/cookie":
			http.SetCookie(w, &http.Cookie{Name: "s", Value: "v"})
		}
	}))
	client := newClient(t)
	client.Transport.(*http.Transport).ExpectContinueTimeout = ioWait

	t.Run("expect continue", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPut, "http://"+ts.addr+"/continue", bytes.NewReader([]byte("payload")))
		req.Header.Set("Expect", "100-continue")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if string(b) != "payload" {
			t.Errorf("body %q", b)
		}
	})
	t.Run("head", func(t *testing.T) {
		resp, err := client.Head("http://" + ts.addr + "/head")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.ContentLength != int64(len("not sent")) || resp.Header.Get("X-Head") != "1" {
			t.Errorf("length %d header %v", resp.ContentLength, resp.Header)
		}
	})
	t.Run("redirect", func(t *testing.T) {
		resp, err := client.Get("http://" + ts.addr + "/redirect")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if string(b) != "arrived" {
			t.Errorf("body %q", b)
		}
	})
	t.Run("cookie", func(t *testing.T) {
		resp, err := client.Get("http://" + ts.addr + "/cookie")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if c := resp.Cookies(); len(c) != 1 || c[0].Value != "v" {
			t.Errorf("cookies %v", c)
		}
	})
}
