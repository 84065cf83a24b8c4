package cognito

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"runtime"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/idp/signer"
	"github.com/gatehouse/gatehouse/internal/idp/srp"
	"github.com/gatehouse/gatehouse/internal/idp/tokens"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/memory"
)

// benchServer returns a handler-level server with production hash
// parameters and 2048-bit keys, one pool, one client and one user.
func benchServer(b *testing.B) (*Server, fixture) {
	b.Helper()
	st := memory.New()
	clock := &fakeClock{t: time.Now()}
	keys, err := signer.New(signer.Config{Keys: st, Now: clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(Config{Store: st, Signer: keys, Auth: allowAll{}, Now: clock.Now, BaseURL: "http://idp.test"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	p, err := srv.createPool(ctx, "", poolIn{PoolName: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	cl, err := srv.createClient(ctx, p.ID, "", "", clientIn{ClientName: "c", ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		b.Fatal(err)
	}
	pw := "Bench-passw0rd"
	u, err := srv.createUserCore(ctx, p, userIn{Username: "bench", MessageAction: "SUPPRESS", TemporaryPassword: &pw})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := srv.updateUser(ctx, p, u.Username, func(u *store.User) error { u.Status = store.StatusConfirmed; return nil }); err != nil {
		b.Fatal(err)
	}
	return srv, fixture{poolID: p.ID, clientID: cl.ClientID}
}

func call1(b *testing.B, srv *Server, op, body string) {
	b.Helper()
	rec := post(srv.Handler(), TargetPrefix+op, body)
	if rec.Code != 200 {
		b.Fatalf("%s: %d %s", op, rec.Code, rec.Body)
	}
}

// BenchmarkUserPasswordAuth measures full USER_PASSWORD_AUTH logins
// (argon2id verify with DefaultHashParams, token pair, refresh token).
func BenchmarkUserPasswordAuth(b *testing.B) {
	srv, f := benchServer(b)
	body := fmt.Sprintf(`{"ClientId":%q,"AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"bench","PASSWORD":"Bench-passw0rd"}}`, f.clientID)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			call1(b, srv, "InitiateAuth", body)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

// BenchmarkUserSRPAuth measures full USER_SRP_AUTH logins: both round
// trips, server and (in-process) client arithmetic.
func BenchmarkUserSRPAuth(b *testing.B) {
	srv, f := benchServer(b)
	h := srv.Handler()
	poolName, _ := srp.PoolName(f.poolID)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			buf := make([]byte, 128)
			rand.Read(buf)
			a := new(big.Int).Mod(new(big.Int).SetBytes(buf), srp.N())
			bigA := new(big.Int).Exp(srp.G(), a, srp.N())
			rec := post(h, TargetPrefix+"InitiateAuth", fmt.Sprintf(`{"ClientId":%q,"AuthFlow":"USER_SRP_AUTH","AuthParameters":{"USERNAME":"bench","SRP_A":%q}}`, f.clientID, bigA.Text(16)))
			var out struct{ ChallengeParameters map[string]string }
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
				b.Fatalf("initiate: %d %s", rec.Code, rec.Body)
			}
			cp := out.ChallengeParameters
			bigB, _ := new(big.Int).SetString(cp["SRP_B"], 16)
			u := srp.U(bigA, bigB)
			x, _ := srp.X(poolName, cp["USER_ID_FOR_SRP"], "Bench-passw0rd", cp["SALT"])
			base := new(big.Int).Sub(bigB, new(big.Int).Mul(srp.K(), new(big.Int).Exp(srp.G(), x, srp.N())))
			base.Mod(base, srp.N())
			key := srp.DeriveKey(new(big.Int).Exp(base, new(big.Int).Add(a, new(big.Int).Mul(u, x)), srp.N()), u)
			ts := srp.FormatTimestamp(srv.cfg.Now())
			block, _ := base64.StdEncoding.DecodeString(cp["SECRET_BLOCK"])
			sig := base64.StdEncoding.EncodeToString(srp.Signature(key, poolName, cp["USER_ID_FOR_SRP"], block, ts))
			call1(b, srv, "RespondToAuthChallenge", fmt.Sprintf(`{"ClientId":%q,"ChallengeName":"PASSWORD_VERIFIER","ChallengeResponses":{"USERNAME":%q,"PASSWORD_CLAIM_SECRET_BLOCK":%q,"PASSWORD_CLAIM_SIGNATURE":%q,"TIMESTAMP":%q}}`,
				f.clientID, cp["USER_ID_FOR_SRP"], cp["SECRET_BLOCK"], sig, ts))
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

// BenchmarkIssueTokenPair measures claim building and two RS256
// signatures with 2048-bit keys.
func BenchmarkIssueTokenPair(b *testing.B) {
	srv, f := benchServer(b)
	ctx := context.Background()
	req := tokens.Request{PoolID: f.poolID, Issuer: "http://idp.test/" + f.poolID, ClientID: f.clientID, Username: "bench", Sub: "s",
		Attributes: store.Attributes{{Name: "email", Value: "b@example.com"}}, Groups: []tokens.GroupInfo{{Name: "g"}},
		AuthTime: time.Now(), OriginJTI: "o", EventID: "e", IDValidity: time.Hour, AccessValidity: time.Hour}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := srv.issuer.Issue(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryPer100kUsers reports the heap held by 100k users (with
// argon2id hash, SRP salt and verifier) in the memory store. Password
// material is computed once and copied: the figure is storage, not hashing.
func BenchmarkMemoryPer100kUsers(b *testing.B) {
	if testing.Short() {
		b.Skip("allocates 100k users")
	}
	const n = 100_000
	srv, f := benchServer(b)
	ctx := context.Background()
	tmpl, _ := srv.st.GetUser(ctx, f.poolID, "bench")
	for b.Loop() {
		st := memory.New()
		if err := st.CreateUserPool(ctx, store.UserPool{ID: f.poolID, Name: "m"}); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := range n {
			u := tmpl
			u.Username = fmt.Sprintf("user%06d", i)
			u.Sub = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
			u.Attributes = store.Attributes{{Name: "email", Value: u.Username + "@example.com"}, {Name: "email_verified", Value: "true"}}
			if err := st.CreateUser(ctx, u); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB/100k-users")
		runtime.KeepAlive(st)
	}
}
