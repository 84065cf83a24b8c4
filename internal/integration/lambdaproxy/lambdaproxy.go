package lambdaproxy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/functions"
	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/integration"
)

// MaxRequestBody is API Gateway's request payload limit (10 MB).
const MaxRequestBody = 10 * 1024 * 1024

// Proxy failure bodies (reference §9.4). The REST body has a space after the
// colon, as captured from AWS; the HTTP API body is the fixed one.
const (
	restFailureBody = `{"message": "Internal server error"}`
	httpFailureBody = `{"message":"Internal Server Error"}`
)

// Invoker runs a function; *functions.Runner implements it.
type Invoker interface {
	InvokeWithOptions(ctx context.Context, name string, payload []byte, o functions.InvokeOptions) ([]byte, *functions.FunctionError, error)
}

var _ Invoker = (*functions.Runner)(nil)

// Config describes one Lambda proxy integration.
type Config struct {
	// Function is the name of the function to invoke.
	Function string
	// PayloadFormatVersion is "1.0" or "2.0". REST APIs always use 1.0; HTTP
	// APIs default to 2.0.
	PayloadFormatVersion string
	// Timeout is the integration timeout; default 29s (REST) / 30s (HTTP).
	Timeout time.Duration
}

// Integration is a Lambda proxy integration.
type Integration struct {
	cfg     Config
	kind    exchange.Kind
	v2      bool
	inv     Invoker
	log     *slog.Logger
	traceID func(time.Time) string
}

var _ integration.Integration = (*Integration)(nil)

