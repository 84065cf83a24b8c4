package jwtauth

import (
	"fmt"
	"testing"
	"time"
)

func benchAuthorizer(b *testing.B, cache *Cache) (*JWT, string) {
	b.Helper()
	c := claims()
	c["scope"] = "read"
	tok := rsToken(b, c)
	a, err := NewJWT(JWTConfig{Issuer: testIssuer, Audience: []string{testAudience}, Keys: newSource(), Cache: cache,
		Now: func() time.Time { return testNow }})
	if err != nil {
		b.Fatal(err)
	}
	return a, tok
}

// BenchmarkVerifyCold verifies the same token every time (no cache): parse,
// claims, RS256 signature, claim rendering. Keys and the token are made
// before the timer starts.
func BenchmarkVerifyCold(b *testing.B) {
	a, tok := benchAuthorizer(b, nil)
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.v.verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyCached answers from the verified-token cache.
func BenchmarkVerifyCached(b *testing.B) {
	a, tok := benchAuthorizer(b, NewCache(0))
	ctx := b.Context()
	if _, err := a.v.verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.v.verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// distinctTokens signs n different tokens shaped like Cognito's: an access
// token (client_id, scope, username) or an ID token (aud, email,
// email_verified, groups). Every token has its own jti and sub, so no two
// are equal.
func distinctTokens(b *testing.B, n int, access bool) []string {
	b.Helper()
	toks := make([]string, n)
	for i := range toks {
		c := map[string]any{
			"sub":            fmt.Sprintf("7b2e5c1a-0f3d-4a8e-9c61-%012d", i),
			"iss":            testIssuer,
			"cognito:groups": []string{"admin", "regular"},
			"origin_jti":     fmt.Sprintf("3f6a9d2e-5b71-4c08-a1e4-%012d", i),
			"event_id":       "b1c2d3e4-f5a6-4789-8abc-def012345678",
			"auth_time":      testNow.Add(-time.Minute).Unix(),
			"exp":            testNow.Add(time.Hour).Unix(),
			"iat":            testNow.Add(-time.Minute).Unix(),
			"jti":            fmt.Sprintf("9d8c7b6a-5f4e-4d3c-8b2a-%012d", i),
		}
		if access {
			c["token_use"] = "access"
			c["client_id"] = testAudience
			c["scope"] = "aws.cognito.signin.user.admin read write"
			c["username"] = fmt.Sprintf("user%d", i)
		} else {
			c["token_use"] = "id"
			c["aud"] = testAudience
			c["email"] = fmt.Sprintf("user%d@example.com", i)
			c["email_verified"] = true
			c["cognito:username"] = fmt.Sprintf("user%d", i)
		}
		toks[i] = rsToken(b, c)
	}
	return toks
}

// BenchmarkAuthorizeDistinct is the whole Authorize (identity source,
// Bearer prefix, verification, route scopes, principal) with the cache off,
// on 1000 different pre-signed tokens taken in turn: the cost when every
// token is new.
func BenchmarkAuthorizeDistinct(b *testing.B) {
	for _, tc := range []struct {
		name   string
		access bool
		scopes []string
	}{
		{"access", true, []string{"read"}},
		{"id", false, nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			a, _ := benchAuthorizer(b, nil)
			toks := distinctTokens(b, 1000, tc.access)
			xs := make([][]string, len(toks))
			for i, t := range toks {
				xs[i] = []string{"Bearer " + t}
			}
			x := newExchange(nil, "", tc.scopes)
			b.ReportAllocs()
			b.ResetTimer()
			i := 0
			for b.Loop() {
				x.R.Header["Authorization"] = xs[i%len(xs)]
				x.Trace = nil
				p, err := a.Authorize(x)
				if err != nil {
					b.Fatal(err)
				}
				if p.ID == "" {
					b.Fatal("no sub")
				}
				i++
			}
		})
	}
}

// BenchmarkAuthorizeCachedParallel is the whole Authorize (header, cache,
// scope check, principal) from many goroutines.
func BenchmarkAuthorizeCachedParallel(b *testing.B) {
	a, tok := benchAuthorizer(b, NewCache(0))
	x := newExchange(map[string]string{"Authorization": "Bearer " + tok}, "", []string{"read"})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			x := *x
			x.Trace = nil
			if _, err := a.Authorize(&x); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAuthorizeColdParallel is Authorize without a cache.
func BenchmarkAuthorizeColdParallel(b *testing.B) {
	a, tok := benchAuthorizer(b, nil)
	x := newExchange(map[string]string{"Authorization": "Bearer " + tok}, "", []string{"read"})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			x := *x
			x.Trace = nil
			if _, err := a.Authorize(&x); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifyNoSignature is what a cold verification costs besides the
// signature check: parse, header, claims and their checks, and the
// rendering an integration that reads the claims adds (verified.Claims), on
// distinct ID tokens. It is steadier than the benchmarks above, whose time
// is mostly RSA.
func BenchmarkVerifyNoSignature(b *testing.B) {
	a, _ := benchAuthorizer(b, nil)
	toks := distinctTokens(b, 1000, false)
	v := a.v
	s := new(scratch)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		c, err := parseToken(toks[i%len(toks)], s, &v.header)
		if err != nil {
			b.Fatal(err)
		}
		if !v.algs.has(c.header.Alg) {
			b.Fatal("alg")
		}
		cs, err := scanClaims(string(c.payload), s.members[:0])
		s.members = cs.members
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := cs.stringClaim(cs.iss, "iss"); err != nil {
			b.Fatal(err)
		}
		if err := cs.audienceMatches(v.audiences); err != nil {
			b.Fatal(err)
		}
		if _, err := cs.timeClaims(testNow, 0); err != nil {
			b.Fatal(err)
		}
		if _, err := cs.tokenScopes(); err != nil {
			b.Fatal(err)
		}
		if len(cs.render()) == 0 {
			b.Fatal("no claims")
		}
		s.reset()
		i++
	}
}
