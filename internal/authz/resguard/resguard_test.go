package resguard

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz/iamauth"
	"github.com/gatehouse/gatehouse/internal/authz/respolicy"
	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/policy"
)

var at = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

const seed001 = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:region:account-id:*"},
    {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:region:account-id:*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": "123.4.5.6/24"}}}
  ]
}`

func newGuard(t testing.TB, doc string) *Guard {
	t.Helper()
	g, err := New(Options{Policy: []byte(doc), Region: "us-east-1", Account: "123456789012", APIID: "abc123",
		AuthTypes: map[string]respolicy.AuthType{"pool": respolicy.AuthCognito, "lambda": respolicy.AuthLambda},
		Now:       func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func exchangeFor(method, path, sourceIP, authorizer string) *exchange.Exchange {
	return &exchange.Exchange{
		R:        httptest.NewRequest(method, "http://abc123.execute-api.localhost/prod"+path, nil),
		API:      &exchange.API{ID: "abc123", Kind: exchange.REST, Region: "us-east-1", AccountID: "123456789012"},
		Stage:    &exchange.Stage{Name: "prod"},
		Route:    &exchange.Route{AuthorizerName: authorizer},
		Path:     path,
		SourceIP: sourceIP,
	}
}

// run performs Before, then After with p, as the pipeline does.
func run(g *Guard, x *exchange.Exchange, p *exchange.Principal) error {
	if err := g.Before(x); err != nil {
		return err
	}
	return g.After(x, p)
}

func wantDenied(t *testing.T, err error, msg string) {
	t.Helper()
	var ge *gwresp.Error
	if !errors.As(err, &ge) || ge.Type != gwresp.AccessDenied || ge.Message == nil || *ge.Message != msg {
		t.Fatalf("got %v, want ACCESS_DENIED %q", err, msg)
	}
}

func TestSeed001NoneAuthorizer(t *testing.T) {
	g := newGuard(t, seed001)
	if len(g.Policy().Warnings) != 4 {
		t.Errorf("placeholder expansion warnings: %+v", g.Policy().Warnings)
	}
	const denied = "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abc123/prod/GET/pets with an explicit deny"
	tests := []struct {
		name, ip    string
		wantMsg     string
		wantOutcome string
	}{
		{"inside the range", "123.4.5.200", "", "allow"},
		{"range start", "123.4.5.0", "", "allow"},
		{"outside the range", "123.4.6.1", denied, "deny"},
		{"ipv6 caller", "2001:db8::1", denied, "deny"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := exchangeFor("GET", "/pets", tt.ip, "NONE")
			err := run(g, x, nil)
			if tt.wantMsg == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tt.wantMsg != "" {
				wantDenied(t, err, tt.wantMsg)
			}
			last := x.Trace[len(x.Trace)-1]
			if last.Stage != StageName || last.Outcome != tt.wantOutcome || !strings.Contains(last.Detail, "Statement[") {
				t.Errorf("trace %+v", x.Trace)
			}
		})
	}
}

func TestPreAuthorizationDenyStopsBeforeAuthorizer(t *testing.T) {
	g := newGuard(t, seed001)
	for _, auth := range []string{"AWS_IAM", "pool", "lambda"} {
		t.Run(auth, func(t *testing.T) {
			x := exchangeFor("GET", "/pets", "10.0.0.1", auth)
			err := g.Before(x)
			wantDenied(t, err, "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abc123/prod/GET/pets with an explicit deny")
			if len(x.Trace) != 1 || !strings.Contains(x.Trace[0].Detail, "pre-authorization") {
				t.Errorf("trace %+v", x.Trace)
			}
		})
	}
}

// iamPrincipal is what iamauth leaves for the guard.
func iamPrincipal(account, name string, identity policy.Effect, ip string) *exchange.Principal {
	userARN := fmt.Sprintf("arn:aws:iam::%s:user/%s", account, name)
	ctx := &policy.Context{Now: at, Principal: &policy.Identity{ARN: userARN, Account: account, Type: policy.PrincipalUser, Username: name, UserID: "AIDA" + name}}
	ctx.SourceIP, _ = parseAddr(ip)
	return &exchange.Principal{Type: "iam", ID: userARN,
		IAM:      &exchange.IAMIdentity{AccountID: account, UserARN: userARN},
		Decision: &iamauth.Decision{Decision: policy.Decision{Effect: identity, Reason: "test identity decision"}, Context: ctx}}
}

// Resource policies producing each resource-policy outcome for alice of
// account acct: Allow, Neither (only someone else is allowed) and Deny.
func rpFor(acct, outcome string) string {
	alice := fmt.Sprintf(`{"AWS":"arn:aws:iam::%s:user/alice"}`, acct)
	switch outcome {
	case "Allow":
		return `{"Statement":[{"Effect":"Allow","Principal":` + alice + `,"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
	case "Deny":
		return `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"},{"Sid":"NoAlice","Effect":"Deny","Principal":` + alice + `,"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
	}
	return `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/someone-else"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
}

func TestIAMTables(t *testing.T) {
	effects := map[string]policy.Effect{"Allow": policy.Allow, "Neither": policy.ImplicitDeny, "Deny": policy.ExplicitDeny}
	const arnRes = "arn:aws:execute-api:us-east-1:********9012:abc123/prod/GET/pets"
	tests := []struct {
		table, identity, resource string
		want                      string // "Allow", or the denial message suffix after the resource
		fromResource              bool
	}{
		// Table A: same account.
		{"A", "Allow", "Allow", "Allow", false},
		{"A", "Allow", "Neither", "Allow", false},
		{"A", "Allow", "Deny", " with an explicit deny", true},
		{"A", "Neither", "Allow", "Allow", true},
		{"A", "Neither", "Neither", "", false},
		{"A", "Neither", "Deny", " with an explicit deny", true},
		{"A", "Deny", "Allow", " with an explicit deny", false},
		{"A", "Deny", "Neither", " with an explicit deny", false},
		{"A", "Deny", "Deny", " with an explicit deny", true},
		// Table B: cross account — both must allow.
		{"B", "Allow", "Allow", "Allow", false},
		{"B", "Allow", "Neither", "", true},
		{"B", "Allow", "Deny", " with an explicit deny", true},
		{"B", "Neither", "Allow", "", false},
		{"B", "Neither", "Neither", "", false},
		{"B", "Neither", "Deny", " with an explicit deny", true},
		{"B", "Deny", "Allow", " with an explicit deny", false},
		{"B", "Deny", "Neither", " with an explicit deny", false},
		{"B", "Deny", "Deny", " with an explicit deny", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("table %s identity %s resource %s", tt.table, tt.identity, tt.resource), func(t *testing.T) {
			acct := "123456789012"
			if tt.table == "B" {
				acct = "999999999999"
			}
			g := newGuard(t, rpFor(acct, tt.resource))
			x := exchangeFor("GET", "/pets", "198.51.100.7", "AWS_IAM")
			err := run(g, x, iamPrincipal(acct, "alice", effects[tt.identity], "198.51.100.7"))
			if tt.want == "Allow" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
			} else {
				wantDenied(t, err, fmt.Sprintf("User: arn:aws:iam::%s:user/alice is not authorized to perform: execute-api:Invoke on resource: %s%s", acct, arnRes, tt.want))
			}
			last := x.Trace[len(x.Trace)-1]
			if !strings.Contains(last.Detail, "table "+tt.table) {
				t.Errorf("trace %+v does not name table %s", last, tt.table)
			}
			if tt.fromResource != strings.Contains(last.Detail, "decided by resource policy") {
				t.Errorf("trace %q: decided by resource policy = %v, want %v", last.Detail, !tt.fromResource, tt.fromResource)
			}
		})
	}
}

func TestCognitoAndNoneNeedExplicitAllow(t *testing.T) {
	const anon = "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abc123/prod/GET/pets"
	jwtPrincipal := &exchange.Principal{Type: "jwt", ID: "sub-1", Claims: map[string]any{"sub": "sub-1"}}
	tests := []struct {
		name, doc, auth string
		p               *exchange.Principal
		want            string
	}{
		{"cognito allowed by everyone statement", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/*"}]}`, "pool", jwtPrincipal, ""},
		{"cognito with resource policy neither", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/other/*"}]}`, "pool", jwtPrincipal, anon},
		{"cognito explicit deny", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*/GET/pets"}]}`, "pool", jwtPrincipal, anon + " with an explicit deny"},
		{"none with AWS principal only is anonymous", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`, "NONE", nil, anon},
		{"none allowed by wildcard", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:*","Resource":"*"}]}`, "NONE", nil, ""},
		{"lambda authorizer policy allow with neither", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/other/*"}]}`, "lambda",
			&exchange.Principal{Type: "lambda", Decision: policy.Decision{Effect: policy.Allow}}, ""},
		{"unknown authorizer fails closed", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:*","Resource":"*"}]}`, "mystery", nil, anon},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGuard(t, tt.doc)
			x := exchangeFor("GET", "/pets", "198.51.100.7", tt.auth)
			err := run(g, x, tt.p)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantDenied(t, err, tt.want)
			if len(x.Trace) == 0 || x.Trace[len(x.Trace)-1].Outcome != "deny" {
				t.Errorf("trace %+v", x.Trace)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	big := `{"Statement":[{"Sid":"` + strings.Repeat("a", MaxPolicyChars) + `","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}`
	tests := []struct{ name, doc, want string }{
		{"over 8192 characters", big, "API Gateway allows at most 8192"},
		{"missing principal", `{"Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`, "Statement[0]"},
		{"bad effect", `{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}`, "Statement[0].Effect"},
		{"not json", `{`, "resource policy"},
		{"empty", ``, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Options{Policy: []byte(tt.doc), Region: "us-east-1", Account: "123456789012", APIID: "abc123", Now: time.Now})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestPolicyAtTheLimitAccepted(t *testing.T) {
	head := `{"Statement":[{"Sid":"`
	tail := `","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}`
	doc := head + strings.Repeat("a", MaxPolicyChars-len(head)-len(tail)) + tail
	if _, err := New(Options{Policy: []byte(doc), Region: "us-east-1", Account: "123456789012", APIID: "abc123", Now: time.Now}); err != nil {
		t.Fatalf("a %d-character policy was refused: %v", len(doc), err)
	}
}

func FuzzNew(f *testing.F) {
	for _, s := range []string{seed001, rpFor("123456789012", "Deny"), rpFor("999999999999", "Neither"), `{}`, `{"Statement":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		g, err := New(Options{Policy: doc, Region: "us-east-1", Account: "123456789012", APIID: "abc123", Now: func() time.Time { return at }})
		if err != nil {
			return
		}
		// Any accepted policy must give a decision without panicking.
		x := exchangeFor("GET", "/pets", "198.51.100.7", "NONE")
		_ = run(g, x, nil)
		if len(x.Trace) == 0 {
			t.Fatal("no decision recorded")
		}
	})
}

func parseAddr(s string) (netip.Addr, error) { return netip.ParseAddr(s) }
