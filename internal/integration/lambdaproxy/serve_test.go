package lambdaproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/functions"
	"github.com/gatehouse/gatehouse/internal/gwresp"
)

// seedDir holds the seed 003 handlers as shipped in the examples.
const seedDir = "../../../examples/walkthrough/functions"

func newRunner(t *testing.T) *functions.Runner {
	t.Helper()
	fns := []config.Function{
		{Name: "mirror", Runtime: "nodejs20.x", Handler: "mirror.handler", CodeDir: "testdata/fn"},
		{Name: "throws", Runtime: "nodejs20.x", Handler: "mirror.throws", CodeDir: "testdata/fn"},
		{Name: "sleeps", Runtime: "nodejs20.x", Handler: "mirror.sleeps", CodeDir: "testdata/fn", Timeout: config.Duration(20 * time.Second)},
		{Name: "py", Runtime: "python3.11", Handler: "app.handler", CodeDir: "testdata/fn"},
		{Name: "Pre-tokenAuthLambda", Runtime: "nodejs", Handler: "index.lambdaHandler", CodeDir: seedDir + "/Pre-tokenAuthLambda"},
		{Name: "LambdaForAdminUser", Runtime: "nodejs", Handler: "index.handler", CodeDir: seedDir + "/LambdaForAdminUser"},
		{Name: "LambdaForRegularUser", Runtime: "nodejs", Handler: "index.handler", CodeDir: seedDir + "/LambdaForRegularUser"},
	}
	r, err := functions.New(context.Background(), functions.Options{Functions: fns, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Shutdown(ctx)
	})
	return r
}

func TestServeThroughRealRunner(t *testing.T) {
	r := newRunner(t)
	type want struct {
		status int
		header map[string]string
		body   string
	}
	restFail := want{502, map[string]string{"Content-Type": "application/json"}, `{"message": "Internal server error"}`}
	httpFail := want{500, map[string]string{"Content-Type": "application/json"}, `{"message":"Internal Server Error"}`}
	tests := []struct {
		name    string
		kind    exchange.Kind
		version string
		fn      string
		result  string // what the mirror function returns
		want    want
	}{
		{"REST response object", exchange.REST, "", "mirror", `{"statusCode":201,"headers":{"X-A":"1"},"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"created"}`,
			want{201, map[string]string{"X-A": "1", "Content-Type": "application/json"}, "created"}},
		{"REST numeric string status", exchange.REST, "", "mirror", `{"statusCode":"202"}`, want{202, nil, ""}},
		{"REST 204 drops the body", exchange.REST, "", "mirror", `{"statusCode":204,"body":"ignored"}`, want{204, map[string]string{"Content-Length": ""}, ""}},
		{"REST unknown key", exchange.REST, "", "mirror", `{"statusCode":200,"wrongValue":"x"}`, restFail},
		{"REST plain string", exchange.REST, "", "mirror", `"justAString"`, restFail},
		{"REST function throws", exchange.REST, "", "throws", `{}`, restFail},
		{"REST date header remapped", exchange.REST, "", "mirror", `{"statusCode":200,"headers":{"Date":"yesterday"}}`,
			want{200, map[string]string{"X-Amzn-Remapped-Date": "yesterday"}, ""}},
		{"HTTP 2.0 string result", exchange.HTTP, "", "mirror", `"Hello from Lambda!"`, want{200, map[string]string{"Content-Type": "application/json"}, "Hello from Lambda!"}},
		{"HTTP 2.0 object without statusCode", exchange.HTTP, "", "mirror", `{"message":"hi"}`, want{200, map[string]string{"Content-Type": "application/json"}, `{"message":"hi"}`}},
		{"HTTP 2.0 cookies", exchange.HTTP, "2.0", "mirror", `{"statusCode":200,"cookies":["a=1"],"body":"x"}`, want{200, map[string]string{"Set-Cookie": "a=1"}, "x"}},
		{"HTTP 2.0 function throws", exchange.HTTP, "", "throws", `{}`, httpFail},
		{"HTTP 2.0 bad statusCode", exchange.HTTP, "", "mirror", `{"statusCode":"abc"}`, httpFail},
		{"HTTP 1.0 response", exchange.HTTP, "1.0", "mirror", `{"statusCode":200,"isBase64Encoded":true,"body":"aGk=","extra":1}`, want{200, nil, "hi"}},
		{"HTTP 1.0 plain string", exchange.HTTP, "1.0", "mirror", `"s"`, httpFail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := New(Config{Function: tc.fn, PayloadFormatVersion: tc.version}, tc.kind, r, slog.New(slog.NewTextHandler(t.Output(), nil)))
			if err != nil {
				t.Fatal(err)
			}
			x, w := newExchange(t, exchangeSpec{kind: tc.kind, method: "POST", target: "/x", routeKey: "POST /x", resource: "/x",
				header: http.Header{"Content-Type": {"application/json"}}, body: tc.result})
			if err := in.Serve(x); err != nil {
				t.Fatalf("Serve: %v", err)
			}
			if w.Code != tc.want.status || w.Body.String() != tc.want.body {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body.String(), tc.want.status, tc.want.body)
			}
			for k, v := range tc.want.header {
				if got := w.Header().Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if x.Status != tc.want.status || x.IntegrationStatus != http.StatusOK || x.IntegrationLatency <= 0 {
				t.Errorf("exchange status %d integration %d latency %v", x.Status, x.IntegrationStatus, x.IntegrationLatency)
			}
		})
	}
}

