package listener

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpwire"
)

// bufferMax is how much of a response body without a Content-Length is
// held back so a response that ends within it is sent with a length
// instead of chunks (as net/http does).
const bufferMax = 4096

// sniffLen is how much of a body http.DetectContentType looks at.
const sniffLen = 512

// response is the http.ResponseWriter of a connection, reused per request.
type response struct {
	c          *conn
	req        *http.Request
	hdr        http.Header
	status     int
	wrote      bool  // the status is decided
	sent       bool  // the head is in the write buffer
	cl         int64 // the declared or computed Content-Length; -1 unknown
	n          int64 // body bytes accepted
	chunked    bool
	noBody     bool // HEAD, 1xx, 204, 304
	closeAfter bool // the connection closes after this response
	keepAlive  bool // HTTP/1.0 client asked for keep-alive
	buf        []byte
	keys       []string
	err        error

	// What the head takes from the handler's header map, read when the
	// status is decided: later changes are not sent, as with net/http.
	fields []byte // the handler's fields, serialised
	typed  bool   // a Content-Type key is present (even nil)
	coded  bool   // a non-empty Content-Encoding: the body is not sniffed
	dated  bool   // a Date key is present (even nil)
}

func (w *response) reset(req *http.Request, h head) {
	clear(w.hdr)
	*w = response{c: w.c, req: req, hdr: w.hdr, cl: -1, buf: w.buf[:0], keys: w.keys[:0], fields: w.fields[:0],
		closeAfter: req.Close, keepAlive: h.keepAlive}
}

// Header implements http.ResponseWriter.
func (w *response) Header() http.Header { return w.hdr }

// WriteHeader implements http.ResponseWriter.
func (w *response) WriteHeader(code int) {
	if w.wrote {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		w.informational(code)
		return
	}
	w.wrote, w.status = true, code
	w.noBody = w.req.Method == http.MethodHead || code < 200 || code == http.StatusNoContent || code == http.StatusNotModified
	if v := w.hdr["Content-Length"]; len(v) > 0 {
		if n, err := parseLength(strings.TrimSpace(v[0])); err == nil {
			w.cl = n
		} else {
			delete(w.hdr, "Content-Length")
		}
	}
	_, w.typed = w.hdr["Content-Type"]
	ce := w.hdr["Content-Encoding"]
	w.coded = len(ce) > 0 && ce[0] != ""
	_, w.dated = w.hdr["Date"]
	if v := w.hdr["Connection"]; len(v) > 0 && httpwire.HasToken(v, "close") {
		w.closeAfter = true
	}
	w.fields = w.appendFields(w.fields[:0], true)
}

// informational sends a 1xx head now (103 Early Hints and the like).
func (w *response) informational(code int) {
	if w.sent {
		return
	}
	if code == http.StatusContinue {
		w.c.body.need100 = false // no second one when the body is read
	}
	bw := w.c.bw
	_, _ = bw.Write(statusLine(code))
	_, _ = bw.Write(w.appendFields(w.fields[:0], false))
	_, _ = bw.WriteString("\r\n")
	w.fail(bw.Flush())
}

// Write implements http.ResponseWriter.
func (w *response) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, w.err
	}
	if w.noBody {
		if w.req.Method == http.MethodHead {
			// The start is kept to sniff the Content-Type GET would get.
			if len(w.buf) < sniffLen {
				w.buf = append(w.buf, p[:min(len(p), sniffLen-len(w.buf))]...)
			}
			w.n += int64(len(p))
			return len(p), nil
		}
		return 0, http.ErrBodyNotAllowed
	}
	var lenErr error
	if w.cl >= 0 && w.n+int64(len(p)) > w.cl {
		p, lenErr = p[:w.cl-w.n], http.ErrContentLength
	}
	w.n += int64(len(p))
	if !w.sent {
		if w.cl < 0 && len(w.buf)+len(p) <= bufferMax {
			w.buf = append(w.buf, p...)
			return len(p), lenErr
		}
		w.sendHead(false, p)
	}
	w.writeBody(p)
	if w.err != nil {
		return 0, w.err
	}
	return len(p), lenErr
}

// Flush implements http.Flusher.
func (w *response) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.sendHead(false, nil)
	}
	w.fail(w.c.bw.Flush())
}

// finish completes the response after the handler returned.
func (w *response) finish() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sent {
		w.sendHead(true, nil)
	}
	if w.chunked {
		_, _ = w.c.bw.WriteString("0\r\n\r\n")
	}
	if !w.noBody && w.cl >= 0 && w.n < w.cl {
		// The handler wrote less than it declared; the client would wait
		// for the rest.
		w.closeAfter = true
	}
	w.fail(w.c.bw.Flush())
}

func (w *response) fail(err error) {
	if err != nil && w.err == nil {
		w.err = err
		w.closeAfter = true
	}
}

