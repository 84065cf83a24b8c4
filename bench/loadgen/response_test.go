package main

import (
	"errors"
	"strings"
	"testing"
)

func TestResponseFeed(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		eof        bool // the connection closes after in
		wantStatus int
		wantKeep   bool
		wantRest   int    // bytes after the response, left unconsumed
		wantErr    string // substring; "" for none
	}{
		{name: "content-length", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
			wantStatus: 200, wantKeep: true},
		{name: "zero length", in: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", wantStatus: 200, wantKeep: true},
		{name: "header names any case, spaces around values", in: "HTTP/1.1 201 Created\r\ncontent-LENGTH:   3  \r\n\r\nabc",
			wantStatus: 201, wantKeep: true},
		{name: "chunked with extension and trailer",
			in:         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n",
			wantStatus: 200, wantKeep: true},
		{name: "connection close", in: "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\n\r\nno",
			wantStatus: 503},
		{name: "HTTP/1.0 closes unless kept alive", in: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", wantStatus: 200},
		{name: "HTTP/1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
			wantStatus: 200, wantKeep: true},
		{name: "no length: until close", in: "HTTP/1.1 200 OK\r\n\r\nall of it", eof: true, wantStatus: 200},
		{name: "no content has no body", in: "HTTP/1.1 204 No Content\r\n\r\n", wantStatus: 204, wantKeep: true},
		{name: "interim response skipped", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
			wantStatus: 200, wantKeep: true},
		{name: "bytes after the response are not consumed", in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",
			wantStatus: 200, wantKeep: true, wantRest: 5},
		{name: "malformed status line", in: "HTTP/1.1 2x0 OK\r\n\r\n", wantErr: "malformed status line"},
		{name: "not HTTP", in: "SSH-2.0-OpenSSH_9.2\r\n\r\n", wantErr: "malformed status line"},
		{name: "header without colon", in: "HTTP/1.1 200 OK\r\nbroken\r\n\r\n", wantErr: "malformed header line"},
		{name: "negative length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", wantErr: "bad Content-Length"},
		{name: "bad chunk size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", wantErr: "bad chunk size"},
		{name: "body cut short", in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", eof: true, wantErr: "closed before"},
		{name: "head cut short", in: "HTTP/1.1 200 OK\r\nContent-Le", eof: true, wantErr: "closed before"},
		{name: "chunks cut short", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", eof: true, wantErr: "closed before"},
		{name: "head too large", in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", maxHead), wantErr: "response head over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Whole, then split at every position (a byte at a time at the
			// far end): the parser must give the same answer however the
			// bytes arrive.
			for split := 0; split <= len(tt.in); split++ {
				status, keep, rest, err := feedSplit(tt.in, split, tt.eof)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("split %d: err = %v, want %q", split, err, tt.wantErr)
					}
					continue
				}
				if err != nil || status != tt.wantStatus || keep != tt.wantKeep || rest != tt.wantRest {
					t.Fatalf("split %d: status %d keep %v rest %d err %v, want %d %v %d",
						split, status, keep, rest, err, tt.wantStatus, tt.wantKeep, tt.wantRest)
				}
			}
		})
	}
}

// feedSplit feeds in as a connection would deliver it in two reads (the
// first of split bytes), keeping what the parser did not consume, as the
// loop's buffer does. It returns the status, keep-alive, the bytes left
// after the response, and the parser's error (or an error when the response
// never completes).
func feedSplit(in string, split int, eof bool) (int, bool, int, error) {
	var r response
	buf := []byte(nil)
	for i, part := range []string{in[:split], in[split:]} {
		buf = append(buf, part...)
		last := i == 1
		used, err := r.feed(buf, last && eof)
		if err != nil {
			return 0, false, 0, err
		}
		buf = buf[used:]
		if r.done() {
			if !last {
				buf = append(buf, in[split:]...)
			}
			return r.status, r.keepAlive, len(buf), nil
		}
	}
	return 0, false, 0, errNotDone
}

var errNotDone = errors.New("the response did not complete")
