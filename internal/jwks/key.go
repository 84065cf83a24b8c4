package jwks

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// ErrUnknownKey is returned (wrapped) when an issuer has no usable key with
// the requested key id.
var ErrUnknownKey = errors.New("unknown key id")

// MinRSABits is the smallest RSA modulus accepted in a key set.
const MinRSABits = 2048

// Key is one public verification key.
type Key struct {
	// ID is the key id (JWK "kid").
	ID string
	// Alg, when not empty, is the only JWS algorithm this key may verify
	// (JWK "alg").
	Alg string
	// Public is *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey.
	Public crypto.PublicKey
}

// KeySource yields the verification keys of one issuer.
type KeySource interface {
	// Key returns the key with id kid. A source may fetch keys it does not
	// know yet (rate-limited); when it still has none it returns an error
	// wrapping ErrUnknownKey. The returned *Key is immutable and stays the
	// same pointer for as long as the source keeps the key, so callers may
	// compare pointers to learn whether a key is still current.
	Key(ctx context.Context, kid string) (*Key, error)
}

// KeyFunc adapts a function to KeySource (e.g. an in-process user pool's
// current keys).
type KeyFunc func(ctx context.Context, kid string) (*Key, error)

// Key calls f.
func (f KeyFunc) Key(ctx context.Context, kid string) (*Key, error) { return f(ctx, kid) }

// Static is a fixed set of keys. It is safe for concurrent use.
type Static struct {
	byID map[string]*Key
}

// NewStatic returns a source serving keys. Keys with an empty or duplicate
// id are dropped (a duplicate id is ambiguous, so every key with it goes).
func NewStatic(keys ...*Key) *Static {
	return &Static{byID: index(keys)}
}

// Key implements KeySource.
func (s *Static) Key(_ context.Context, kid string) (*Key, error) {
	if k, ok := s.byID[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
}

// Len is the number of usable keys.
func (s *Static) Len() int { return len(s.byID) }

func index(keys []*Key) map[string]*Key {
	m := make(map[string]*Key, len(keys))
	dup := map[string]bool{}
	for _, k := range keys {
		if k == nil || k.ID == "" {
			continue
		}
		if _, ok := m[k.ID]; ok || dup[k.ID] {
			dup[k.ID] = true
			delete(m, k.ID)
			continue
		}
		m[k.ID] = k
	}
	return m
}

// NewKey checks pub and returns a Key. alg may be empty.
func NewKey(kid, alg string, pub crypto.PublicKey) (*Key, error) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if err := checkRSA(p); err != nil {
			return nil, err
		}
	case *ecdsa.PublicKey:
		switch p.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
		default:
			return nil, errors.New("unsupported elliptic curve")
		}
	case ed25519.PublicKey:
		if len(p) != ed25519.PublicKeySize {
			return nil, errors.New("bad ed25519 key size")
		}
	default:
		return nil, fmt.Errorf("unsupported public key type %T", pub)
	}
	return &Key{ID: kid, Alg: alg, Public: pub}, nil
}

func checkRSA(p *rsa.PublicKey) error {
	if p.N == nil || p.N.BitLen() < MinRSABits {
		return fmt.Errorf("rsa modulus shorter than %d bits", MinRSABits)
	}
	if p.E < 3 || p.E%2 == 0 {
		return errors.New("rsa public exponent must be odd and at least 3")
	}
	return nil
}

// rawJWK holds the members of a JWK that gatehouse reads.
type rawJWK struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	Crv    string   `json:"crv"`
	N      *string  `json:"n"`
	E      *string  `json:"e"`
	X      *string  `json:"x"`
	Y      *string  `json:"y"`
	// Private or symmetric material: a public key set must not carry it.
	D *string `json:"d"`
	P *string `json:"p"`
	Q *string `json:"q"`
	K *string `json:"k"`
}

