package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Principals of the API owner's account (123456789012) and of account
// 111122223333 (iam.accounts), one per identity-policy outcome: allow,
// neither, explicit deny.
var (
	ownerAllow   = creds("AKIAOWNERALLOW01", "owner-allow-secret")
	ownerNeither = creds("AKIAOWNERNONE001", "owner-none-secret")
	ownerDeny    = creds("AKIAOWNERDENY001", "owner-deny-secret")
	xAllow       = creds("AKIAXALLOW000001", "x-allow-secret")
	xNeither     = creds("AKIAXNONE0000001", "x-none-secret")
	xDeny        = creds("AKIAXDENY0000001", "x-deny-secret")
)

// crossAccountIAM declares the principals. The partner's identity policy
// allows execute-api:Invoke on the owner's APIs; the deny users have an
// allow and an explicit deny. Role gateway-caller (owner account, no
// policies) trusts the partner's x-allow user, role gateway-invoker (owner
// account, invoke-all) the partner account; role partner-caller (partner account) trusts
// the same user and carries the partner's invoke policy.
const crossAccountIAM = ownerIAM + `    - name: deny-all
      document:
        Version: "2012-10-17"
        Statement:
          - {Sid: OwnerDenied, Effect: Deny, Action: "execute-api:Invoke", Resource: "*"}
  users:
    - name: owner-allow
      accessKeys: [{id: AKIAOWNERALLOW01, secret: owner-allow-secret}]
      managedPolicies: [invoke-all]
    - name: owner-neither
      accessKeys: [{id: AKIAOWNERNONE001, secret: owner-none-secret}]
    - name: owner-deny
      accessKeys: [{id: AKIAOWNERDENY001, secret: owner-deny-secret}]
      managedPolicies: [invoke-all, deny-all]
  roles:
    - name: gateway-caller
      trustPolicy:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {AWS: "arn:aws:iam::111122223333:user/x-allow"}, Action: "sts:AssumeRole"}
    - name: gateway-invoker
      managedPolicies: [invoke-all]
      trustPolicy:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {AWS: "arn:aws:iam::111122223333:root"}, Action: "sts:AssumeRole"}
  accounts:
    - id: "111122223333"
      policies:
        - name: invoke-owner-apis
          document:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:123456789012:*"}
              - {Effect: Allow, Action: "sts:AssumeRole", Resource: "*"}
        - name: deny-all
          document:
            Version: "2012-10-17"
            Statement:
              - {Sid: PartnerDenied, Effect: Deny, Action: "execute-api:Invoke", Resource: "*"}
      users:
        - name: x-allow
          accessKeys: [{id: AKIAXALLOW000001, secret: x-allow-secret}]
          managedPolicies: [invoke-owner-apis]
        - name: x-neither
          accessKeys: [{id: AKIAXNONE0000001, secret: x-none-secret}]
        - name: x-deny
          accessKeys: [{id: AKIAXDENY0000001, secret: x-deny-secret}]
          managedPolicies: [invoke-owner-apis, deny-all]
      roles:
        - name: partner-caller
          managedPolicies: [invoke-owner-apis]
          trustPolicy:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Principal: {AWS: "arn:aws:iam::111122223333:user/x-allow"}, Action: "sts:AssumeRole"}
`

