package jwtauth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync/atomic"

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

// compact is a split, decoded JWS compact serialization. Its byte slices
// live in the scratch it was parsed into.
type compact struct {
	header    header
	payload   []byte
	signature []byte
	// signed is the signing input (header "." payload) as bytes, for the
	// hash; signingInput is the same as a string.
	signed       []byte
	signingInput string
	// sum holds the digest (nil: allocated when needed).
	sum *[sha512.Size]byte
}

// scratch is the working memory of one verification, reused through the
// verifier's pool so that a verification allocates only what it returns.
type scratch struct {
	tok     []byte // the token's bytes
	buf     []byte // decoded payload and signature (and header)
	members []member
	sum     [sha512.Size]byte // the signing input's digest
}

// A scratch goes back to the pool only when its buffers are at most this
// large (bytes, members), so that one huge token does not stay in memory.
const (
	maxPooledScratch = 64 << 10
	maxPooledMembers = 256
)

// reset wipes the token's bytes (a credential) and drops references into
// the payload before the scratch goes back to the pool.
func (s *scratch) reset() {
	clear(s.tok)
	clear(s.members)
	s.members = s.members[:0]
}

// headerMemo is the last header segment parsed, and its result: the tokens
// of one issuer and key share the header segment byte for byte, and parsing
// is a function of those bytes alone.
type headerMemo struct {
	seg string
	h   header
}

// maxMemoHeader bounds the header segments remembered.
const maxMemoHeader = 512

// Parse errors are all unauthorized; the distinctions are for logs and tests.
var (
	errMalformed = errors.New("malformed token")
	errAlg       = errors.New("algorithm not allowed")
	errSignature = errors.New("signature invalid")
	errKey       = errors.New("key unusable for algorithm")
)

