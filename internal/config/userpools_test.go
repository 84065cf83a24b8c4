package config

import (
	"testing"
	"time"
)

func poolConfig(f func(up *UserPool)) *Config {
	prec := 1
	up := UserPool{
		Name: "walkthrough", ID: "us-east-1_Walk12345",
		Triggers: &UserPoolTriggers{PreTokenGeneration: "pre-token"},
		Clients: []UserPoolClient{{Name: "app", ID: "walkthroughclient000000001",
			ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}, AccessTokenValidity: Duration(time.Hour)}},
		Groups: []UserPoolGroup{{Name: "admin", Precedence: &prec}, {Name: "regular"}},
		Users: []UserPoolUser{{Username: "adminuser", Groups: []string{"admin", "regular"}, PasswordEnv: "ADMIN_PASSWORD",
			Attributes: map[string]string{"email": "a@example.com", "custom:tier": "gold"}}},
	}
	if f != nil {
		f(&up)
	}
	return &Config{Functions: []Function{{Name: "pre-token"}}, UserPools: []UserPool{up}}
}

func TestValidateUserPools(t *testing.T) {
	tests := []struct {
		name string
		cfg  *Config
		want map[string]string
	}{
		{name: "valid", cfg: poolConfig(nil)},
		{name: "no pools", cfg: &Config{}},
		{name: "missing name", cfg: poolConfig(func(up *UserPool) { up.Name = "" }),
			want: map[string]string{"userPools[0].name": "needs a name"}},
		{name: "bad id", cfg: poolConfig(func(up *UserPool) { up.ID = "nounderscore" }),
			want: map[string]string{"userPools[0].id": "{region}_{alphanumerics}"}},
		{name: "issuer and awsIssuer", cfg: poolConfig(func(up *UserPool) { up.Issuer = "http://localhost:9229/x"; up.AWSIssuer = true }),
			want: map[string]string{"userPools[0].issuer": "not both"}},
		{name: "issuer not a URL", cfg: poolConfig(func(up *UserPool) { up.Issuer = "localhost" }),
			want: map[string]string{"userPools[0].issuer": "http(s) URL"}},
		{name: "username and alias attributes", cfg: poolConfig(func(up *UserPool) {
			up.UsernameAttributes = []string{"email"}
			up.AliasAttributes = []string{"phone_number"}
		}), want: map[string]string{"userPools[0].aliasAttributes": "mutually exclusive"}},
		{name: "bad username attribute", cfg: poolConfig(func(up *UserPool) { up.UsernameAttributes = []string{"emial"} }),
			want: map[string]string{"userPools[0].usernameAttributes[0]": `unknown value "emial"`}},
		{name: "policy length", cfg: poolConfig(func(up *UserPool) { up.PasswordPolicy = &PasswordPolicy{MinimumLength: 4} }),
			want: map[string]string{"userPools[0].passwordPolicy.minimumLength": "between 6 and 99"}},
		{name: "unknown trigger function", cfg: poolConfig(func(up *UserPool) { up.Triggers.PreTokenGeneration = "pre-tokn" }),
			want: map[string]string{"userPools[0].triggers.preTokenGeneration": `no function named "pre-tokn"`}},
		{name: "bad trigger version", cfg: poolConfig(func(up *UserPool) { up.Triggers.PreTokenGenerationVersion = "V9" }),
			want: map[string]string{"userPools[0].triggers.preTokenGenerationVersion": "unknown value"}},
		{name: "required custom attribute", cfg: poolConfig(func(up *UserPool) {
			up.Schema = []SchemaAttribute{{Name: "custom:tier", Required: true}}
		}), want: map[string]string{"userPools[0].schema[0].required": "cannot be required"}},
		{name: "mixed auth flows", cfg: poolConfig(func(up *UserPool) {
			up.Clients[0].ExplicitAuthFlows = []string{"ALLOW_USER_SRP_AUTH", "ADMIN_NO_SRP_AUTH"}
		}), want: map[string]string{"userPools[0].clients[0].explicitAuthFlows": "cannot be mixed"}},
		{name: "unknown auth flow", cfg: poolConfig(func(up *UserPool) { up.Clients[0].ExplicitAuthFlows = []string{"ALLOW_USER_SRP"} }),
			want: map[string]string{"userPools[0].clients[0].explicitAuthFlows[0]": "unknown value"}},
		{name: "validity out of range", cfg: poolConfig(func(up *UserPool) { up.Clients[0].IDTokenValidity = Duration(48 * time.Hour) }),
			want: map[string]string{"userPools[0].clients[0].idTokenValidity": "between"}},
		{name: "secretEnv and generateSecret", cfg: poolConfig(func(up *UserPool) { up.Clients[0].SecretEnv = "S"; up.Clients[0].GenerateSecret = true }),
			want: map[string]string{"userPools[0].clients[0].secretEnv": "not both"}},
		{name: "duplicate client id across pools", cfg: func() *Config {
			c := poolConfig(nil)
			other := UserPool{Name: "other", Clients: []UserPoolClient{{Name: "x", ID: "walkthroughclient000000001"}}}
			c.UserPools = append(c.UserPools, other)
			return c
		}(), want: map[string]string{"userPools[1].clients[0].id": "unique across pools"}},
		{name: "duplicate group", cfg: poolConfig(func(up *UserPool) { up.Groups = append(up.Groups, UserPoolGroup{Name: "admin"}) }),
			want: map[string]string{"userPools[0].groups[2].name": "duplicate group"}},
		{name: "user in unknown group", cfg: poolConfig(func(up *UserPool) { up.Users[0].Groups = []string{"admn"} }),
			want: map[string]string{"userPools[0].users[0].groups[0]": `no group named "admn"`}},
		{name: "password env and file", cfg: poolConfig(func(up *UserPool) { up.Users[0].PasswordFile = "/run/secret" }),
			want: map[string]string{"userPools[0].users[0].passwordFile": "not both"}},
		{name: "sub attribute", cfg: poolConfig(func(up *UserPool) { up.Users[0].Attributes = map[string]string{"sub": "x"} }),
			want: map[string]string{"userPools[0].users[0].attributes.sub": "not a writable"}},
		{name: "username with space", cfg: poolConfig(func(up *UserPool) { up.Users[0].Username = "a b" }),
			want: map[string]string{"userPools[0].users[0].username": "without whitespace"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkProblems(t, tc.cfg.validateUserPools, tc.want)
		})
	}
}