// crossAccountAPIs: xacct00001 has a resource policy that allows both
// accounts on /allow/*, says nothing about /neither/* and denies both
// accounts (by principal, so the deny is decided after authentication) on
// /deny/*. noresp0001 has no resource policy.
const crossAccountAPIs = `
apis:
  - name: guarded
    id: xacct00001
    kind: rest
    stages: [{name: prod}]
    defaultAuthorizer: AWS_IAM
    resourcePolicy:
      Version: "2012-10-17"
      Statement:
        - Sid: BothAccountsAllowed
          Effect: Allow
          Principal: {AWS: ["arn:aws:iam::111122223333:root", "123456789012"]}
          Action: execute-api:Invoke
          Resource: execute-api:/prod/*/allow/*
        - Sid: BothAccountsDenied
          Effect: Deny
          Principal: {AWS: ["111122223333", "arn:aws:iam::123456789012:root"]}
          Action: execute-api:Invoke
          Resource: execute-api:/prod/*/deny/*
    routes:
      - route: ANY /{proxy+}
        integration: {mock: {body: ok}}
  - name: unguarded
    id: noresp0001
    kind: rest
    stages: [{name: prod}]
    defaultAuthorizer: AWS_IAM
    routes:
      - route: ANY /{proxy+}
        integration: {mock: {body: ok}}
`

// TestResourcePolicyTablesAAndB drives every row of the authorization-flow
// tables (reference §5.6) through the gateway with requests signed by the
// AWS SDK for Go v2: Table A for callers of the API owner's account (either
// allow suffices), Table B for callers of another account (both must
// allow). Identity outcome × resource-policy outcome is chosen by the user
// (…-allow, …-neither, …-deny) and the path (/allow, /neither, /deny).
func TestResourcePolicyTablesAAndB(t *testing.T) {
	clk := fixedClock()
	ta := startIAM(t, crossAccountIAM+crossAccountAPIs, clk)
	const (
		owner   = "arn:aws:iam::123456789012:user/"
		partner = "arn:aws:iam::111122223333:user/"
	)
	type row struct {
		name       string
		key        aws.Credentials
		caller     string // ARN in denials
		path       string // allow, neither, deny
		wantStatus int
		explicit   bool
	}
	tests := []row{
		// Table A: same account.
		{"A: identity allow × resource allow", ownerAllow, owner + "owner-allow", "allow", 200, false},
		{"A: identity allow × resource neither", ownerAllow, owner + "owner-allow", "neither", 200, false},
		{"A: identity allow × resource deny", ownerAllow, owner + "owner-allow", "deny", 403, true},
		{"A: identity neither × resource allow", ownerNeither, owner + "owner-neither", "allow", 200, false},
		{"A: identity neither × resource neither", ownerNeither, owner + "owner-neither", "neither", 403, false},
		{"A: identity neither × resource deny", ownerNeither, owner + "owner-neither", "deny", 403, true},
		{"A: identity deny × resource allow", ownerDeny, owner + "owner-deny", "allow", 403, true},
		{"A: identity deny × resource neither", ownerDeny, owner + "owner-deny", "neither", 403, true},
		{"A: identity deny × resource deny", ownerDeny, owner + "owner-deny", "deny", 403, true},
		// Table B: cross account.
		{"B: identity allow × resource allow", xAllow, partner + "x-allow", "allow", 200, false},
		{"B: identity allow × resource neither", xAllow, partner + "x-allow", "neither", 403, false},
		{"B: identity allow × resource deny", xAllow, partner + "x-allow", "deny", 403, true},
		{"B: identity neither × resource allow", xNeither, partner + "x-neither", "allow", 403, false},
		{"B: identity neither × resource neither", xNeither, partner + "x-neither", "neither", 403, false},
		{"B: identity neither × resource deny", xNeither, partner + "x-neither", "deny", 403, true},
		{"B: identity deny × resource allow", xDeny, partner + "x-deny", "allow", 403, true},
		{"B: identity deny × resource neither", xDeny, partner + "x-deny", "neither", 403, true},
		{"B: identity deny × resource deny", xDeny, partner + "x-deny", "deny", 403, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := "/prod/" + tc.path + "/item"
			resp, body := ta.signed(t, signedReq{method: "GET", host: "xacct00001.execute-api.localhost", path: path, key: tc.key, at: clk.Now()})
			want := "ok"
			if tc.wantStatus != 200 {
				want = restDenial(tc.caller, "xacct00001/prod/GET/"+tc.path+"/item", tc.explicit)
			}
			wantResponse(t, resp, body, tc.wantStatus, want)
			if tc.wantStatus == 403 && resp.Header.Get("X-Amzn-Errortype") != "AccessDeniedException" {
				t.Errorf("x-amzn-ErrorType %q, want AccessDeniedException", resp.Header.Get("X-Amzn-Errortype"))
			}
		})
	}

	// Without a resource policy the resource side is "Neither": an identity
	// allow suffices within the account (Table A) but not across accounts
	// (Table B).
	t.Run("no resource policy", func(t *testing.T) {
		for _, c := range []struct {
			name       string
			key        aws.Credentials
			wantStatus int
			wantBody   string
		}{
			{"same account, identity allow", ownerAllow, 200, "ok"},
			{"other account, identity allow", xAllow, 403, restDenial(partner+"x-allow", "noresp0001/prod/GET/x", false)},
			{"other account, identity deny", xDeny, 403, restDenial(partner+"x-deny", "noresp0001/prod/GET/x", true)},
		} {
			t.Run(c.name, func(t *testing.T) {
				resp, body := ta.signed(t, signedReq{method: "GET", host: "noresp0001.execute-api.localhost", path: "/prod/x", key: c.key, at: clk.Now()})
				wantResponse(t, resp, body, c.wantStatus, c.wantBody)
			})
		}
	})

	// The debug log names the table applied and the deciding statement.
	logs := ta.logs.String()
	for _, want := range []string{"AWS_IAM table B: identity Allow × resource policy Neither", "AWS_IAM table B: identity Neither × resource policy Allow → ImplicitDeny", "BothAccountsDenied", "PartnerDenied"} {
		if !strings.Contains(logs, want) {
			t.Errorf("debug log lacks %q:\n%s", want, grep(logs, "ACCESS_DENIED"))
		}
	}
}

