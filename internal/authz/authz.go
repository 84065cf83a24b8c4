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

// Guard applies an API's resource policy around the route's authorizer, as
// the reference's authorization-flow tables describe.
type Guard interface {
	// Before runs before the authorizer: an explicit deny that applies to
	// every caller refuses the request without invoking the authorizer.
	Before(x *exchange.Exchange) error
	// After combines the authorizer's outcome (p is nil on routes without
	// authorization) with the resource policy and returns the refusal, if any.
	After(x *exchange.Exchange, p *exchange.Principal) error
}
