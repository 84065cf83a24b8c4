package resguard

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

// BenchmarkGuard runs Before and After for one request, as the pipeline
// does, on routes whose callers are anonymous to the resource policy.
func BenchmarkGuard(b *testing.B) {
	jwt := &exchange.Principal{Type: "jwt", ID: "sub-1", Claims: map[string]any{"sub": "sub-1"}}
	for _, bc := range []struct {
		name, auth string
		p          *exchange.Principal
	}{
		{"NONE", "NONE", nil},
		{"Cognito", "pool", jwt},
	} {
		b.Run(bc.name, func(b *testing.B) {
			g := newGuard(b, seed001)
			x := exchangeFor("GET", "/pets", "123.4.5.200", bc.auth)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				x.Trace = x.Trace[:0]
				*x = exchange.Exchange{R: x.R, API: x.API, Stage: x.Stage, Route: x.Route, Path: x.Path, SourceIP: x.SourceIP, Trace: x.Trace}
				if err := run(g, x, bc.p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
