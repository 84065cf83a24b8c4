package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/idp/cognito"
	"github.com/gatehouse/gatehouse/internal/idp/signer"
	"github.com/gatehouse/gatehouse/internal/store/memory"
)

func startIDP(t *testing.T) string {
	t.Helper()
	st := memory.New()
	keys, err := signer.New(signer.Config{Keys: st, Now: time.Now, GenerateKey: func(io.Reader) (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 1024) }})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := cognito.NewSigV4("us-east-1", "AKIDCLI", "cli-secret", time.Now)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := cognito.New(cognito.Config{Store: st, Signer: keys, Auth: auth, Now: time.Now, Hash: cognito.HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

func run(t *testing.T, env map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	root := &cobra.Command{Use: "gatehouse", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(Commands(func(k string) (string, bool) { v, ok := env[k]; return v, ok })...)
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestUserpoolAndLogin(t *testing.T) {
	url := startIDP(t)
	env := map[string]string{"GATEHOUSE_ACCESS_KEY_ID": "AKIDCLI", "GATEHOUSE_SECRET_ACCESS_KEY": "cli-secret", "PW": "Cl1-passw0rd!"}
	// Create a pool and client through the API the CLI talks to.
	cl, err := (&common{endpoint: url, region: "us-east-1", timeout: 10 * time.Second}).client(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, true)
	if err != nil {
		t.Fatal(err)
	}
	poolID, clientID := createPoolAndClient(t, cl)

	if _, err := run(t, env, "", "userpool", "--endpoint", url, "create-user", "--pool", poolID, "--username", "cli", "--password-env", "PW", "--attr", "email=cli@example.com"); err != nil {
		t.Fatalf("create-user: %v", err)
	}
	if _, err := run(t, env, "", "userpool", "--endpoint", url, "add-to-group", "--pool", poolID, "--username", "cli", "--group", "ops"); err != nil {
		t.Fatalf("add-to-group: %v", err)
	}
	out, err := run(t, env, "", "userpool", "--endpoint", url, "list-users", "--pool", poolID, "--filter", `email ^= "cli"`)
	if err != nil {
		t.Fatalf("list-users: %v", err)
	}
	var users []struct {
		Username, Status string
		Attributes       map[string]string
	}
	if err := json.Unmarshal([]byte(out), &users); err != nil || len(users) != 1 || users[0].Status != "CONFIRMED" || users[0].Attributes["email"] != "cli@example.com" {
		t.Fatalf("list-users output %q: %v", out, err)
	}
	if _, err := run(t, env, "N3w-cli-passw0rd\n", "userpool", "--endpoint", url, "set-password", "--pool", poolID, "--username", "cli", "--password-stdin"); err != nil {
		t.Fatalf("set-password: %v", err)
	}
	tests := []struct {
		name    string
		flow    string
		stdin   string
		wantErr bool
	}{
		{"srp", "srp", "N3w-cli-passw0rd\n", false},
		{"password", "password", "N3w-cli-passw0rd\n", false},
		{"wrong password", "srp", "old\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := run(t, env, tt.stdin, "login", "--endpoint", url, "--pool", poolID, "--client", clientID, "--user", "cli", "--password-stdin", "--flow", tt.flow)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "NotAuthorizedException") {
					t.Fatalf("err = %v, want NotAuthorizedException", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var tok Tokens
			if err := json.Unmarshal([]byte(out), &tok); err != nil || strings.Count(tok.IDToken, ".") != 2 || tok.RefreshToken == "" || tok.TokenType != "Bearer" {
				t.Fatalf("login output %q: %v", out, err)
			}
		})
	}
	t.Run("management without credentials", func(t *testing.T) {
		_, err := run(t, map[string]string{}, "", "userpool", "--endpoint", url, "list-pools")
		if err == nil || !strings.Contains(err.Error(), "GATEHOUSE_ACCESS_KEY_ID") {
			t.Errorf("err = %v", err)
		}
	})
}
