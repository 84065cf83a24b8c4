package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

func newRefresh(token, poolID, clientID, sub, origin string, exp time.Time) store.RefreshToken {
	return store.RefreshToken{
		Hash: store.HashToken(token), PoolID: poolID, ClientID: clientID, Sub: sub, Username: "u-" + sub,
		OriginJTI: origin, AuthTime: t0, CreatedAt: t0, ExpiresAt: exp,
	}
}

func testRefreshTokens(t *testing.T, open NewFunc) {
	setup := func(t *testing.T) store.Store {
		s := open(t)
		must(t, "pool", s.CreateUserPool(ctx(t), newPool("r_a")))
		must(t, "client", s.CreateClient(ctx(t), newClient("r_a", "c1")))
		must(t, "client", s.CreateClient(ctx(t), newClient("r_a", "c2")))
		return s
	}
	exp := t0.Add(30 * 24 * time.Hour)
	t.Run("CreateGet", func(t *testing.T) {
		s := setup(t)
		want := newRefresh("tok1", "r_a", "c1", "sub1", "o1", exp)
		must(t, "create", s.CreateRefreshToken(ctx(t), want))
		got, err := s.GetRefreshToken(ctx(t), store.HashToken("tok1"))
		must(t, "get", err)
		equal(t, "token", got, want)
		_, err = s.GetRefreshToken(ctx(t), store.HashToken("tok2"))
		wantErr(t, "unknown", err, store.ErrNotFound)
		wantErr(t, "duplicate", s.CreateRefreshToken(ctx(t), want), store.ErrConflict)
		wantErr(t, "unknown client", s.CreateRefreshToken(ctx(t), newRefresh("tok3", "r_a", "cX", "sub1", "o3", exp)), store.ErrNotFound)
		wantErr(t, "unknown pool", s.CreateRefreshToken(ctx(t), newRefresh("tok4", "r_x", "c1", "sub1", "o4", exp)), store.ErrNotFound)
		got.Hash[0] ^= 0xff
		again, err := s.GetRefreshToken(ctx(t), store.HashToken("tok1"))
		must(t, "get after mutating output", err)
		equal(t, "token after mutating output", again, want)
	})
	t.Run("RevokeFamily", func(t *testing.T) {
		s := setup(t)
		for _, tk := range []store.RefreshToken{
			newRefresh("a1", "r_a", "c1", "sub1", "famA", exp),
			newRefresh("a2", "r_a", "c1", "sub1", "famA", exp),
			newRefresh("b1", "r_a", "c1", "sub1", "famB", exp),
		} {
			must(t, "create", s.CreateRefreshToken(ctx(t), tk))
		}
		at := t0.Add(time.Hour)
		must(t, "revoke", s.RevokeRefreshToken(ctx(t), store.HashToken("a1"), at))
		must(t, "revoke again", s.RevokeRefreshToken(ctx(t), store.HashToken("a1"), at.Add(time.Hour)))
		wantErr(t, "revoke unknown", s.RevokeRefreshToken(ctx(t), store.HashToken("zz"), at), store.ErrNotFound)
		tests := []struct {
			token   string
			revoked bool
		}{{"a1", true}, {"a2", true}, {"b1", false}}
		for _, tc := range tests {
			got, err := s.GetRefreshToken(ctx(t), store.HashToken(tc.token))
			must(t, "get "+tc.token, err)
			equal(t, tc.token+" revoked", got.Revoked, tc.revoked)
			if tc.revoked {
				equal(t, tc.token+" revoked at (first revocation kept)", got.RevokedAt, at)
			}
		}
		for origin, want := range map[string]bool{"famA": true, "famB": false, "famUnknown": false} {
			got, err := s.IsOriginRevoked(ctx(t), "r_a", origin)
			must(t, "is revoked "+origin, err)
			equal(t, "origin "+origin, got, want)
		}
	})
	t.Run("RevokeUser", func(t *testing.T) {
		s := setup(t)
		for _, tk := range []store.RefreshToken{
			newRefresh("u1", "r_a", "c1", "sub1", "f1", exp),
			newRefresh("u2", "r_a", "c2", "sub1", "f2", exp),
			newRefresh("v1", "r_a", "c1", "sub2", "f3", exp),
		} {
			must(t, "create", s.CreateRefreshToken(ctx(t), tk))
		}
		must(t, "revoke one first", s.RevokeRefreshToken(ctx(t), store.HashToken("u1"), t0))
		n, err := s.RevokeUserRefreshTokens(ctx(t), "r_a", "sub1", t0)
		must(t, "revoke user", err)
		equal(t, "newly revoked", n, 1)
		n, err = s.RevokeUserRefreshTokens(ctx(t), "r_a", "sub1", t0)
		must(t, "revoke user again", err)
		equal(t, "newly revoked second time", n, 0)
		for tok, want := range map[string]bool{"u1": true, "u2": true, "v1": false} {
			got, err := s.GetRefreshToken(ctx(t), store.HashToken(tok))
			must(t, "get", err)
			equal(t, tok+" revoked", got.Revoked, want)
		}
	})
	t.Run("Expiry", func(t *testing.T) {
		s := setup(t)
		must(t, "old", s.CreateRefreshToken(ctx(t), newRefresh("old", "r_a", "c1", "s", "f1", t0.Add(time.Minute))))
		must(t, "edge", s.CreateRefreshToken(ctx(t), newRefresh("edge", "r_a", "c1", "s", "f2", t0.Add(time.Hour))))
		must(t, "new", s.CreateRefreshToken(ctx(t), newRefresh("new", "r_a", "c1", "s", "f3", t0.Add(2*time.Hour))))
		n, err := s.DeleteExpiredRefreshTokens(ctx(t), t0.Add(time.Hour))
		must(t, "gc", err)
		equal(t, "deleted", n, 2)
		_, err = s.GetRefreshToken(ctx(t), store.HashToken("edge"))
		wantErr(t, "edge gone", err, store.ErrNotFound)
		_, err = s.GetRefreshToken(ctx(t), store.HashToken("new"))
		must(t, "new kept", err)
	})
	t.Run("DeleteClientRemovesTokens", func(t *testing.T) {
		s := setup(t)
		must(t, "c1 token", s.CreateRefreshToken(ctx(t), newRefresh("t1", "r_a", "c1", "s", "f1", exp)))
		must(t, "c2 token", s.CreateRefreshToken(ctx(t), newRefresh("t2", "r_a", "c2", "s", "f2", exp)))
		must(t, "delete c1", s.DeleteClient(ctx(t), "r_a", "c1"))
		_, err := s.GetRefreshToken(ctx(t), store.HashToken("t1"))
		wantErr(t, "c1 token", err, store.ErrNotFound)
		_, err = s.GetRefreshToken(ctx(t), store.HashToken("t2"))
		must(t, "c2 token", err)
	})
	t.Run("DeleteUserRemovesTokens", func(t *testing.T) {
		s := setup(t)
		u := newUser("r_a", "alice", 1)
		must(t, "user", s.CreateUser(ctx(t), u))
		must(t, "alice token", s.CreateRefreshToken(ctx(t), newRefresh("t1", "r_a", "c1", u.Sub, "f1", exp)))
		must(t, "other token", s.CreateRefreshToken(ctx(t), newRefresh("t2", "r_a", "c1", "other-sub", "f2", exp)))
		must(t, "delete user", s.DeleteUser(ctx(t), "r_a", "alice"))
		_, err := s.GetRefreshToken(ctx(t), store.HashToken("t1"))
		wantErr(t, "alice token", err, store.ErrNotFound)
		_, err = s.GetRefreshToken(ctx(t), store.HashToken("t2"))
		must(t, "other token", err)
	})
}

