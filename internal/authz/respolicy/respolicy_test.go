package respolicy

import (
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/policy"
)

const (
	apiAccount = "111122223333"
	otherAcct  = "444455556666"
	method     = "arn:aws:execute-api:us-east-1:111122223333:abc123/dev/GET/pets"
	masked     = "arn:aws:execute-api:us-east-1:********3333:abc123/dev/GET/pets"
)

var (
	sameCaller  = &policy.Identity{ARN: "arn:aws:iam::111122223333:user/alice", Account: apiAccount, Type: policy.PrincipalUser, Username: "alice"}
	crossCaller = &policy.Identity{ARN: "arn:aws:iam::444455556666:role/partner", SessionARN: "arn:aws:sts::444455556666:assumed-role/partner/s1",
		Account: otherAcct, Type: policy.PrincipalAssumedRole}
)

// Resource policies producing each effect for the method ARN. They name the
// caller's account so they are principal-dependent for IAM callers, and use
// Principal "*" for non-IAM routes.
func rpDoc(effect policy.Effect, principal string) string {
	allow := `{"Sid":"Allow","Effect":"Allow","Principal":` + principal + `,"Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111122223333:abc123/*"}`
	other := `{"Sid":"Other","Effect":"Allow","Principal":` + principal + `,"Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111122223333:zzz/*"}`
	deny := `{"Sid":"Deny","Effect":"Deny","Principal":` + principal + `,"Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111122223333:abc123/dev/GET/*"}`
	switch effect {
	case policy.Allow:
		return `{"Version":"2012-10-17","Statement":[` + allow + `]}`
	case policy.ExplicitDeny:
		return `{"Version":"2012-10-17","Statement":[` + allow + `,` + deny + `]}`
	}
	return `{"Version":"2012-10-17","Statement":[` + other + `]}`
}

func parseRP(t *testing.T, doc string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(doc), policy.ParseOptions{Name: "resource-policy", Kind: policy.KindResource})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return p
}

const (
	A = policy.Allow
	N = policy.ImplicitDeny // "Neither"
	D = policy.ExplicitDeny
)

type row struct {
	authz, rp policy.Effect
	want      policy.Effect
	wantMsg   string
	wantSrc   Source
}

func TestTableASameAccountIAM(t *testing.T) {
	user := "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: execute-api:Invoke on resource: " + masked
	rows := []row{
		{A, A, A, "", SourceIdentity},
		{A, N, A, "", SourceIdentity},
		{A, D, D, user + " with an explicit deny", SourceResourcePolicy},
		{N, A, A, "", SourceResourcePolicy},
		{N, N, N, user, SourceIdentity},
		{N, D, D, user + " with an explicit deny", SourceResourcePolicy},
		{D, A, D, user + " with an explicit deny", SourceIdentity},
		{D, N, D, user + " with an explicit deny", SourceIdentity},
		{D, D, D, user + " with an explicit deny", SourceResourcePolicy},
	}
	runRows(t, AuthIAM, sameCaller, `{"AWS":"111122223333"}`, "A", rows)
}

func TestTableBCrossAccountIAM(t *testing.T) {
	user := "User: arn:aws:sts::444455556666:assumed-role/partner/s1 is not authorized to perform: execute-api:Invoke on resource: " + masked
	rows := []row{
		{A, A, A, "", SourceIdentity},
		{A, N, N, user, SourceResourcePolicy},
		{A, D, D, user + " with an explicit deny", SourceResourcePolicy},
		{N, A, N, user, SourceIdentity},
		{N, N, N, user, SourceIdentity},
		{N, D, D, user + " with an explicit deny", SourceResourcePolicy},
		// "Deny | any → Explicit Deny"
		{D, A, D, user + " with an explicit deny", SourceIdentity},
		{D, N, D, user + " with an explicit deny", SourceIdentity},
		{D, D, D, user + " with an explicit deny", SourceResourcePolicy},
	}
	runRows(t, AuthIAM, crossCaller, `{"AWS":"arn:aws:iam::444455556666:role/partner"}`, "B", rows)
}

func TestTableALambdaAuthorizer(t *testing.T) {
	const authzMsg = "User is not authorized to access this resource"
	anon := "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + masked
	rows := []row{
		{A, A, A, "", SourceAuthorizer},
		{A, N, A, "", SourceAuthorizer},
		{A, D, D, anon + " with an explicit deny", SourceResourcePolicy},
		{N, A, A, "", SourceResourcePolicy},
		{N, N, N, authzMsg, SourceAuthorizer},
		{N, D, D, anon + " with an explicit deny", SourceResourcePolicy},
		{D, A, D, authzMsg + " with an explicit deny", SourceAuthorizer},
		{D, N, D, authzMsg + " with an explicit deny", SourceAuthorizer},
		{D, D, D, anon + " with an explicit deny", SourceResourcePolicy},
	}
	runRows(t, AuthLambda, nil, `"*"`, "A", rows)
}

