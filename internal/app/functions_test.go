package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestLambdaProxyThroughGateway(t *testing.T) {
	ta := start(t, `
functions:
  - name: echo
    runtime: nodejs20.x
    handler: index.handler
    codeDir: `+echoFunction(t)+`
apis:
  - name: h
    id: httpfn0001
    kind: http
    routes:
      - route: GET /items/{id}
        integration: {lambda: {function: echo}}
      - route: GET /v1/{id}
        integration: {lambda: {function: echo, payloadFormatVersion: "1.0"}}
      - route: GET /throw
        integration: {lambda: {function: echo}}
  - name: r
    id: restfn0001
    kind: rest
    stages: [{name: prod, variables: {color: blue}}]
    routes:
      - route: GET /items/{id}
        integration: {lambda: {function: echo}}
      - route: GET /throw
        integration: {lambda: {function: echo}}
`)
	t.Run("payload 2.0", func(t *testing.T) {
		resp, body := ta.do(t, "GET", "httpfn0001.execute-api.localhost", "/items/42?a=1&a=2", nil, "Cookie", "c1=v1; c2=v2", "X-Test", "yes")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d %s", resp.StatusCode, body)
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			t.Fatal(err)
		}
		rc := ev["requestContext"].(map[string]any)
		checks := map[string]any{
			"version": "2.0", "routeKey": "GET /items/{id}", "rawPath": "/items/42", "rawQueryString": "a=1&a=2",
		}
		for k, v := range checks {
			if ev[k] != v {
				t.Errorf("%s = %v, want %v", k, ev[k], v)
			}
		}
		if ev["pathParameters"].(map[string]any)["id"] != "42" || ev["queryStringParameters"].(map[string]any)["a"] != "1,2" {
			t.Errorf("parameters: %v %v", ev["pathParameters"], ev["queryStringParameters"])
		}
		if rc["requestId"] != resp.Header.Get("Apigw-Requestid") || rc["apiId"] != "httpfn0001" || rc["stage"] != "$default" {
			t.Errorf("requestContext %v", rc)
		}
		if c, _ := ev["cookies"].([]any); len(c) != 2 {
			t.Errorf("cookies %v", ev["cookies"])
		}
	})
	t.Run("payload 1.0 on REST", func(t *testing.T) {
		resp, body := ta.do(t, "GET", "restfn0001.execute-api.localhost", "/prod/items/7", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d %s", resp.StatusCode, body)
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			t.Fatal(err)
		}
		if ev["resource"] != "/items/{id}" || ev["path"] != "/items/7" || ev["httpMethod"] != "GET" {
			t.Errorf("event %v", ev)
		}
		if ev["stageVariables"].(map[string]any)["color"] != "blue" {
			t.Errorf("stageVariables %v", ev["stageVariables"])
		}
		rc := ev["requestContext"].(map[string]any)
		if rc["path"] != "/prod/items/7" || rc["requestId"] != resp.Header.Get("X-Amzn-Requestid") {
			t.Errorf("requestContext %v", rc)
		}
	})
	t.Run("function errors", func(t *testing.T) {
		if resp, body := ta.do(t, "GET", "restfn0001.execute-api.localhost", "/prod/throw", nil); resp.StatusCode != 502 || body != `{"message": "Internal server error"}` {
			t.Errorf("REST: %d %q", resp.StatusCode, body)
		}
		if resp, body := ta.do(t, "GET", "httpfn0001.execute-api.localhost", "/throw", nil); resp.StatusCode != 500 || body != `{"message":"Internal Server Error"}` {
			t.Errorf("HTTP: %d %q", resp.StatusCode, body)
		}
	})
}

func TestMissingHandlerFailsAtStart(t *testing.T) {
	needNode(t)
	cfg := writeConfig(t, "functions:\n  - name: f\n    runtime: nodejs\n    handler: index.handler\n    codeDir: .\n")
	dir := filepath.Dir(cfg)
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte("exports.other = async () => 1;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(t.Context(), Options{ConfigPath: cfg, Listen: "127.0.0.1:0", DataDir: filepath.Join(dir, "data")}); err == nil {
		t.Fatal("a missing handler export was accepted at start")
	}
}
