package iamauth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/sigv4"
)

var at = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func doc(s string) *config.PolicyDocument { return &config.PolicyDocument{JSON: []byte(s)} }

// testAuthenticator has alice (may invoke GET on /dev/pets/*), bob (denied
// everything explicitly), carol (no policy) and the root key.
func testAuthenticator(t testing.TB) *iam.Authenticator {
	t.Helper()
	dir, err := iam.NewDirectory(iam.Options{
		Account: "123456789012",
		Root:    iam.RootCredentials{AccessKeyID: "AKIAROOT00000001", SecretAccessKey: "root-secret"},
		IAM: &config.IAM{Users: []config.IAMUser{
			{Name: "alice", AccessKeys: []config.AccessKey{{ID: "AKIAALICE0000001", Secret: "alice-secret"}},
				Policies: []config.InlinePolicy{{Name: "invoke", Document: doc(`{"Version":"2012-10-17","Statement":[{"Sid":"Pets","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abc123/dev/*/pets/*"}]}`)}}},
			{Name: "bob", AccessKeys: []config.AccessKey{{ID: "AKIABOB000000001", Secret: "bob-secret"}},
				Policies: []config.InlinePolicy{{Name: "deny", Document: doc(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"No","Effect":"Deny","Action":"execute-api:*","Resource":"*"}]}`)}}},
			{Name: "carol", AccessKeys: []config.AccessKey{{ID: "AKIACAROL0000001", Secret: "carol-secret"}}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := iam.NewAuthenticator(iam.AuthenticatorOptions{Directory: func() *iam.Directory { return dir }, Region: "us-east-1", Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// exchangeFor builds the exchange the pipeline would hand the authorizer for
// a request to the REST API abc123, stage dev.
func exchangeFor(r *http.Request, path string) *exchange.Exchange {
	return &exchange.Exchange{
		R:     r,
		API:   &exchange.API{ID: "abc123", Kind: exchange.REST, Region: "us-east-1", AccountID: "123456789012"},
		Stage: &exchange.Stage{Name: "dev"},
		Route: &exchange.Route{Key: "ANY /{proxy+}", Method: "ANY", AuthorizerName: "AWS_IAM"},
		Path:  path, SourceIP: "192.0.2.10",
	}
}

func sign(t *testing.T, r *http.Request, id, secret string, body []byte) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, sigv4.HashPayload(body), "execute-api", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
}

func TestAuthorize(t *testing.T) {
	auth := testAuthenticator(t)
	tests := []struct {
		name        string
		key         [2]string
		method      string
		path        string
		hasPolicy   bool
		wantType    gwresp.Type
		wantMsg     string
		wantARN     string
		wantEffect  policy.Effect
		wantCaller  string
		wantTraceOK string
	}{
		{name: "allowed by identity policy", key: [2]string{"AKIAALICE0000001", "alice-secret"}, method: "POST", path: "/pets/7",
			wantARN: "arn:aws:iam::123456789012:user/alice", wantEffect: policy.Allow, wantTraceOK: "allow"},
		{name: "root needs no policy", key: [2]string{"AKIAROOT00000001", "root-secret"}, method: "DELETE", path: "/anything",
			wantARN: "arn:aws:iam::123456789012:root", wantEffect: policy.Allow, wantTraceOK: "allow"},
		{name: "implicit deny", key: [2]string{"AKIAALICE0000001", "alice-secret"}, method: "GET", path: "/cats",
			wantType: gwresp.AccessDenied, wantMsg: "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abc123/dev/GET/cats"},
		{name: "no policy at all", key: [2]string{"AKIACAROL0000001", "carol-secret"}, method: "GET", path: "/pets/1",
			wantType: gwresp.AccessDenied, wantMsg: "User: arn:aws:iam::123456789012:user/carol is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abc123/dev/GET/pets/1"},
		{name: "explicit deny", key: [2]string{"AKIABOB000000001", "bob-secret"}, method: "GET", path: "/pets/1",
			wantType: gwresp.AccessDenied, wantMsg: "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abc123/dev/GET/pets/1 with an explicit deny"},
		{name: "deny left to the resource policy", key: [2]string{"AKIABOB000000001", "bob-secret"}, method: "GET", path: "/pets/1", hasPolicy: true,
			wantARN: "arn:aws:iam::123456789012:user/bob", wantEffect: policy.ExplicitDeny, wantTraceOK: "authenticated"},
		{name: "unknown key", key: [2]string{"AKIANOBODY000001", "x"}, method: "GET", path: "/pets/1",
			wantType: gwresp.InvalidSignature, wantMsg: "The security token included in the request is invalid."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := New(Options{Authenticator: auth, Now: func() time.Time { return at }, HasResourcePolicy: tt.hasPolicy})
			if err != nil {
				t.Fatal(err)
			}
			body := []byte(`{"name":"rex"}`)
			r := httptest.NewRequest(tt.method, "http://abc123.execute-api.localhost/dev"+tt.path+"?b=2&a=1", bytes.NewReader(body))
			sign(t, r, tt.key[0], tt.key[1], body)
			x := exchangeFor(r, tt.path)
			p, err := a.Authorize(x)
			if tt.wantType != "" {
				var ge *gwresp.Error
				if !errors.As(err, &ge) || ge.Type != tt.wantType {
					t.Fatalf("got %v, want %s", err, tt.wantType)
				}
				if ge.Message == nil || *ge.Message != tt.wantMsg {
					t.Fatalf("message %v, want %q", ge.Message, tt.wantMsg)
				}
				if p != nil {
					t.Errorf("principal %+v on refusal", p)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if p.Type != "iam" || p.ID != tt.wantARN || p.IAM.UserARN != tt.wantARN || p.IAM.AccountID != "123456789012" || p.IAM.AccessKey != tt.key[0] || p.IAM.Caller == "" {
				t.Errorf("principal %+v / %+v", p, p.IAM)
			}
			d, ok := p.Decision.(*Decision)
			if !ok || d.Effect != tt.wantEffect || d.Context == nil || d.Context.Principal == nil || d.Context.Principal.ARN != tt.wantARN {
				t.Fatalf("decision %#v", p.Decision)
			}
			if d.Context.SourceIP.String() != "192.0.2.10" || !d.Context.Now.Equal(at) {
				t.Errorf("context %+v", d.Context)
			}
			got, _ := io.ReadAll(x.R.Body)
			if !bytes.Equal(got, body) {
				t.Errorf("integration would read %q, want %q", got, body)
			}
			if len(x.Trace) == 0 || x.Trace[len(x.Trace)-1].Outcome != tt.wantTraceOK {
				t.Errorf("trace %+v", x.Trace)
			}
		})
	}
}

// failingBody fails the test if anything reads it.
type failingBody struct{ t *testing.T }

func (f failingBody) Read([]byte) (int, error) {
	f.t.Error("body read for a request that never needed its hash")
	return 0, io.EOF
}
func (failingBody) Close() error { return nil }

func TestBodyReadOnlyWhenSignatureNeedsIt(t *testing.T) {
	a, err := New(Options{Authenticator: testAuthenticator(t), Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		prepare  func(r *http.Request)
		wantType gwresp.Type
	}{
		{"unsigned", func(*http.Request) {}, gwresp.MissingAuthenticationToken},
		{"unknown key", func(r *http.Request) { sign(t, r, "AKIANOBODY000001", "x", nil) }, gwresp.InvalidSignature},
		{"malformed authorization", func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") }, gwresp.InvalidSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://abc123.execute-api.localhost/dev/pets/1", nil)
			tt.prepare(r)
			r.Body = failingBody{t}
			_, err := a.Authorize(exchangeFor(r, "/pets/1"))
			var ge *gwresp.Error
			if !errors.As(err, &ge) || ge.Type != tt.wantType {
				t.Fatalf("got %v, want %s", err, tt.wantType)
			}
		})
	}
}

func TestBodyOverLimitRefused(t *testing.T) {
	a, err := New(Options{Authenticator: testAuthenticator(t), Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "http://abc123.execute-api.localhost/dev/pets/1", nil)
	sign(t, r, "AKIAALICE0000001", "alice-secret", nil)
	r.Body = io.NopCloser(io.LimitReader(zeros{}, MaxBodyBytes+1))
	r.ContentLength = -1
	_, err = a.Authorize(exchangeFor(r, "/pets/1"))
	var ge *gwresp.Error
	if !errors.As(err, &ge) || ge.Type != gwresp.RequestTooLarge {
		t.Fatalf("got %v, want REQUEST_TOO_LARGE", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestMethodARN(t *testing.T) {
	tests := []struct {
		name, method, override, stage, path string
		kind                                exchange.Kind
		want                                string
	}{
		{"rest with stage", "GET", "", "dev", "/pets/a b", exchange.REST, "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/pets/a b"},
		{"root", "GET", "", "dev", "/", exchange.REST, "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/"},
		{"rest method override", "POST", "delete", "dev", "/x", exchange.REST, "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/DELETE/x"},
		{"http ignores override", "POST", "DELETE", "", "/x", exchange.HTTP, "arn:aws:execute-api:us-east-1:123456789012:abc123/$default/POST/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://h/", nil)
			if tt.override != "" {
				r.Header.Set("X-HTTP-Method-Override", tt.override)
			}
			x := exchangeFor(r, tt.path)
			x.API.Kind = tt.kind
			x.Stage.Name = tt.stage
			if got := MethodARN(x); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNewRequiresDependencies(t *testing.T) {
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "required") {
		t.Fatalf("got %v", err)
	}
}
