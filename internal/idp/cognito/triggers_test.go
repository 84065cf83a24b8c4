package cognito

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/gatehouse/gatehouse/internal/idp/tokens"
)

func TestParsePreToken(t *testing.T) {
	tests := []struct {
		name    string
		version string
		raw     string
		want    *tokens.Overrides
		wantErr bool
	}{
		{"empty", "1", ``, nil, false},
		{"null", "1", `null`, nil, false},
		{"no details", "1", `{}`, nil, false},
		{"v1 add and suppress", "1", `{"claimsOverrideDetails":{"claimsToAddOrOverride":{"scope":"a b"},"claimsToSuppress":["email"]}}`,
			&tokens.Overrides{ID: tokens.ClaimEdits{Add: map[string]any{"scope": "a b"}, Suppress: []string{"email"}}}, false},
		{"v1 non-string claim", "1", `{"claimsOverrideDetails":{"claimsToAddOrOverride":{"n":5}}}`, nil, true},
		{"v1 group override null removes", "1", `{"claimsOverrideDetails":{"groupOverrideDetails":null}}`,
			&tokens.Overrides{ID: tokens.ClaimEdits{Add: map[string]any{}}, Groups: &tokens.GroupOverride{}}, false},
		{"v1 group override", "1", `{"claimsOverrideDetails":{"groupOverrideDetails":{"groupsToOverride":["g"],"preferredRole":"r"}}}`,
			&tokens.Overrides{ID: tokens.ClaimEdits{Add: map[string]any{}}, Groups: &tokens.GroupOverride{Groups: []string{"g"}, PreferredRole: "r"}}, false},
		{"v2 access scopes", "2", `{"claimsAndScopeOverrideDetails":{"accessTokenGeneration":{"scopesToAdd":["s"],"claimsToAddOrOverride":{"n":5}}}}`,
			&tokens.Overrides{Access: tokens.ClaimEdits{Add: map[string]any{"n": float64(5)}}, ScopesToAdd: []string{"s"}}, false},
		{"malformed", "2", `{"claimsAndScopeOverrideDetails":[]}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePreToken(tt.version, json.RawMessage(tt.raw))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParsePreToken(f *testing.F) {
	for _, s := range []string{``, `null`, `{"claimsOverrideDetails":{"claimsToAddOrOverride":{"scope":"a"}}}`,
		`{"claimsAndScopeOverrideDetails":{"groupOverrideDetails":{"groupsToOverride":["g"]}}}`} {
		f.Add("1", s)
		f.Add("2", s)
	}
	f.Fuzz(func(t *testing.T, version, raw string) {
		ov, err := parsePreToken(version, json.RawMessage(raw))
		if err != nil || ov == nil {
			return
		}
		is := tokens.New(nil, fakeNow, func() string { return "id" })
		id, access := is.Claims(tokens.Request{Sub: "s", Username: "u", ClientID: "c", Overrides: ov})
		if id["sub"] != "s" || access["client_id"] != "c" || id["token_use"] != "id" {
			t.Fatalf("protected claims changed: %v %v", id, access)
		}
	})
}

func FuzzCheckPassword(f *testing.F) {
	h, _ := hashPassword(zeroReader{}, HashParams{Memory: 64, Time: 1, Threads: 1}, "pw")
	f.Add(string(h), "pw")
	f.Add("$argon2id$v=19$m=1,t=1,p=1$$", "")
	f.Add("$bcrypt$", "x")
	f.Fuzz(func(t *testing.T, encoded, pw string) {
		// Must not panic or burn unbounded resources.
		if len(encoded) > 256 {
			return
		}
		_ = checkPassword([]byte(encoded), pw)
	})
}

// TestRunTrigger covers the mapping of trigger outcomes to Cognito errors
// (reference §6.1) and the retry of attempts that time out.
func TestRunTrigger(t *testing.T) {
	type answer struct {
		out string
		err error
	}
	timedOut := answer{err: fmt.Errorf("invoke pre: %w", context.DeadlineExceeded)}
	tests := []struct {
		name       string
		noInvoker  bool
		callerGone bool
		answers    []answer // one per attempt; the last repeats
		wantCalls  int
		wantResp   string
		wantType   string
		wantMsg    string
	}{
		{name: "response member returned", answers: []answer{{out: `{"response":{"autoConfirmUser":true}}`}},
			wantCalls: 1, wantResp: `{"autoConfirmUser":true}`},
		{name: "function error", answers: []answer{{err: &FunctionError{Message: "nope"}}},
			wantCalls: 1, wantType: excUserLambdaValidation, wantMsg: "PreSignUp failed with error nope."},
		{name: "invocation failure is not retried", answers: []answer{{err: errors.New("no such function")}},
			wantCalls: 1, wantType: excUnexpectedLambda, wantMsg: "PreSignUp invocation failed due to error InvocationError."},
		{name: "three timed-out attempts", answers: []answer{timedOut},
			wantCalls: 3, wantType: excUnexpectedLambda, wantMsg: "PreSignUp invocation failed due to error InvocationError."},
		{name: "second attempt answers", answers: []answer{timedOut, {out: `{"response":{}}`}},
			wantCalls: 2, wantResp: `{}`},
		{name: "caller gone: no retry", callerGone: true, answers: []answer{timedOut},
			wantCalls: 1, wantType: excUnexpectedLambda, wantMsg: "PreSignUp invocation failed due to error InvocationError."},
		{name: "unparseable result", answers: []answer{{out: `not json`}},
			wantCalls: 1, wantType: excInvalidLambdaResp, wantMsg: "Unrecognizable lambda output"},
		{name: "result too large", answers: []answer{{out: `{"response":{},"pad":"` + strings.Repeat("x", maxTriggerResponse) + `"}`}},
			wantCalls: 1, wantType: excInvalidLambdaResp, wantMsg: "Invalid lambda response: too large."},
		{name: "no invoker configured", noInvoker: true,
			wantCalls: 0, wantType: excUnexpectedLambda, wantMsg: "PreSignUp invocation failed: no function runner configured."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls int
			var payloads []string
			inv := InvokerFunc(func(ctx context.Context, fn string, event []byte) ([]byte, error) {
				if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > triggerTimeout {
					t.Errorf("attempt %d: deadline %v (set %v), want within %v", calls+1, dl, ok, triggerTimeout)
				}
				if fn != "pre" {
					t.Errorf("function = %q, want pre", fn)
				}
				a := tt.answers[min(calls, len(tt.answers)-1)]
				calls++
				payloads = append(payloads, string(event))
				return []byte(a.out), a.err
			})
			s := &Server{cfg: Config{Triggers: inv, Region: "eu-west-1"}, log: slog.New(slog.DiscardHandler)}
			if tt.noInvoker {
				s.cfg.Triggers = nil
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.callerGone {
				cancel()
			}
			raw, err := s.runTrigger(ctx, "pre", triggerEvent{TriggerSource: "PreSignUp_SignUp", UserPoolID: "us-east-1_abc", UserName: "u"})
			if calls != tt.wantCalls {
				t.Errorf("invocations = %d, want %d", calls, tt.wantCalls)
			}
			for i, p := range payloads {
				if p != payloads[0] {
					t.Errorf("attempt %d payload %s, want the first attempt's %s", i+1, p, payloads[0])
				}
			}
			if tt.wantType == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				if string(raw) != tt.wantResp {
					t.Errorf("response = %s, want %s", raw, tt.wantResp)
				}
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an *APIError %s", err, tt.wantType)
			}
			if ae.Type != tt.wantType || ae.Message != tt.wantMsg {
				t.Errorf("error = %s %q, want %s %q", ae.Type, ae.Message, tt.wantType, tt.wantMsg)
			}
		})
	}
}

// TestRunTriggerEnvelope checks the fields runTrigger fills in (reference §6.1).
func TestRunTriggerEnvelope(t *testing.T) {
	var got map[string]any
	inv := InvokerFunc(func(_ context.Context, _ string, event []byte) ([]byte, error) {
		if err := json.Unmarshal(event, &got); err != nil {
			t.Fatal(err)
		}
		return event, nil
	})
	s := &Server{cfg: Config{Triggers: inv, Region: "eu-west-1"}, log: slog.New(slog.DiscardHandler)}
	if _, err := s.runTrigger(context.Background(), "pre", triggerEvent{TriggerSource: "PreSignUp_SignUp", UserPoolID: "us-east-1_abc",
		UserName: "u", CallerContext: callerContext{ClientID: "c1"}, Request: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"version": "1", "triggerSource": "PreSignUp_SignUp", "region": "us-east-1", "userPoolId": "us-east-1_abc",
		"userName": "u", "callerContext": map[string]any{"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "c1"},
		"request": map[string]any{}, "response": map[string]any{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("event = %v\nwant %v", got, want)
	}
}

// TestPreTokenClientMetadata pins which sign-in step's ClientMetadata
// reaches pre token generation (reference §6.1): RespondToAuthChallenge's
// does, InitiateAuth's does not.
func TestPreTokenClientMetadata(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOpts{triggers: staticInvoker(func(_ string, ev map[string]any) (map[string]any, error) { return ev, nil })})
	pool, err := e.sdk.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p"), LambdaConfig: &types.LambdaConfigType{PreTokenGeneration: aws.String("pre")}})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := e.sdk.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool.UserPool.Id, ClientName: aws.String("c"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{*pool.UserPool.Id, *cl.UserPoolClient.ClientId}
	e.confirmedUser(ctx, f, "u", "Passw0rd!")
	meta := map[string]string{"k": "v"}
	tests := []struct {
		name    string
		login   func() error
		wantReq bool
	}{
		{"InitiateAuth USER_PASSWORD_AUTH: not forwarded", func() error {
			_, err := e.anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &f.clientID, AuthFlow: types.AuthFlowTypeUserPasswordAuth,
				AuthParameters: map[string]string{"USERNAME": "u", "PASSWORD": "Passw0rd!"}, ClientMetadata: meta})
			return err
		}, false},
		{"RespondToAuthChallenge PASSWORD_VERIFIER: forwarded", func() error {
			_, err := goSRPLoginMeta(ctx, e, f, "u", "Passw0rd!", "", "", meta)
			return err
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.login(); err != nil {
				t.Fatal(err)
			}
			ev := e.invoke.last()
			if ev["triggerSource"] != "TokenGeneration_Authentication" {
				t.Fatalf("last trigger %v, want TokenGeneration_Authentication", ev["triggerSource"])
			}
			req, _ := ev["request"].(map[string]any)
			got, ok := req["clientMetadata"]
			if ok != tt.wantReq || (tt.wantReq && !reflect.DeepEqual(got, map[string]any{"k": "v"})) {
				t.Errorf("request.clientMetadata = %v (present %v), want present %v with {k: v}", got, ok, tt.wantReq)
			}
		})
	}
}
