package functions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

func TestInvokeCommand(t *testing.T) {
	cfg := &config.Config{
		Functions: []config.Function{nodeFn("echo", "echo.handler"), nodeFn("throws", "fail.throws")},
		Settings:  config.Settings{Region: "ap-southeast-2", AccountID: "210987654321"},
	}
	tests := []struct {
		name       string
		fn         string
		event      string
		wantErr    func(error) bool
		wantStdout func(t *testing.T, out string)
	}{
		{"result to stdout", "echo", `{"name":"cli"}`, nil, func(t *testing.T, out string) {
			var got struct {
				Event   map[string]string `json:"event"`
				Context map[string]any    `json:"context"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("stdout %q: %v", out, err)
			}
			if got.Event["name"] != "cli" || got.Context["invokedFunctionArn"] != "arn:aws:lambda:ap-southeast-2:210987654321:function:echo" {
				t.Errorf("result %s", out)
			}
		}},
		{"empty event is {}", "echo", "  \n", nil, func(t *testing.T, out string) {
			if !strings.HasPrefix(out, `{"event":{},`) {
				t.Errorf("stdout %q", out)
			}
		}},
		{"function error printed and returned", "throws", `{}`, IsFunctionError, func(t *testing.T, out string) {
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil || doc["errorType"] != "ValidationError" || doc["errorMessage"] != "name is required" {
				t.Errorf("stdout %q (%v)", out, err)
			}
		}},
		{"unknown function", "nope", `{}`, func(err error) bool {
			return errors.Is(err, ErrUnknownFunction) && strings.Contains(err.Error(), "defined: echo, throws")
		}, nil},
		{"invalid event", "echo", `{not json`, func(err error) bool { return err != nil && strings.Contains(err.Error(), "not valid JSON") }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			err := InvokeCommand(ctx, cfg, "testdata", tc.fn, strings.NewReader(tc.event), &stdout, &stderr)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tc.wantErr != nil && !tc.wantErr(err) {
				t.Fatalf("err = %v", err)
			}
			if tc.wantStdout != nil {
				tc.wantStdout(t, stdout.String())
				logs := stderr.String()
				for _, want := range []string{"START RequestId: ", "END RequestId: ", "REPORT RequestId: ", "Init Duration: "} {
					if !strings.Contains(logs, want) {
						t.Errorf("stderr lacks %q:\n%s", want, logs)
					}
				}
				if strings.Contains(stdout.String(), "START RequestId") || strings.Contains(stdout.String(), "REPORT RequestId") {
					t.Errorf("log lines on stdout: %s", stdout.String())
				}
			}
		})
	}
}
