//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package httpproxy

import (
	"crypto/tls"
	"net"
	"syscall"
	"time"
)

// prober looks at an idle connection's socket without blocking. It is
// built once per connection so that a look allocates nothing.
type prober struct {
	raw    net.Conn
	rc     syscall.RawConn
	tls    bool
	res    probeResult
	b      [1]byte
	peekFn func(fd uintptr) bool

	// writeThenWait's state (see there)
	wb    []byte
	wn    int
	werr  error
	wrote bool
	wwFn  func(fd uintptr) bool
}

func newProber(c net.Conn) *prober {
	p := &prober{raw: c}
	if tc, ok := c.(*tls.Conn); ok {
		p.raw, p.tls = tc.NetConn(), true
	}
	sc, ok := p.raw.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	p.rc = rc
	p.peekFn = p.peek
	p.wwFn = p.writeWait
	return p
}

// canWriteThenWait reports whether writeThenWait can be used: a plain
// socket (TLS must write through its own record layer).
func (p *prober) canWriteThenWait() bool { return p != nil && !p.tls }

// writeThenWait writes b on the socket and then waits until the socket is
// readable (or the read deadline passes), so that the response is read
// with one read. Go's reads otherwise try the socket first, find nothing
// (the backend cannot have answered yet) and only then wait: one failed
// system call per request. The poller's readiness is reset before the
// write, inside the same raw read, so a response that arrives after the
// write is never missed. n is how much of b was written: when the socket
// would block (err is syscall.EAGAIN) the caller writes the rest the usual
// way.
func (p *prober) writeThenWait(b []byte) (n int, err error) {
	p.wb, p.wn, p.werr, p.wrote = b, 0, nil, false
	rerr := p.rc.Read(p.wwFn)
	n, err = p.wn, p.werr
	p.wb = nil
	if err == nil {
		err = rerr
	}
	return n, err
}

func (p *prober) writeWait(fd uintptr) bool {
	if p.wrote {
		return true // readable (or woken for an error): the caller reads
	}
	for p.wn < len(p.wb) {
		n, err := syscall.Write(int(fd), p.wb[p.wn:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			p.werr = err
			return true
		}
		p.wn += n
	}
	p.wrote = true
	return false // wait until the socket is readable
}

// look reports whether the backend closed or reset the connection while it
// sat in the pool, or sent bytes on it nobody asked for (a non-blocking
// MSG_PEEK). Backends close idle connections on their own keep-alive
// timeout (often 5 s), shorter than the pool's; unchecked, the next request
// would be written into a closed connection, and one with a body could not
// be retried. On TLS a waiting byte is probePending: a close_notify alert
// or a post-handshake message, which only TLS can tell apart.
func (p *prober) look() probeResult {
	if p == nil {
		return probeOpen
	}
	// The previous request's deadline may have passed: the poller would
	// then fail the read without trying it.
	_ = p.raw.SetReadDeadline(time.Time{})
	p.res = probeOpen
	_ = p.rc.Read(p.peekFn)
	return p.res
}

func (p *prober) peek(fd uintptr) bool {
	n, _, err := syscall.Recvfrom(int(fd), p.b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	switch {
	case err == syscall.EAGAIN || err == syscall.EWOULDBLOCK || err == syscall.EINTR:
		// Nothing to read: open.
	case err != nil || n == 0:
		p.res = probeClosed // reset, or end of stream
	case p.tls:
		p.res = probePending
	default:
		p.res = probeClosed // bytes before any request: unusable
	}
	return true
}
