// Package pipeline owns the order in which a request is handled, fixed in
// code: pick the API by Host, enforce limits, canonicalise and route the
// path, answer CORS preflights, run the route's authorizer, call the
// integration, then write the access log and metrics. Stages return errors;
// only gwresp renders them. A Gateway is immutable once built; the app swaps
// whole Gateways atomically on reload.
package pipeline
