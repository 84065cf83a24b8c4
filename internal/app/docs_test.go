package app

import (
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// docExample returns the yaml block that follows `<!-- example: name -->`
// in a docs page.
func docExample(t *testing.T, page, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/" + page)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- example: " + regexp.QuoteMeta(name) + " -->\n```yaml\n(.*?)```")
	m := re.FindSubmatch(b)
	if m == nil {
		t.Fatalf("docs/%s has no example %q", page, name)
	}
	return string(m[1])
}

func TestDocsIAMExample(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	ta := startIAM(t, docExample(t, "auth-iam.md", "gateway-iam"), clk)
	alice := aws.Credentials{AccessKeyID: "AKIAEXAMPLEALICE1", SecretAccessKey: "alice-example-secret"}
	tests := []struct {
		name, method, path string
		key                aws.Credentials
		wantStatus         int
		wantBody           string
	}{
		{"alice reads", "GET", "/prod/pets", alice, 200, "[]"},
		{"alice may not delete", "DELETE", "/prod/pets/1", alice, 403,
			`{"Message":"User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:petsapi001/prod/DELETE/pets/1"}`},
		{"root may delete", "DELETE", "/prod/pets/1", root, 204, ""},
		{"unsigned", "GET", "/prod/pets", aws.Credentials{}, 403, `{"message":"Missing Authentication Token"}`},
		{"health needs no signature", "GET", "/prod/health", aws.Credentials{}, 200, "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.signed(t, signedReq{method: tc.method, path: tc.path, key: tc.key, at: clk.Now()})
			if resp.StatusCode != tc.wantStatus || body != tc.wantBody {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
		})
	}
}

func TestDocsResourcePolicyExample(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	ta := startIAM(t, docExample(t, "resource-policies.md", "gateway-resource-policy"), clk)
	const res = "arn:aws:execute-api:us-east-1:********9012:partner001/prod/"
	tests := []struct {
		name, method, path, xff string
		wantStatus              int
		wantBody                string
	}{
		{"office reads", "GET", "/prod/catalog", "203.0.113.9", 200, "catalog"},
		{"office ipv6 reads", "GET", "/prod/catalog", "2001:db8::7", 200, "catalog"},
		{"office may not post", "POST", "/prod/orders", "203.0.113.9", 403,
			`{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: ` + res + `POST/orders"}`},
		{"outside reads", "GET", "/prod/catalog", "198.51.100.1", 403,
			`{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: ` + res + `GET/catalog with an explicit deny"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.signed(t, signedReq{method: tc.method, path: tc.path, header: []string{"X-Forwarded-For", tc.xff}})
			if resp.StatusCode != tc.wantStatus || body != tc.wantBody {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
		})
	}
	if logs := ta.logs.String(); !regexp.MustCompile(`Sid \\?"OfficeOnly\\?"`).MatchString(logs) {
		t.Errorf("debug log does not name the deciding statement:\n%s", grep(logs, "ACCESS_DENIED"))
	}
}
