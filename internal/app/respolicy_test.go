package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// seed001Policy is the resource policy of seed 001, as written: allow
// everyone, deny callers outside 123.4.5.6/24. The "region" and
// "account-id" placeholders are expanded to the API's own values.
const seed001Policy = `
      {
        "Version": "2012-10-17",
        "Statement": [
          {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:region:account-id:*"
          },
          {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:region:account-id:*",
            "Condition": {
              "NotIpAddress": {
                "aws:SourceIp": "123.4.5.6/24"
              }
            }
          }
        ]
      }`

func seed001API(trusted string) string {
	return fmt.Sprintf(`
settings:
  trustedProxies: [%s]
iam:
  users:
    - name: alice
      accessKeys: [{id: AKIAALICE0000001, secret: alice-secret}]
      policies:
        - name: invoke
          document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "*"}]}
apis:
  - name: public
    id: pubapi0001
    kind: rest
    stages: [{name: prod}]
    resourcePolicy: %s
    routes:
      - route: GET /hello
        integration: {mock: {body: hello}}
      - route: GET /signed
        authorizer: AWS_IAM
        integration: {mock: {body: signed}}
`, trusted, seed001Policy)
}

func TestSeed001ResourcePolicyIPRange(t *testing.T) {
	clk := fixedClock()
	trusted := startIAM(t, seed001API("127.0.0.1/32"), clk)
	untrusted := startIAM(t, seed001API("192.0.2.0/24"), clk)
	const host = "pubapi0001.execute-api.localhost"
	deny := func(method, path string) string {
		return restDenial("anonymous", "pubapi0001/prod/"+method+path, true)
	}
	tests := []struct {
		name       string
		ta         *testApp
		path, xff  string
		key        bool
		wantStatus int
		wantBody   string
	}{
		{"inside the range through a trusted proxy", trusted, "/prod/hello", "123.4.5.77", false, 200, "hello"},
		{"rightmost untrusted hop decides", trusted, "/prod/hello", "10.9.9.9, 123.4.5.77", false, 200, "hello"},
		{"outside the range", trusted, "/prod/hello", "123.4.6.1", false, 403, deny("GET", "/hello")},
		{"spoofed leftmost hop", trusted, "/prod/hello", "123.4.5.77, 10.9.9.9", false, 403, deny("GET", "/hello")},
		{"loopback peer without proxy header", trusted, "/prod/hello", "", false, 403, deny("GET", "/hello")},
		{"spoofed header from an untrusted peer changes nothing", untrusted, "/prod/hello", "123.4.5.77", false, 403, deny("GET", "/hello")},
		{"IAM route: pre-authorization deny comes before authentication", trusted, "/prod/signed", "10.0.0.1", false, 403, deny("GET", "/signed")},
		{"IAM route inside the range, unsigned", trusted, "/prod/signed", "123.4.5.77", false, 403, `{"message":"Missing Authentication Token"}`},
		{"IAM route inside the range, signed", trusted, "/prod/signed", "123.4.5.77", true, 200, "signed"},
		{"IAM route outside the range, signed", trusted, "/prod/signed", "10.0.0.1", true, 403, deny("GET", "/signed")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := signedReq{method: "GET", host: host, path: tc.path, at: clk.Now()}
			if tc.xff != "" {
				req.header = []string{"X-Forwarded-For", tc.xff}
			}
			if tc.key {
				req.key = alice
			}
			resp, body := tc.ta.signed(t, req)
			wantResponse(t, resp, body, tc.wantStatus, tc.wantBody)
			if resp.StatusCode == 403 && strings.HasPrefix(body, `{"Message"`) && resp.Header.Get("X-Amzn-Errortype") != "AccessDeniedException" {
				t.Errorf("x-amzn-ErrorType %q", resp.Header.Get("X-Amzn-Errortype"))
			}
		})
	}
}

func TestResourcePolicyWithIAMSameAccount(t *testing.T) {
	clk := fixedClock()
	ta := startIAM(t, iamConfig+`
apis:
  - name: guarded
    id: rpiam00001
    kind: rest
    stages: [{name: prod}]
    defaultAuthorizer: AWS_IAM
    resourcePolicy:
      Version: "2012-10-17"
      Statement:
        - Sid: CarolMayCall
          Effect: Allow
          Principal: {AWS: "arn:aws:iam::123456789012:user/carol"}
          Action: execute-api:Invoke
          Resource: execute-api:/*
        - Sid: NoDeletesByAlice
          Effect: Deny
          Principal: {AWS: "arn:aws:iam::123456789012:user/alice"}
          Action: execute-api:Invoke
          Resource: execute-api:/prod/DELETE/*
    routes:
      - route: ANY /{proxy+}
        integration: {mock: {body: ok}}
      - route: GET /public
        authorizer: NONE
        integration: {mock: {body: public}}
`, clk)
	ta.checkSigned(t, "rpiam00001.execute-api.localhost", clk, []signedCase{
		{"identity allow, resource policy neither", "GET", "/prod/x", alice, 200, "ok"},
		{"identity allow, resource policy deny", "DELETE", "/prod/x", alice, 403,
			restDenial("arn:aws:iam::123456789012:user/alice", "rpiam00001/prod/DELETE/x", true)},
		{"identity neither, resource policy allow", "GET", "/prod/x", carol, 200, "ok"},
		{"identity neither, resource policy neither", "GET", "/prod/x", dave, 403,
			restDenial("arn:aws:iam::123456789012:user/dave", "rpiam00001/prod/GET/x", false)},
		{"identity deny, resource policy neither", "GET", "/prod/admin", bob, 403,
			restDenial("arn:aws:iam::123456789012:user/bob", "rpiam00001/prod/GET/admin", true)},
		{"root", "DELETE", "/prod/x", root, 200, "ok"},
		{"unsigned", "GET", "/prod/x", aws.Credentials{}, 403, `{"message":"Missing Authentication Token"}`},
		{"NONE route and a policy naming only AWS principals", "GET", "/prod/public", aws.Credentials{}, 403,
			restDenial("anonymous", "rpiam00001/prod/GET/public", false)},
	})
	// Every decision records why: the debug log names the deciding statement.
	if logs := ta.logs.String(); !strings.Contains(logs, `NoDeletesByAlice`) {
		t.Errorf("debug log does not name the deciding statement:\n%s", grep(logs, "ACCESS_DENIED"))
	}
}

