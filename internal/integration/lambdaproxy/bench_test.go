package lambdaproxy

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/functions"
)

// BenchmarkServeHTTP measures requests through an HTTP server whose handler
// is the Lambda proxy integration (2.0 event) in front of a trivial Node.js
// function: client → server → event → runner → node → mapping → client.
func BenchmarkServeHTTP(b *testing.B) {
	r, err := functions.New(context.Background(), functions.Options{Functions: []config.Function{
		{Name: "admin", Runtime: "nodejs", Handler: "index.handler", CodeDir: seedDir + "/LambdaForAdminUser", MaxConcurrency: 8},
	}})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Shutdown(ctx)
	}()
	in, err := New(Config{Function: "admin"}, exchange.HTTP, r, nil)
	if err != nil {
		b.Fatal(err)
	}
	api := &exchange.API{ID: "a1b2c3d4e5", Kind: exchange.HTTP, Region: "us-east-1", AccountID: "123456789012"}
	stage := &exchange.Stage{Name: "$default"}
	route := &exchange.Route{Key: "GET /AdminUser", Method: "GET", ResourcePath: "/AdminUser"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		x := &exchange.Exchange{W: w, R: req, API: api, Stage: stage, Route: route, Path: req.URL.Path, RawPath: req.URL.EscapedPath(),
			RequestID: "id", Start: time.Now(), SourceIP: "127.0.0.1"}
		if err := in.Serve(x); err != nil {
			http.Error(w, err.Error(), 500)
		}
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := client.Get(srv.URL + "/AdminUser")
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}
