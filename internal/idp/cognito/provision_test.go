package cognito

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func TestProvisionWalkthrough(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	ctx := context.Background()
	data, err := os.ReadFile(filepath.Join("testdata", "walkthrough.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("walkthrough.yaml", data)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "idp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEnv(t, envOpts{store: st, triggers: nodeInvoker{node: node, handlers: map[string][2]string{"pre-token": {"pretoken.js", "lambdaHandler"}}}})
	env := map[string]string{"WALKTHROUGH_ADMIN_PASSWORD": "Adm1n-passw0rd"}
	files := map[string]string{"regular.password": "Regul4r-passw0rd\n"}
	sec := Secrets{
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		ReadFile: func(p string) ([]byte, error) {
			if v, ok := files[p]; ok {
				return []byte(v), nil
			}
			return nil, os.ErrNotExist
		},
	}
	first, err := e.srv.Provision(ctx, cfg.UserPools, sec)
	if err != nil {
		t.Fatal(err)
	}
	if first[0].ID != "us-east-1_Walk12345" || first[0].Clients["app"] != "walkthroughclient000000001" || first[0].Issuer != e.ts.URL+"/us-east-1_Walk12345" {
		t.Fatalf("provisioned %+v", first)
	}
	f := fixture{poolID: first[0].ID, clientID: first[0].Clients["app"]}
	login := func(user, pw string) map[string]any {
		t.Helper()
		out, err := e.passwordLogin(ctx, f, user, pw)
		if err != nil {
			t.Fatalf("login %s: %v", user, err)
		}
		return e.verify(f.poolID, *out.AuthenticationResult.IdToken)
	}
	id := login("adminuser", "Adm1n-passw0rd")
	if want := "admin-" + f.clientID + " regular-" + f.clientID; id["scope"] != want {
		t.Errorf("admin scope = %v, want %q", id["scope"], want)
	}
	if id["email"] != "admin@example.com" {
		t.Errorf("email claim %v", id["email"])
	}
	if id := login("regularuser", "Regul4r-passw0rd"); id["scope"] != "regular-"+f.clientID {
		t.Errorf("regular scope = %v", id["scope"])
	}

	// Second start: nothing duplicated; a changed password applies.
	env["WALKTHROUGH_ADMIN_PASSWORD"] = "N3w-adm1n-pass"
	second, err := e.srv.Provision(ctx, cfg.UserPools, sec)
	if err != nil {
		t.Fatal(err)
	}
	if second[0].ID != first[0].ID || second[0].Clients["app"] != first[0].Clients["app"] {
		t.Errorf("ids changed: %+v vs %+v", second, first)
	}
	pools, err := e.sdk.ListUserPools(ctx, &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	if err != nil || len(pools.UserPools) != 1 {
		t.Fatalf("pools after second provision: %v, %v", pools, err)
	}
	users, err := e.sdk.ListUsers(ctx, &cip.ListUsersInput{UserPoolId: &f.poolID})
	if err != nil || len(users.Users) != 2 {
		t.Fatalf("users after second provision: %v, %v", users, err)
	}
	_, err = e.passwordLogin(ctx, f, "adminuser", "Adm1n-passw0rd")
	wantCode(t, err, "NotAuthorizedException", "")
	login("adminuser", "N3w-adm1n-pass")

	// A missing secret fails loudly.
	delete(env, "WALKTHROUGH_ADMIN_PASSWORD")
	if _, err := e.srv.Provision(ctx, cfg.UserPools, sec); err == nil || !strings.Contains(err.Error(), "WALKTHROUGH_ADMIN_PASSWORD") {
		t.Errorf("provision without the password env: %v", err)
	}
}
