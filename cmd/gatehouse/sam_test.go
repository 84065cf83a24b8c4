package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

const samTemplate = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Env:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub ${AWS::StackName}-${Env}
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src
      Tracing: Active
      Events:
        Get:
          Type: HttpApi
          Properties: {Path: /x, Method: get}
`

func TestSamConvert(t *testing.T) {
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(tmpl, []byte(samTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		args       []string
		code       int
		wantOut    []string
		wantStderr []string
	}{
		{name: "defaults", args: []string{"sam", "convert", tmpl}, code: 0,
			wantOut:    []string{"name: gatehouse-dev", "route: GET /x", "logicalId: ServerlessHttpApi", "region: us-east-1"},
			wantStderr: []string{"warning: " + tmpl + ":16:16: Resources.Fn.Properties.Tracing: Tracing is ignored"}},
		{name: "flags", args: []string{"sam", "convert", "--parameter-overrides", "Env=prod", "--region", "eu-west-1",
			"--account-id", "210987654321", "--stack-name", "shop", tmpl}, code: 0,
			wantOut: []string{"name: shop-prod", "region: eu-west-1", `accountId: "210987654321"`}},
		{name: "override only", args: []string{"sam", "convert", "--parameter-overrides", "Env=prod", tmpl}, code: 0,
			wantOut: []string{"name: gatehouse-prod"}},
		{name: "bad override value", args: []string{"sam", "convert", "--parameter-overrides", "Env=qa", tmpl}, code: 2,
			wantStderr: []string{tmpl + ":5:5: Parameters.Env: parameter Env (override): \"qa\" is not one of AllowedValues [dev, prod]", "1 error(s)"}},
		{name: "malformed override", args: []string{"sam", "convert", "--parameter-overrides", "Env", tmpl}, code: 2,
			wantStderr: []string{"want Key=Value"}},
		{name: "missing file", args: []string{"sam", "convert", filepath.Join(dir, "nope.yaml")}, code: 2,
			wantStderr: []string{"open template"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, strings.NewReader(""), &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, errb.String())
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tc.wantStderr {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errb.String())
				}
			}
			if tc.code == 0 {
				if _, err := config.Parse("out.yaml", out.Bytes()); err != nil {
					t.Errorf("output is not a valid native config: %v", err)
				}
			}
		})
	}
}
