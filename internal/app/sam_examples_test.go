package app

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/sam"
)

// The tests in this file serve every template of examples/sam through the
// real gateway, as `gatehouse serve examples/sam/<dir>/template.yaml` does,
// and check the security behaviour each template declares with the clients
// a user would use (the AWS SDK for Go v2 signer and Cognito client).

// samExampleDirs are the directories of examples/sam holding a template.
var samExampleDirs = []string{"iam", "cognito-rest", "resource-policy", "jwt-http", "gateway-responses"}

// apiID returns the id of the only API the App serves.
func apiID(t *testing.T, a *App) string {
	t.Helper()
	apis := a.listAPIs()
	if len(apis) != 1 {
		t.Fatalf("want one API, got %+v", apis)
	}
	return apis[0].ID
}

// helloBody is what examples/sam/handlers/hello answers.
type helloBody struct {
	Route      string         `json:"route"`
	Authorizer map[string]any `json:"authorizer"`
	Identity   *struct {
		UserArn  *string `json:"userArn"`
		SourceIP string  `json:"sourceIp"`
	} `json:"identity"`
}

func parseHello(t *testing.T, body string) helloBody {
	t.Helper()
	var h helloBody
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("hello body %q: %v", body, err)
	}
	return h
}

func TestSAMExampleIAM(t *testing.T) {
	clk := fixedClock()
	ta := startTemplate(t, samExample(t, "iam"), sam.Options{}, nil, clk)
	id := apiID(t, ta.App)
	key := creds(output(t, ta.App, "AccessKeyId"), output(t, ta.App, "SecretAccessKey"))
	if !strings.HasPrefix(key.AccessKeyID, "AKIA") || len(key.SecretAccessKey) != 40 {
		t.Fatalf("outputs give key %q and a %d-character secret", key.AccessKeyID, len(key.SecretAccessKey))
	}
	wrongSecret := creds(key.AccessKeyID, strings.Repeat("x", 40))
	unknownKey := creds("AKIAUNKNOWN000000001", key.SecretAccessKey)
	const user = "arn:aws:iam::123456789012:user/hello-caller"
	denied := restDenial(user, id+"/prod/GET/admin", false)
	tests := []struct {
		name       string
		path       string
		key        aws.Credentials
		at         time.Time
		wantStatus int
		wantBody   string // exact unless empty
		host       string // execute-api host form when set
		presign    bool   // signature in the query string
	}{
		{"signed by the template's key, allowed route", "/prod/hello", key, clk.Now(), 200, "", "", false},
		{"unsigned", "/prod/hello", aws.Credentials{}, clk.Now(), 403, `{"message":"Missing Authentication Token"}`, "", false},
		{"signed, route the policy does not allow", "/prod/admin", key, clk.Now(), 403,
			denied, "", false},
		{"unknown route, signed", "/prod/nowhere", key, clk.Now(), 403, `{"message":"Missing Authentication Token"}`, "", false},
		{"wrong secret", "/prod/hello", wrongSecret, clk.Now(), 403, "", "", false},
		{"unknown access key", "/prod/hello", unknownKey, clk.Now(), 403, `{"message":"The security token included in the request is invalid."}`, "", false},
		{"signed more than 5 minutes ago", "/prod/hello", key, clk.Now().Add(-6 * time.Minute), 403, "", "", false},
		{"execute-api host form", "/prod/hello", key, clk.Now(), 200, "", id + ".execute-api.localhost", false},
		{"presigned URL", "/prod/hello", key, clk.Now(), 200, "", "", true},
		{"presigned URL, route the policy does not allow", "/prod/admin", key, clk.Now(), 403,
			denied, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.signed(t, signedReq{method: "GET", host: tc.host, path: tc.path, key: tc.key, at: tc.at, presign: tc.presign})
			if resp.StatusCode != tc.wantStatus || tc.wantBody != "" && body != tc.wantBody {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if tc.wantStatus == 200 {
				h := parseHello(t, body)
				if h.Route != "GET /hello" || h.Identity == nil || h.Identity.UserArn == nil || *h.Identity.UserArn != user {
					t.Errorf("handler saw %s, want route GET /hello by %s", body, user)
				}
			} else if strings.Contains(body, "Hello") || strings.Contains(body, "route") {
				t.Errorf("denied request reached the function: %s", body)
			}
		})
	}
	t.Run("signature errors name the cause", func(t *testing.T) {
		_, body := ta.signed(t, signedReq{method: "GET", path: "/prod/hello", key: wrongSecret, at: clk.Now()})
		if !strings.HasPrefix(body, `{"message":"The request signature we calculated does not match the signature you provided.`) {
			t.Errorf("wrong secret: %s", body)
		}
		_, body = ta.signed(t, signedReq{method: "GET", path: "/prod/hello", key: key, at: clk.Now().Add(-6 * time.Minute)})
		if !strings.HasPrefix(body, `{"message":"Signature expired: `) {
			t.Errorf("old signature: %s", body)
		}
	})
}