func TestResourcePolicyConfigErrors(t *testing.T) {
	long := strings.Repeat("x", 8200)
	tests := []struct{ name, api, want string }{
		{"over 8192 characters", `
    kind: rest
    stages: [{name: prod}]
    resourcePolicy: {Statement: [{Sid: ` + long + `, Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "*"}]}`,
			"API Gateway allows at most 8192"},
		{"statement without principal", `
    kind: rest
    stages: [{name: prod}]
    resourcePolicy: {Statement: [{Effect: Allow, Action: "execute-api:Invoke", Resource: "*"}]}`,
			"Statement[0]"},
		{"HTTP APIs have none", `
    kind: http
    resourcePolicy: {Statement: [{Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "*"}]}`,
			"REST APIs only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tryStartIAM(t, `
apis:
  - name: bad`+tc.api+`
    routes:
      - route: GET /x
        integration: {mock: {}}
`, &fakeClock{t: time.Now()})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "resourcePolicy") {
				t.Fatalf("got %v, want an error about resourcePolicy containing %q", err, tc.want)
			}
		})
	}
}

func TestHTTPAPIWithIAM(t *testing.T) {
	clk := fixedClock()
	ta := startIAM(t, iamConfig+`
apis:
  - name: httpsigned
    id: httpiam001
    kind: http
    routes:
      - route: GET /items/{id}
        authorizer: AWS_IAM
        integration: {mock: {body: item}}
`, clk)
	tests := []struct {
		name       string
		key        aws.Credentials
		wantStatus int
		wantBody   string
	}{
		{"signed", alice, 200, "item"},
		{"unsigned", aws.Credentials{}, 403, `{"message":"Forbidden"}`},
		// HTTP API IAM denial bodies are unconfirmed (reference §12.3); gatehouse
		// sends AWS's IAM text under the HTTP API's lower-case key.
		{"not permitted", carol, 403, `{"message":"User: arn:aws:iam::123456789012:user/carol is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:httpiam001/$default/GET/items/1"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.signed(t, signedReq{method: "GET", host: "httpiam001.execute-api.localhost", path: "/items/1", key: tc.key, at: clk.Now()})
			wantResponse(t, resp, body, tc.wantStatus, tc.wantBody)
			if resp.StatusCode == http.StatusForbidden && resp.Header.Get("Apigw-Requestid") == "" {
				t.Errorf("HTTP API response without apigw-requestid")
			}
		})
	}
}

func TestResourcePolicyWithCognitoAuthorizer(t *testing.T) {
	iss := newOIDCIssuer(t)
	clk := &fakeClock{t: time.Now()}
	ta, err := tryStartIAM(t, fmt.Sprintf(`
apis:
  - name: pooled
    id: cogapi0001
    kind: rest
    stages: [{name: prod}]
    authorizers:
      - name: pool
        cognitoUserPools: {userPools: [%q]}
    defaultAuthorizer: pool
    resourcePolicy:
      Statement:
        - {Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/prod/GET/allowed"}
        - {Effect: Deny, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/prod/GET/denied"}
    routes:
      - route: GET /allowed
        integration: {mock: {body: allowed}}
      - route: GET /neither
        integration: {mock: {body: neither}}
      - route: GET /denied
        integration: {mock: {body: denied}}
`, iss.URL), clk)
	if err != nil {
		t.Skipf("REST COGNITO_USER_POOLS authorizer not available in this build: %v", err)
	}
	now := time.Now()
	token := iss.token(t, map[string]any{"iss": iss.URL, "aud": "client-1", "token_use": "id", "sub": "user-1",
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "auth_time": now.Unix()})
	tests := []struct {
		name, path, token string
		wantStatus        int
		wantBody          string
	}{
		{"valid token, resource policy allows", "/prod/allowed", token, 200, "allowed"},
		{"valid token, resource policy neither", "/prod/neither", token, 403,
			restDenial("anonymous", "cogapi0001/prod/GET/neither", false)},
		{"valid token, resource policy denies", "/prod/denied", token, 403,
			restDenial("anonymous", "cogapi0001/prod/GET/denied", true)},
		{"no token where the policy allows", "/prod/allowed", "", 401, `{"message":"Unauthorized"}`},
		{"no token where the policy denies: pre-authorization first", "/prod/denied", "", 403,
			restDenial("anonymous", "cogapi0001/prod/GET/denied", true)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.do(t, "GET", "cogapi0001.execute-api.localhost", tc.path, nil, authHeader(tc.token)...)
			wantResponse(t, resp, body, tc.wantStatus, tc.wantBody)
		})
	}
}
