package srp

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"
)

// nHex is the 3072-bit MODP prime of RFC 3526 group 15.
const nHex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
	"29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
	"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
	"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
	"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
	"83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
	"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
	"DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
	"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64" +
	"ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B" +
	"F12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
	"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31" +
	"43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

// TimestampLayout is the PASSWORD_VERIFIER TIMESTAMP format: English
// abbreviations, day of month without padding, 24-hour clock, literal UTC.
const TimestampLayout = "Mon Jan 2 15:04:05 UTC 2006"

// derivedKeyInfo is the HKDF info string Cognito uses.
const derivedKeyInfo = "Caldera Derived Key"

// MaxHexLen bounds SRP_A/SRP_B inputs: 3072 bits is 768 hex digits; allow
// leading zeros but nothing absurd.
const MaxHexLen = 1024

// Errors returned by the package. Callers map them to Cognito errors.
var (
	ErrBadA         = errors.New("srp: invalid SRP_A")
	ErrBadSalt      = errors.New("srp: invalid salt")
	ErrBadTimestamp = errors.New("srp: invalid timestamp")
	ErrBadPoolID    = errors.New("srp: invalid user pool id")
	ErrZeroU        = errors.New("srp: u is zero")
)

// group holds the read-only group parameters.
type group struct {
	n, g, k *big.Int
}

// grp is computed once and never mutated.
var grp = newGroup()

func newGroup() group {
	n, ok := new(big.Int).SetString(nHex, 16)
	if !ok {
		panic("srp: bad group prime") // constant input; cannot happen
	}
	g := big.NewInt(2)
	k := new(big.Int).SetBytes(hashBytes(PadHex(n), PadHex(g)))
	return group{n: n, g: g, k: k}
}

// N returns a copy of the group prime.
func N() *big.Int { return new(big.Int).Set(grp.n) }

// G returns a copy of the generator (2).
func G() *big.Int { return new(big.Int).Set(grp.g) }

// K returns a copy of the multiplier k = H(padHex(N) | padHex(g)).
func K() *big.Int { return new(big.Int).Set(grp.k) }

// PadHex encodes a non-negative integer as its minimal two's-complement
// big-endian bytes: the hex form without leading zeros, a leading 0 added if
// its length is odd, or 00 added if its first digit is 8..f.
func PadHex(i *big.Int) []byte {
	b := i.Bytes()
	if len(b) == 0 {
		return []byte{0}
	}
	if b[0]&0x80 != 0 {
		return append([]byte{0}, b...)
	}
	return b
}

func hashBytes(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// PoolName returns the part of a user pool id after the first underscore,
// which Cognito's SRP uses as the "pool name".
func PoolName(poolID string) (string, error) {
	_, name, ok := strings.Cut(poolID, "_")
	if !ok || name == "" || strings.Contains(name, "_") {
		return "", fmt.Errorf("%w: %q", ErrBadPoolID, poolID)
	}
	return name, nil
}

// parseHex parses unsigned hex (case-insensitive, no sign, no prefix).
func parseHex(s string) (*big.Int, bool) {
	if s == "" || len(s) > MaxHexLen {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return nil, false
		}
	}
	v, ok := new(big.Int).SetString(s, 16)
	return v, ok
}

// ParseSalt parses a hex salt as stored and sent in SALT.
func ParseSalt(saltHex string) (*big.Int, error) {
	v, ok := parseHex(saltHex)
	if !ok {
		return nil, ErrBadSalt
	}
	return v, nil
}

// ParseA parses the client's public value SRP_A (hex, any case, unpadded)
// and rejects malformed hex, over-long input and values with A ≡ 0 mod N.
func ParseA(srpA string) (*big.Int, error) {
	a, ok := parseHex(srpA)
	if !ok {
		return nil, ErrBadA
	}
	if new(big.Int).Mod(a, grp.n).Sign() == 0 {
		return nil, ErrBadA
	}
	return a, nil
}

