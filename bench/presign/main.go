// Command presign prints SigV4 presigned request targets (path and query)
// for the harness's IAM benchmark: wrk cannot compute HMACs, so the requests
// are signed ahead of time with the AWS SDK for Go v2 signer (an independent
// client, not gatehouse's own signer), each for a different path, valid for
// -expires seconds.
//
//	BENCH_SECRET=... presign -host 127.0.0.1:PORT -key AKID -n N [-expires 3600] [-at -10s]
//
// prints N lines "/bench/iam/<i>?X-Amz-Algorithm=...&X-Amz-Signature=...".
// The secret is read from the environment variable named by -secret-env
// (BENCH_SECRET), so it never appears in a process list.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "presign:", err)
		os.Exit(1)
	}
}

func run() error {
	host := flag.String("host", "", "Host the requests are sent to (as signed), e.g. 127.0.0.1:8080")
	key := flag.String("key", "", "access key id")
	secretEnv := flag.String("secret-env", "BENCH_SECRET", "environment variable holding the secret access key")
	region := flag.String("region", "us-east-1", "region of the credential scope")
	prefix := flag.String("prefix", "/bench/iam/", "path prefix; the request index is appended")
	n := flag.Int("n", 1, "number of distinct presigned targets")
	expires := flag.Int("expires", 3600, "X-Amz-Expires in seconds")
	at := flag.Duration("at", 0, "signing time relative to now (e.g. -10s for an already expired URL with -expires 1)")
	flag.Parse()
	secret := os.Getenv(*secretEnv)
	if *host == "" || *key == "" || secret == "" || *n < 1 {
		return fmt.Errorf("-host, -key, -n >= 1 and a secret in $%s are required", *secretEnv)
	}
	creds := aws.Credentials{AccessKeyID: *key, SecretAccessKey: secret}
	targets, err := presignTargets(context.Background(), creds, *host, *prefix, *region, *n, *expires, time.Now().UTC().Add(*at))
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(os.Stdout)
	for _, t := range targets {
		_, _ = bw.WriteString(t)
		_ = bw.WriteByte('\n')
	}
	return bw.Flush()
}

// presignTargets presigns n GET requests to http://host<prefix><i> for
// execute-api in region, signed at now and valid for expires seconds, and
// returns their request targets (path and query).
func presignTargets(ctx context.Context, creds aws.Credentials, host, prefix, region string, n, expires int, now time.Time) ([]string, error) {
	signer := v4.NewSigner()
	empty := sha256.Sum256(nil)
	hash := hex.EncodeToString(empty[:])
	out := make([]string, 0, n)
	for i := range n {
		u := fmt.Sprintf("http://%s%s%d?X-Amz-Expires=%d", host, prefix, i, expires)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, fmt.Errorf("request %d: %w", i, err)
		}
		signed, _, err := signer.PresignHTTP(ctx, creds, req, hash, "execute-api", region, now)
		if err != nil {
			return nil, fmt.Errorf("presign %d: %w", i, err)
		}
		pu, err := url.Parse(signed)
		if err != nil {
			return nil, fmt.Errorf("presigned url %d: %w", i, err)
		}
		out = append(out, pu.RequestURI())
	}
	return out, nil
}
