package router

import (
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

// benchSpec builds an API with n routes: 80% static, 10% with a parameter,
// 10% greedy, spread over n/10 services so the trie is wide.
func benchSpec(kind exchange.Kind, n int) Spec {
	s := Spec{Kind: kind, Stages: []string{"prod"}}
	for i := 0; len(s.Routes) < n; i++ {
		svc := i / 8
		switch i % 10 {
		case 8:
			s.Routes = append(s.Routes, fmt.Sprintf("GET /svc%d/items/{id}", svc))
		case 9:
			s.Routes = append(s.Routes, fmt.Sprintf("ANY /svc%d/files/{path+}", svc))
		default:
			s.Routes = append(s.Routes, fmt.Sprintf("GET /svc%d/res/list%d", svc, i))
		}
	}
	return s
}

var benchSizes = []int{10, 100, 1000}

func benchMatch(b *testing.B, kind exchange.Kind, method string, path func(n int) string, wantParams int) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("routes=%d", n), func(b *testing.B) {
			tbl := mustCompile(b, benchSpec(kind, n))
			p, err := Canonicalize(path(n))
			if err != nil {
				b.Fatal(err)
			}
			res := Result{Params: make([]exchange.Param, 0, 4)}
			if tbl.Match(method, p, &res) != Matched || len(res.Params) != wantParams {
				b.Fatalf("%s %s: %v params %v", method, p, res.Outcome, res.Params)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				tbl.Match(method, p, &res)
			}
		})
	}
}

// lastStatic is the path of the last static route of benchSpec(n).
func lastStatic(n int) string {
	for i := n - 1; ; i-- {
		if i%10 < 8 {
			return fmt.Sprintf("/svc%d/res/list%d", i/8, i)
		}
	}
}

func BenchmarkMatchStatic(b *testing.B) {
	b.Run("rest", func(b *testing.B) {
		benchMatch(b, exchange.REST, "GET", func(n int) string { return "/prod" + lastStatic(n) }, 0)
	})
	b.Run("http", func(b *testing.B) {
		benchMatch(b, exchange.HTTP, "GET", func(n int) string { return "/prod" + lastStatic(n) }, 0)
	})
}

func BenchmarkMatchParam(b *testing.B) {
	benchMatch(b, exchange.HTTP, "GET", func(n int) string { return fmt.Sprintf("/prod/svc%d/items/12345", (n-1)/8) }, 1)
}

func BenchmarkMatchGreedy(b *testing.B) {
	benchMatch(b, exchange.HTTP, "GET", func(n int) string { return fmt.Sprintf("/prod/svc%d/files/a/b/c.txt", (n-1)/8) }, 1)
}

func BenchmarkCanonicalize(b *testing.B) {
	for _, tc := range []struct{ name, raw string }{
		{"canonical", "/prod/svc12/res/list99"},
		{"encoded", "/prod/svc12/items/caf%C3%A9%20au%20lait"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Canonicalize(tc.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
