package httpproxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/httpwire"
)

// The forward path is the proxy's hot path: it writes the backend request
// head straight into the pooled connection's buffer from the incoming
// request (no outbound http.Request, no header clone), parses the response
// head out of one string into the client's header map, and streams the body
// from the connection's read buffer to the client. The header rules are the
// ones httputil.ReverseProxy applies with the Rewrite hook this package used
// before (hop-by-hop headers removed both ways, X-Forwarded-* rewritten),
// plus API Gateway's (reference §10.1); TestHeaders pins them.

// errUpgrade refuses a backend that switches protocols: API Gateway's HTTP
// integrations carry no upgrades (the Upgrade header is never forwarded).
var errUpgrade = errors.New("backend answered 101 Switching Protocols to a request that asked for no upgrade")

// errBackendHead is a malformed response head.
type errBackendHead string

func (e errBackendHead) Error() string { return "malformed backend response: " + string(e) }

// forward runs one integration call on the lean path; c.err receives the
// transport failure (nil on success), as the ReverseProxy error hook did.
func (p *Proxy) forward(x *exchange.Exchange, c *call) {
	ctx := x.R.Context()
	key := p.key
	if key == "" {
		key = c.target.Scheme + "://" + c.target.Host
	}
	for attempt := 0; ; attempt++ {
		pc, reused, err := p.tr.acquire(ctx, c.target.Scheme, c.target.Host, key, c.deadline)
		if err != nil {
			c.err = err
			return
		}
		retryable, err := p.exchange(ctx, pc, x, c)
		if err == nil {
			return
		}
		if retryOnNewConn(ctx, reused, retryable, attempt, err) && (x.R.Body == nil || x.R.Body == http.NoBody) {
			continue // the backend closed an idle connection: once more on a new one
		}
		c.err = err
		return
	}
}

// exchange sends the request on pc and streams the response to x.W. pc is
// back in the pool or closed when it returns. retryable reports a failure
// before any response byte arrived on a connection that carried no body.
func (p *Proxy) exchange(ctx context.Context, pc *pconn, x *exchange.Exchange, c *call) (retryable bool, err error) {
	pc.deadlineAt(c.deadline, c.deadline.Sub(c.started))
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { _ = pc.conn.SetDeadline(aLongTimeAgo) })
	}
	reuse := false
	// early: the backend stopped taking the body. It may have answered
	// first (a 413 or 401 before an upload ends), as net/http's Transport
	// also lets through: that answer is forwarded, on a connection not kept.
	var early error
	defer func() {
		stopped := stop == nil || stop()
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		if reuse && early == nil && err == nil && stopped && pc.br.Buffered() == 0 {
			pc.t.put(pc)
			return
		}
		pc.close()
	}()

	method := x.R.Method
	if p.cfg.Method != "" {
		method = p.cfg.Method
	}
	if err := p.writeRequest(pc.bw, method, x, c); err != nil {
		if !errors.Is(err, errBackendWrite) {
			return false, err
		}
		early = err
	} else if err := pc.flushThenWait(!hasBody(x.R)); err != nil {
		return true, err
	}

	rh := &pc.rh // its field slice is reused across the connection's responses
	for interim := 0; ; interim++ {
		if interim > maxInterim {
			return false, errTooManyInterim
		}
		if _, err := pc.br.Peek(1); err != nil {
			if early != nil {
				return false, early
			}
			// Retryable only while no response, not even an interim
			// one, has arrived: after one the request was being handled.
			return interim == 0, err
		}
		if err := pc.readHead(rh, pc.t.headLimit()); err != nil {
			if early != nil {
				return false, early
			}
			return false, err
		}
		if rh.status == http.StatusSwitchingProtocols {
			return false, errUpgrade
		}
		if rh.status >= 200 {
			break
		}
		// 100 Continue, 103 Early Hints: interim, not forwarded.
	}
	framing, length, err := rh.framing(method)
	if err != nil {
		return false, err // a refused head has no integration status, as on the ReverseProxy path
	}
	c.gotResp = time.Now()
	if !c.gotResp.Before(c.deadline) {
		// The connection's deadline may be a little later (deadlineAt);
		// the integration timeout is not.
		return false, os.ErrDeadlineExceeded
	}
	x.IntegrationStatus = rh.status
	p.copyHeader(x.W.Header(), rh, framing)
	x.W.WriteHeader(rh.status)

	switch framing {
	case frameNone:
		reuse = rh.keepAlive
		return false, nil
	case frameLength:
		err = copyN(x.W, pc.br, length)
		reuse = rh.keepAlive
	case frameChunked:
		err = copyStream(x.W, httputil.NewChunkedReader(pc.br))
		if err == nil {
			err = httpwire.DiscardTrailer(pc.br, int(pc.t.headLimit()))
		}
		reuse = rh.keepAlive
	case frameClose:
		err = copyStream(x.W, pc.br)
	}
	if err != nil {
		// The head went out: the client must see a broken response, not a
		// short one that looks complete (as ReverseProxy does); the deferred
		// function closes the backend connection.
		reuse = false
		panic(http.ErrAbortHandler)
	}
	return false, nil
}

