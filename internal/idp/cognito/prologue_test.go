package cognito

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/idp/signer"
	"github.com/gatehouse/gatehouse/internal/idp/srp"
	"github.com/gatehouse/gatehouse/internal/store/memory"
)

// wireEnv is a server on a fixed fake clock whose triggers are recorded
// and answered with the event unchanged, driven through its HTTP handler.
type wireEnv struct {
	srv   *Server
	h     http.Handler
	clock *fakeClock
	rec   *recordingInvoker
}

func newWireEnv(t *testing.T) *wireEnv {
	t.Helper()
	st := memory.New()
	clock := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	keys, err := signer.New(signer.Config{Keys: st, Now: clock.Now, GenerateKey: fastKeys})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingInvoker{next: staticInvoker(func(_ string, ev map[string]any) (map[string]any, error) { return ev, nil })}
	srv, err := New(Config{Store: st, Signer: keys, Auth: allowAll{}, Triggers: rec, Now: clock.Now, BaseURL: "http://idp.test",
		Hash: HashParams{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return &wireEnv{srv: srv, h: srv.Handler(), clock: clock, rec: rec}
}

// call posts op and returns the status and the decoded body.
func (w *wireEnv) call(t *testing.T, op, body string) (int, map[string]any) {
	t.Helper()
	rec := post(w.h, TargetPrefix+op, body)
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("%s: body %q: %v", op, rec.Body, err)
	}
	return rec.Code, v
}

// must is call for steps that have to succeed.
func (w *wireEnv) must(t *testing.T, op, body string) map[string]any {
	t.Helper()
	code, v := w.call(t, op, body)
	if code != 200 {
		t.Fatalf("%s: status %d: %v", op, code, v)
	}
	return v
}

// errString is "Type: message" of an error body.
func errString(v map[string]any) string { return fmt.Sprint(v["__type"], ": ", v["message"]) }

// TestHandlerPrologues pins the error (or simulated answer) each handler
// gives before it reaches its own logic: decoding, pool/client lookup,
// SECRET_HASH, access token and unknown users with and without
// PreventUserExistenceErrors. The handlers share helpers for these steps,
// so every operation is listed on its own.
func TestHandlerPrologues(t *testing.T) {
	w := newWireEnv(t)
	must := func(op, body string) map[string]any { t.Helper(); return w.must(t, op, body) }
	pool := must("CreateUserPool", `{"PoolName":"prologue"}`)["UserPool"].(map[string]any)["Id"].(string)
	clientID := func(body string) string {
		t.Helper()
		return must("CreateUserPoolClient", strings.ReplaceAll(body, "$pool", pool))["UserPoolClient"].(map[string]any)["ClientId"].(string)
	}
	legacy := clientID(`{"UserPoolId":"$pool","ClientName":"legacy"}`)
	prevented := clientID(`{"UserPoolId":"$pool","ClientName":"prevented","PreventUserExistenceErrors":"ENABLED"}`)
	secret := clientID(`{"UserPoolId":"$pool","ClientName":"secret","GenerateSecret":true}`)
	must("CreateGroup", `{"UserPoolId":"`+pool+`","GroupName":"g"}`)
	must("AdminCreateUser", `{"UserPoolId":"`+pool+`","Username":"alice","MessageAction":"SUPPRESS"}`)

	const (
		invalidJSON  = "InvalidParameterException: Invalid JSON in request body"
		userNotExist = "UserNotFoundException: User does not exist."
		codeMismatch = "CodeMismatchException: Invalid verification code provided, please try again."
		badToken     = "NotAuthorizedException: Invalid Access Token"
		tooLong      = "InvalidParameterException: Request parameters are too long"
		simulated    = `{"CodeDeliveryDetails":{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"***"}}`
	)
	null := func(field string) string {
		return "InvalidParameterException: 1 validation error detected: Value at '" + field + "' failed to satisfy constraint: Member must not be null"
	}
	noPool := "ResourceNotFoundException: User pool us-east-1_nope does not exist."
	noClient := "ResourceNotFoundException: User pool client nope does not exist."
	noGroup := "ResourceNotFoundException: Group not found."
	noHash := "NotAuthorizedException: Client " + secret + " is configured with secret but SECRET_HASH was not received"
	badHash := "NotAuthorizedException: Unable to verify secret hash for client " + secret

	type tc struct {
		name, op, body string
		want           string // "Type: message" of the error, or the 200 body
	}
	var tests []tc
	add := func(op string, cases ...[2]string) {
		for _, c := range cases {
			body := strings.NewReplacer("$pool", pool, "$legacy", legacy, "$prevented", prevented, "$secret", secret).Replace(c[0])
			tests = append(tests, tc{op + "/" + c[0], op, body, c[1]})
		}
	}
	// Self-service, username-based operations.
	for _, op := range []string{"SignUp", "ConfirmSignUp", "ResendConfirmationCode", "ForgotPassword", "ConfirmForgotPassword"} {
		add(op,
			[2]string{`{`, invalidJSON},
			[2]string{`{"Username":"bob"}`, null("clientId")},
			[2]string{`{"ClientId":"nope","Username":"bob"}`, noClient},
			[2]string{`{"ClientId":"$secret","Username":"bob"}`, noHash},
			[2]string{`{"ClientId":"$secret","Username":"bob","SecretHash":"AAAA"}`, badHash},
		)
	}
	add("SignUp", [2]string{`{"ClientId":"$legacy","Username":"bob"}`, null("password")})
	for _, op := range []string{"ConfirmSignUp", "ConfirmForgotPassword"} {
		add(op,
			[2]string{`{"ClientId":"$legacy","Username":"bob"}`, null("confirmationCode")},
			[2]string{`{"ClientId":"$prevented","Username":"","ConfirmationCode":"123456","Password":"Passw0rd!"}`, null("username")},
			[2]string{`{"ClientId":"$legacy","Username":"bob","ConfirmationCode":"123456","Password":"Passw0rd!"}`, userNotExist},
			[2]string{`{"ClientId":"$prevented","Username":"bob","ConfirmationCode":"123456","Password":"Passw0rd!"}`, codeMismatch},
		)
	}
	add("ConfirmForgotPassword", [2]string{`{"ClientId":"$legacy","Username":"bob","ConfirmationCode":"123456"}`, null("password")})
	notConfirmable := "NotAuthorizedException: User cannot be confirmed. Current status is FORCE_CHANGE_PASSWORD"
	add("ConfirmSignUp", [2]string{`{"ClientId":"$legacy","Username":"alice","ConfirmationCode":"123456"}`, notConfirmable})
	add("AdminConfirmSignUp", [2]string{`{"UserPoolId":"$pool","Username":"alice"}`, notConfirmable})
	add("ResendConfirmationCode",
		[2]string{`{"ClientId":"$legacy","Username":"bob"}`, userNotExist},
		[2]string{`{"ClientId":"$prevented","Username":"bob"}`, simulated},
		[2]string{`{"ClientId":"$prevented","Username":""}`, null("username")},
		[2]string{`{"ClientId":"$legacy","Username":"alice"}`, "InvalidParameterException: User is already confirmed."},
	)
	add("ForgotPassword",
		[2]string{`{"ClientId":"$legacy","Username":"bob"}`, "UserNotFoundException: Username/client id combination not found."},
		[2]string{`{"ClientId":"$prevented","Username":"bob"}`, simulated},
		[2]string{`{"ClientId":"$prevented","Username":"alice"}`, simulated},
		[2]string{`{"ClientId":"$legacy","Username":"alice"}`, "InvalidParameterException: Cannot reset password for the user as there is no registered/verified email or phone_number"},
	)
	// Access-token operations.
	for _, op := range []string{"GetUser", "ChangePassword", "UpdateUserAttributes", "DeleteUser", "GlobalSignOut", "GetUserAttributeVerificationCode", "VerifyUserAttribute"} {
		add(op,
			[2]string{`{`, invalidJSON},
			[2]string{`{}`, null("accessToken")},
			[2]string{`{"AccessToken":"x.y.z"}`, badToken},
		)
	}
	// Admin user operations.
	for _, op := range []string{"AdminGetUser", "AdminDeleteUser", "AdminDisableUser", "AdminEnableUser", "AdminDeleteUserAttributes",
		"AdminAddUserToGroup", "AdminRemoveUserFromGroup", "AdminListGroupsForUser", "AdminConfirmSignUp", "AdminUserGlobalSignOut",
		"AdminResetUserPassword", "AdminSetUserPassword", "AdminUpdateUserAttributes", "ListUsersInGroup", "AdminCreateUser", "ListUsers"} {
		add(op,
			[2]string{`{`, invalidJSON},
			[2]string{`{"Username":"bob"}`, null("userPoolId")},
			[2]string{`{"UserPoolId":"us-east-1_nope","Username":"bob"}`, noPool},
		)
	}
	for _, op := range []string{"AdminGetUser", "AdminDeleteUser", "AdminDisableUser", "AdminEnableUser", "AdminDeleteUserAttributes",
		"AdminAddUserToGroup", "AdminRemoveUserFromGroup", "AdminListGroupsForUser", "AdminConfirmSignUp", "AdminUserGlobalSignOut", "AdminResetUserPassword"} {
		add(op,
			[2]string{`{"UserPoolId":"$pool","Username":"bob","GroupName":"g"}`, userNotExist},
			[2]string{`{"UserPoolId":"$pool","GroupName":"g"}`, null("username")},
		)
	}
	add("AdminSetUserPassword",
		[2]string{`{"UserPoolId":"$pool","Username":"bob"}`, null("password")},
		[2]string{`{"UserPoolId":"$pool","Username":"bob","Password":"Passw0rd!"}`, userNotExist},
	)
	add("AdminUpdateUserAttributes",
		[2]string{`{"UserPoolId":"$pool","Username":"bob"}`, null("userAttributes")},
		[2]string{`{"UserPoolId":"$pool","Username":"bob","UserAttributes":[]}`, userNotExist},
	)
	for _, op := range []string{"AdminAddUserToGroup", "AdminRemoveUserFromGroup"} {
		add(op, [2]string{`{"UserPoolId":"$pool","Username":"alice","GroupName":"nope"}`, noGroup})
	}
	add("ListUsersInGroup", [2]string{`{"UserPoolId":"$pool","GroupName":"nope"}`, noGroup})
	// Auth entry points.
	longSession := `"Session":"` + strings.Repeat("s", 2049) + `"`
	for _, op := range []string{"InitiateAuth", "RespondToAuthChallenge"} {
		add(op,
			[2]string{`{`, invalidJSON},
			[2]string{`{` + longSession + `}`, tooLong},
			[2]string{`{}`, null("clientId")},
			[2]string{`{"ClientId":"nope"}`, noClient},
		)
	}
	add("InitiateAuth", [2]string{`{"ClientId":"$legacy"}`, null("authFlow")})
	add("RespondToAuthChallenge", [2]string{`{"ClientId":"$legacy"}`, null("challengeName")})
	for _, op := range []string{"AdminInitiateAuth", "AdminRespondToAuthChallenge"} {
		add(op,
			[2]string{`{`, invalidJSON},
			[2]string{`{` + longSession + `}`, tooLong},
			[2]string{`{"ClientId":"$legacy"}`, null("userPoolId")},
			[2]string{`{"UserPoolId":"us-east-1_nope","ClientId":"$legacy"}`, noPool},
			[2]string{`{"UserPoolId":"$pool"}`, null("clientId")},
			[2]string{`{"UserPoolId":"$pool","ClientId":"nope"}`, noClient},
		)
	}
	add("AdminInitiateAuth", [2]string{`{"UserPoolId":"$pool","ClientId":"$legacy"}`, null("authFlow")})
	add("AdminRespondToAuthChallenge", [2]string{`{"UserPoolId":"$pool","ClientId":"$legacy"}`, null("challengeName")})
	// Clients, groups and pools.
	for _, op := range []string{"DescribeUserPoolClient", "UpdateUserPoolClient", "DeleteUserPoolClient"} {
		add(op,
			[2]string{`{`, invalidJSON},
			[2]string{`{"ClientId":"nope"}`, null("userPoolId")},
			[2]string{`{"UserPoolId":"us-east-1_nope","ClientId":"nope"}`, noPool},
			[2]string{`{"UserPoolId":"$pool"}`, null("clientId")},
			[2]string{`{"UserPoolId":"$pool","ClientId":"nope"}`, noClient},
		)
	}
	for _, op := range []string{"CreateGroup", "GetGroup", "UpdateGroup", "DeleteGroup", "ListGroups", "ListUserPoolClients"} {
		add(op,
			[2]string{`{`, invalidJSON},
			[2]string{`{"GroupName":"g"}`, null("userPoolId")},
			[2]string{`{"UserPoolId":"us-east-1_nope","GroupName":"g"}`, noPool},
		)
	}
	for _, op := range []string{"GetGroup", "UpdateGroup", "DeleteGroup"} {
		add(op,
			[2]string{`{"UserPoolId":"$pool"}`, null("groupName")},
			[2]string{`{"UserPoolId":"$pool","GroupName":"nope"}`, noGroup},
		)
	}
	for _, op := range []string{"DescribeUserPool", "UpdateUserPool", "DeleteUserPool"} {
		add(op,
			[2]string{`{`, invalidJSON},
			[2]string{`{}`, null("userPoolId")},
			[2]string{`{"UserPoolId":"us-east-1_nope"}`, noPool},
		)
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, v := w.call(t, tt.op, tt.body)
			got := errString(v)
			if status == 200 {
				b, _ := json.Marshal(v)
				got = string(b)
			} else {
				if status != 400 {
					t.Errorf("status = %d, want 400", status)
				}
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestSignInPrologue pins the shared start of USER_PASSWORD_AUTH and
// USER_SRP_AUTH: SECRET_HASH is checked before the source limit, and a
// blocked source is refused before an unknown user is revealed.
func TestSignInPrologue(t *testing.T) {
	w := newWireEnv(t)
	must := func(op, body string) map[string]any { t.Helper(); return w.must(t, op, body) }
	pool := must("CreateUserPool", `{"PoolName":"signin"}`)["UserPool"].(map[string]any)["Id"].(string)
	cl := must("CreateUserPoolClient", `{"UserPoolId":"`+pool+`","ClientName":"c","GenerateSecret":true,"ExplicitAuthFlows":["ALLOW_USER_PASSWORD_AUTH","ALLOW_USER_SRP_AUTH"]}`)["UserPoolClient"].(map[string]any)
	id, secret := cl["ClientId"].(string), cl["ClientSecret"].(string)
	must("AdminCreateUser", `{"UserPoolId":"`+pool+`","Username":"alice","TemporaryPassword":"Passw0rd!","MessageAction":"SUPPRESS"}`)

	body := func(flow, user, hash string) string {
		params := map[string]string{"USERNAME": user, "PASSWORD": "Passw0rd!", "SRP_A": srp.G().Text(16)}
		if hash != "" {
			params["SECRET_HASH"] = hash
		}
		b, _ := json.Marshal(map[string]any{"ClientId": id, "AuthFlow": flow, "AuthParameters": params})
		return string(b)
	}
	noHash := "NotAuthorizedException: Client " + id + " is configured with secret but SECRET_HASH was not received"
	badHash := "NotAuthorizedException: Unable to verify secret hash for client " + id
	blocked := "TooManyRequestsException: Too many failed attempts from this source, please try after some time."
	tests := []struct {
		name, flow, user, hash string
		block                  bool
		want                   string
	}{
		{"password no hash", "USER_PASSWORD_AUTH", "alice", "", false, noHash},
		{"password bad hash", "USER_PASSWORD_AUTH", "alice", "AAAA", false, badHash},
		{"password unknown user", "USER_PASSWORD_AUTH", "bob", secretHashFor(secret, "bob", id), false, "UserNotFoundException: User does not exist."},
		{"srp no hash", "USER_SRP_AUTH", "alice", "", false, noHash},
		{"srp bad hash", "USER_SRP_AUTH", "alice", "AAAA", false, badHash},
		{"srp unknown user", "USER_SRP_AUTH", "bob", secretHashFor(secret, "bob", id), false, "UserNotFoundException: User does not exist."},
		{"blocked password bad hash", "USER_PASSWORD_AUTH", "alice", "AAAA", true, badHash},
		{"blocked password", "USER_PASSWORD_AUTH", "alice", secretHashFor(secret, "alice", id), true, blocked},
		{"blocked password unknown user", "USER_PASSWORD_AUTH", "bob", secretHashFor(secret, "bob", id), true, blocked},
		{"blocked srp bad hash", "USER_SRP_AUTH", "alice", "AAAA", true, badHash},
		{"blocked srp", "USER_SRP_AUTH", "alice", secretHashFor(secret, "alice", id), true, blocked},
		{"blocked srp unknown user", "USER_SRP_AUTH", "bob", secretHashFor(secret, "bob", id), true, blocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.block {
				for range sourceMaxFailures {
					w.srv.source.fail("192.0.2.1") // httptest.NewRequest's RemoteAddr
				}
			}
			code, v := w.call(t, "InitiateAuth", body(tt.flow, tt.user, tt.hash))
			if got := errString(v); code != 400 || got != tt.want {
				t.Errorf("got  %d %s\nwant 400 %s", code, got, tt.want)
			}
		})
	}
}

// TestNewUserSteps pins what SignUp and AdminCreateUser share when they
// build a user: the required-attribute check (before any trigger runs),
// the initial status and the PreSignUp request (validationData always,
// clientMetadata only when given).
func TestNewUserSteps(t *testing.T) {
	w := newWireEnv(t)
	rec := w.rec
	call := func(t *testing.T, op, body string) (int, map[string]any) { t.Helper(); return w.call(t, op, body) }
	_, v := call(t, "CreateUserPool", `{"PoolName":"p","LambdaConfig":{"PreSignUp":"pre"},"Schema":[{"Name":"email","AttributeDataType":"String","Required":true}]}`)
	pool := v["UserPool"].(map[string]any)["Id"].(string)
	_, v = call(t, "CreateUserPoolClient", `{"UserPoolId":"`+pool+`","ClientName":"c"}`)
	client := v["UserPoolClient"].(map[string]any)["ClientId"].(string)

	events := func() int { rec.mu.Lock(); defer rec.mu.Unlock(); return len(rec.events) }
	email := `"UserAttributes":[{"Name":"email","Value":"a@example.com"}]`
	tests := []struct {
		name, op, body string
		wantErr        string
		wantSource     string
		wantReq        map[string]any // PreSignUp request minus userAttributes
		wantStatus     string
	}{
		{"sign-up missing required", "SignUp", `{"ClientId":"$client","Username":"u1","Password":"Passw0rd!"}`,
			"InvalidParameterException: Invalid attributes given, email is missing", "", nil, ""},
		{"admin missing required", "AdminCreateUser", `{"UserPoolId":"$pool","Username":"u2","MessageAction":"SUPPRESS"}`,
			"InvalidParameterException: Invalid attributes given, email is missing", "", nil, ""},
		{"sign-up with metadata", "SignUp", `{"ClientId":"$client","Username":"u3","Password":"Passw0rd!",` + email + `,"ValidationData":[{"Name":"k","Value":"v"}],"ClientMetadata":{"m":"n"}}`,
			"", "PreSignUp_SignUp", map[string]any{"validationData": map[string]any{"k": "v"}, "clientMetadata": map[string]any{"m": "n"}}, "UNCONFIRMED"},
		{"sign-up without metadata", "SignUp", `{"ClientId":"$client","Username":"u4","Password":"Passw0rd!",` + email + `}`,
			"", "PreSignUp_SignUp", map[string]any{"validationData": map[string]any{}}, "UNCONFIRMED"},
		{"admin with metadata", "AdminCreateUser", `{"UserPoolId":"$pool","Username":"u5","MessageAction":"SUPPRESS",` + email + `,"ValidationData":[{"Name":"k","Value":"v"}],"ClientMetadata":{"m":"n"}}`,
			"", "PreSignUp_AdminCreateUser", map[string]any{"validationData": map[string]any{"k": "v"}, "clientMetadata": map[string]any{"m": "n"}}, "FORCE_CHANGE_PASSWORD"},
		{"admin without metadata", "AdminCreateUser", `{"UserPoolId":"$pool","Username":"u6","MessageAction":"SUPPRESS",` + email + `}`,
			"", "PreSignUp_AdminCreateUser", map[string]any{"validationData": map[string]any{}}, "FORCE_CHANGE_PASSWORD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := events()
			code, v := call(t, tt.op, strings.NewReplacer("$pool", pool, "$client", client).Replace(tt.body))
			if tt.wantErr != "" {
				if got := errString(v); code != 400 || got != tt.wantErr {
					t.Errorf("got %d %s, want 400 %s", code, got, tt.wantErr)
				}
				if events() != before {
					t.Errorf("trigger ran before the required-attribute check: %v", rec.last())
				}
				return
			}
			if code != 200 {
				t.Fatalf("status %d: %v", code, v)
			}
			ev := rec.last()
			req, _ := ev["request"].(map[string]any)
			delete(req, "userAttributes")
			if ev["triggerSource"] != tt.wantSource || !reflect.DeepEqual(req, tt.wantReq) {
				t.Errorf("trigger %v request %v, want %s %v", ev["triggerSource"], req, tt.wantSource, tt.wantReq)
			}
			_, u := call(t, "AdminGetUser", `{"UserPoolId":"`+pool+`","Username":"`+ev["userName"].(string)+`"}`)
			if u["UserStatus"] != tt.wantStatus {
				t.Errorf("status %v, want %s", u["UserStatus"], tt.wantStatus)
			}
		})
	}
}

// TestCodeIssuing pins the code-issuing updates of ResendConfirmationCode
// and ForgotPassword: a new code replaces the old one, and ForgotPassword
// refuses a new code for an hour once the last one's attempts ran out.
func TestCodeIssuing(t *testing.T) {
	w := newWireEnv(t)
	pool := w.must(t, "CreateUserPool", `{"PoolName":"codes","AutoVerifiedAttributes":["email"]}`)["UserPool"].(map[string]any)["Id"].(string)
	client := w.must(t, "CreateUserPoolClient", `{"UserPoolId":"`+pool+`","ClientName":"c"}`)["UserPoolClient"].(map[string]any)["ClientId"].(string)
	self := func(extra string) string { return `{"ClientId":"` + client + `","Username":"u"` + extra + `}` }
	// sent lists the codes delivered to u for purpose, oldest first.
	sent := func(purpose string) []string {
		var codes []string
		for _, m := range w.srv.Outbox().List(pool) {
			if m.Username == "u" && m.Purpose == purpose {
				codes = append(codes, m.Code)
			}
		}
		return codes
	}
	last := func(codes []string) string {
		if len(codes) == 0 {
			return "none"
		}
		return codes[len(codes)-1]
	}
	const (
		delivery = `{"CodeDeliveryDetails":{"AttributeName":"email","DeliveryMedium":"EMAIL","Destination":"u***@e***"}}`
		mismatch = "CodeMismatchException: Invalid verification code provided, please try again."
		limit    = "LimitExceededException: Attempt limit exceeded, please try after some time."
		ok       = "{}"
	)
	type step struct {
		name, op string
		body     func() string
		want     string // "Type: message" of the error, or the 200 body ("" for any 200 body)
		codes    int    // codes sent for the step's purpose so far
	}
	signUp := func() string {
		return self(`,"Password":"Passw0rd!","UserAttributes":[{"Name":"email","Value":"u@example.com"}]`)
	}
	confirm := func(code func() string) func() string {
		return func() string { return self(`,"ConfirmationCode":"` + code() + `"`) }
	}
	reset := func(code func() string) func() string {
		return func() string { return self(`,"ConfirmationCode":"` + code() + `","Password":"Chang3d!pw"`) }
	}
	oldSignUpCode := func() string {
		c := sent("SIGN_UP")
		if c[0] == c[1] { // both random codes alike: any other code will do
			return c[0] + "0"
		}
		return c[0]
	}
	steps := []step{
		{"sign up", "SignUp", signUp, "", 1},
		{"resend", "ResendConfirmationCode", func() string { return self("") }, delivery, 2},
		{"old code replaced", "ConfirmSignUp", confirm(oldSignUpCode), mismatch, 2},
		{"new code confirms", "ConfirmSignUp", confirm(func() string { return last(sent("SIGN_UP")) }), ok, 2},
		{"resend when confirmed", "ResendConfirmationCode", func() string { return self("") }, "InvalidParameterException: User is already confirmed.", 2},
		{"forgot", "ForgotPassword", func() string { return self("") }, delivery, 1},
	}
	for i := range maxCodeAttempts {
		steps = append(steps, step{fmt.Sprint("wrong code ", i+1), "ConfirmForgotPassword", reset(func() string { return "x" }), mismatch, 1})
	}
	resetCode := func() string { return last(sent("FORGOT_PASSWORD")) }
	steps = append(steps,
		step{"attempts used up", "ConfirmForgotPassword", reset(resetCode), limit, 1},
		step{"no new code within the hour", "ForgotPassword", func() string { return self("") }, limit, 1},
		step{"new code after the hour", "ForgotPassword", func() string { w.clock.Add(time.Hour); return self("") }, delivery, 2},
		step{"new code resets", "ConfirmForgotPassword", reset(resetCode), ok, 2},
	)
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			status, v := w.call(t, st.op, st.body())
			got := errString(v)
			if status == 200 {
				b, _ := json.Marshal(v)
				got = string(b)
				if st.want == "" {
					got = ""
				}
			}
			if got != st.want {
				t.Errorf("got  %d %s\nwant %s", status, got, st.want)
			}
			purpose := "SIGN_UP"
			if strings.Contains(st.op, "Forgot") {
				purpose = "FORGOT_PASSWORD"
			}
			if n := len(sent(purpose)); n != st.codes {
				t.Errorf("%d %s codes sent, want %d", n, purpose, st.codes)
			}
		})
	}
}
