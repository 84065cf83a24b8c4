package srp

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
	"time"
)

// client is a test-only implementation of the client side as
// amazon-cognito-identity-js computes it (userpool.md §4.2).
type client struct {
	a, bigA *big.Int
}

func newClient(a *big.Int) client {
	return client{a: a, bigA: new(big.Int).Exp(G(), a, N())}
}

func (c client) key(t *testing.T, poolName, username, password, saltHex string, bigB *big.Int) []byte {
	t.Helper()
	u := U(c.bigA, bigB)
	x, err := X(poolName, username, password, saltHex)
	if err != nil {
		t.Fatalf("X: %v", err)
	}
	gx := new(big.Int).Exp(G(), x, N())
	kgx := new(big.Int).Mul(K(), gx)
	base := new(big.Int).Sub(bigB, kgx)
	base.Mod(base, N())
	exp := new(big.Int).Mul(u, x)
	exp.Add(exp, c.a)
	s := new(big.Int).Exp(base, exp, N())
	return DeriveKey(s, u)
}

func mustInt(t *testing.T, s string, base int) *big.Int {
	t.Helper()
	v, ok := new(big.Int).SetString(s, base)
	if !ok {
		t.Fatalf("bad int %q", s)
	}
	return v
}

func TestK(t *testing.T) {
	want := "37772559067617796309459009502931177628717927509759535181635788491848250400486"
	if got := K().String(); got != want {
		t.Errorf("k = %s, want %s", got, want)
	}
	if got := hex.EncodeToString(K().Bytes()); got != "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6" {
		t.Errorf("k hex = %s", got)
	}
}

