package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

var errAbort = errors.New("closure aborted")

func poolIDs(ps []store.UserPool) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func testUserPools(t *testing.T, open NewFunc) {
	t.Run("CreateGet", func(t *testing.T) {
		s := open(t)
		want := newPool("us-east-1_AAAAAAAA1")
		must(t, "create", s.CreateUserPool(ctx(t), want))
		got, err := s.GetUserPool(ctx(t), want.ID)
		must(t, "get", err)
		equal(t, "pool", got, want)
	})
	t.Run("NotFound", func(t *testing.T) {
		s := open(t)
		_, err := s.GetUserPool(ctx(t), "us-east-1_missing00")
		wantErr(t, "get", err, store.ErrNotFound)
		wantErr(t, "update", s.UpdateUserPool(ctx(t), "us-east-1_missing00", func(p store.UserPool) (store.UserPool, error) {
			t.Error("closure called for a missing pool")
			return p, nil
		}), store.ErrNotFound)
		wantErr(t, "delete", s.DeleteUserPool(ctx(t), "us-east-1_missing00"), store.ErrNotFound)
	})
	t.Run("Duplicate", func(t *testing.T) {
		s := open(t)
		p := newPool("us-east-1_AAAAAAAA1")
		must(t, "create", s.CreateUserPool(ctx(t), p))
		p.Name = "other"
		wantErr(t, "create duplicate", s.CreateUserPool(ctx(t), p), store.ErrConflict)
		got, err := s.GetUserPool(ctx(t), p.ID)
		must(t, "get", err)
		equal(t, "name after failed duplicate", got.Name, "pool "+p.ID)
	})
	t.Run("Update", func(t *testing.T) {
		s := open(t)
		p := newPool("us-east-1_AAAAAAAA1")
		must(t, "create", s.CreateUserPool(ctx(t), p))
		must(t, "update", s.UpdateUserPool(ctx(t), p.ID, func(got store.UserPool) (store.UserPool, error) {
			equal(t, "closure input", got, p)
			got.Name = "renamed"
			got.Settings.PasswordPolicy.MinimumLength = 12
			got.Settings.Tags["team"] = "idp"
			got.UpdatedAt = t0.Add(1)
			return got, nil
		}))
		want := p
		want.Name = "renamed"
		want.Settings.PasswordPolicy.MinimumLength = 12
		want.Settings.Tags = map[string]string{"env": "test", "team": "idp"}
		want.UpdatedAt = t0.Add(1)
		got, err := s.GetUserPool(ctx(t), p.ID)
		must(t, "get", err)
		equal(t, "updated pool", got, want)

		err = s.UpdateUserPool(ctx(t), p.ID, func(got store.UserPool) (store.UserPool, error) {
			got.Name = "must not stick"
			return got, errAbort
		})
		wantErr(t, "aborted update", err, errAbort)
		err = s.UpdateUserPool(ctx(t), p.ID, func(got store.UserPool) (store.UserPool, error) {
			got.ID = "us-east-1_BBBBBBBB1"
			return got, nil
		})
		wantErr(t, "id change", err, store.ErrPrecondition)
		got, err = s.GetUserPool(ctx(t), p.ID)
		must(t, "get", err)
		equal(t, "pool after rejected updates", got, want)
		_, err = s.GetUserPool(ctx(t), "us-east-1_BBBBBBBB1")
		wantErr(t, "get renamed id", err, store.ErrNotFound)
	})
	t.Run("CaseRuleFrozenWithUsers", func(t *testing.T) {
		s := open(t)
		p := newPool("us-east-1_AAAAAAAA1")
		must(t, "create", s.CreateUserPool(ctx(t), p))
		flip := func(got store.UserPool) (store.UserPool, error) {
			got.Settings.UsernameCaseInsensitive = !got.Settings.UsernameCaseInsensitive
			return got, nil
		}
		must(t, "flip without users", s.UpdateUserPool(ctx(t), p.ID, flip))
		must(t, "create user", s.CreateUser(ctx(t), newUser(p.ID, "alice", 1)))
		wantErr(t, "flip with users", s.UpdateUserPool(ctx(t), p.ID, flip), store.ErrPrecondition)
	})
	t.Run("ListPagination", func(t *testing.T) {
		s := open(t)
		var want []string
		for i := 9; i >= 1; i-- { // insert out of order
			id := fmt.Sprintf("us-east-1_POOL%05d", i)
			must(t, "create", s.CreateUserPool(ctx(t), newPool(id)))
			want = append(want, id)
		}
		slices.Sort(want)
		for _, limit := range []int{1, 2, 4, 9, 60} {
			t.Run(fmt.Sprintf("limit%d", limit), func(t *testing.T) {
				got := collect(t, "list", limit, func(o store.ListOptions) ([]store.UserPool, string, error) {
					return s.ListUserPools(ctx(t), o)
				})
				equal(t, "ids", poolIDs(got), want)
			})
		}
		first, _, err := s.ListUserPools(ctx(t), store.ListOptions{})
		must(t, "default limit", err)
		equal(t, "default limit ids", poolIDs(first), want)
	})
	t.Run("PaginationStable", func(t *testing.T) {
		s := open(t)
		for _, id := range []string{"r_b", "r_d", "r_f", "r_h"} {
			must(t, "create", s.CreateUserPool(ctx(t), newPool(id)))
		}
		page1, next, err := s.ListUserPools(ctx(t), store.ListOptions{Limit: 2})
		must(t, "page 1", err)
		equal(t, "page 1", poolIDs(page1), []string{"r_b", "r_d"})
		// Changes behind and ahead of the cursor.
		must(t, "create behind", s.CreateUserPool(ctx(t), newPool("r_a")))
		must(t, "delete last seen", s.DeleteUserPool(ctx(t), "r_d"))
		must(t, "create ahead", s.CreateUserPool(ctx(t), newPool("r_e")))
		must(t, "delete ahead", s.DeleteUserPool(ctx(t), "r_f"))
		rest := collect(t, "rest", 2, func(o store.ListOptions) ([]store.UserPool, string, error) {
			if o.Token == "" {
				o.Token = next
			}
			return s.ListUserPools(ctx(t), o)
		})
		equal(t, "rest", poolIDs(rest), []string{"r_e", "r_h"})
	})
	t.Run("BadToken", func(t *testing.T) {
		s := open(t)
		for name, tok := range map[string]string{"garbage": "!!!", "not json": "bm90IGpzb24", "wrong arity": store.EncodeCursor("a", "b")} {
			_, _, err := s.ListUserPools(ctx(t), store.ListOptions{Token: tok})
			wantErr(t, name, err, store.ErrInvalid)
		}
	})
	t.Run("CopyIsolation", func(t *testing.T) {
		s := open(t)
		p := newPool("us-east-1_AAAAAAAA1")
		want := newPool("us-east-1_AAAAAAAA1")
		must(t, "create", s.CreateUserPool(ctx(t), p))
		p.Settings.AliasAttributes[0] = "mutated"
		p.Settings.Tags["env"] = "mutated"
		got, err := s.GetUserPool(ctx(t), p.ID)
		must(t, "get", err)
		equal(t, "after mutating input", got, want)
		got.Settings.AliasAttributes[0] = "mutated"
		got.Settings.Tags["env"] = "mutated"
		got.Settings.Schema[0].Name = "mutated"
		again, err := s.GetUserPool(ctx(t), p.ID)
		must(t, "get again", err)
		equal(t, "after mutating output", again, want)
		var kept store.UserPool
		must(t, "update", s.UpdateUserPool(ctx(t), p.ID, func(in store.UserPool) (store.UserPool, error) {
			kept = in
			return in, nil
		}))
		kept.Settings.Tags["env"] = "mutated"
		again, err = s.GetUserPool(ctx(t), p.ID)
		must(t, "get after closure", err)
		equal(t, "after mutating closure value", again, want)
	})
}