// TestCrossAccountAssumedRoles: a partner user's sessions are cross-account
// callers when the role is the partner's (Table B), and same-account callers
// when the role is the API owner's (Table A), which the partner may assume
// because the owner's trust policy names it and its identity policy allows
// sts:AssumeRole.
func TestCrossAccountAssumedRoles(t *testing.T) {
	// The SDK's STS client signs with the real clock.
	clk := &fakeClock{t: time.Now().UTC()}
	ta := startIAM(t, crossAccountIAM+crossAccountAPIs, clk)
	stsEP := newSTSEndpoint(t, ta)
	partnerSession := assumeRole(t, stsEP.client(xAllow, noRetry), "arn:aws:iam::111122223333:role/partner-caller", "s1")
	ownerSession := assumeRole(t, stsEP.client(xAllow, noRetry), "arn:aws:iam::123456789012:role/gateway-caller", "s1")

	const partnerARN = "arn:aws:sts::111122223333:assumed-role/partner-caller/s1"
	tests := []struct {
		name, host, path string
		key              aws.Credentials
		wantStatus       int
		wantBody         string
	}{
		{"partner role, resource policy allows the partner account", "xacct00001", "/prod/allow/1", partnerSession, 200, "ok"},
		{"partner role, resource policy neither (Table B)", "xacct00001", "/prod/neither/1", partnerSession, 403,
			restDenial(partnerARN, "xacct00001/prod/GET/neither/1", false)},
		{"partner role, no resource policy (Table B)", "noresp0001", "/prod/x", partnerSession, 403,
			restDenial(partnerARN, "noresp0001/prod/GET/x", false)},
		// gateway-caller has no identity policy: in the owner's account the
		// resource policy's allow suffices (Table A).
		{"owner role assumed by the partner, resource policy allows", "xacct00001", "/prod/allow/1", ownerSession, 200, "ok"},
		{"owner role assumed by the partner, neither", "xacct00001", "/prod/neither/1", ownerSession, 403,
			restDenial("arn:aws:sts::123456789012:assumed-role/gateway-caller/s1", "xacct00001/prod/GET/neither/1", false)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.signed(t, signedReq{method: "GET", host: tc.host + ".execute-api.localhost", path: tc.path, key: tc.key, at: clk.Now()})
			wantResponse(t, resp, body, tc.wantStatus, tc.wantBody)
		})
	}

	t.Run("partner user not named by the owner's trust policy", func(t *testing.T) {
		_, err := stsEP.client(xNeither, noRetry).AssumeRole(context.Background(), &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::123456789012:role/gateway-caller"), RoleSessionName: aws.String("s1")})
		if err == nil || !strings.Contains(err.Error(), "User: arn:aws:iam::111122223333:user/x-neither is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/gateway-caller") {
			t.Fatalf("err = %v, want AccessDenied", err)
		}
	})
}

