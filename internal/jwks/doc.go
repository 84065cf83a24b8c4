// Package jwks owns the verification keys of token issuers: parsing JSON Web
// Key Sets strictly, and keeping the key sets of remote OpenID Connect
// issuers (discovery of jwks_uri, a cache bounded by Cache-Control max-age,
// background refresh, and a rate-limited refetch when a token names an
// unknown key id).
//
// KeySource is the only thing authorizers see. Remote implements it over
// HTTP; Static and KeyFunc implement it in process (gatehouse's own user
// pools hand their keys over without HTTP).
//
// Concurrency: Key may be called from any number of goroutines. A Remote
// publishes each key set as an immutable value behind an atomic pointer, so
// lookups of known keys never block; at most one fetch per Remote is in
// flight at a time, and concurrent callers that need it wait for that one.
package jwks
