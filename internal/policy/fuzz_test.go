package policy

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and that every policy it accepts
// evaluates (and explains) without panicking against a few contexts.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, doc := range []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":"k*"}}}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"NotAction":"s3:*","NotResource":"arn:aws:s3:::${aws:username, 'x'}/${*}"}]}`,
		`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01"},"NumericEquals":{"a:b":1},"Null":{"a:c":true}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:*"},"BinaryEquals":{"a:b":"QQ=="}}}}`,
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["::/0","0.0.0.0/0"]}}}}`,
		`[`, `{}`, `{"Version":1}`,
	} {
		f.Add([]byte(doc))
	}
	ctxs := []*Context{
		nil,
		{},
		fuzzCtx(),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, kind := range []Kind{KindAny, KindResource} {
			p, err := Parse(data, ParseOptions{Kind: kind, Scope: &Scope{Region: "us-east-1", Account: "111122223333", APIID: "abc", ExpandPlaceholders: true}})
			if err != nil {
				if p != nil {
					t.Fatal("non-nil policy with error")
				}
				if err.Error() == "" {
					t.Fatal("empty error text")
				}
				continue
			}
			for _, c := range ctxs {
				for _, res := range []string{methodARN, "not-an-arn", "arn:aws:execute-api:us-east-1:111122223333:abc/prod/GET/"} {
					r := &Request{Action: "execute-api:Invoke", Resource: res, Context: c}
					d := p.Evaluate(r)
					d2, traces := Explain(r, p)
					if d.Effect != d2.Effect {
						t.Fatalf("Evaluate %v != Explain %v", d.Effect, d2.Effect)
					}
					// Explain's traces take the general condition path;
					// Evaluate may take shortcuts. They must agree.
					applied, traced := 0, ImplicitDeny
					for _, tr := range traces {
						if !tr.Applies {
							continue
						}
						applied++
						if tr.Effect == StatementDeny {
							traced = ExplicitDeny
						} else if traced == ImplicitDeny {
							traced = Allow
						}
					}
					if applied != len(d.Matches) || traced != d.Effect {
						t.Fatalf("Evaluate: %v with %d matches; traces: %v with %d applying", d.Effect, len(d.Matches), traced, applied)
					}
					r.PrincipalUnknown = true
					p.Evaluate(r)
				}
			}
		}
	})
}

func fuzzCtx() *Context {
	c := baseCtx()
	c.Referer = ptr("https://example.com/")
	c.SourceIP = netip.MustParseAddr("2001:db8::5")
	c.Principal.OrgPaths = []string{"o-1/r-1/"}
	c.Principal.MFAPresent = ptr(true)
	return c
}

// typicalResourcePolicy mirrors common API Gateway resource policies:
// public allow, IP deny, a cross-account grant and a VPC-endpoint deny.
const typicalResourcePolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "AllowPublic", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "arn:aws:execute-api:us-east-1:111122223333:abc123/*"},
    {"Sid": "AllowPartner", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::444455556666:role/partner", "777788889999"]},
     "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:111122223333:abc123/prod/*/partner/*"},
    {"Sid": "DenyOutsideRange", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "arn:aws:execute-api:us-east-1:111122223333:abc123/*",
     "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}},
    {"Sid": "DenyAdminOffHours", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "arn:aws:execute-api:us-east-1:111122223333:abc123/*/*/admin/*",
     "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}, "Bool": {"aws:SecureTransport": "false"}}}
  ]
}`

func BenchmarkEvaluateResourcePolicy(b *testing.B) {
	p := mustParse(b, typicalResourcePolicy, ParseOptions{Kind: KindResource})
	ctx := baseCtx()
	ctx.Principal = nil
	r := &Request{Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:111122223333:abc123/prod/GET/pets/42", Context: ctx}
	if d := p.Evaluate(r); d.Effect != Allow {
		b.Fatalf("effect %v", d.Effect)
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Evaluate(r)
	}
}

// BenchmarkEvaluateStatements measures evaluation cost against 1, 10 and
// 100 statements where only the last one applies (worst case).
func BenchmarkEvaluateStatements(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var sb strings.Builder
			sb.WriteString(`{"Version":"2012-10-17","Statement":[`)
			for i := range n - 1 {
				fmt.Fprintf(&sb, `{"Sid":"S%d","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111122223333:api%d/prod/GET/*","Condition":{"IpAddress":{"aws:SourceIp":"10.%d.0.0/16"}}},`, i, i, i%250)
			}
			sb.WriteString(`{"Sid":"Last","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111122223333:abc123/prod/GET/*","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}`)
			p := mustParse(b, sb.String(), ParseOptions{})
			r := &Request{Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:111122223333:abc123/prod/GET/pets/42", Context: baseCtx()}
			if d := p.Evaluate(r); d.Effect != Allow {
				b.Fatalf("effect %v", d.Effect)
			}
			b.ReportAllocs()
			for b.Loop() {
				p.Evaluate(r)
			}
		})
	}
}

// BenchmarkParseWideObject parses a policy at the size limit whose
// condition block has thousands of members (duplicate detection must not
// be quadratic).
func BenchmarkParseWideObject(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{`)
	for i := 0; sb.Len() < DefaultMaxBytes-200; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `"aws:PrincipalTag/k%d":"v"`, i)
	}
	sb.WriteString(`}}}}`)
	doc := []byte(sb.String())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc, ParseOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
