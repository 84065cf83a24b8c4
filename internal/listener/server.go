// Package listener owns the gateway's client connections: a lean HTTP/1.1
// server that hands each request to an http.Handler.
//
// net/http's server allocates a new request, header map, context and
// response per request and, for every request without a body, starts a
// background read on the connection to notice a client going away; on a
// proxy whose handler itself waits on a backend, that background read costs
// an extra goroutine wake-up, two deadline changes and a failed read per
// request. This server keeps one request, header map, URL, body reader and
// response writer per connection and reuses them, parses the request head
// out of a single string, and reads the connection only from the handler's
// goroutine. What it gives up: a client that disconnects while its request
// is in a handler is noticed when the response is written, not before, and
// the request's context is never cancelled (the integration timeout bounds
// every wait on a backend). It speaks HTTP/1.0 and
// HTTP/1.1 only; TLS and HTTP/2 are not in the hot path this replaces.
//
// Handlers must not keep the request, its header map or the response writer
// after ServeHTTP returns, as net/http already requires.
package listener

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Limits applied before a handler runs.
const (
	// DefaultMaxHeaderBytes bounds the header fields of a request (the
	// request line has its own bound, MaxRequestLine).
	DefaultMaxHeaderBytes = 10240
	// MaxRequestLine bounds the request line; longer ones answer 414.
	MaxRequestLine = 16 << 10
	// maxHeaderLines bounds the number of header fields.
	maxHeaderLines = 256
	// maxDrain is how much of an unread request body is read and discarded
	// after the handler so the connection can be reused.
	maxDrain = 256 << 10
	// lingerTime and lingerBytes bound how long and how much a connection
	// closed under an unread request body keeps reading (see linger).
	lingerTime  = 500 * time.Millisecond
	lingerBytes = 16 << 20
)

// Server serves HTTP/1.x connections.
type Server struct {
	Handler http.Handler
	// ReadHeaderTimeout bounds reading a request head once its first byte
	// arrived, and a new connection's wait for that first byte;
	// IdleTimeout bounds the wait for the next request on a kept
	// connection (and for the first one when ReadHeaderTimeout is zero)
	// and the reading of what a handler left of a request body
	// (ReadHeaderTimeout does when IdleTimeout is zero). Zero means no
	// bound.
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
	// MaxHeaderBytes bounds the header fields (431 beyond); zero means
	// DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// Log receives connection-level errors at debug level and recovered
	// panics at error level.
	Log *slog.Logger

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	closing   atomic.Bool
	date      atomic.Pointer[dateValue] // the Date field of the current second
	connsDone chan struct{}             // closed when conns empties while closing
}

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = http.ErrServerClosed

// Serve accepts connections on ln until it fails or the server is shut down.
func (s *Server) Serve(ln net.Listener) error {
	if !s.track(ln) {
		return ErrServerClosed
	}
	defer s.untrack(ln)
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) ||
				errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ECONNABORTED) {
				// Out of descriptors or an aborted handshake: wait and retry,
				// as net/http does.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := newConn(s, nc)
		if !s.add(c) {
			_ = nc.Close()
			return ErrServerClosed
		}
		go c.serve()
	}
}

func (s *Server) track(ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	if s.listeners == nil {
		s.listeners = make(map[net.Listener]struct{})
	}
	s.listeners[ln] = struct{}{}
	return true
}

func (s *Server) untrack(ln net.Listener) {
	s.mu.Lock()
	delete(s.listeners, ln)
	s.mu.Unlock()
	_ = ln.Close()
}

func (s *Server) add(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		return false
	}
	if s.conns == nil {
		s.conns = make(map[*conn]struct{})
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) remove(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	if len(s.conns) == 0 && s.connsDone != nil {
		close(s.connsDone)
		s.connsDone = nil
	}
	s.mu.Unlock()
}

// beginClose stops accepting and returns a channel closed once no
// connection is left.
func (s *Server) beginClose() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing.Store(true)
	for ln := range s.listeners {
		_ = ln.Close()
	}
	done := make(chan struct{})
	if len(s.conns) == 0 {
		close(done)
	} else if s.connsDone == nil {
		s.connsDone = done
	} else {
		done = s.connsDone
	}
	return done
}

// closeIdle closes the connections waiting for a request, sparing new ones
// for newConnGrace: their first request may be on its way.
func (s *Server) closeIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for c := range s.conns {
		if c.state.CompareAndSwap(stateIdle, stateClosed) ||
			now.Sub(c.accepted) > newConnGrace && c.state.CompareAndSwap(stateNew, stateClosed) {
			_ = c.nc.Close()
		}
	}
}

// Shutdown stops accepting connections, closes idle ones, lets requests in
// flight finish (their connections close after the response) and returns
// when none is left, or ctx's error when ctx ends first.
func (s *Server) Shutdown(ctx context.Context) error {
	done := s.beginClose()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		s.closeIdle()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.beginClose()
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.state.Store(stateClosed)
		_ = c.nc.Close()
	}
	return nil
}

func (s *Server) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
