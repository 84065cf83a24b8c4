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

	"github.com/aws/aws-sdk-go-v2/aws"
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
// @smithy/signature-v4 (the signer of the AWS SDK for JavaScript v3), with
// an IAM user's keys and with temporary credentials from AssumeRole (session
// token in the header or the presigned query): gatehouse accepts them, and
// refuses copies altered after signing (method, path, query, a signed
// header, body, date) or signed for another region or service.
func TestNPMSigners(t *testing.T) {
	node := npmProject(t, sigv4jsDir)
	be := newBackend(t, nil)
	// The SDK's STS client signs with the real clock; the gateway's clock
	// starts there (whole seconds, like X-Amz-Date) and does not move.
	clk := &fakeClock{t: time.Now().UTC().Truncate(time.Second)}
	ta := startIAM(t, iamConfig+signedAPI(be.URL, rootRoute), clk)
	session := assumeRole(t, newSTSEndpoint(t, ta).client(alice), "arn:aws:iam::123456789012:role/invoker", "js")

	now := clk.Now()
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
		{name: "presigned", status: 200, body: "backend GET /pets/7?b=2&a=1"},
		{name: "unsigned header added", status: 200, body: "backend GET /pets/7?b=2&a=1"},
		{name: "altered method", status: 403, body: mismatch},
		{name: "altered path", status: 403, body: mismatch},
		{name: "altered query", status: 403, body: mismatch},
		{name: "altered signed header", status: 403, body: mismatch},
		{name: "altered body", status: 403, body: mismatch},
		{name: "altered date", status: 403, body: mismatch},
		{name: "altered presigned query", status: 403, body: mismatch},
		{name: "expired date", status: 403, body: fmt.Sprintf(`{"message":"Signature expired: %s is now earlier than %s (%s - 5 min.)"}`,
			amz(now.Add(-10*time.Minute)), amz(now.Add(-5*time.Minute)), amz(now))},
		{name: "wrong region", status: 403, body: `{"message":"Credential should be scoped to a valid region, not 'us-west-2'."}`},
		{name: "wrong service", status: 403, body: `{"message":"Credential should be scoped to correct service: 'execute-api'."}`},
	}
	keys := []struct {
		name string
		key  aws.Credentials
	}{{"user keys", alice}, {"session credentials", session}}
	for _, k := range keys {
		results := runSigv4js(t, node, map[string]string{
			"gateway": ta.GatewayAddr, "host": signedHost, "stage": "dev",
			"region": "us-east-1", "date": now.Format(time.RFC3339),
			"accessKeyId": k.key.AccessKeyID, "secretAccessKey": k.key.SecretAccessKey, "sessionToken": k.key.SessionToken,
		})
		got := map[string]jsResult{}
		for _, r := range results {
			got[r.Signer+"/"+r.Case] = r
		}
		if len(got) != 2*len(want) {
			t.Errorf("%s: script ran %d cases, want %d", k.name, len(got), 2*len(want))
		}
		for _, signer := range []string{"aws4", "smithy"} {
			for _, w := range want {
				t.Run(k.name+"/"+signer+"/"+w.name, func(t *testing.T) {
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
	}
	// No refused request reached the backend: 2 credentials × 2 signers ×
	// 6 accepted cases. Signed bodies arrived unchanged; signing parameters
	// and tokens did not arrive at all.
	if n := be.count(); n != 24 {
		t.Errorf("backend saw %d requests, want 24", n)
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
		if a := r.Header.Get("Authorization"); a != "" {
			t.Errorf("backend received Authorization %q", a)
		}
	}
	if posted != 4 {
		t.Errorf("backend saw %d POSTs, want 4", posted)
	}
}

func amz(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// runSigv4js runs test/sigv4js/sign.mjs with in as its JSON input.
func runSigv4js(t *testing.T, node string, in map[string]string) []jsResult {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "sign.mjs")
	cmd.Dir = sigv4jsDir
	cmd.Stdin = bytes.NewReader(b)
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
	return results
}
