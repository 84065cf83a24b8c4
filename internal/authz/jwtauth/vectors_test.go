package jwtauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/jwks"
)

var allAlgorithms = []string{PS256, PS384, PS512, ES256, ES384, ES512, EdDSA}

func allAlgs(t testing.TB) algSet {
	s, err := newAlgSet(allAlgorithms)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readVectors(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// acceptJWS reports whether a compact token verifies with key under every
// supported algorithm (the token-level path the authorizers use).
func acceptJWS(t testing.TB, jws json.RawMessage, key func(kid string) *jwks.Key) bool {
	var tok string
	if json.Unmarshal(jws, &tok) != nil {
		return false // JSON serialization: only compact tokens are accepted
	}
	c, err := parseCompact(tok)
	if err != nil {
		return false
	}
	k := key(c.header.Kid)
	if k == nil {
		return false
	}
	return verifySignature(c, k, allAlgs(t)) == nil
}

type wycheTest struct {
	TcID    int             `json:"tcId"`
	Comment string          `json:"comment"`
	JWS     json.RawMessage `json:"jws"`
	Msg     string          `json:"msg"`
	Sig     string          `json:"sig"`
	Result  string          `json:"result"`
}

// TestWycheproofJWS runs json_web_signature_test.json. Every invalid token
// must be refused. Valid tokens must verify except where gatehouse's policy
// refuses them on purpose, listed here with the reason.
func TestWycheproofJWS(t *testing.T) {
	var file struct {
		TestGroups []struct {
			Public json.RawMessage `json:"public"`
			Tests  []wycheTest     `json:"tests"`
		} `json:"testGroups"`
	}
	readVectors(t, "wycheproof/json_web_signature_test.json", &file)
	policy := map[int]string{
		346: "JWK alg PS256 bound, token PS384 (data quirk noted in the README)",
		347: "JWK alg ES521 (non-standard) bound, token ES512",
		350: "JWK alg PS256 bound, token PS384",
		351: "JWK alg ES521 bound, token ES512",
	}
	var valid, invalid, hmacRefused int
	for _, g := range file.TestGroups {
		var key *jwks.Key
		if len(g.Public) > 0 {
			key, _ = jwks.ParseJWK(g.Public) // unusable keys (use enc, ...) refuse everything
		}
		for _, tc := range g.Tests {
			got := acceptJWS(t, tc.JWS, func(string) *jwks.Key { return key })
			switch {
			case tc.Result == "invalid":
				invalid++
				if got {
					t.Errorf("tcId %d (%s): invalid token accepted", tc.TcID, tc.Comment)
				}
			case len(g.Public) == 0:
				hmacRefused++ // HMAC groups: never accepted
				if got {
					t.Errorf("tcId %d: HMAC token accepted", tc.TcID)
				}
			case policy[tc.TcID] != "":
				if got {
					t.Errorf("tcId %d accepted; expected policy refusal: %s", tc.TcID, policy[tc.TcID])
				}
			default:
				valid++
				if !got {
					t.Errorf("tcId %d (%s): valid token refused", tc.TcID, tc.Comment)
				}
			}
		}
	}
	t.Logf("valid accepted %d, invalid refused %d, HMAC refused by policy %d, alg-binding refusals %d", valid, invalid, hmacRefused, len(policy))
	if valid+invalid+hmacRefused+len(policy) != 401 {
		t.Errorf("counted %d tests, want 401", valid+invalid+hmacRefused+len(policy))
	}
}

// TestWycheproofJWK runs json_web_key_test.json: key sets are parsed with
// jwks.ParseSet and the key is chosen by the token's kid.
func TestWycheproofJWK(t *testing.T) {
	var file struct {
		TestGroups []struct {
			Public json.RawMessage `json:"public"`
			Tests  []wycheTest     `json:"tests"`
		} `json:"testGroups"`
	}
	readVectors(t, "wycheproof/json_web_key_test.json", &file)
	n := 0
	for _, g := range file.TestGroups {
		src := jwks.NewStatic()
		if len(g.Public) > 0 {
			set, err := jwks.ParseSet(g.Public, 0)
			if err == nil {
				src = jwks.NewStatic(set.Keys...)
			}
		}
		for _, tc := range g.Tests {
			n++
			got := acceptJWS(t, tc.JWS, func(kid string) *jwks.Key {
				k, err := src.Key(t.Context(), kid)
				if err != nil {
					return nil
				}
				return k
			})
			want := tc.Result == "valid" && len(g.Public) > 0 // HMAC groups: never
			if got != want {
				t.Errorf("tcId %d (%s, %s): accepted = %v, want %v", tc.TcID, tc.Comment, tc.Result, got, want)
			}
		}
	}
	if n != 26 {
		t.Errorf("ran %d tests, want 26", n)
	}
}

// TestWycheproofPrimitives runs the RS256, PS256 and ES256 (P1363) primitive
// vectors through verifySignature.
func TestWycheproofPrimitives(t *testing.T) {
	files := []struct {
		file, alg, jwkField string
		total               int
	}{
		{"rsa_signature_2048_sha256_test.json", RS256, "keyJwk", 259},
		{"rsa_pss_2048_sha256_mgf1_32_test.json", PS256, "publicKeyJwk", 108},
		{"ecdsa_secp256r1_sha256_p1363_test.json", ES256, "publicKeyJwk", 262},
	}
	for _, f := range files {
		t.Run(f.alg, func(t *testing.T) {
			var file struct {
				TestGroups []map[string]json.RawMessage `json:"testGroups"`
			}
			readVectors(t, "wycheproof/"+f.file, &file)
			n := 0
			for _, g := range file.TestGroups {
				key, err := groupKey(g, f.jwkField)
				if err != nil {
					t.Logf("group key unusable (%v): all its tests must be invalid", err)
				}
				var tests []wycheTest
				if err := json.Unmarshal(g["tests"], &tests); err != nil {
					t.Fatal(err)
				}
				for _, tc := range tests {
					n++
					msg, err1 := hex.DecodeString(tc.Msg)
					sig, err2 := hex.DecodeString(tc.Sig)
					if err1 != nil || err2 != nil {
						t.Fatalf("tcId %d: bad hex", tc.TcID)
					}
					c := &compact{header: header{Alg: f.alg}, signed: msg, signingInput: string(msg), signature: sig}
					got := key != nil && verifySignature(c, key, allAlgs(t)) == nil
					switch tc.Result {
					case "valid":
						if !got {
							t.Errorf("tcId %d (%s): valid signature refused", tc.TcID, tc.Comment)
						}
					case "invalid":
						if got {
							t.Errorf("tcId %d (%s): invalid signature accepted", tc.TcID, tc.Comment)
						}
					}
				}
			}
			if n != f.total {
				t.Errorf("ran %d tests, want %d", n, f.total)
			}
		})
	}
}

// TestRFC7520Cookbook verifies the cookbook's compact signatures with the
// public half of each key, and refuses each one with a flipped character in
// any segment. The HMAC example is refused by policy.
func TestRFC7520Cookbook(t *testing.T) {
	tests := []struct {
		file   string
		accept bool
	}{
		{"4_1.rsa_v15_signature.json", true},
		{"4_2.rsa-pss_signature.json", true},
		{"4_3.ecdsa_signature.json", true},
		{"4_4.hmac-sha2_integrity_protection.json", false},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			var ex struct {
				Input struct {
					Key map[string]any `json:"key"`
				} `json:"input"`
				Output struct {
					Compact string `json:"compact"`
				} `json:"output"`
			}
			readVectors(t, "rfc7520/jws/"+tc.file, &ex)
			for _, priv := range []string{"d", "p", "q", "dp", "dq", "qi"} {
				delete(ex.Input.Key, priv)
			}
			var key *jwks.Key
			if kb, _ := json.Marshal(ex.Input.Key); ex.Input.Key["kty"] != "oct" {
				var err error
				if key, err = jwks.ParseJWK(kb); err != nil {
					t.Fatal(err)
				}
			}
			lookup := func(string) *jwks.Key { return key }
			raw, _ := json.Marshal(ex.Output.Compact)
			if got := acceptJWS(t, raw, lookup); got != tc.accept {
				t.Fatalf("accepted = %v, want %v", got, tc.accept)
			}
			// Flip one character in each segment.
			tok := []byte(ex.Output.Compact)
			for _, pos := range []int{5, len(tok)/2 + 1, len(tok) - 3} {
				if tok[pos] == '.' {
					pos++
				}
				m := append([]byte(nil), tok...)
				if m[pos] == 'A' {
					m[pos] = 'B'
				} else {
					m[pos] = 'A'
				}
				raw, _ := json.Marshal(string(m))
				if acceptJWS(t, raw, lookup) {
					t.Errorf("token modified at %d accepted", pos)
				}
			}
		})
	}
}

