package iam

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/sigv4"
)

func TestAuthenticator(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clk := &fakeClock{t: at}
	dir := testDirectory(t, nil)
	a, err := NewAuthenticator(AuthenticatorOptions{Directory: func() *Directory { return dir }, Region: "us-east-1", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		key      [2]string
		unsigned bool
		mutate   func(body string) string
		wantARN  string
		wantType gwresp.Type
		wantMsg  string
	}{
		{name: "user", key: [2]string{"AKIAALICE0000001", "alice-secret"}, wantARN: "arn:aws:iam::123456789012:user/eng/alice"},
		{name: "root", key: [2]string{"AKIAROOT00000001", "root-secret"}, wantARN: "arn:aws:iam::123456789012:root"},
		{name: "unsigned", unsigned: true, wantType: gwresp.MissingAuthenticationToken},
		{name: "unknown key", key: [2]string{"AKIANOBODY000001", "x"}, wantType: gwresp.InvalidSignature, wantMsg: "The security token included in the request is invalid."},
		{name: "body changed", key: [2]string{"AKIAALICE0000001", "alice-secret"}, mutate: func(b string) string { return b + "!" },
			wantType: gwresp.InvalidSignature, wantMsg: "The request signature we calculated does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"a":1}`
			r := httptest.NewRequest("POST", "https://abc123.execute-api.us-east-1.amazonaws.com/dev/pets/a%20b", strings.NewReader(body))
			if !tt.unsigned {
				creds := aws.Credentials{AccessKeyID: tt.key[0], SecretAccessKey: tt.key[1]}
				if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, sigv4.HashPayload([]byte(body)), "execute-api", "us-east-1", at); err != nil {
					t.Fatal(err)
				}
			}
			if tt.mutate != nil {
				body = tt.mutate(body)
			}
			id, res, ge := a.Authenticate(context.Background(), r, []byte(body))
			// Check decides the same (with the body hashed on demand).
			hash := func() (string, error) { return sigv4.HashPayload([]byte(body)), nil }
			cid, token, cge := a.Check(context.Background(), r, hash)
			if cid != id || (cge == nil) != (ge == nil) || cge != nil && (cge.Type != ge.Type || message(cge) != message(ge)) {
				t.Errorf("Check = %v, %v; Authenticate = %v, %v", cid, cge, id, ge)
			}
			if res != nil && token != res.SessionToken {
				t.Errorf("Check token %q, Authenticate %q", token, res.SessionToken)
			}
			if tt.wantARN != "" {
				if ge != nil {
					t.Fatalf("refused: %v", ge)
				}
				if id.ARN != tt.wantARN || !strings.HasPrefix(res.CanonicalRequest(), "POST\n/dev/pets/a%2520b\n") {
					t.Errorf("identity %s, canonical %q", id.ARN, res.CanonicalRequest())
				}
				return
			}
			if ge == nil || ge.Type != tt.wantType {
				t.Fatalf("got %v, want %s", ge, tt.wantType)
			}
			if tt.wantMsg != "" && (ge.Message == nil || !strings.HasPrefix(*ge.Message, tt.wantMsg)) {
				t.Errorf("message %v, want prefix %q", ge.Message, tt.wantMsg)
			}
		})
	}
}

// message is a gateway error's message ("" for the default one).
func message(e *gwresp.Error) string {
	if e.Message == nil {
		return ""
	}
	return *e.Message
}
