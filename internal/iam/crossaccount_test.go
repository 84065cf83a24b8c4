package iam

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/policy"
)

const partnerAccount = "111122223333"

// crossIAM declares, besides the API owner's principals, users and roles of
// account 111122223333:
//   - owner role partner-access trusts partner users erin and frank by ARN;
//   - owner role partner-wide trusts the partner account root;
//   - owner role owner-only trusts the owner account root;
//   - partner user erin may sts:AssumeRole (identity policy), frank may not;
//   - partner role home trusts owner user bob (who may sts:AssumeRole).
func crossIAM() *config.IAM {
	m := testIAM()
	trust := func(principals ...string) *config.PolicyDocument {
		return doc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` + strings.Join(principals, `","`) + `"]},"Action":"sts:AssumeRole"}]}`)
	}
	m.Roles = append(m.Roles,
		config.IAMRole{Name: "partner-access", TrustPolicy: trust("arn:aws:iam::111122223333:user/erin", "arn:aws:iam::111122223333:user/frank")},
		config.IAMRole{Name: "partner-wide", TrustPolicy: trust("arn:aws:iam::111122223333:root")},
		config.IAMRole{Name: "owner-only", TrustPolicy: trust("arn:aws:iam::123456789012:root")},
	)
	m.Accounts = []config.IAMAccount{{
		ID:       partnerAccount,
		Policies: []config.ManagedPolicy{{Name: "assume", Document: doc(polAllowAssume)}},
		Users: []config.IAMUser{
			{Name: "erin", AccessKeys: []config.AccessKey{{ID: "AKIAERIN00000001", Secret: "erin-secret"}}, ManagedPolicies: []string{"assume"},
				Tags: map[string]string{"team": "partner"}},
			{Name: "frank", AccessKeys: []config.AccessKey{{ID: "AKIAFRANK0000001", Secret: "frank-secret"}}},
			// Same name as an owner user: a different principal.
			{Name: "alice", Path: "/eng/", AccessKeys: []config.AccessKey{{ID: "AKIAPARTNERALICE", Secret: "pa-secret"}}},
		},
		Roles: []config.IAMRole{{Name: "home", TrustPolicy: trust("arn:aws:iam::123456789012:user/bob")}},
	}}
	return m
}

func crossDirectory(t *testing.T, sessions SessionStore) *Directory {
	t.Helper()
	d, err := NewDirectory(Options{IAM: crossIAM(), Account: testAccount,
		Root: RootCredentials{AccessKeyID: "AKIAROOT00000001", SecretAccessKey: "root-secret"}, Sessions: sessions})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDirectoryOtherAccounts(t *testing.T) {
	d := crossDirectory(t, nil)
	tests := []struct {
		name, key                       string
		wantAccount, wantARN, wantIDPfx string
		wantPolicies                    int
	}{
		{"partner user", "AKIAERIN00000001", partnerAccount, "arn:aws:iam::111122223333:user/erin", "AIDA", 1},
		{"partner user without policies", "AKIAFRANK0000001", partnerAccount, "arn:aws:iam::111122223333:user/frank", "AIDA", 0},
		{"partner user named like an owner user", "AKIAPARTNERALICE", partnerAccount, "arn:aws:iam::111122223333:user/eng/alice", "AIDA", 0},
		{"owner user unchanged", "AKIAALICE0000001", testAccount, "arn:aws:iam::123456789012:user/eng/alice", "AIDA", 2},
		{"owner root unchanged", "AKIAROOT00000001", testAccount, "arn:aws:iam::123456789012:root", testAccount, 0},
	}
	ids := map[string]string{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := d.Lookup(context.Background(), tc.key)
			if err != nil {
				t.Fatal(err)
			}
			id, _ := IdentityOf(c)
			if id.Account != tc.wantAccount || id.ARN != tc.wantARN || !strings.HasPrefix(id.UserID, tc.wantIDPfx) || len(id.Policies) != tc.wantPolicies {
				t.Fatalf("got account %s arn %s userid %s policies %d, want %s %s %s… %d",
					id.Account, id.ARN, id.UserID, len(id.Policies), tc.wantAccount, tc.wantARN, tc.wantIDPfx, tc.wantPolicies)
			}
			pi := id.PolicyIdentity()
			if pi.Account != tc.wantAccount || pi.ARN != tc.wantARN {
				t.Errorf("policy identity account %s arn %s", pi.Account, pi.ARN)
			}
			ids[id.UserID] = tc.name
		})
	}
	// aws:PrincipalAccount and aws:PrincipalArn carry the partner's account.
	keyed, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*",
		"Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/*"}}}]}`),
		policy.ParseOptions{Kind: policy.KindResource})
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]policy.Effect{"AKIAERIN00000001": policy.Allow, "AKIABOB000000001": policy.ImplicitDeny} {
		c, err := d.Lookup(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := IdentityOf(c)
		got := keyed.Evaluate(&policy.Request{Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:123456789012:a/b/GET/",
			Context: &policy.Context{Principal: id.PolicyIdentity()}}).Effect
		if got != want {
			t.Errorf("%s: aws:PrincipalAccount condition %v, want %v", key, got, want)
		}
	}
	if len(ids) != len(tests) {
		t.Errorf("user ids are not distinct across accounts: %v", ids)
	}
	if _, ok := d.UserIn(partnerAccount, "ERIN"); !ok {
		t.Error("UserIn(partner, ERIN) not found")
	}
	if _, ok := d.User("erin"); ok {
		t.Error("User(erin) found a partner user in the owner's account")
	}
	if r, ok := d.RoleIn(partnerAccount, "home"); !ok || r.ARN != "arn:aws:iam::111122223333:role/home" || r.Account != partnerAccount {
		t.Errorf("RoleIn(partner, home) = %+v, %v", r, ok)
	}
	if got := d.Accounts(); len(got) != 1 || got[0] != partnerAccount {
		t.Errorf("Accounts() = %v", got)
	}
}

func TestNewDirectoryRefusesBadAccounts(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(m *config.IAM)
		wantErr string
	}{
		{"owner's own account", func(m *config.IAM) { m.Accounts[0].ID = testAccount }, "iam.accounts[0]: invalid account id"},
		{"not 12 digits", func(m *config.IAM) { m.Accounts[0].ID = "11112222333a" }, "iam.accounts[0]: invalid account id"},
		{"declared twice", func(m *config.IAM) { m.Accounts = append(m.Accounts, config.IAMAccount{ID: partnerAccount}) }, "iam.accounts[1]: account 111122223333 declared twice"},
		{"key shared with an owner user", func(m *config.IAM) { m.Accounts[0].Users[0].AccessKeys[0].ID = "AKIABOB000000001" },
			`iam.accounts[0].users[0]: access key id "AKIABOB000000001" is used twice`},
		{"owner's managed policy is not the partner's", func(m *config.IAM) { m.Accounts[0].Users[1].ManagedPolicies = []string{"deny-delete"} },
			`iam.accounts[0].users[1]: unknown managed policy "deny-delete"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := crossIAM()
			tc.mutate(m)
			_, err := NewDirectory(Options{IAM: m, Account: testAccount})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

