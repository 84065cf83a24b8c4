package main

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxHead bounds a response head (status line and headers); the connection
// buffer is at least this large.
const maxHead = 8 << 10

// response reads one HTTP/1.1 response from bytes that arrive in pieces of
// any size, without copying the body: feed is called with what is buffered
// and returns how much of it the response used.
type response struct {
	state     respState
	status    int
	keepAlive bool
	remain    int64 // body or chunk bytes still to come
}

type respState int

const (
	stateHead       respState = iota
	stateBody                 // Content-Length bytes
	stateChunkSize            // a chunk-size line
	stateChunkData            // chunk data and its CRLF
	stateTrailer              // trailer lines up to the blank one
	stateUntilClose           // no length: the body ends with the connection
	stateDone
)

func (r *response) reset() { *r = response{} }

// done reports whether the whole response has been read.
func (r *response) done() bool { return r.state == stateDone }

// feed consumes the response's bytes from the front of b and returns how
// many it used. It stops when the response is complete or when it needs
// more bytes than b holds (a head, a chunk-size line or a trailer line must
// be buffered whole; body bytes are consumed as they come). eof reports that
// the connection was closed after b.
func (r *response) feed(b []byte, eof bool) (int, error) {
	used := 0
	for r.state != stateDone {
		rest := b[used:]
		switch r.state {
		case stateHead:
			end := bytes.Index(rest, []byte("\r\n\r\n"))
			if end < 0 {
				if len(rest) >= maxHead {
					return used, fmt.Errorf("response head over %d bytes", maxHead)
				}
				return used, r.short(eof)
			}
			if err := r.parseHead(rest[:end]); err != nil {
				return used, err
			}
			used += end + 4
		case stateBody, stateChunkData:
			n := int(min(r.remain, int64(len(rest))))
			used += n
			r.remain -= int64(n)
			if r.remain > 0 {
				return used, r.short(eof)
			}
			if r.state == stateBody {
				r.state = stateDone
			} else {
				r.state = stateChunkSize
			}
		case stateChunkSize:
			nl := bytes.IndexByte(rest, '\n')
			if nl < 0 {
				return used, r.short(eof)
			}
			sz, _, _ := strings.Cut(strings.TrimSpace(string(rest[:nl])), ";")
			n, err := strconv.ParseInt(sz, 16, 64)
			if err != nil || n < 0 {
				return used, fmt.Errorf("bad chunk size %q", sz)
			}
			used += nl + 1
			if n == 0 {
				r.state = stateTrailer
			} else {
				r.state, r.remain = stateChunkData, n+2 // the data and its CRLF
			}
		case stateTrailer:
			nl := bytes.IndexByte(rest, '\n')
			if nl < 0 {
				return used, r.short(eof)
			}
			used += nl + 1
			if len(bytes.TrimRight(rest[:nl], "\r")) == 0 {
				r.state = stateDone
			}
		case stateUntilClose:
			used = len(b)
			if !eof {
				return used, nil
			}
			r.state = stateDone
		}
	}
	return used, nil
}

// short is the result of a state that needs more bytes: none will come
// after eof.
func (r *response) short(eof bool) error {
	if eof {
		return errors.New("connection closed before the response ended")
	}
	return nil
}

// parseHead reads the status line and the headers that frame the body.
func (r *response) parseHead(head []byte) error {
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return fmt.Errorf("malformed status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil || status < 100 {
		return fmt.Errorf("malformed status line %q", line)
	}
	r.status, r.keepAlive = status, string(line[:8]) == "HTTP/1.1"
	length, chunked := int64(-1), false
	for len(rest) > 0 {
		var h []byte
		h, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return fmt.Errorf("malformed header line %q", h)
		}
		v := string(bytes.TrimSpace(value))
		switch {
		case strings.EqualFold(string(name), "Content-Length"):
			if length, err = strconv.ParseInt(v, 10, 64); err != nil || length < 0 {
				return fmt.Errorf("bad Content-Length %q", v)
			}
		case strings.EqualFold(string(name), "Transfer-Encoding"):
			chunked = strings.EqualFold(v, "chunked")
		case strings.EqualFold(string(name), "Connection"):
			switch {
			case strings.EqualFold(v, "close"):
				r.keepAlive = false
			case strings.EqualFold(v, "keep-alive"):
				r.keepAlive = true
			}
		}
	}
	switch {
	case status/100 == 1:
		// An interim response (a GET gets none in practice): the final
		// one follows.
		r.state = stateHead
	case status == 204 || status == 304:
		r.state = stateDone
	case chunked:
		r.state = stateChunkSize
	case length >= 0:
		r.state, r.remain = stateBody, length
		if length == 0 {
			r.state = stateDone
		}
	default:
		r.state, r.keepAlive = stateUntilClose, false
	}
	return nil
}
