// Package mock owns mock integrations: a static status, headers and body,
// answered without any backend. A Mock is immutable and safe for concurrent use.
package mock

import (
	"net/http"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/integration"
)

// Mock answers every request with the same response.
type Mock struct {
	status int
	header http.Header
	body   []byte
}

var _ integration.Integration = (*Mock)(nil)

// New returns a mock integration. status 0 means 200.
func New(status int, headers map[string]string, body string) *Mock {
	if status == 0 {
		status = http.StatusOK
	}
	h := make(http.Header, len(headers)+1)
	for k, v := range headers {
		h.Set(k, v)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &Mock{status: status, header: h, body: []byte(body)}
}

// Serve implements integration.Integration.
func (m *Mock) Serve(x *exchange.Exchange) error {
	dst := x.W.Header()
	for k, v := range m.header {
		dst[k] = v
	}
	x.IntegrationStatus = m.status
	x.W.WriteHeader(m.status)
	if x.R.Method != http.MethodHead {
		_, _ = x.W.Write(m.body)
	}
	return nil
}
