package sam

import (
	"github.com/gatehouse/gatehouse/internal/config"
	"os"
	"strings"
	"testing"
)

// TestSupportMatrix keeps docs/sam.md equal to the matrix generated from
// the tables the translator uses (run with -update to regenerate).
func TestSupportMatrix(t *testing.T) {
	const doc = "../../docs/sam.md"
	got := SupportMatrix()
	if *update {
		if err := os.WriteFile(doc, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(doc)
	if err != nil {
		t.Fatalf("read %s: %v (run with -update)", doc, err)
	}
	if string(want) != got {
		t.Errorf("%s is out of date: run go test ./internal/sam -run SupportMatrix -update", doc)
	}
}

// TestSpecMatchesBehaviour checks, for every property of every translated
// resource type, that the converter treats it as the matrix says: ignored
// properties give a warning, unsupported ones an error (and a warning with
// AllowUnsupported), not-yet ones always an error.
func TestSpecMatchesBehaviour(t *testing.T) {
	// Required properties of each type, so that only the tested one matters.
	base := map[string]string{
		"AWS::Serverless::Function":                   "Runtime: nodejs20.x\n      Handler: index.handler\n      CodeUri: src\n      ",
		"AWS::Serverless::Api":                        "StageName: prod\n      ",
		"AWS::Cognito::UserPoolClient":                "UserPoolId: !Ref Pool\n      ",
		"AWS::Cognito::UserPoolGroup":                 "UserPoolId: !Ref Pool\n      ",
		"AWS::Cognito::UserPoolUser":                  "UserPoolId: !Ref Pool\n      ",
		"AWS::Cognito::UserPoolDomain":                "UserPoolId: !Ref Pool\n      Domain: d\n      ",
		"AWS::Cognito::UserPoolUserToGroupAttachment": "UserPoolId: !Ref Pool\n      ",
		"AWS::Cognito::UserPoolResourceServer":        "UserPoolId: !Ref Pool\n      Identifier: i\n      ",
		"AWS::IAM::AccessKey":                         "UserName: !Ref U\n      ",
		"AWS::IAM::Role":                              "AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]}\n      ",
		"AWS::IAM::Policy":                            "PolicyName: p\n      Users: [!Ref U]\n      PolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: 'execute-api:Invoke', Resource: '*'}]}\n      ",
		"AWS::IAM::ManagedPolicy":                     "PolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: 'execute-api:Invoke', Resource: '*'}]}\n      ",
	}
	for typ, rs := range resourceSpecs() {
		for name, p := range rs.Props {
			if p.Status == Supported {
				continue
			}
			t.Run(typ+"."+name, func(t *testing.T) {
				src := head + "Resources:\n  Pool:\n    Type: AWS::Cognito::UserPool\n  U:\n    Type: AWS::IAM::User\n" +
					"  R:\n    Type: " + typ + "\n    Properties:\n      " + base[typ] + name + ": x\n"
				_, err := Convert("t.yaml", []byte(src), Options{})
				res, errAllow := Convert("t.yaml", []byte(src), Options{AllowUnsupported: true})
				path := "Resources.R.Properties." + name
				switch p.Status {
				case Ignored:
					if err != nil {
						t.Fatalf("ignored property: %v", err)
					}
					if !hasWarning(res.Warnings, path) {
						t.Errorf("no warning for ignored property")
					}
				case Unsupported:
					if err == nil || !strings.Contains(err.Error(), path+": ") {
						t.Errorf("want error at %s, got %v", path, err)
					}
					if errAllow != nil && strings.Contains(errAllow.Error(), path+": ") {
						t.Errorf("AllowUnsupported still errors: %v", errAllow)
					}
				case NotYet:
					if err == nil || !strings.Contains(err.Error(), path+": ") || !strings.Contains(err.Error(), "not supported yet") {
						t.Errorf("want not-supported-yet error at %s, got %v", path, err)
					}
					if errAllow == nil || !strings.Contains(errAllow.Error(), path+": ") {
						t.Errorf("AllowUnsupported must not allow %s", path)
					}
				}
			})
		}
	}
}

func hasWarning(ws []config.FieldError, path string) bool {
	for _, w := range ws {
		if w.Path == path {
			return true
		}
	}
	return false
}
