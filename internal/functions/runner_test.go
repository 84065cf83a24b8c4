package functions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/syncbuf"
)

func newTestRunner(t *testing.T, fns []config.Function, mod func(*Options)) *Runner {
	t.Helper()
	opts := Options{
		Functions: fns,
		BaseDir:   "testdata",
		Logger:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&opts)
	}
	r, err := New(context.Background(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return r
}

func nodeFn(name, handler string) config.Function {
	return config.Function{Name: name, Runtime: "nodejs20.x", Handler: handler, CodeDir: "node"}
}

func invokeJSON(t *testing.T, r *Runner, name string, event any) (map[string]any, *FunctionError) {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, fe, err := r.Invoke(ctx, name, payload)
	if err != nil {
		t.Fatalf("Invoke(%s): %v", name, err)
	}
	if fe != nil {
		return nil, fe
	}
	var out map[string]any
	if err := json.Unmarshal(res, &out); err != nil {
		// Not an object: wrap it.
		var v any
		if err2 := json.Unmarshal(res, &v); err2 != nil {
			t.Fatalf("result %q is not JSON: %v", res, err)
		}
		return map[string]any{"value": v}, nil
	}
	return out, nil
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestInvokeHandlers(t *testing.T) {
	fns := []config.Function{
		nodeFn("callback", "callback.handler"),
		nodeFn("viadone", "callback.viaDone"),
		nodeFn("nevercb", "callback.neverCallsBack"),
		nodeFn("esm", "esm.handler"),
		nodeFn("cjs", "commonjs.handler"),
		nodeFn("nested", "fail.nested.deeper.handler"),
		{Name: "typemodule", Runtime: "nodejs", Handler: "app.handler", CodeDir: "nodeesm"},
		{Name: "pypkg", Runtime: "python3.11", Handler: "pkg/mod.fn", CodeDir: "python"},
		{Name: "pypkgdot", Runtime: "python", Handler: "pkg.mod.fn", CodeDir: "python"},
	}
	r := newTestRunner(t, fns, nil)
	tests := []struct {
		name  string
		fn    string
		event map[string]any
		want  map[string]any
	}{
		{"node callback handler", "callback", map[string]any{"name": "cb"}, map[string]any{"hello": "cb"}},
		{"node context.succeed", "viadone", map[string]any{}, map[string]any{"via": "succeed"}},
		{"node callback never called finishes with null", "nevercb", map[string]any{}, nil},
		{"node .mjs module", "esm", map[string]any{"name": "m"}, map[string]any{"esm": true, "got": "m"}},
		{"node .cjs module", "cjs", map[string]any{}, map[string]any{"cjs": true}},
		{"node nested export path", "nested", map[string]any{}, map[string]any{"value": "nested"}},
		{"node package.json type module", "typemodule", map[string]any{"name": "t"}, map[string]any{"typeModule": true, "platform": "linux", "got": "t", "started": true}},
		{"python package with slash", "pypkg", map[string]any{"name": "p"}, map[string]any{"value": "from package p"}},
		{"python package with dot", "pypkgdot", map[string]any{"name": "q"}, map[string]any{"value": "from package q"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, fe := invokeJSON(t, r, tc.fn, tc.event)
			if fe != nil {
				t.Fatalf("function error: %v (%s)", fe, fe.Payload)
			}
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(tc.want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("got %s, want %s", gotJSON, wantJSON)
			}
		})
	}
}

func TestNodeContextAndEnvironment(t *testing.T) {
	t.Setenv("GATEHOUSE_ADMIN_TOKEN", "must-not-leak")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "must-not-leak-either")
	fn := nodeFn("echo", "echo.handler")
	fn.MemorySize = 256
	fn.Timeout = config.Duration(7 * time.Second)
	fn.Environment = map[string]string{"CUSTOM_SETTING": "on"}
	r := newTestRunner(t, []config.Function{fn}, func(o *Options) { o.Region = "eu-west-1"; o.AccountID = "111122223333" })

	got, fe := invokeJSON(t, r, "echo", map[string]any{"name": "ctx"})
	if fe != nil {
		t.Fatalf("function error: %v", fe)
	}
	ctx := got["context"].(map[string]any)
	env := got["env"].(map[string]any)
	rem, _ := ctx["remaining"].(float64)
	if rem <= 0 || rem > 7000 {
		t.Errorf("getRemainingTimeInMillis = %v, want in (0, 7000]", rem)
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"event", got["event"].(map[string]any)["name"], "ctx"},
		{"functionName", ctx["functionName"], "echo"},
		{"functionVersion", ctx["functionVersion"], "$LATEST"},
		{"memoryLimitInMB", ctx["memoryLimitInMB"], "256"},
		{"invokedFunctionArn", ctx["invokedFunctionArn"], "arn:aws:lambda:eu-west-1:111122223333:function:echo"},
		{"logGroupName", ctx["logGroupName"], "/aws/lambda/echo"},
		{"callbackWaitsForEmptyEventLoop", ctx["callbackWaitsForEmptyEventLoop"], true},
		{"env AWS_REGION", env["AWS_REGION"], "eu-west-1"},
		{"env AWS_DEFAULT_REGION", env["AWS_DEFAULT_REGION"], "eu-west-1"},
		{"env _HANDLER", env["_HANDLER"], "echo.handler"},
		{"env AWS_LAMBDA_FUNCTION_NAME", env["AWS_LAMBDA_FUNCTION_NAME"], "echo"},
		{"env AWS_LAMBDA_FUNCTION_VERSION", env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST"},
		{"env AWS_LAMBDA_FUNCTION_MEMORY_SIZE", env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256"},
		{"env AWS_LAMBDA_LOG_GROUP_NAME", env["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/echo"},
		{"env AWS_EXECUTION_ENV", env["AWS_EXECUTION_ENV"], "AWS_Lambda_nodejs20.x"},
		{"env TZ", env["TZ"], ":UTC"},
		{"env CUSTOM_SETTING", env["CUSTOM_SETTING"], "on"},
		{"env GATEHOUSE_ADMIN_TOKEN absent", env["GATEHOUSE_ADMIN_TOKEN"], nil},
		{"env AWS_SECRET_ACCESS_KEY absent", env["AWS_SECRET_ACCESS_KEY"], nil},
		{"env trace id set per invocation", strings.HasPrefix(fmt.Sprint(env["_X_AMZN_TRACE_ID"]), "Root=1-"), true},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
	abs, _ := filepath.Abs("testdata/node")
	if env["LAMBDA_TASK_ROOT"] != abs {
		t.Errorf("LAMBDA_TASK_ROOT = %v, want %s", env["LAMBDA_TASK_ROOT"], abs)
	}
	api, _ := env["AWS_LAMBDA_RUNTIME_API"].(string)
	if !strings.HasPrefix(api, "127.0.0.1:") {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q, want a loopback address", api)
	}
	if id, _ := ctx["awsRequestId"].(string); len(id) != 36 {
		t.Errorf("awsRequestId = %q, want a UUID", id)
	}
	if s, _ := ctx["logStreamName"].(string); !strings.Contains(s, "/[$LATEST]") {
		t.Errorf("logStreamName = %q", s)
	}
}

func TestInvokeOptionsHeaders(t *testing.T) {
	r := newTestRunner(t, []config.Function{nodeFn("echo", "echo.handler")}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, fe, err := r.InvokeWithOptions(ctx, "echo", []byte(`{}`), InvokeOptions{
		TraceID:         "Root=1-00000000-000000000000000000000001;Sampled=0",
		ClientContext:   `{"custom":{"k":"v"}}`,
		CognitoIdentity: `{"cognitoIdentityId":"id-1"}`,
	})
	if err != nil || fe != nil {
		t.Fatalf("Invoke: %v %v", err, fe)
	}
	var got struct {
		Context struct {
			Identity      map[string]any `json:"identity"`
			ClientContext map[string]any `json:"clientContext"`
		} `json:"context"`
		Env map[string]string `json:"env"`
	}
	if err := json.Unmarshal(res, &got); err != nil {
		t.Fatal(err)
	}
	if got.Env["_X_AMZN_TRACE_ID"] != "Root=1-00000000-000000000000000000000001;Sampled=0" {
		t.Errorf("trace id = %q", got.Env["_X_AMZN_TRACE_ID"])
	}
	if got.Context.Identity["cognitoIdentityId"] != "id-1" {
		t.Errorf("identity = %v", got.Context.Identity)
	}
	if fmt.Sprint(got.Context.ClientContext["custom"]) != "map[k:v]" {
		t.Errorf("clientContext = %v", got.Context.ClientContext)
	}
}

func TestPythonContext(t *testing.T) {
	fn := config.Function{Name: "py", Runtime: "python3.11", Handler: "app.handler", CodeDir: "python", MemorySize: 512,
		Environment: map[string]string{"CUSTOM_SETTING": "yes"}}
	logs := &syncbuf.Buffer{}
	r := newTestRunner(t, []config.Function{fn}, func(o *Options) { o.LogWriter = logs })
	got, fe := invokeJSON(t, r, "py", map[string]any{"name": "snake"})
	if fe != nil {
		t.Fatalf("function error: %v", fe)
	}
	want := map[string]any{
		"event":                map[string]any{"name": "snake"},
		"function_name":        "py",
		"memory_limit_in_mb":   "512",
		"invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:py",
		"log_group_name":       "/aws/lambda/py",
		"remaining_positive":   true,
		"handler_env":          "app.handler",
		"custom":               "yes",
	}
	for k, w := range want {
		gj, _ := json.Marshal(got[k])
		wj, _ := json.Marshal(w)
		if string(gj) != string(wj) {
			t.Errorf("%s = %s, want %s", k, gj, wj)
		}
	}
	id, _ := got["aws_request_id"].(string)
	waitFor(t, "python output in logs", func() bool { return strings.Contains(logs.String(), "python handler got snake") })
	if !strings.Contains(logs.String(), "START RequestId: "+id+" Version: $LATEST") {
		t.Errorf("no START line for %s in:\n%s", id, logs)
	}
}

func TestFunctionErrors(t *testing.T) {
	fns := []config.Function{
		nodeFn("throws", "fail.throws"),
		nodeFn("throwsstring", "fail.throwsString"),
		nodeFn("cbfail", "callback.handler"),
		{Name: "pyfails", Runtime: "python", Handler: "app.fails", CodeDir: "python"},
		{Name: "pymarshal", Runtime: "python", Handler: "app.unserializable", CodeDir: "python"},
		nodeFn("initfail", "initfail.handler"),
		nodeFn("noexport", "fail.doesNotExist"),
		{Name: "pynoexport", Runtime: "python", Handler: "app.missing", CodeDir: "python"},
	}
	r := newTestRunner(t, fns, nil)
	tests := []struct {
		name      string
		fn        string
		event     map[string]any
		wantType  string
		wantMsg   string
		wantTrace string // substring of some stack line
		wantKey   string // key present in the raw payload
	}{
		{"node throws Error subclass", "throws", nil, "ValidationError", "name is required", "fail.js", `"trace"`},
		{"node throws string", "throwsstring", nil, "string", "plain string", "", `"errorType":"string"`},
		{"node callback error", "cbfail", map[string]any{"name": "z", "fail": true}, "TypeError", "bad z", "callback.js", `"trace"`},
		{"python raises", "pyfails", nil, "ValueError", "python says no", "app.py", `"stackTrace"`},
		{"python result not serializable", "pymarshal", nil, "Runtime.MarshalError", "Unable to marshal response: Object of type set is not JSON serializable", "", `"stackTrace"`},
		{"node init throws", "initfail", nil, "Error", "cannot start: missing configuration", "initfail.js", `"trace"`},
		{"node export missing", "noexport", nil, "Runtime.HandlerNotFound", "fail.doesNotExist is undefined or not exported", "", `"errorType":"Runtime.HandlerNotFound"`},
		{"python function missing", "pynoexport", nil, "Runtime.HandlerNotFound", "Handler 'missing' missing on module 'app'", "", `"stackTrace"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.event == nil {
				tc.event = map[string]any{}
			}
			_, fe := invokeJSON(t, r, tc.fn, tc.event)
			if fe == nil {
				t.Fatal("got no function error")
			}
			if fe.ErrorType != tc.wantType || fe.ErrorMessage != tc.wantMsg {
				t.Errorf("got %q %q, want %q %q", fe.ErrorType, fe.ErrorMessage, tc.wantType, tc.wantMsg)
			}
			if tc.wantTrace != "" && !strings.Contains(strings.Join(fe.StackTrace, "\n"), tc.wantTrace) {
				t.Errorf("stack trace %q does not mention %s", fe.StackTrace, tc.wantTrace)
			}
			if !strings.Contains(string(fe.Payload), tc.wantKey) {
				t.Errorf("payload %s lacks %s", fe.Payload, tc.wantKey)
			}
		})
	}
}

func TestPrewarmReportsInitErrors(t *testing.T) {
	r := newTestRunner(t, []config.Function{nodeFn("ok", "esm.handler"), nodeFn("noexport", "fail.missing")}, nil)
	err := r.Prewarm(context.Background())
	if err == nil || !strings.Contains(err.Error(), "function noexport failed to initialise: Runtime.HandlerNotFound") {
		t.Fatalf("Prewarm error = %v", err)
	}
	if strings.Contains(err.Error(), "function ok") {
		t.Errorf("healthy function reported: %v", err)
	}
	if st, _ := r.Stats("ok"); st.Idle != 1 {
		t.Errorf("ok idle instances = %d, want 1 (kept warm)", st.Idle)
	}
}

func TestNewRejectsMissingCode(t *testing.T) {
	tests := []struct {
		name string
		fn   config.Function
		want string
	}{
		{"node file missing", nodeFn("a", "nothere.handler"), "no file"},
		{"python module missing", config.Function{Name: "b", Runtime: "python", Handler: "nothere.fn", CodeDir: "python"}, "no module"},
		{"code dir missing", config.Function{Name: "c", Runtime: "nodejs", Handler: "x.y", CodeDir: "nope"}, "code directory"},
		{"provided without bootstrap", config.Function{Name: "d", Runtime: "provided.al2023", CodeDir: "node"}, "no executable"},
		{"bad runtime", config.Function{Name: "e", Runtime: "ruby3.2", Handler: "x.y", CodeDir: "node"}, "unsupported runtime"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(context.Background(), Options{Functions: []config.Function{tc.fn}, BaseDir: "testdata"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New error = %v, want containing %q", err, tc.want)
			}
		})
	}
}

func TestWarmReuseAndLogs(t *testing.T) {
	logs := &syncbuf.Buffer{}
	r := newTestRunner(t, []config.Function{nodeFn("echo", "echo.handler"), nodeFn("callback", "callback.handler")},
		func(o *Options) { o.LogWriter = logs })
	first, _ := invokeJSON(t, r, "echo", map[string]any{})
	second, _ := invokeJSON(t, r, "echo", map[string]any{})
	if first["pid"] != second["pid"] {
		t.Errorf("second invocation ran in pid %v, want warm pid %v", second["pid"], first["pid"])
	}
	if st, _ := r.Stats("echo"); st.Instances != 1 || st.Idle != 1 {
		t.Errorf("stats = %+v, want one idle instance", st)
	}
	id1 := first["context"].(map[string]any)["awsRequestId"].(string)
	id2 := second["context"].(map[string]any)["awsRequestId"].(string)
	text := logs.String()
	for _, want := range []string{"START RequestId: " + id1 + " Version: $LATEST", "END RequestId: " + id1, "REPORT RequestId: " + id1, "END RequestId: " + id2} {
		if !strings.Contains(text, want) {
			t.Errorf("logs lack %q:\n%s", want, text)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "REPORT RequestId: "+id1):
			if !strings.Contains(line, "Init Duration: ") || !strings.Contains(line, "Memory Size: 128 MB") || !strings.Contains(line, "Billed Duration: ") {
				t.Errorf("cold REPORT line %q lacks fields", line)
			}
			if strings.Contains(line, "Max Memory Used: 0 MB") {
				t.Errorf("cold REPORT line %q has no memory figure", line)
			}
		case strings.HasPrefix(line, "REPORT RequestId: "+id2):
			if strings.Contains(line, "Init Duration") {
				t.Errorf("warm REPORT line %q has an Init Duration", line)
			}
		}
	}
	// Console output carries the request id in Lambda's format.
	got, _ := invokeJSON(t, r, "callback", map[string]any{"name": "logme"})
	if got["hello"] != "logme" {
		t.Fatalf("callback result %v", got)
	}
	// The handler's output is logged before its END line.
	text = logs.String()
	out := strings.Index(text, "\tINFO\tcallback handler got logme")
	end := strings.LastIndex(text, "END RequestId: ")
	if out < 0 || end < out {
		t.Errorf("console line at %d, last END at %d:\n%s", out, end, text)
	}
}

func TestTimeoutKillsInstance(t *testing.T) {
	fn := nodeFn("sleeps", "fail.sleeps")
	fn.Timeout = config.Duration(time.Second)
	logs := &syncbuf.Buffer{}
	r := newTestRunner(t, []config.Function{fn}, func(o *Options) { o.LogWriter = logs })
	_, fe := invokeJSON(t, r, "sleeps", map[string]any{})
	if fe == nil || fe.ErrorType != ErrorTypeTimeout || !fe.Timeout() {
		t.Fatalf("got %v, want a timeout", fe)
	}
	if !strings.HasSuffix(fe.ErrorMessage, "Error: Task timed out after 1.00 seconds") {
		t.Errorf("message %q", fe.ErrorMessage)
	}
	if st, _ := r.Stats("sleeps"); st.Instances != 0 {
		t.Errorf("instances after timeout = %d, want 0", st.Instances)
	}
	if !strings.Contains(logs.String(), "Task timed out after 1.00 seconds") || !strings.Contains(logs.String(), "Status: timeout") {
		t.Errorf("logs lack the timeout notice:\n%s", logs)
	}
}

func TestCrashedInstanceIsReplaced(t *testing.T) {
	r := newTestRunner(t, []config.Function{nodeFn("crashes", "fail.crashes"), nodeFn("echo", "echo.handler")}, nil)
	_, fe := invokeJSON(t, r, "crashes", map[string]any{})
	if fe == nil || fe.ErrorType != ErrorTypeExit || !strings.Contains(fe.ErrorMessage, "Runtime exited with error: exit status 3") {
		t.Fatalf("got %v, want a Runtime.ExitError with exit status 3", fe)
	}
	// The next invocation gets a fresh instance and fails the same way.
	_, fe = invokeJSON(t, r, "crashes", map[string]any{})
	if fe == nil || fe.ErrorType != ErrorTypeExit {
		t.Fatalf("second invocation: got %v", fe)
	}
	if st, _ := r.Stats("crashes"); st.Instances != 0 {
		t.Errorf("instances = %d, want 0", st.Instances)
	}
}

func TestPayloadLimits(t *testing.T) {
	r := newTestRunner(t, []config.Function{nodeFn("large", "fail.large")}, nil)
	t.Run("response just under the limit", func(t *testing.T) {
		got, fe := invokeJSON(t, r, "large", map[string]any{"size": MaxPayloadSize - 2})
		if fe != nil {
			t.Fatalf("function error %v", fe)
		}
		if s, _ := got["value"].(string); len(s) != MaxPayloadSize-2 {
			t.Errorf("result length %d", len(s))
		}
	})
	t.Run("response over the limit", func(t *testing.T) {
		_, fe := invokeJSON(t, r, "large", map[string]any{"size": MaxPayloadSize})
		if fe == nil || fe.ErrorType != ErrorTypeResponseTooLarge {
			t.Fatalf("got %v, want %s", fe, ErrorTypeResponseTooLarge)
		}
		// The instance survives and serves again.
		got, fe := invokeJSON(t, r, "large", map[string]any{"size": 3})
		if fe != nil || got["value"] != "xxx" {
			t.Errorf("after oversize: %v %v", got, fe)
		}
	})
	t.Run("request just under the limit", func(t *testing.T) {
		r2 := newTestRunner(t, []config.Function{nodeFn("length", "fail.length")}, nil)
		data := strings.Repeat("é", (MaxPayloadSize-20)/2)
		got, fe := invokeJSON(t, r2, "length", map[string]any{"data": data})
		if fe != nil {
			t.Fatalf("function error %v", fe)
		}
		if got["value"] != float64(len([]rune(data))) {
			t.Errorf("function saw %v characters, want %d", got["value"], len([]rune(data)))
		}
	})
	t.Run("request over the limit", func(t *testing.T) {
		big := append([]byte(`"`), bytes.Repeat([]byte("a"), MaxPayloadSize)...)
		big = append(big, '"')
		_, _, err := r.Invoke(context.Background(), "large", big)
		if !errors.Is(err, ErrRequestTooLarge) {
			t.Errorf("err = %v, want ErrRequestTooLarge", err)
		}
	})
	t.Run("unknown function", func(t *testing.T) {
		_, _, err := r.Invoke(context.Background(), "nope", []byte(`{}`))
		if !errors.Is(err, ErrUnknownFunction) {
			t.Errorf("err = %v, want ErrUnknownFunction", err)
		}
	})
}

// gate is an HTTP server the "block" handler calls; it answers only once
// released, so tests control how long invocations run.
type gate struct {
	srv     *httptest.Server
	release chan struct{}
	mu      sync.Mutex
	arrived int
}

func newGate(t *testing.T) *gate {
	g := &gate{release: make(chan struct{})}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.arrived++
		g.mu.Unlock()
		select {
		case <-g.release:
		case <-r.Context().Done():
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(func() {
		g.open()
		g.srv.Close()
	})
	return g
}

func (g *gate) open() {
	select {
	case <-g.release:
	default:
		close(g.release)
	}
}

func (g *gate) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.arrived
}

func writeBlockHandler(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := `const http = require('node:http');
exports.handler = (event) => new Promise((resolve, reject) => {
  http.get(event.url, (res) => { res.resume(); res.on('end', () => resolve({ done: event.n })); }).on('error', reject);
});
`
	if err := os.WriteFile(filepath.Join(dir, "block.js"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestConcurrencyLimitQueuesThenThrottles(t *testing.T) {
	g := newGate(t)
	fn := config.Function{Name: "block", Runtime: "nodejs", Handler: "block.handler", CodeDir: writeBlockHandler(t), MaxConcurrency: 2, Timeout: config.Duration(30 * time.Second)}
	r := newTestRunner(t, []config.Function{fn}, func(o *Options) { o.MaxQueue = 1; o.QueueTimeout = time.Minute })

	type res struct {
		out []byte
		fe  *FunctionError
		err error
	}
	results := make(chan res, 3)
	invoke := func(n int) {
		out, fe, err := r.Invoke(context.Background(), "block", []byte(fmt.Sprintf(`{"url":%q,"n":%d}`, g.srv.URL, n)))
		results <- res{out, fe, err}
	}
	go invoke(1)
	go invoke(2)
	waitFor(t, "two invocations inside the handler", func() bool { return g.count() == 2 })
	go invoke(3)
	waitFor(t, "third invocation queued", func() bool { st, _ := r.Stats("block"); return st.Waiting == 1 })
	if st, _ := r.Stats("block"); st.Instances != 2 || st.Busy != 2 {
		t.Errorf("stats = %+v, want 2 busy instances", st)
	}
	// The queue is full: the fourth is throttled at once.
	_, _, err := r.Invoke(context.Background(), "block", []byte(`{}`))
	if !errors.Is(err, ErrThrottled) {
		t.Fatalf("fourth invocation err = %v, want ErrThrottled", err)
	}
	g.open()
	for range 3 {
		got := <-results
		if got.err != nil || got.fe != nil || !strings.HasPrefix(string(got.out), `{"done":`) {
			t.Errorf("queued invocation: %s %v %v", got.out, got.fe, got.err)
		}
	}
	if st, _ := r.Stats("block"); st.Instances != 2 {
		t.Errorf("instances = %d, want 2 (the queued one reused a warm instance)", st.Instances)
	}
}

func TestQueueTimeoutThrottles(t *testing.T) {
	g := newGate(t)
	fn := config.Function{Name: "block", Runtime: "nodejs", Handler: "block.handler", CodeDir: writeBlockHandler(t), MaxConcurrency: 1, Timeout: config.Duration(30 * time.Second)}
	r := newTestRunner(t, []config.Function{fn}, func(o *Options) { o.QueueTimeout = 50 * time.Millisecond })
	done := make(chan error, 1)
	go func() {
		_, _, err := r.Invoke(context.Background(), "block", []byte(fmt.Sprintf(`{"url":%q}`, g.srv.URL)))
		done <- err
	}()
	waitFor(t, "first invocation inside the handler", func() bool { return g.count() == 1 })
	_, _, err := r.Invoke(context.Background(), "block", []byte(`{}`))
	if !errors.Is(err, ErrThrottled) {
		t.Errorf("err = %v, want ErrThrottled after the queue wait", err)
	}
	// A caller whose context ends while queued gets its context error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := r.Invoke(ctx, "block", []byte(`{}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	g.open()
	if err := <-done; err != nil {
		t.Errorf("first invocation: %v", err)
	}
}

func TestContextCancelReturnsPromptly(t *testing.T) {
	g := newGate(t)
	fn := config.Function{Name: "block", Runtime: "nodejs", Handler: "block.handler", CodeDir: writeBlockHandler(t), MaxConcurrency: 1, Timeout: config.Duration(30 * time.Second)}
	r := newTestRunner(t, []config.Function{fn}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, _, err := r.Invoke(ctx, "block", []byte(fmt.Sprintf(`{"url":%q}`, g.srv.URL)))
		done <- err
	}()
	waitFor(t, "invocation inside the handler", func() bool { return g.count() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// The instance stays busy until the function finishes, then is reused.
	if st, _ := r.Stats("block"); st.Busy != 1 {
		t.Errorf("busy = %d, want 1", st.Busy)
	}
	g.open()
	waitFor(t, "instance released", func() bool { st, _ := r.Stats("block"); return st.Idle == 1 })
}

func TestIdleInstancesAreStopped(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	fn := nodeFn("echo", "echo.handler")
	fn.IdleTimeout = config.Duration(time.Hour) // the background reaper never fires during the test
	r := newTestRunner(t, []config.Function{fn}, func(o *Options) { o.Now = clock })
	got, _ := invokeJSON(t, r, "echo", map[string]any{})
	f := r.funcs["echo"]
	f.mu.Lock()
	inst := f.idle[0]
	f.mu.Unlock()

	mu.Lock()
	now = now.Add(59 * time.Minute)
	mu.Unlock()
	if n := r.reapIdle(); n != 0 {
		t.Fatalf("reaped %d before the idle timeout", n)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if n := r.reapIdle(); n != 1 {
		t.Fatalf("reaped %d at the idle timeout, want 1", n)
	}
	<-inst.exited
	if st, _ := r.Stats("echo"); st.Instances != 0 {
		t.Errorf("instances = %d", st.Instances)
	}
	again, _ := invokeJSON(t, r, "echo", map[string]any{})
	if again["pid"] == got["pid"] {
		t.Errorf("invocation after reaping reused pid %v", got["pid"])
	}
}

func TestStalledRuntimeDoesNotBlockOthers(t *testing.T) {
	dir := t.TempDir()
	// A runtime that never asks for an invocation.
	script := "#!/bin/sh\nexec sleep 600\n"
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	fns := []config.Function{{Name: "stalled", Runtime: "provided", CodeDir: dir}, nodeFn("echo", "echo.handler")}
	r := newTestRunner(t, fns, func(o *Options) { o.InitTimeout = 300 * time.Millisecond })
	var wg sync.WaitGroup
	wg.Add(1)
	var stalled *FunctionError
	go func() {
		defer wg.Done()
		_, stalled = invokeJSON(t, r, "stalled", map[string]any{})
	}()
	got, fe := invokeJSON(t, r, "echo", map[string]any{"name": "other"})
	if fe != nil || got["event"].(map[string]any)["name"] != "other" {
		t.Errorf("other function: %v %v", got, fe)
	}
	wg.Wait()
	if stalled == nil || stalled.ErrorType != ErrorTypeInitTimeout {
		t.Errorf("stalled function: %v, want %s", stalled, ErrorTypeInitTimeout)
	}
	if st, _ := r.Stats("stalled"); st.Instances != 0 {
		t.Errorf("stalled instances = %d", st.Instances)
	}
}

func TestGoLambdaRunsUnchanged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "bootstrap"), "./testdata/golambda")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	r := newTestRunner(t, []config.Function{{Name: "golambda", Runtime: "provided.al2023", CodeDir: dir}}, nil)
	got, fe := invokeJSON(t, r, "golambda", map[string]any{"name": "gopher"})
	if fe != nil {
		t.Fatalf("function error: %v", fe)
	}
	if got["greeting"] != "hello gopher" || got["functionName"] != "golambda" || got["hasDeadline"] != true ||
		got["arn"] != "arn:aws:lambda:us-east-1:123456789012:function:golambda" || len(fmt.Sprint(got["requestId"])) != 36 {
		t.Errorf("result %v", got)
	}
	_, fe = invokeJSON(t, r, "golambda", map[string]any{"name": "gopher", "fail": true})
	if fe == nil || fe.ErrorType != "errorString" || fe.ErrorMessage != "go handler failed for gopher" {
		t.Errorf("error %v", fe)
	}
	// Warm: the same process served both.
	if st, _ := r.Stats("golambda"); st.Instances != 1 {
		t.Errorf("instances = %d", st.Instances)
	}

	// The handler may name the executable instead of a bootstrap file.
	dir2 := t.TempDir()
	bin, err := os.ReadFile(filepath.Join(dir, "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir2, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir2, "bin", "server"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	r2 := newTestRunner(t, []config.Function{{Name: "byhandler", Runtime: "provided", Handler: "bin/server", CodeDir: dir2}}, nil)
	got, fe = invokeJSON(t, r2, "byhandler", map[string]any{"name": "path"})
	if fe != nil || got["greeting"] != "hello path" || got["functionName"] != "byhandler" {
		t.Errorf("handler path: %v %v", got, fe)
	}
}

func TestShutdownStopsEverything(t *testing.T) {
	r, err := New(context.Background(), Options{Functions: []config.Function{nodeFn("echo", "echo.handler")}, BaseDir: "testdata"})
	if err != nil {
		t.Fatal(err)
	}
	if _, fe, err := r.Invoke(context.Background(), "echo", []byte(`{}`)); err != nil || fe != nil {
		t.Fatalf("invoke: %v %v", err, fe)
	}
	inst := r.funcs["echo"].idle[0]
	dir := r.runtimeDir
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if inst.alive() {
		t.Error("instance still running after Shutdown")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("runtime dir %s still exists: %v", dir, err)
	}
	if _, _, err := r.Invoke(context.Background(), "echo", []byte(`{}`)); !errors.Is(err, ErrClosed) {
		t.Errorf("invoke after shutdown: %v, want ErrClosed", err)
	}
}

func TestParseFunctionError(t *testing.T) {
	tests := []struct {
		name, body, header string
		want               FunctionError
	}{
		{"node shape", `{"errorType":"Error","errorMessage":"boom","trace":["Error: boom","    at x"]}`, "", FunctionError{ErrorType: "Error", ErrorMessage: "boom", StackTrace: []string{"Error: boom", "    at x"}}},
		{"python shape", `{"errorMessage":"no","errorType":"ValueError","requestId":"1","stackTrace":["  File \"a.py\"\n"]}`, "", FunctionError{ErrorType: "ValueError", ErrorMessage: "no", StackTrace: []string{"  File \"a.py\"\n"}}},
		{"type from header", `{"errorMessage":"m"}`, "Custom", FunctionError{ErrorType: "Custom", ErrorMessage: "m"}},
		{"not json", `oops`, "", FunctionError{ErrorType: "Unhandled", ErrorMessage: "oops"}},
		{"non-string message", `{"errorType":"T","errorMessage":{"a":1}}`, "", FunctionError{ErrorType: "T", ErrorMessage: `{"a":1}`}},
		{"nested stack entries", `{"errorType":"T","errorMessage":"m","stackTrace":[["f",1]]}`, "", FunctionError{ErrorType: "T", ErrorMessage: "m", StackTrace: []string{`["f",1]`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseFunctionError([]byte(tc.body), tc.header)
			if got.ErrorType != tc.want.ErrorType || got.ErrorMessage != tc.want.ErrorMessage || fmt.Sprint(got.StackTrace) != fmt.Sprint(tc.want.StackTrace) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if !json.Valid(got.Payload) {
				t.Errorf("payload %q is not JSON", got.Payload)
			}
		})
	}
}

func FuzzParseFunctionError(f *testing.F) {
	for _, s := range []string{`{"errorType":"Error","errorMessage":"boom","trace":["a"]}`, `oops`, `{"errorMessage":{"a":1},"stackTrace":[1,null]}`, `null`, `[]`} {
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		fe := parseFunctionError(body, header)
		if fe.ErrorType == "" && header == "" && !json.Valid(body) {
			t.Errorf("no error type for invalid body %q", body)
		}
		if !json.Valid(fe.Payload) && json.Valid(body) {
			t.Errorf("payload %q invalid", fe.Payload)
		}
	})
}

func TestRuntimeAPIRejectsUnknownRequestID(t *testing.T) {
	r := newTestRunner(t, []config.Function{nodeFn("echo", "echo.handler")}, nil)
	if err := r.Prewarm(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := r.funcs["echo"]
	f.mu.Lock()
	addr := f.idle[0].ln.Addr().String()
	f.mu.Unlock()
	tests := []struct {
		name, path string
		want       int
	}{
		{"response for unknown id", "/2018-06-01/runtime/invocation/not-in-flight/response", http.StatusBadRequest},
		{"error for unknown id", "/2018-06-01/runtime/invocation/not-in-flight/error", http.StatusBadRequest},
		{"unknown route", "/2018-06-01/runtime/other", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Post("http://"+addr+tc.path, "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Errorf("status %d, want %d", res.StatusCode, tc.want)
			}
		})
	}
	// The instance still serves invocations.
	if got, fe := invokeJSON(t, r, "echo", map[string]any{"name": "after"}); fe != nil || got["event"].(map[string]any)["name"] != "after" {
		t.Errorf("after bogus posts: %v %v", got, fe)
	}
}

func TestIdleInstanceThatDiesIsDropped(t *testing.T) {
	r := newTestRunner(t, []config.Function{nodeFn("echo", "echo.handler")}, nil)
	first, _ := invokeJSON(t, r, "echo", map[string]any{})
	f := r.funcs["echo"]
	f.mu.Lock()
	inst := f.idle[0]
	f.mu.Unlock()
	inst.kill() // as if the process died on its own while idle
	<-inst.exited
	waitFor(t, "dead idle instance dropped", func() bool { st, _ := r.Stats("echo"); return st.Instances == 0 && st.Idle == 0 })
	again, fe := invokeJSON(t, r, "echo", map[string]any{})
	if fe != nil || again["pid"] == first["pid"] {
		t.Errorf("after idle death: pid %v (was %v), %v", again["pid"], first["pid"], fe)
	}
}

func TestShutdownFailsInFlightInvocations(t *testing.T) {
	g := newGate(t)
	fn := config.Function{Name: "block", Runtime: "nodejs", Handler: "block.handler", CodeDir: writeBlockHandler(t), Timeout: config.Duration(30 * time.Second)}
	r, err := New(context.Background(), Options{Functions: []config.Function{fn}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := r.Invoke(context.Background(), "block", []byte(fmt.Sprintf(`{"url":%q}`, g.srv.URL)))
		done <- err
	}()
	waitFor(t, "invocation inside the handler", func() bool { return g.count() == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("in-flight invocation: %v, want ErrClosed", err)
	}
}

func TestInvokeWithCancelledContext(t *testing.T) {
	r := newTestRunner(t, []config.Function{nodeFn("echo", "echo.handler")}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := r.Invoke(ctx, "echo", []byte(`{}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if st, _ := r.Stats("echo"); st.Instances != 0 {
		t.Errorf("an instance was started for a cancelled call")
	}
}

func TestRealInterpreterResolvesShims(t *testing.T) {
	dir := t.TempDir()
	shim := filepath.Join(dir, "python-shim")
	if err := os.WriteFile(shim, []byte("#!/bin/sh\nexec python3 \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(dir, "broken")
	if err := os.WriteFile(broken, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	liar := filepath.Join(dir, "liar")
	if err := os.WriteFile(liar, []byte("#!/bin/sh\necho /does/not/exist\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"-c", "import sys; print(sys.executable)"}
	ctx := context.Background()
	if got := realInterpreter(ctx, shim, dir, args...); got == shim || !filepath.IsAbs(got) {
		t.Errorf("shim resolved to %q", got)
	}
	for _, p := range []string{broken, liar} {
		if got := realInterpreter(ctx, p, dir, args...); got != p {
			t.Errorf("realInterpreter(%s) = %q, want it kept", filepath.Base(p), got)
		}
	}
}

func TestDrainWaitsForInFlight(t *testing.T) {
	g := newGate(t)
	fn := config.Function{Name: "block", Runtime: "nodejs", Handler: "block.handler", CodeDir: writeBlockHandler(t), Timeout: config.Duration(30 * time.Second)}
	r, err := New(context.Background(), Options{Functions: []config.Function{fn}})
	if err != nil {
		t.Fatal(err)
	}
	type res struct {
		out []byte
		err error
	}
	first := make(chan res, 1)
	go func() {
		out, _, err := r.Invoke(context.Background(), "block", []byte(fmt.Sprintf(`{"url":%q,"n":1}`, g.srv.URL)))
		first <- res{out, err}
	}()
	waitFor(t, "invocation inside the handler", func() bool { return g.count() == 1 })
	drained := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		drained <- r.Drain(ctx)
	}()
	// New invocations are refused while draining.
	waitFor(t, "draining", func() bool {
		_, _, err := r.Invoke(context.Background(), "block", []byte(`{}`))
		return errors.Is(err, ErrClosed)
	})
	select {
	case err := <-drained:
		t.Fatalf("Drain returned (%v) before the invocation finished", err)
	default:
	}
	g.open()
	if got := <-first; got.err != nil || string(got.out) != `{"done":1}` {
		t.Errorf("in-flight invocation: %s %v", got.out, got.err)
	}
	if err := <-drained; err != nil {
		t.Errorf("Drain: %v", err)
	}
	if st, _ := r.Stats("block"); st.Instances != 0 {
		t.Errorf("instances after drain = %d", st.Instances)
	}
}
