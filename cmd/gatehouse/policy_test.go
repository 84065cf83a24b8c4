package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestPolicySimulate runs `gatehouse policy simulate` in process and
// compares its output with testdata/policy/golden/<case>.txt (stdout, then
// stderr after a "--- stderr" line). Run with -update to rewrite them.
func TestPolicySimulate(t *testing.T) {
	const dir = "testdata/policy/"
	api := []string{"--api", "petapi0001", "--stage", "prod", "--api-account", "123456789012", "--time", "2026-03-01T10:00:00Z"}
	alice := []string{"--principal-arn", "arn:aws:iam::123456789012:user/alice", "--tag", "team=pets"}
	cases := []struct {
		name string
		args []string
		code int
	}{
		// Seed 001: everyone allowed, except outside 123.4.5.0/24.
		{name: "seed001-inside-range", code: 0, args: cat([]string{"-r", dir + "ip-range.json", "--method", "GET", "--path", "/pets/1", "--source-ip", "123.4.5.77"}, api)},
		{name: "seed001-outside-range", code: 1, args: cat([]string{"-r", dir + "ip-range.json", "--method", "POST", "--path", "/pets", "--source-ip", "10.0.0.1"}, api)},
		{name: "seed001-ipv6-caller", code: 1, args: cat([]string{"-r", dir + "ip-range.json", "--source-ip", "2001:db8::1"}, api)},
		{name: "iam-identity-allows-own-folder", code: 0, args: cat([]string{"-i", dir + "alice.yaml", "--path", "/pets/alice/7"}, alice, api)},
		{name: "iam-identity-other-folder", code: 1, args: cat([]string{"-i", dir + "alice.yaml", "--path", "/pets/bob/7"}, alice, api)},
		{name: "iam-identity-wrong-tag", code: 1, args: cat([]string{"-i", dir + "alice.yaml", "--path", "/pets/alice/7",
			"--principal-arn", "arn:aws:iam::123456789012:user/alice", "--tag", "team=cats"}, api)},
		{name: "iam-identity-explicit-deny-at-night", code: 1, args: cat([]string{"-i", dir + "alice.yaml", "--path", "/pets/alice/7"}, alice, api[:len(api)-2],
			[]string{"--time", "2026-03-01T22:00:00Z"})},
		{name: "iam-same-account-resource-policy-deny", code: 1, args: cat([]string{"-i", dir + "alice.yaml", "-r", dir + "partners.yaml",
			"--method", "DELETE", "--path", "/pets/alice/7"}, alice, api)},
		// Table B: a cross-account caller needs both sides to allow.
		{name: "iam-cross-account-both-allow", code: 0, args: cat([]string{"-r", dir + "partners.yaml", "-i", dir + "partner-identity.json",
			"--principal-arn", "arn:aws:sts::210987654321:assumed-role/reader/s1", "--path", "/pets/7"}, api)},
		{name: "iam-cross-account-resource-policy-only", code: 1, args: cat([]string{"-r", dir + "partners.yaml",
			"--principal-arn", "arn:aws:sts::210987654321:assumed-role/reader/s1", "--path", "/pets/7"}, api)},
		{name: "iam-cross-account-path-not-allowed", code: 1, args: cat([]string{"-r", dir + "partners.yaml",
			"--principal-arn", "arn:aws:iam::210987654321:user/eve", "-i", dir + "partner-identity.json", "--method", "POST", "--path", "/pets"}, api)},
		{name: "iam-account-root", code: 0, args: cat([]string{"--account", "123456789012", "-r", dir + "partners.yaml", "--method", "PUT", "--path", "/x"}, api)},
		{name: "authorizer-policy-user-agent", code: 0, args: cat([]string{"--authorizer-policy", dir + "authorizer.json", "--user-agent", "partner-app/2.1", "--path", "/pets"}, api)},
		{name: "authorizer-policy-no-user-agent", code: 1, args: cat([]string{"--authorizer-policy", dir + "authorizer.json", "--path", "/pets"}, api)},
		{name: "cognito-resource-policy-needs-allow", code: 1, args: cat([]string{"--auth-type", "COGNITO_USER_POOLS", "-r", dir + "partners.yaml", "--path", "/pets/1"}, api)},
		{name: "resource-arn-and-context-keys", code: 0, args: []string{"-i", dir + "context.json", "--account", "123456789012", "--username", "carol",
			"--resource", "arn:aws:execute-api:eu-west-1:123456789012:abc/dev/GET/", "--secure-transport", "--referer", "https://example.com/a",
			"--context", "aws:SourceVpc=vpc-1", "--context", "custom:Team=a", "--context", "custom:Team=b", "--time", "2026-03-01T10:00:00Z"}},
		{name: "iam-federated-user-in-org", code: 0, args: cat([]string{"-r", dir + "org.json", "-i", dir + "partner-identity.json",
			"--principal-arn", "arn:aws:sts::210987654321:federated-user/fed-bob", "--user-id", "210987654321:fed-bob", "--org-id", "o-abc123"}, api)},
		{name: "iam-federated-user-other-org", code: 1, args: cat([]string{"-r", dir + "org.json", "-i", dir + "partner-identity.json",
			"--principal-arn", "arn:aws:sts::210987654321:federated-user/fed-bob", "--user-id", "210987654321:fed-bob", "--org-id", "o-zzz"}, api)},
		{name: "invalid-yaml-policy", code: 2, args: cat([]string{"-i", dir + "invalid.yaml", "--account", "123456789012", "--username", "bob"}, api)},
		{name: "invalid-json-policy", code: 2, args: cat([]string{"-i", dir + "invalid.json", "--account", "123456789012", "--username", "bob"}, api)},
		{name: "missing-file", code: 2, args: cat([]string{"-i", dir + "nope.json", "--account", "123456789012"}, api)},
		{name: "caller-on-none-route", code: 2, args: cat([]string{"--auth-type", "NONE", "-r", dir + "partners.yaml", "--account", "123456789012"}, api)},
		{name: "no-policies", code: 2, args: api},
		{name: "bad-source-ip", code: 2, args: cat([]string{"-r", dir + "ip-range.json", "--source-ip", "300.1.1.1"}, api)},
		{name: "resource-and-api", code: 2, args: cat([]string{"-r", dir + "ip-range.json", "--resource", "arn:aws:execute-api:us-east-1:123456789012:a/b/GET/"}, api)},
		{name: "bad-principal-arn", code: 2, args: cat([]string{"-r", dir + "partners.yaml", "--principal-arn", "arn:aws:s3:::bucket"}, api)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"policy", "simulate"}, tc.args...)
			code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, errb.String())
			}
			got := out.String() + "--- stderr\n" + errb.String()
			golden := filepath.Join(dir, "golden", tc.name+".txt")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