// writeRequest writes the backend request head and body.
func (p *Proxy) writeRequest(bw *bufio.Writer, method string, x *exchange.Exchange, c *call) error {
	r := x.R
	_, _ = bw.WriteString(method)
	_ = bw.WriteByte(' ')
	if c.direct {
		p.writeTarget(bw, x, c)
	} else {
		if path := c.target.EscapedPath(); path == "" {
			_ = bw.WriteByte('/')
		} else {
			_, _ = bw.WriteString(path)
		}
		if c.target.RawQuery != "" || c.target.ForceQuery {
			_ = bw.WriteByte('?')
			_, _ = bw.WriteString(c.target.RawQuery)
		}
	}
	_, _ = bw.WriteString(" HTTP/1.1\r\nHost: ")
	_, _ = bw.WriteString(c.target.Host)
	_, _ = bw.WriteString("\r\n")

	withBody := hasBody(r)
	chunked := withBody && r.ContentLength < 0
	switch {
	case chunked:
		_, _ = bw.WriteString("Transfer-Encoding: chunked\r\n")
	case withBody:
		writeField(bw, "Content-Length", strconv.FormatInt(r.ContentLength, 10))
	case method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch:
		// As net/http: servers expect a length on the methods that
		// usually carry a body (not on DELETE or OPTIONS).
		_, _ = bw.WriteString("Content-Length: 0\r\n")
	}

	h := r.Header
	listed := h["Connection"]
	_, hostPort, portErr := net.SplitHostPort(r.Host)
	for k, vs := range h {
		if httpwire.HopByHop(k) {
			continue
		}
		switch k {
		case "Expect", "Max-Forwards", "Content-Md5", "X-Http-Method-Override", "Server", "Www-Authenticate", // reference §10.1
			"Host", "Content-Length", "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
			"X-Amzn-Trace-Id":
			continue
		case "X-Forwarded-Port":
			if portErr == nil {
				continue
			}
		case "X-Amzn-Apigateway-Api-Id":
			if p.rest {
				continue
			}
		case "Authorization":
			if p.cfg.StripSigV4 && len(vs) > 0 && strings.HasPrefix(vs[0], "AWS4-HMAC-SHA256 ") {
				continue
			}
		case "User-Agent":
			// As net/http: one User-Agent, none when empty.
			if len(vs) > 0 && vs[0] != "" {
				writeField(bw, k, vs[0])
			}
			continue
		}
		if len(listed) > 0 && httpwire.HasToken(listed, k) {
			continue
		}
		if !httpwire.IsToken(k) {
			continue
		}
		for _, v := range vs {
			writeField(bw, k, v)
		}
	}

	// X-Forwarded-*: the chain the client sent plus the TCP peer, the
	// Host the client asked for, the scheme and port it used.
	if peer, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		_, _ = bw.WriteString("X-Forwarded-For: ")
		for _, v := range h["X-Forwarded-For"] {
			_, _ = bw.WriteString(httpwire.Sanitize(v))
			_, _ = bw.WriteString(", ")
		}
		_, _ = bw.WriteString(peer)
		_, _ = bw.WriteString("\r\n")
	}
	writeField(bw, "X-Forwarded-Host", r.Host)
	if r.TLS != nil {
		_, _ = bw.WriteString("X-Forwarded-Proto: https\r\n")
	} else {
		_, _ = bw.WriteString("X-Forwarded-Proto: http\r\n")
	}
	if portErr == nil {
		writeField(bw, "X-Forwarded-Port", hostPort)
	}
	var tid [64]byte
	_, _ = bw.WriteString("X-Amzn-Trace-Id: ")
	_, _ = bw.Write(appendTraceID(tid[:0], c.started))
	_, _ = bw.WriteString("\r\n")
	if p.rest {
		writeField(bw, "X-Amzn-Apigateway-Api-Id", x.API.ID)
	}
	if _, err := bw.WriteString("\r\n"); err != nil {
		return err
	}

	if !withBody {
		return nil
	}
	cb := &clientBody{r: r.Body}
	if chunked {
		cw := httputil.NewChunkedWriter(bw)
		if _, err := io.Copy(cw, cb); err != nil {
			return cb.blame(err)
		}
		if err := cw.Close(); err != nil {
			return cb.blame(err)
		}
		_, err := bw.WriteString("\r\n")
		return cb.blame(err)
	}
	n, err := bw.ReadFrom(io.LimitReader(cb, r.ContentLength))
	if err != nil {
		return cb.blame(err)
	}
	if n != r.ContentLength {
		return fmt.Errorf("request body: %d of %d bytes: %w", n, r.ContentLength, io.ErrUnexpectedEOF)
	}
	return nil
}

