//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package httpproxy

import (
	"bytes"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// tcpPair returns a connected client connection and the server side.
func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// TestWriteThenWait checks the write-then-wait primitive the forward path
// uses for bodiless requests: it returns once the answer can be read, when
// the deadline passes, when the socket would block, and (the case that
// must not hang) when the peer had already closed before the write.
func TestWriteThenWait(t *testing.T) {
	const ioWait = 5 * time.Second
	req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")

	t.Run("answer after a delay", func(t *testing.T) {
		c, s := tcpPair(t)
		go func() {
			buf := make([]byte, len(req))
			if _, err := io.ReadFull(s, buf); err != nil || !bytes.Equal(buf, req) {
				return
			}
			time.Sleep(50 * time.Millisecond)
			_, _ = s.Write([]byte("answer"))
		}()
		p := newProber(c)
		start := time.Now()
		n, err := p.writeThenWait(req)
		if err != nil || n != len(req) {
			t.Fatalf("writeThenWait = %d, %v; want %d, nil", n, err, len(req))
		}
		if waited := time.Since(start); waited < 40*time.Millisecond {
			t.Fatalf("returned after %v, before the answer was sent", waited)
		}
		buf := make([]byte, 16)
		_ = c.SetReadDeadline(time.Now().Add(ioWait))
		if n, err := c.Read(buf); err != nil || string(buf[:n]) != "answer" {
			t.Fatalf("read after the wait: %q, %v", buf[:n], err)
		}
	})

	t.Run("no answer: the read deadline", func(t *testing.T) {
		c, _ := tcpPair(t)
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		start := time.Now()
		_, err := newProber(c).writeThenWait(req)
		if !isTimeout(err) {
			t.Fatalf("err %v, want a timeout", err)
		}
		if waited := time.Since(start); waited > ioWait {
			t.Fatalf("returned after %v", waited)
		}
	})

	t.Run("socket would block", func(t *testing.T) {
		c, _ := tcpPair(t) // the server never reads
		big := make([]byte, 64<<20)
		n, err := newProber(c).writeThenWait(big)
		if !errors.Is(err, syscall.EAGAIN) || n <= 0 || n >= len(big) {
			t.Fatalf("writeThenWait = %d, %v; want part written and EAGAIN", n, err)
		}
	})

	t.Run("peer closed before the write", func(t *testing.T) {
		c, s := tcpPair(t)
		s.Close()
		time.Sleep(50 * time.Millisecond) // the FIN arrives before the write
		_ = c.SetReadDeadline(time.Now().Add(ioWait))
		start := time.Now()
		_, werr := newProber(c).writeThenWait(req)
		if waited := time.Since(start); waited >= ioWait {
			t.Fatalf("waited %v (until the deadline): a closed peer must wake the wait", waited)
		}
		// The write may succeed (the reset comes after it) or fail; either
		// way the next read reports the close.
		if werr == nil {
			if _, err := c.Read(make([]byte, 1)); err == nil {
				t.Fatal("read after a closed peer succeeded")
			}
		}
	})
}