// NewSalt returns 16 random bytes from r as lowercase hex.
func NewSalt(r io.Reader) (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// X computes x = H(padHex(salt) | H(poolName | username | ":" | password)).
// username is the internal username (USER_ID_FOR_SRP).
func X(poolName, username, password, saltHex string) (*big.Int, error) {
	salt, err := ParseSalt(saltHex)
	if err != nil {
		return nil, err
	}
	inner := hashBytes([]byte(poolName + username + ":" + password))
	return new(big.Int).SetBytes(hashBytes(PadHex(salt), inner)), nil
}

// Verifier computes v = g^x mod N for a password.
func Verifier(poolName, username, password, saltHex string) (*big.Int, error) {
	x, err := X(poolName, username, password, saltHex)
	if err != nil {
		return nil, err
	}
	return new(big.Int).Exp(grp.g, x, grp.n), nil
}

// ServerEphemeral draws b (32 random bytes from r) and returns b and
// B = (k*v + g^b) mod N, redrawing if B ≡ 0.
func ServerEphemeral(r io.Reader, v *big.Int) (b, bigB *big.Int, err error) {
	for range 8 {
		buf := make([]byte, 32)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, nil, fmt.Errorf("read ephemeral: %w", err)
		}
		b = new(big.Int).SetBytes(buf)
		bigB = PublicB(v, b)
		if bigB.Sign() != 0 {
			return b, bigB, nil
		}
	}
	return nil, nil, errors.New("srp: could not draw a valid ephemeral")
}

// PublicB returns B = (k*v + g^b) mod N.
func PublicB(v, b *big.Int) *big.Int {
	kv := new(big.Int).Mul(grp.k, v)
	gb := new(big.Int).Exp(grp.g, b, grp.n)
	return kv.Add(kv, gb).Mod(kv, grp.n)
}

// U computes the scrambler u = H(padHex(A) | padHex(B)).
func U(a, b *big.Int) *big.Int {
	return new(big.Int).SetBytes(hashBytes(PadHex(a), PadHex(b)))
}

// DeriveKey is Cognito's HKDF step: PRK = HMAC(padHex(u), padHex(S)),
// K = HMAC(PRK, "Caldera Derived Key" | 0x01)[:16].
func DeriveKey(s, u *big.Int) []byte {
	m := hmac.New(sha256.New, PadHex(u))
	m.Write(PadHex(s))
	prk := m.Sum(nil)
	m = hmac.New(sha256.New, prk)
	m.Write([]byte(derivedKeyInfo))
	m.Write([]byte{1})
	return m.Sum(nil)[:16]
}

// ServerKey computes the session key on the server:
// S = (A * v^u)^b mod N, K = DeriveKey(S, u). It fails if u is zero or A ≡ 0.
func ServerKey(a, bigB, b, v *big.Int) ([]byte, error) {
	if new(big.Int).Mod(a, grp.n).Sign() == 0 {
		return nil, ErrBadA
	}
	u := U(a, bigB)
	if u.Sign() == 0 {
		return nil, ErrZeroU
	}
	s := new(big.Int).Exp(v, u, grp.n)
	s.Mul(s, a).Mod(s, grp.n)
	s.Exp(s, b, grp.n)
	return DeriveKey(s, u), nil
}

// Signature computes the PASSWORD_CLAIM_SIGNATURE bytes:
// HMAC-SHA256(K, poolName | username | secretBlock | timestamp).
func Signature(key []byte, poolName, username string, secretBlock []byte, timestamp string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(poolName))
	m.Write([]byte(username))
	m.Write(secretBlock)
	m.Write([]byte(timestamp))
	return m.Sum(nil)
}

// VerifySignature decodes the base64 PASSWORD_CLAIM_SIGNATURE and compares
// it in constant time with the expected signature.
func VerifySignature(key []byte, poolName, username string, secretBlock []byte, timestamp, sigB64 string) bool {
	got, err := DecodeSignature(sigB64)
	if err != nil {
		return false
	}
	want := Signature(key, poolName, username, secretBlock, timestamp)
	return subtle.ConstantTimeCompare(got, want) == 1
}

// DecodeSignature decodes a standard base64 signature (padding optional)
// and requires 32 bytes.
func DecodeSignature(sigB64 string) ([]byte, error) {
	if len(sigB64) > 128 {
		return nil, errors.New("srp: signature too long")
	}
	b, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		b, err = base64.RawStdEncoding.DecodeString(sigB64)
		if err != nil {
			return nil, fmt.Errorf("srp: decode signature: %w", err)
		}
	}
	if len(b) != sha256.Size {
		return nil, errors.New("srp: signature has wrong length")
	}
	return b, nil
}

// FormatTimestamp formats t in UTC the way Cognito clients do.
func FormatTimestamp(t time.Time) string {
	return t.UTC().Format(TimestampLayout)
}

// ParseTimestamp parses a TIMESTAMP strictly: it must re-format to exactly
// the same string (so "Wed Apr 05 ..." with a zero-padded day is rejected).
func ParseTimestamp(s string) (time.Time, error) {
	if len(s) > 64 {
		return time.Time{}, ErrBadTimestamp
	}
	t, err := time.Parse(TimestampLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %w", ErrBadTimestamp, err)
	}
	if t.Format(TimestampLayout) != s {
		return time.Time{}, ErrBadTimestamp
	}
	return t, nil
}
