package config

import (
	"strings"
	"testing"
)

func TestValidateIAMAccounts(t *testing.T) {
	partner := func(f func(a *IAMAccount)) func(m *IAM) {
		return func(m *IAM) {
			a := IAMAccount{
				ID:       "111122223333",
				Policies: []ManagedPolicy{{Name: "invoke", Document: iamDoc(iamAllowInvoke)}},
				Users:    []IAMUser{{Name: "alice", AccessKeys: []AccessKey{{ID: "AKIAPARTNER00001", Secret: "s"}}, ManagedPolicies: []string{"invoke"}}},
				Roles:    []IAMRole{{Name: "reader", TrustPolicy: iamDoc(iamTrustAll), ManagedPolicies: []string{"invoke"}}},
			}
			if f != nil {
				f(&a)
			}
			m.Accounts = append(m.Accounts, a)
		}
	}
	tests := []struct {
		name  string
		owner string // settings.accountId; "" = default
		cfg   *Config
		want  map[string]string
	}{
		{name: "valid; names may repeat the owner's", cfg: iamConfig(partner(nil))},
		{name: "two partner accounts", cfg: iamConfig(func(m *IAM) {
			partner(nil)(m)
			partner(func(a *IAMAccount) { a.ID = "444455556666"; a.Users[0].AccessKeys[0].ID = "AKIAOTHER0000001" })(m)
		})},
		{name: "id not 12 digits", cfg: iamConfig(partner(func(a *IAMAccount) { a.ID = "1111-2222-3333" })),
			want: map[string]string{"iam.accounts[0].id": "expected 12 digits"}},
		{name: "missing id", cfg: iamConfig(partner(func(a *IAMAccount) { a.ID = "" })),
			want: map[string]string{"iam.accounts[0].id": "expected 12 digits"}},
		{name: "the default owner account", cfg: iamConfig(partner(func(a *IAMAccount) { a.ID = DefaultAccountID })),
			want: map[string]string{"iam.accounts[0].id": "settings.accountId"}},
		{name: "the configured owner account", owner: "111122223333", cfg: iamConfig(partner(nil)),
			want: map[string]string{"iam.accounts[0].id": "API owner's account"}},
		{name: "declared twice", cfg: iamConfig(func(m *IAM) {
			partner(nil)(m)
			partner(func(a *IAMAccount) { a.Users[0].AccessKeys[0].ID = "AKIAOTHER0000001" })(m)
		}), want: map[string]string{"iam.accounts[1].id": "duplicate account id"}},
		{name: "access key shared with an owner user", cfg: iamConfig(partner(func(a *IAMAccount) { a.Users[0].AccessKeys[0].ID = "AKIAALICE0000001" })),
			want: map[string]string{"iam.accounts[0].users[0].accessKeys[0].id": "also iam.users[0].accessKeys[0]"}},
		{name: "access key shared across partner accounts", cfg: iamConfig(func(m *IAM) {
			partner(nil)(m)
			partner(func(a *IAMAccount) { a.ID = "444455556666" })(m)
		}), want: map[string]string{"iam.accounts[1].users[0].accessKeys[0].id": "also iam.accounts[0].users[0].accessKeys[0]"}},
		{name: "managed policies are per account", cfg: iamConfig(partner(func(a *IAMAccount) { a.Policies = nil })),
			want: map[string]string{"iam.accounts[0].users[0].managedPolicies[0]": `unknown managed policy "invoke"`,
				"iam.accounts[0].roles[0].managedPolicies[0]": `unknown managed policy "invoke"`}},
		{name: "duplicate user within the account", cfg: iamConfig(partner(func(a *IAMAccount) { a.Users = append(a.Users, IAMUser{Name: "ALICE"}) })),
			want: map[string]string{"iam.accounts[0].users[1].name": "also iam.accounts[0].users[0]"}},
		{name: "role without trust policy", cfg: iamConfig(partner(func(a *IAMAccount) { a.Roles[0].TrustPolicy = nil })),
			want: map[string]string{"iam.accounts[0].roles[0].trustPolicy": "trust policy"}},
		{name: "policy problem positioned inside the account", cfg: iamConfig(partner(func(a *IAMAccount) {
			a.Policies[0].Document = iamDoc(`{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`)
		})), want: map[string]string{"iam.accounts[0].policies[0].document.Statement[0].Effect": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Settings.AccountID = tc.owner
			checkProblems(t, tc.cfg.validateIAM, tc.want)
		})
	}
}

// TestParseIAMAccountsPositions checks that problems inside iam.accounts are
// reported at their line in the YAML file.
func TestParseIAMAccountsPositions(t *testing.T) {
	src := `settings:
  accountId: "123456789012"
iam:
  accounts:
    - id: "123456789012"
      users:
        - name: erin
          accessKeys: [{id: AKIAERIN00000001, secret: s}]
`
	_, err := Parse("gatehouse.yaml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	if got := err.Error(); !strings.Contains(got, "gatehouse.yaml:5") || !strings.Contains(got, "iam.accounts[0].id") {
		t.Fatalf("error %q, want it positioned at gatehouse.yaml:5 on iam.accounts[0].id", got)
	}
}
