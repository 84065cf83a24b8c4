package sam

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

const head = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"

const fnRes = `  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: src
`

// TestErrors checks that each bad template is refused with every expected
// message at file:line:column and property path.
func TestErrors(t *testing.T) {
	cases := []struct {
		name  string
		src   string
		opts  Options
		wants []string // "line:col: path: message substring"
	}{
		{"unknown intrinsic", head + "Resources:\n" + fnRes + "Outputs:\n  O:\n    Value: {'Fn::Nope': x}\n",
			Options{}, []string{"t.yaml:12:12: Outputs.O.Value.Fn::Nope: unknown intrinsic function Fn::Nope"}},
		{"unknown tag", head + "Resources:\n" + fnRes + "Outputs:\n  O:\n    Value: !Nope x\n",
			Options{}, []string{"t.yaml:12:12: Outputs.O.Value: unknown tag !Nope"}},
		{"ref to missing resource", head + "Resources:\n" + fnRes + "      Environment:\n        Variables:\n          T: !Ref Missing\n",
			Options{}, []string{`t.yaml:12:14: Resources.Fn.Properties.Environment.Variables.T.Ref: Ref to "Missing": no parameter`}},
		{"getatt missing attribute", head + "Resources:\n" + fnRes + "Outputs:\n  O:\n    Value: !GetAtt Fn.Nope\n",
			Options{}, []string{`t.yaml:12:12: Outputs.O.Value.Fn::GetAtt: Fn::GetAtt Fn.Nope: AWS::Serverless::Function has no attribute "Nope"`}},
		{"condition cycle", head + "Conditions:\n  A: !Condition B\n  B: !Not [!Condition A]\nResources:\n" + fnRes,
			Options{}, []string{`circular reference`}},
		{"name cycle", head + "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: !Sub '${Fn}-x'\n      Runtime: nodejs20.x\n      Handler: index.handler\n      CodeUri: src\n",
			Options{}, []string{`Resources.Fn.Properties.FunctionName.Fn::Sub: circular reference: resource Fn refers to itself`}},
		{"wrong type", head + "Resources:\n" + fnRes + "      Timeout: [1]\n",
			Options{}, []string{`t.yaml:10:16: Resources.Fn.Properties.Timeout: Timeout must be an integer, got a list`}},
		{"join wrong arity", head + "Resources:\n" + fnRes + "Outputs:\n  O:\n    Value: !Join [a]\n",
			Options{}, []string{`t.yaml:12:12: Outputs.O.Value.Fn::Join: Fn::Join takes 2 arguments, got 1`}},
		{"select out of range", head + "Resources:\n" + fnRes + "Outputs:\n  O:\n    Value: !Select [5, [a]]\n",
			Options{}, []string{`Fn::Select index "5" out of range`}},
		{"parameter without value", head + "Parameters:\n  P:\n    Type: String\nResources:\n" + fnRes,
			Options{}, []string{`t.yaml:5:5: Parameters.P: parameter P has no Default and no override`}},
		{"parameter constraints", head + "Parameters:\n  P:\n    Type: String\n    Default: abc\n    AllowedPattern: '[0-9]+'\n    MaxLength: 2\n  N:\n    Type: Number\n    Default: 7\n    MaxValue: 5\nResources:\n" + fnRes,
			Options{}, []string{`does not match AllowedPattern`, `longer than MaxLength 2`, `greater than MaxValue 5`}},
		{"noecho value not echoed", head + "Parameters:\n  Secret:\n    Type: String\n    NoEcho: true\n    MinLength: 10\nResources:\n" + fnRes,
			Options{ParameterOverrides: map[string]string{"Secret": "hunter2"}}, []string{`parameter Secret (override): **** is shorter than MinLength 10`}},
		{"unknown property", head + "Resources:\n" + fnRes + "      Handlr: x\n",
			Options{}, []string{`t.yaml:10:7: Resources.Fn.Properties.Handlr: unknown property "Handlr" of AWS::Serverless::Function (did you mean "Handler"?)`}},
		{"lambda authorizer not supported", head + "Resources:\n  A:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      Auth:\n        Authorizers:\n          L:\n            FunctionArn: arn:aws:lambda:us-east-1:123456789012:function:f\n            AuthorizerPayloadFormatVersion: '2.0'\n",
			Options{AllowUnsupported: true}, []string{`t.yaml:10:26: Resources.A.Properties.Auth.Authorizers.L.FunctionArn: FunctionArn: Lambda authorizers not supported yet`}},
		{"api keys not supported", head + "Resources:\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: p\n      Auth:\n        ApiKeyRequired: true\n        UsagePlan:\n          CreateUsagePlan: PER_API\n",
			Options{}, []string{`Resources.A.Properties.Auth.ApiKeyRequired: ApiKeyRequired: API keys not supported yet`, `Resources.A.Properties.Auth.UsagePlan: UsagePlan: usage plans not supported yet`}},
		{"api key resource", head + "Resources:\n  K:\n    Type: AWS::ApiGateway::ApiKey\n",
			Options{}, []string{`t.yaml:5:11: Resources.K.Type: K (AWS::ApiGateway::ApiKey): API keys not supported yet`}},
		{"fail closed private endpoint", head + "Resources:\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: p\n      EndpointConfiguration: PRIVATE\n",
			Options{}, []string{`Resources.A.Properties.EndpointConfiguration: EndpointConfiguration PRIVATE`, `fail closed`}},
		{"fail closed intrinsic vpc", head + "Resources:\n  A:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: p\n      Auth:\n        ResourcePolicy:\n          IntrinsicVpcWhitelist: [x]\n",
			Options{}, []string{`Resources.A.Properties.Auth.ResourcePolicy.IntrinsicVpcWhitelist: IntrinsicVpcWhitelist is not supported`}},
		{"fail closed waf", head + "Resources:\n  W:\n    Type: AWS::WAFv2::WebACLAssociation\n    Properties: {ResourceArn: x, WebACLArn: y}\n",
			Options{}, []string{`t.yaml:5:11: Resources.W.Type: W (AWS::WAFv2::WebACLAssociation): web ACLs (request filtering) are not supported (fail closed`}},
		{"fail closed mfa", head + "Resources:\n  P:\n    Type: AWS::Cognito::UserPool\n    Properties:\n      MfaConfiguration: 'ON'\n",
			Options{}, []string{`t.yaml:7:25: Resources.P.Properties.MfaConfiguration: MfaConfiguration ON`}},
		{"unknown authorizer", head + "Resources:\n  A:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      Auth:\n        DefaultAuthorizer: Jwt\n",
			Options{}, []string{`Resources.A.Properties.Auth.DefaultAuthorizer: no authorizer "Jwt"`}},
		{"iam without enable", head + "Resources:\n  A:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      Auth:\n        DefaultAuthorizer: AWS_IAM\n",
			Options{}, []string{`AWS_IAM needs Auth.EnableIamAuthorizer: true on A`}},
		{"unsupported runtime", head + "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: java21\n      Handler: x\n      CodeUri: s\n",
			Options{}, []string{`t.yaml:7:16: Resources.Fn.Properties.Runtime: runtime java21 is not supported`}},
		{"several errors at once", head + "Resources:\n" + fnRes + "      Timeout: x\n      MemorySize: y\n",
			Options{}, []string{`Timeout must be an integer`, `MemorySize must be an integer`}},
		{"native validation mapped", head + "Resources:\n" + fnRes + "      Timeout: 5000\n",
			Options{}, []string{`t.yaml:10:16: Resources.Fn.Properties.Timeout: timeout 1h23m20s must be between 1s and 900s (native functions[0].timeout)`}},
		{"duplicate key", head + "Resources:\n" + fnRes + "      Handler: b.c\n",
			Options{}, []string{`t.yaml:10:7: Resources.Fn.Properties.Handler: duplicate key "Handler"`}},
		{"invalid yaml", "Resources: [\n", Options{}, []string{"invalid YAML"}},
		{"not a map", "- a\n", Options{}, []string{"a template is a map with Resources"}},
		{"no resources", head, Options{}, []string{"a template needs a Resources map"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Convert("t.yaml", []byte(tc.src), tc.opts)
			if err == nil {
				t.Fatalf("Convert succeeded, want errors %q", tc.wants)
			}
			var errs config.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want config.Errors: %v", err, err)
			}
			msg := err.Error()
			for _, w := range tc.wants {
				if !strings.Contains(msg, w) {
					t.Errorf("missing %q in:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("NoEcho value leaked: %s", msg)
			}
		})
	}
}

// TestAllowUnsupported: the override turns fail-closed errors into one
// warning per property, but never "not supported yet" features.
func TestAllowUnsupported(t *testing.T) {
	src := head + "Resources:\n  P:\n    Type: AWS::Cognito::UserPool\n    Properties:\n      MfaConfiguration: 'ON'\n      UserPoolAddOns: {AdvancedSecurityMode: ENFORCED}\n"
	res, err := Convert("t.yaml", []byte(src), Options{AllowUnsupported: true})
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, w.String())
	}
	all := strings.Join(got, "\n")
	for _, w := range []string{"t.yaml:7:25: Resources.P.Properties.MfaConfiguration", "t.yaml:8:23: Resources.P.Properties.UserPoolAddOns"} {
		if !strings.Contains(all, w) {
			t.Errorf("missing warning %q in\n%s", w, all)
		}
	}
}