func TestNoneAndCognitoNeedExplicitAllow(t *testing.T) {
	anon := "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + masked
	for _, at := range []AuthType{AuthNone, AuthCognito} {
		t.Run(at.String(), func(t *testing.T) {
			rows := []row{
				// The authorizer column is irrelevant: the token (if any) was validated.
				{A, A, A, "", SourceResourcePolicy},
				{A, N, N, anon, SourceResourcePolicy},
				{A, D, D, anon + " with an explicit deny", SourceResourcePolicy},
			}
			runRows(t, at, nil, `"*"`, at.String(), rows)
		})
	}
}

func TestAWSPrincipalRefusesNonIAMRoutes(t *testing.T) {
	// Reference §5.2: a policy naming AWS principals makes every non-IAM
	// method fail with the "User: anonymous" 403.
	p := parseRP(t, rpDoc(A, `{"AWS":"111122223333"}`))
	for _, at := range []AuthType{AuthNone, AuthCognito} {
		in := &Input{Policy: p, APIAccount: apiAccount, AuthType: at, MethodARN: method, Context: &policy.Context{Principal: sameCaller}}
		o := Decide(in, policy.Decision{})
		want := "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + masked
		if o.Allowed || o.Message != want {
			t.Errorf("%s: allowed=%v message %q, want denial %q", at, o.Allowed, o.Message, want)
		}
	}
}

func runRows(t *testing.T, at AuthType, caller *policy.Identity, principal, table string, rows []row) {
	t.Helper()
	for _, r := range rows {
		name := effectName(r.authz) + "/" + effectName(r.rp)
		t.Run(name, func(t *testing.T) {
			p := parseRP(t, rpDoc(r.rp, principal))
			in := &Input{Policy: p, APIAccount: apiAccount, AuthType: at, MethodARN: method,
				Context: &policy.Context{Principal: caller, SourceIP: netip.MustParseAddr("203.0.113.9")}}
			if in.Policy.Evaluate(&policy.Request{Action: InvokeAction, Resource: method, Context: in.Context}).Effect != r.rp {
				t.Fatalf("fixture: resource policy does not produce %v", r.rp)
			}
			o := Decide(in, policy.Decision{Effect: r.authz, Reason: "fixture"})
			if o.Effect != r.want || o.Allowed != (r.want == policy.Allow) {
				t.Fatalf("effect = %v allowed=%v, want %v (%s)", o.Effect, o.Allowed, r.want, o.Reason)
			}
			if o.Table != table {
				t.Errorf("table = %q, want %q", o.Table, table)
			}
			if o.Message != r.wantMsg {
				t.Errorf("message = %q, want %q", o.Message, r.wantMsg)
			}
			if o.Source != r.wantSrc {
				t.Errorf("source = %v, want %v", o.Source, r.wantSrc)
			}
			if o.Reason == "" {
				t.Error("empty reason")
			}
			e := o.Err()
			if r.want == policy.Allow {
				if e != nil {
					t.Errorf("Err() = %v, want nil", e)
				}
				return
			}
			if e == nil || e.Type != gwresp.AccessDenied || e.Message == nil || *e.Message != r.wantMsg {
				t.Errorf("Err() = %+v, want ACCESS_DENIED with the message", e)
			}
		})
	}
}

func TestNoResourcePolicy(t *testing.T) {
	tests := []struct {
		name   string
		at     AuthType
		caller *policy.Identity
		authz  policy.Effect
		want   policy.Effect
	}{
		{"NONE allows", AuthNone, nil, N, A},
		{"Cognito allows", AuthCognito, nil, N, A},
		{"Lambda allow", AuthLambda, nil, A, A},
		{"Lambda neither", AuthLambda, nil, N, N},
		{"Lambda deny", AuthLambda, nil, D, D},
		{"IAM same account allow", AuthIAM, sameCaller, A, A},
		{"IAM same account neither", AuthIAM, sameCaller, N, N},
		{"IAM cross account allow needs a resource policy", AuthIAM, crossCaller, A, N},
		{"IAM without caller fails closed", AuthIAM, nil, A, N},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Input{APIAccount: apiAccount, AuthType: tt.at, MethodARN: method, Context: &policy.Context{Principal: tt.caller}}
			if _, proceed := PreAuthorize(in); !proceed {
				t.Fatal("pre-authorization refused without a policy")
			}
			if o := Decide(in, policy.Decision{Effect: tt.authz}); o.Effect != tt.want {
				t.Errorf("effect = %v, want %v (%s)", o.Effect, tt.want, o.Reason)
			}
		})
	}
}