// groupKey reads a group's public key: the JWK, or for groups without one the
// uncompressed EC point.
func groupKey(g map[string]json.RawMessage, jwkField string) (*jwks.Key, error) {
	if raw, ok := g[jwkField]; ok {
		return jwks.ParseJWK(raw)
	}
	var pk struct {
		Uncompressed string `json:"uncompressed"`
	}
	if err := json.Unmarshal(g["publicKey"], &pk); err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(pk.Uncompressed)
	if err != nil {
		return nil, err
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), b)
	if err != nil {
		return nil, err
	}
	return jwks.NewKey("", "", pub)
}

// TestRSAPreparedAndPlainKeysAgree checks both RSA verification paths: a
// key from jwks.NewKey (prepared modulus, the one key sets produce) and a
// key built by hand (crypto/rsa), on good and altered RS256 tokens.
func TestRSAPreparedAndPlainKeysAgree(t *testing.T) {
	k := keysOnce()
	prepared := mustKey(testKid, &k.rsa.PublicKey)
	plain := &jwks.Key{ID: testKid, Public: &k.rsa.PublicKey}
	if prepared.RSA() == nil || plain.RSA() != nil {
		t.Fatal("expected a prepared key from NewKey and none on the literal")
	}
	good := signRaw(t, `{"alg":"RS256","kid":"rsa-1"}`, mustJSON(claims()), rs256(k.rsa))
	last := good[len(good)-2:]
	flip := "AA"
	if last == flip {
		flip = "BA"
	}
	cases := []struct {
		name string
		tok  string
		ok   bool
	}{
		{"valid", good, true},
		{"signature altered", good[:len(good)-2] + flip, false},
		{"signed by another key", signRaw(t, `{"alg":"RS256","kid":"rsa-1"}`, mustJSON(claims()), rs256(k.rsa2)), false},
		{"payload altered", signRaw(t, `{"alg":"RS256","kid":"rsa-1"}`, mustJSON(claims()), func(in []byte) []byte { return rs256(k.rsa)(append(in, 'x')) }), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, key := range []*jwks.Key{prepared, plain} {
				c, err := parseCompact(tc.tok)
				if err != nil {
					t.Fatal(err)
				}
				if got := verifySignature(c, key, allAlgs(t)) == nil; got != tc.ok {
					t.Fatalf("prepared=%v: verified=%v, want %v", key.RSA() != nil, got, tc.ok)
				}
			}
		})
	}
}
