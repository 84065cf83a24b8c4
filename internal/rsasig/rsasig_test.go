package rsasig

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"math/big"
	"sync"
	"testing"
)

// keys are generated once per test binary; sizes include moduli whose bit
// length is not a multiple of 8 or of 64.
var (
	keysOnce sync.Once
	keys     map[int]*rsa.PrivateKey
)

func testKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	keysOnce.Do(func() {
		keys = map[int]*rsa.PrivateKey{}
		for _, b := range []int{1024, 2047, 2048, 3072, 4096} {
			k, err := rsa.GenerateKey(rand.Reader, b)
			if err != nil {
				panic(err)
			}
			keys[b] = k
		}
	})
	k, ok := keys[bits]
	if !ok {
		t.Fatalf("no test key of %d bits", bits)
	}
	return k
}

func digest(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(msg)
		return d[:]
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		return d[:]
	}
	d := sha512.Sum512(msg)
	return d[:]
}

// rawSign applies the private exponent to em as an integer: a "signature"
// of any encoding, valid or not, so the verifiers see exactly em.
func rawSign(k *rsa.PrivateKey, em []byte) []byte {
	m := new(big.Int).SetBytes(em)
	s := new(big.Int).Exp(m, k.D, k.N)
	return s.FillBytes(make([]byte, k.Size()))
}

// agree checks that VerifyPKCS1v15 and rsa.VerifyPKCS1v15 give the same
// verdict and returns it.
func agree(t testing.TB, k *rsa.PrivateKey, pk *PublicKey, h crypto.Hash, hashed, sig []byte) bool {
	t.Helper()
	std := rsa.VerifyPKCS1v15(&k.PublicKey, h, hashed, sig) == nil
	got := pk.VerifyPKCS1v15(h, hashed, sig)
	if got != nil && !errors.Is(got, ErrVerification) {
		t.Fatalf("error %v does not wrap ErrVerification", got)
	}
	if (got == nil) != std {
		t.Fatalf("rsasig accepts=%v, crypto/rsa accepts=%v (hash %v, %d-byte sig)", got == nil, std, h, len(sig))
	}
	return std
}

func TestValidSignaturesVerify(t *testing.T) {
	for _, bits := range []int{1024, 2047, 2048, 3072, 4096} {
		k := testKey(t, bits)
		pk, err := New(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if pk.Size() != k.Size() {
			t.Fatalf("%d bits: Size %d, want %d", bits, pk.Size(), k.Size())
		}
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			t.Run(h.String()+"/"+big.NewInt(int64(bits)).String(), func(t *testing.T) {
				d := digest(h, []byte("payload "+h.String()))
				sig, err := rsa.SignPKCS1v15(rand.Reader, k, h, d)
				if err != nil {
					t.Fatal(err)
				}
				if !agree(t, k, pk, h, d, sig) {
					t.Fatal("valid signature refused")
				}
				// Every single-bit change of the signature or the digest is refused.
				for i := range sig {
					bad := bytes.Clone(sig)
					bad[i] ^= 1 << (i % 8)
					if agree(t, k, pk, h, d, bad) {
						t.Fatalf("signature with byte %d changed accepted", i)
					}
				}
				for i := range d {
					bad := bytes.Clone(d)
					bad[i] ^= 0x80
					if agree(t, k, pk, h, bad, sig) {
						t.Fatalf("digest with byte %d changed accepted", i)
					}
				}
			})
		}
	}
}

func TestExponentThree(t *testing.T) {
	// e = 3 is where Bleichenbacher's 2006 forgery works against verifiers
	// that parse the encoding; a key with e = 3 must still verify exactly.
	var k *rsa.PrivateKey
	for k == nil {
		p, _ := rand.Prime(rand.Reader, 1024)
		q, _ := rand.Prime(rand.Reader, 1024)
		one := big.NewInt(1)
		phi := new(big.Int).Mul(new(big.Int).Sub(p, one), new(big.Int).Sub(q, one))
		d := new(big.Int).ModInverse(big.NewInt(3), phi)
		if d == nil || p.Cmp(q) == 0 {
			continue
		}
		k = &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(p, q), E: 3}, D: d, Primes: []*big.Int{p, q}}
	}
	pk, err := New(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	d := digest(crypto.SHA256, []byte("e3"))
	em := encode(k.Size(), crypto.SHA256, d)
	if !agree(t, k, pk, crypto.SHA256, d, rawSign(k, em)) {
		t.Fatal("valid e=3 signature refused")
	}
	// The classic forgery: a short padding, the DigestInfo and hash, then
	// garbage filling the rest, so that a cube root is easy to find.
	forged := make([]byte, k.Size())
	copy(forged, []byte{0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00})
	copy(forged[11:], digestInfo(crypto.SHA256))
	copy(forged[11+len(digestInfo(crypto.SHA256)):], d)
	for i := 11 + len(digestInfo(crypto.SHA256)) + len(d); i < len(forged); i++ {
		forged[i] = byte(i)
	}
	if agree(t, k, pk, crypto.SHA256, d, rawSign(k, forged)) {
		t.Fatal("encoding with trailing garbage accepted")
	}
}

// encode builds the valid EMSA-PKCS1-v1_5 encoding of hashed.
func encode(size int, h crypto.Hash, hashed []byte) []byte {
	return encodeWith(size, digestInfo(h), hashed)
}

