package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

func usernames(us []store.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Username)
	}
	return out
}

// ciPool returns a case-insensitive pool.
func ciPool(id string) store.UserPool {
	p := newPool(id)
	p.Settings.UsernameCaseInsensitive = true
	return p
}

func testUsers(t *testing.T, open NewFunc) {
	setup := func(t *testing.T) store.Store {
		s := open(t)
		must(t, "create pool", s.CreateUserPool(ctx(t), newPool("r_cs")))
		must(t, "create ci pool", s.CreateUserPool(ctx(t), ciPool("r_ci")))
		return s
	}
	t.Run("CRUD", func(t *testing.T) {
		s := setup(t)
		want := newUser("r_cs", "alice", 1)
		want.Aliases = store.Attributes{{Name: "email", Value: "user1@example.com"}}
		want.PasswordHistory = [][]byte{{1}, {2}}
		want.TempPasswordExpiresAt = t0.Add(7 * 24 * time.Hour)
		want.LockedUntil = t0.Add(time.Second)
		must(t, "create", s.CreateUser(ctx(t), want))
		for name, get := range map[string]func() (store.User, error){
			"by username": func() (store.User, error) { return s.GetUser(ctx(t), "r_cs", "alice") },
			"by sub":      func() (store.User, error) { return s.GetUserBySub(ctx(t), "r_cs", want.Sub) },
			"by alias":    func() (store.User, error) { return s.GetUserByAlias(ctx(t), "r_cs", "email", "user1@example.com") },
		} {
			got, err := get()
			must(t, name, err)
			equal(t, name, got, want)
		}
		n, err := s.CountUsers(ctx(t), "r_cs")
		must(t, "count", err)
		equal(t, "count", n, 1)

		must(t, "update", s.UpdateUser(ctx(t), "r_cs", "alice", func(u store.User) (store.User, error) {
			u.Attributes = u.Attributes.Set("name", "Alice A").Set("custom:tenant", "t1")
			u.Status = store.StatusResetRequired
			u.FailedLogins = 3
			u.UpdatedAt = t0.Add(time.Minute)
			return u, nil
		}))
		want.Attributes = store.Attributes{{Name: "email", Value: "user1@example.com"},
			{Name: "email_verified", Value: "true"}, {Name: "name", Value: "Alice A"}, {Name: "custom:tenant", Value: "t1"}}
		want.Status = store.StatusResetRequired
		want.FailedLogins = 3
		want.UpdatedAt = t0.Add(time.Minute)
		got, err := s.GetUser(ctx(t), "r_cs", "alice")
		must(t, "get updated", err)
		equal(t, "updated", got, want)

		wantErr(t, "aborted update", s.UpdateUser(ctx(t), "r_cs", "alice", func(u store.User) (store.User, error) {
			u.Enabled = false
			return u, errAbort
		}), errAbort)
		for name, mutate := range map[string]func(*store.User){
			"username": func(u *store.User) { u.Username = "alice2" },
			"sub":      func(u *store.User) { u.Sub = "other" },
			"pool":     func(u *store.User) { u.PoolID = "r_ci" },
		} {
			wantErr(t, "change "+name, s.UpdateUser(ctx(t), "r_cs", "alice", func(u store.User) (store.User, error) {
				mutate(&u)
				return u, nil
			}), store.ErrPrecondition)
		}
		got, err = s.GetUser(ctx(t), "r_cs", "alice")
		must(t, "get after rejected updates", err)
		equal(t, "after rejected updates", got, want)

		must(t, "delete", s.DeleteUser(ctx(t), "r_cs", "alice"))
		_, err = s.GetUser(ctx(t), "r_cs", "alice")
		wantErr(t, "get deleted", err, store.ErrNotFound)
		_, err = s.GetUserBySub(ctx(t), "r_cs", want.Sub)
		wantErr(t, "get deleted by sub", err, store.ErrNotFound)
		_, err = s.GetUserByAlias(ctx(t), "r_cs", "email", "user1@example.com")
		wantErr(t, "get deleted by alias", err, store.ErrNotFound)
		wantErr(t, "delete again", s.DeleteUser(ctx(t), "r_cs", "alice"), store.ErrNotFound)
		// The username and alias become reusable.
		again := newUser("r_cs", "alice", 2)
		again.Aliases = store.Attributes{{Name: "email", Value: "user1@example.com"}}
		must(t, "recreate", s.CreateUser(ctx(t), again))
	})
	t.Run("NotFound", func(t *testing.T) {
		s := setup(t)
		_, err := s.GetUser(ctx(t), "r_cs", "nobody")
		wantErr(t, "get", err, store.ErrNotFound)
		_, err = s.GetUserBySub(ctx(t), "r_cs", "nobody")
		wantErr(t, "by sub", err, store.ErrNotFound)
		_, err = s.GetUserByAlias(ctx(t), "r_cs", "email", "nobody@example.com")
		wantErr(t, "by alias", err, store.ErrNotFound)
		wantErr(t, "update", s.UpdateUser(ctx(t), "r_cs", "nobody", func(u store.User) (store.User, error) {
			t.Error("closure called for a missing user")
			return u, nil
		}), store.ErrNotFound)
		wantErr(t, "create in missing pool", s.CreateUser(ctx(t), newUser("r_missing", "bob", 1)), store.ErrNotFound)
		_, err = s.GetUser(ctx(t), "r_missing", "bob")
		wantErr(t, "get in missing pool", err, store.ErrNotFound)
		_, _, err = s.ListUsers(ctx(t), "r_missing", store.ListUsersOptions{})
		wantErr(t, "list in missing pool", err, store.ErrNotFound)
		_, err = s.CountUsers(ctx(t), "r_missing")
		wantErr(t, "count in missing pool", err, store.ErrNotFound)
	})
	t.Run("Uniqueness", func(t *testing.T) {
		tests := []struct {
			name   string
			pool   string
			first  store.User
			second store.User
			want   error
		}{
			{name: "same username", pool: "r_cs", first: newUser("r_cs", "bob", 1), second: newUser("r_cs", "bob", 2), want: store.ErrConflict},
			{name: "case differs in case-sensitive pool", pool: "r_cs", first: newUser("r_cs", "bob", 1), second: newUser("r_cs", "Bob", 2)},
			{name: "case differs in case-insensitive pool", pool: "r_ci", first: newUser("r_ci", "bob", 1), second: newUser("r_ci", "BOB", 2), want: store.ErrConflict},
			{name: "same sub", pool: "r_cs", first: newUser("r_cs", "bob", 1), second: newUser("r_cs", "carol", 1), want: store.ErrConflict},
			{name: "same sub in other pool", pool: "r_cs", first: newUser("r_cs", "bob", 1), second: newUser("r_ci", "bob", 1)},
			{
				name: "same alias", pool: "r_cs",
				first:  withAlias(newUser("r_cs", "bob", 1), "email", "x@example.com"),
				second: withAlias(newUser("r_cs", "carol", 2), "email", "x@example.com"), want: store.ErrConflict,
			},
			{
				name: "alias differs by case in case-insensitive pool", pool: "r_ci",
				first:  withAlias(newUser("r_ci", "bob", 1), "email", "X@example.com"),
				second: withAlias(newUser("r_ci", "carol", 2), "email", "x@EXAMPLE.com"), want: store.ErrConflict,
			},
			{
				name: "alias differs by case in case-sensitive pool", pool: "r_cs",
				first:  withAlias(newUser("r_cs", "bob", 1), "email", "X@example.com"),
				second: withAlias(newUser("r_cs", "carol", 2), "email", "x@example.com"),
			},
			{
				name: "same value under different alias names", pool: "r_cs",
				first:  withAlias(newUser("r_cs", "bob", 1), "preferred_username", "x"),
				second: withAlias(newUser("r_cs", "carol", 2), "email", "x"),
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				s := setup(t)
				must(t, "first", s.CreateUser(ctx(t), tc.first))
				err := s.CreateUser(ctx(t), tc.second)
				if tc.want == nil {
					must(t, "second", err)
					return
				}
				wantErr(t, "second", err, tc.want)
				n, err := s.CountUsers(ctx(t), tc.second.PoolID)
				must(t, "count", err)
				equal(t, "users after conflict", n, 1)
			})
		}
	})
	t.Run("CaseInsensitiveLookups", func(t *testing.T) {
		s := setup(t)
		u := withAlias(newUser("r_ci", "Alice", 1), "email", "Alice@Example.com")
		must(t, "create", s.CreateUser(ctx(t), u))
		got, err := s.GetUser(ctx(t), "r_ci", "aLiCe")
		must(t, "get other case", err)
		equal(t, "stored username keeps its case", got.Username, "Alice")
		_, err = s.GetUserByAlias(ctx(t), "r_ci", "email", "alice@example.COM")
		must(t, "alias other case", err)
		must(t, "update other case", s.UpdateUser(ctx(t), "r_ci", "ALICE", func(u store.User) (store.User, error) {
			u.Enabled = false
			return u, nil
		}))
		must(t, "delete other case", s.DeleteUser(ctx(t), "r_ci", "alice"))

		cs := newUser("r_cs", "Alice", 2)
		must(t, "create case-sensitive", s.CreateUser(ctx(t), cs))
		_, err = s.GetUser(ctx(t), "r_cs", "alice")
		wantErr(t, "case-sensitive other case", err, store.ErrNotFound)
	})
	t.Run("AliasMoves", func(t *testing.T) {
		s := setup(t)
		must(t, "create bob", s.CreateUser(ctx(t), withAlias(newUser("r_cs", "bob", 1), "email", "x@example.com")))
		must(t, "create carol", s.CreateUser(ctx(t), newUser("r_cs", "carol", 2)))
		take := func(u store.User) (store.User, error) {
			u.Aliases = u.Aliases.Set("email", "x@example.com")
			return u, nil
		}
		wantErr(t, "carol takes held alias", s.UpdateUser(ctx(t), "r_cs", "carol", take), store.ErrConflict)
		must(t, "bob keeps his alias on unrelated update", s.UpdateUser(ctx(t), "r_cs", "bob", func(u store.User) (store.User, error) {
			u.FailedLogins++
			return u, nil
		}))
		must(t, "bob drops alias", s.UpdateUser(ctx(t), "r_cs", "bob", func(u store.User) (store.User, error) {
			u.Aliases = u.Aliases.Delete("email")
			return u, nil
		}))
		must(t, "carol takes freed alias", s.UpdateUser(ctx(t), "r_cs", "carol", take))
		got, err := s.GetUserByAlias(ctx(t), "r_cs", "email", "x@example.com")
		must(t, "lookup", err)
		equal(t, "alias holder", got.Username, "carol")
		bad := withAlias(newUser("r_cs", "dave", 3), "email", "a@example.com")
		bad.Aliases = append(bad.Aliases, store.Attribute{Name: "email", Value: "b@example.com"})
		wantErr(t, "duplicate alias names", s.CreateUser(ctx(t), bad), store.ErrInvalid)
	})
	t.Run("List", func(t *testing.T) {
		s := setup(t)
		var want []string
		for i := 11; i >= 1; i-- {
			name := fmt.Sprintf("user%02d", i)
			must(t, "create", s.CreateUser(ctx(t), newUser("r_cs", name, i)))
			want = append(want, name)
		}
		slices.Sort(want)
		for _, limit := range []int{1, 3, 11, 60} {
			got := collect(t, "list", limit, func(o store.ListOptions) ([]store.User, string, error) {
				return s.ListUsers(ctx(t), "r_cs", store.ListUsersOptions{ListOptions: o})
			})
			equal(t, fmt.Sprintf("limit %d", limit), usernames(got), want)
		}
		n, err := s.CountUsers(ctx(t), "r_cs")
		must(t, "count", err)
		equal(t, "count", n, 11)
		_, _, err = s.ListUsers(ctx(t), "r_cs", store.ListUsersOptions{Filter: &store.Filter{Attribute: "custom:tenant", Value: "x"}})
		wantErr(t, "unsearchable attribute", err, store.ErrInvalid)
	})
	t.Run("ByteOrder", func(t *testing.T) {
		// Lists are ordered by the bytes of the (normalized) username, the
		// order of Go's string comparison, whatever the backend's collation.
		s := setup(t)
		names := []string{"zoe", "Zoë", "Ängel", "apple", "😀smile", "Bob", "bob2", "_under", "0zero", "émile"}
		for i, name := range names {
			must(t, "create", s.CreateUser(ctx(t), newUser("r_cs", name, i)))
			must(t, "create ci", s.CreateUser(ctx(t), newUser("r_ci", name, i)))
		}
		want := slices.Clone(names)
		slices.Sort(want)
		got := collect(t, "list", 3, func(o store.ListOptions) ([]store.User, string, error) {
			return s.ListUsers(ctx(t), "r_cs", store.ListUsersOptions{ListOptions: o})
		})
		equal(t, "case-sensitive order", usernames(got), want)
		wantCI := slices.Clone(names)
		slices.SortFunc(wantCI, func(a, b string) int {
			return strings.Compare(store.NormalizeKey(a, true), store.NormalizeKey(b, true))
		})
		got = collect(t, "list ci", 4, func(o store.ListOptions) ([]store.User, string, error) {
			return s.ListUsers(ctx(t), "r_ci", store.ListUsersOptions{ListOptions: o})
		})
		equal(t, "case-insensitive order", usernames(got), wantCI)
		f, err := store.ParseFilter(`username ^= "Ä"`)
		must(t, "parse", err)
		got, _, err = s.ListUsers(ctx(t), "r_ci", store.ListUsersOptions{Filter: &f})
		must(t, "filter", err)
		equal(t, "non-ASCII prefix, case-insensitive", usernames(got), []string{"Ängel"})
	})
	t.Run("CopyIsolation", func(t *testing.T) {
		s := setup(t)
		u := newUser("r_cs", "alice", 1)
		want := newUser("r_cs", "alice", 1)
		must(t, "create", s.CreateUser(ctx(t), u))
		u.Attributes[0].Value = "mutated"
		u.PasswordHash[0] = 99
		u.Codes[0].Hash[0] = 99
		got, err := s.GetUser(ctx(t), "r_cs", "alice")
		must(t, "get", err)
		equal(t, "after mutating input", got, want)
		got.Attributes[0].Value = "mutated"
		got.SRPVerifier[0] = 99
		again, err := s.GetUserBySub(ctx(t), "r_cs", u.Sub)
		must(t, "get again", err)
		equal(t, "after mutating output", again, want)
	})
}

