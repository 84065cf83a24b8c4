package functions

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// BenchmarkInvokeWarm measures one warm invocation of a trivial Node.js
// handler (reported as ns/op, plus p50/p99 in µs).
func BenchmarkInvokeWarm(b *testing.B) {
	r, err := New(context.Background(), Options{Functions: []config.Function{nodeFn("cjs", "commonjs.handler")}, BaseDir: "testdata"})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Shutdown(ctx)
	}()
	ctx := context.Background()
	if err := r.Prewarm(ctx); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, fe, err := r.Invoke(ctx, "cjs", []byte(`{"a":1}`)); err != nil || fe != nil {
			b.Fatal(err, fe)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkInvokeParallel measures throughput with as many instances as
// GOMAXPROCS*2 (the function's MaxConcurrency).
func BenchmarkInvokeParallel(b *testing.B) {
	fn := nodeFn("cjs", "commonjs.handler")
	fn.MaxConcurrency = 8
	r, err := New(context.Background(), Options{Functions: []config.Function{fn}, BaseDir: "testdata"})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Shutdown(ctx)
	}()
	ctx := context.Background()
	b.SetParallelism(2)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, fe, err := r.Invoke(ctx, "cjs", []byte(`{"a":1}`)); err != nil || fe != nil {
				b.Error(err, fe)
				return
			}
		}
	})
}
