package cognito

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/idp/signer"
	"github.com/gatehouse/gatehouse/internal/store/memory"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestWireGolden replays a fixed conversation against a server with a
// fixed clock and seeded randomness and compares each response body with
// testdata/wire/<step>.json.
func TestWireGolden(t *testing.T) {
	st := memory.New()
	clock := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	rnd := rand.NewChaCha8([32]byte{'g', 'a', 't', 'e'})
	keys, err := signer.New(signer.Config{Keys: st, Now: clock.Now, GenerateKey: fastKeys})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: st, Signer: keys, Auth: allowAll{}, Now: clock.Now, Rand: rnd, BaseURL: "http://idp.test",
		Hash: HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	steps := []struct{ name, op, body string }{
		{"create_user_pool", "CreateUserPool", `{"PoolName":"golden","AutoVerifiedAttributes":["email"],"Policies":{"PasswordPolicy":{"MinimumLength":10}}}`},
		{"create_client", "CreateUserPoolClient", `{"UserPoolId":"$pool","ClientName":"app","GenerateSecret":true,"ExplicitAuthFlows":["ALLOW_ADMIN_USER_PASSWORD_AUTH","ALLOW_REFRESH_TOKEN_AUTH"]}`},
		{"create_group", "CreateGroup", `{"UserPoolId":"$pool","GroupName":"admin","Precedence":1,"Description":"admins"}`},
		{"admin_create_user", "AdminCreateUser", `{"UserPoolId":"$pool","Username":"golden","TemporaryPassword":"Temp0rary!pw","UserAttributes":[{"Name":"email","Value":"g@example.com"}]}`},
		{"admin_initiate_auth_challenge", "AdminInitiateAuth", `{"UserPoolId":"$pool","ClientId":"$client","AuthFlow":"ADMIN_USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"golden","PASSWORD":"Temp0rary!pw","SECRET_HASH":"$hash"}}`},
		{"admin_initiate_auth_bad_password", "AdminInitiateAuth", `{"UserPoolId":"$pool","ClientId":"$client","AuthFlow":"ADMIN_USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"golden","PASSWORD":"nope","SECRET_HASH":"$hash"}}`},
		{"admin_get_user", "AdminGetUser", `{"UserPoolId":"$pool","Username":"golden"}`},
		{"list_groups", "ListGroups", `{"UserPoolId":"$pool"}`},
		{"describe_unknown_pool", "DescribeUserPool", `{"UserPoolId":"us-east-1_missing"}`},
	}
	vars := map[string]string{}
	for _, step := range steps {
		body := step.body
		for k, v := range vars {
			body = string(bytes.ReplaceAll([]byte(body), []byte(k), []byte(v)))
		}
		rec := post(h, TargetPrefix+step.op, body)
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		switch step.name {
		case "create_user_pool":
			vars["$pool"] = v.(map[string]any)["UserPool"].(map[string]any)["Id"].(string)
		case "create_client":
			c := v.(map[string]any)["UserPoolClient"].(map[string]any)
			vars["$client"] = c["ClientId"].(string)
			vars["$hash"] = secretHashFor(c["ClientSecret"].(string), "golden", vars["$client"])
		}
		got, _ := json.MarshalIndent(map[string]any{"status": rec.Code, "body": v}, "", "  ")
		got = append(got, '\n')
		path := filepath.Join("testdata", "wire", step.name+".json")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: read golden (run with -update): %v", step.name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s mismatch:\ngot:\n%s\nwant:\n%s", step.name, got, want)
		}
	}
}
