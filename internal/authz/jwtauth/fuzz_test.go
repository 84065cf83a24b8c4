package jwtauth

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// seedTokens are well-formed and malformed tokens from the table tests.
func seedTokens(t testing.TB) (valid []string, all []string) {
	k := keysOnce()
	c := claims()
	good := rsToken(t, c)
	c2 := claims()
	c2["scope"] = "read write"
	c2["cognito:groups"] = []string{"a", "b"}
	good2 := rsToken(t, c2)
	valid = []string{good, good2}
	all = append(all, valid...)
	all = append(all,
		"Bearer "+good,
		b64([]byte(`{"alg":"none","kid":"rsa-1"}`))+"."+b64([]byte(mustJSON(claims())))+".",
		signRaw(t, `{"alg":"HS256","kid":"rsa-1"}`, mustJSON(claims()), hs256(k.rsa.N.Bytes())),
		signRaw(t, `{"alg":"RS256","kid":"rsa-1","alg":"RS256"}`, mustJSON(claims()), rs256(k.rsa)),
		signRaw(t, `{"alg":"RS256","kid":"rsa-1"}`, `{"a":{"b":[1,2,{"c":null}]},"a":1}`, rs256(k.rsa)),
		good+"==", "a.b.c", "..", "", "eyJ.eyJ.x",
	)
	return valid, all
}

func FuzzParseCompact(f *testing.F) {
	_, all := seedTokens(f)
	for _, s := range all {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := parseCompact(tok)
		if err != nil {
			return
		}
		// Strict decoding: exactly one encoding per value.
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			t.Fatalf("accepted %d segments", len(parts))
		}
		if b64(c.payload) != parts[1] || b64(c.signature) != parts[2] {
			t.Fatalf("non-canonical base64 accepted: %q", tok)
		}
		if c.signingInput != parts[0]+"."+parts[1] {
			t.Fatalf("signing input %q", c.signingInput)
		}
	})
}

// FuzzJWTVerify mutates tokens: the only tokens ever accepted are the valid
// seeds themselves (no malleability: any change to a signed byte or to its
// encoding must be refused).
func FuzzJWTVerify(f *testing.F) {
	valid, all := seedTokens(f)
	for _, s := range all {
		f.Add(s)
	}
	a, err := NewJWT(JWTConfig{Issuer: testIssuer, Audience: []string{testAudience}, Keys: newSource(),
		Now: func() time.Time { return testNow }, Algorithms: allAlgorithms})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		v, err := a.v.verify(t.Context(), tok)
		if err != nil {
			return
		}
		for _, s := range valid {
			if tok == s {
				if v.Claims()["iss"] != testIssuer {
					t.Fatalf("accepted claims %v", v.Claims())
				}
				return
			}
		}
		t.Fatalf("mutated token accepted: %q", tok)
	})
}

// FuzzDecodeObject compares the strict claim scanner with the reference
// decoder (the encoding/json token decoder, reference_test.go): both accept
// or both refuse every input, and accepted claim sets render and check the
// same. What is accepted is also accepted by encoding/json with the same
// member names.
func FuzzDecodeObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":[1,{"b":null}]}`, `[]`, `{"a":1}x`, `{"a":"\u00e9"}`, `{"a":1e400}`} {
		f.Add([]byte(s))
	}
	for _, tc := range scanCases {
		f.Add([]byte(tc.payload))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		compareWithReference(t, b)
		cs, err := scanClaims(string(b), nil)
		if err != nil {
			return
		}
		var std map[string]json.RawMessage
		if err := json.Unmarshal(b, &std); err != nil {
			t.Fatalf("strict decoder accepted what encoding/json refuses: %v", err)
		}
		if len(std) != len(cs.members) {
			t.Fatalf("members %d vs %d", len(cs.members), len(std))
		}
		for _, m := range cs.members {
			if _, ok := std[m.name]; !ok {
				t.Fatalf("member %q missing", m.name)
			}
		}
	})
}
