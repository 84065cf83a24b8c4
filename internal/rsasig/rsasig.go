// Package rsasig verifies RSASSA-PKCS1-v1_5 signatures (RFC 8017 §8.2.2)
// with a public key whose Montgomery parameters are computed once, when the
// key is loaded, instead of on every verification.
//
// crypto/rsa rebuilds the modulus (including R² mod N, a 2048-step
// computation) for each call because rsa.PublicKey has nowhere to keep it;
// for RS256 that is about a third of a verification. A PublicKey here keeps
// the modulus from filippo.io/bigmod, the standard library's own modular
// arithmetic published as a module, and runs the same exponentiation.
//
// The check is the one crypto/rsa makes: the signature must be exactly the
// modulus' length and numerically below it, and s^e mod N must equal the
// expected encoding 00 01 FF…FF 00 ‖ DigestInfo ‖ hash byte for byte. No
// part of the encoding is parsed, so the ASN.1 and padding tricks behind
// Bleichenbacher-style forgeries have nothing to act on. Only public data is
// involved; nothing here needs constant time.
//
// A PublicKey is immutable and safe for concurrent use.
package rsasig

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"math"

	"filippo.io/bigmod"
)

// ErrVerification is returned for every signature that does not verify.
var ErrVerification = errors.New("rsasig: verification error")

// PublicKey is an RSA public key prepared for verification.
type PublicKey struct {
	n    *bigmod.Modulus
	e    uint
	size int // modulus length in bytes
}

// MinBits is the smallest modulus New accepts (crypto/rsa's default floor).
const MinBits = 1024

// New prepares pub. The modulus must be odd and at least MinBits long, and
// the exponent odd, at least 3 and below 2³¹ (the bounds crypto/rsa
// enforces).
func New(pub *rsa.PublicKey) (*PublicKey, error) {
	if pub == nil || pub.N == nil {
		return nil, errors.New("rsasig: missing modulus")
	}
	if pub.N.Sign() <= 0 || pub.N.Bit(0) == 0 {
		return nil, errors.New("rsasig: modulus must be odd and positive")
	}
	if pub.N.BitLen() < MinBits {
		return nil, fmt.Errorf("rsasig: modulus shorter than %d bits", MinBits)
	}
	if pub.E < 3 || pub.E%2 == 0 || pub.E > math.MaxInt32 {
		return nil, errors.New("rsasig: public exponent must be odd, at least 3 and below 2^31")
	}
	n, err := bigmod.NewModulus(pub.N.Bytes())
	if err != nil {
		return nil, fmt.Errorf("rsasig: %w", err)
	}
	return &PublicKey{n: n, e: uint(pub.E), size: n.Size()}, nil
}

// Size is the modulus length in bytes, which is every valid signature's
// length.
func (k *PublicKey) Size() int { return k.size }

// DER DigestInfo prefixes (RFC 8017 §9.2, note 1): SEQUENCE { SEQUENCE {
// OID, NULL }, OCTET STRING (len) }.
var (
	prefixSHA256 = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	prefixSHA384 = []byte{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30}
	prefixSHA512 = []byte{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40}
)

// digestInfo returns the DigestInfo prefix for hash, or nil when hash is
// not supported.
func digestInfo(hash crypto.Hash) []byte {
	switch hash {
	case crypto.SHA256:
		return prefixSHA256
	case crypto.SHA384:
		return prefixSHA384
	case crypto.SHA512:
		return prefixSHA512
	}
	return nil
}

// VerifyPKCS1v15 reports whether sig is a valid RSASSA-PKCS1-v1_5 signature
// by k of hashed, the digest of the message under hash (SHA-256, SHA-384 or
// SHA-512). It returns nil exactly when rsa.VerifyPKCS1v15 would.
func (k *PublicKey) VerifyPKCS1v15(hash crypto.Hash, hashed, sig []byte) error {
	prefix := digestInfo(hash)
	if prefix == nil {
		return fmt.Errorf("rsasig: unsupported hash %v", hash)
	}
	if len(hashed) != hash.Size() {
		return ErrVerification
	}
	tLen := len(prefix) + len(hashed)
	if k.size < tLen+11 || len(sig) != k.size {
		return ErrVerification
	}
	s, err := bigmod.NewNat().SetBytes(sig, k.n)
	if err != nil { // s ≥ N
		return ErrVerification
	}
	em := bigmod.NewNat().ExpShortVarTime(s, k.e, k.n).Bytes(k.n)
	// em must be 00 01 FF…FF 00 ‖ prefix ‖ hashed, with at least eight FFs
	// (guaranteed by the size check above).
	ps := k.size - tLen - 1 // index of the 00 separator
	if em[0] != 0x00 || em[1] != 0x01 || em[ps] != 0x00 {
		return ErrVerification
	}
	for _, b := range em[2:ps] {
		if b != 0xff {
			return ErrVerification
		}
	}
	if !bytes.Equal(em[ps+1:ps+1+len(prefix)], prefix) || !bytes.Equal(em[ps+1+len(prefix):], hashed) {
		return ErrVerification
	}
	return nil
}
