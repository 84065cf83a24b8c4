package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// startWalkthrough serves one of the seed 003 examples on random loopback ports.
func startWalkthrough(t *testing.T, file string, env map[string]string, tmpl bool) *App {
	t.Helper()
	needNode(t)
	path, err := filepath.Abs(filepath.Join("..", "..", "examples", "walkthrough", file))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	a, err := New(context.Background(), Options{
		ConfigPath: path, Listen: "127.0.0.1:0", IdpListen: "127.0.0.1:0", AdminListen: "127.0.0.1:0",
		DataDir: t.TempDir(), AdminToken: "t", DrainTimeout: 5 * time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Getenv: func(k string) string { return env[k] },
	})
	if err != nil {
		t.Fatalf("start %s: %v\n%s", file, err, logs.String())
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })
	return a
}

// idToken signs in with USER_PASSWORD_AUTH through the AWS SDK for Go's
// Cognito client pointed at the idp listener.
func idToken(t *testing.T, a *App, clientID, user, password string) string {
	t.Helper()
	c := cip.New(cip.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + a.IdpAddr),
		Credentials:  aws.AnonymousCredentials{},
		HTTPClient:   eagerHTTP{&http.Client{Timeout: 20 * time.Second}},
	})
	out, err := c.InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow:       ciptypes.AuthFlowTypeUserPasswordAuth,
		ClientId:       aws.String(clientID),
		AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": password},
	})
	if err != nil {
		t.Fatalf("InitiateAuth %s: %v", user, err)
	}
	return aws.ToString(out.AuthenticationResult.IdToken)
}

// eagerHTTP reads responses whole before the SDK sees them: under -race the
// SDK sometimes fails to read small bodies ("use of closed network
// connection"), reproduced against a static handler (see idp/cognito tests).
type eagerHTTP struct{ c *http.Client }

func (e eagerHTTP) Do(r *http.Request) (*http.Response, error) {
	resp, err := e.c.Do(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func claims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func readPassword(t *testing.T, user string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", "walkthrough", "users", user+".password"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// fourChecks runs seed 003's checks and expects the seed's answers.
func fourChecks(t *testing.T, a *App, clientID string) {
	t.Helper()
	regular := idToken(t, a, clientID, "regularuser", readPassword(t, "regularuser"))
	admin := idToken(t, a, clientID, "adminuser", readPassword(t, "adminuser"))
	if got := claims(t, admin)["scope"]; got != "admin-"+clientID+" regular-"+clientID {
		t.Errorf("admin ID token scope = %v, want the pre-token trigger's admin-%[2]s regular-%[2]s", got, clientID)
	}
	ta := &testApp{App: a}
	tests := []struct {
		name, path, token string
		wantStatus        int
		wantBody          string
	}{
		{"no header", "/RegularUser", "", 401, `{"message":"Unauthorized"}`},
		{"regular user on /RegularUser", "/RegularUser", regular, 200, `"Hello from Regular User"`},
		{"regular user on /AdminUser", "/AdminUser", regular, 403, `{"message":"Forbidden"}`},
		{"admin user on /AdminUser", "/AdminUser", admin, 200, `"Hello from Admin User"`},
		{"admin user on /RegularUser", "/RegularUser", admin, 200, `"Hello from Regular User"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.token != "" {
				hdr = []string{"Authorization", tc.token}
			}
			resp, body := ta.do(t, "GET", "", tc.path, nil, hdr...)
			if resp.StatusCode != tc.wantStatus || body != tc.wantBody {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
		})
	}
}

func TestWalkthroughNativeConfig(t *testing.T) {
	a := startWalkthrough(t, "gatehouse.yaml", nil, false)
	fourChecks(t, a, "walkthroughclient000000001")

	// The example's own script gets the same answers.
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	cmd := exec.Command("bash", filepath.Join("..", "..", "examples", "walkthrough", "walkthrough.sh"))
	cmd.Env = append(os.Environ(), "GATEWAY=http://"+a.GatewayAddr, "IDP=http://"+a.IdpAddr)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.Count(string(out), "ok ") != 5 {
		t.Fatalf("walkthrough.sh: %v\n%s", err, out)
	}
}

func TestWalkthroughSAMTemplate(t *testing.T) {
	a := startWalkthrough(t, "template.yaml", map[string]string{
		"ADMIN_PASSWORD":   readPassword(t, "adminuser"),
		"REGULAR_PASSWORD": readPassword(t, "regularuser"),
	}, true)
	var clientID string
	for _, o := range a.Outputs() {
		if o.Name == "ClientId" {
			clientID = o.Value
		}
	}
	if clientID == "" {
		t.Fatalf("no ClientId output: %+v", a.Outputs())
	}
	fourChecks(t, a, clientID)
	// The pool's tokens carry the Cognito issuer the template names.
	tok := idToken(t, a, clientID, "regularuser", readPassword(t, "regularuser"))
	if iss, _ := claims(t, tok)["iss"].(string); !strings.HasPrefix(iss, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_") {
		t.Errorf("iss = %q, want the Cognito URL of the template's pool", iss)
	}
}
