package listener

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

func hello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "hello")
}

// BenchmarkServe is a keep-alive net/http client doing small GETs over
// loopback; allocations include the client's.
func BenchmarkServe(b *testing.B) {
	ts := startServer(b, http.HandlerFunc(hello))
	client := newClient(b)
	url := "http://" + ts.addr + "/v1/items/42?expand=owner"
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || string(body) != "hello" {
			b.Fatalf("body %q, %v", body, err)
		}
	}
}

// BenchmarkServeRaw writes a fixed request on one connection and reads the
// fixed-size response, so the allocations are the server's.
func BenchmarkServeRaw(b *testing.B) {
	ts := startServer(b, http.HandlerFunc(hello))
	c := dial(b, ts.addr)
	req := []byte("GET /v1/items/42?expand=owner HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: bench/1.0\r\n" +
		"Accept: */*\r\nX-Request-Id: 0123456789\r\n\r\n")
	c.send(string(req))
	resp, body := c.response("GET")
	if resp.StatusCode != 200 || body != "hello" {
		b.Fatalf("%d %q", resp.StatusCode, body)
	}
	// Every response has the same size (the Date value has a fixed width):
	// measure one.
	c.send(string(req))
	size := len("hello")
	for {
		line, err := c.br.ReadBytes('\n')
		if err != nil {
			b.Fatal(err)
		}
		size += len(line)
		if len(line) == 2 {
			break
		}
	}
	if _, err := c.br.Discard(len("hello")); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c.br, buf); err != nil {
			b.Fatal(err)
		}
		if !bytes.HasSuffix(buf, []byte("\r\n\r\nhello")) {
			b.Fatalf("response %q", buf)
		}
	}
}
