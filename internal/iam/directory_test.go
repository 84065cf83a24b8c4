package iam

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/sigv4"
)

const testAccount = "123456789012"

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func doc(s string) *config.PolicyDocument { return &config.PolicyDocument{JSON: []byte(s)} }

const (
	polInvokeOwnPath = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/GET/users/${aws:username}"}]}`
	polDenyDelete    = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/*/DELETE/*"}]}`
	polAllowAssume   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	polTeamTag       = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}`
)

func testIAM() *config.IAM {
	return &config.IAM{
		Policies: []config.ManagedPolicy{{Name: "deny-delete", Document: doc(polDenyDelete)}, {Name: "assume", Document: doc(polAllowAssume)}},
		Users: []config.IAMUser{
			{Name: "alice", Path: "/eng/", AccessKeys: []config.AccessKey{{ID: "AKIAALICE0000001", Secret: "alice-secret"}, {ID: "AKIAALICEOLD0001", Secret: "old", Inactive: true}},
				Policies: []config.InlinePolicy{{Name: "own", Document: doc(polInvokeOwnPath)}}, ManagedPolicies: []string{"deny-delete"},
				Tags: map[string]string{"team": "blue"}},
			{Name: "bob", AccessKeys: []config.AccessKey{{ID: "AKIABOB000000001", Secret: "bob-secret"}}, ManagedPolicies: []string{"assume"}},
			{Name: "carol", AccessKeys: []config.AccessKey{{ID: "AKIACAROL0000001", Secret: "carol-secret"}}},
		},
		Roles: []config.IAMRole{
			{Name: "alice-only", Path: "/svc/", Tags: map[string]string{"team": "red"}, Policies: []config.InlinePolicy{{Name: "tag", Document: doc(polTeamTag)}},
				TrustPolicy: doc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/eng/alice"},"Action":"sts:AssumeRole"}]}`)},
			{Name: "account-wide", MaxSessionDuration: config.Duration(2 * time.Hour),
				TrustPolicy: doc(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}}`)},
		},
	}
}

func testDirectory(t *testing.T, sessions SessionStore) *Directory {
	t.Helper()
	d, err := NewDirectory(Options{IAM: testIAM(), Account: testAccount,
		Root: RootCredentials{AccessKeyID: "AKIAROOT00000001", SecretAccessKey: "root-secret"}, Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRootCredentialsFromEnv(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		want       RootCredentials
		wantErrSub string
	}{
		{name: "both unset", env: map[string]string{}},
		{name: "both set", env: map[string]string{EnvAccessKeyID: "AKIAROOT", EnvSecretAccessKey: "s"}, want: RootCredentials{"AKIAROOT", "s"}},
		{name: "only id", env: map[string]string{EnvAccessKeyID: "AKIAROOT"}, wantErrSub: "both"},
		{name: "only secret", env: map[string]string{EnvSecretAccessKey: "s"}, wantErrSub: "both"},
		{name: "ASIA prefix", env: map[string]string{EnvAccessKeyID: "ASIAROOT", EnvSecretAccessKey: "s"}, wantErrSub: "ASIA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RootCredentialsFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErrSub)
				}
				if strings.Contains(err.Error(), "s\"") {
					t.Errorf("error leaks the secret: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestDirectoryLookup(t *testing.T) {
	d := testDirectory(t, nil)
	aida := regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`)
	tests := []struct {
		name    string
		key     string
		wantErr error
		check   func(t *testing.T, c sigv4.Credential, id *Identity)
	}{
		{name: "user with path", key: "AKIAALICE0000001", check: func(t *testing.T, c sigv4.Credential, id *Identity) {
			if c.SecretAccessKey != "alice-secret" || c.SessionToken != "" || !c.Expires.IsZero() {
				t.Errorf("credential %+v", c)
			}
			if id.ARN != "arn:aws:iam::123456789012:user/eng/alice" || id.Type != "User" || id.Username != "alice" ||
				id.Account != testAccount || id.AccessKeyID != "AKIAALICE0000001" || id.CallerARN() != id.ARN || id.Tags["team"] != "blue" {
				t.Errorf("identity %+v", id)
			}
			if !aida.MatchString(id.UserID) {
				t.Errorf("user id %q, want AIDA + 17", id.UserID)
			}
			if len(id.Policies) != 2 || id.Policies[0].Name != "own" || id.Policies[0].Managed || id.Policies[1].Name != "deny-delete" || !id.Policies[1].Managed {
				t.Errorf("policies %+v", id.Policies)
			}
		}},
		{name: "user at root path", key: "AKIABOB000000001", check: func(t *testing.T, _ sigv4.Credential, id *Identity) {
			if id.ARN != "arn:aws:iam::123456789012:user/bob" || id.Path != "/" {
				t.Errorf("identity %+v", id)
			}
		}},
		{name: "root", key: "AKIAROOT00000001", check: func(t *testing.T, c sigv4.Credential, id *Identity) {
			if !id.IsRoot() || id.ARN != "arn:aws:iam::123456789012:root" || id.Type != "Account" || id.UserID != testAccount || len(id.Policies) != 0 {
				t.Errorf("identity %+v", id)
			}
		}},
		{name: "inactive key", key: "AKIAALICEOLD0001", wantErr: sigv4.ErrUnknownAccessKey},
		{name: "unknown key", key: "AKIANOBODY000001", wantErr: sigv4.ErrUnknownAccessKey},
		{name: "temporary key without a store", key: "ASIAXXXXXXXXXXXXXXXX", wantErr: sigv4.ErrUnknownAccessKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := d.Lookup(context.Background(), tt.key)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			id, ok := IdentityOf(c)
			if !ok {
				t.Fatal("no identity")
			}
			tt.check(t, c, id)
		})
	}
	// Ids are stable across directory rebuilds.
	a1, _ := d.User("alice")
	a2, _ := testDirectory(t, nil).User("ALICE")
	if a1.UserID != a2.UserID {
		t.Errorf("user id changed across rebuilds: %s vs %s", a1.UserID, a2.UserID)
	}
}

func TestIdentityPolicyContext(t *testing.T) {
	d := testDirectory(t, nil)
	c, err := d.Lookup(context.Background(), "AKIAALICE0000001")
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := IdentityOf(c)
	tests := []struct {
		name     string
		resource string
		want     policy.Effect
	}{
		{"own path via ${aws:username}", "arn:aws:execute-api:us-east-1:123456789012:api/dev/GET/users/alice", policy.Allow},
		{"someone else's path", "arn:aws:execute-api:us-east-1:123456789012:api/dev/GET/users/bob", policy.ImplicitDeny},
		{"managed deny wins", "arn:aws:execute-api:us-east-1:123456789012:api/dev/DELETE/users/alice", policy.ExplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &policy.Request{Action: "execute-api:Invoke", Resource: tt.resource, Context: &policy.Context{Principal: alice.PolicyIdentity()}}
			if got := policy.Evaluate(req, alice.ParsedPolicies()...).Effect; got != tt.want {
				t.Errorf("effect = %v, want %v", got, tt.want)
			}
		})
	}
	pid := alice.PolicyIdentity()
	if pid.ARN != alice.ARN || pid.UserID != alice.UserID || pid.Username != "alice" || pid.Account != testAccount || pid.Type != "User" || pid.Tags["team"] != "blue" {
		t.Errorf("policy identity %+v", pid)
	}
}

func TestNewDirectoryErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		sub  string
	}{
		{"bad account", Options{Account: "12"}, "account"},
		{"root key reused by a user", Options{Account: testAccount, Root: RootCredentials{"AKIAALICE0000001", "x"}, IAM: testIAM()}, "used twice"},
		{"bad managed policy", Options{Account: testAccount, IAM: &config.IAM{Policies: []config.ManagedPolicy{{Name: "p", Document: doc(`{"Statement":5}`)}}}}, "iam.policies[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewDirectory(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.sub) {
				t.Errorf("err = %v, want containing %q", err, tt.sub)
			}
		})
	}
}

func TestMemorySessions(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := NewMemorySessions(2, time.Hour, clk.Now)
	ctx := context.Background()
	put := func(id string, exp time.Duration) error {
		return m.Put(ctx, Session{AccessKeyID: id, Expiration: clk.Now().Add(exp)})
	}
	if err := put("ASIA1", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := put("ASIA2", 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := put("ASIA3", time.Hour); !errors.Is(err, ErrSessionStoreFull) {
		t.Fatalf("third put into a full store of live sessions: %v, want ErrSessionStoreFull", err)
	}
	clk.Advance(90 * time.Minute) // ASIA1 expired 30 minutes ago: still recognisable
	if s, err := m.Get(ctx, "ASIA1"); err != nil || s.AccessKeyID != "ASIA1" {
		t.Fatalf("expired session within retention: %v", err)
	}
	if err := put("ASIA3", time.Hour); !errors.Is(err, ErrSessionStoreFull) {
		t.Fatalf("put while the expired session is retained: %v", err)
	}
	clk.Advance(time.Hour) // ASIA1 expired 90 minutes ago: purgeable
	if err := put("ASIA3", time.Hour); err != nil {
		t.Fatalf("put after retention: %v", err)
	}
	if _, err := m.Get(ctx, "ASIA1"); !errors.Is(err, ErrSessionNotFound) {
		t.Errorf("purged session: %v", err)
	}
	if m.Len() != 2 {
		t.Errorf("len = %d, want 2", m.Len())
	}
}

// TestMemorySessionsPurgeRateLimited: a full store scans for purgeable
// sessions at most once per purgeEvery, so repeated requests against a
// store full of live sessions do not each scan it under the lock.
func TestMemorySessionsPurgeRateLimited(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := NewMemorySessions(2, time.Hour, clk.Now)
	ctx := context.Background()
	// Both become purgeable 200 ms from now.
	for _, id := range []string{"ASIA1", "ASIA2"} {
		if err := m.Put(ctx, Session{AccessKeyID: id, Expiration: clk.Now().Add(-time.Hour + 200*time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
	}
	next := Session{AccessKeyID: "ASIA3", Expiration: clk.Now().Add(time.Hour)}
	if err := m.Put(ctx, next); !errors.Is(err, ErrSessionStoreFull) {
		t.Fatalf("put into a full store: %v, want ErrSessionStoreFull (a purge that finds nothing)", err)
	}
	clk.Advance(500 * time.Millisecond) // purgeable now, but the last purge was 500 ms ago
	if err := m.Put(ctx, next); !errors.Is(err, ErrSessionStoreFull) {
		t.Fatalf("put 500 ms after a purge: %v, want ErrSessionStoreFull (no second scan yet)", err)
	}
	clk.Advance(purgeEvery)
	if err := m.Put(ctx, next); err != nil {
		t.Fatalf("put after purgeEvery: %v", err)
	}
	if m.Len() != 1 {
		t.Errorf("len = %d, want 1 (both expired sessions purged)", m.Len())
	}
}