// sendHead decides the framing and writes the head, then any held-back body.
// final is set when the handler has returned, so the length is known.
func (w *response) sendHead(final bool, more []byte) {
	w.sent = true
	switch {
	case w.noBody:
		if w.cl < 0 && w.req.Method == http.MethodHead && final && w.n > 0 {
			w.cl = w.n
		}
	case w.cl >= 0:
	case final:
		w.cl = int64(len(w.buf))
	case w.req.ProtoMinor >= 1:
		w.chunked = true
	default:
		w.closeAfter = true // HTTP/1.0: the body ends with the connection
	}
	// Sniffed as net/http does: when the status allows a body (for HEAD
	// too) and no Content-Encoding says the bytes are not the content.
	var ctype string
	if !w.typed && !w.coded && w.status >= 200 && w.status != http.StatusNoContent && w.status != http.StatusNotModified {
		sniff := w.buf
		if len(sniff) == 0 {
			sniff = more
		}
		if len(sniff) > 0 {
			ctype = http.DetectContentType(sniff)
		}
	}
	if w.c.body.unread() || w.c.srv.closing.Load() {
		w.closeAfter = true
	}

	bw := w.c.bw
	_, _ = bw.Write(statusLine(w.status))
	if !w.dated {
		_, _ = bw.WriteString("Date: ")
		_, _ = bw.Write(w.c.srv.httpDate())
		_, _ = bw.WriteString("\r\n")
	}
	switch {
	case w.chunked:
		_, _ = bw.WriteString("Transfer-Encoding: chunked\r\n")
	case w.cl >= 0 && w.status != http.StatusNoContent && w.status >= 200:
		_, _ = bw.WriteString("Content-Length: ")
		var num [20]byte
		_, _ = bw.Write(strconv.AppendInt(num[:0], w.cl, 10))
		_, _ = bw.WriteString("\r\n")
	}
	switch {
	case w.closeAfter:
		_, _ = bw.WriteString("Connection: close\r\n")
	case w.req.ProtoMinor == 0 && w.keepAlive:
		_, _ = bw.WriteString("Connection: keep-alive\r\n")
	}
	if ctype != "" {
		_, _ = bw.WriteString("Content-Type: ")
		_, _ = bw.WriteString(ctype)
		_, _ = bw.WriteString("\r\n")
	}
	_, _ = bw.Write(w.fields)
	_, _ = bw.WriteString("\r\n")
	if len(w.buf) > 0 {
		if !w.noBody {
			w.writeBody(w.buf)
		}
		w.buf = w.buf[:0]
	}
}

// appendFields appends the handler's header fields to dst, sorted, skipping
// the ones the server owns (framing and connection management) when
// framing is set.
func (w *response) appendFields(dst []byte, framing bool) []byte {
	keys := w.keys[:0]
	for k := range w.hdr {
		if framing {
			switch k {
			case "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive":
				continue
			}
		}
		if !httpwire.IsToken(k) {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range w.hdr[k] {
			dst = append(dst, k...)
			dst = append(dst, ": "...)
			dst = append(dst, httpwire.Sanitize(v)...)
			dst = append(dst, "\r\n"...)
		}
	}
	w.keys = keys[:0]
	return dst
}

func (w *response) writeBody(p []byte) {
	if w.err != nil || len(p) == 0 {
		return
	}
	bw := w.c.bw
	if w.chunked {
		var num [16]byte
		_, _ = bw.Write(strconv.AppendInt(num[:0], int64(len(p)), 16))
		_, _ = bw.WriteString("\r\n")
		_, _ = bw.Write(p)
		_, err := bw.WriteString("\r\n")
		w.fail(err)
		return
	}
	_, err := bw.Write(p)
	w.fail(err)
}

// statusLines holds "HTTP/1.1 <code> <reason>\r\n" for every code.
var statusLines = func() (t [600][]byte) {
	for code := 100; code < 600; code++ {
		text := http.StatusText(code)
		if text == "" {
			text = "status code " + strconv.Itoa(code)
		}
		t[code] = []byte("HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n")
	}
	return t
}()

func statusLine(code int) []byte {
	if code < len(statusLines) {
		return statusLines[code]
	}
	return []byte("HTTP/1.1 " + strconv.Itoa(code) + " status code " + strconv.Itoa(code) + "\r\n")
}

// dateValue is the Date header value of one second.
type dateValue struct {
	sec int64
	b   []byte
}

// httpDate returns the current Date header value, formatted once a second
// per server.
func (s *Server) httpDate() []byte {
	now := time.Now()
	if d := s.date.Load(); d != nil && d.sec == now.Unix() {
		return d.b
	}
	d := &dateValue{sec: now.Unix(), b: now.UTC().AppendFormat(nil, http.TimeFormat)}
	s.date.Store(d)
	return d.b
}