// New builds a Lambda proxy integration for an API of the given kind.
func New(cfg Config, kind exchange.Kind, inv Invoker, log *slog.Logger) (*Integration, error) {
	if cfg.Function == "" {
		return nil, errors.New("lambda integration: function is required")
	}
	if inv == nil {
		return nil, errors.New("lambda integration: no function runner")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	in := &Integration{cfg: cfg, kind: kind, inv: inv, log: log, traceID: newTraceID}
	switch cfg.PayloadFormatVersion {
	case "":
		in.v2 = kind == exchange.HTTP
	case "1.0":
	case "2.0":
		if kind == exchange.REST {
			return nil, errors.New("lambda integration: REST APIs only support payload format 1.0")
		}
		in.v2 = true
	default:
		return nil, fmt.Errorf("lambda integration: unknown payload format version %q", cfg.PayloadFormatVersion)
	}
	if in.cfg.Timeout <= 0 {
		in.cfg.Timeout = 30 * time.Second
		if kind == exchange.REST {
			in.cfg.Timeout = 29 * time.Second
		}
	}
	return in, nil
}

// Serve builds the event, invokes the function and writes its response.
//
// Failures that are gateway responses (integration timeout, invoke rejected,
// request too large) are returned as *gwresp.Error and rendered by the
// pipeline. Function errors and malformed results are written here directly,
// because their bodies are fixed by AWS and are not gateway responses: REST
// 502 `{"message": "Internal server error"}` (with the space), HTTP 500
// `{"message":"Internal Server Error"}`.
func (in *Integration) Serve(x *exchange.Exchange) error {
	body, err := readBody(x.R)
	if err != nil {
		return err
	}
	trace := x.R.Header.Get("X-Amzn-Trace-Id")
	if trace == "" {
		trace = in.traceID(x.Start)
	}
	req := &Request{X: x, Body: body, TraceID: trace}
	var payload []byte
	if in.v2 {
		payload, err = BuildV2(req)
	} else {
		payload, err = BuildV1(req)
	}
	if err != nil {
		return gwresp.New(gwresp.Default5XX, fmt.Errorf("build lambda event: %w", err))
	}

	ctx, cancel := context.WithTimeout(x.R.Context(), in.cfg.Timeout)
	defer cancel()
	start := time.Now()
	result, fe, err := in.inv.InvokeWithOptions(ctx, in.cfg.Function, payload, functions.InvokeOptions{TraceID: trace})
	x.IntegrationLatency = time.Since(start)
	switch {
	case err != nil && x.R.Context().Err() != nil:
		return fmt.Errorf("client went away during lambda invoke: %w", err)
	case errors.Is(err, context.DeadlineExceeded):
		return gwresp.New(gwresp.IntegrationTimeout, fmt.Errorf("function %s: no response within %s", in.cfg.Function, in.cfg.Timeout))
	case errors.Is(err, functions.ErrRequestTooLarge):
		x.IntegrationStatus = http.StatusRequestEntityTooLarge
		return in.writeFailure(x, err)
	case err != nil:
		x.IntegrationStatus = http.StatusInternalServerError
		if errors.Is(err, functions.ErrThrottled) {
			x.IntegrationStatus = http.StatusTooManyRequests
		}
		return gwresp.New(gwresp.APIConfigurationError, fmt.Errorf("invoke function %s: %w", in.cfg.Function, err))
	}
	x.IntegrationStatus = http.StatusOK
	if fe != nil {
		return in.writeFailure(x, fmt.Errorf("function %s returned an error: %w", in.cfg.Function, fe))
	}
	var resp *Response
	if in.v2 {
		resp, err = MapV2(result)
	} else {
		resp, err = MapV1(result, in.kind == exchange.REST, x.API.BinaryMediaTypes, x.R.Header.Get("Accept"), in.kind == exchange.HTTP)
	}
	if err != nil {
		return in.writeFailure(x, fmt.Errorf("function %s: %w", in.cfg.Function, err))
	}
	in.write(x, resp)
	return nil
}

// remappedREST are response headers a REST API renames to
// X-Amzn-Remapped-<Name> rather than pass on (reference §10.1).
var remappedREST = map[string]bool{"Connection": true, "Content-Length": true, "Date": true, "Server": true, "X-Amzn-Requestid": true}

// droppedResponse are connection-level headers never passed on.
var droppedResponse = map[string]bool{"Connection": true, "Content-Length": true, "Transfer-Encoding": true, "Keep-Alive": true, "Upgrade": true, "Trailer": true}

func (in *Integration) write(x *exchange.Exchange, resp *Response) {
	h := x.W.Header()
	for k, vs := range resp.Header {
		ck := http.CanonicalHeaderKey(k)
		switch {
		case in.kind == exchange.REST && remappedREST[ck]:
			h["X-Amzn-Remapped-"+ck] = append(h["X-Amzn-Remapped-"+ck], vs...)
		case droppedResponse[ck], ck == "Apigw-Requestid" && in.kind == exchange.HTTP:
		default:
			h[ck] = append(h[ck][:0:0], vs...)
		}
	}
	noBody := resp.Status == http.StatusNoContent || resp.Status == http.StatusNotModified || resp.Status < 200
	if noBody {
		h.Del("Content-Length")
	} else {
		h.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	}
	x.W.WriteHeader(resp.Status)
	x.Status = resp.Status
	if x.R.Method != http.MethodHead && !noBody {
		n, _ := x.W.Write(resp.Body)
		x.ResponseLength = int64(n)
	}
}

// writeFailure answers a function error or an unusable result.
func (in *Integration) writeFailure(x *exchange.Exchange, cause error) error {
	in.log.Warn("lambda proxy failure", "request_id", x.RequestID, "function", in.cfg.Function, "cause", cause.Error())
	status, body, msg := http.StatusBadGateway, restFailureBody, "Internal server error"
	if in.kind == exchange.HTTP {
		status, body, msg = http.StatusInternalServerError, httpFailureBody, "Internal Server Error"
	}
	h := x.W.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	x.W.WriteHeader(status)
	x.Status = status
	x.ErrorMessage = msg
	n, _ := io.WriteString(x.W, body)
	x.ResponseLength = int64(n)
	return nil
}

// readBody reads the request body, bounded by MaxRequestBody.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBody+1))
	if err != nil {
		return nil, gwresp.New(gwresp.BadRequestBody, fmt.Errorf("read request body: %w", err))
	}
	if len(b) > MaxRequestBody {
		return nil, gwresp.New(gwresp.RequestTooLarge, errors.New("request body over 10485760 bytes"))
	}
	return b, nil
}

// newTraceID returns an X-Amzn-Trace-Id root for a request started at t.
func newTraceID(t time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("Root=1-%08x-%s", t.Unix(), hex.EncodeToString(b[:]))
}
