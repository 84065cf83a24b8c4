// Command loadgen sends requests at a constant rate (open loop) to one URL on
// loopback and reports latency percentiles, so latency can be compared at a
// fixed fraction of a target's maximum throughput (wrk measures closed-loop
// throughput only). Loops are bounded by -duration.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"
	"time"
)

func main() {
	target := flag.String("url", "", "URL to load (loopback only)")
	rate := flag.Int("rate", 1000, "requests per second")
	dur := flag.Duration("duration", 10*time.Second, "how long to send")
	conns := flag.Int("conns", 64, "maximum concurrent connections")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil || !isLoopback(u.Hostname()) {
		fmt.Fprintln(os.Stderr, "loadgen: -url must be an http URL on a loopback address")
		os.Exit(2)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	n := int(float64(*rate) * dur.Seconds())
	lat := make([]time.Duration, 0, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := 0
	interval := time.Second / time.Duration(*rate)
	start := time.Now()
	sem := make(chan struct{}, *conns*4)
	for i := 0; i < n; i++ {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(due time.Time) {
			defer wg.Done()
			defer func() { <-sem }()
			resp, err := client.Get(*target)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			// Latency is measured from the scheduled send time, so queueing
			// behind a slow target counts (no coordinated omission).
			d := time.Since(due)
			mu.Lock()
			if err != nil || resp.StatusCode != 200 {
				errs++
			} else {
				lat = append(lat, d)
			}
			mu.Unlock()
		}(due)
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(float64(len(lat)-1)*p)]
	}
	fmt.Printf("rate=%d sent=%d ok=%d errors=%d p50=%.3fms p90=%.3fms p99=%.3fms\n", *rate, n, len(lat), errs,
		ms(pct(0.50)), ms(pct(0.90)), ms(pct(0.99)))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