// encodeWith builds 00 01 FF…FF 00 ‖ p ‖ hashed, size bytes long.
func encodeWith(size int, p, hashed []byte) []byte {
	em := make([]byte, size)
	em[1] = 0x01
	ps := size - len(p) - len(hashed) - 1
	for i := 2; i < ps; i++ {
		em[i] = 0xff
	}
	copy(em[ps+1:], p)
	copy(em[ps+1+len(p):], hashed)
	return em
}

func TestMalformedEncodingsRefused(t *testing.T) {
	k := testKey(t, 2048)
	pk, err := New(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	d := digest(crypto.SHA256, []byte("x"))
	size := k.Size()
	sep := size - len(digestInfo(crypto.SHA256)) - len(d) - 1
	cases := []struct {
		name string
		edit func(em []byte) []byte
		ok   bool
	}{
		{"valid", func(em []byte) []byte { return em }, true},
		{"block type 02", func(em []byte) []byte { em[1] = 0x02; return em }, false},
		{"block type 00", func(em []byte) []byte { em[1] = 0x00; return em }, false},
		{"padding byte not FF", func(em []byte) []byte { em[40] = 0xfe; return em }, false},
		{"separator not 00", func(em []byte) []byte { em[sep] = 0xff; return em }, false},
		{"DigestInfo names SHA-512", func(em []byte) []byte { em[sep+1+14] = 0x03; return em }, false},
		{"DigestInfo without NULL parameters", func(em []byte) []byte {
			// 30 2f 30 0b 06 09 <oid> 04 20 <hash>, shifted into place with one more FF
			p := []byte{0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x04, 0x20}
			return encodeWith(size, p, d)
		}, false},
		{"hash moved left, garbage after", func(em []byte) []byte {
			copy(em[sep:], em[sep+1:])
			em[size-1] = 0x55
			return em
		}, false},
		{"leading byte 01", func(em []byte) []byte { em[0] = 0x01; return em }, false},
		{"hash bit flipped", func(em []byte) []byte { em[size-1] ^= 1; return em }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			em := tc.edit(encode(size, crypto.SHA256, d))
			if len(em) != size || new(big.Int).SetBytes(em).Cmp(k.N) >= 0 {
				t.Fatal("bad test encoding")
			}
			if got := agree(t, k, pk, crypto.SHA256, d, rawSign(k, em)); got != tc.ok {
				t.Fatalf("accepted=%v, want %v", got, tc.ok)
			}
		})
	}
}

func TestBadInputsRefused(t *testing.T) {
	k := testKey(t, 2048)
	pk, err := New(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	d := digest(crypto.SHA256, []byte("y"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d)
	if err != nil {
		t.Fatal(err)
	}
	n := k.N.FillBytes(make([]byte, k.Size()))
	nMinus1 := new(big.Int).Sub(k.N, big.NewInt(1)).FillBytes(make([]byte, k.Size()))
	cases := []struct {
		name   string
		h      crypto.Hash
		hashed []byte
		sig    []byte
	}{
		{"empty signature", crypto.SHA256, d, nil},
		{"short signature", crypto.SHA256, d, sig[1:]},
		{"signature with a leading zero byte", crypto.SHA256, d, append([]byte{0}, sig...)},
		{"signature equal to N", crypto.SHA256, d, n},
		{"signature N-1", crypto.SHA256, d, nMinus1},
		{"all-zero signature", crypto.SHA256, d, make([]byte, k.Size())},
		{"all-FF signature", crypto.SHA256, d, bytes.Repeat([]byte{0xff}, k.Size())},
		{"digest too short", crypto.SHA256, d[:31], sig},
		{"digest too long", crypto.SHA256, append(bytes.Clone(d), 0), sig},
		{"digest of the wrong hash", crypto.SHA384, digest(crypto.SHA384, []byte("y")), sig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if agree(t, k, pk, tc.h, tc.hashed, tc.sig) {
				t.Fatal("accepted")
			}
		})
	}
	if err := pk.VerifyPKCS1v15(crypto.SHA1, make([]byte, 20), sig); err == nil {
		t.Fatal("SHA-1 accepted")
	}
}

func TestNewRefusesBadKeys(t *testing.T) {
	k := testKey(t, 2048)
	even := new(big.Int).Add(k.N, big.NewInt(1))
	cases := []struct {
		name string
		pub  *rsa.PublicKey
	}{
		{"nil key", nil},
		{"nil modulus", &rsa.PublicKey{E: 65537}},
		{"zero modulus", &rsa.PublicKey{N: new(big.Int), E: 65537}},
		{"negative modulus", &rsa.PublicKey{N: new(big.Int).Neg(k.N), E: 65537}},
		{"even modulus", &rsa.PublicKey{N: even, E: 65537}},
		{"512-bit modulus", &rsa.PublicKey{N: new(big.Int).Rsh(k.N, 1536), E: 65537}},
		{"exponent 1", &rsa.PublicKey{N: k.N, E: 1}},
		{"even exponent", &rsa.PublicKey{N: k.N, E: 65536}},
		{"exponent 2^31+1", &rsa.PublicKey{N: k.N, E: 1<<31 + 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "512-bit modulus" && tc.pub.N.Bit(0) == 0 {
				tc.pub.N.SetBit(tc.pub.N, 0, 1)
			}
			if _, err := New(tc.pub); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	k := testKey(t, 2048)
	pk, err := New(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				d := digest(crypto.SHA256, []byte{byte(g), byte(i)})
				sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d)
				if err != nil {
					t.Error(err)
					return
				}
				if err := pk.VerifyPKCS1v15(crypto.SHA256, d, sig); err != nil {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