// TestCrossAccountCallerInLambdaEvent: the integration sees the caller's own
// account (requestContext.identity.accountId, payload 1.0) and ARN, and the
// Lambda proxy event keeps the SigV4 Authorization header (only HTTP
// integrations lose it; see docs/auth-iam.md).
func TestCrossAccountCallerInLambdaEvent(t *testing.T) {
	echo := echoFunction(t)
	clk := fixedClock()
	ta := startIAM(t, crossAccountIAM+`
functions:
  - name: echo
    runtime: nodejs20.x
    handler: index.handler
    codeDir: `+echo+`
apis:
  - name: restfn
    id: xacctfn001
    kind: rest
    stages: [{name: prod}]
    defaultAuthorizer: AWS_IAM
    resourcePolicy:
      Statement:
        - {Effect: Allow, Principal: {AWS: "111122223333"}, Action: "execute-api:Invoke", Resource: "execute-api:/*"}
    routes:
      - route: GET /whoami
        integration: {lambda: {function: echo}}
`, clk)
	ev := lambdaEvent(t, ta, "xacctfn001.execute-api.localhost", "/prod/whoami", xAllow, clk.Now())
	id := ev.RequestContext.Identity
	want := map[string]any{"accountId": "111122223333", "userArn": "arn:aws:iam::111122223333:user/x-allow", "accessKey": xAllow.AccessKeyID}
	for k, v := range want {
		if id[k] != v {
			t.Errorf("identity.%s = %#v, want %#v", k, id[k], v)
		}
	}
	if c, _ := id["caller"].(string); !strings.HasPrefix(c, "AIDA") || id["user"] != c {
		t.Errorf("identity caller %#v user %#v, want the same AIDA… id", id["caller"], id["user"])
	}
	// requestContext.accountId is the API owner's account, not the caller's.
	if ev.RequestContext.AccountID != "123456789012" {
		t.Errorf("requestContext.accountId = %q, want the API owner's 123456789012", ev.RequestContext.AccountID)
	}
	if a := ev.Headers["Authorization"]; !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential="+xAllow.AccessKeyID+"/") {
		t.Errorf("event headers.Authorization = %q, want the SigV4 header", a)
	}
}

// TestDocsCrossAccountExample starts the cross-account example of
// docs/resource-policies.md and checks the outcomes the page states.
func TestDocsCrossAccountExample(t *testing.T) {
	clk := fixedClock()
	ta := startIAM(t, docExample(t, "resource-policies.md", "gateway-cross-account"), clk)
	erin := creds("AKIAEXAMPLEERIN01", "erin-example-secret")
	sam := creds("AKIAEXAMPLESAM001", "sam-example-secret")
	ta.checkSigned(t, "orders0001.execute-api.localhost", clk, []signedCase{
		{"partner reads orders", "GET", "/prod/orders", erin, 200, "[]"},
		{"partner may not delete: resource policy does not allow", "DELETE", "/prod/orders/1", erin, 403,
			restDenial("arn:aws:iam::444455556666:user/erin", "orders0001/prod/DELETE/orders/1", false)},
		{"owner's user needs no resource-policy allow", "DELETE", "/prod/orders/1", sam, 204, ""},
	})
}

