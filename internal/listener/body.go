package listener

import (
	"io"
	"net/http"
	"net/http/httputil"

	"github.com/gatehouse/gatehouse/internal/httpwire"
)

// body reads a request body from the connection: Content-Length bytes, or
// chunks up to the last one and its (discarded) trailer section.
type body struct {
	c       *conn
	remain  int64 // Content-Length bytes not yet read
	chunked io.Reader
	eof     bool // the body has been read to its end
	closed  bool // the handler closed it
	need100 bool // "Expect: 100-continue" not yet answered
	err     error
}

// reset prepares the body of the request just parsed and sets req.Body.
func (b *body) reset(req *http.Request, h head) {
	*b = body{c: b.c, need100: h.expectContinue}
	switch {
	case h.chunked:
		b.chunked = httputil.NewChunkedReader(b.c.br)
	case req.ContentLength > 0:
		b.remain = req.ContentLength
	default:
		b.eof, b.need100 = true, false
		req.Body = http.NoBody
		return
	}
	req.Body = b
}

// Read implements io.Reader.
func (b *body) Read(p []byte) (int, error) {
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	return b.read(p)
}

func (b *body) read(p []byte) (int, error) {
	if b.eof {
		return 0, io.EOF
	}
	if b.err != nil {
		return 0, b.err
	}
	if b.need100 {
		b.need100 = false
		if !b.c.w.sent {
			_, _ = b.c.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
			if err := b.c.bw.Flush(); err != nil {
				b.err = err
				return 0, err
			}
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	if b.chunked != nil {
		n, err := b.chunked.Read(p)
		if err == io.EOF {
			if err = b.readTrailer(); err == nil {
				b.eof = true
				return n, io.EOF
			}
		}
		if err != nil {
			b.err = err
		}
		return n, err
	}
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	n, err := b.c.br.Read(p)
	b.remain -= int64(n)
	switch {
	case b.remain == 0:
		b.eof = true
		return n, io.EOF
	case err == io.EOF:
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

// readTrailer reads the trailer section after the last chunk, bounded like
// a header section, and discards it.
func (b *body) readTrailer() error {
	limit := b.c.srv.MaxHeaderBytes
	if limit <= 0 {
		limit = DefaultMaxHeaderBytes
	}
	return httpwire.DiscardTrailer(b.c.br, limit)
}

// Close implements io.Closer; what is left of the body is dealt with after
// the handler returns.
func (b *body) Close() error {
	b.closed = true
	return nil
}

// unread reports whether reusing the connection needs more of this body
// read than the server is willing to, known before the response goes out.
func (b *body) unread() bool {
	return !b.eof && (b.need100 || b.err != nil || b.remain > maxDrain)
}

// drain reads and discards what the handler left of the body, up to
// maxDrain bytes, and reports whether the connection can be reused.
func (b *body) drain() bool {
	if b.eof {
		return true
	}
	if b.need100 || b.err != nil {
		return false
	}
	if b.chunked == nil {
		if b.remain > maxDrain {
			return false
		}
		n, err := b.c.br.Discard(int(b.remain))
		b.remain -= int64(n)
		b.eof = b.remain == 0
		return err == nil && b.eof
	}
	scratch := make([]byte, 4096)
	for total := 0; total <= maxDrain; {
		n, err := b.read(scratch)
		total += n
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
	return false
}