func TestServeMultiValueSetCookie(t *testing.T) {
	r := newRunner(t)
	in, err := New(Config{Function: "mirror"}, exchange.REST, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, w := newExchange(t, exchangeSpec{kind: exchange.REST, method: "POST", target: "/prod/x", stage: "prod", routeKey: "POST /x", resource: "/x",
		body: `{"statusCode":200,"multiValueHeaders":{"Set-Cookie":["a=1","b=2"],"h":["m"]},"headers":{"H":"s"}}`})
	if err := in.Serve(x); err != nil {
		t.Fatal(err)
	}
	if got := w.Header().Values("Set-Cookie"); strings.Join(got, "|") != "a=1|b=2" {
		t.Errorf("Set-Cookie = %q", got)
	}
	if got := w.Header().Values("H"); strings.Join(got, "|") != "m|s" {
		t.Errorf("H = %q, want multi value first", got)
	}
}

// TestFunctionSeesEvent checks that what the function receives is the event
// BuildV2 produces, and that the invocation carries the request's trace id.
func TestFunctionSeesEvent(t *testing.T) {
	r := newRunner(t)
	in, err := New(Config{Function: "mirror"}, exchange.HTTP, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec := exchangeSpec{kind: exchange.HTTP, method: "GET", target: "/RegularUser?a=1", routeKey: "GET /RegularUser", resource: "/RegularUser",
		header: http.Header{"X-Amzn-Trace-Id": {testTrace}}, principal: jwtPrincipal}
	x, w := newExchange(t, spec)
	if err := in.Serve(x); err != nil {
		t.Fatal(err)
	}
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	want := buildEvent(t, true, spec)
	if !jsonEqual(t, w.Body.Bytes(), want) {
		t.Errorf("function saw\n%s\nwant\n%s", w.Body, want)
	}
}

func TestServeIntegrationTimeout(t *testing.T) {
	r := newRunner(t)
	tests := []struct {
		name string
		kind exchange.Kind
	}{
		{"REST", exchange.REST},
		{"HTTP", exchange.HTTP},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := New(Config{Function: "sleeps", Timeout: 200 * time.Millisecond}, tc.kind, r, nil)
			if err != nil {
				t.Fatal(err)
			}
			x, w := newExchange(t, exchangeSpec{kind: tc.kind, method: "GET", target: "/x", routeKey: "GET /x", resource: "/x"})
			err = in.Serve(x)
			var ge *gwresp.Error
			if !errors.As(err, &ge) || ge.Type != gwresp.IntegrationTimeout {
				t.Fatalf("err = %v, want INTEGRATION_TIMEOUT", err)
			}
			if w.Body.Len() != 0 || len(w.Header()) != 0 {
				t.Errorf("wrote a response before returning the gateway error")
			}
		})
	}
}

