package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestIAMCallerInLambdaEvent: a Node.js function behind AWS_IAM routes sees
// the SigV4 caller in requestContext.identity (payload 1.0, REST) and
// requestContext.authorizer.iam (payload 2.0, HTTP API), with the values
// STS GetCallerIdentity reports for the same credentials (reference §4,
// §9.1): IAM users and assumed-role sessions.
func TestIAMCallerInLambdaEvent(t *testing.T) {
	echo := echoFunction(t)
	// The SDK's STS client signs with the real clock.
	clk := &fakeClock{t: time.Now().UTC()}
	ta := startIAM(t, iamConfig+`
functions:
  - name: echo
    runtime: nodejs20.x
    handler: index.handler
    codeDir: `+echo+`
apis:
  - name: restfn
    id: restiam001
    kind: rest
    stages: [{name: dev}]
    defaultAuthorizer: AWS_IAM
    routes:
      - route: GET /whoami
        integration: {lambda: {function: echo}}
      - route: GET /open
        authorizer: NONE
        integration: {lambda: {function: echo}}
  - name: httpfn
    id: httpiam002
    kind: http
    routes:
      - route: GET /whoami
        authorizer: AWS_IAM
        integration: {lambda: {function: echo}}
      - route: GET /open
        integration: {lambda: {function: echo}}
`, clk)

	stsEP := newSTSEndpoint(t, ta)
	session := assumeRole(t, stsEP.client(alice), "arn:aws:iam::123456789012:role/invoker", "s1")

	callers := []struct {
		name       string
		key        aws.Credentials
		wantARN    string
		wantPrefix string // of the unique id
	}{
		{name: "iam user", key: alice, wantARN: "arn:aws:iam::123456789012:user/alice", wantPrefix: "AIDA"},
		{name: "assumed-role session", key: session, wantARN: "arn:aws:sts::123456789012:assumed-role/invoker/s1", wantPrefix: "AROA"},
	}
	for _, c := range callers {
		who, err := stsEP.client(c.key).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity %s: %v", c.name, err)
		}
		if *who.Arn != c.wantARN || !strings.HasPrefix(*who.UserId, c.wantPrefix) || *who.Account != "123456789012" {
			t.Fatalf("GetCallerIdentity %s: %s %s %s", c.name, *who.Arn, *who.UserId, *who.Account)
		}
		userID := *who.UserId
		if c.wantPrefix == "AROA" && !strings.HasSuffix(userID, ":s1") {
			t.Fatalf("session user id %q, want AROA…:s1", userID)
		}

		t.Run(c.name+"/payload 1.0 identity", func(t *testing.T) {
			ev := lambdaEvent(t, ta, "restiam001.execute-api.localhost", "/dev/whoami", c.key, clk.Now())
			id := ev.RequestContext.Identity
			want := map[string]any{
				"accessKey": c.key.AccessKeyID, "accountId": "123456789012", "caller": userID, "user": userID,
				"userArn": c.wantARN, "principalOrgId": nil, "cognitoIdentityId": nil, "cognitoAuthenticationType": nil,
			}
			for k, v := range want {
				if got, ok := id[k]; !ok || got != v {
					t.Errorf("identity.%s = %#v (present %v), want %#v", k, got, ok, v)
				}
			}
			if ev.RequestContext.Authorizer != nil {
				t.Errorf("REST AWS_IAM route: requestContext.authorizer = %v, want absent", ev.RequestContext.Authorizer)
			}
		})
		t.Run(c.name+"/payload 2.0 authorizer.iam", func(t *testing.T) {
			ev := lambdaEvent(t, ta, "httpiam002.execute-api.localhost", "/whoami", c.key, clk.Now())
			iam, _ := ev.RequestContext.Authorizer["iam"].(map[string]any)
			if iam == nil {
				t.Fatalf("requestContext.authorizer = %v, want an iam object", ev.RequestContext.Authorizer)
			}
			want := map[string]any{
				"accessKey": c.key.AccessKeyID, "accountId": "123456789012", "callerId": userID, "userId": userID,
				"userArn": c.wantARN, "principalOrgId": nil, "cognitoIdentity": nil,
			}
			for k, v := range want {
				if got, ok := iam[k]; !ok || got != v {
					t.Errorf("authorizer.iam.%s = %#v (present %v), want %#v", k, got, ok, v)
				}
			}
		})
	}

	t.Run("anonymous caller: identity fields null", func(t *testing.T) {
		ev := lambdaEvent(t, ta, "restiam001.execute-api.localhost", "/dev/open", aws.Credentials{}, clk.Now())
		for _, k := range []string{"accessKey", "accountId", "caller", "user", "userArn", "principalOrgId"} {
			if v, ok := ev.RequestContext.Identity[k]; !ok || v != nil {
				t.Errorf("identity.%s = %#v (present %v), want null", k, v, ok)
			}
		}
		ev = lambdaEvent(t, ta, "httpiam002.execute-api.localhost", "/open", aws.Credentials{}, clk.Now())
		if ev.RequestContext.Authorizer != nil {
			t.Errorf("HTTP API route without authorizer: requestContext.authorizer = %v, want absent", ev.RequestContext.Authorizer)
		}
	})
}
