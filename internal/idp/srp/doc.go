// Package srp implements the server side of the SRP-6a variant used by
// Amazon Cognito user pools (USER_SRP_AUTH with the PASSWORD_VERIFIER
// challenge): the 3072-bit group with g=2, k = H(padHex(N)|padHex(g)), the
// minimal two's-complement "padHex" encoding of every integer before hashing,
// the "Caldera Derived Key" HKDF step and the PASSWORD_VERIFIER signature
// over poolName|username|secretBlock|timestamp.
//
// Everything here is a pure function: randomness is passed in as an
// io.Reader and no clock is read. The package has no mutable state; the
// group constants are read-only after package initialisation, so all
// functions are safe for concurrent use.
package srp