func TestSAMExampleCognitoREST(t *testing.T) {
	env := map[string]string{"READER_PASSWORD": "Reader-pass-2026", "GUEST_PASSWORD": "Guest-pass-2026"}
	ta := startTemplate(t, samExample(t, "cognito-rest"), sam.Options{}, env, nil)
	clientID := output(t, ta.App, "ClientId")
	readerID, readerAccess := signIn(t, ta.App, clientID, "reader@example.com", env["READER_PASSWORD"])
	guestID, guestAccess := signIn(t, ta.App, clientID, "guest@example.com", env["GUEST_PASSWORD"])
	if got := claims(t, readerAccess)["scope"]; got != "aws.cognito.signin.user.admin profile/read" {
		t.Errorf("reader's access token scope = %v, want the trigger's profile/read added", got)
	}
	if got := claims(t, guestAccess)["scope"]; got != "aws.cognito.signin.user.admin" {
		t.Errorf("guest's access token scope = %v", got)
	}
	const unauthorized = `{"message":"Unauthorized"}`
	tests := []struct {
		name, method, path, token string
		wantStatus                int
		wantBody                  string // exact unless empty
		wantEmail                 string // claims.email the function sees
	}{
		{"no token", "GET", "/prod/me", "", 401, unauthorized, ""},
		{"ID token on an unscoped method", "GET", "/prod/me", readerID, 200, "", "reader@example.com"},
		{"guest's ID token on an unscoped method", "GET", "/prod/me", guestID, 200, "", "guest@example.com"},
		{"Bearer prefix", "GET", "/prod/me", "Bearer " + readerID, 200, "", "reader@example.com"},
		{"access token on an unscoped method", "GET", "/prod/me", readerAccess, 401, unauthorized, ""},
		{"tampered ID token", "GET", "/prod/me", readerID[:len(readerID)-4] + "AAAA", 401, unauthorized, ""},
		{"no token on a scoped method", "GET", "/prod/me/scoped", "", 401, unauthorized, ""},
		{"access token with the scope", "GET", "/prod/me/scoped", readerAccess, 200, "", ""},
		{"access token without the scope", "GET", "/prod/me/scoped", guestAccess, 401, unauthorized, ""},
		{"ID token on a scoped method", "GET", "/prod/me/scoped", readerID, 401, unauthorized, ""},
		{"Authorizer NONE", "GET", "/prod/health", "", 200, "", ""},
		{"CORS preflight without token", "OPTIONS", "/prod/me", "", 200, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.do(t, tc.method, "", tc.path, nil, authHeader(tc.token)...)
			if resp.StatusCode != tc.wantStatus || tc.wantBody != "" && body != tc.wantBody {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if tc.method == "OPTIONS" {
				if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
					t.Errorf("Access-Control-Allow-Origin = %q, want * (Cors: \"'*'\")", got)
				}
				return
			}
			if tc.wantEmail != "" {
				h := parseHello(t, body)
				c, _ := h.Authorizer["claims"].(map[string]any)
				if c["email"] != tc.wantEmail || c["token_use"] != "id" {
					t.Errorf("authorizer context %v, want the ID token's claims of %s", h.Authorizer, tc.wantEmail)
				}
			}
		})
	}
}

