package jwtauth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/gatehouse/gatehouse/internal/jwks"
)

// Algorithms. Every other "alg" (none, HS*, unknown names) is refused.
const (
	RS256 = "RS256"
	RS384 = "RS384"
	RS512 = "RS512"
	PS256 = "PS256"
	PS384 = "PS384"
	PS512 = "PS512"
	ES256 = "ES256"
	ES384 = "ES384"
	ES512 = "ES512"
	EdDSA = "EdDSA"
)

// DefaultAlgorithms are API Gateway's (RSA PKCS#1 v1.5 only).
var defaultAlgorithms = []string{RS256, RS384, RS512}

// DefaultAlgorithms returns API Gateway's algorithm set.
func DefaultAlgorithms() []string { return append([]string(nil), defaultAlgorithms...) }

// SupportedAlgorithm reports whether alg can be put on an allow-list.
func SupportedAlgorithm(alg string) bool {
	switch alg {
	case RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA:
		return true
	}
	return false
}

// algSet is a small allow-list.
type algSet uint16

func newAlgSet(extra []string) (algSet, error) {
	var s algSet
	for _, a := range append(DefaultAlgorithms(), extra...) {
		b := algBit(a)
		if b == 0 {
			return 0, fmt.Errorf("algorithm %q is not allowed", a)
		}
		s |= b
	}
	return s, nil
}

func algBit(alg string) algSet {
	for i, a := range [...]string{RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA} {
		if a == alg {
			return 1 << i
		}
	}
	return 0
}

func (s algSet) has(alg string) bool { b := algBit(alg); return b != 0 && s&b != 0 }

// header is the JOSE header members gatehouse reads. jku, x5u, jwk and x5c
// are never used to find keys.
type header struct {
	Alg  string
	Kid  string
	Crit bool
}

// compact is a split, decoded JWS compact serialization.
type compact struct {
	header       header
	payload      []byte
	signature    []byte
	signingInput string
}

// Parse errors are all unauthorized; the distinctions are for logs and tests.
var (
	errMalformed = errors.New("malformed token")
	errAlg       = errors.New("algorithm not allowed")
	errSignature = errors.New("signature invalid")
	errKey       = errors.New("key unusable for algorithm")
)

// parseCompact splits and decodes a JWS compact token strictly: exactly
// three non-empty base64url segments without padding, a header that is a
// JSON object without duplicate members and with a string alg, and no
// "crit" (no extension is understood).
func parseCompact(tok string) (*compact, error) {
	i := strings.IndexByte(tok, '.')
	if i <= 0 {
		return nil, fmt.Errorf("%w: want three segments", errMalformed)
	}
	j := strings.IndexByte(tok[i+1:], '.')
	if j < 0 {
		return nil, fmt.Errorf("%w: want three segments", errMalformed)
	}
	j += i + 1
	if strings.IndexByte(tok[j+1:], '.') >= 0 {
		return nil, fmt.Errorf("%w: want three segments", errMalformed)
	}
	h, p, s := tok[:i], tok[i+1:j], tok[j+1:]
	if h == "" || s == "" {
		return nil, fmt.Errorf("%w: empty header or signature", errMalformed)
	}
	hb, err := jwks.DecodeSegment(h)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", errMalformed, err)
	}
	c := &compact{signingInput: tok[:j]}
	if c.header, err = parseHeader(hb); err != nil {
		return nil, err
	}
	if c.payload, err = jwks.DecodeSegment(p); err != nil {
		return nil, fmt.Errorf("%w: payload: %w", errMalformed, err)
	}
	if c.signature, err = jwks.DecodeSegment(s); err != nil {
		return nil, fmt.Errorf("%w: signature: %w", errMalformed, err)
	}
	return c, nil
}

