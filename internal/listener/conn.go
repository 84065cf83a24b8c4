package listener

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"
)

// Connection states, for Shutdown: only an idle connection may be closed
// under its own goroutine's feet, and a new one once it had newConnGrace
// to send its first request.
const (
	stateNew int32 = iota
	stateIdle
	stateActive
	stateClosed
)

// newConnGrace is how long Shutdown lets a new connection send its first
// request before closing it (as net/http does).
const newConnGrace = 5 * time.Second

// conn is one client connection and everything reused across its requests.
type conn struct {
	srv      *Server
	nc       net.Conn
	accepted time.Time
	br       *bufio.Reader
	bw       *bufio.Writer
	state    atomic.Int32
	remote   string

	base http.Request // the context-carrying template each request starts from
	req  http.Request
	url  url.URL
	hdr  http.Header
	body body
	w    response
	hbuf []byte
	rdl  time.Time // the read deadline set on nc (zero: none)
}

// maxDeadlineSlack bounds how much later than asked a read deadline may
// fall (see readWithin).
const maxDeadlineSlack = 250 * time.Millisecond

// readWithin makes a read fail once d has passed. Setting a deadline is a
// timer operation, and a kept connection waits for its next request after
// every response, so the deadline is set d plus a slack of d/16 (at most
// 250 ms) ahead, and one already set is kept while it still falls between
// d and d plus the slack from now: on a busy connection the timer moves a
// few times a second instead of on every request. A timeout therefore
// fires between d and d plus the slack after the wait began.
func (c *conn) readWithin(d time.Duration) {
	want := time.Now().Add(d)
	slack := min(d/16, maxDeadlineSlack)
	if !c.rdl.IsZero() && !c.rdl.Before(want) && c.rdl.Sub(want) <= slack {
		return
	}
	c.rdl = want.Add(slack)
	_ = c.nc.SetReadDeadline(c.rdl)
}

// noReadDeadline removes the read deadline, if one is set.
func (c *conn) noReadDeadline() {
	if !c.rdl.IsZero() {
		c.rdl = time.Time{}
		_ = c.nc.SetReadDeadline(time.Time{})
	}
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{srv: s, nc: nc, accepted: time.Now(), remote: nc.RemoteAddr().String(), hdr: make(http.Header, 8)}
	c.br = bufio.NewReaderSize(nc, 4096)
	c.bw = bufio.NewWriterSize(nc, 4096)
	// The request context is never cancelled: without a read in the
	// background the server cannot tell a client went away before it writes
	// the response, and handlers bound their own waits (integration
	// timeouts). Done() is nil, which spares context.AfterFunc hooks.
	ctx := context.WithValue(context.Background(), http.LocalAddrContextKey, nc.LocalAddr())
	c.base = *(&http.Request{}).WithContext(ctx)
	c.body.c = c
	c.w.c = c
	c.w.hdr = make(http.Header, 8)
	return c
}

func (c *conn) close() {
	c.state.Store(stateClosed)
	_ = c.nc.Close()
	c.srv.remove(c)
}

