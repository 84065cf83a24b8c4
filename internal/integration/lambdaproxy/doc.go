// Package lambdaproxy owns the `lambda` proxy integration: it builds the
// API Gateway proxy event (payload format 1.0 for REST APIs and HTTP APIs
// that ask for it, 2.0 for HTTP APIs by default) from an exchange, invokes
// the function through an Invoker (the functions.Runner), and maps the result
// back to an HTTP response following API Gateway's rules, including the
// failure responses for function errors, malformed results and timeouts.
//
// An Integration is immutable after New and safe for concurrent use; each
// Serve call touches only its own exchange.
package lambdaproxy
