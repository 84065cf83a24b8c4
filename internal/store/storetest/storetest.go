package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// NewFunc returns a fresh, empty store for one test.
type NewFunc func(t *testing.T) store.Store

// t0 is the suite's fixed clock origin (UTC, no monotonic reading, so values
// compare with reflect.DeepEqual after a JSON round trip).
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// Run runs the conformance suite against the backend built by newStore.
func Run(t *testing.T, newStore NewFunc) {
	t.Helper()
	open := func(t *testing.T) store.Store {
		t.Helper()
		s := newStore(t)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("close store: %v", err)
			}
		})
		return s
	}
	t.Run("UserPools", func(t *testing.T) { testUserPools(t, open) })
	t.Run("Clients", func(t *testing.T) { testClients(t, open) })
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("ListUsersFilter", func(t *testing.T) { testListUsersFilter(t, open) })
	t.Run("Groups", func(t *testing.T) { testGroups(t, open) })
	t.Run("RefreshTokens", func(t *testing.T) { testRefreshTokens(t, open) })
	t.Run("Sessions", func(t *testing.T) { testSessions(t, open) })
	t.Run("Keys", func(t *testing.T) { testKeys(t, open) })
	t.Run("Meta", func(t *testing.T) { testMeta(t, open) })
	t.Run("Cascade", func(t *testing.T) { testCascade(t, open) })
	t.Run("CanceledContext", func(t *testing.T) { testCanceled(t, open) })
}

// testCanceled checks that a canceled context stops reads and writes.
func testCanceled(t *testing.T, open NewFunc) {
	s := open(t)
	must(t, "create pool", s.CreateUserPool(ctx(t), newPool("r_a")))
	canceled, cancel := context.WithCancel(ctx(t))
	cancel()
	calls := map[string]error{
		"create": s.CreateUserPool(canceled, newPool("r_b")),
		"update": s.UpdateUserPool(canceled, "r_a", func(p store.UserPool) (store.UserPool, error) {
			p.Name = "changed"
			return p, nil
		}),
	}
	_, calls["get"] = s.GetUserPool(canceled, "r_a")
	_, _, calls["list"] = s.ListUserPools(canceled, store.ListOptions{})
	_, calls["take session"] = s.TakeSession(canceled, "x", t0)
	for name, err := range calls {
		wantErr(t, name, err, context.Canceled)
	}
	p, err := s.GetUserPool(ctx(t), "r_a")
	must(t, "get", err)
	equal(t, "name after canceled update", p.Name, "pool r_a")
	_, err = s.GetUserPool(ctx(t), "r_b")
	wantErr(t, "pool created with canceled context", err, store.ErrNotFound)
}

func ctx(t *testing.T) context.Context { return t.Context() }

// must fails the test on err.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// wantErr checks that err wraps target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %v, want %v", what, err, target)
	}
}

// equal compares got and want deeply.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func newPool(id string) store.UserPool {
	return store.UserPool{
		ID:   id,
		Name: "pool " + id,
		Settings: store.PoolSettings{
			PasswordPolicy: store.PasswordPolicy{MinimumLength: 8, RequireUppercase: true, RequireLowercase: true,
				RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7},
			AliasAttributes:        []string{"email", "phone_number", "preferred_username"},
			AutoVerifiedAttributes: []string{"email"},
			Schema: []store.SchemaAttribute{{Name: "custom:tenant", AttributeDataType: "String", Mutable: true,
				MinLength: "1", MaxLength: "64"}},
			MFA:                        store.MFAConfig{Configuration: "OFF"},
			Lambda:                     store.LambdaConfig{PreTokenGeneration: "pretoken", PreTokenGenerationVersion: "V2_0"},
			Tokens:                     store.TokenSettings{Issuer: "http://127.0.0.1/" + id},
			PreventUserExistenceErrors: "ENABLED",
			DeletionProtection:         "INACTIVE",
			Tags:                       map[string]string{"env": "test"},
		},
		CreatedAt: t0,
		UpdatedAt: t0,
	}
}

func newClient(poolID, id string) store.Client {
	return store.Client{
		PoolID: poolID, ClientID: id, Name: "client " + id, Secret: "s3cr3t" + id,
		ExplicitAuthFlows:     []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		AccessTokenValidity:   60,
		IDTokenValidity:       60,
		RefreshTokenValidity:  30,
		TokenValidityUnits:    store.TokenValidityUnits{AccessToken: "minutes", IDToken: "minutes", RefreshToken: "days"},
		ReadAttributes:        []string{"email", "name"},
		CallbackURLs:          []string{"http://127.0.0.1/cb"},
		EnableTokenRevocation: true,
		CreatedAt:             t0,
		UpdatedAt:             t0,
	}
}

func newUser(poolID, username string, n int) store.User {
	return store.User{
		PoolID:   poolID,
		Username: username,
		Sub:      fmt.Sprintf("00000000-0000-4000-8000-%012d", n),
		Status:   store.StatusConfirmed,
		Enabled:  true,
		Attributes: store.Attributes{
			{Name: "email", Value: fmt.Sprintf("user%d@example.com", n)},
			{Name: "email_verified", Value: "true"},
			{Name: "name", Value: fmt.Sprintf("User %d", n)},
		},
		PasswordHash: []byte{1, 2, 3, byte(n)},
		SRPSalt:      []byte{4, 5, 6},
		SRPVerifier:  []byte{7, 8, 9},
		Codes: []store.Code{{Purpose: store.CodeSignUp, Hash: []byte{9, 9}, CreatedAt: t0,
			ExpiresAt: t0.Add(24 * time.Hour)}},
		CreatedAt: t0,
		UpdatedAt: t0,
	}
}

func newGroup(poolID, name string, precedence *int64) store.Group {
	return store.Group{PoolID: poolID, Name: name, Description: "group " + name, Precedence: precedence,
		RoleArn: "arn:aws:iam::000000000000:role/" + name, CreatedAt: t0, UpdatedAt: t0}
}

func int64p(v int64) *int64 { return &v }

// collect pages through a list with the given limit and checks page sizes.
func collect[T any](t *testing.T, what string, limit int, list func(store.ListOptions) ([]T, string, error)) []T {
	t.Helper()
	var all []T
	token := ""
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatalf("%s: pagination does not terminate", what)
		}
		items, next, err := list(store.ListOptions{Limit: limit, Token: token})
		must(t, what, err)
		if len(items) > limit {
			t.Fatalf("%s: page %d has %d items, limit %d", what, i, len(items), limit)
		}
		if next != "" && len(items) != limit {
			t.Errorf("%s: page %d has %d items and a next token", what, i, len(items))
		}
		if i > 0 && len(items) == 0 {
			t.Errorf("%s: page %d is empty although the previous page had a next token", what, i)
		}
		all = append(all, items...)
		if next == "" {
			return all
		}
		token = next
	}
}