// ParseJWK parses one public JSON Web Key usable for signature verification.
// Symmetric keys, keys carrying private material, keys whose "use" is not
// "sig" and keys whose "key_ops" lack "verify" are refused.
func ParseJWK(data []byte) (*Key, error) {
	var r rawJWK
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("decode jwk: %w", err)
	}
	if r.D != nil || r.P != nil || r.Q != nil || r.K != nil {
		return nil, errors.New("jwk carries private or symmetric key material")
	}
	if r.Use != "" && r.Use != "sig" {
		return nil, fmt.Errorf("jwk use %q is not sig", r.Use)
	}
	if r.KeyOps != nil && !slices.Contains(r.KeyOps, "verify") {
		return nil, errors.New("jwk key_ops lack verify")
	}
	var pub crypto.PublicKey
	switch r.Kty {
	case "RSA":
		if r.N == nil || r.E == nil {
			return nil, errors.New("rsa jwk lacks n or e")
		}
		n, err := b64uint(*r.N)
		if err != nil {
			return nil, fmt.Errorf("rsa n: %w", err)
		}
		e, err := b64uint(*r.E)
		if err != nil {
			return nil, fmt.Errorf("rsa e: %w", err)
		}
		if !e.IsInt64() || e.Int64() > 1<<31-1 {
			return nil, errors.New("rsa exponent too large")
		}
		pub = &rsa.PublicKey{N: n, E: int(e.Int64())}
	case "EC":
		if r.X == nil || r.Y == nil {
			return nil, errors.New("ec jwk lacks x or y")
		}
		var c elliptic.Curve
		switch r.Crv {
		case "P-256":
			c = elliptic.P256()
		case "P-384":
			c = elliptic.P384()
		case "P-521":
			c = elliptic.P521()
		default:
			return nil, fmt.Errorf("unsupported curve %q", r.Crv)
		}
		size := (c.Params().BitSize + 7) / 8
		x, err := b64fixed(*r.X, size)
		if err != nil {
			return nil, fmt.Errorf("ec x: %w", err)
		}
		y, err := b64fixed(*r.Y, size)
		if err != nil {
			return nil, fmt.Errorf("ec y: %w", err)
		}
		point := append(append([]byte{4}, x...), y...)
		p, err := ecdsa.ParseUncompressedPublicKey(c, point)
		if err != nil {
			return nil, fmt.Errorf("ec point: %w", err)
		}
		pub = p
	case "OKP":
		if r.Crv != "Ed25519" || r.X == nil {
			return nil, fmt.Errorf("unsupported okp curve %q", r.Crv)
		}
		x, err := b64fixed(*r.X, ed25519.PublicKeySize)
		if err != nil {
			return nil, fmt.Errorf("okp x: %w", err)
		}
		pub = ed25519.PublicKey(x)
	default:
		return nil, fmt.Errorf("unsupported key type %q", r.Kty)
	}
	return NewKey(r.Kid, r.Alg, pub)
}

// Set is the result of parsing a JSON Web Key Set.
type Set struct {
	// Keys are the usable keys, in document order.
	Keys []*Key
	// Skipped counts members that were not usable (wrong use, private
	// material, unsupported type, bad encoding, no kid).
	Skipped int
}

// ParseSet parses a JWKS document {"keys":[...]}. It fails when the document
// is not a key set or has more than maxKeys members (maxKeys <= 0: no limit);
// unusable members are skipped and counted.
func ParseSet(data []byte, maxKeys int) (Set, error) {
	var doc struct {
		Keys *[]json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return Set{}, fmt.Errorf("decode jwks: %w", err)
	}
	if doc.Keys == nil {
		return Set{}, errors.New("jwks has no keys member")
	}
	if maxKeys > 0 && len(*doc.Keys) > maxKeys {
		return Set{}, fmt.Errorf("jwks has %d keys, more than the limit %d", len(*doc.Keys), maxKeys)
	}
	var s Set
	for _, raw := range *doc.Keys {
		k, err := ParseJWK(raw)
		if err != nil || k.ID == "" {
			s.Skipped++
			continue
		}
		s.Keys = append(s.Keys, k)
	}
	return s, nil
}

var rawURL = base64.RawURLEncoding.Strict()

// DecodeSegment decodes strict unpadded base64url: only the 64 URL-safe
// characters are allowed (no padding, whitespace or line breaks) and unused
// trailing bits must be zero.
func DecodeSegment(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, fmt.Errorf("invalid base64url character at offset %d", i)
		}
	}
	return rawURL.DecodeString(s)
}

func b64uint(s string) (*big.Int, error) {
	b, err := DecodeSegment(s)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, errors.New("empty integer")
	}
	return new(big.Int).SetBytes(b), nil
}

func b64fixed(s string, size int) ([]byte, error) {
	b, err := DecodeSegment(s)
	if err != nil {
		return nil, err
	}
	if len(b) != size {
		return nil, fmt.Errorf("got %d bytes, want %d", len(b), size)
	}
	return b, nil
}
