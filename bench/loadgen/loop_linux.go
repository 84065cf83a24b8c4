//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The generator is one event loop on one thread: non-blocking sockets, epoll,
// and a wait that ends at the next request's due time to the microsecond
// (epoll_pwait2; a Go timer fires up to a millisecond late on an idle
// runtime, which showed as latency of the target). Per request it makes one
// write, usually one read and one or two waits. Against a goroutine and a
// timer per connection it halves the generator's user time; the system
// time, mostly the loopback TCP delivery the kernel does in the sender's
// context, stays the same.

// run sends cfg.n requests on schedule and returns the latencies of the
// ones answered with a 2xx status.
func run(ctx context.Context, cfg config) (result, error) {
	l, err := newLoop(cfg)
	if err != nil {
		return result{}, err
	}
	defer l.close()
	if err := l.loop(ctx); err != nil {
		return result{}, err
	}
	return summarize(cfg, l.lat, l.ok), nil
}

// lconn is one keep-alive connection of the loop.
type lconn struct {
	idx  int
	fd   int // -1 while closed; dialled again when next used
	req  int // the request in flight, -1 when idle
	sent time.Duration
	buf  []byte
	r, w int // buf[r:w] is read and not yet consumed
	resp response
}

type loop struct {
	cfg      config
	sa       unix.Sockaddr
	family   int
	epfd     int
	conns    []*lconn
	free     []*lconn
	inflight int
	start    time.Time
	interval time.Duration
	lat      []time.Duration
	ok       []bool
	events   []unix.EpollEvent
	pwait2   bool // epoll_pwait2 works; else epoll_wait, to the millisecond
}

func newLoop(cfg config) (*loop, error) {
	ta, err := net.ResolveTCPAddr("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", cfg.addr, err)
	}
	var sa unix.Sockaddr
	family := unix.AF_INET
	if ip4 := ta.IP.To4(); ip4 != nil {
		s := &unix.SockaddrInet4{Port: ta.Port}
		copy(s.Addr[:], ip4)
		sa = s
	} else {
		s := &unix.SockaddrInet6{Port: ta.Port}
		copy(s.Addr[:], ta.IP.To16())
		sa, family = s, unix.AF_INET6
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	l := &loop{cfg: cfg, sa: sa, family: family, epfd: epfd, pwait2: true,
		interval: time.Second / time.Duration(cfg.rate),
		lat:      make([]time.Duration, cfg.n), ok: make([]bool, cfg.n),
		events: make([]unix.EpollEvent, 64)}
	for i := range min(cfg.conns, cfg.n) {
		c := &lconn{idx: i, fd: -1, req: -1, buf: make([]byte, 2*maxHead)}
		l.conns = append(l.conns, c)
		l.free = append(l.free, c)
	}
	return l, nil
}

func (l *loop) close() {
	for _, c := range l.conns {
		l.closeConn(c)
	}
	_ = unix.Close(l.epfd)
}

func (l *loop) due(i int) time.Duration { return time.Duration(i) * l.interval }

// loop sends and reads until every request is answered, failed or timed
// out, or ctx ends; an error means the event loop itself failed.
func (l *loop) loop(ctx context.Context) error {
	const tick = 10 * time.Millisecond // how often timeouts and ctx are checked at the latest
	l.start = time.Now()
	next, lastCheck := 0, time.Duration(0)
	for ctx.Err() == nil {
		now := time.Since(l.start)
		for next < l.cfg.n && l.due(next) <= now && len(l.free) > 0 {
			c := l.free[len(l.free)-1]
			l.free = l.free[:len(l.free)-1]
			l.send(c, next, now)
			next++
		}
		if next >= l.cfg.n && l.inflight == 0 {
			return nil
		}
		wait := tick
		if next < l.cfg.n && len(l.free) > 0 {
			wait = min(wait, max(0, l.due(next)-now))
		}
		n, err := l.wait(wait)
		if err != nil {
			return err
		}
		now = time.Since(l.start)
		for _, ev := range l.events[:n] {
			l.readable(l.conns[ev.Fd], now)
		}
		if now-lastCheck >= time.Millisecond {
			lastCheck = now
			for _, c := range l.conns {
				if c.req >= 0 && now-c.sent > l.cfg.timeout {
					l.finish(c, now, false)
					l.closeConn(c)
				}
			}
		}
	}
	// Cancelled: what is in flight counts as failed.
	now := time.Since(l.start)
	for _, c := range l.conns {
		if c.req >= 0 {
			l.finish(c, now, false)
		}
	}
	return nil
}

