// Command backend is the bare HTTP backend of the benchmark harness: it
// answers every request with a small fixed body, keeping connections alive.
package main

import (
	"flag"
	"log"
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/sysmon"
)

func main() {
	// The same Go runtime setting as gatehouse serve (internal/sysmon): the
	// backend's own thread wake-ups would otherwise grow with every idle
	// moment, so its CPU per request would depend on the proxy in front.
	if err := sysmon.Keep(); err != nil {
		log.Printf("backend: %v", err)
	}
	addr := flag.String("listen", "127.0.0.1:9001", "listen address")
	size := flag.Int("size", 64, "response body size in bytes")
	flag.Parse()
	body := make([]byte, *size)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	cl := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = []string{"text/plain"}
		w.Header()["Content-Length"] = []string{cl}
		_, _ = w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, h))
}
