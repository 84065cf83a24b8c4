package app

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sam"
)

// startWalkthrough serves one of the seed 003 examples on random loopback ports.
func startWalkthrough(t *testing.T, file string, env map[string]string) *App {
	t.Helper()
	return startTemplate(t, examplePath(t, "walkthrough", file), sam.Options{}, env, nil).App
}

// idToken signs in with USER_PASSWORD_AUTH through the AWS SDK for Go's
// Cognito client pointed at the idp listener.
func idToken(t *testing.T, a *App, clientID, user, password string) string {
	t.Helper()
	id, _ := signIn(t, a, clientID, user, password)
	return id
}

func readPassword(t *testing.T, user string) string {
	t.Helper()
	b, err := os.ReadFile(examplePath(t, "walkthrough", "users", user+".password"))
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
			resp, body := ta.do(t, "GET", "", tc.path, nil, authHeader(tc.token)...)
			if resp.StatusCode != tc.wantStatus || body != tc.wantBody {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
		})
	}
}

func TestWalkthroughNativeConfig(t *testing.T) {
	a := startWalkthrough(t, "gatehouse.yaml", nil)
	fourChecks(t, a, "walkthroughclient000000001")

	// The example's own script gets the same answers.
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	cmd := exec.Command("bash", examplePath(t, "walkthrough", "walkthrough.sh"))
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
	})
	clientID := output(t, a, "ClientId")
	fourChecks(t, a, clientID)
	// The pool's tokens carry the Cognito issuer the template names.
	tok := idToken(t, a, clientID, "regularuser", readPassword(t, "regularuser"))
	if iss, _ := claims(t, tok)["iss"].(string); !strings.HasPrefix(iss, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_") {
		t.Errorf("iss = %q, want the Cognito URL of the template's pool", iss)
	}
}
