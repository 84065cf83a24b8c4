package resguard

import (
	"net/netip"
	"testing"

	"github.com/gatehouse/gatehouse/internal/authz/iamauth"
	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// BenchmarkGuard runs Before and After for one request, as the pipeline
// does: on routes whose callers are anonymous to the resource policy (NONE,
// Cognito), and on an AWS_IAM route whose authorizer allowed a same-account
// caller (tables A/B evaluate the resource policy with the caller's
// context).
func BenchmarkGuard(b *testing.B) {
	jwt := &exchange.Principal{Type: "jwt", ID: "sub-1", Claims: map[string]any{"sub": "sub-1"}}
	caller := &policy.Identity{ARN: "arn:aws:iam::123456789012:user/alice", Account: "123456789012", Type: policy.PrincipalUser,
		UserID: "AIDAEXAMPLE", Username: "alice"}
	iamCtx := &policy.Context{Now: at, SourceIP: netip.MustParseAddr("123.4.5.200"), Principal: caller}
	iamP := &exchange.Principal{Type: "iam", ID: caller.ARN, IAM: &exchange.IAMIdentity{AccountID: "123456789012", UserARN: caller.ARN},
		Decision: &iamauth.Decision{Decision: policy.Decision{Effect: policy.Allow, Reason: "allowed"}, Context: iamCtx}}
	for _, bc := range []struct {
		name, auth string
		p          *exchange.Principal
	}{
		{"NONE", "NONE", nil},
		{"Cognito", "pool", jwt},
		{"AWS_IAM", "AWS_IAM", iamP},
	} {
		b.Run(bc.name, func(b *testing.B) {
			g := newGuard(b, seed001)
			x := exchangeFor("GET", "/pets", "123.4.5.200", bc.auth)
			if err := run(g, x, bc.p); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				*x = exchange.Exchange{R: x.R, API: x.API, Stage: x.Stage, Route: x.Route, Path: x.Path, SourceIP: x.SourceIP, Trace: x.Trace[:0]}
				if err := run(g, x, bc.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
