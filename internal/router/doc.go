// Package router owns request routing for one API: path canonicalisation,
// compiling route keys ("GET /items/{id}", "ANY /{proxy+}", "$default") and
// stage names into an immutable Table, and matching a request to a stage,
// a route and its path parameters with Amazon API Gateway's precedence rules
// for REST and HTTP APIs.
//
// The request path is first passed to Canonicalize, which either rejects it
// (the caller answers 400) or returns a Path whose decoded form is what routes
// are matched on and whose escaped form is what is forwarded to backends, so
// the route matched and the path forwarded never disagree. docs/routing.md
// lists every rule.
//
// Concurrency: a Table is immutable after Compile and safe for concurrent use
// by any number of goroutines; swap whole tables (atomic.Pointer) on reload.
// A Result belongs to one goroutine; reuse it across requests to keep Match
// free of allocations. Path values are immutable. The package holds no
// package-level mutable state.
package router
