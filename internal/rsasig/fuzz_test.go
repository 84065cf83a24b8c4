package rsasig

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
	"testing"
)

// FuzzVerifyMatchesStd feeds arbitrary signatures and digests to both
// verifiers; they must agree.
func FuzzVerifyMatchesStd(f *testing.F) {
	k := testKey(f, 2048)
	pk, err := New(&k.PublicKey)
	if err != nil {
		f.Fatal(err)
	}
	d := digest(crypto.SHA256, []byte("seed"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d)
	f.Add(uint8(0), d, sig)
	f.Add(uint8(1), digest(crypto.SHA384, nil), sig[:100])
	f.Add(uint8(2), d, k.N.Bytes())
	f.Fuzz(func(t *testing.T, which uint8, hashed, sig []byte) {
		h := []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}[which%3]
		agree(t, k, pk, h, hashed, sig)
	})
}

// FuzzEncodingMatchesStd signs arbitrary encodings with the private key, so
// the fuzzer controls exactly what s^e mod N is; both verifiers must agree
// on every encoding, and accept only the one valid form.
func FuzzEncodingMatchesStd(f *testing.F) {
	k := testKey(f, 2048)
	pk, err := New(&k.PublicKey)
	if err != nil {
		f.Fatal(err)
	}
	d := digest(crypto.SHA256, []byte("seed"))
	valid := encode(k.Size(), crypto.SHA256, d)
	f.Add(uint8(0), valid)
	f.Add(uint8(0), valid[1:])
	f.Add(uint8(1), encode(k.Size(), crypto.SHA384, digest(crypto.SHA384, nil)))
	f.Fuzz(func(t *testing.T, which uint8, em []byte) {
		if len(em) > k.Size() || new(big.Int).SetBytes(em).Cmp(k.N) >= 0 {
			return
		}
		h := []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}[which%3]
		// The digest the verifier expects is read from the encoding's
		// tail, so an encoding with the right shape also verifies.
		hashed := make([]byte, h.Size())
		full := make([]byte, k.Size())
		copy(full[len(full)-len(em):], em)
		copy(hashed, full[len(full)-h.Size():])
		agree(t, k, pk, h, hashed, rawSign(k, full))
	})
}
