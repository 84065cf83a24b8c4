// Command loadgen sends GET requests at a constant rate (open loop) to one
// URL on loopback and reports latency percentiles, so latency can be
// compared at a fixed fraction of a target's maximum throughput (wrk
// measures closed-loop throughput only).
//
// Request i is due at start + i/rate. A fixed set of keep-alive
// connections takes the due requests in order; latency runs from the due
// time, so a request that waits for a busy target (or a free connection)
// counts its wait (no coordinated omission). The HTTP/1.1 client is minimal
// (a pre-formatted request; Content-Length, chunked or close-delimited
// responses) and runs as one event loop (loop_linux.go) so that the
// generator itself costs little CPU: on a 2-core machine shared with the
// target, an expensive client moves the load point. Loops are bounded by
// -duration and -timeout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/sysmon"
)

func main() {
	// The same Go runtime setting as gatehouse serve (internal/sysmon), so
	// the generator wakes as few threads as it can on the machine it shares.
	if err := sysmon.Keep(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
	}
	target := flag.String("url", "", "URL to load (http, loopback only)")
	rate := flag.Int("rate", 1000, "requests per second")
	dur := flag.Duration("duration", 10*time.Second, "how long to send")
	conns := flag.Int("conns", 64, "connections (and so at most this many requests in flight)")
	timeout := flag.Duration("timeout", 10*time.Second, "per-request timeout")
	flag.Parse()
	cfg, err := newConfig(*target, *rate, *dur, *conns, *timeout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	res, err := run(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	fmt.Println(res)
}

// config is one open-loop run.
type config struct {
	addr    string // host:port to dial
	request []byte // the pre-formatted request
	rate    int
	n       int // requests to send
	conns   int
	timeout time.Duration
}

func newConfig(target string, rate int, dur time.Duration, conns int, timeout time.Duration) (config, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || !isLoopback(u.Hostname()) {
		return config{}, errors.New("-url must be an http URL on a loopback address")
	}
	if rate < 1 || dur <= 0 || conns < 1 || timeout <= 0 {
		return config{}, errors.New("-rate, -duration, -conns and -timeout must be positive")
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUser-Agent: gatehouse-bench-loadgen\r\n\r\n"
	return config{addr: addr, request: []byte(req), rate: rate, n: max(1, int(float64(rate)*dur.Seconds())),
		conns: conns, timeout: timeout}, nil
}

// result summarises a run.
type result struct {
	rate, sent, ok, errs int
	p50, p90, p99, max   time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("rate=%d sent=%d ok=%d errors=%d p50=%.3fms p90=%.3fms p99=%.3fms max=%.3fms",
		r.rate, r.sent, r.ok, r.errs, ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// summarize turns the per-request latencies into the run's result; only
// requests answered with a 2xx status count as latencies.
func summarize(cfg config, lat []time.Duration, ok []bool) result {
	good := make([]time.Duration, 0, cfg.n)
	for i, d := range lat {
		if ok[i] {
			good = append(good, d)
		}
	}
	slices.Sort(good)
	pct := func(p float64) time.Duration {
		if len(good) == 0 {
			return 0
		}
		return good[int(float64(len(good)-1)*p)]
	}
	return result{rate: cfg.rate, sent: cfg.n, ok: len(good), errs: cfg.n - len(good),
		p50: pct(0.50), p90: pct(0.90), p99: pct(0.99), max: pct(1)}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
