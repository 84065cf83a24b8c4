package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func stmt(body string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"},` + body + `]}`
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		opts     ParseOptions
		wantPath string
		wantMsg  string
	}{
		{"not JSON", `{"Version":`, ParseOptions{}, "", "malformed JSON"},
		{"trailing data", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}} {}`, ParseOptions{}, "", "after the policy document"},
		{"top-level array", `[]`, ParseOptions{}, "", "must be a JSON object"},
		{"bad version", `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, ParseOptions{}, "Version", "must be"},
		{"unknown top-level field", `{"Version":"2012-10-17","Statment":[]}`, ParseOptions{}, "Statment", "unknown policy element"},
		{"missing statement", `{"Version":"2012-10-17"}`, ParseOptions{}, "Statement", "missing"},
		{"empty statement list", `{"Version":"2012-10-17","Statement":[]}`, ParseOptions{}, "Statement", "must not be empty"},
		{"statement is a string", `{"Version":"2012-10-17","Statement":"x"}`, ParseOptions{}, "Statement", "must be an object or an array"},
		{"duplicate member", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}}`, ParseOptions{}, "", "duplicate member \"Effect\""},
		{"unknown statement field", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Resources":"*"}`), ParseOptions{}, "Statement[1].Resources", "unknown statement element"},
		{"bad effect", stmt(`{"Effect":"allow","Action":"*","Resource":"*"}`), ParseOptions{}, "Statement[1].Effect", "must be \"Allow\" or \"Deny\""},
		{"missing effect", stmt(`{"Action":"*","Resource":"*"}`), ParseOptions{}, "Statement[1].Effect", "missing"},
		{"Action and NotAction", stmt(`{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}`), ParseOptions{}, "Statement[1].NotAction", "both Action and NotAction"},
		{"no action", stmt(`{"Effect":"Allow","Resource":"*"}`), ParseOptions{}, "Statement[1].Action", "missing"},
		{"action wrong type", stmt(`{"Effect":"Allow","Action":5,"Resource":"*"}`), ParseOptions{}, "Statement[1].Action", "must be a string or an array"},
		{"action list element wrong type", stmt(`{"Effect":"Allow","Action":["a:b",true],"Resource":"*"}`), ParseOptions{}, "Statement[1].Action[1]", "must be a string"},
		{"action without service", stmt(`{"Effect":"Allow","Action":"Invoke","Resource":"*"}`), ParseOptions{}, "Statement[1].Action", "service:action"},
		{"empty action list", stmt(`{"Effect":"Allow","Action":[],"Resource":"*"}`), ParseOptions{}, "Statement[1].Action", "empty array"},
		{"Resource and NotResource", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}`), ParseOptions{}, "Statement[1].NotResource", "both Resource and NotResource"},
		{"no resource", stmt(`{"Effect":"Allow","Action":"*"}`), ParseOptions{}, "Statement[1].Resource", "missing"},
		{"resource not an ARN", stmt(`{"Effect":"Allow","Action":"*","Resource":["*","pets"]}`), ParseOptions{}, "Statement[1].Resource[1]", "must be \"*\" or an ARN"},
		{"resource too few components", stmt(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:execute-api:us-east-1:*"}`), ParseOptions{}, "Statement[1].Resource", "must be \"*\" or an ARN"},
		{"unclosed variable", stmt(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username"}`), ParseOptions{}, "Statement[1].Resource", "not closed"},
		{"bad variable default", stmt(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username, none}"}`), ParseOptions{}, "Statement[1].Resource", "single-quoted"},
		{"abbreviated resource without scope", stmt(`{"Effect":"Allow","Action":"*","Resource":"execute-api:/*"}`), ParseOptions{}, "Statement[1].Resource", "needs the API's region"},
		{"Principal and NotPrincipal", stmt(`{"Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"*","Resource":"*"}`), ParseOptions{}, "Statement[1].NotPrincipal", "both Principal and NotPrincipal"},
		{"principal in identity policy", stmt(`{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}`), ParseOptions{Kind: KindIdentity}, "Statement[1].Principal", "not allowed in an identity-based policy"},
		{"resource policy without principal", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, ParseOptions{Kind: KindResource}, "Statement.Principal", "missing"},
		{"trust policy with resource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}}`, ParseOptions{Kind: KindTrust}, "Statement.Resource", "not allowed in a trust policy"},
		{"trust policy without principal", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}`, ParseOptions{Kind: KindTrust}, "Statement.Principal", "missing"},
		{"string principal not star", stmt(`{"Effect":"Allow","Principal":"111122223333","Action":"*","Resource":"*"}`), ParseOptions{}, "Statement[1].Principal", "must be \"*\""},
		{"partial wildcard principal", stmt(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"*","Resource":"*"}`), ParseOptions{}, "Statement[1].Principal.AWS", "wildcards"},
		{"bad AWS principal", stmt(`{"Effect":"Allow","Principal":{"AWS":["111122223333","alice"]},"Action":"*","Resource":"*"}`), ParseOptions{}, "Statement[1].Principal.AWS[1]", "12-digit account"},
		{"unknown principal type", stmt(`{"Effect":"Allow","Principal":{"Users":"x"},"Action":"*","Resource":"*"}`), ParseOptions{}, "Statement[1].Principal.Users", "unknown principal type"},
		{"duplicate sid", `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}`, ParseOptions{}, "Statement[1].Sid", "duplicate Sid"},
		{"condition not object", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}`), ParseOptions{}, "Statement[1].Condition", "must be an object"},
		{"unknown operator", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqual":{"aws:username":"a"}}}`), ParseOptions{}, "Statement[1].Condition.StringEqual", "unknown condition operator"},
		{"unknown set qualifier", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"aws:username":"a"}}}`), ParseOptions{}, "Statement[1].Condition.ForSomeValues:StringEquals", "unknown set qualifier"},
		{"Null with qualifier", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:Null":{"aws:username":"true"}}}`), ParseOptions{}, "Statement[1].Condition.ForAnyValue:Null", "cannot take a set qualifier"},
		{"NullIfExists", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"aws:username":"true"}}}`), ParseOptions{}, "Statement[1].Condition.NullIfExists", "unknown condition operator"},
		{"malformed CIDR", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}`), ParseOptions{}, "Statement[1].Condition.IpAddress.aws:SourceIp", "not a CIDR"},
		{"malformed CIDR in list", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","nope"]}}}`), ParseOptions{}, "Statement[1].Condition.NotIpAddress.aws:SourceIp[1]", "not an IP address"},
		{"bad date", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"yesterday"}}}`), ParseOptions{}, "Statement[1].Condition.DateLessThan.aws:CurrentTime", "not an ISO 8601 date"},
		{"bad number", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"ten"}}}`), ParseOptions{}, "Statement[1].Condition.NumericLessThan.aws:MultiFactorAuthAge", "not a number"},
		{"hex number refused", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"a:b":"0x10"}}}`), ParseOptions{}, "Statement[1].Condition.NumericEquals.a:b", "not a number"},
		{"NaN refused", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":{"a:b":"NaN"}}}`), ParseOptions{}, "Statement[1].Condition.NumericEquals.a:b", "not a number"},
		{"bad bool", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}`), ParseOptions{}, "Statement[1].Condition.Bool.aws:SecureTransport", "true or false"},
		{"bad base64", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"test:b":"***"}}}`), ParseOptions{}, "Statement[1].Condition.BinaryEquals.test:b", "not base64"},
		{"null condition value", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":null}}}`), ParseOptions{}, "Statement[1].Condition.StringEquals.aws:username", "must be a string, number, boolean"},
		{"empty condition value list", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":[]}}}`), ParseOptions{}, "Statement[1].Condition.StringEquals.aws:username", "empty array"},
		{"bad key name", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"username":"a"}}}`), ParseOptions{}, "Statement[1].Condition.StringEquals.username", "not a condition key"},
		{"empty operator block", stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{}}}`), ParseOptions{}, "Statement[1].Condition.StringEquals", "at least one condition key"},
		{"too large", strings.Repeat(" ", 100) + `{}`, ParseOptions{MaxBytes: 50}, "", "limit is 50"},
		{"deep nesting", `{"Version":"2012-10-17","Statement":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, ParseOptions{}, "", "nesting too deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), tt.opts)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error = %v, want *ParseError", err)
			}
			for _, p := range pe.Problems {
				if p.Path == tt.wantPath && strings.Contains(p.Msg, tt.wantMsg) {
					if p.Offset < 0 || p.Offset > int64(len(tt.doc)) {
						t.Errorf("offset %d outside document", p.Offset)
					}
					return
				}
			}
			t.Errorf("problems = %q, want path %q with message containing %q", pe.Problems, tt.wantPath, tt.wantMsg)
		})
	}
}

func TestParseReportsAllProblems(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Action":"*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"x"}}}]}`
	_, err := Parse([]byte(doc), ParseOptions{Name: "p"})
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v", err)
	}
	if len(pe.Problems) != 2 {
		t.Fatalf("problems = %v, want 2", pe.Problems)
	}
	if want := `invalid policy "p": Statement[0].Effect:`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Error() = %q, want prefix %q", err.Error(), want)
	}
}