func testSessions(t *testing.T, open NewFunc) {
	t.Run("SingleUse", func(t *testing.T) {
		s := open(t)
		want := store.AuthSession{ID: "sess1", PoolID: "r_a", Payload: []byte(`{"step":1}`), CreatedAt: t0, ExpiresAt: t0.Add(3 * time.Minute)}
		must(t, "create", s.CreateSession(ctx(t), want))
		wantErr(t, "duplicate", s.CreateSession(ctx(t), want), store.ErrConflict)
		got, err := s.TakeSession(ctx(t), "sess1", t0.Add(time.Minute))
		must(t, "take", err)
		equal(t, "session", got, want)
		_, err = s.TakeSession(ctx(t), "sess1", t0.Add(time.Minute))
		wantErr(t, "take twice", err, store.ErrNotFound)
		_, err = s.TakeSession(ctx(t), "never", t0)
		wantErr(t, "unknown", err, store.ErrNotFound)
	})
	t.Run("Expiry", func(t *testing.T) {
		s := open(t)
		must(t, "create", s.CreateSession(ctx(t), store.AuthSession{ID: "s1", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}))
		_, err := s.TakeSession(ctx(t), "s1", t0.Add(time.Minute))
		wantErr(t, "take at expiry", err, store.ErrNotFound)
		_, err = s.TakeSession(ctx(t), "s1", t0)
		wantErr(t, "expired session is deleted", err, store.ErrNotFound)

		must(t, "create a", s.CreateSession(ctx(t), store.AuthSession{ID: "a", CreatedAt: t0, ExpiresAt: t0.Add(time.Minute)}))
		must(t, "create b", s.CreateSession(ctx(t), store.AuthSession{ID: "b", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
		n, err := s.DeleteExpiredSessions(ctx(t), t0.Add(2*time.Minute))
		must(t, "gc", err)
		equal(t, "deleted", n, 1)
		_, err = s.TakeSession(ctx(t), "b", t0)
		must(t, "b kept", err)
	})
	t.Run("CopyIsolation", func(t *testing.T) {
		s := open(t)
		in := store.AuthSession{ID: "s", Payload: []byte("abc"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		must(t, "create", s.CreateSession(ctx(t), in))
		in.Payload[0] = 'X'
		got, err := s.TakeSession(ctx(t), "s", t0)
		must(t, "take", err)
		equal(t, "payload", string(got.Payload), "abc")
	})
}

func testKeys(t *testing.T, open NewFunc) {
	s := open(t)
	must(t, "pool", s.CreateUserPool(ctx(t), newPool("r_a")))
	_, err := s.GetKeys(ctx(t), "r_a")
	wantErr(t, "no keys yet", err, store.ErrNotFound)
	wantErr(t, "missing pool", s.UpdateKeys(ctx(t), "r_missing", func(ks store.KeySet) (store.KeySet, error) { return ks, nil }), store.ErrNotFound)

	k1 := store.SigningKey{KID: "k1", Alg: "RS256", Use: "id", PrivateKey: []byte("der-1"), CreatedAt: t0}
	must(t, "create", s.UpdateKeys(ctx(t), "r_a", func(ks store.KeySet) (store.KeySet, error) {
		equal(t, "empty set", ks, store.KeySet{PoolID: "r_a"})
		ks.Keys = append(ks.Keys, k1)
		ks.UpdatedAt = t0
		return ks, nil
	}))
	k2 := store.SigningKey{KID: "k2", Alg: "RS256", Use: "id", PrivateKey: []byte("der-2"), CreatedAt: t0.Add(time.Hour)}
	must(t, "rotate", s.UpdateKeys(ctx(t), "r_a", func(ks store.KeySet) (store.KeySet, error) {
		ks.Keys[0].RetiredAt = t0.Add(time.Hour)
		ks.Keys[0].NotAfter = t0.Add(2 * time.Hour)
		ks.Keys = append(ks.Keys, k2)
		ks.UpdatedAt = t0.Add(time.Hour)
		return ks, nil
	}))
	k1.RetiredAt, k1.NotAfter = t0.Add(time.Hour), t0.Add(2*time.Hour)
	want := store.KeySet{PoolID: "r_a", Keys: []store.SigningKey{k1, k2}, UpdatedAt: t0.Add(time.Hour)}
	got, err := s.GetKeys(ctx(t), "r_a")
	must(t, "get", err)
	equal(t, "key set", got, want)

	wantErr(t, "abort", s.UpdateKeys(ctx(t), "r_a", func(ks store.KeySet) (store.KeySet, error) {
		ks.Keys = nil
		return ks, errAbort
	}), errAbort)
	wantErr(t, "pool change", s.UpdateKeys(ctx(t), "r_a", func(ks store.KeySet) (store.KeySet, error) {
		ks.PoolID = "r_b"
		return ks, nil
	}), store.ErrPrecondition)
	got.Keys[0].PrivateKey[0] = 'X'
	got, err = s.GetKeys(ctx(t), "r_a")
	must(t, "get after rejected updates", err)
	equal(t, "key set after rejected updates", got, want)
}

func testMeta(t *testing.T, open NewFunc) {
	s := open(t)
	_, err := s.GetMeta(ctx(t), "k")
	wantErr(t, "missing", err, store.ErrNotFound)
	must(t, "set", s.SetMeta(ctx(t), "k", "v1"))
	must(t, "overwrite", s.SetMeta(ctx(t), "k", "v2"))
	must(t, "set empty", s.SetMeta(ctx(t), "empty", ""))
	for key, want := range map[string]string{"k": "v2", "empty": ""} {
		got, err := s.GetMeta(ctx(t), key)
		must(t, "get "+key, err)
		equal(t, key, got, want)
	}
	must(t, "delete", s.DeleteMeta(ctx(t), "k"))
	must(t, "delete missing", s.DeleteMeta(ctx(t), "k"))
	_, err = s.GetMeta(ctx(t), "k")
	wantErr(t, "deleted", err, store.ErrNotFound)
}

func testCascade(t *testing.T, open NewFunc) {
	s := open(t)
	for _, id := range []string{"r_a", "r_b"} {
		must(t, "pool", s.CreateUserPool(ctx(t), newPool(id)))
		must(t, "client", s.CreateClient(ctx(t), newClient(id, "client-"+id)))
		u := withAlias(newUser(id, "alice", 1), "email", "a@example.com")
		must(t, "user", s.CreateUser(ctx(t), u))
		must(t, "group", s.CreateGroup(ctx(t), newGroup(id, "g", nil)))
		must(t, "member", s.AddUserToGroup(ctx(t), id, "g", "alice"))
		must(t, "token", s.CreateRefreshToken(ctx(t), newRefresh("tok-"+id, id, "client-"+id, u.Sub, "f", t0.Add(time.Hour))))
		must(t, "session", s.CreateSession(ctx(t), store.AuthSession{ID: "sess-" + id, PoolID: id, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
		must(t, "keys", s.UpdateKeys(ctx(t), id, func(ks store.KeySet) (store.KeySet, error) {
			ks.Keys = []store.SigningKey{{KID: "k-" + id, Alg: "RS256", PrivateKey: []byte("x"), CreatedAt: t0}}
			return ks, nil
		}))
	}
	must(t, "delete pool", s.DeleteUserPool(ctx(t), "r_a"))
	_, err := s.FindClient(ctx(t), "client-r_a")
	wantErr(t, "client", err, store.ErrNotFound)
	_, err = s.GetRefreshToken(ctx(t), store.HashToken("tok-r_a"))
	wantErr(t, "token", err, store.ErrNotFound)
	_, err = s.TakeSession(ctx(t), "sess-r_a", t0)
	wantErr(t, "session", err, store.ErrNotFound)
	_, err = s.GetKeys(ctx(t), "r_a")
	wantErr(t, "keys", err, store.ErrNotFound)

	// Recreating the pool starts empty.
	must(t, "recreate pool", s.CreateUserPool(ctx(t), newPool("r_a")))
	n, err := s.CountUsers(ctx(t), "r_a")
	must(t, "count", err)
	equal(t, "users in recreated pool", n, 0)
	_, err = s.GetUserByAlias(ctx(t), "r_a", "email", "a@example.com")
	wantErr(t, "alias in recreated pool", err, store.ErrNotFound)
	groups, _, err := s.ListGroups(ctx(t), "r_a", store.ListOptions{})
	must(t, "groups", err)
	equal(t, "groups in recreated pool", len(groups), 0)
	must(t, "recreate client id", s.CreateClient(ctx(t), newClient("r_a", "client-r_a")))

	// The other pool is untouched.
	_, err = s.FindClient(ctx(t), "client-r_b")
	must(t, "other client", err)
	_, err = s.GetRefreshToken(ctx(t), store.HashToken("tok-r_b"))
	must(t, "other token", err)
	_, err = s.TakeSession(ctx(t), "sess-r_b", t0)
	must(t, "other session", err)
	_, err = s.GetKeys(ctx(t), "r_b")
	must(t, "other keys", err)
	gs, _, err := s.ListGroupsForUser(ctx(t), "r_b", "alice", store.ListOptions{})
	must(t, "other memberships", err)
	equal(t, "other memberships", groupNames(gs), []string{"g"})
}
