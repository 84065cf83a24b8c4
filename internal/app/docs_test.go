package app

import (
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestDocsIAMExample(t *testing.T) {
	clk := fixedClock()
	ta := startIAM(t, docExample(t, "auth-iam.md", "gateway-iam"), clk)
	alice := aws.Credentials{AccessKeyID: "AKIAEXAMPLEALICE1", SecretAccessKey: "alice-example-secret"}
	ta.checkSigned(t, "", clk, []signedCase{
		{"alice reads", "GET", "/prod/pets", alice, 200, "[]"},
		{"alice may not delete", "DELETE", "/prod/pets/1", alice, 403,
			restDenial("arn:aws:iam::123456789012:user/alice", "petsapi001/prod/DELETE/pets/1", false)},
		{"root may delete", "DELETE", "/prod/pets/1", root, 204, ""},
		{"unsigned", "GET", "/prod/pets", aws.Credentials{}, 403, `{"message":"Missing Authentication Token"}`},
		{"health needs no signature", "GET", "/prod/health", aws.Credentials{}, 200, "ok"},
	})
}

func TestDocsResourcePolicyExample(t *testing.T) {
	clk := fixedClock()
	ta := startIAM(t, docExample(t, "resource-policies.md", "gateway-resource-policy"), clk)
	tests := []struct {
		name, method, path, xff string
		wantStatus              int
		wantBody                string
	}{
		{"office reads", "GET", "/prod/catalog", "203.0.113.9", 200, "catalog"},
		{"office ipv6 reads", "GET", "/prod/catalog", "2001:db8::7", 200, "catalog"},
		{"office may not post", "POST", "/prod/orders", "203.0.113.9", 403,
			restDenial("anonymous", "partner001/prod/POST/orders", false)},
		{"outside reads", "GET", "/prod/catalog", "198.51.100.1", 403,
			restDenial("anonymous", "partner001/prod/GET/catalog", true)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.signed(t, signedReq{method: tc.method, path: tc.path, header: []string{"X-Forwarded-For", tc.xff}})
			wantResponse(t, resp, body, tc.wantStatus, tc.wantBody)
		})
	}
	if logs := ta.logs.String(); !regexp.MustCompile(`Sid \\?"OfficeOnly\\?"`).MatchString(logs) {
		t.Errorf("debug log does not name the deciding statement:\n%s", grep(logs, "ACCESS_DENIED"))
	}
}