func TestConditionRemovesResourceAndNoValue(t *testing.T) {
	src := head + `Parameters:
  Env: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: src
      Timeout: !If [IsProd, 30, !Ref AWS::NoValue]
      Environment:
        Variables:
          DEBUG: !If [IsProd, !Ref AWS::NoValue, "1"]
  ProdOnly:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: src
`
	for _, tc := range []struct {
		env       string
		functions int
		timeout   config.Duration
		debug     string
	}{{"dev", 1, 0, "1"}, {"prod", 2, config.Duration(30e9), ""}} {
		t.Run(tc.env, func(t *testing.T) {
			res, err := Convert("t.yaml", []byte(src), Options{ParameterOverrides: map[string]string{"Env": tc.env}})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(res.Config.Functions); n != tc.functions {
				t.Fatalf("functions = %d, want %d", n, tc.functions)
			}
			f := res.Config.Functions[0]
			if f.Timeout != tc.timeout && !(tc.timeout == 0 && f.Timeout == 0) {
				t.Errorf("timeout = %v, want %v", f.Timeout, tc.timeout)
			}
			if f.Environment["DEBUG"] != tc.debug {
				t.Errorf("DEBUG = %q, want %q", f.Environment["DEBUG"], tc.debug)
			}
		})
	}
}

