package cognito

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// jsDir returns the directory of the JS driver with node_modules installed
// (npm ci from the committed lockfile), or skips when npm is missing.
func jsDir(t *testing.T) (node, dir string) {
	t.Helper()
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm not installed")
	}
	node, err = exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	dir, err = filepath.Abs(filepath.Join("..", "testdata", "js"))
	if err != nil {
		t.Fatal(err)
	}
	_, err1 := os.Stat(filepath.Join(dir, "node_modules", "amazon-cognito-identity-js"))
	_, err2 := os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "client-cognito-identity-provider"))
	if err1 != nil || err2 != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	return node, dir
}

// runNode runs a driver script in dir with env (nil: this process's) for at
// most a minute and returns its standard output.
func runNode(ctx context.Context, t *testing.T, node, dir string, env []string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	return out
}

// TestIdentityJSSRP logs in with amazon-cognito-identity-js (USER_SRP_AUTH
// then a refresh) against gatehouse backed by SQLite, and verifies the
// tokens against the served JWKS.
func TestIdentityJSSRP(t *testing.T) {
	node, dir := jsDir(t)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "idp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := newEnv(t, envOpts{store: st})
	f := e.setup(ctx, &cip.CreateUserPoolClientInput{ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	e.confirmedUser(ctx, f, "jsuser", "Js-Passw0rd!", types.AttributeType{Name: aws.String("email"), Value: aws.String("js@example.com")})
	tests := []struct {
		name, user, pw string
		wantErr        string
	}{
		{"login and refresh", "jsuser", "Js-Passw0rd!", ""},
		{"wrong password", "jsuser", "nope-Passw0rd", "NotAuthorizedException"},
		{"unknown user", "ghost", "Js-Passw0rd!", "UserNotFoundException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := runNode(ctx, t, node, dir, nil, "srp_login.js", e.ts.URL+"/", f.poolID, f.clientID, tt.user, tt.pw)
			var res struct {
				IDToken, AccessToken, RefreshToken, RefreshedIDToken string
				Error                                                *struct{ Code, Message string }
			}
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			if tt.wantErr != "" {
				if res.Error == nil || res.Error.Code != tt.wantErr {
					t.Fatalf("result %s, want error %s", out, tt.wantErr)
				}
				return
			}
			if res.Error != nil {
				t.Fatalf("login failed: %+v", *res.Error)
			}
			id := e.verify(f.poolID, res.IDToken)
			if id["cognito:username"] != "jsuser" || id["email"] != "js@example.com" || id["token_use"] != "id" {
				t.Errorf("id claims %v", id)
			}
			access := e.verify(f.poolID, res.AccessToken)
			if access["client_id"] != f.clientID {
				t.Errorf("access claims %v", access)
			}
			refreshed := e.verify(f.poolID, res.RefreshedIDToken)
			if refreshed["origin_jti"] != id["origin_jti"] {
				t.Errorf("refreshed origin_jti %v, want %v", refreshed["origin_jti"], id["origin_jti"])
			}
		})
	}
}

// TestJSSDKv3 runs @aws-sdk/client-cognito-identity-provider against
// gatehouse: SigV4-signed admin calls, SignUp and USER_PASSWORD_AUTH.
func TestJSSDKv3(t *testing.T) {
	node, dir := jsDir(t)
	ctx := context.Background()
	e := newEnv(t, envOpts{})
	f := e.setup(ctx, nil)
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID="+testAccessKey, "AWS_SECRET_ACCESS_KEY="+testSecretKey, "AWS_SESSION_TOKEN=")
	out := runNode(ctx, t, node, dir, env, "sdk_v3.js", e.ts.URL, f.poolID, f.clientID)
	var res struct {
		Status               string
		Created              bool
		SignUpConfirmed      bool
		IDToken              string
		WrongPassword        string
		WrongPasswordIsTyped bool
		Error                *struct{ Code, Message string }
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if res.Error != nil {
		t.Fatalf("sdk v3: %+v", *res.Error)
	}
	if res.Status != "CONFIRMED" || !res.Created || res.SignUpConfirmed {
		t.Errorf("result %+v", res)
	}
	if res.WrongPassword != "NotAuthorizedException" || !res.WrongPasswordIsTyped {
		t.Errorf("wrong password gave %q (typed %v)", res.WrongPassword, res.WrongPasswordIsTyped)
	}
	if claims := e.verify(f.poolID, res.IDToken); claims["cognito:username"] != "nodesignup" {
		t.Errorf("claims %v", claims)
	}
}