func clientIDs(cs []store.Client) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ClientID)
	}
	return out
}

func testClients(t *testing.T, open NewFunc) {
	setup := func(t *testing.T) store.Store {
		s := open(t)
		must(t, "create pool a", s.CreateUserPool(ctx(t), newPool("r_a")))
		must(t, "create pool b", s.CreateUserPool(ctx(t), newPool("r_b")))
		return s
	}
	t.Run("CRUD", func(t *testing.T) {
		s := setup(t)
		want := newClient("r_a", "client1aaaaaaaaaaaaaaaaaaa")
		must(t, "create", s.CreateClient(ctx(t), want))
		got, err := s.GetClient(ctx(t), "r_a", want.ClientID)
		must(t, "get", err)
		equal(t, "get", got, want)
		got, err = s.FindClient(ctx(t), want.ClientID)
		must(t, "find", err)
		equal(t, "find", got, want)
		_, err = s.GetClient(ctx(t), "r_b", want.ClientID)
		wantErr(t, "get from other pool", err, store.ErrNotFound)

		must(t, "update", s.UpdateClient(ctx(t), "r_a", want.ClientID, func(c store.Client) (store.Client, error) {
			c.Name = "renamed"
			c.ExplicitAuthFlows = append(c.ExplicitAuthFlows, "ALLOW_USER_PASSWORD_AUTH")
			return c, nil
		}))
		want.Name = "renamed"
		want.ExplicitAuthFlows = []string{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"}
		got, err = s.GetClient(ctx(t), "r_a", want.ClientID)
		must(t, "get updated", err)
		equal(t, "updated", got, want)

		wantErr(t, "update aborted", s.UpdateClient(ctx(t), "r_a", want.ClientID, func(c store.Client) (store.Client, error) {
			c.Name = "nope"
			return c, errAbort
		}), errAbort)
		wantErr(t, "update moves pool", s.UpdateClient(ctx(t), "r_a", want.ClientID, func(c store.Client) (store.Client, error) {
			c.PoolID = "r_b"
			return c, nil
		}), store.ErrPrecondition)
		wantErr(t, "update changes id", s.UpdateClient(ctx(t), "r_a", want.ClientID, func(c store.Client) (store.Client, error) {
			c.ClientID = "other"
			return c, nil
		}), store.ErrPrecondition)
		wantErr(t, "update via other pool", s.UpdateClient(ctx(t), "r_b", want.ClientID, func(c store.Client) (store.Client, error) {
			return c, nil
		}), store.ErrNotFound)
		got, err = s.GetClient(ctx(t), "r_a", want.ClientID)
		must(t, "get after rejected updates", err)
		equal(t, "after rejected updates", got, want)

		wantErr(t, "delete via other pool", s.DeleteClient(ctx(t), "r_b", want.ClientID), store.ErrNotFound)
		must(t, "delete", s.DeleteClient(ctx(t), "r_a", want.ClientID))
		_, err = s.FindClient(ctx(t), want.ClientID)
		wantErr(t, "find deleted", err, store.ErrNotFound)
		wantErr(t, "delete again", s.DeleteClient(ctx(t), "r_a", want.ClientID), store.ErrNotFound)
	})
	t.Run("Conflicts", func(t *testing.T) {
		s := setup(t)
		c := newClient("r_a", "client1aaaaaaaaaaaaaaaaaaa")
		must(t, "create", s.CreateClient(ctx(t), c))
		wantErr(t, "same pool", s.CreateClient(ctx(t), c), store.ErrConflict)
		c.PoolID = "r_b"
		wantErr(t, "other pool", s.CreateClient(ctx(t), c), store.ErrConflict)
		c.PoolID = "r_missing"
		c.ClientID = "client2aaaaaaaaaaaaaaaaaaa"
		wantErr(t, "missing pool", s.CreateClient(ctx(t), c), store.ErrNotFound)
	})
	t.Run("List", func(t *testing.T) {
		s := setup(t)
		var want []string
		for i := 7; i >= 1; i-- {
			id := fmt.Sprintf("client%020d", i)
			must(t, "create a", s.CreateClient(ctx(t), newClient("r_a", id)))
			must(t, "create b", s.CreateClient(ctx(t), newClient("r_b", id+"b")))
			want = append(want, id)
		}
		slices.Sort(want)
		got := collect(t, "list", 3, func(o store.ListOptions) ([]store.Client, string, error) {
			return s.ListClients(ctx(t), "r_a", o)
		})
		equal(t, "ids", clientIDs(got), want)
		_, _, err := s.ListClients(ctx(t), "r_missing", store.ListOptions{})
		wantErr(t, "missing pool", err, store.ErrNotFound)
	})
	t.Run("CopyIsolation", func(t *testing.T) {
		s := setup(t)
		c := newClient("r_a", "client1aaaaaaaaaaaaaaaaaaa")
		want := newClient("r_a", "client1aaaaaaaaaaaaaaaaaaa")
		must(t, "create", s.CreateClient(ctx(t), c))
		c.ExplicitAuthFlows[0] = "mutated"
		got, err := s.FindClient(ctx(t), c.ClientID)
		must(t, "find", err)
		got.CallbackURLs[0] = "mutated"
		again, err := s.GetClient(ctx(t), "r_a", c.ClientID)
		must(t, "get", err)
		equal(t, "client", again, want)
	})
}