func TestPreAuthorize(t *testing.T) {
	ipDeny := `{"Version":"2012-10-17","Statement":[
		{"Sid":"Allow","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
		{"Sid":"DenyIP","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
		{"Sid":"DenyBob","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"execute-api:Invoke","Resource":"*"}]}`
	p := parseRP(t, ipDeny)
	bob := &policy.Identity{ARN: "arn:aws:iam::111122223333:user/bob", Account: apiAccount}
	tests := []struct {
		name        string
		at          AuthType
		ip          string
		caller      *policy.Identity
		wantProceed bool
	}{
		{"Lambda outside range refused before the authorizer", AuthLambda, "192.0.2.1", nil, false},
		{"Lambda inside range proceeds", AuthLambda, "10.1.1.1", nil, true},
		{"Cognito outside range refused", AuthCognito, "192.0.2.1", nil, false},
		{"IAM outside range refused before signature check", AuthIAM, "192.0.2.1", nil, false},
		{"IAM principal-specific deny waits for authentication", AuthIAM, "10.1.1.1", bob, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Input{Policy: p, APIAccount: apiAccount, AuthType: tt.at, MethodARN: method,
				Context: &policy.Context{SourceIP: netip.MustParseAddr(tt.ip), Principal: tt.caller}}
			o, proceed := PreAuthorize(in)
			if proceed != tt.wantProceed {
				t.Fatalf("proceed = %v, want %v (%s)", proceed, tt.wantProceed, o.Reason)
			}
			if !proceed {
				want := "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + masked + " with an explicit deny"
				if o.Message != want || o.Table != "pre-authorization" || o.ResourcePolicy.Decisive.Sid != "DenyIP" {
					t.Errorf("outcome = %+v", o)
				}
			}
		})
	}
	// Bob is refused once authenticated.
	in := &Input{Policy: p, APIAccount: apiAccount, AuthType: AuthIAM, MethodARN: method,
		Context: &policy.Context{SourceIP: netip.MustParseAddr("10.1.1.1"), Principal: bob}}
	o := Decide(in, policy.Decision{Effect: A})
	want := "User: arn:aws:iam::111122223333:user/bob is not authorized to perform: execute-api:Invoke on resource: " + masked + " with an explicit deny"
	if o.Allowed || o.Message != want {
		t.Errorf("bob after authentication: %+v", o)
	}
}

// TestSeed001 runs the seed 001 resource policy exactly as written (allow
// everyone, deny outside 123.4.5.6/24) on a route without an authorizer.
func TestSeed001(t *testing.T) {
	doc, err := os.ReadFile("testdata/seed001_ip_allowlist.json")
	if err != nil {
		t.Fatal(err)
	}
	scope := &policy.Scope{Region: "us-east-1", Account: apiAccount, APIID: "abc123", ExpandPlaceholders: true}
	p, err := policy.Parse(doc, policy.ParseOptions{Name: "seed001", Kind: policy.KindResource, Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		ip      string
		allowed bool
		msg     string
	}{
		{"inside the /24", "123.4.5.200", true, ""},
		{"network address", "123.4.5.0", true, ""},
		{"just outside", "123.4.6.1", false, "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + masked + " with an explicit deny"},
		{"IPv6 caller", "2001:db8::1", false, "User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + masked + " with an explicit deny"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Input{Policy: p, APIAccount: apiAccount, AuthType: AuthNone, MethodARN: method,
				Context: &policy.Context{SourceIP: netip.MustParseAddr(tt.ip), Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}
			pre, proceed := PreAuthorize(in)
			o := Decide(in, policy.Decision{})
			if o.Allowed != tt.allowed || o.Message != tt.msg {
				t.Errorf("Decide = allowed %v msg %q, want %v %q (%s)", o.Allowed, o.Message, tt.allowed, tt.msg, o.Reason)
			}
			if proceed != tt.allowed {
				t.Errorf("PreAuthorize proceed = %v (%s)", proceed, pre.Reason)
			}
			if !tt.allowed && !strings.Contains(o.Reason, "Statement[1]") {
				t.Errorf("reason %q does not name the deny statement", o.Reason)
			}
		})
	}
}

func TestWordingCurrent(t *testing.T) {
	tests := []struct {
		name   string
		at     AuthType
		caller *policy.Identity
		authz  policy.Effect
		rp     policy.Effect
		prin   string
		want   string
	}{
		{"resource implicit", AuthNone, nil, N, N, `"*"`,
			"User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + masked + " because no resource-based policy allows the execute-api:Invoke action"},
		{"resource explicit", AuthNone, nil, N, D, `"*"`,
			"User: anonymous is not authorized to perform: execute-api:Invoke on resource: " + masked + " with an explicit deny in a resource-based policy"},
		{"identity implicit", AuthIAM, sameCaller, N, N, `{"AWS":"111122223333"}`,
			"User: arn:aws:iam::111122223333:user/alice is not authorized to perform: execute-api:Invoke on resource: " + masked + " because no identity-based policy allows the execute-api:Invoke action"},
		{"identity explicit", AuthIAM, sameCaller, D, A, `{"AWS":"111122223333"}`,
			"User: arn:aws:iam::111122223333:user/alice is not authorized to perform: execute-api:Invoke on resource: " + masked + " with an explicit deny in an identity-based policy"},
		{"authorizer explicit", AuthLambda, nil, D, N, `"*"`,
			"User is not authorized to access this resource with an explicit deny in an identity-based policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &Input{Policy: parseRP(t, rpDoc(tt.rp, tt.prin)), APIAccount: apiAccount, AuthType: tt.at, MethodARN: method,
				Context: &policy.Context{Principal: tt.caller}, Wording: WordingCurrent}
			if o := Decide(in, policy.Decision{Effect: tt.authz}); o.Message != tt.want {
				t.Errorf("message = %q, want %q", o.Message, tt.want)
			}
		})
	}
}
