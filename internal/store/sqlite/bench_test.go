package sqlite

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// benchStore opens a store with one pool, one client and n users.
func benchStore(b *testing.B, n int) *Store {
	b.Helper()
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), FileName))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	ctx := b.Context()
	if err := s.CreateUserPool(ctx, store.UserPool{ID: "r_bench"}); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateClient(ctx, store.Client{PoolID: "r_bench", ClientID: "c"}); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		u := store.User{PoolID: "r_bench", Username: fmt.Sprintf("user%06d", i), Sub: fmt.Sprintf("sub-%06d", i),
			Status: store.StatusConfirmed, Enabled: true, PasswordHash: make([]byte, 64), SRPSalt: make([]byte, 16),
			SRPVerifier: make([]byte, 384), Attributes: store.Attributes{{Name: "email", Value: fmt.Sprintf("u%d@example.com", i)},
				{Name: "email_verified", Value: "true"}}}
		if err := s.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func BenchmarkGetUser(b *testing.B) {
	s := benchStore(b, 1000)
	i := 0
	for b.Loop() {
		if _, err := s.GetUser(b.Context(), "r_bench", fmt.Sprintf("user%06d", i%1000)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGetUserParallel(b *testing.B) {
	s := benchStore(b, 1000)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := s.GetUser(b.Context(), "r_bench", fmt.Sprintf("user%06d", i%1000)); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkUpdateUser(b *testing.B) {
	s := benchStore(b, 1)
	for b.Loop() {
		if err := s.UpdateUser(b.Context(), "r_bench", "user000000", func(u store.User) (store.User, error) {
			u.FailedLogins++
			return u, nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCreateRefreshToken(b *testing.B) {
	s := benchStore(b, 0)
	exp := time.Unix(1<<32, 0)
	i := 0
	for b.Loop() {
		if err := s.CreateRefreshToken(b.Context(), store.RefreshToken{Hash: store.HashToken(fmt.Sprint(i)),
			PoolID: "r_bench", ClientID: "c", Sub: "s", OriginJTI: fmt.Sprint(i), ExpiresAt: exp}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkSessionCreateTake(b *testing.B) {
	s := benchStore(b, 0)
	now := time.Unix(1, 0)
	i := 0
	for b.Loop() {
		id := fmt.Sprint(i)
		if err := s.CreateSession(b.Context(), store.AuthSession{ID: id, Payload: make([]byte, 256), ExpiresAt: now.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.TakeSession(b.Context(), id, now); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