func TestPadHex(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"zero", "0", "00"},
		{"one", "1", "01"},
		{"127", "7f", "7f"},
		{"128", "80", "0080"},
		{"255", "ff", "00ff"},
		{"256", "100", "0100"},
		{"even no high bit", "123abc", "123abc"},
		{"odd length", "123abcd", "0123abcd"},
		{"high bit", "8123abcd", "008123abcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := hex.EncodeToString(PadHex(mustInt(t, tt.in, 16)))
			if got != tt.want {
				t.Errorf("PadHex(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
	t.Run("N", func(t *testing.T) {
		got := PadHex(N())
		if len(got) != 385 || got[0] != 0 || got[1] != 0xff {
			t.Errorf("PadHex(N) len %d prefix %x", len(got), got[:2])
		}
	})
}

func TestU(t *testing.T) {
	a := mustInt(t, "6D797365637265746861736841", 16)
	b := mustInt(t, "6D797365637265746861736842", 16)
	want := "39743664823761398449876968619416475559594078623923024211668626611155104513539"
	if got := U(a, b).String(); got != want {
		t.Errorf("u = %s, want %s", got, want)
	}
}

// TestPublicVector is alexrudd/cognito-srp's vector (userpool.md §4.7).
func TestPublicVector(t *testing.T) {
	c := newClient(big.NewInt(1234567890))
	if !strings.HasPrefix(c.bigA.String(), "2012821450179237266067414751941060928019") {
		t.Errorf("A = %s...", c.bigA.String()[:40])
	}
	saltHex := big.NewInt(1234567890).Text(16)
	key := c.key(t, "myPool", "test", "test", saltHex, big.NewInt(1234567890))
	if got := hex.EncodeToString(key); got != "d96cde6c95dda17175c1293140c5a81f" {
		t.Errorf("K = %s", got)
	}
	sig := Signature(key, "myPool", "test", []byte("secretssecrestssecrets"), "Tue Jul 10 11:01:00 UTC 2018")
	if got := base64.StdEncoding.EncodeToString(sig); got != "tdvQu/Li/qWl8Nni0aFPs+MwY4rvKZm0kSMrGIMSUHk=" {
		t.Errorf("signature = %s", got)
	}
}

func fill(b byte, n int) *big.Int {
	return new(big.Int).SetBytes(bytes.Repeat([]byte{b}, n))
}

// TestEndToEndVector is the server/client vector of userpool.md §4.7.
func TestEndToEndVector(t *testing.T) {
	pool, err := PoolName("us-east-1_myPool")
	if err != nil || pool != "myPool" {
		t.Fatalf("PoolName = %q, %v", pool, err)
	}
	const saltHex = "8ce8291892390f6b53a245933faf6164"
	x, err := X(pool, "alice", "Passw0rd!", saltHex)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(x.Bytes()); got != "e60f4303d0955e6b270e6f989332257e4409b9bcc497e7cce890a3d5f794cd95" {
		t.Errorf("x = %s", got)
	}
	v, _ := Verifier(pool, "alice", "Passw0rd!", saltHex)
	if got := v.Text(16); !strings.HasPrefix(got, "ab62992be320d5be") {
		t.Errorf("v = %s...", got[:16])
	}
	c := newClient(fill(0xa1, 32))
	if got := c.bigA.Text(16); len(got) != 768 || !strings.HasPrefix(got, "78604b754341df90") || !strings.HasSuffix(got, "8128a67cc4688292") {
		t.Errorf("A = %s...%s (%d)", got[:16], got[len(got)-16:], len(got))
	}
	b := fill(0xb2, 32)
	bigB := PublicB(v, b)
	if got := bigB.Text(16); len(got) != 768 || !strings.HasPrefix(got, "436ddf77732d4c82") || !strings.HasSuffix(got, "177ef2400aed6139") {
		t.Errorf("B = %s...%s (%d)", got[:16], got[len(got)-16:], len(got))
	}
	if got := hex.EncodeToString(U(c.bigA, bigB).Bytes()); got != "e64201999276c19eb32b55aa7a554fdb2f46724295beff91786eeb5bfe6f0806" {
		t.Errorf("u = %s", got)
	}
	a, err := ParseA(c.bigA.Text(16))
	if err != nil {
		t.Fatal(err)
	}
	serverK, err := ServerKey(a, bigB, b, v)
	if err != nil {
		t.Fatal(err)
	}
	clientK := c.key(t, pool, "alice", "Passw0rd!", saltHex, bigB)
	if got := hex.EncodeToString(serverK); got != "667e8975567808bcd1841ebdd965fc59" {
		t.Errorf("server K = %s", got)
	}
	if !bytes.Equal(serverK, clientK) {
		t.Errorf("client K %x != server K %x", clientK, serverK)
	}
	block, _ := base64.StdEncoding.DecodeString("AAECZ2F0ZWhvdXNlLXNlY3JldC1ibG9jaw==")
	tests := []struct {
		name, ts, want string
	}{
		{"unpadded day", "Tue Sep 5 14:07:22 UTC 2017", "+ReuuZiFkuui9Oh0+kKYSglw4BY6HPvhjBkHO9rHOzg="},
		{"zero padded day", "Tue Sep 05 14:07:22 UTC 2017", "CAs36pRuW9+65D/whfFvEKjPjhpjxnqWHbUUIZYghZo="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := base64.StdEncoding.EncodeToString(Signature(serverK, pool, "alice", block, tt.ts))
			if got != tt.want {
				t.Errorf("signature = %s, want %s", got, tt.want)
			}
			if !VerifySignature(serverK, pool, "alice", block, tt.ts, tt.want) {
				t.Error("VerifySignature rejected the right signature")
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	const pool, user, pw = "abcDEF123", "84514837-dcbc-4af1-abff-f3c109334894", "Secr3t!pass"
	block := []byte("opaque-secret-block")
	ts := FormatTimestamp(time.Date(2024, 3, 7, 9, 5, 1, 0, time.UTC))
	if ts != "Thu Mar 7 09:05:01 UTC 2024" {
		t.Fatalf("timestamp = %q", ts)
	}
	tests := []struct {
		name       string
		clientPass string
		clientUser string
		tsClient   string
		tamper     bool
		wantOK     bool
	}{
		{"right password", pw, user, ts, false, true},
		{"wrong password", "Secr3t!pasS", user, ts, false, false},
		{"wrong username", pw, "someone", ts, false, false},
		{"timestamp differs", pw, user, "Thu Mar 07 09:05:01 UTC 2024", false, false},
		{"tampered block", pw, user, ts, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			salt, err := NewSalt(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			v, err := Verifier(pool, user, pw, salt)
			if err != nil {
				t.Fatal(err)
			}
			aBuf := make([]byte, 128)
			rand.Read(aBuf)
			c := newClient(new(big.Int).Mod(new(big.Int).SetBytes(aBuf), N()))
			b, bigB, err := ServerEphemeral(rand.Reader, v)
			if err != nil {
				t.Fatal(err)
			}
			ck := c.key(t, pool, tt.clientUser, tt.clientPass, salt, bigB)
			sig := base64.StdEncoding.EncodeToString(Signature(ck, pool, tt.clientUser, block, tt.tsClient))
			a, err := ParseA(c.bigA.Text(16))
			if err != nil {
				t.Fatal(err)
			}
			sk, err := ServerKey(a, bigB, b, v)
			if err != nil {
				t.Fatal(err)
			}
			serverBlock := block
			if tt.tamper {
				serverBlock = append([]byte{'x'}, block...)
			}
			got := VerifySignature(sk, pool, user, serverBlock, ts, sig)
			if got != tt.wantOK {
				t.Errorf("VerifySignature = %v, want %v", got, tt.wantOK)
			}
		})
	}
}

func TestParseA(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"small", "2", false},
		{"upper case", "ABCDEF", false},
		{"zero", "0", true},
		{"N", strings.ToLower(nHex), true},
		{"2N", new(big.Int).Lsh(N(), 1).Text(16), true},
		{"empty", "", true},
		{"not hex", "xyz", true},
		{"sign", "-5", true},
		{"prefix", "0x5", true},
		{"too long", strings.Repeat("1", MaxHexLen+1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseA(tt.in)
			if (err != nil) != tt.wantErr {
				t.Errorf("ParseA(%.20q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"ok", "Tue Sep 5 14:07:22 UTC 2017", false},
		{"two digit day", "Fri Sep 15 14:07:22 UTC 2017", false},
		{"zero padded day", "Tue Sep 05 14:07:22 UTC 2017", true},
		{"space padded day", "Tue Sep  5 14:07:22 UTC 2017", true},
		{"wrong weekday", "Mon Sep 5 14:07:22 UTC 2017", true},
		{"12 hour", "Tue Sep 5 2:07:22 UTC 2017", true},
		{"iso", "2017-09-05T14:07:22Z", true},
		{"empty", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTimestamp(tt.in)
			if (err != nil) != tt.wantErr {
				t.Errorf("ParseTimestamp(%q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestPoolName(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"us-east-1_myPool", "myPool", false},
		{"eu-west-1_AbC123xyz", "AbC123xyz", false},
		{"nounderscore", "", true},
		{"us-east-1_", "", true},
		{"a_b_c", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := PoolName(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("PoolName(%q) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func FuzzParseA(f *testing.F) {
	for _, s := range []string{"2", "ABCDEF", "0", strings.ToLower(nHex), "", "xyz", "-5", "0x5"} {
		f.Add(s)
	}
	v, _ := Verifier("p", "u", "pw", "0a")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseA(s)
		if err != nil {
			return
		}
		if new(big.Int).Mod(a, N()).Sign() == 0 {
			t.Fatalf("accepted A ≡ 0: %q", s)
		}
		// The server computation must not fail or panic for any accepted A.
		if _, err := ServerKey(a, PublicB(v, big.NewInt(7)), big.NewInt(7), v); err != nil && err != ErrZeroU {
			t.Fatalf("ServerKey: %v", err)
		}
	})
}

func FuzzVerifySignature(f *testing.F) {
	for _, s := range []string{"+ReuuZiFkuui9Oh0+kKYSglw4BY6HPvhjBkHO9rHOzg=", "+ReuuZiFkuui9Oh0+kKYSglw4BY6HPvhjBkHO9rHOzg", "", "!!!", "AAAA"} {
		f.Add(s, "Tue Sep 5 14:07:22 UTC 2017")
	}
	key := bytes.Repeat([]byte{1}, 16)
	f.Fuzz(func(t *testing.T, sig, ts string) {
		ok := VerifySignature(key, "p", "u", []byte("b"), ts, sig)
		want := base64.StdEncoding.EncodeToString(Signature(key, "p", "u", []byte("b"), ts))
		if ok && strings.TrimRight(sig, "=") != strings.TrimRight(want, "=") {
			t.Fatalf("accepted wrong signature %q", sig)
		}
		_, _ = ParseTimestamp(ts)
	})
}

func TestClientKey(t *testing.T) {
	a := big.NewInt(1234567890)
	bigA := new(big.Int).Exp(G(), a, N())
	key, err := ClientKey(a, bigA, big.NewInt(1234567890), "myPool", "test", "test", big.NewInt(1234567890).Text(16))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(key); got != "d96cde6c95dda17175c1293140c5a81f" {
		t.Errorf("K = %s", got)
	}
	if _, err := ClientKey(a, bigA, N(), "myPool", "test", "test", "01"); err == nil {
		t.Error("accepted B = N")
	}
	a2, bigA2, err := ClientEphemeral(rand.Reader)
	if err != nil || new(big.Int).Exp(G(), a2, N()).Cmp(bigA2) != 0 {
		t.Errorf("ClientEphemeral: %v", err)
	}
}
