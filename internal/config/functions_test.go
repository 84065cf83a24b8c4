package config

import (
	"sort"
	"testing"
	"time"
)

func TestValidateFunctions(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"valid nodejs, python and provided", `
functions:
  - {name: a, runtime: nodejs20.x, handler: src/app.handler, codeDir: fn/a}
  - {name: b-2, runtime: python3.11, handler: pkg/mod.fn, codeDir: fn/b, memorySize: 1024, timeout: 900s, maxConcurrency: 1000, idleTimeout: 1s}
  - {name: c_3, runtime: provided.al2023, codeDir: fn/c}
  - {name: d, runtime: provided, handler: bin/server, codeDir: fn/d}
  - {name: e, runtime: python, handler: pkg.mod.fn, codeDir: fn/e, environment: {TABLE_NAME: t}}
`, nil},
		{"missing fields", `
functions:
  - {name: "", runtime: "", codeDir: ""}
`, []string{
			`t.yaml:3:12: functions[0].name: function name is required`,
			`t.yaml:3:25: functions[0].runtime: runtime is required (nodejs, python or provided)`,
			`t.yaml:3:38: functions[0].codeDir: codeDir is required`,
		}},
		{"bad name and duplicate", `
functions:
  - {name: "has space", runtime: nodejs, handler: i.h, codeDir: x}
  - {name: ok, runtime: nodejs, handler: i.h, codeDir: x}
  - {name: ok, runtime: nodejs, handler: i.h, codeDir: x}
`, []string{
			`t.yaml:3:12: functions[0].name: function name "has space" must be 1-64 letters, digits, '-' or '_'`,
			`t.yaml:5:12: functions[2].name: duplicate function name "ok" (also functions[1])`,
		}},
		{"handler formats", `
functions:
  - {name: a, runtime: nodejs, handler: index, codeDir: x}
  - {name: b, runtime: nodejs, handler: ../up.handler, codeDir: x}
  - {name: c, runtime: python, handler: app, codeDir: x}
  - {name: d, runtime: python, handler: 1mod.fn, codeDir: x}
  - {name: e, runtime: nodejs, handler: index.my-fn, codeDir: x}
  - {name: f, runtime: provided, handler: /abs/path, codeDir: x}
  - {name: g, runtime: python}
`, []string{
			`t.yaml:3:41: functions[0].handler: handler "index" must be FILE.EXPORT (e.g. index.handler)`,
			`t.yaml:4:41: functions[1].handler: "../up" must stay inside the code directory`,
			`t.yaml:5:41: functions[2].handler: handler "app" must be MODULE.FUNCTION (e.g. app.handler)`,
			`t.yaml:6:41: functions[3].handler: handler "1mod.fn": "1mod" is not a Python module name`,
			`t.yaml:7:41: functions[4].handler: handler "index.my-fn": "my-fn" is not a JavaScript identifier`,
			`t.yaml:8:43: functions[5].handler: "/abs/path" must be a path relative to the code directory`,
			`t.yaml:9:5: functions[6].codeDir: missing required field "codeDir"`,
			`t.yaml:9:5: functions[6].handler: handler is required for the python runtime`,
		}},
		{"limits", `
functions:
  - {name: a, runtime: nodejs, handler: i.h, codeDir: x, timeout: 901s, memorySize: 64, maxConcurrency: 1001, idleTimeout: 10ms}
  - {name: b, runtime: nodejs, handler: i.h, codeDir: x, timeout: 500ms, memorySize: 10241}
`, []string{
			`t.yaml:3:105: functions[0].maxConcurrency: maxConcurrency 1001 must be between 1 and 1000`,
			`t.yaml:3:124: functions[0].idleTimeout: idleTimeout 10ms must be at least 1s`,
			`t.yaml:3:67: functions[0].timeout: timeout 15m1s must be between 1s and 900s`,
			`t.yaml:3:85: functions[0].memorySize: memorySize 64 must be between 128 and 10240 (MB)`,
			`t.yaml:4:67: functions[1].timeout: timeout 500ms must be between 1s and 900s`,
			`t.yaml:4:86: functions[1].memorySize: memorySize 10241 must be between 128 and 10240 (MB)`,
		}},
		{"reserved environment", `
functions:
  - {name: a, runtime: nodejs, handler: i.h, codeDir: x, environment: {AWS_REGION: x, GATEHOUSE_TOKEN: y, 9BAD: z, OK_1: fine}}
`, []string{
			`t.yaml:3:107: functions[0].environment.9BAD: environment variable name "9BAD" must start with a letter and contain only letters, digits and '_'`,
			`t.yaml:3:72: functions[0].environment.AWS_REGION: environment variable AWS_REGION is reserved by the Lambda runtime`,
			`t.yaml:3:87: functions[0].environment.GATEHOUSE_TOKEN: environment variable GATEHOUSE_TOKEN is reserved for gatehouse`,
		}},
		{"unsupported runtime", `
functions:
  - {name: a, runtime: java21, handler: i.h, codeDir: x}
`, []string{
			`t.yaml:3:24: functions[0].runtime: unsupported runtime "java21" (want nodejs, python or provided, optionally versioned like nodejs20.x, python3.11, provided.al2023)`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkLinesSorted(t, parseErrs(t, "apis: []\n"+tc.src[1:]), tc.want)
		})
	}
}