// TestAssumeRoleCrossAccount drives the STS handler with the AWS SDK: across
// accounts the trust policy and the caller's identity policies must both
// allow, however the trust policy names the caller.
func TestAssumeRoleCrossAccount(t *testing.T) {
	clk := &fakeClock{t: time.Now().UTC()}
	store := NewMemorySessions(100, time.Hour, clk.Now)
	dir := crossDirectory(t, store)
	h, err := NewSTS(STSOptions{Directory: func() *Directory { return dir }, Region: "us-east-1", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f := &stsFixture{clk: clk, dir: dir, store: store, srv: srv}
	ctx := context.Background()
	erin, frank := [2]string{"AKIAERIN00000001", "erin-secret"}, [2]string{"AKIAFRANK0000001", "frank-secret"}
	bob, carol := [2]string{"AKIABOB000000001", "bob-secret"}, [2]string{"AKIACAROL0000001", "carol-secret"}
	tests := []struct {
		name        string
		key         [2]string
		role        string
		wantErr     string // "" = allowed
		wantARN     string
		wantAccount string
	}{
		{name: "partner user named by the trust policy, identity allows", key: erin, role: "arn:aws:iam::123456789012:role/partner-access",
			wantARN: "arn:aws:sts::123456789012:assumed-role/partner-access/s1", wantAccount: testAccount},
		{name: "partner user named by the trust policy, no identity allow", key: frank, role: "arn:aws:iam::123456789012:role/partner-access",
			wantErr: "User: arn:aws:iam::111122223333:user/frank is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/partner-access"},
		{name: "trust names the partner account, identity allows", key: erin, role: "arn:aws:iam::123456789012:role/partner-wide",
			wantARN: "arn:aws:sts::123456789012:assumed-role/partner-wide/s1", wantAccount: testAccount},
		{name: "trust names the partner account, no identity allow", key: frank, role: "arn:aws:iam::123456789012:role/partner-wide",
			wantErr: "User: arn:aws:iam::111122223333:user/frank is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/partner-wide"},
		{name: "trust names only the owner account", key: erin, role: "arn:aws:iam::123456789012:role/owner-only",
			wantErr: "User: arn:aws:iam::111122223333:user/erin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/owner-only"},
		{name: "owner user into a partner role", key: bob, role: "arn:aws:iam::111122223333:role/home",
			wantARN: "arn:aws:sts::111122223333:assumed-role/home/s1", wantAccount: partnerAccount},
		{name: "owner user not trusted by the partner role", key: carol, role: "arn:aws:iam::111122223333:role/home",
			wantErr: "User: arn:aws:iam::123456789012:user/carol is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/home"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := f.client(tc.key[0], tc.key[1], "").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(tc.role), RoleSessionName: aws.String("s1")})
			if tc.wantErr != "" {
				code, msg := apiErr(t, err)
				if code != "AccessDenied" || msg != tc.wantErr {
					t.Fatalf("got %s %q, want AccessDenied %q", code, msg, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("AssumeRole: %v", err)
			}
			if got := *out.AssumedRoleUser.Arn; got != tc.wantARN {
				t.Errorf("assumed role ARN %s, want %s", got, tc.wantARN)
			}
			c := out.Credentials
			who, err := f.client(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			if *who.Account != tc.wantAccount || *who.Arn != tc.wantARN {
				t.Errorf("GetCallerIdentity = %s %s, want %s %s", *who.Account, *who.Arn, tc.wantAccount, tc.wantARN)
			}
		})
	}
	t.Run("GetCallerIdentity of a partner user", func(t *testing.T) {
		who, err := f.client(erin[0], erin[1], "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if *who.Account != partnerAccount || *who.Arn != "arn:aws:iam::111122223333:user/erin" || !strings.HasPrefix(*who.UserId, "AIDA") {
			t.Errorf("got %s %s %s", *who.Account, *who.Arn, *who.UserId)
		}
	})
}
