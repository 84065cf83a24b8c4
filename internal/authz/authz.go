// Package authz defines what every authorizer implements and combines an
// authorizer's outcome with the API's resource policy. Each kind of
// authorizer lives in its own subpackage.
package authz

import "github.com/gatehouse/gatehouse/internal/exchange"

// Authorizer authenticates and authorizes one request. It returns the caller's
// Principal, or a *gwresp.Error (UNAUTHORIZED, ACCESS_DENIED, ...) that the
// pipeline renders. It must not write to x.W.
type Authorizer interface {
	Authorize(x *exchange.Exchange) (*exchange.Principal, error)
}
