package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/sigv4"
)

// Policies shared by the gateway config and the simulator's input files.
const (
	xacctResourcePolicy = `{"Version":"2012-10-17","Statement":[
  {"Sid":"BothAccountsAllowed","Effect":"Allow","Principal":{"AWS":["111122223333","123456789012"]},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/*/allow/*"},
  {"Sid":"BothAccountsDenied","Effect":"Deny","Principal":{"AWS":["111122223333","123456789012"]},"Action":"execute-api:Invoke","Resource":"execute-api:/prod/*/deny/*"}]}`
	xacctInvoke = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:*"}]}`
	xacctDeny   = `{"Version":"2012-10-17","Statement":[{"Sid":"Denied","Effect":"Deny","Action":"execute-api:Invoke","Resource":"*"}]}`
)

// TestSimulateMatchesGatewayAcrossAccounts: for rows of tables A and B,
// `gatehouse policy simulate` (run in process) reaches the decision the
// gateway reaches for a request signed by the AWS SDK, with the same denial
// message.
func TestSimulateMatchesGatewayAcrossAccounts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rp, invoke, deny := write("resource.json", xacctResourcePolicy), write("invoke.json", xacctInvoke), write("deny.json", xacctDeny)
	cfg := write("gatehouse.yaml", `
settings:
  region: us-east-1
  accountId: "123456789012"
iam:
  users:
    - name: owner-none
      accessKeys: [{id: AKIAOWNERNONE001, secret: s1}]
    - name: owner-allow
      accessKeys: [{id: AKIAOWNERALLOW01, secret: s2}]
      policies: [{name: invoke, document: `+xacctInvoke+`}]
  accounts:
    - id: "111122223333"
      users:
        - name: x-allow
          accessKeys: [{id: AKIAXALLOW000001, secret: s3}]
          policies: [{name: invoke, document: `+xacctInvoke+`}]
        - name: x-none
          accessKeys: [{id: AKIAXNONE0000001, secret: s4}]
        - name: x-deny
          accessKeys: [{id: AKIAXDENY0000001, secret: s5}]
          policies: [{name: invoke, document: `+xacctInvoke+`}, {name: deny, document: `+xacctDeny+`}]
apis:
  - name: guarded
    id: xacct00001
    kind: rest
    stages: [{name: prod}]
    defaultAuthorizer: AWS_IAM
    resourcePolicy: `+xacctResourcePolicy+`
    routes:
      - route: ANY /{proxy+}
        integration: {mock: {body: ok}}
`)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := app.New(ctx, app.Options{ConfigPath: cfg, Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"),
		DrainTimeout: 5 * time.Second, Now: func() time.Time { return at }, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Shutdown(context.Background()) })

	tests := []struct {
		name       string
		key        aws.Credentials
		principal  string
		identity   []string
		path       string
		wantResult string // simulator's "result:" line
	}{
		{"B: allow × allow", aws.Credentials{AccessKeyID: "AKIAXALLOW000001", SecretAccessKey: "s3"}, "arn:aws:iam::111122223333:user/x-allow", []string{invoke}, "/allow/1", "Allow"},
		{"B: allow × neither", aws.Credentials{AccessKeyID: "AKIAXALLOW000001", SecretAccessKey: "s3"}, "arn:aws:iam::111122223333:user/x-allow", []string{invoke}, "/neither/1", "ImplicitDeny"},
		{"B: neither × allow", aws.Credentials{AccessKeyID: "AKIAXNONE0000001", SecretAccessKey: "s4"}, "arn:aws:iam::111122223333:user/x-none", nil, "/allow/1", "ImplicitDeny"},
		{"B: deny × allow", aws.Credentials{AccessKeyID: "AKIAXDENY0000001", SecretAccessKey: "s5"}, "arn:aws:iam::111122223333:user/x-deny", []string{invoke, deny}, "/allow/1", "ExplicitDeny"},
		{"B: allow × deny", aws.Credentials{AccessKeyID: "AKIAXALLOW000001", SecretAccessKey: "s3"}, "arn:aws:iam::111122223333:user/x-allow", []string{invoke}, "/deny/1", "ExplicitDeny"},
		{"A: neither × allow", aws.Credentials{AccessKeyID: "AKIAOWNERNONE001", SecretAccessKey: "s1"}, "arn:aws:iam::123456789012:user/owner-none", nil, "/allow/1", "Allow"},
		{"A: allow × neither", aws.Credentials{AccessKeyID: "AKIAOWNERALLOW01", SecretAccessKey: "s2"}, "arn:aws:iam::123456789012:user/owner-allow", []string{invoke}, "/neither/1", "Allow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"policy", "simulate", "-r", rp, "--principal-arn", tc.principal, "--api", "xacct00001", "--stage", "prod",
				"--api-account", "123456789012", "--method", "GET", "--path", tc.path, "--time", at.Format(time.RFC3339)}
			for _, i := range tc.identity {
				args = append(args, "-i", i)
			}
			var out, errb bytes.Buffer
			code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
			result, message := simulateOutcome(out.String())
			if result != tc.wantResult {
				t.Fatalf("simulate result %q (exit %d), want %q\n%s%s", result, code, tc.wantResult, out.String(), errb.String())
			}
			if wantCode := map[bool]int{true: 0, false: 1}[result == "Allow"]; code != wantCode {
				t.Errorf("simulate exit %d, want %d", code, wantCode)
			}

			status, body := signedGet(t, a.GatewayAddr, "xacct00001.execute-api.localhost", "/prod"+tc.path, tc.key, at)
			wantStatus, wantBody := 200, "ok"
			if result != "Allow" {
				wantStatus, wantBody = 403, `{"Message":"`+message+`"}`
			}
			if status != wantStatus || body != wantBody {
				t.Fatalf("gateway %d %q, simulator says %d %q", status, body, wantStatus, wantBody)
			}
		})
	}
}

// simulateOutcome extracts the result and, for denials, the ACCESS_DENIED
// message from simulate's output.
func simulateOutcome(out string) (result, message string) {
	for _, line := range strings.Split(out, "\n") {
		if r, ok := strings.CutPrefix(line, "result: "); ok {
			result = r
		}
		if m, ok := strings.CutPrefix(strings.TrimSpace(line), "403 ACCESS_DENIED: "); ok {
			message = m
		}
	}
	return result, message
}

func signedGet(t *testing.T, addr, host, path string, key aws.Credentials, at time.Time) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if err := v4.NewSigner().SignHTTP(context.Background(), key, req, sigv4.EmptyPayloadHash, "execute-api", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
