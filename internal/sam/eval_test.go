package sam

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

// evalTemplate wraps an expression in a template with parameters,
// mappings, conditions and resources, converts it, and returns the value
// of output "Out".
func evalTemplate(t *testing.T, expr string, opts Options) (string, error) {
	t.Helper()
	tmpl := `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Name:
    Type: String
    Default: orders
  Ports:
    Type: List<Number>
    Default: "80,443"
  Zones:
    Type: CommaDelimitedList
    Default: "a, b,c"
Mappings:
  Env:
    us-east-1: {Size: small}
    eu-west-1: {Size: large}
Conditions:
  IsOrders: !Equals [!Ref Name, orders]
  NotOrders: !Not [!Condition IsOrders]
  Both: !And [!Condition IsOrders, !Equals [a, a]]
  Either: !Or [!Condition NotOrders, !Equals [!Ref "AWS::Region", us-east-1]]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      CodeUri: src
  Pool:
    Type: AWS::Cognito::UserPool
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref Pool
  Table:
    Type: AWS::DynamoDB::Table
Outputs:
  Out:
    Value: ` + expr + "\n"
	res, err := Convert("t.yaml", []byte(tmpl), opts)
	if err != nil {
		return "", err
	}
	for _, o := range res.Outputs {
		if o.Name == "Out" {
			return o.Value, nil
		}
	}
	t.Fatalf("no output Out")
	return "", nil
}

