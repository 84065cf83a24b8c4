package jwtauth

import (
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
// claims, RS256 signature, claim rendering.
func BenchmarkVerifyCold(b *testing.B) {
	a, tok := benchAuthorizer(b, nil)
	ctx := b.Context()
	b.ReportAllocs()
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
	for b.Loop() {
		if _, err := a.v.verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthorizeCachedParallel is the whole Authorize (header, cache,
// scope check, principal) from many goroutines.
func BenchmarkAuthorizeCachedParallel(b *testing.B) {
	a, tok := benchAuthorizer(b, NewCache(0))
	x := newExchange(map[string]string{"Authorization": "Bearer " + tok}, "", []string{"read"})
	b.ReportAllocs()
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
