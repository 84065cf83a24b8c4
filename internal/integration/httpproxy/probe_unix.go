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
	return p
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
