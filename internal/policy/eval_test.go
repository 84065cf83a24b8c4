package policy

import (
	"fmt"
	"strings"
	"testing"
)

func mustParse(t testing.TB, doc string, opts ParseOptions) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc), opts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return p
}

const methodARN = "arn:aws:execute-api:us-east-1:111122223333:abc123/prod/GET/pets/7"

func TestEvaluate(t *testing.T) {
	alice := &Identity{ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333", Type: PrincipalUser, Username: "alice", UserID: "AIDAALICE"}
	roleSession := &Identity{ARN: "arn:aws:iam::444455556666:role/dev", SessionARN: "arn:aws:sts::444455556666:assumed-role/dev/s1",
		Account: "444455556666", Type: PrincipalAssumedRole, UserID: "AROADEV:s1"}
	svc := &Identity{Service: "lambda.amazonaws.com"}
	tests := []struct {
		name     string
		doc      string
		action   string
		resource string
		caller   *Identity
		want     Effect
		wantSid  string
	}{
		{"allow matches", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111122223333:abc123/*"}}`,
			"execute-api:Invoke", methodARN, nil, Allow, "A"},
		{"nothing applies", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111122223333:other/*"}}`,
			"execute-api:Invoke", methodARN, nil, ImplicitDeny, ""},
		{"deny beats allow regardless of order", `{"Version":"2012-10-17","Statement":[
			{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},
			{"Sid":"D","Effect":"Deny","Action":"execute-api:*","Resource":"arn:aws:execute-api:*:*:abc123/prod/*"}]}`,
			"execute-api:Invoke", methodARN, nil, ExplicitDeny, "D"},
		{"action is case-insensitive", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"EXECUTE-API:invoke","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, nil, Allow, "A"},
		{"action wildcard ?", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"execute-api:Inv?ke","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, nil, Allow, "A"},
		{"action mismatch", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"execute-api:ManageConnections","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, nil, ImplicitDeny, ""},
		{"resource is case-sensitive", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:us-east-1:111122223333:abc123/prod/get/*"}}`,
			"execute-api:Invoke", methodARN, nil, ImplicitDeny, ""},
		{"resource star in method position", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:us-east-1:111122223333:abc123/*/GET/pets/*"}}`,
			"execute-api:Invoke", methodARN, nil, Allow, "A"},
		{"resource everything form", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:*"}}`,
			"execute-api:Invoke", methodARN, nil, Allow, "A"},
		{"resource star does not cross components", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:abc123/*:*:*"}}`,
			"execute-api:Invoke", methodARN, nil, ImplicitDeny, ""},
		{"NotAction", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","NotAction":"execute-api:ManageConnections","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, nil, Allow, "A"},
		{"NotAction excludes", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"execute-api:*","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, nil, ImplicitDeny, ""},
		{"NotResource", `{"Version":"2012-10-17","Statement":{"Sid":"D","Effect":"Deny","Action":"*","NotResource":"arn:aws:execute-api:*:*:abc123/prod/GET/public/*"}}`,
			"execute-api:Invoke", methodARN, nil, ExplicitDeny, "D"},
		{"NotResource excludes", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","NotResource":"arn:aws:execute-api:*:*:abc123/prod/GET/pets/*"}}`,
			"execute-api:Invoke", methodARN, nil, ImplicitDeny, ""},
		{"Principal star matches anonymous", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, nil, Allow, "A"},
		{"AWS star matches anonymous", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, nil, Allow, "A"},
		{"AWS account does not match anonymous", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, nil, ImplicitDeny, ""},
		{"AWS account id matches user of the account", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"*","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, alice, Allow, "A"},
		{"AWS root ARN matches user of the account", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, alice, Allow, "A"},
		{"AWS user ARN", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/bob","arn:aws:iam::111122223333:user/alice"]},"Action":"*","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, alice, Allow, "A"},
		{"AWS other account", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"*","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, alice, ImplicitDeny, ""},
		{"role ARN matches its sessions", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/dev"},"Action":"*","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, roleSession, Allow, "A"},
		{"session ARN matches", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:sts::444455556666:assumed-role/dev/s1"},"Action":"*","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, roleSession, Allow, "A"},
		{"service principal", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"*","Resource":"*"}}`,
			"execute-api:Invoke", methodARN, svc, Allow, "A"},
		{"NotPrincipal deny everyone but alice: alice", `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Sid":"D","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"*","Resource":"*"}]}`,
			"execute-api:Invoke", methodARN, alice, Allow, "A"},
		{"NotPrincipal deny everyone but alice: anonymous", `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},{"Sid":"D","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"*","Resource":"*"}]}`,
			"execute-api:Invoke", methodARN, nil, ExplicitDeny, "D"},
		{"resource variable", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:abc123/prod/GET/users/${aws:username}"}}`,
			"execute-api:Invoke", "arn:aws:execute-api:us-east-1:111122223333:abc123/prod/GET/users/alice", alice, Allow, "A"},
		{"resource variable other user", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:abc123/prod/GET/users/${aws:username}"}}`,
			"execute-api:Invoke", "arn:aws:execute-api:us-east-1:111122223333:abc123/prod/GET/users/bob", alice, ImplicitDeny, ""},
		{"resource variable unresolved for anonymous", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:abc123/prod/GET/users/${aws:username}"}}`,
			"execute-api:Invoke", "arn:aws:execute-api:us-east-1:111122223333:abc123/prod/GET/users/", nil, ImplicitDeny, ""},
		{"NotResource with unresolved variable never applies", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","NotResource":"arn:aws:execute-api:*:*:abc123/prod/GET/users/${aws:username}"}}`,
			"execute-api:Invoke", methodARN, nil, ImplicitDeny, ""},
		{"resource variable value is literal", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:abc123/prod/GET/users/${aws:username}"}}`,
			"execute-api:Invoke", "arn:aws:execute-api:us-east-1:111122223333:abc123/prod/GET/users/zed", &Identity{Username: "*", Account: "1"}, ImplicitDeny, ""},
		{"escaped star in resource is literal", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:abc123/prod/GET/${*}"}}`,
			"execute-api:Invoke", "arn:aws:execute-api:us-east-1:111122223333:abc123/prod/GET/*", nil, Allow, "A"},
		{"escaped star does not match other paths", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:*:*:abc123/prod/GET/${*}"}}`,
			"execute-api:Invoke", methodARN, nil, ImplicitDeny, ""},
		{"root path ARN", `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:us-east-1:111122223333:abc123/prod/GET/"}}`,
			"execute-api:Invoke", "arn:aws:execute-api:us-east-1:111122223333:abc123/prod/GET/", nil, Allow, "A"},
		{"first allow is decisive", `{"Version":"2012-10-17","Statement":[{"Sid":"X","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"B","Effect":"Allow","Action":"*","Resource":"*"}]}`,
			"execute-api:Invoke", methodARN, nil, Allow, "A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.doc, ParseOptions{Name: "p"})
			ctx := &Context{Principal: tt.caller}
			d := p.Evaluate(&Request{Action: tt.action, Resource: tt.resource, Context: ctx})
			if d.Effect != tt.want {
				t.Fatalf("Effect = %v, want %v (reason %q)", d.Effect, tt.want, d.Reason)
			}
			gotSid := ""
			if d.Decisive != nil {
				gotSid = d.Decisive.Sid
			}
			if gotSid != tt.wantSid {
				t.Errorf("decisive Sid = %q, want %q", gotSid, tt.wantSid)
			}
			if d.Reason == "" {
				t.Error("empty Reason")
			}
		})
	}
}

func TestEvaluateSeveralPolicies(t *testing.T) {
	allow := mustParse(t, `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"}}`, ParseOptions{Name: "inline"})
	deny := mustParse(t, `{"Version":"2012-10-17","Statement":{"Sid":"D","Effect":"Deny","Action":"execute-api:Invoke","Resource":"*"}}`, ParseOptions{Name: "managed"})
	d := Evaluate(&Request{Action: "execute-api:Invoke", Resource: methodARN}, allow, nil, deny)
	if d.Effect != ExplicitDeny || d.Decisive.Policy != "managed" || len(d.Matches) != 2 {
		t.Fatalf("got %+v, want explicit deny by managed with 2 matches", d)
	}
	want := `explicit deny by policy "managed" Statement (Sid "D")`
	if d.Reason != want {
		t.Errorf("Reason = %q, want %q", d.Reason, want)
	}
	if d := Evaluate(&Request{Action: "execute-api:Invoke", Resource: methodARN}); d.Effect != ImplicitDeny {
		t.Errorf("no policies: %v, want ImplicitDeny", d.Effect)
	}
}

func TestPrincipalUnknown(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[
		{"Sid":"AllowAll","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
		{"Sid":"DenyIP","Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
		{"Sid":"DenyBob","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"*","Resource":"*"},
		{"Sid":"DenyNotAlice","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"*","Resource":"*"},
		{"Sid":"DenyAccount","Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111122223333"}}},
		{"Sid":"DenyVar","Effect":"Deny","Principal":"*","Action":"*","NotResource":"arn:aws:execute-api:*:*:*/${aws:username}"}]}`
	p := mustParse(t, doc, ParseOptions{Kind: KindResource})
	inside := baseCtx()
	inside.Principal = nil
	inside.SourceIP = mustAddr("10.1.2.3")
	d := p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: methodARN, Context: inside, PrincipalUnknown: true})
	if d.Effect != Allow || d.Skipped != 4 {
		t.Errorf("inside range: %v skipped %d, want Allow with 4 principal-dependent statements skipped (%s)", d.Effect, d.Skipped, d.Reason)
	}
	outside := baseCtx()
	outside.Principal = nil
	d = p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: methodARN, Context: outside, PrincipalUnknown: true})
	if d.Effect != ExplicitDeny || d.Decisive.Sid != "DenyIP" {
		t.Errorf("outside range: %+v, want explicit deny by DenyIP", d)
	}
}