func (c *conn) serve() {
	defer c.close()
	defer func() {
		if p := recover(); p != nil && p != http.ErrAbortHandler {
			c.srv.logger().Error("panic serving connection", "remote", c.remote, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	idle, hdrTimeout := c.srv.IdleTimeout, c.srv.ReadHeaderTimeout
	drainTime := idle
	if drainTime <= 0 {
		drainTime = hdrTimeout
	}
	// Deadlines are timer operations, so they are set only where a read may
	// wait (the idle wait, a head that is not already in the buffer, and a
	// body: no deadline while the handler reads it), and coarsely
	// (readWithin).
	for first := true; ; first = false {
		if c.br.Buffered() == 0 {
			// A new connection has ReadHeaderTimeout to start its first
			// request (as with net/http), a kept one IdleTimeout.
			wait := idle
			if first && hdrTimeout > 0 {
				wait = hdrTimeout
			}
			if wait > 0 {
				c.readWithin(wait)
			} else {
				// No idle bound: drop the head deadline a request without
				// a body left behind, or the idle wait would inherit it.
				c.noReadDeadline()
			}
			if _, err := c.br.Peek(1); err != nil {
				return
			}
		}
		from := stateIdle
		if first {
			from = stateNew
		}
		if !c.state.CompareAndSwap(from, stateActive) {
			return // Shutdown closed it between requests
		}
		if hdrTimeout > 0 && !c.headBuffered() {
			c.readWithin(hdrTimeout)
		}
		h, err := c.readRequest()
		if err != nil {
			var pe *protoError
			if errors.As(err, &pe) {
				c.refuse(pe)
				c.linger()
			} else {
				c.srv.logger().Debug("reading request", "remote", c.remote, "error", err)
			}
			return
		}
		if c.req.Body != http.NoBody {
			c.noReadDeadline()
		}
		c.w.reset(&c.req, h)
		c.srv.Handler.ServeHTTP(&c.w, &c.req)
		if !c.body.eof && !c.w.closeAfter {
			// What the handler left of the body is drained in bounded time,
			// and a chunked body (whose size is known only by reading it)
			// before a buffered response goes out, so its head can say
			// whether the connection stays open (net/http discards first
			// too).
			if drainTime > 0 {
				c.readWithin(drainTime)
			}
			if c.body.chunked != nil && !c.w.sent && !c.body.drain() {
				c.w.closeAfter = true
			}
		}
		c.w.finish()
		if !c.w.closeAfter && !c.body.drain() {
			c.w.closeAfter = true
		}
		if c.w.err != nil {
			return
		}
		if c.w.closeAfter {
			if !c.body.eof {
				c.linger()
			}
			return
		}
		if !c.state.CompareAndSwap(stateActive, stateIdle) {
			return // Close
		}
	}
}

// headBuffered reports whether a whole request head is already buffered.
// Empty lines before the request line are not its end: a client could
// otherwise send them and then hold the head open with no deadline.
func (c *conn) headBuffered() bool {
	b, _ := c.br.Peek(c.br.Buffered())
	b = bytes.TrimLeft(b, "\r\n")
	return bytes.Contains(b, crlfcrlf) || bytes.Contains(b, lflf)
}

var crlfcrlf, lflf = []byte("\r\n\r\n"), []byte("\n\n")

// readRequest reads and parses the next request head into c.req.
func (c *conn) readRequest() (head, error) {
	s, lines, err := c.readHead()
	if err != nil {
		return head{}, err
	}
	c.req = c.base
	clear(c.hdr)
	c.req.Header = c.hdr
	c.req.RemoteAddr = c.remote
	h, _, err := parseHead(s, &c.req, &c.url, make([]string, 0, lines))
	if err != nil {
		return h, err
	}
	c.body.reset(&c.req, h)
	return h, nil
}

// readHead reads a request head up to its blank line and returns it as one
// string (the blank line excluded) with its number of header fields.
func (c *conn) readHead() (string, int, error) {
	maxHeader := c.srv.MaxHeaderBytes
	if maxHeader <= 0 {
		maxHeader = DefaultMaxHeaderBytes
	}
	c.hbuf = c.hbuf[:0]
	lineStart, headStart, lines := 0, -1, 0
	for blank := 0; ; {
		frag, err := c.br.ReadSlice('\n')
		c.hbuf = append(c.hbuf, frag...)
		if headStart < 0 {
			if len(c.hbuf) > MaxRequestLine {
				return "", 0, &protoError{status: http.StatusRequestURITooLong, msg: "request line too long"}
			}
		} else if len(c.hbuf)-headStart > maxHeader {
			return "", 0, &protoError{status: http.StatusRequestHeaderFieldsTooLarge, msg: "request header fields too large"}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if len(c.hbuf) > 0 && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", 0, err
		}
		line := c.hbuf[lineStart:]
		empty := len(line) == 1 || (len(line) == 2 && line[0] == '\r')
		switch {
		case headStart < 0 && empty:
			// Empty lines before a request line are skipped (RFC 9112 §2.2),
			// a few of them.
			if blank++; blank > 4 {
				return "", 0, badRequest("empty lines before the request line")
			}
			c.hbuf = c.hbuf[:0]
			continue
		case headStart < 0:
			headStart = len(c.hbuf)
		case empty:
			return string(c.hbuf[:lineStart]), lines, nil
		default:
			if lines++; lines > maxHeaderLines {
				return "", 0, &protoError{status: http.StatusRequestHeaderFieldsTooLarge, msg: "too many header fields"}
			}
		}
		lineStart = len(c.hbuf)
	}
}

// linger half-closes a connection whose request body was left unread and
// reads what the client still sends, for a bounded time and size, before
// the connection closes: closing with unread data makes the kernel send a
// reset, and a client still writing its body would lose the response it
// has not read yet (as net/http's server avoids too).
func (c *conn) linger() {
	cw, ok := c.nc.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	c.rdl = time.Now().Add(lingerTime)
	_ = c.nc.SetReadDeadline(c.rdl)
	_, _ = io.CopyN(io.Discard, c.nc, lingerBytes)
}

// refuse answers a request the server could not accept and closes.
func (c *conn) refuse(pe *protoError) {
	text := strconv.Itoa(pe.status) + " " + http.StatusText(pe.status)
	// Date is required in 4xx answers of a server with a clock (RFC 9110
	// section 6.6.1).
	_, _ = c.bw.WriteString("HTTP/1.1 " + text + "\r\nDate: ")
	_, _ = c.bw.Write(c.srv.httpDate())
	_, _ = c.bw.WriteString("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: " +
		strconv.Itoa(len(text)) + "\r\n\r\n" + text)
	_ = c.bw.Flush()
	c.srv.logger().Debug("refused request", "remote", c.remote, "status", pe.status, "reason", pe.msg)
}