func TestSAMExampleResourcePolicy(t *testing.T) {
	path := samExample(t, "resource-policy")
	// The template allows 127.0.0.0/8 by default, so the loopback peer is
	// inside; the override moves the allowed range away from it.
	inside := startTemplate(t, path, sam.Options{}, nil, nil)
	outside := startTemplate(t, path, sam.Options{ParameterOverrides: map[string]string{"AllowedRanges": "192.0.2.0/24,198.51.100.0/24"}}, nil, nil)
	deny := func(ta *testApp, methodPath string) string {
		return restDenial("anonymous", apiID(t, ta.App)+"/prod/"+methodPath, true)
	}
	tests := []struct {
		name         string
		ta           *testApp
		method, path string
		xff          string
		wantStatus   int
		wantBody     string // exact unless empty
	}{
		{"caller inside the allowed range", inside, "GET", "/prod/reports", "", 200, ""},
		{"custom Deny statement on DELETE", inside, "DELETE", "/prod/reports/7", "", 403, deny(inside, "DELETE/reports/7")},
		{"caller outside the allowed range", outside, "GET", "/prod/reports", "", 403, deny(outside, "GET/reports")},
		{"X-Forwarded-For from an untrusted peer is ignored", outside, "GET", "/prod/reports", "192.0.2.10", 403, deny(outside, "GET/reports")},
		{"outside the range, DELETE", outside, "DELETE", "/prod/reports/7", "", 403, deny(outside, "DELETE/reports/7")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.xff != "" {
				hdr = []string{"X-Forwarded-For", tc.xff}
			}
			resp, body := tc.ta.do(t, tc.method, "", tc.path, nil, hdr...)
			if resp.StatusCode != tc.wantStatus || tc.wantBody != "" && body != tc.wantBody {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if tc.wantStatus == 403 {
				if got := resp.Header.Get("X-Amzn-Errortype"); got != "AccessDeniedException" {
					t.Errorf("x-amzn-ErrorType = %q, want AccessDeniedException", got)
				}
				return
			}
			if h := parseHello(t, body); h.Route != "GET /reports" || h.Identity == nil || h.Identity.SourceIP != "127.0.0.1" {
				t.Errorf("handler saw %s", body)
			}
		})
	}
}

func TestSAMExampleJWTHTTP(t *testing.T) {
	env := map[string]string{"CLERK_PASSWORD": "Clerk-pass-2026!", "VISITOR_PASSWORD": "Visitor-pass-2026!"}
	ta := startTemplate(t, samExample(t, "jwt-http"), sam.Options{}, env, nil)
	clientID := output(t, ta.App, "UserClientId")
	clerkID, clerkAccess := signIn(t, ta.App, clientID, "clerk", env["CLERK_PASSWORD"])
	_, visitorAccess := signIn(t, ta.App, clientID, "visitor", env["VISITOR_PASSWORD"])
	if iss, _ := claims(t, clerkAccess)["iss"].(string); !strings.HasPrefix(iss, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_") {
		t.Errorf("iss = %q, want the Cognito URL the template's issuer names", iss)
	}
	tests := []struct {
		name, path, token string
		wantStatus        int
		wantBody          string
	}{
		{"no token", "/orders", "", 401, `{"message":"Unauthorized"}`},
		{"not a JWT", "/orders", "Bearer nonsense", 401, `{"message":"Unauthorized"}`},
		{"access token without the scope", "/orders", visitorAccess, 403, `{"message":"Forbidden"}`},
		{"ID token (no scope claim)", "/orders", clerkID, 403, `{"message":"Forbidden"}`},
		{"access token with the scope", "/orders", clerkAccess, 200, ""},
		{"raw token without Bearer", "/orders", clerkAccess, 200, ""},
		{"Bearer token", "/orders", "Bearer " + clerkAccess, 200, ""},
		{"Authorizer NONE", "/health", "", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.do(t, "GET", "", tc.path, nil, authHeader(tc.token)...)
			if resp.StatusCode != tc.wantStatus || tc.wantBody != "" && body != tc.wantBody {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, body, tc.wantStatus, tc.wantBody)
			}
			if tc.wantStatus == 401 && tc.token != "" && resp.Header.Get("Www-Authenticate") == "" {
				t.Errorf("401 without www-authenticate")
			}
			if tc.wantStatus == 200 && tc.path == "/orders" {
				h := parseHello(t, body)
				jwt, _ := h.Authorizer["jwt"].(map[string]any)
				scopes, _ := jwt["scopes"].([]any)
				if h.Route != "GET /orders" || len(scopes) == 0 {
					t.Errorf("handler saw %s, want the JWT authorizer context with scopes", body)
				}
			}
		})
	}
	t.Run("CORS", func(t *testing.T) {
		for _, origin := range []string{"http://localhost:3000", "http://evil.example"} {
			resp, _ := ta.do(t, "OPTIONS", "", "/orders", nil, "Origin", origin, "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "authorization")
			got := resp.Header.Get("Access-Control-Allow-Origin")
			want := ""
			if origin == "http://localhost:3000" {
				want = origin
			}
			if got != want {
				t.Errorf("preflight from %s: %d Access-Control-Allow-Origin %q, want %q", origin, resp.StatusCode, got, want)
			}
		}
	})
}