// fakeInvoker returns a fixed outcome; used only for invoke rejections,
// which a real runner produces only under load.
type fakeInvoker struct {
	err error
}

func (f fakeInvoker) InvokeWithOptions(context.Context, string, []byte, functions.InvokeOptions) ([]byte, *functions.FunctionError, error) {
	return nil, nil, f.err
}

func TestServeInvokeRejected(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		kind       exchange.Kind
		wantType   gwresp.Type
		wantStatus int    // written directly when non-zero
		wantBody   string // written directly
	}{
		{"throttled REST", fmt.Errorf("invoke: %w", functions.ErrThrottled), exchange.REST, gwresp.APIConfigurationError, 0, ""},
		{"throttled HTTP", fmt.Errorf("invoke: %w", functions.ErrThrottled), exchange.HTTP, gwresp.APIConfigurationError, 0, ""},
		{"unknown function", functions.ErrUnknownFunction, exchange.REST, gwresp.APIConfigurationError, 0, ""},
		{"payload too large REST", functions.ErrRequestTooLarge, exchange.REST, "", 502, `{"message": "Internal server error"}`},
		{"payload too large HTTP", functions.ErrRequestTooLarge, exchange.HTTP, "", 500, `{"message":"Internal Server Error"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := New(Config{Function: "f"}, tc.kind, fakeInvoker{tc.err}, nil)
			if err != nil {
				t.Fatal(err)
			}
			x, w := newExchange(t, exchangeSpec{kind: tc.kind, method: "GET", target: "/x", routeKey: "GET /x", resource: "/x"})
			err = in.Serve(x)
			if tc.wantStatus != 0 {
				if err != nil || w.Code != tc.wantStatus || w.Body.String() != tc.wantBody {
					t.Errorf("got %v %d %q", err, w.Code, w.Body)
				}
				return
			}
			var ge *gwresp.Error
			if !errors.As(err, &ge) || ge.Type != tc.wantType {
				t.Errorf("err = %v, want %s", err, tc.wantType)
			}
		})
	}
}

func TestServeRequestTooLarge(t *testing.T) {
	in, err := New(Config{Function: "f"}, exchange.HTTP, fakeInvoker{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := newExchange(t, exchangeSpec{kind: exchange.HTTP, method: "POST", target: "/x", routeKey: "POST /x", resource: "/x",
		body: strings.Repeat("a", MaxRequestBody+1)})
	var ge *gwresp.Error
	if err := in.Serve(x); !errors.As(err, &ge) || ge.Type != gwresp.RequestTooLarge {
		t.Errorf("err = %v, want REQUEST_TOO_LARGE", err)
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		kind exchange.Kind
		inv  Invoker
	}{
		{"no function", Config{}, exchange.HTTP, fakeInvoker{}},
		{"no invoker", Config{Function: "f"}, exchange.HTTP, nil},
		{"REST 2.0", Config{Function: "f", PayloadFormatVersion: "2.0"}, exchange.REST, fakeInvoker{}},
		{"unknown version", Config{Function: "f", PayloadFormatVersion: "3.0"}, exchange.HTTP, fakeInvoker{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg, tc.kind, tc.inv, nil); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}

var wsRE = regexp.MustCompile(`\s+`)

// TestSeed003FilesMatchSeed checks that the example handlers differ from the
// seed's snippets in whitespace only.
func TestSeed003FilesMatchSeed(t *testing.T) {
	raw, err := os.ReadFile("testdata/seed003_handlers.txt")
	if err != nil {
		t.Fatal(err)
	}
	snippets := strings.Split(string(raw), "----\n")
	files := []string{"Pre-tokenAuthLambda", "LambdaForAdminUser", "LambdaForRegularUser"}
	if len(snippets) != len(files) {
		t.Fatalf("%d snippets", len(snippets))
	}
	for i, name := range files {
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(seedDir, name, "index.js"))
			if err != nil {
				t.Fatal(err)
			}
			got := wsRE.ReplaceAllString(string(src), "")
			want := wsRE.ReplaceAllString(snippets[i], "")
			if got != want {
				t.Errorf("index.js differs from the seed beyond whitespace:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}

func TestSeed003PreTokenGeneration(t *testing.T) {
	r := newRunner(t)
	event := []byte(`{
  "version": "1",
  "triggerSource": "TokenGeneration_Authentication",
  "region": "us-east-1",
  "userPoolId": "us-east-1_EXAMPLE",
  "userName": "adminuser",
  "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "1example23456789"},
  "request": {
    "userAttributes": {"sub": "a1b2c3d4-0000-0000-0000-000000000001", "cognito:user_status": "CONFIRMED", "email": "admin@example.com"},
    "groupConfiguration": {"groupsToOverride": ["admin", "regular"], "iamRolesToOverride": [], "preferredRole": null}
  },
  "response": {"claimsOverrideDetails": null}
}`)
	res, fe, err := r.Invoke(context.Background(), "Pre-tokenAuthLambda", event)
	if err != nil || fe != nil {
		t.Fatalf("invoke: %v %v", err, fe)
	}
	var got events.CognitoEventUserPoolsPreTokenGen
	if err := json.Unmarshal(res, &got); err != nil {
		t.Fatal(err)
	}
	if s := got.Response.ClaimsOverrideDetails.ClaimsToAddOrOverride["scope"]; s != "admin-1example23456789 regular-1example23456789" {
		t.Errorf("scope = %q", s)
	}
	if got.UserName != "adminuser" || got.TriggerSource != "TokenGeneration_Authentication" || got.CallerContext.ClientID != "1example23456789" {
		t.Errorf("event fields not returned: %+v", got.CognitoEventUserPoolsHeader)
	}
	if !bytes.Contains(res, []byte(`"groupsToOverride":["admin","regular"]`)) {
		t.Errorf("request not echoed: %s", res)
	}
}

func TestSeed003APIHandlers(t *testing.T) {
	r := newRunner(t)
	tests := []struct {
		fn, path, want string
	}{
		{"LambdaForAdminUser", "/AdminUser", `"Hello from Admin User"`},
		{"LambdaForRegularUser", "/RegularUser", `"Hello from Regular User"`},
	}
	for _, tc := range tests {
		t.Run(tc.fn, func(t *testing.T) {
			in, err := New(Config{Function: tc.fn}, exchange.HTTP, r, nil)
			if err != nil {
				t.Fatal(err)
			}
			x, w := newExchange(t, exchangeSpec{kind: exchange.HTTP, method: "GET", target: tc.path, routeKey: "GET " + tc.path, resource: tc.path,
				header: http.Header{"Authorization": {"a1b2c3d4e5c6aabbbcccddd"}}, principal: jwtPrincipal})
			if err := in.Serve(x); err != nil {
				t.Fatal(err)
			}
			if w.Code != 200 || w.Body.String() != tc.want || w.Header().Get("Content-Type") != "application/json" {
				t.Errorf("got %d %q (%s), want 200 %q", w.Code, w.Body, w.Header().Get("Content-Type"), tc.want)
			}
		})
	}
}

// TestServeThrottledWithRealRunner: beyond the function's concurrency a
// request queues briefly and then gets the rejected-invoke response.
func TestServeThrottledWithRealRunner(t *testing.T) {
	r, err := functions.New(context.Background(), functions.Options{
		Functions: []config.Function{{Name: "sleeps", Runtime: "nodejs", Handler: "mirror.sleeps", CodeDir: "testdata/fn",
			MaxConcurrency: 1, Timeout: config.Duration(20 * time.Second)}},
		QueueTimeout: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Shutdown(ctx)
	}()
	tests := []struct {
		name string
		kind exchange.Kind
	}{
		{"REST", exchange.REST},
		{"HTTP", exchange.HTTP},
	}
	// Occupy the only instance.
	busy, err := New(Config{Function: "sleeps", Timeout: 15 * time.Second}, exchange.HTTP, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() {
		x, _ := newExchange(t, exchangeSpec{kind: exchange.HTTP, method: "GET", target: "/x", routeKey: "GET /x", resource: "/x"})
		first <- busy.Serve(x)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for st, _ := r.Stats("sleeps"); st.Busy != 1; st, _ = r.Stats("sleeps") {
		if time.Now().After(deadline) {
			t.Fatal("first request never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := New(Config{Function: "sleeps"}, tc.kind, r, nil)
			if err != nil {
				t.Fatal(err)
			}
			x, w := newExchange(t, exchangeSpec{kind: tc.kind, method: "GET", target: "/x", routeKey: "GET /x", resource: "/x"})
			err = in.Serve(x)
			var ge *gwresp.Error
			if !errors.As(err, &ge) || ge.Type != gwresp.APIConfigurationError || !errors.Is(err, functions.ErrThrottled) {
				t.Errorf("err = %v, want API_CONFIGURATION_ERROR caused by throttling", err)
			}
			if w.Body.Len() != 0 || x.IntegrationStatus != http.StatusTooManyRequests {
				t.Errorf("body %q, integration status %d", w.Body, x.IntegrationStatus)
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = r.Shutdown(ctx)
	if err := <-first; err == nil {
		t.Errorf("the occupying request finished without error after shutdown")
	}
}

func TestServePythonFunction(t *testing.T) {
	r := newRunner(t)
	tests := []struct {
		name       string
		kind       exchange.Kind
		target     string
		wantBody   string
		wantHeader map[string][]string
	}{
		{"HTTP 2.0", exchange.HTTP, "/py/x?a=1&a=2", `{"path": "/py/x", "query": {"a": "1,2"}, "format": "2.0"}`, map[string][]string{"Content-Type": {"application/json"}}},
		{"REST 1.0", exchange.REST, "/prod/py/x?a=1&a=2", `{"path": "/py/x", "query": {"a": ["1", "2"]}, "format": "1.0"}`, map[string][]string{"X-Seen": {"GET", "/py/{rest+}"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := New(Config{Function: "py"}, tc.kind, r, nil)
			if err != nil {
				t.Fatal(err)
			}
			stage := ""
			if tc.kind == exchange.REST {
				stage = "prod"
			}
			x, w := newExchange(t, exchangeSpec{kind: tc.kind, method: "GET", target: tc.target, stage: stage, routeKey: "GET /py/{rest+}", resource: "/py/{rest+}",
				params: []exchange.Param{{Name: "rest", Value: "x"}}})
			if err := in.Serve(x); err != nil {
				t.Fatal(err)
			}
			if w.Code != 200 || w.Body.String() != tc.wantBody {
				t.Errorf("got %d %s, want 200 %s", w.Code, w.Body, tc.wantBody)
			}
			for k, v := range tc.wantHeader {
				if got := w.Header().Values(k); strings.Join(got, "|") != strings.Join(v, "|") {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tc.kind == exchange.HTTP && !strings.HasPrefix(w.Header().Get("Set-Cookie"), "seen=") {
				t.Errorf("Set-Cookie = %q", w.Header().Get("Set-Cookie"))
			}
		})
	}
}
