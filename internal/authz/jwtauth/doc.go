// Package jwtauth owns the token authorizers of gatehouse: the HTTP API
// JWT authorizer and the REST API Cognito user-pool authorizer
// (reference §2). It parses JWS compact tokens strictly, verifies the
// signature against an issuer's jwks.KeySource with an algorithm
// allow-list (never "none", never HMAC), checks the registered claims,
// scopes and token_use, renders claims the way API Gateway hands them to
// integrations, and keeps a bounded cache of verified tokens.
//
// Claims are read by a strict one-pass JSON scanner (json.go) instead of a
// generic decoder, so that a cold verification allocates little besides
// what it returns; reference_test.go keeps the encoding/json-based decoder
// it must agree with.
//
// Concurrency: authorizers and the Cache are immutable after construction
// apart from the Cache's internal, sharded locking, each verifier's pool of
// scratch memory (sync.Pool; a scratch belongs to one verification at a
// time) and its last-header memo (an atomic pointer to an immutable
// value); Authorize may be called from any number of goroutines.
package jwtauth
