// Package signer owns each user pool's RSA signing keys: creation, RS256
// signing with a `kid`, the JWKS document, and rotation.
//
// Each pool has two active key pairs, one signing ID tokens and one signing
// access tokens (as Cognito does). Rotation follows Dex's algorithm: candidate
// keys are generated first, outside any store transaction (RSA generation is
// slow and would stall every store write); the decision is then taken inside
// the store's UpdateKeys transaction, which only decides and stores: when
// another process or goroutine already created or rotated the keys, their
// set is kept and the candidates are discarded, so two processes sharing a
// store cannot both rotate. A retired key leaves the signing role at once but
// its public half stays in the JWKS until every token it signed has expired
// (RetiredAt + KeepRetired). A pool the store has no keys for is checked with
// Config.PoolExists first, so an unknown pool never causes key generation.
// Keys persist through store.KeyStore as PKCS#8 DER; the private half is
// never logged.
//
// A Signer is safe for concurrent use: it caches parsed key sets per pool
// behind a mutex that is never held across store I/O or key generation;
// loads of one pool take that pool's own lock, so a pool whose keys are
// being created or rotated does not stall signing for the others. It never
// reads the wall clock itself (Config.Now).
package signer