// TestJWTIssuerResolvesToLocalPool is issue 7 item 4: a JWT authorizer
// with the Cognito issuer of a pool of the template validates in process
// with that pool, whose tokens carry that issuer.
func TestJWTIssuerResolvesToLocalPool(t *testing.T) {
	src := head + `Resources:
  Pool:
    Type: AWS::Cognito::UserPool
  Other:
    Type: AWS::Cognito::UserPool
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref Pool}
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: Local
        Authorizers:
          Local:
            JwtConfiguration:
              issuer: !Sub https://cognito-idp.${AWS::Region}.amazonaws.com/${Pool}
              audience: [!Ref Client]
          Remote:
            JwtConfiguration:
              Issuer: https://issuer.example.com/
              Audience: [x]
`
	res, err := Convert("t.yaml", []byte(src), Options{Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	api := res.Config.APIs[0]
	local, remote := api.Authorizers[0].JWT, api.Authorizers[1].JWT
	if local.UserPool != "Pool" {
		t.Errorf("local authorizer userPool = %q, want Pool", local.UserPool)
	}
	pool := res.Config.UserPools[0]
	if want := "https://cognito-idp.eu-west-1.amazonaws.com/" + pool.ID; local.Issuer != want {
		t.Errorf("issuer = %q, want %q", local.Issuer, want)
	}
	if !strings.HasPrefix(pool.ID, "eu-west-1_") || !pool.AWSIssuer {
		t.Errorf("pool id %q awsIssuer %v: want eu-west-1_ id with Cognito issuer", pool.ID, pool.AWSIssuer)
	}
	if res.Config.UserPools[1].AWSIssuer {
		t.Errorf("unreferenced pool got the Cognito issuer")
	}
	if remote.UserPool != "" || remote.Issuer != "https://issuer.example.com/" || remote.Audience[0] != "x" {
		t.Errorf("remote authorizer = %+v", remote)
	}
}
