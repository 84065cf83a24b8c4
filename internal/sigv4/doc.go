// Package sigv4 verifies (and, for tests and tooling, produces) AWS Signature
// Version 4 signatures as Amazon API Gateway checks them on AWS_IAM routes.
//
// It owns: parsing the Authorization header form and the presigned query
// form, the canonical request (API Gateway's canonical URI is the path as the
// client sent it, stage included, URI-encoded once more), the string to sign,
// signing-key derivation with a bounded cache, constant-time signature
// comparison, clock-skew and presign-expiry checks, session-token checks, and
// AWS's exact refusal messages as typed *Error values.
//
// The package is pure: it does no I/O and reads no clock. The clock, the
// credential lookup and the payload hash are supplied by the caller. A
// Verifier is safe for concurrent use; its mutable state is the derived key
// cache (bounded LRU, guarded by a mutex), a sync.Pool of per-call scratch
// buffers (oversized ones are dropped, not pooled) and, per cached key, a
// sync.Pool of keyed HMAC states. Verify builds the canonical request and
// string to sign in those buffers (scratch.go); the string functions of
// canonical.go are the readable reference they are fuzzed against, and what
// Sign and Result.CanonicalRequest use.
package sigv4
