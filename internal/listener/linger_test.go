package listener

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestLingerUnderUnreadBody: a handler refuses a large upload without
// reading it; the client, still sending its body, must read the response
// (the server half-closes and reads on) instead of getting a reset that
// throws the unread response away.
func TestLingerUnderUnreadBody(t *testing.T) {
	ts := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	}))
	const size = 4 << 20 // well over maxDrain and the socket buffers
	c := dial(t, ts.addr)
	c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n")
	chunk := strings.Repeat("a", 64<<10)
	for sent := 0; sent < size; sent += len(chunk) {
		if _, err := c.Write([]byte(chunk)); err != nil {
			t.Fatalf("writing the body after %d bytes: %v (the server reset instead of lingering)", sent, err)
		}
	}
	resp, _ := c.response("POST")
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
		t.Fatalf("got %d close=%v, want 413 with Connection: close", resp.StatusCode, resp.Close)
	}
}