func withAlias(u store.User, name, value string) store.User {
	u.Aliases = u.Aliases.Set(name, value)
	return u
}

func testListUsersFilter(t *testing.T, open NewFunc) {
	s := open(t)
	must(t, "create pool", s.CreateUserPool(ctx(t), newPool("r_cs")))
	must(t, "create ci pool", s.CreateUserPool(ctx(t), ciPool("r_ci")))
	mk := func(pool, username string, n int, status string, enabled bool, attrs ...string) {
		t.Helper()
		u := newUser(pool, username, n)
		u.Status, u.Enabled = status, enabled
		u.Attributes = nil
		for i := 0; i+1 < len(attrs); i += 2 {
			u.Attributes = u.Attributes.Set(attrs[i], attrs[i+1])
		}
		must(t, "create "+username, s.CreateUser(ctx(t), u))
	}
	for _, pool := range []string{"r_cs", "r_ci"} {
		mk(pool, "Jane", 1, store.StatusConfirmed, true, "email", "jane@example.com", "given_name", "Jane",
			"family_name", "Doe", "name", "Jane Doe", "phone_number", "+15550100", "preferred_username", "jd")
		mk(pool, "john", 2, store.StatusUnconfirmed, true, "email", "john@example.org", "given_name", "John",
			"family_name", "Doe", "custom:tenant", "t1")
		mk(pool, "jo", 3, store.StatusForceChangePassword, false, "email", "Jo@Example.com", "given_name", "Jo")
		mk(pool, "zed", 4, store.StatusConfirmed, true)
	}
	tests := []struct {
		name   string
		pool   string
		filter string
		want   []string
	}{
		{name: "username exact", pool: "r_cs", filter: `username = "john"`, want: []string{"john"}},
		{name: "username case-sensitive", pool: "r_cs", filter: `username = "jane"`, want: nil},
		{name: "username case-insensitive pool", pool: "r_ci", filter: `username = "jane"`, want: []string{"Jane"}},
		{name: "username prefix", pool: "r_cs", filter: `username ^= "jo"`, want: []string{"jo", "john"}},
		{name: "username prefix ci", pool: "r_ci", filter: `username ^= "J"`, want: []string{"Jane", "jo", "john"}},
		{name: "email exact", pool: "r_cs", filter: `email = "jane@example.com"`, want: []string{"Jane"}},
		{name: "email is exact about case", pool: "r_cs", filter: `email = "jo@example.com"`, want: nil},
		{name: "email prefix", pool: "r_cs", filter: `email ^= "j"`, want: []string{"Jane", "john"}},
		{name: "empty prefix matches holders", pool: "r_cs", filter: `email ^= ""`, want: []string{"Jane", "jo", "john"}},
		{name: "family_name", pool: "r_cs", filter: `family_name = "Doe"`, want: []string{"Jane", "john"}},
		{name: "given_name prefix", pool: "r_cs", filter: `given_name ^= "Jo"`, want: []string{"jo", "john"}},
		{name: "name", pool: "r_cs", filter: `name = "Jane Doe"`, want: []string{"Jane"}},
		{name: "phone_number", pool: "r_cs", filter: `phone_number ^= "+1555"`, want: []string{"Jane"}},
		{name: "preferred_username", pool: "r_cs", filter: `preferred_username = "jd"`, want: []string{"Jane"}},
		{name: "user status", pool: "r_cs", filter: `cognito:user_status = "CONFIRMED"`, want: []string{"Jane", "zed"}},
		{name: "user status any case", pool: "r_cs", filter: `cognito:user_status = "unconfirmed"`, want: []string{"john"}},
		{name: "user status prefix", pool: "r_cs", filter: `cognito:user_status ^= "force"`, want: []string{"jo"}},
		{name: "enabled", pool: "r_cs", filter: `status = "Enabled"`, want: []string{"Jane", "john", "zed"}},
		{name: "disabled", pool: "r_cs", filter: `status = "Disabled"`, want: []string{"jo"}},
		{name: "sub", pool: "r_cs", filter: `sub = "00000000-0000-4000-8000-000000000002"`, want: []string{"john"}},
		{name: "sub prefix", pool: "r_cs", filter: `sub ^= "00000000-0000-4000-8000-00000000000"`, want: []string{"Jane", "jo", "john", "zed"}},
		{name: "quote in value", pool: "r_cs", filter: `name = "Jane \"Doe"`, want: nil},
		{name: "like metacharacters are literal", pool: "r_cs", filter: `email ^= "%"`, want: nil},
		{name: "underscore literal", pool: "r_cs", filter: `given_name ^= "J_"`, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := store.ParseFilter(tc.filter)
			must(t, "parse", err)
			for _, limit := range []int{1, 2, 60} {
				got := collect(t, "list", limit, func(o store.ListOptions) ([]store.User, string, error) {
					return s.ListUsers(ctx(t), tc.pool, store.ListUsersOptions{ListOptions: o, Filter: &f})
				})
				equal(t, fmt.Sprintf("limit %d", limit), usernames(got), tc.want)
			}
		})
	}
	t.Run("FilterTracksUpdates", func(t *testing.T) {
		must(t, "update", s.UpdateUser(ctx(t), "r_cs", "zed", func(u store.User) (store.User, error) {
			u.Attributes = u.Attributes.Set("email", "zed@example.com")
			u.Enabled = false
			return u, nil
		}))
		f, err := store.ParseFilter(`email ^= "zed"`)
		must(t, "parse", err)
		got, _, err := s.ListUsers(ctx(t), "r_cs", store.ListUsersOptions{Filter: &f})
		must(t, "list", err)
		equal(t, "by new email", usernames(got), []string{"zed"})
		f, err = store.ParseFilter(`status = "Disabled"`)
		must(t, "parse", err)
		got, _, err = s.ListUsers(ctx(t), "r_cs", store.ListUsersOptions{Filter: &f})
		must(t, "list", err)
		equal(t, "disabled", usernames(got), []string{"jo", "zed"})
	})
}
