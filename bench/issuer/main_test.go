package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/jwks"
)

var (
	keysOnce            sync.Once
	issuerKey, otherKey *rsa.PrivateKey
)

// testKeys returns the issuer's key and another key, made once per test binary.
func testKeys(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if issuerKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
		if otherKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	})
	return issuerKey, otherKey
}

var (
	testNow  = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	testSpec = claimSpec{iss: "http://127.0.0.1:9999", aud: "bench-api", scope: "bench/read", ttl: 2 * time.Hour}
)

// check is a reference verifier of the rules the benchmark relies on; it
// returns the first rule a token breaks, or "".
func check(t *testing.T, pub *rsa.PublicKey, tok string, c claimSpec, now time.Time) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "syntax"
	}
	var h struct{ Alg, Kid string }
	if err := decodeJSON(parts[0], &h); err != nil {
		return "syntax"
	}
	if h.Alg != "RS256" {
		return "alg"
	}
	if h.Kid != keyID {
		return "kid"
	}
	sig, err := jwks.DecodeSegment(parts[2])
	if err != nil {
		return "signature"
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
		return "signature"
	}
	var p struct {
		Iss, Aud, Scope string
		Exp, Nbf, Iat   *int64
	}
	if err := decodeJSON(parts[1], &p); err != nil {
		return "syntax"
	}
	switch {
	case p.Iss != c.iss:
		return "iss"
	case p.Aud != c.aud:
		return "aud"
	case p.Exp == nil || *p.Exp <= now.Unix():
		return "exp"
	case p.Nbf != nil && *p.Nbf > now.Unix():
		return "nbf"
	case p.Iat != nil && *p.Iat > now.Unix():
		return "iat"
	}
	for _, s := range strings.Fields(p.Scope) {
		if s == c.scope {
			return ""
		}
	}
	return "scope"
}

func decodeJSON(seg string, v any) error {
	b, err := jwks.DecodeSegment(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func TestMint(t *testing.T) {
	k, _ := testKeys(t)
	toks, err := mint(k, testSpec, testNow, 7, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 7 {
		t.Fatalf("got %d tokens, want 7", len(toks))
	}
	seen := map[string]bool{}
	for i, tok := range toks {
		if seen[tok] {
			t.Errorf("token %d repeats an earlier one", i)
		}
		seen[tok] = true
		if why := check(t, &k.PublicKey, tok, testSpec, testNow); why != "" {
			t.Errorf("token %d refused: %s", i, why)
		}
		if why := check(t, &k.PublicKey, tok, testSpec, testNow.Add(testSpec.ttl)); why != "exp" {
			t.Errorf("token %d at exp: got %q, want exp", i, why)
		}
	}
}

func TestBadTokens(t *testing.T) {
	k, other := testKeys(t)
	toks, err := badTokens(k, other, testSpec, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"other-key": "signature", "expired": "exp", "no-exp": "exp", "not-yet-valid": "nbf",
		"wrong-iss": "iss", "wrong-aud": "aud", "wrong-scope": "scope",
		"altered-payload": "signature", "alg-none": "alg",
	}
	if len(toks) != len(want) {
		t.Errorf("got %d bad tokens, want %d", len(toks), len(want))
	}
	for _, bt := range toks {
		t.Run(bt.name, func(t *testing.T) {
			w, ok := want[bt.name]
			if !ok {
				t.Fatalf("unexpected bad token %q", bt.name)
			}
			if got := check(t, &k.PublicKey, bt.token, testSpec, testNow); got != w {
				t.Errorf("refused for %q, want %q", got, w)
			}
		})
	}
}

func TestDiscoveryHandler(t *testing.T) {
	k, _ := testKeys(t)
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer srv.Close()
	h = discoveryHandler(&k.PublicKey, srv.URL)

	// gatehouse's own key-set client finds the key through discovery.
	remote, err := jwks.NewRemote(jwks.RemoteOptions{Issuer: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	key, err := remote.Key(ctx, keyID)
	if err != nil {
		t.Fatalf("Key(%q): %v", keyID, err)
	}
	pub, ok := key.Public.(*rsa.PublicKey)
	if !ok || !pub.Equal(&k.PublicKey) {
		t.Errorf("served key %T differs from the issuer's", key.Public)
	}
	if key.Alg != "RS256" {
		t.Errorf("key alg = %q, want RS256", key.Alg)
	}
	if _, err := remote.Key(ctx, "other"); !errors.Is(err, jwks.ErrUnknownKey) {
		t.Errorf("Key(other) error = %v, want ErrUnknownKey", err)
	}
}
