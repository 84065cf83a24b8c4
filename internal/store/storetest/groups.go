package storetest

import (
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

func groupNames(gs []store.Group) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Name)
	}
	return out
}

func testGroups(t *testing.T, open NewFunc) {
	setup := func(t *testing.T) store.Store {
		s := open(t)
		must(t, "create pool", s.CreateUserPool(ctx(t), newPool("r_a")))
		must(t, "create ci pool", s.CreateUserPool(ctx(t), ciPool("r_ci")))
		return s
	}
	t.Run("CRUD", func(t *testing.T) {
		s := setup(t)
		want := newGroup("r_a", "admins", int64p(1))
		must(t, "create", s.CreateGroup(ctx(t), want))
		got, err := s.GetGroup(ctx(t), "r_a", "admins")
		must(t, "get", err)
		equal(t, "get", got, want)
		wantErr(t, "duplicate", s.CreateGroup(ctx(t), want), store.ErrConflict)
		wantErr(t, "missing pool", s.CreateGroup(ctx(t), newGroup("r_missing", "x", nil)), store.ErrNotFound)
		must(t, "same name in other pool", s.CreateGroup(ctx(t), newGroup("r_ci", "admins", nil)))

		must(t, "update", s.UpdateGroup(ctx(t), "r_a", "admins", func(g store.Group) (store.Group, error) {
			g.Description = "changed"
			g.Precedence = nil
			return g, nil
		}))
		want.Description, want.Precedence = "changed", nil
		got, err = s.GetGroup(ctx(t), "r_a", "admins")
		must(t, "get updated", err)
		equal(t, "updated", got, want)
		wantErr(t, "rename", s.UpdateGroup(ctx(t), "r_a", "admins", func(g store.Group) (store.Group, error) {
			g.Name = "other"
			return g, nil
		}), store.ErrPrecondition)
		wantErr(t, "abort", s.UpdateGroup(ctx(t), "r_a", "admins", func(g store.Group) (store.Group, error) {
			g.Description = "nope"
			return g, errAbort
		}), errAbort)
		got, err = s.GetGroup(ctx(t), "r_a", "admins")
		must(t, "get after rejected", err)
		equal(t, "after rejected updates", got, want)

		must(t, "delete", s.DeleteGroup(ctx(t), "r_a", "admins"))
		_, err = s.GetGroup(ctx(t), "r_a", "admins")
		wantErr(t, "get deleted", err, store.ErrNotFound)
		wantErr(t, "delete again", s.DeleteGroup(ctx(t), "r_a", "admins"), store.ErrNotFound)
		wantErr(t, "update deleted", s.UpdateGroup(ctx(t), "r_a", "admins", func(g store.Group) (store.Group, error) { return g, nil }), store.ErrNotFound)
		_, err = s.GetGroup(ctx(t), "r_ci", "admins")
		must(t, "other pool's group survives", err)
	})
	t.Run("List", func(t *testing.T) {
		s := setup(t)
		var want []string
		for i := 1; i <= 7; i++ {
			name := fmt.Sprintf("g%d", 8-i)
			must(t, "create", s.CreateGroup(ctx(t), newGroup("r_a", name, int64p(int64(i)))))
			want = append([]string{name}, want...)
		}
		got := collect(t, "list", 3, func(o store.ListOptions) ([]store.Group, string, error) {
			return s.ListGroups(ctx(t), "r_a", o)
		})
		equal(t, "names ordered by name", groupNames(got), want)
		_, _, err := s.ListGroups(ctx(t), "r_missing", store.ListOptions{})
		wantErr(t, "missing pool", err, store.ErrNotFound)
	})
	t.Run("Memberships", func(t *testing.T) {
		s := setup(t)
		for _, g := range []store.Group{
			newGroup("r_a", "zeta", int64p(0)),
			newGroup("r_a", "beta", int64p(5)),
			newGroup("r_a", "alpha", int64p(5)),
			newGroup("r_a", "none-b", nil),
			newGroup("r_a", "none-a", nil),
			newGroup("r_a", "big", int64p(1<<40)),
			newGroup("r_a", "unused", int64p(2)),
		} {
			must(t, "create group", s.CreateGroup(ctx(t), g))
		}
		for i, name := range []string{"carol", "alice", "bob"} {
			must(t, "create user", s.CreateUser(ctx(t), newUser("r_a", name, i)))
		}
		for _, g := range []string{"none-b", "beta", "zeta", "big", "alpha", "none-a"} {
			must(t, "add alice", s.AddUserToGroup(ctx(t), "r_a", g, "alice"))
		}
		must(t, "add alice again", s.AddUserToGroup(ctx(t), "r_a", "zeta", "alice"))
		for _, u := range []string{"carol", "bob"} {
			must(t, "add "+u, s.AddUserToGroup(ctx(t), "r_a", "zeta", u))
		}
		wantOrder := []string{"zeta", "alpha", "beta", "big", "none-a", "none-b"}
		for _, limit := range []int{1, 2, 4, 60} {
			got := collect(t, "groups for alice", limit, func(o store.ListOptions) ([]store.Group, string, error) {
				return s.ListGroupsForUser(ctx(t), "r_a", "alice", o)
			})
			equal(t, fmt.Sprintf("groups for alice, limit %d", limit), groupNames(got), wantOrder)
		}
		got := collect(t, "users in zeta", 2, func(o store.ListOptions) ([]store.User, string, error) {
			return s.ListUsersInGroup(ctx(t), "r_a", "zeta", o)
		})
		equal(t, "users in zeta", usernames(got), []string{"alice", "bob", "carol"})

		must(t, "remove", s.RemoveUserFromGroup(ctx(t), "r_a", "zeta", "bob"))
		must(t, "remove again", s.RemoveUserFromGroup(ctx(t), "r_a", "zeta", "bob"))
		got = collect(t, "users in zeta", 60, func(o store.ListOptions) ([]store.User, string, error) {
			return s.ListUsersInGroup(ctx(t), "r_a", "zeta", o)
		})
		equal(t, "users in zeta after remove", usernames(got), []string{"alice", "carol"})
		bobs, _, err := s.ListGroupsForUser(ctx(t), "r_a", "bob", store.ListOptions{})
		must(t, "bob's groups", err)
		equal(t, "bob's groups", len(bobs), 0)

		for name, err := range map[string]error{
			"add to missing group":      s.AddUserToGroup(ctx(t), "r_a", "nope", "alice"),
			"add missing user":          s.AddUserToGroup(ctx(t), "r_a", "zeta", "nobody"),
			"add in missing pool":       s.AddUserToGroup(ctx(t), "r_missing", "zeta", "alice"),
			"remove from missing group": s.RemoveUserFromGroup(ctx(t), "r_a", "nope", "alice"),
			"remove missing user":       s.RemoveUserFromGroup(ctx(t), "r_a", "zeta", "nobody"),
		} {
			wantErr(t, name, err, store.ErrNotFound)
		}
		_, _, err = s.ListGroupsForUser(ctx(t), "r_a", "nobody", store.ListOptions{})
		wantErr(t, "groups for missing user", err, store.ErrNotFound)
		_, _, err = s.ListUsersInGroup(ctx(t), "r_a", "nope", store.ListOptions{})
		wantErr(t, "users in missing group", err, store.ErrNotFound)
		_, _, err = s.ListGroupsForUser(ctx(t), "r_a", "alice", store.ListOptions{Token: store.EncodeCursor("x", "y")})
		wantErr(t, "bad precedence cursor", err, store.ErrInvalid)

		// Deleting a group with members removes the memberships only.
		must(t, "delete zeta", s.DeleteGroup(ctx(t), "r_a", "zeta"))
		got2, _, err := s.ListGroupsForUser(ctx(t), "r_a", "alice", store.ListOptions{})
		must(t, "alice's groups", err)
		equal(t, "alice's groups after delete", groupNames(got2), wantOrder[1:])
		must(t, "recreate zeta", s.CreateGroup(ctx(t), newGroup("r_a", "zeta", nil)))
		got = collect(t, "users in new zeta", 60, func(o store.ListOptions) ([]store.User, string, error) {
			return s.ListUsersInGroup(ctx(t), "r_a", "zeta", o)
		})
		equal(t, "recreated group is empty", len(got), 0)

		// Deleting a user removes its memberships.
		must(t, "delete alice", s.DeleteUser(ctx(t), "r_a", "alice"))
		must(t, "recreate alice", s.CreateUser(ctx(t), newUser("r_a", "alice", 9)))
		got2, _, err = s.ListGroupsForUser(ctx(t), "r_a", "alice", store.ListOptions{})
		must(t, "new alice's groups", err)
		equal(t, "recreated user has no groups", len(got2), 0)
	})
	t.Run("CaseInsensitiveMembers", func(t *testing.T) {
		s := setup(t)
		must(t, "group", s.CreateGroup(ctx(t), newGroup("r_ci", "g", nil)))
		must(t, "user", s.CreateUser(ctx(t), newUser("r_ci", "Alice", 1)))
		must(t, "add", s.AddUserToGroup(ctx(t), "r_ci", "g", "ALICE"))
		gs, _, err := s.ListGroupsForUser(ctx(t), "r_ci", "alice", store.ListOptions{})
		must(t, "groups", err)
		equal(t, "groups", groupNames(gs), []string{"g"})
		us, _, err := s.ListUsersInGroup(ctx(t), "r_ci", "g", store.ListOptions{})
		must(t, "users", err)
		equal(t, "users", usernames(us), []string{"Alice"})
	})
	t.Run("CopyIsolation", func(t *testing.T) {
		s := setup(t)
		g := newGroup("r_a", "g", int64p(3))
		must(t, "create", s.CreateGroup(ctx(t), g))
		*g.Precedence = 9
		got, err := s.GetGroup(ctx(t), "r_a", "g")
		must(t, "get", err)
		equal(t, "precedence after mutating input", *got.Precedence, int64(3))
		*got.Precedence = 9
		got, err = s.GetGroup(ctx(t), "r_a", "g")
		must(t, "get", err)
		equal(t, "precedence after mutating output", *got.Precedence, int64(3))
	})
}
