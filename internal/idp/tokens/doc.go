// Package tokens builds the claim sets of Cognito ID and access tokens,
// applies pre-token-generation overrides, signs them through a Signer, and
// mints opaque refresh tokens (only their SHA-256 hash is stored).
//
// Issuer is immutable after construction and safe for concurrent use; its
// clock and id source are injected so claim sets are reproducible in tests.
package tokens
