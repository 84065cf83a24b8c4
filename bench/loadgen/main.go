// Command loadgen sends GET requests at a constant rate (open loop) to one
// URL on loopback and reports latency percentiles, so latency can be
// compared at a fixed fraction of a target's maximum throughput (wrk
// measures closed-loop throughput only).
//
// Request i is due at start + i/rate. A fixed set of workers, each with one
// keep-alive connection, takes the due requests in order; latency runs from
// the due time, so a request that waits for a busy target (or a free
// connection) counts its wait (no coordinated omission). The HTTP/1.1
// client is minimal (pre-formatted request, Content-Length or chunked
// responses) so that the generator itself costs little CPU: on a 2-core
// machine shared with the target, an expensive client moves the load point.
// Loops are bounded by -duration and -timeout.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	res := run(context.Background(), cfg)
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

// run sends cfg.n requests on schedule and returns the latencies of the
// ones answered with a 2xx status.
func run(ctx context.Context, cfg config) result {
	lat := make([]time.Duration, cfg.n)
	ok := make([]bool, cfg.n)
	interval := time.Second / time.Duration(cfg.rate)
	var next atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range min(cfg.conns, cfg.n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{cfg: cfg}
			defer w.close()
			for {
				i := int(next.Add(1) - 1)
				if i >= cfg.n || ctx.Err() != nil {
					return
				}
				due := start.Add(time.Duration(i) * interval)
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				status, err := w.do(ctx)
				lat[i] = time.Since(due)
				ok[i] = err == nil && status >= 200 && status < 300
			}
		}()
	}
	wg.Wait()
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

// worker is one keep-alive connection, redialled after any error.
type worker struct {
	cfg  config
	conn net.Conn
	br   *bufio.Reader
}

func (w *worker) close() {
	if w.conn != nil {
		_ = w.conn.Close()
		w.conn = nil
	}
}

// do sends the request and reads the whole response; it returns the status.
func (w *worker) do(ctx context.Context) (int, error) {
	if w.conn == nil {
		d := net.Dialer{Timeout: w.cfg.timeout}
		c, err := d.DialContext(ctx, "tcp", w.cfg.addr)
		if err != nil {
			return 0, fmt.Errorf("dial: %w", err)
		}
		w.conn, w.br = c, bufio.NewReaderSize(c, 16<<10)
	}
	_ = w.conn.SetDeadline(time.Now().Add(w.cfg.timeout))
	status, keep, err := w.exchange()
	if err != nil || !keep {
		w.close()
	}
	return status, err
}

func (w *worker) exchange() (status int, keepAlive bool, err error) {
	if _, err := w.conn.Write(w.cfg.request); err != nil {
		return 0, false, fmt.Errorf("write: %w", err)
	}
	line, err := w.br.ReadSlice('\n')
	if err != nil {
		return 0, false, fmt.Errorf("status line: %w", err)
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !strings.HasPrefix(string(line[:5]), "HTTP/") {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	keepAlive = true
	length, chunked := int64(-1), false
	for {
		h, err := w.br.ReadSlice('\n')
		if err != nil {
			return status, false, fmt.Errorf("headers: %w", err)
		}
		s := strings.TrimRight(string(h), "\r\n")
		if s == "" {
			break
		}
		name, value, _ := strings.Cut(s, ":")
		value = strings.TrimSpace(value)
		switch {
		case strings.EqualFold(name, "Content-Length"):
			if length, err = strconv.ParseInt(value, 10, 64); err != nil || length < 0 {
				return status, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case strings.EqualFold(name, "Transfer-Encoding"):
			chunked = strings.EqualFold(value, "chunked")
		case strings.EqualFold(name, "Connection"):
			keepAlive = !strings.EqualFold(value, "close")
		}
	}
	switch {
	case chunked:
		err = w.discardChunked()
	case length >= 0:
		_, err = w.br.Discard(int(length))
	case status == 204 || status == 304 || status/100 == 1:
	default:
		// No length: the body ends with the connection.
		_, err = io.Copy(io.Discard, w.br)
		return status, false, err
	}
	if err != nil {
		return status, false, fmt.Errorf("body: %w", err)
	}
	return status, keepAlive, nil
}

func (w *worker) discardChunked() error {
	for {
		line, err := w.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		sz, _, _ := strings.Cut(strings.TrimSpace(string(line)), ";")
		n, err := strconv.ParseInt(sz, 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("bad chunk size %q", sz)
		}
		if n == 0 {
			// Trailers, then the blank line.
			for {
				t, err := w.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if strings.TrimRight(string(t), "\r\n") == "" {
					return nil
				}
			}
		}
		if _, err := w.br.Discard(int(n) + 2); err != nil {
			return err
		}
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
