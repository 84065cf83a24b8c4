// Package signer owns each user pool's RSA signing keys: creation, RS256
// signing with a `kid`, the JWKS document, and rotation.
//
// Each pool has two active key pairs, one signing ID tokens and one signing
// access tokens (as Cognito does). Rotation follows Dex's algorithm: the
// decision to rotate is taken inside the store's UpdateKeys transaction, so
// two processes sharing a store cannot both rotate; a retired key leaves the
// signing role at once but its public half stays in the JWKS until every
// token it signed has expired (RetiredAt + KeepRetired). Keys persist through
// store.KeyStore as PKCS#8 DER; the private half is never logged.
//
// A Signer is safe for concurrent use: it caches parsed key sets per pool
// behind a mutex that is never held across store I/O or key generation;
// loads of one pool take that pool's own lock, so a pool whose keys are
// being created or rotated does not stall signing for the others. It never
// reads the wall clock itself (Config.Now).
package signer