// parseCompact parses tok into fresh memory (tests and tools).
func parseCompact(tok string) (*compact, error) {
	c, err := parseToken(tok, &scratch{}, nil)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// parseToken splits and decodes a JWS compact token strictly: exactly
// three base64url segments without padding, header and signature not
// empty, a header that is a JSON object without duplicate members and with
// a string alg, and no "crit" (no extension is understood; refused by
// verifySignature). memo, when not nil, remembers the last header parsed.
func parseToken(tok string, s *scratch, memo *atomic.Pointer[headerMemo]) (compact, error) {
	i := strings.IndexByte(tok, '.')
	if i <= 0 {
		return compact{}, fmt.Errorf("%w: want three segments", errMalformed)
	}
	j := strings.IndexByte(tok[i+1:], '.')
	if j < 0 {
		return compact{}, fmt.Errorf("%w: want three segments", errMalformed)
	}
	j += i + 1
	if strings.IndexByte(tok[j+1:], '.') >= 0 {
		return compact{}, fmt.Errorf("%w: want three segments", errMalformed)
	}
	if j+1 == len(tok) {
		return compact{}, fmt.Errorf("%w: empty header or signature", errMalformed)
	}
	s.tok = append(s.tok[:0], tok...)
	tb := s.tok
	c := compact{signed: tb[:j], signingInput: tok[:j], sum: &s.sum}
	var m *headerMemo
	if memo != nil {
		if m = memo.Load(); m != nil && m.seg != tok[:i] {
			m = nil
		}
	}
	// The header is decoded first and copied out; payload and signature
	// then share the buffer. Decoded sizes are at most 3/4 of encoded ones.
	need := rawURL.DecodedLen(len(tok) - i - 1)
	if m == nil {
		need = max(need, rawURL.DecodedLen(i))
	}
	if cap(s.buf) < need {
		s.buf = make([]byte, need)
	}
	buf := s.buf[:cap(s.buf)]
	if m != nil {
		c.header = m.h
	} else {
		n, err := decodeSegment(buf, tb[:i])
		if err != nil {
			return compact{}, fmt.Errorf("%w: header: %w", errMalformed, err)
		}
		if c.header, err = parseHeader(string(buf[:n]), s.members[:0]); err != nil {
			return compact{}, err
		}
		if memo != nil && i <= maxMemoHeader {
			memo.Store(&headerMemo{seg: strings.Clone(tok[:i]), h: c.header})
		}
	}
	n, err := decodeSegment(buf, tb[i+1:j])
	if err != nil {
		return compact{}, fmt.Errorf("%w: payload: %w", errMalformed, err)
	}
	c.payload, buf = buf[:n:n], buf[n:]
	if n, err = decodeSegment(buf, tb[j+1:]); err != nil {
		return compact{}, fmt.Errorf("%w: signature: %w", errMalformed, err)
	}
	c.signature = buf[:n:n]
	return c, nil
}

var rawURL = base64.RawURLEncoding.Strict()

// decodeSegment decodes strict unpadded base64url into dst (large enough):
// only the 64 URL-safe characters (no padding, white space or line
// breaks), unused trailing bits zero. Same rules as jwks.DecodeSegment:
// the strict, unpadded URL decoder refuses every other byte itself except
// CR and LF, which it would skip, so those are refused here first.
func decodeSegment(dst, src []byte) (int, error) {
	if bytes.IndexByte(src, '\n') >= 0 || bytes.IndexByte(src, '\r') >= 0 {
		return 0, errors.New("line break in base64url")
	}
	return rawURL.Decode(dst, src)
}

// parseHeader reads a JOSE header; members is scratch space.
func parseHeader(hs string, members []member) (header, error) {
	ms, err := scanObject(hs, members)
	defer clear(ms)
	if err != nil {
		return header{}, fmt.Errorf("%w: header: %w", errMalformed, err)
	}
	var h header
	alg, kid, crit := -1, -1, false
	for i := range ms {
		switch ms[i].name {
		case "alg":
			alg = i
		case "kid":
			kid = i
		case "crit":
			crit = true
		}
	}
	if alg < 0 || ms[alg].kind != kindString {
		return header{}, fmt.Errorf("%w: header alg missing or not a string", errMalformed)
	}
	h.Alg = ms[alg].str
	if kid >= 0 {
		if ms[kid].kind != kindString {
			return header{}, fmt.Errorf("%w: header kid not a string", errMalformed)
		}
		h.Kid = ms[kid].str
	}
	h.Crit = crit
	return h, nil
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
	// Only the algorithm's hash is computed, into the scratch.
	var h crypto.Hash
	sum := c.sum
	if sum == nil {
		sum = new([sha512.Size]byte)
	}
	digest := func() []byte {
		switch alg[2:] {
		case "256":
			h = crypto.SHA256
			d := sha256.Sum256(c.signed)
			return sum[:copy(sum[:], d[:])]
		case "384":
			h = crypto.SHA384
			d := sha512.Sum384(c.signed)
			return sum[:copy(sum[:], d[:])]
		}
		h = crypto.SHA512
		d := sha512.Sum512(c.signed)
		return sum[:copy(sum[:], d[:])]
	}
	switch alg {
	case RS256, RS384, RS512:
		pub, ok := key.Public.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: %s needs an RSA key", errKey, alg)
		}
		d := digest()
		if r := key.RSA(); r != nil {
			if r.VerifyPKCS1v15(h, d, c.signature) != nil {
				return errSignature
			}
		} else if rsa.VerifyPKCS1v15(pub, h, d, c.signature) != nil {
			return errSignature
		}
	case PS256, PS384, PS512:
		pub, ok := key.Public.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%w: %s needs an RSA key", errKey, alg)
		}
		if d := digest(); rsa.VerifyPSS(pub, h, d, c.signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) != nil {
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
		if !ed25519.Verify(pub, c.signed, c.signature) {
			return errSignature
		}
	default:
		return fmt.Errorf("%w: %q", errAlg, alg)
	}
	return nil
}