func TestParseOffsetPointsAtValue(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp": "bogus"}}}}`
	_, err := Parse([]byte(doc), ParseOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatal(err)
	}
	got := pe.Problems[0].Offset
	want := int64(strings.Index(doc, `"bogus"`))
	if got != want {
		t.Errorf("offset = %d, want %d", got, want)
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name      string
		doc       string
		opts      ParseOptions
		wantStmts int
		wantWarn  string
	}{
		{"statement object", `{"Version":"2012-10-17","Id":"x","Statement":{"Sid":"s","Effect":"Deny","NotAction":["s3:*"],"NotResource":"arn:aws:s3:::b/*"}}`, ParseOptions{}, 1, ""},
		{"reference grammar", `{"Version":"2012-10-17","Statement":[{"Sid":"opt","Effect":"Allow",
			"Principal":{"AWS":["arn:aws:iam::111122223333:role/dev","111122223333","arn:aws:iam::111122223333:root","*"]},
			"Action":["execute-api:*"],"Resource":["arn:aws:execute-api:us-east-1:111122223333:abc123/*","execute-api:/prod/GET/pets"]}]}`,
			ParseOptions{Kind: KindResource, Scope: &Scope{Region: "us-east-1", Account: "111122223333", APIID: "abc123"}}, 1, ""},
		{"service and federated principals", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com","Federated":["cognito-identity.amazonaws.com"]},"Action":"*","Resource":"*"}}`, ParseOptions{Kind: KindResource}, 1, ""},
		{"missing version warns", `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, ParseOptions{}, 1, "treated as 2008-10-17"},
		{"unknown key warns", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"x"}}}}`, ParseOptions{}, 1, "never present"},
		{"placeholders expanded with warning", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:region:account-id:*"}}`,
			ParseOptions{Kind: KindResource, Scope: &Scope{Region: "eu-west-1", Account: "111122223333", APIID: "a1", ExpandPlaceholders: true}}, 1, "placeholder region"},
		{"all operators", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
			"StringEquals":{"a:b":"x"},"StringNotEquals":{"a:b":"x"},"StringEqualsIgnoreCase":{"a:b":"x"},"StringNotEqualsIgnoreCase":{"a:b":"x"},
			"StringLike":{"a:b":"x*"},"StringNotLike":{"a:b":"x?"},"NumericEquals":{"a:b":1},"NumericNotEquals":{"a:b":"1"},
			"NumericLessThan":{"a:b":1},"NumericLessThanEquals":{"a:b":1},"NumericGreaterThan":{"a:b":1},"NumericGreaterThanEquals":{"a:b":-1.5},
			"DateEquals":{"a:b":"2020-01-01"},"DateNotEquals":{"a:b":"2020-01-01T00:00:00Z"},"DateLessThan":{"a:b":"2020-01-01T00:00:00.123Z"},
			"DateLessThanEquals":{"a:b":1577836800},"DateGreaterThan":{"a:b":"2020-01-01T00:00+02:00"},"DateGreaterThanEquals":{"a:b":"20200101T000000Z"},
			"Bool":{"a:b":true},"BinaryEquals":{"a:b":"QmluYXJ5"},"IpAddress":{"a:b":["10.0.0.0/8","::1"]},"NotIpAddress":{"a:b":"2001:db8::/32"},
			"ArnEquals":{"a:b":"arn:aws:s3:::x"},"ArnLike":{"a:b":"arn:aws:s3:::*"},"ArnNotEquals":{"a:b":"arn:aws:s3:::x"},"ArnNotLike":{"a:b":"arn:*:*:*:*:*"},
			"Null":{"a:b":"true"},"StringEqualsIfExists":{"a:b":"x"},"ForAnyValue:StringLike":{"a:b":"x"},"ForAllValues:NumericLessThanIfExists":{"a:b":3}}}}`,
			ParseOptions{}, 1, "never present"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.doc), tt.opts)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(p.Statements) != tt.wantStmts {
				t.Errorf("statements = %d, want %d", len(p.Statements), tt.wantStmts)
			}
			if tt.wantWarn == "" {
				if len(p.Warnings) != 0 {
					t.Errorf("unexpected warnings %v", p.Warnings)
				}
				return
			}
			for _, w := range p.Warnings {
				if strings.Contains(w.Msg, tt.wantWarn) {
					return
				}
			}
			t.Errorf("warnings = %v, want one containing %q", p.Warnings, tt.wantWarn)
		})
	}
}

func TestProblemPosition(t *testing.T) {
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\n    \"Effect\": \"Permit\",\n    \"Action\": \"*\", \"Resource\": \"*\"}}"
	_, err := Parse([]byte(doc), ParseOptions{})
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatal(err)
	}
	line, col := pe.Problems[0].Position([]byte(doc))
	if line != 4 || col != 15 {
		t.Errorf("position = %d:%d, want 4:15", line, col)
	}
}

// TestDuplicateMembersInLargeObjects: duplicates are found whether an
// object is small (scanned) or large (a set past memberScanMax).
func TestDuplicateMembersInLargeObjects(t *testing.T) {
	doc := func(keys ...string) string {
		var b strings.Builder
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q:\"v\"", k)
		}
		return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{` + b.String() + `}}}}`
	}
	keys := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("aws:PrincipalTag/k%d", i)
		}
		return out
	}
	tests := []struct {
		name    string
		keys    []string
		wantDup string
	}{
		{"40 distinct", keys(40), ""},
		{"duplicate among the first members", append(keys(5), "aws:PrincipalTag/k2"), "aws:PrincipalTag/k2"},
		{"duplicate of an early member after the set starts", append(keys(30), "aws:PrincipalTag/k3"), "aws:PrincipalTag/k3"},
		{"duplicate of the sixteenth member", append(keys(20), "aws:PrincipalTag/k15"), "aws:PrincipalTag/k15"},
		{"duplicate right at the switch", append(keys(16), "aws:PrincipalTag/k0"), "aws:PrincipalTag/k0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(doc(tc.keys...)), ParseOptions{})
			if tc.wantDup == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("duplicate member %q", tc.wantDup)) {
				t.Fatalf("Parse: %v, want duplicate member %q", err, tc.wantDup)
			}
		})
	}
}
