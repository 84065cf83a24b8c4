package sam

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary templates to the loader, the detector and the
// whole conversion: none may panic, and a failed conversion must return
// an error, never a nil result.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/golden/*")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(head + "Resources:\n" + fnRes))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("Resources: {A: {Type: AWS::Serverless::Function, Properties: {FunctionName: !Sub '${A}'}}}"))
	f.Add([]byte("Conditions: {A: !Condition A}\nResources: {X: {Type: AWS::SQS::Queue, Condition: A}}"))
	f.Add([]byte("Outputs: {O: {Value: !GetAtt}}\nResources: {X: {Type: AWS::SQS::Queue}}"))
	f.Add([]byte(`{"Resources": {"X": {"Type": "AWS::Serverless::HttpApi", "Properties": {"Auth": {"Authorizers": {"J": {"JwtConfiguration": {"issuer": {"Fn::Select": ["9", []]}}}}}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = IsTemplate(data)
		if _, err := Load("f.yaml", data); err != nil {
			return
		}
		res, err := Convert("f.yaml", data, Options{Rand: fixedRand()})
		if err == nil && (res == nil || res.Config == nil) {
			t.Fatalf("nil result without error")
		}
	})
}
