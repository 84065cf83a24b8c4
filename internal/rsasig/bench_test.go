package rsasig

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"testing"
)

// BenchmarkVerify compares a prepared key with crypto/rsa on RS256-sized
// work (2048-bit modulus, SHA-256 digest).
func BenchmarkVerify(b *testing.B) {
	k := testKey(b, 2048)
	pk, err := New(&k.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	d := digest(crypto.SHA256, []byte("bench"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("rsasig", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := pk.VerifyPKCS1v15(crypto.SHA256, d, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("crypto-rsa", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, d, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
}