func TestSAMExampleGatewayResponses(t *testing.T) {
	clk := fixedClock()
	ta := startTemplate(t, samExample(t, "gateway-responses"), sam.Options{}, nil, clk)
	id := apiID(t, ta.App)
	key := creds(output(t, ta.App, "AccessKeyId"), output(t, ta.App, "SecretAccessKey"))
	denied := `User: arn:aws:iam::123456789012:user/Caller is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:` + id + `/prod/GET/private`
	tests := []struct {
		name       string
		path       string
		key        aws.Credentials
		wantStatus int
		// wantBody is exact after $requestId is replaced by the response's
		// request id; empty: not checked.
		wantBody    string
		wantHeaders map[string]string // "" means absent
	}{
		{"unsigned: MISSING_AUTHENTICATION_TOKEN is 404 with its template", "/prod/hello", aws.Credentials{}, 404,
			`{"error":"not found","requestId":"$requestId"}`, map[string]string{"Content-Type": "application/json", "X-Error-Type": ""}},
		{"unknown route: MISSING_AUTHENTICATION_TOKEN too", "/prod/nowhere", key, 404,
			`{"error":"not found","requestId":"$requestId"}`, map[string]string{"Content-Type": "application/json"}},
		{"signed, not allowed: ACCESS_DENIED with its headers and template", "/prod/private", key, 403,
			`{"error":"denied","detail":"` + denied + `"}`,
			map[string]string{"Content-Type": "application/json", "Access-Control-Allow-Origin": "*", "X-Error-Type": "denied", "X-Amzn-Errortype": "AccessDeniedException"}},
		{"signed, allowed", "/prod/hello", key, 200, "", map[string]string{"X-Error-Type": ""}},
		{"integration timeout: DEFAULT_5XX template, status kept", "/prod/slow", key, 504,
			`{"error":"internal","requestId":"$requestId"}`, map[string]string{"Content-Type": "application/json", "X-Error-Type": ""}},
		{"bad signature: uncustomised INVALID_SIGNATURE", "/prod/hello", creds(key.AccessKeyID, strings.Repeat("y", 40)), 403, "",
			map[string]string{"X-Error-Type": "", "Access-Control-Allow-Origin": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.signed(t, signedReq{method: "GET", path: tc.path, key: tc.key, at: clk.Now()})
			reqID := resp.Header.Get("X-Amzn-Requestid")
			want := strings.ReplaceAll(tc.wantBody, "$requestId", reqID)
			if resp.StatusCode != tc.wantStatus || want != "" && body != want {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, body, tc.wantStatus, want)
			}
			if reqID == "" && tc.wantBody != "" {
				t.Errorf("no x-amzn-RequestId header")
			}
			for h, v := range tc.wantHeaders {
				if got := resp.Header.Get(h); got != v {
					t.Errorf("header %s = %q, want %q", h, got, v)
				}
			}
		})
	}
}

