package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sigv4jsDir is the Node.js project whose npm signers this test drives.
const sigv4jsDir = "../../test/sigv4js"

// npmProject makes sure the node project in dir has its node_modules
// (running `npm ci` from the committed lockfile when missing) and returns
// the node binary. It skips the test only when node or npm are absent.
func npmProject(t *testing.T, dir string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (scripts/test-deps.sh installs it)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm is not installed (scripts/test-deps.sh installs it)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err == nil {
		return node
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return node
}

type jsResult struct {
	Signer string `json:"signer"`
	Case   string `json:"case"`
	Status int    `json:"status"`
	Body   string `json:"body"`
}

// TestNPMSigners signs requests with the npm packages aws4 and
// @smithy/signature-v4 (the signer of the AWS SDK for JavaScript v3):
// gatehouse accepts them, and refuses copies altered after signing (method,
// path, query, a signed header, body, date) or signed for another region or
// service.
func TestNPMSigners(t *testing.T) {
	node := npmProject(t, sigv4jsDir)
	be := newBackend(t, nil)
	clk := &fakeClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	ta := startIAM(t, iamConfig+fmt.Sprintf(`
apis:
  - name: signed
    id: iamapi0001
    kind: rest
    stages: [{name: dev}]
    defaultAuthorizer: AWS_IAM
    routes:
      - route: ANY /{proxy+}
        integration: {http: {url: "%[1]s/{proxy}"}}
      - route: GET /
        integration: {http: {url: "%[1]s/root"}}
`, be.URL), clk)

	in, err := json.Marshal(map[string]string{
		"gateway": ta.GatewayAddr, "host": "iamapi0001.execute-api.localhost", "stage": "dev",
		"region": "us-east-1", "date": clk.Now().Format(time.RFC3339),
		"accessKeyId": alice.AccessKeyID, "secretAccessKey": alice.SecretAccessKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "sign.mjs")
	cmd.Dir = sigv4jsDir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node sign.mjs: %v\n%s", err, stderr.String())
	}
	var results []jsResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("script output: %v\n%s", err, out)
	}

	const mismatch = `{"message":"The request signature we calculated does not match the signature you provided. …`
	want := []struct {
		name   string
		status int
		body   string // exact, or a prefix when it ends with "…"
	}{
		{name: "get with query", status: 200, body: "backend GET /pets/7?b=2&a=1"},
		{name: "root resource", status: 200, body: "backend GET /root"},
		{name: "encoded path", status: 200, body: "backend GET /pets/a%20b"},
		{name: "post with body", status: 200, body: "backend POST /pets"},
		{name: "presigned", status: 200, body: "backend GET /pets/7?…"},
		{name: "unsigned header added", status: 200, body: "backend GET /pets/7?b=2&a=1"},
		{name: "altered method", status: 403, body: mismatch},
		{name: "altered path", status: 403, body: mismatch},
		{name: "altered query", status: 403, body: mismatch},
		{name: "altered signed header", status: 403, body: mismatch},
		{name: "altered body", status: 403, body: mismatch},
		{name: "altered date", status: 403, body: mismatch},
		{name: "altered presigned query", status: 403, body: mismatch},
		{name: "expired date", status: 403, body: `{"message":"Signature expired: 20260301T095000Z is now earlier than 20260301T095500Z (20260301T100000Z - 5 min.)"}`},
		{name: "wrong region", status: 403, body: `{"message":"Credential should be scoped to a valid region, not 'us-west-2'."}`},
		{name: "wrong service", status: 403, body: `{"message":"Credential should be scoped to correct service: 'execute-api'."}`},
	}
	got := map[string]jsResult{}
	for _, r := range results {
		got[r.Signer+"/"+r.Case] = r
	}
	if len(got) != 2*len(want) {
		t.Errorf("script ran %d cases, want %d", len(got), 2*len(want))
	}
	for _, signer := range []string{"aws4", "smithy"} {
		for _, w := range want {
			t.Run(signer+"/"+w.name, func(t *testing.T) {
				r, ok := got[signer+"/"+w.name]
				if !ok {
					t.Fatal("case missing from the script's output")
				}
				if r.Status != w.status || !bodyMatches(r.Body, w.body) {
					t.Errorf("got %d %q, want %d %q", r.Status, r.Body, w.status, w.body)
				}
			})
		}
	}
	// The signed body reached the backend unchanged, and no refused request
	// reached it at all: 2 signers × 6 accepted cases.
	if n := be.count(); n != 12 {
		t.Errorf("backend saw %d requests, want 12", n)
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	var posted int
	for i, r := range be.reqs {
		if r.Method == "POST" {
			posted++
			if string(be.body[i]) != `{"name":"rex"}` {
				t.Errorf("backend body %q", be.body[i])
			}
		}
		if strings.Contains(r.URL.RawQuery, "X-Amz-") {
			t.Errorf("backend received the signing parameters: %s", r.URL.RawQuery)
		}
	}
	if posted != 2 {
		t.Errorf("backend saw %d POSTs, want 2", posted)
	}
}