// TestDocsOtherAccountsExample loads the iam.accounts fragment of
// docs/auth-iam.md with an API whose resource policy admits account
// 111122223333, and calls it as the fragment's user and as a session of its
// role.
func TestDocsOtherAccountsExample(t *testing.T) {
	clk := &fakeClock{t: time.Now().UTC()}
	ta := startIAM(t, docExample(t, "auth-iam.md", "iam-other-accounts")+`
apis:
  - name: shared
    id: shared0001
    kind: rest
    stages: [{name: prod}]
    defaultAuthorizer: AWS_IAM
    resourcePolicy:
      Statement:
        - {Effect: Allow, Principal: {AWS: "111122223333"}, Action: "execute-api:Invoke", Resource: "execute-api:/prod/GET/*"}
    routes:
      - route: ANY /{proxy+}
        integration: {mock: {body: ok}}
`, clk)
	erin := creds("AKIAPARTNERERIN1", "...")
	client := newSTSEndpoint(t, ta).client(erin, noRetry)
	who, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *who.Account != "111122223333" || *who.Arn != "arn:aws:iam::111122223333:user/erin" {
		t.Fatalf("GetCallerIdentity = %s %s", *who.Account, *who.Arn)
	}
	batch := assumeRole(t, client, "arn:aws:iam::111122223333:role/batch", "nightly")
	ta.checkSigned(t, "shared0001.execute-api.localhost", clk, []signedCase{
		{"user reads", "GET", "/prod/x", erin, 200, "ok"},
		{"session reads", "GET", "/prod/x", batch, 200, "ok"},
		{"user writes: the resource policy does not allow", "POST", "/prod/x", erin, 403, restDenial("arn:aws:iam::111122223333:user/erin", "shared0001/prod/POST/x", false)},
		{"session writes", "POST", "/prod/x", batch, 403, restDenial("arn:aws:sts::111122223333:assumed-role/batch/nightly", "shared0001/prod/POST/x", false)},
	})
}

// TestHTTPAPICrossAccountCaller: HTTP APIs have no resource policies, so a
// caller of another account is refused whatever its identity policies say
// (table B with the resource side "Neither"); a session of a role in the
// API owner's account is a same-account caller.
func TestHTTPAPICrossAccountCaller(t *testing.T) {
	clk := &fakeClock{t: time.Now().UTC()}
	ta := startIAM(t, crossAccountIAM+`
apis:
  - name: httpsigned
    id: httpxacct1
    kind: http
    routes:
      - route: GET /items
        authorizer: AWS_IAM
        integration: {mock: {body: items}}
`, clk)
	client := newSTSEndpoint(t, ta).client(xAllow, noRetry)
	invoker := assumeRole(t, client, "arn:aws:iam::123456789012:role/gateway-invoker", "s1")
	caller := assumeRole(t, client, "arn:aws:iam::123456789012:role/gateway-caller", "s1")
	const res = "arn:aws:execute-api:us-east-1:********9012:httpxacct1/$default/GET/items"
	ta.checkSigned(t, "httpxacct1.execute-api.localhost", clk, []signedCase{
		{"same account, identity allow", "GET", "/items", ownerAllow, 200, "items"},
		{"other account, identity allow", "GET", "/items", xAllow, 403,
			`{"message":"User: arn:aws:iam::111122223333:user/x-allow is not authorized to perform: execute-api:Invoke on resource: ` + res + `"}`},
		{"owner-account session of a partner user, role allows", "GET", "/items", invoker, 200, "items"},
		{"owner-account session of a partner user, role has no policy", "GET", "/items", caller, 403,
			`{"message":"User: arn:aws:sts::123456789012:assumed-role/gateway-caller/s1 is not authorized to perform: execute-api:Invoke on resource: ` + res + `"}`},
	})
}