func TestIntrinsics(t *testing.T) {
	poolID := "us-east-1_" + derive("gatehouse/pool/Pool", 9, alnumMixed)
	cases := []struct {
		name, expr, want string
	}{
		{"ref parameter", "!Ref Name", "orders"},
		{"ref long form", "{Ref: Name}", "orders"},
		{"ref pseudo region", "!Ref AWS::Region", "us-east-1"},
		{"ref pseudo account", "!Ref AWS::AccountId", "123456789012"},
		{"ref pseudo stack", "!Ref AWS::StackName", "gatehouse"},
		{"ref pseudo partition", "!Ref AWS::Partition", "aws"},
		{"ref pseudo url suffix", "!Ref AWS::URLSuffix", "amazonaws.com"},
		{"ref function", "!Ref Fn", "Fn"},
		{"ref pool", "!Ref Pool", poolID},
		{"ref ignored resource", "!Ref Table", "Table"},
		{"getatt dotted", "!GetAtt Fn.Arn", "arn:aws:lambda:us-east-1:123456789012:function:Fn"},
		{"getatt list", "!GetAtt [Pool, ProviderURL]", "https://cognito-idp.us-east-1.amazonaws.com/" + poolID},
		{"getatt long", "{'Fn::GetAtt': [Pool, Arn]}", "arn:aws:cognito-idp:us-east-1:123456789012:userpool/" + poolID},
		{"getatt client id", "!GetAtt Client.ClientId", derive("gatehouse/client/Client", 26, alnumLower)},
		{"sub string", `!Sub "${Name}-${AWS::Region}"`, "orders-us-east-1"},
		{"sub literal", `!Sub "${!Name}"`, "${Name}"},
		{"sub attribute", `!Sub "${Fn.Arn}"`, "arn:aws:lambda:us-east-1:123456789012:function:Fn"},
		{"sub with map", `!Sub ["${x}/${Name}", {x: !Ref AWS::AccountId}]`, "123456789012/orders"},
		{"sub long form", `{'Fn::Sub': "v-${Name}"}`, "v-orders"},
		{"join", `!Join [":", [a, !Ref Name, c]]`, "a:orders:c"},
		{"join list param", `!Join [",", !Ref Zones]`, "a,b,c"},
		{"join numbers", `!Join ["-", !Ref Ports]`, "80-443"},
		{"select", `!Select [1, !Ref Zones]`, "b"},
		{"select split", `!Select [2, !Split ["/", "x/y/z"]]`, "z"},
		{"split long", `{'Fn::Join': ["+", {'Fn::Split': [",", "1,2"]}]}`, "1+2"},
		{"if true", `!If [IsOrders, yes, no]`, "yes"},
		{"if false", `!If [NotOrders, yes, no]`, "no"},
		{"if and", `!If [Both, yes, no]`, "yes"},
		{"if or", `!If [Either, yes, no]`, "yes"},
		{"find in map", `!FindInMap [Env, !Ref "AWS::Region", Size]`, "small"},
		{"find in map long", `{'Fn::FindInMap': [Env, eu-west-1, Size]}`, "large"},
		{"base64", `!Base64 hi`, "aGk="},
		{"get azs", `!Select [0, !GetAZs ""]`, "us-east-1a"},
		{"nested", `!Join ["", [!Sub "${Name}", !Select [0, !Split [",", !Join [",", [q, r]]]]]]`, "ordersq"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := evalTemplate(t, tc.expr, Options{})
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPseudoParametersFromOptions(t *testing.T) {
	got, err := evalTemplate(t, `!Sub "${AWS::Region}/${AWS::AccountId}/${AWS::StackName}/${AWS::Partition}/${AWS::URLSuffix}"`,
		Options{Region: "cn-north-1", AccountID: "210987654321", StackName: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "cn-north-1/210987654321/shop/aws-cn/amazonaws.com.cn"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	got, err = evalTemplate(t, `!Ref AWS::StackId`, Options{StackName: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "arn:aws:cloudformation:us-east-1:123456789012:stack/shop/") {
		t.Errorf("StackId = %q", got)
	}
}

func TestParameterOverrides(t *testing.T) {
	got, err := evalTemplate(t, `!Sub "${Name}:${AWS::Region}"`, Options{ParameterOverrides: map[string]string{"Name": "billing"}})
	if err != nil {
		t.Fatal(err)
	}
	if got != "billing:us-east-1" {
		t.Errorf("got %q", got)
	}
	_, err = evalTemplate(t, `!Ref Name`, Options{ParameterOverrides: map[string]string{"Nope": "x"}})
	if err == nil || !strings.Contains(err.Error(), `parameter override "Nope": the template has no such parameter`) {
		t.Errorf("unknown override: err = %v", err)
	}
}

func TestParseOverrides(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want map[string]string
		bad  bool
	}{
		{name: "repeated", args: []string{"A=1", "B=two"}, want: map[string]string{"A": "1", "B": "two"}},
		{name: "space separated", args: []string{"A=1 B=2"}, want: map[string]string{"A": "1", "B": "2"}},
		{name: "quoted value with space", args: []string{`A="x y" B=2`}, want: map[string]string{"A": "x y", "B": "2"}},
		{name: "cfn form", args: []string{"ParameterKey=A,ParameterValue=v=1"}, want: map[string]string{"A": "v=1"}},
		{name: "value with equals", args: []string{"A=a=b"}, want: map[string]string{"A": "a=b"}},
		{name: "missing equals", args: []string{"A"}, bad: true},
		{name: "bad key", args: []string{"A-b=1"}, bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseOverrides(tc.args)
			if tc.bad {
				if err == nil {
					t.Fatalf("want error, got %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestGlobalsMerge(t *testing.T) {
	g := mustNode(t, `
Environment: {Variables: {A: g, B: g}}
Layers: [l1]
Timeout: 3
Tags: {team: x}
`)
	l := mustNode(t, `
Environment: {Variables: {B: l, C: l}}
Layers: [l2]
Timeout: 10
Tags: !Ref T
`)
	m := mergeGlobals(g, l)
	var b strings.Builder
	dumpNode(&b, m)
	want := `{Environment:{Variables:{A:g,B:l,C:l}},Layers:[l1,l2],Timeout:10,Tags:{Ref:T}}`
	if got := b.String(); got != want {
		t.Errorf("merged:\n got %s\nwant %s", got, want)
	}
}

func mustNode(t *testing.T, src string) *Node {
	t.Helper()
	tm, err := Load("n.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return tm.Root
}

func dumpNode(b *strings.Builder, n *Node) {
	switch n.Kind {
	case KindScalar:
		b.WriteString(n.Value)
	case KindList:
		b.WriteString("[")
		for i, it := range n.Items {
			if i > 0 {
				b.WriteString(",")
			}
			dumpNode(b, it)
		}
		b.WriteString("]")
	case KindMap:
		b.WriteString("{")
		for i, f := range n.Fields {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(f.Key + ":")
			dumpNode(b, f.Value)
		}
		b.WriteString("}")
	default:
		b.WriteString("null")
	}
}

func TestIsTemplate(t *testing.T) {
	cases := []struct {
		name, src string
		want      bool
	}{
		{"format version", "AWSTemplateFormatVersion: '2010-09-09'\n", true},
		{"transform", "Transform: AWS::Serverless-2016-10-31\nResources: {}\n", true},
		{"transform list", "Transform: [AWS::Serverless-2016-10-31]\n", true},
		{"resources with aws types", "Resources:\n  X:\n    Type: AWS::SQS::Queue\n", true},
		{"json", `{"Resources": {"X": {"Type": "AWS::Serverless::Function"}}}`, true},
		{"native config", "apis:\n  - name: a\n    kind: http\n    routes: []\n", false},
		{"resources without aws types", "Resources:\n  X:\n    Type: Custom\n", false},
		{"garbage", "{{{", false},
		{"empty", "", false},
		{"scalar", "hello", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsTemplate([]byte(tc.src)); got != tc.want {
				t.Errorf("IsTemplate = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLocalOutputs(t *testing.T) {
	res := &Result{
		Config:  &config.Config{APIs: []config.API{{ID: "abc123", Name: "A"}}},
		Outputs: []Output{{Name: "U", Value: "https://abc123.execute-api.us-east-1.amazonaws.com/Prod/x"}, {Name: "V", Value: "https://other.execute-api.us-east-1.amazonaws.com/"}},
	}
	got := res.LocalOutputs(func(api *config.API) string { return "http://127.0.0.1:9000/" + api.Name + "/" })
	if got[0].Value != "http://127.0.0.1:9000/A/Prod/x" {
		t.Errorf("rewritten = %q", got[0].Value)
	}
	if got[1].Value != res.Outputs[1].Value {
		t.Errorf("foreign API rewritten: %q", got[1].Value)
	}
	if res.Outputs[0].Value == got[0].Value {
		t.Errorf("LocalOutputs modified the result's outputs")
	}
}