// TestSAMExamplesValidate checks that `gatehouse validate` accepts every
// example (it calls sam.LoadConfigFile) and that nothing is silently
// ignored: the only warnings are the ones each example expects.
func TestSAMExamplesValidate(t *testing.T) {
	wantWarnings := map[string][]string{
		"cognito-rest": {"Resources.UserPool.Properties.UserPoolTier"},
		"jwt-http":     {"Resources.UserPool.Properties.UserPoolTier"},
	}
	for _, dir := range samExampleDirs {
		t.Run(dir, func(t *testing.T) {
			res, err := sam.LoadConfigFile(samExample(t, dir), sam.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Template || len(res.Config.APIs) != 1 || res.Config.APIs[0].LogicalID == "" {
				t.Errorf("template %v, APIs %+v", res.Template, res.Config.APIs)
			}
			var got []string
			for _, w := range res.Warnings {
				got = append(got, w.Path)
			}
			if strings.Join(got, ",") != strings.Join(wantWarnings[dir], ",") {
				t.Errorf("warnings %v, want %v", res.Warnings, wantWarnings[dir])
			}
		})
	}
}

// TestSAMUnsupportedSecurity: a template using a security feature gatehouse
// does not implement fails to start with an error naming the resource and
// property; --allow-unsupported lets it start only where the property is
// merely not emulated (never for Lambda authorizers or API keys).
func TestSAMUnsupportedSecurity(t *testing.T) {
	tests := []struct {
		file string
		// wantErr is the error at position, without the file name.
		wantErr string
		// startsWithAllow: --allow-unsupported lets it start.
		startsWithAllow bool
	}{
		{"lambda-authorizer.yaml", ":14:26: Resources.TokenApi.Properties.Auth.Authorizers.TokenAuth.FunctionArn: FunctionArn: Lambda authorizers not supported yet", false},
		{"api-key.yaml", ":24:36: Resources.HelloFunction.Properties.Events.Get.Properties.Auth.ApiKeyRequired: ApiKeyRequired: API keys not supported yet", false},
		{"vpc-policy.yaml", ":15:34: Resources.VpcApi.Properties.Auth.ResourcePolicy.IntrinsicVpcWhitelist: IntrinsicVpcWhitelist is not supported (fail closed; --allow-unsupported ignores it)", true},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path, err := filepath.Abs(filepath.Join("testdata", "sam", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = newTemplateApp(t, path, sam.Options{}, nil, nil)
			var fe config.Errors
			if !errors.As(err, &fe) || len(fe) != 1 || !strings.Contains(err.Error(), path+tc.wantErr) {
				t.Fatalf("start error = %v, want %s%s", err, path, tc.wantErr)
			}
			if !tc.startsWithAllow {
				_, _, err := newTemplateApp(t, path, sam.Options{AllowUnsupported: true}, nil, nil)
				if err == nil || !strings.Contains(err.Error(), path+tc.wantErr) {
					t.Fatalf("with --allow-unsupported: error = %v, want it still refused", err)
				}
				return
			}
			ta := startTemplate(t, path, sam.Options{AllowUnsupported: true}, nil, nil)
			if !strings.Contains(ta.logs.String(), "IntrinsicVpcWhitelist is not supported") {
				t.Errorf("the ignored property is not logged:\n%s", ta.logs.String())
			}
			// The rest of the API's security stays in force.
			resp, body := ta.do(t, "GET", "", "/prod/hello", nil)
			if resp.StatusCode != 403 || body != `{"message":"Missing Authentication Token"}` {
				t.Errorf("unsigned call: got %d %s, want the IAM 403", resp.StatusCode, body)
			}
		})
	}
}