func parseHeader(b []byte) (header, error) {
	m, err := decodeObject(b)
	if err != nil {
		return header{}, fmt.Errorf("%w: header: %w", errMalformed, err)
	}
	var h header
	alg, ok := m["alg"].(string)
	if !ok {
		return header{}, fmt.Errorf("%w: header alg missing or not a string", errMalformed)
	}
	h.Alg = alg
	if v, present := m["kid"]; present {
		kid, ok := v.(string)
		if !ok {
			return header{}, fmt.Errorf("%w: header kid not a string", errMalformed)
		}
		h.Kid = kid
	}
	if _, present := m["crit"]; present {
		h.Crit = true
	}
	return h, nil
}

// decodeObject decodes one JSON object in a single pass, numbers as
// json.Number, refusing duplicate member names at any depth, nesting deeper
// than maxDepth and trailing data.
func decodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	m, err := decodeMembers(dec, 1)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after JSON object")
	}
	return m, nil
}

const maxDepth = 32

func decodeMembers(dec *json.Decoder, depth int) (map[string]any, error) {
	m := map[string]any{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := t.(string)
		if !ok {
			return nil, errors.New("object member name is not a string")
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("duplicate member %q", k)
		}
		v, err := decodeValue(dec, depth)
		if err != nil {
			return nil, err
		}
		m[k] = v
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, err
	}
	return m, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		if depth >= maxDepth {
			return nil, errors.New("JSON nested too deeply")
		}
		return decodeMembers(dec, depth+1)
	case json.Delim('['):
		if depth >= maxDepth {
			return nil, errors.New("JSON nested too deeply")
		}
		a := []any{}
		for dec.More() {
			v, err := decodeValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, err
		}
		return a, nil
	}
	return t, nil
}

// esCurve is the curve an ES* algorithm requires.
func esCurve(alg string) elliptic.Curve {
	switch alg {
	case ES384:
		return elliptic.P384()
	case ES512:
		return elliptic.P521()
	}
	return elliptic.P256()
}

// verifySignature checks c's signature with key under the allow-list.
func verifySignature(c *compact, key *jwks.Key, allowed algSet) error {
	alg := c.header.Alg
	if !allowed.has(alg) {
		return fmt.Errorf("%w: %q", errAlg, alg)
	}
	if c.header.Crit {
		return fmt.Errorf("%w: crit header not supported", errMalformed)
	}
	if key.Alg != "" && key.Alg != alg {
		return fmt.Errorf("%w: key is bound to %q, token uses %q", errKey, key.Alg, alg)
	}
	var h crypto.Hash
	switch alg[2:] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	}
	digest := func() []byte {
		hh := h.New()
		hh.Write([]byte(c.signingInput))
		return hh.Sum(nil)
	}
	switch alg {
	case RS256, RS384, RS512:
		pub, ok := key.Public.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: %s needs an RSA key", errKey, alg)
		}
		if rsa.VerifyPKCS1v15(pub, h, digest(), c.signature) != nil {
			return errSignature
		}
	case PS256, PS384, PS512:
		pub, ok := key.Public.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: %s needs an RSA key", errKey, alg)
		}
		if rsa.VerifyPSS(pub, h, digest(), c.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) != nil {
			return errSignature
		}
	case ES256, ES384, ES512:
		pub, ok := key.Public.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: %s needs an EC key", errKey, alg)
		}
		want := esCurve(alg)
		if pub.Curve != want {
			return fmt.Errorf("%w: %s needs curve %s", errKey, alg, want.Params().Name)
		}
		size := (want.Params().BitSize + 7) / 8
		if len(c.signature) != 2*size {
			return errSignature
		}
		r := new(big.Int).SetBytes(c.signature[:size])
		s := new(big.Int).SetBytes(c.signature[size:])
		if !ecdsa.Verify(pub, digest(), r, s) {
			return errSignature
		}
	case EdDSA:
		pub, ok := key.Public.(ed25519.PublicKey)
		if !ok {
			return fmt.Errorf("%w: EdDSA needs an Ed25519 key", errKey)
		}
		if !ed25519.Verify(pub, []byte(c.signingInput), c.signature) {
			return errSignature
		}
	default:
		return fmt.Errorf("%w: %q", errAlg, alg)
	}
	return nil
}
