package iamauth

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/sigv4"
)

// benchURLs is how many distinct signed requests a benchmark cycles through,
// so no per-URL cache could flatter the result (the harness cycles 20000).
const benchURLs = 1024

// benchAuthenticator mirrors the harness's IAM setup (bench/run.sh): one user
// whose identity policy allows GET /bench/* from loopback and denies
// /bench/admin/*.
func benchAuthenticator(b *testing.B) *iam.Authenticator {
	b.Helper()
	dir, err := iam.NewDirectory(iam.Options{
		Account: "123456789012",
		IAM: &config.IAM{Users: []config.IAMUser{
			{Name: "bench", AccessKeys: []config.AccessKey{{ID: "AKIABENCH0000001", Secret: "bench-secret"}},
				Policies: []config.InlinePolicy{{Name: "invoke-bench", Document: doc(`{"Version":"2012-10-17","Statement":[
					{"Sid":"InvokeBenchFromLoopback","Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:benchiam01/*/GET/bench/*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"}}},
					{"Sid":"NoAdmin","Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:benchiam01/*/*/bench/admin/*"}]}`)}}},
		}},
	})
	if err != nil {
		b.Fatal(err)
	}
	a, err := iam.NewAuthenticator(iam.AuthenticatorOptions{Directory: func() *iam.Directory { return dir }, Region: "us-east-1", Now: func() time.Time { return at }})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// BenchmarkAuthorize measures SigV4 verification plus identity-policy
// evaluation for one GET to an HTTP API's $default route, as the harness's
// iam target does: presigned URLs (the harness's form, signed by the AWS SDK
// for Go v2 with X-Amz-Expires=3600) and the Authorization header form, each
// over benchURLs distinct paths.
func BenchmarkAuthorize(b *testing.B) {
	creds := aws.Credentials{AccessKeyID: "AKIABENCH0000001", SecretAccessKey: "bench-secret"}
	const host = "127.0.0.1:8080"
	signer := v4.NewSigner()
	forms := []struct {
		name string
		sign func(i int) (*http.Request, error)
	}{
		{"presigned", func(i int) (*http.Request, error) {
			u := fmt.Sprintf("http://%s/bench/iam/%d?X-Amz-Expires=3600", host, i)
			req, err := http.NewRequest(http.MethodGet, u, nil)
			if err != nil {
				return nil, err
			}
			signed, _, err := signer.PresignHTTP(context.Background(), creds, req, sigv4.EmptyPayloadHash, "execute-api", "us-east-1", at)
			if err != nil {
				return nil, err
			}
			pu, err := url.Parse(signed)
			if err != nil {
				return nil, err
			}
			return httptest.NewRequest(http.MethodGet, "http://"+host+pu.RequestURI(), nil), nil
		}},
		{"header", func(i int) (*http.Request, error) {
			r := httptest.NewRequest(http.MethodGet, fmt.Sprintf("http://%s/bench/iam/%d", host, i), nil)
			r.Header.Set("User-Agent", "wrk")
			err := signer.SignHTTP(context.Background(), creds, r, sigv4.EmptyPayloadHash, "execute-api", "us-east-1", at)
			return r, err
		}},
	}
	for _, f := range forms {
		b.Run(f.name, func(b *testing.B) {
			a, err := New(Options{Authenticator: benchAuthenticator(b), Now: func() time.Time { return at }})
			if err != nil {
				b.Fatal(err)
			}
			reqs := make([]*http.Request, benchURLs)
			paths := make([]string, benchURLs)
			for i := range reqs {
				if reqs[i], err = f.sign(i); err != nil {
					b.Fatal(err)
				}
				paths[i] = fmt.Sprintf("/bench/iam/%d", i)
			}
			api := &exchange.API{ID: "benchiam01", Kind: exchange.HTTP, Region: "us-east-1", AccountID: "123456789012"}
			stage := &exchange.Stage{Name: "$default"}
			route := &exchange.Route{Key: "$default", AuthorizerName: "AWS_IAM"}
			x := &exchange.Exchange{}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				*x = exchange.Exchange{R: reqs[i], API: api, Stage: stage, Route: route, Path: paths[i], SourceIP: "127.0.0.1", Trace: x.Trace[:0]}
				if _, err := a.Authorize(x); err != nil {
					b.Fatal(err)
				}
				if i++; i == benchURLs {
					i = 0
				}
			}
		})
	}
}
