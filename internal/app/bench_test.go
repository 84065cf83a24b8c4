package app

import (
	"fmt"
	"io"
	"net/http"
	"testing"
)

// BenchmarkProxy measures a full round trip client → gatehouse → backend on
// loopback (all in one process), with no authorizer.
func BenchmarkProxy(b *testing.B) {
	t := &testing.T{}
	be := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Length"] = []string{"5"}
		_, _ = io.WriteString(w, "hello")
	})
	defer be.Close()
	ta := startB(b, fmt.Sprintf("apis:\n  - name: b\n    kind: http\n    routes:\n      - route: $default\n        integration: {http: {url: %q}}\n", be.URL))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	url := "http://" + ta.GatewayAddr + "/bench"
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}