func TestValidateLambdaIntegrations(t *testing.T) {
	fns := `
functions:
  - {name: echo, runtime: nodejs, handler: i.h, codeDir: x}
`
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"known function", `
apis:
  - name: a
    kind: http
    routes:
      - {route: GET /x, integration: {lambda: {function: echo, payloadFormatVersion: "1.0", timeout: 10s}}}
`, nil},
		{"unknown function with suggestion", `
apis:
  - name: a
    kind: http
    routes:
      - {route: GET /x, integration: {lambda: {function: ecoh}}}
`, []string{`t.yaml:5:58: apis[0].routes[0].integration.lambda.function: unknown function "ecoh" (did you mean "echo"?)`}},
		{"payload format", `
apis:
  - name: a
    kind: http
    routes:
      - {route: GET /x, integration: {lambda: {function: echo, payloadFormatVersion: "3.0"}}}
`, []string{`t.yaml:5:86: apis[0].routes[0].integration.lambda.payloadFormatVersion: payloadFormatVersion "3.0" must be "1.0" or "2.0"`}},
		{"REST with 2.0", `
apis:
  - name: a
    kind: rest
    stages: [{name: prod}]
    routes:
      - {route: GET /x, integration: {lambda: {function: echo, payloadFormatVersion: "2.0"}}}
`, []string{`t.yaml:6:86: apis[0].routes[0].integration.lambda.payloadFormatVersion: REST APIs only support payload format 1.0`}},
		{"timeout over 30s", `
apis:
  - name: a
    kind: http
    routes:
      - {route: GET /x, integration: {lambda: {function: echo, timeout: 31s}}}
`, []string{`t.yaml:5:73: apis[0].routes[0].integration.lambda.timeout: timeout 31s must be between 50ms and 30s`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseErrs(t, tc.src[1:]+fns[1:])
			checkLinesSorted(t, got, tc.want)
		})
	}
}

// checkLinesSorted compares error lines ignoring order.
func checkLinesSorted(t *testing.T, got, want []string) {
	t.Helper()
	g := append([]string(nil), got...)
	w := append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	checkLines(t, g, w)
}

func TestFunctionDefaultsAndRuntime(t *testing.T) {
	f := Function{Runtime: "python3.12"}
	if f.EffectiveTimeout() != 3*time.Second || f.EffectiveMemorySize() != 128 || f.EffectiveMaxConcurrency() != 10 || f.EffectiveIdleTimeout() != 5*time.Minute {
		t.Errorf("defaults: %v %v %v %v", f.EffectiveTimeout(), f.EffectiveMemorySize(), f.EffectiveMaxConcurrency(), f.EffectiveIdleTimeout())
	}
	tests := []struct {
		in   string
		want RuntimeFamily
	}{
		{"nodejs", RuntimeNodeJS}, {"nodejs20.x", RuntimeNodeJS}, {"nodejs22.x", RuntimeNodeJS},
		{"python", RuntimePython}, {"python3", RuntimePython}, {"python3.11", RuntimePython},
		{"provided", RuntimeProvided}, {"provided.al2", RuntimeProvided}, {"provided.al2023", RuntimeProvided},
		{"node", ""}, {"python2.7", ""}, {"java21", ""}, {"", ""}, {"nodejs20", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := ParseRuntime(tc.in); got != tc.want {
				t.Errorf("ParseRuntime(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got := (&Function{CodeDir: "fn"}).ResolveCodeDir("/etc/gh"); got != "/etc/gh/fn" {
		t.Errorf("ResolveCodeDir = %q", got)
	}
	if got := (&Function{CodeDir: "/abs"}).ResolveCodeDir("/etc/gh"); got != "/abs" {
		t.Errorf("ResolveCodeDir = %q", got)
	}
}

func FuzzValidateHandler(f *testing.F) {
	for _, s := range []string{"index.handler", "src/app.handler", "pkg/mod.fn", "a..b", "../x.y", "/x", "a.b.c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		for _, rt := range []RuntimeFamily{RuntimeNodeJS, RuntimePython, RuntimeProvided} {
			_ = ValidateHandler(rt, h)
		}
	})
}
