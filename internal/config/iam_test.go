package config

import (
	"strings"
	"testing"
	"time"
)

func iamDoc(s string) *PolicyDocument { return &PolicyDocument{JSON: []byte(s)} }

const (
	iamAllowInvoke = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`
	iamTrustAll    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
)

func iamConfig(f func(m *IAM)) *Config {
	m := &IAM{
		Policies: []ManagedPolicy{{Name: "invoke", Document: iamDoc(iamAllowInvoke)}},
		Users: []IAMUser{{Name: "alice", AccessKeys: []AccessKey{{ID: "AKIAALICE0000001", Secret: "s"}},
			Policies: []InlinePolicy{{Name: "inline", Document: iamDoc(iamAllowInvoke)}}, ManagedPolicies: []string{"invoke"},
			Tags: map[string]string{"team": "a"}}},
		Roles: []IAMRole{{Name: "reader", TrustPolicy: iamDoc(iamTrustAll), ManagedPolicies: []string{"invoke"}}},
	}
	if f != nil {
		f(m)
	}
	return &Config{IAM: m}
}

func TestValidateIAM(t *testing.T) {
	tests := []struct {
		name string
		cfg  *Config
		want map[string]string // problem path → message substring; empty = valid
	}{
		{name: "no iam section", cfg: &Config{}},
		{name: "valid", cfg: iamConfig(nil)},
		{name: "paths and durations", cfg: iamConfig(func(m *IAM) {
			m.Users[0].Path = "/engineering/"
			m.Roles[0].MaxSessionDuration = Duration(12 * time.Hour)
			m.ClockSkew = Duration(15 * time.Minute)
		})},
		{name: "bad user name", cfg: iamConfig(func(m *IAM) { m.Users[0].Name = "al ice" }),
			want: map[string]string{"iam.users[0].name": "invalid user name"}},
		{name: "duplicate user case-insensitive", cfg: iamConfig(func(m *IAM) { m.Users = append(m.Users, IAMUser{Name: "ALICE"}) }),
			want: map[string]string{"iam.users[1].name": "duplicate user name"}},
		{name: "duplicate user names the first", cfg: iamConfig(func(m *IAM) { m.Users = append(m.Users, IAMUser{Name: "Alice"}) }),
			want: map[string]string{"iam.users[1].name": `duplicate user name "Alice" (also iam.users[0]; IAM names are case-insensitive)`}},
		{name: "bad role name", cfg: iamConfig(func(m *IAM) { m.Roles[0].Name = "read er" }),
			want: map[string]string{"iam.roles[0].name": `invalid role name "read er"`}},
		{name: "duplicate role case-insensitive", cfg: iamConfig(func(m *IAM) {
			m.Roles = append(m.Roles, IAMRole{Name: "READER", TrustPolicy: iamDoc(iamTrustAll)})
		}), want: map[string]string{"iam.roles[1].name": `duplicate role name "READER" (also iam.roles[0]; IAM names are case-insensitive)`}},
		{name: "bad path", cfg: iamConfig(func(m *IAM) { m.Users[0].Path = "engineering" }),
			want: map[string]string{"iam.users[0].path": "invalid IAM path"}},
		{name: "short access key id", cfg: iamConfig(func(m *IAM) { m.Users[0].AccessKeys[0].ID = "AKIA" }),
			want: map[string]string{"iam.users[0].accessKeys[0].id": "16-128"}},
		{name: "ASIA prefix", cfg: iamConfig(func(m *IAM) { m.Users[0].AccessKeys[0].ID = "ASIAALICE0000001" }),
			want: map[string]string{"iam.users[0].accessKeys[0].id": "temporary"}},
		{name: "duplicate key across users", cfg: iamConfig(func(m *IAM) {
			m.Users = append(m.Users, IAMUser{Name: "bob", AccessKeys: []AccessKey{{ID: "AKIAALICE0000001", Secret: "x"}}})
		}), want: map[string]string{"iam.users[1].accessKeys[0].id": "iam.users[0].accessKeys[0]"}},
		{name: "missing secret", cfg: iamConfig(func(m *IAM) { m.Users[0].AccessKeys[0].Secret = "" }),
			want: map[string]string{"iam.users[0].accessKeys[0].secret": "needs a secret"}},
		{name: "unknown managed policy with suggestion", cfg: iamConfig(func(m *IAM) { m.Users[0].ManagedPolicies = []string{"invok"} }),
			want: map[string]string{"iam.users[0].managedPolicies[0]": `unknown managed policy "invok"`}},
		{name: "managed policy attached twice", cfg: iamConfig(func(m *IAM) { m.Roles[0].ManagedPolicies = []string{"invoke", "invoke"} }),
			want: map[string]string{"iam.roles[0].managedPolicies[1]": "attached twice"}},
		{name: "duplicate managed policy", cfg: iamConfig(func(m *IAM) {
			m.Policies = append(m.Policies, ManagedPolicy{Name: "invoke", Document: iamDoc(iamAllowInvoke)})
		}), want: map[string]string{"iam.policies[1].name": "duplicate managed policy"}},
		{name: "duplicate inline policy", cfg: iamConfig(func(m *IAM) {
			m.Users[0].Policies = append(m.Users[0].Policies, InlinePolicy{Name: "inline", Document: iamDoc(iamAllowInvoke)})
		}), want: map[string]string{"iam.users[0].policies[1].name": "duplicate inline policy"}},
		{name: "inline policy without document", cfg: iamConfig(func(m *IAM) { m.Users[0].Policies[0].Document = nil }),
			want: map[string]string{"iam.users[0].policies[0].document": "required"}},
		{name: "identity policy with principal", cfg: iamConfig(func(m *IAM) {
			m.Users[0].Policies[0].Document = iamDoc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`)
		}),
			want: map[string]string{"iam.users[0].policies[0].document.Statement[0].Principal": ""}},
		{name: "invalid effect in managed policy", cfg: iamConfig(func(m *IAM) {
			m.Policies[0].Document = iamDoc(`{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`)
		}), want: map[string]string{"iam.policies[0].document.Statement[0].Effect": ""}},
		{name: "role without trust policy", cfg: iamConfig(func(m *IAM) { m.Roles[0].TrustPolicy = nil }),
			want: map[string]string{"iam.roles[0].trustPolicy": "trust policy"}},
		{name: "trust policy without principal", cfg: iamConfig(func(m *IAM) { m.Roles[0].TrustPolicy = iamDoc(iamAllowInvoke) }),
			want: map[string]string{"iam.roles[0].trustPolicy.Statement[0].Principal": "missing"}},
		{name: "trust policy as single statement object", cfg: iamConfig(func(m *IAM) {
			m.Roles[0].TrustPolicy = iamDoc(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}}`)
		})},
		{name: "session duration too long", cfg: iamConfig(func(m *IAM) { m.Roles[0].MaxSessionDuration = Duration(13 * time.Hour) }),
			want: map[string]string{"iam.roles[0].maxSessionDuration": "1h to 12h"}},
		{name: "skew too large", cfg: iamConfig(func(m *IAM) { m.ClockSkew = Duration(time.Hour) }),
			want: map[string]string{"iam.clockSkew": "out of range"}},
		{name: "reserved tag key", cfg: iamConfig(func(m *IAM) { m.Users[0].Tags = map[string]string{"aws:x": "1"} }),
			want: map[string]string{"iam.users[0].tags.aws:x": "invalid tag key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkProblems(t, tc.cfg.validateIAM, tc.want)
		})
	}
}

func TestIAMDecode(t *testing.T) {
	const doc = `
apis: []
iam:
  clockSkew: 2m
  policies:
    - name: invoke
      document:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: execute-api:Invoke
            Resource: "*"
  users:
    - name: alice
      path: /eng/
      accessKeys: [{id: AKIAALICE0000001, secret: s3cret}]
      managedPolicies: [invoke]
      tags: {team: a}
  roles:
    - name: reader
      maxSessionDuration: 2h
      trustPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::123456789012:user/eng/alice"}
            Action: sts:AssumeRole
`
	cfg, err := Parse("t.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	m := cfg.IAM
	if m == nil || len(m.Users) != 1 || len(m.Roles) != 1 || len(m.Policies) != 1 {
		t.Fatalf("decoded %+v", m)
	}
	u := m.Users[0]
	if u.Path != "/eng/" || u.AccessKeys[0].ID != "AKIAALICE0000001" || u.AccessKeys[0].Secret != "s3cret" || u.Tags["team"] != "a" || u.ManagedPolicies[0] != "invoke" {
		t.Errorf("user decoded as %+v", u)
	}
	if m.EffectiveClockSkew() != 2*time.Minute || m.Roles[0].EffectiveMaxSessionDuration() != 2*time.Hour {
		t.Errorf("durations: skew %v session %v", m.EffectiveClockSkew(), m.Roles[0].EffectiveMaxSessionDuration())
	}
	if !strings.Contains(string(m.Roles[0].TrustPolicy.JSON), `"sts:AssumeRole"`) {
		t.Errorf("trust policy JSON %s", m.Roles[0].TrustPolicy.JSON)
	}

	bad := strings.Replace(doc, "managedPolicies: [invoke]", "managedPolicies: [invok]", 1)
	_, err = Parse("t.yaml", []byte(bad))
	if err == nil || !strings.Contains(err.Error(), "iam.users[0].managedPolicies[0]") && !strings.Contains(err.Error(), `"invok"`) {
		t.Errorf("Parse with unknown policy = %v, want a positioned problem", err)
	}
}
