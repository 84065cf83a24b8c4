package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeSAMTemplate serves a SAM template as it is: an implicit HTTP API
// from function events with a mock-free Lambda integration, the API listed
// with its logical id, and Outputs rewritten to local URLs.
func TestServeSAMTemplate(t *testing.T) {
	needNode(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "app.js"), []byte(`exports.handler = async (event) => ({ statusCode: 200, body: "hi " + event.pathParameters.name });`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tmpl := `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting:
    Type: String
    Default: hello
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src/
      Environment:
        Variables:
          GREETING: !Ref Greeting
      Events:
        Hi:
          Type: HttpApi
          Properties:
            Path: /hi/{name}
            Method: get
Outputs:
  ApiUrl:
    Value: !Sub "https://${ServerlessHttpApi}.execute-api.${AWS::Region}.amazonaws.com/"
`
	if err := os.WriteFile(filepath.Join(dir, "template.yaml"), []byte(tmpl), 0o600); err != nil {
		t.Fatal(err)
	}
	ta := startFile(t, filepath.Join(dir, "template.yaml"))
	resp, body := ta.do(t, "GET", "", "/hi/bob", nil)
	if resp.StatusCode != 200 || body != "hi bob" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	_, b := ta.admin(t, "/v1/apis", "test-admin-token")
	var apis []map[string]any
	if err := json.Unmarshal(b, &apis); err != nil || len(apis) != 1 || apis[0]["logicalId"] != "ServerlessHttpApi" {
		t.Fatalf("apis: %s", b)
	}
	outs := ta.Outputs()
	want := fmt.Sprintf("http://%s.execute-api.localhost:", apis[0]["id"])
	if len(outs) != 1 || !strings.HasPrefix(outs[0].Value, want) || strings.Contains(outs[0].Value, "amazonaws.com") {
		t.Errorf("outputs %+v, want a local URL starting %s", outs, want)
	}
	var sb strings.Builder
	ta.PrintSummary(&sb)
	if !strings.Contains(sb.String(), "logical id ServerlessHttpApi") || !strings.Contains(sb.String(), "ApiUrl") {
		t.Errorf("summary:\n%s", sb.String())
	}
}