// wait blocks for events for at most d.
func (l *loop) wait(d time.Duration) (int, error) {
	for {
		var n int
		var err error
		if l.pwait2 {
			ts := unix.NsecToTimespec(int64(d))
			r, _, e := unix.Syscall6(unix.SYS_EPOLL_PWAIT2, uintptr(l.epfd),
				uintptr(unsafe.Pointer(&l.events[0])), uintptr(len(l.events)),
				uintptr(unsafe.Pointer(&ts)), 0, 0)
			n = int(r)
			if e != 0 {
				err = e
			}
			if errors.Is(err, unix.ENOSYS) {
				l.pwait2 = false
				continue
			}
		} else {
			n, err = unix.EpollWait(l.epfd, l.events, int((d+time.Millisecond-1)/time.Millisecond))
		}
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("epoll wait: %w", err)
		}
		return n, nil
	}
}

// send writes request i on c, dialling first if c is closed. A failure
// counts against request i and leaves c closed and free.
func (l *loop) send(c *lconn, i int, now time.Duration) {
	c.req, c.sent = i, now
	l.inflight++
	if c.fd < 0 {
		if err := l.dial(c); err != nil {
			l.finish(c, time.Since(l.start), false)
			return
		}
	}
	c.resp.reset()
	n, err := unix.Write(c.fd, l.cfg.request)
	if err != nil || n != len(l.cfg.request) {
		// The request is a few hundred bytes and the socket's buffer is
		// empty between exchanges, so a short write is a broken connection.
		l.finish(c, time.Since(l.start), false)
		l.closeConn(c)
	}
}

// readable reads what c has and completes its response when whole.
func (l *loop) readable(c *lconn, now time.Duration) {
	if c.fd < 0 {
		return
	}
	if c.r == c.w {
		c.r, c.w = 0, 0
	} else if c.w == len(c.buf) {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
	n, err := unix.Read(c.fd, c.buf[c.w:])
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
		return
	}
	eof := err != nil || n == 0
	if n > 0 {
		c.w += n
	}
	if c.req < 0 {
		// Bytes or a close on an idle connection: the server ended it.
		l.closeConn(c)
		return
	}
	used, ferr := c.resp.feed(c.buf[c.r:c.w], eof)
	c.r += used
	switch {
	case ferr != nil, c.resp.done() && c.r != c.w:
		// Malformed, cut short, or followed by bytes nobody asked for.
		l.finish(c, now, false)
		l.closeConn(c)
	case c.resp.done():
		l.finish(c, now, c.resp.status >= 200 && c.resp.status < 300)
		if !c.resp.keepAlive || eof {
			l.closeConn(c)
		}
	case eof:
		l.finish(c, now, false)
		l.closeConn(c)
	}
}

// finish records c's request and makes c free.
func (l *loop) finish(c *lconn, now time.Duration, ok bool) {
	i := c.req
	l.lat[i], l.ok[i] = now-l.due(i), ok
	c.req = -1
	l.inflight--
	l.free = append(l.free, c)
}

// dial connects c (non-blocking, bounded by the request timeout) and adds
// it to the epoll set.
func (l *loop) dial(c *lconn) error {
	fd, err := unix.Socket(l.family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	if err := connect(fd, l.sa, l.cfg.timeout); err != nil {
		_ = unix.Close(fd)
		return err
	}
	// As Go's net package and wrk do: requests go out without waiting.
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(c.idx)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		_ = unix.Close(fd)
		return fmt.Errorf("epoll_ctl: %w", err)
	}
	c.fd, c.r, c.w = fd, 0, 0
	return nil
}

func connect(fd int, sa unix.Sockaddr, timeout time.Duration) error {
	err := unix.Connect(fd, sa)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.EINPROGRESS) {
		return fmt.Errorf("connect: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return errors.New("connect: timed out")
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLOUT}}
		n, err := unix.Poll(pfd, int((left+time.Millisecond-1)/time.Millisecond))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return fmt.Errorf("connect: poll: %w", err)
		}
		if n == 0 {
			continue
		}
		soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		if soErr != 0 {
			return fmt.Errorf("connect: %w", unix.Errno(soErr))
		}
		return nil
	}
}

func (l *loop) closeConn(c *lconn) {
	if c.fd >= 0 {
		_ = unix.Close(c.fd)
		c.fd = -1
	}
	c.r, c.w = 0, 0
}
