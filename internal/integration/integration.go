// Package integration defines what every integration implements. Each kind
// (HTTP proxy, mock, Lambda proxy) lives in its own subpackage.
package integration

import "github.com/gatehouse/gatehouse/internal/exchange"

// Integration serves the request once it is authorized. It writes the
// response to x.W itself (so bodies can stream), or returns a *gwresp.Error
// before writing anything, which the pipeline renders. Errors returned after
// the response has started are logged only.
type Integration interface {
	Serve(x *exchange.Exchange) error
}