// hasBody reports whether r has a body to send.
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// errBackendWrite marks a request that could not be written to the backend
// connection (as opposed to a client body that failed).
var errBackendWrite = errors.New("writing the request to the backend")

// clientBody notes a failure reading the client's body.
type clientBody struct {
	r   io.Reader
	err error
}

// blame returns err as it is when reading the client's body failed, and
// wrapped in errBackendWrite when the backend connection did.
func (b *clientBody) blame(err error) error {
	if err == nil || b.err != nil {
		return err
	}
	return fmt.Errorf("%w: %w", errBackendWrite, err)
}

func (b *clientBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// writeTarget writes the request target of a fixed backend URL (c.target,
// whose path and the request's path are plain, see plainPath): the same
// bytes Proxy.target and url.URL would produce, built from strings the
// request already holds.
func (p *Proxy) writeTarget(bw *bufio.Writer, x *exchange.Exchange, c *call) {
	base := c.target.EscapedPath()
	if p.cfg.AppendPath {
		base = strings.TrimSuffix(base, "/")
		_, _ = bw.WriteString(base)
		_, _ = bw.WriteString(escapedPath(x))
	} else if base == "" {
		_ = bw.WriteByte('/')
	} else {
		_, _ = bw.WriteString(base)
	}
	q := x.R.URL.RawQuery
	if p.cfg.StripSigV4 {
		q = stripPresignParams(q)
	}
	switch {
	case c.target.RawQuery != "" && q != "":
		_ = bw.WriteByte('?')
		_, _ = bw.WriteString(c.target.RawQuery)
		_ = bw.WriteByte('&')
		_, _ = bw.WriteString(q)
	case c.target.RawQuery != "":
		_ = bw.WriteByte('?')
		_, _ = bw.WriteString(c.target.RawQuery)
	case q != "" || c.target.ForceQuery:
		_ = bw.WriteByte('?')
		_, _ = bw.WriteString(q)
	}
}

func writeField(bw *bufio.Writer, k, v string) {
	_, _ = bw.WriteString(k)
	_, _ = bw.WriteString(": ")
	_, _ = bw.WriteString(httpwire.Sanitize(v))
	_, _ = bw.WriteString("\r\n")
}

// respHead is a parsed response head; fields are substrings of one string.
type respHead struct {
	status    int
	minor     int
	fields    []field
	keepAlive bool
	conn      []string // Connection tokens
	te        string
	cl        string
	nCL       int
}

type field struct{ k, v string }

// readHead reads and parses one response head.
func (pc *pconn) readHead(rh *respHead, limit int64) error {
	pc.hbuf = pc.hbuf[:0]
	lineStart := 0
	first := true
	for {
		frag, err := pc.br.ReadSlice('\n')
		pc.hbuf = append(pc.hbuf, frag...)
		if int64(len(pc.hbuf)) > limit {
			return errBackendHead("header too large")
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		line := pc.hbuf[lineStart:]
		if !first && (len(line) == 1 || (len(line) == 2 && line[0] == '\r')) {
			break
		}
		first = false
		lineStart = len(pc.hbuf)
	}
	return parseRespHead(string(pc.hbuf[:lineStart]), rh)
}

// parseRespHead parses a status line and header fields (the blank line
// excluded).
func parseRespHead(s string, rh *respHead) error {
	fields := rh.fields[:0]
	*rh = respHead{}
	line, rest := httpwire.CutLine(s)
	proto, line, _ := strings.Cut(line, " ")
	code, _, _ := strings.Cut(line, " ")
	switch proto {
	case "HTTP/1.1":
		rh.minor = 1
		rh.keepAlive = true
	case "HTTP/1.0":
	default:
		return errBackendHead("status line " + strconv.Quote(truncate(proto)))
	}
	if len(code) != 3 || code[0] < '1' || code[0] > '9' || code[1] < '0' || code[1] > '9' || code[2] < '0' || code[2] > '9' {
		return errBackendHead("status code " + strconv.Quote(truncate(code)))
	}
	rh.status = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	for rest != "" {
		line, rest = httpwire.CutLine(rest)
		k, v, ok := strings.Cut(line, ":")
		if !ok || !httpwire.IsToken(k) {
			return errBackendHead("header line " + strconv.Quote(truncate(line)))
		}
		v = httpwire.TrimOWS(v)
		if !httpwire.ValidValue(v) {
			return errBackendHead("header line " + strconv.Quote(truncate(line)))
		}
		k = textproto.CanonicalMIMEHeaderKey(k)
		switch k {
		case "Connection":
			for tok := range strings.SplitSeq(v, ",") {
				tok = httpwire.TrimOWS(tok)
				switch {
				case strings.EqualFold(tok, "close"):
					rh.keepAlive = false
				case strings.EqualFold(tok, "keep-alive") && rh.minor == 0:
					rh.keepAlive = true
				}
				if tok != "" {
					rh.conn = append(rh.conn, textproto.CanonicalMIMEHeaderKey(tok))
				}
			}
		case "Transfer-Encoding":
			if v == "" {
				// Not "no Transfer-Encoding": net/http refuses it too.
				return errBackendHead("empty Transfer-Encoding")
			}
			if rh.te != "" {
				rh.te += ", "
			}
			rh.te += v
		case "Content-Length":
			if rh.nCL > 0 && v != rh.cl {
				return errBackendHead("conflicting Content-Length")
			}
			rh.cl = v
			rh.nCL++
		}
		fields = append(fields, field{k, v})
	}
	rh.fields = fields
	return nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}

type framing int

const (
	frameNone framing = iota
	frameLength
	frameChunked
	frameClose
)

// framing says how the response body is delimited (RFC 9112 §6.3).
func (rh *respHead) framing(method string) (framing, int64, error) {
	// Both fields are checked whatever the status, as net/http does: the
	// Content-Length reaches the client on HEAD, 204 and 304 answers too.
	n := int64(-1)
	if rh.nCL > 0 {
		if rh.cl == "" || rh.cl[0] < '0' || rh.cl[0] > '9' {
			return 0, 0, errBackendHead("invalid Content-Length")
		}
		v, err := strconv.ParseInt(rh.cl, 10, 64)
		if err != nil {
			return 0, 0, errBackendHead("invalid Content-Length")
		}
		n = v
	}
	if rh.te != "" && !strings.EqualFold(rh.te, "chunked") {
		return 0, 0, errBackendHead("unsupported Transfer-Encoding " + strconv.Quote(truncate(rh.te)))
	}
	switch {
	case method == http.MethodHead || rh.status < 200 || rh.status == http.StatusNoContent || rh.status == http.StatusNotModified:
		return frameNone, 0, nil
	case rh.te != "":
		return frameChunked, -1, nil
	case n >= 0:
		return frameLength, n, nil
	}
	rh.keepAlive = false
	return frameClose, -1, nil
}

// copyHeader adds the response fields to the client's header map, minus
// hop-by-hop fields, remapping for REST APIs as API Gateway does.
func (p *Proxy) copyHeader(dst http.Header, rh *respHead, fr framing) {
	vals := make([]string, 0, len(rh.fields))
	seenCL := false
	for _, f := range rh.fields {
		k := f.k
		if httpwire.HopByHop(k) {
			continue
		}
		switch k {
		case "Content-Length":
			// One field, as net/http keeps of identical repeated ones
			// (parseRespHead refuses different ones).
			if fr == frameChunked || seenCL {
				continue
			}
			seenCL = true
		}
		if slices.Contains(rh.conn, k) {
			continue
		}
		if p.rest {
			switch k {
			case "Date", "Server", "X-Amzn-Requestid":
				k = "X-Amzn-Remapped-" + k
			}
		} else if k == "Apigw-Requestid" {
			continue
		}
		if old, ok := dst[k]; ok {
			dst[k] = append(old, f.v)
			continue
		}
		vals = append(vals, f.v)
		dst[k] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
}

// copyN copies exactly n body bytes from br to w, writing straight out of
// the read buffer.
func copyN(w http.ResponseWriter, br *bufio.Reader, n int64) error {
	for n > 0 {
		if br.Buffered() == 0 {
			if _, err := br.Peek(1); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
		}
		chunk, _ := br.Peek(int(min(int64(br.Buffered()), n)))
		if _, err := w.Write(chunk); err != nil {
			return err
		}
		_, _ = br.Discard(len(chunk))
		n -= int64(len(chunk))
	}
	return nil
}

// copyStream copies a body of unknown length, flushing after every write so
// a streaming backend (server-sent events, long polls) streams through.
func copyStream(w http.ResponseWriter, r io.Reader) error {
	bp := bufs.Get().(*[]byte)
	defer bufs.Put(bp)
	buf := *bp
	f, _ := w.(http.Flusher)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
			if f != nil {
				f.Flush()
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