func TestExplain(t *testing.T) {
	p := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"A","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
		{"Sid":"D","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"123.4.5.6/24"}}}]}`,
		ParseOptions{Name: "rp"})
	ctx := &Context{SourceIP: mustAddr("198.51.100.1")}
	d, tr := Explain(&Request{Action: "execute-api:Invoke", Resource: methodARN, Context: ctx}, p)
	if d.Effect != ExplicitDeny || len(tr) != 2 {
		t.Fatalf("decision %v traces %d", d.Effect, len(tr))
	}
	c := tr[1].Conditions
	if !tr[1].Applies || len(c) != 1 || !c[0].Result || c[0].PolicyValues[0] != "123.4.5.6/24" || c[0].ContextValues[0] != "198.51.100.1" {
		t.Errorf("trace = %+v", tr[1])
	}
	if got := fmt.Sprint(c[0].Path); got != "Statement[1].Condition.NotIpAddress.aws:SourceIp" {
		t.Errorf("condition path = %q", got)
	}
}

func TestScopeExpansion(t *testing.T) {
	sc := &Scope{Region: "us-east-1", Account: "111122223333", APIID: "abc123"}
	p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/pets/*"}}`,
		ParseOptions{Kind: KindResource, Scope: sc})
	if d := p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: methodARN}); d.Effect != Allow {
		t.Errorf("abbreviated resource: %v", d.Effect)
	}
	if d := p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: strings.Replace(methodARN, "abc123", "zzz", 1)}); d.Effect != ImplicitDeny {
		t.Errorf("abbreviated resource, other API: %v", d.Effect)
	}
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:region:account-id:api-id/*"}}`
	literal := mustParse(t, doc, ParseOptions{Kind: KindResource})
	if d := literal.Evaluate(&Request{Action: "execute-api:Invoke", Resource: methodARN}); d.Effect != ImplicitDeny {
		t.Errorf("placeholders kept literally must match nothing (as in AWS): %v", d.Effect)
	}
	sc.ExpandPlaceholders = true
	expanded := mustParse(t, doc, ParseOptions{Kind: KindResource, Scope: sc})
	if d := expanded.Evaluate(&Request{Action: "execute-api:Invoke", Resource: methodARN}); d.Effect != Allow {
		t.Errorf("expanded placeholders: %v", d.Effect)
	}
	if len(expanded.Warnings) != 3 {
		t.Errorf("warnings = %v, want 3 (region, account, api id)", expanded.Warnings)
	}
}

func TestWriteExplanation(t *testing.T) {
	p := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"A","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
		{"Sid":"D","Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"123.4.5.6/24"}}},
		{"Sid":"B","Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"execute-api:Invoke","Resource":"*"}]}`,
		ParseOptions{Name: "rp"})
	d, tr := Explain(&Request{Action: "execute-api:Invoke", Resource: methodARN, Context: &Context{SourceIP: mustAddr("198.51.100.1")}, PrincipalUnknown: true}, p)
	var b strings.Builder
	if err := WriteExplanation(&b, d, tr); err != nil {
		t.Fatal(err)
	}
	want := `decision: ExplicitDeny (explicit deny by policy "rp" Statement[1] (Sid "D"))
policy "rp" Statement[0] (Sid "A") Allow: applies
  principal matches, action matches, resource matches
policy "rp" Statement[1] (Sid "D") Deny: applies
  principal matches, action matches, resource matches
  NotIpAddress aws:SourceIp [123.4.5.6/24] request [198.51.100.1] -> true
policy "rp" Statement[2] (Sid "B") Deny: skipped (depends on the caller, who is not yet authenticated)
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestTemplates(t *testing.T) {
	ctx := &Context{Principal: &Identity{Username: "o'brien", Tags: map[string]string{"team": "x"}}}
	tests := []struct {
		in      string
		want    string
		ok      bool
		wantErr bool
	}{
		{"a/${aws:username}/b", "a/o'brien/b", true, false},
		{"${ aws:USERNAME }", "o'brien", true, false},
		{"${aws:Referer, 'it''s}'}", "it's}", true, false},
		{"${aws:Referer}", "", false, false},
		{"${aws:PrincipalTag/team}-${*}${?}${$}", "x-*?$", true, false},
		{"$ {not a var}", "$ {not a var}", true, false},
		{"${aws:username", "", false, true},
		{"${}", "", false, true},
		{"${aws:Referer, 'x}", "", false, true},
		{"${aws:Referer, 'a'b'}", "", false, true},
		{"${no-colon}", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			tp, err := parseTemplate(tt.in, true)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseTemplate(%q) succeeded", tt.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseTemplate(%q): %v", tt.in, err)
			}
			got, ok := tp.str(ctx)
			if got != tt.want || ok != tt.ok {
				t.Errorf("str = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestPrincipalKinds(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[
		{"Sid":"F","Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"*","Resource":"*"},
		{"Sid":"C","Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"*","Resource":"*"}]}`
	p := mustParse(t, doc, ParseOptions{Kind: KindResource})
	tests := []struct {
		name   string
		caller *Identity
		want   Effect
	}{
		{"federated matches", &Identity{Federated: "cognito-identity.amazonaws.com"}, Allow},
		{"other federated", &Identity{Federated: "accounts.google.com"}, ImplicitDeny},
		{"IAM user matches neither", &Identity{ARN: "arn:aws:iam::111122223333:user/a", Account: "111122223333"}, ImplicitDeny},
		{"anonymous", nil, ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := p.Evaluate(&Request{Action: "x:y", Resource: methodARN, Context: &Context{Principal: tt.caller}}); d.Effect != tt.want {
				t.Errorf("effect = %v, want %v", d.Effect, tt.want)
			}
		})
	}
}

func TestReferenceExamples(t *testing.T) {
	// Reference §4.1 policy examples.
	p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Sid":"A","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:*:a123456789/test/POST/mydemoresource/*"}}`, ParseOptions{})
	tests := []struct {
		res  string
		want Effect
	}{
		{"arn:aws:execute-api:us-east-1:111122223333:a123456789/test/POST/mydemoresource/1", Allow},
		{"arn:aws:execute-api:us-east-1:111122223333:a123456789/test/POST/mydemoresource/a/b", Allow},
		{"arn:aws:execute-api:us-east-1:111122223333:a123456789/test/POST/mydemoresource", ImplicitDeny},
		{"arn:aws:execute-api:us-east-1:111122223333:a123456789/test/GET/mydemoresource/1", ImplicitDeny},
		{"arn:aws:execute-api:us-west-2:111122223333:a123456789/test/POST/mydemoresource/1", ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.res, func(t *testing.T) {
			if d := p.Evaluate(&Request{Action: "execute-api:Invoke", Resource: tt.res}); d.Effect != tt.want {
				t.Errorf("effect = %v, want %v", d.Effect, tt.want)
			}
		})
	}
}

func TestTrustPolicy(t *testing.T) {
	p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Sid":"T","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}}`,
		ParseOptions{Kind: KindTrust})
	alice := &Identity{ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333"}
	bob := &Identity{ARN: "arn:aws:iam::111122223333:user/bob", Account: "111122223333"}
	role := "arn:aws:iam::111122223333:role/dev"
	if d := p.Evaluate(&Request{Action: "sts:AssumeRole", Resource: role, Context: &Context{Principal: alice}}); d.Effect != Allow {
		t.Errorf("alice: %v", d.Effect)
	}
	if d := p.Evaluate(&Request{Action: "sts:AssumeRole", Resource: role, Context: &Context{Principal: bob}}); d.Effect != ImplicitDeny {
		t.Errorf("bob: %v", d.Effect)
	}
}

func TestMatchNamesPrincipal(t *testing.T) {
	const role = "arn:aws:iam::111122223333:role/r"
	alice := &Identity{ARN: "arn:aws:iam::111122223333:user/alice", Account: "111122223333", Type: PrincipalUser, Username: "alice"}
	session := &Identity{ARN: role, SessionARN: "arn:aws:sts::111122223333:assumed-role/r/s1", Account: "111122223333", Type: PrincipalAssumedRole}
	tests := []struct {
		name      string
		principal string // the statement's Principal or NotPrincipal element
		caller    *Identity
		want      bool
	}{
		{"user ARN", `"Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"}`, alice, true},
		{"user ARN among others", `"Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice"]}`, alice, true},
		{"session ARN", `"Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/r/s1"}`, session, true},
		{"role ARN for its session", `"Principal":{"AWS":"` + role + `"}`, session, true},
		{"star", `"Principal":"*"`, alice, false},
		{"AWS star", `"Principal":{"AWS":"*"}`, alice, false},
		{"account id", `"Principal":{"AWS":"111122223333"}`, alice, false},
		{"account root ARN", `"Principal":{"AWS":"arn:aws:iam::111122223333:root"}`, alice, false},
		{"account root pinned by a condition", `"Principal":{"AWS":"111122223333"},"Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}`, alice, false},
		{"NotPrincipal", `"NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/bob"}`, alice, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` + tt.principal + `,"Action":"sts:AssumeRole"}]}`
			p := mustParse(t, doc, ParseOptions{Kind: KindTrust})
			d := p.Evaluate(&Request{Action: "sts:AssumeRole", Resource: role, Context: &Context{Principal: tt.caller}})
			if d.Effect != Allow || len(d.Matches) != 1 {
				t.Fatalf("fixture: effect %v with %d matches, want one applicable Allow", d.Effect, len(d.Matches))
			}
			if got := d.Matches[0].NamesPrincipal; got != tt.want {
				t.Errorf("NamesPrincipal = %v, want %v", got, tt.want)
			}
			if _, traces := Explain(&Request{Action: "sts:AssumeRole", Resource: role, Context: &Context{Principal: tt.caller}}, p); traces[0].Match.NamesPrincipal != tt.want {
				t.Errorf("Explain: NamesPrincipal = %v, want %v", traces[0].Match.NamesPrincipal, tt.want)
			}
		})
	}
}