// TestPolicySimulateDefaultTime checks that without --time the injected
// clock supplies aws:CurrentTime.
func TestPolicySimulateDefaultTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		now  time.Time
		want string
	}{
		{name: "day", now: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), want: "result: Allow"},
		{name: "night", now: time.Date(2026, 3, 1, 21, 0, 0, 0, time.UTC), want: "result: ExplicitDeny"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := newPolicySimulate(func() time.Time { return tc.now })
			var out bytes.Buffer
			cmd.SetOut(&out)
			cmd.SetErr(&out)
			cmd.SetArgs([]string{"-i", "testdata/policy/alice.yaml", "--principal-arn", "arn:aws:iam::123456789012:user/alice",
				"--tag", "team=pets", "--api", "petapi0001", "--stage", "prod", "--path", "/pets/alice/1"})
			_ = cmd.Execute() // a denial is an *exitError; the output says which
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out.String())
			}
		})
	}
}

// FuzzPolicyYAML checks that converting any YAML policy never panics and
// yields JSON that is valid when it succeeds.
func FuzzPolicyYAML(f *testing.F) {
	for _, name := range []string{"alice.yaml", "partners.yaml", "invalid.yaml"} {
		b, err := os.ReadFile("testdata/policy/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("a: &x [*x]"))
	f.Add([]byte("Statement: {Effect: Allow, N: 0x1F, F: .inf, B: yes}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, _, err := policyJSON("fuzz.yaml", data)
		if err != nil {
			return
		}
		if !jsonValid(doc) {
			t.Fatalf("invalid JSON %q from %q", doc, data)
		}
	})
}

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func jsonValid(b []byte) bool { return json.Valid(b) }

// TestPolicySimulateDocs runs the command shown in docs/policies.md (its
// policy files resolved in testdata/policy/) and compares the output with
// the one printed there.
func TestPolicySimulateDocs(t *testing.T) {
	page, err := os.ReadFile("../../docs/policies.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- simulate: ([a-z0-9-]+) -->\n```text\n\\$ gatehouse (.*?[^\\\\])\n(.*?)```")
	blocks := re.FindAllSubmatch(page, -1)
	if len(blocks) == 0 {
		t.Fatal("docs/policies.md has no simulate example")
	}
	for _, m := range blocks {
		t.Run(string(m[1]), func(t *testing.T) {
			var args []string
			for _, a := range strings.Fields(strings.ReplaceAll(string(m[2]), "\\\n", " ")) {
				if strings.HasSuffix(a, ".json") || strings.HasSuffix(a, ".yaml") {
					a = "testdata/policy/" + a
				}
				args = append(args, a)
			}
			var out, errb bytes.Buffer
			run(context.Background(), args, strings.NewReader(""), &out, &errb)
			got := strings.ReplaceAll(out.String(), "testdata/policy/", "")
			if got != string(m[3]) {
				t.Errorf("docs output differs from the command's:\n--- command\n%s\n--- docs\n%s", got, m[3])
			}
		})
	}
}
