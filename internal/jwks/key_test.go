package jwks

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readJWK(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rfc7520", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func edit(m map[string]any, f func(map[string]any)) []byte {
	c := map[string]any{}
	for k, v := range m {
		c[k] = v
	}
	f(c)
	b, _ := json.Marshal(c)
	return b
}

func TestParseJWK(t *testing.T) {
	rsaPub := readJWK(t, "3_3.rsa_public_key.json")
	rsaPriv := readJWK(t, "3_4.rsa_private_key.json")
	ecPub := readJWK(t, "3_1.ec_public_key.json")
	ecPriv := readJWK(t, "3_2.ec_private_key.json")
	sym := readJWK(t, "3_5.symmetric_key_mac_computation.json")
	keep := func(map[string]any) {}
	tests := []struct {
		name    string
		jwk     []byte
		wantErr string
		check   func(*testing.T, *Key)
	}{
		{name: "rfc7520 rsa public", jwk: edit(rsaPub, keep), check: func(t *testing.T, k *Key) {
			p, ok := k.Public.(*rsa.PublicKey)
			if !ok || p.N.BitLen() != 2048 || p.E != 65537 || k.ID != "bilbo.baggins@hobbiton.example" {
				t.Errorf("got %T bits=%v id=%q", k.Public, p, k.ID)
			}
		}},
		{name: "rfc7520 ec P-521 public", jwk: edit(ecPub, keep), check: func(t *testing.T, k *Key) {
			p, ok := k.Public.(*ecdsa.PublicKey)
			if !ok || p.Curve.Params().Name != "P-521" {
				t.Errorf("got %T", k.Public)
			}
		}},
		{name: "alg kept", jwk: edit(rsaPub, func(m map[string]any) { m["alg"] = "RS256" }), check: func(t *testing.T, k *Key) {
			if k.Alg != "RS256" {
				t.Errorf("Alg = %q", k.Alg)
			}
		}},
		{name: "ed25519", jwk: []byte(`{"kty":"OKP","crv":"Ed25519","kid":"e","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`), check: func(t *testing.T, k *Key) {
			if _, ok := k.Public.(ed25519.PublicKey); !ok {
				t.Errorf("got %T", k.Public)
			}
		}},
		{name: "rsa private refused", jwk: edit(rsaPriv, keep), wantErr: "private"},
		{name: "ec private refused", jwk: edit(ecPriv, keep), wantErr: "private"},
		{name: "symmetric refused", jwk: edit(sym, keep), wantErr: "private or symmetric"},
		{name: "use enc refused", jwk: edit(rsaPub, func(m map[string]any) { m["use"] = "enc" }), wantErr: "use"},
		{name: "key_ops without verify refused", jwk: edit(rsaPub, func(m map[string]any) { m["key_ops"] = []string{"encrypt"} }), wantErr: "key_ops"},
		{name: "key_ops verify ok", jwk: edit(rsaPub, func(m map[string]any) { m["key_ops"] = []string{"verify"} })},
		{name: "rsa exponent 1 refused", jwk: edit(rsaPub, func(m map[string]any) { m["e"] = "AQ" }), wantErr: "exponent"},
		{name: "rsa 1024 refused", jwk: edit(rsaPub, func(m map[string]any) { m["n"] = m["n"].(string)[:172] }), wantErr: "2048"},
		{name: "padded base64 refused", jwk: edit(rsaPub, func(m map[string]any) { m["e"] = "AQAB=" }), wantErr: "base64url"},
		{name: "std base64 refused", jwk: edit(rsaPub, func(m map[string]any) { m["n"] = strings.Replace(m["n"].(string), "_", "/", 1) }), wantErr: "base64url"},
		{name: "ec wrong curve name", jwk: edit(ecPub, func(m map[string]any) { m["crv"] = "P-522" }), wantErr: "curve"},
		{name: "ec short coordinate", jwk: edit(ecPub, func(m map[string]any) { m["x"] = m["x"].(string)[4:] }), wantErr: "want 66"},
		{name: "ec point off curve", jwk: edit(ecPub, func(m map[string]any) { y := []byte(m["y"].(string)); y[10] ^= 1; m["y"] = string(y) }), wantErr: "ec point"},
		{name: "unknown kty", jwk: []byte(`{"kty":"XYZ"}`), wantErr: "key type"},
		{name: "not json", jwk: []byte(`{`), wantErr: "decode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ParseJWK(tc.jwk)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseJWK error = %v, want containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseJWK: %v", err)
			}
			if tc.check != nil {
				tc.check(t, k)
			}
		})
	}
}

