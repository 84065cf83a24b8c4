package jwtauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/jwks"
)

const (
	testIssuer   = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test"
	testAudience = "client-123"
	testKid      = "rsa-1"
	ecKid        = "ec-1"
)

var testNow = time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)

// testKeys are generated once per test binary (RSA generation is slow).
type testKeys struct {
	rsa   *rsa.PrivateKey
	rsa2  *rsa.PrivateKey
	ec    *ecdsa.PrivateKey
	evil  *rsa.PrivateKey
	pub   *jwks.Key
	ecPub *jwks.Key
	ed    ed25519.PrivateKey
	edPub *jwks.Key
}

var keysOnce = sync.OnceValue(func() *testKeys {
	gen := func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	}
	k := &testKeys{rsa: gen(), rsa2: gen(), evil: gen()}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	k.ec = ec
	k.pub = mustKey(testKid, &k.rsa.PublicKey) // as key sets build them: RSA prepared
	k.ecPub = mustKey(ecKid, &ec.PublicKey)
	edPub, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	k.ed = ed
	k.edPub = mustKey("ed-1", edPub)
	return k
})

func mustKey(kid string, pub crypto.PublicKey) *jwks.Key {
	k, err := jwks.NewKey(kid, "", pub)
	if err != nil {
		panic(err)
	}
	return k
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// signRaw builds a compact token from raw header and payload JSON.
func signRaw(t testing.TB, header, payload string, sign func(input []byte) []byte) string {
	t.Helper()
	in := b64([]byte(header)) + "." + b64([]byte(payload))
	return in + "." + b64(sign([]byte(in)))
}

func rs256(k *rsa.PrivateKey) func([]byte) []byte {
	return func(in []byte) []byte {
		h := sha256.Sum256(in)
		s, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, h[:])
		if err != nil {
			panic(err)
		}
		return s
	}
}

func ps256(k *rsa.PrivateKey) func([]byte) []byte {
	return func(in []byte) []byte {
		h := sha256.Sum256(in)
		s, err := rsa.SignPSS(rand.Reader, k, crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			panic(err)
		}
		return s
	}
}

func es256(k *ecdsa.PrivateKey) func([]byte) []byte {
	return func(in []byte) []byte {
		h := sha256.Sum256(in)
		r, s, err := ecdsa.Sign(rand.Reader, k, h[:])
		if err != nil {
			panic(err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	}
}

func eddsa(k ed25519.PrivateKey) func([]byte) []byte {
	return func(in []byte) []byte { return ed25519.Sign(k, in) }
}

func hs256(secret []byte) func([]byte) []byte {
	return func(in []byte) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write(in)
		return m.Sum(nil)
	}
}

// claims returns a valid claim set that tests modify.
func claims() map[string]any {
	return map[string]any{
		"iss":       testIssuer,
		"aud":       testAudience,
		"sub":       "user-1",
		"exp":       testNow.Add(time.Hour).Unix(),
		"iat":       testNow.Add(-time.Minute).Unix(),
		"token_use": "id",
	}
}

func rsToken(t testing.TB, c map[string]any) string {
	t.Helper()
	return signRaw(t, `{"alg":"RS256","kid":"`+testKid+`"}`, mustJSON(c), rs256(keysOnce().rsa))
}

// countingSource counts key lookups.
type countingSource struct {
	inner jwks.KeySource
	n     atomic.Int64
}

func (c *countingSource) Key(ctx context.Context, kid string) (*jwks.Key, error) {
	c.n.Add(1)
	return c.inner.Key(ctx, kid)
}

func newSource() *countingSource {
	k := keysOnce()
	return &countingSource{inner: jwks.NewStatic(k.pub, k.ecPub, k.edPub)}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newExchange(header map[string]string, target string, scopes []string) *exchange.Exchange {
	if target == "" {
		target = "/items"
	}
	r := httptest.NewRequest("GET", target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return &exchange.Exchange{R: r, RequestID: "req-1", Route: &exchange.Route{Key: "GET /items", Scopes: scopes}}
}

var _ = big.NewInt