func TestParseSet(t *testing.T) {
	rsaPub := readJWK(t, "3_3.rsa_public_key.json")
	ecPub := readJWK(t, "3_1.ec_public_key.json")
	sym := readJWK(t, "3_5.symmetric_key_mac_computation.json")
	set := func(keys ...[]byte) []byte {
		return []byte(`{"keys":[` + string(joinBytes(keys)) + `]}`)
	}
	withKid := func(m map[string]any, kid string) []byte {
		return edit(m, func(m map[string]any) { m["kid"] = kid })
	}
	tests := []struct {
		name     string
		doc      []byte
		maxKeys  int
		wantIDs  []string
		wantSkip int
		wantErr  string
	}{
		{name: "two keys", doc: set(withKid(rsaPub, "a"), withKid(ecPub, "b")), wantIDs: []string{"a", "b"}},
		{name: "symmetric skipped", doc: set(withKid(rsaPub, "a"), edit(sym, func(map[string]any) {})), wantIDs: []string{"a"}, wantSkip: 1},
		{name: "no kid skipped", doc: set(edit(rsaPub, func(m map[string]any) { delete(m, "kid") })), wantSkip: 1},
		{name: "over key limit", doc: set(withKid(rsaPub, "a"), withKid(rsaPub, "b"), withKid(rsaPub, "c")), maxKeys: 2, wantErr: "limit"},
		{name: "no keys member", doc: []byte(`{"kty":"RSA"}`), wantErr: "no keys"},
		{name: "keys not array", doc: []byte(`{"keys":{}}`), wantErr: "decode"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSet(tc.doc, tc.maxKeys)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, k := range s.Keys {
				ids = append(ids, k.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tc.wantIDs, ",") || s.Skipped != tc.wantSkip {
				t.Errorf("ids=%v skipped=%d, want %v %d", ids, s.Skipped, tc.wantIDs, tc.wantSkip)
			}
		})
	}
}

func joinBytes(bs [][]byte) []byte {
	var out []byte
	for i, b := range bs {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, b...)
	}
	return out
}

func TestStaticDuplicateKidDropped(t *testing.T) {
	k1, err := ParseJWK(edit(readJWK(t, "3_3.rsa_public_key.json"), func(m map[string]any) { m["kid"] = "dup" }))
	if err != nil {
		t.Fatal(err)
	}
	k2, err := ParseJWK(edit(readJWK(t, "3_1.ec_public_key.json"), func(m map[string]any) { m["kid"] = "dup" }))
	if err != nil {
		t.Fatal(err)
	}
	k3, err := ParseJWK(edit(readJWK(t, "3_1.ec_public_key.json"), func(m map[string]any) { m["kid"] = "ok" }))
	if err != nil {
		t.Fatal(err)
	}
	s := NewStatic(k1, k2, k3, k1)
	if _, err := s.Key(t.Context(), "dup"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Key(dup) error = %v, want ErrUnknownKey (ambiguous kid)", err)
	}
	if got, err := s.Key(t.Context(), "ok"); err != nil || got != k3 {
		t.Errorf("Key(ok) = %v, %v", got, err)
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://idp.example.com/pool", true},
		{"http://127.0.0.1:8080/x", true},
		{"http://[::1]:8080/x", true},
		{"http://localhost/x", true},
		{"http://idp.example.com/x", false},
		{"ftp://idp.example.com/x", false},
		{"https://user@idp.example.com/x", false},
		{"/relative", false},
		{"https://idp.example.com/x#frag", false},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			if err := CheckURL(tc.url); (err == nil) != tc.ok {
				t.Errorf("CheckURL(%q) = %v, want ok=%v", tc.url, err, tc.ok)
			}
		})
	}
}

func FuzzParseSet(f *testing.F) {
	f.Add([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"e","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","kid":"k","x":"KSexBRK64-3c_kZ4KBKLrSkDJpkZ9whgacjE32xzKDg","y":"x3h5ZOqsAOWSH7FJimD0YGdms9loUAFVjRqXTnNBUT4"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSet(b, 10)
		if err != nil {
			return
		}
		if len(s.Keys)+s.Skipped > 10 {
			t.Fatalf("more than 10 members accepted")
		}
		for _, k := range s.Keys {
			if k.ID == "" || k.Public == nil {
				t.Fatalf("unusable key accepted: %+v", k)
			}
		}
	})
}

func TestNewKeyPreparesRSA(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewKey("r", "", &rk.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if k.RSA() == nil || k.RSA().Size() != rk.Size() {
		t.Fatal("RSA key not prepared for verification")
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := NewKey("e", "", &ek.PublicKey); err != nil || k.RSA() != nil {
		t.Fatalf("EC key: err %v, RSA() %v", err, k.RSA())
	}
	// An exponent crypto/rsa refuses is refused when the key is loaded.
	if _, err := NewKey("big-e", "", &rsa.PublicKey{N: rk.N, E: 1<<31 + 1}); err == nil {
		t.Fatal("exponent above 2^31 accepted")
	}
}
