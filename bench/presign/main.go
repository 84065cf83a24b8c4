// Command presign prints SigV4 presigned request targets (path and query)
// for the harness's IAM benchmark: wrk cannot compute HMACs, so the requests
// are signed ahead of time with the AWS SDK for Go v2 signer (an independent
// client, not gatehouse's own signer), each for a different path, valid for
// -expires seconds.
//
//	presign -host 127.0.0.1:PORT -key AKID -n N [-expires 3600] [-at -10s]
//
// prints N lines "/bench/iam/<i>?X-Amz-Algorithm=...&X-Amz-Signature=...".
// The secret is read from the environment variable named by -secret-env when
// -secret is empty, so it need not appear in a process list.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("presign: ")
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	host := flag.String("host", "", "Host the requests are sent to (as signed), e.g. 127.0.0.1:8080")
	key := flag.String("key", "", "access key id")
	secret := flag.String("secret", "", "secret access key (default: from -secret-env)")
	secretEnv := flag.String("secret-env", "BENCH_SECRET", "environment variable holding the secret")
	region := flag.String("region", "us-east-1", "region of the credential scope")
	prefix := flag.String("prefix", "/bench/iam/", "path prefix; the request index is appended")
	n := flag.Int("n", 1, "number of distinct presigned targets")
	expires := flag.Int("expires", 3600, "X-Amz-Expires in seconds")
	at := flag.Duration("at", 0, "signing time relative to now (e.g. -10s for an already expired URL with -expires 1)")
	flag.Parse()
	if *secret == "" {
		*secret = os.Getenv(*secretEnv)
	}
	if *host == "" || *key == "" || *secret == "" || *n < 1 {
		return errors.New("-host, -key, a secret and -n >= 1 are required")
	}
	creds := aws.Credentials{AccessKeyID: *key, SecretAccessKey: *secret}
	signer := v4.NewSigner()
	empty := sha256.Sum256(nil)
	hash := hex.EncodeToString(empty[:])
	now := time.Now().UTC().Add(*at)
	ctx := context.Background()
	bw := bufio.NewWriter(os.Stdout)
	for i := range *n {
		u := fmt.Sprintf("http://%s%s%d?X-Amz-Expires=%d", *host, *prefix, i, *expires)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		signed, _, err := signer.PresignHTTP(ctx, creds, req, hash, "execute-api", *region, now)
		if err != nil {
			return fmt.Errorf("presign %d: %w", i, err)
		}
		pu, err := url.Parse(signed)
		if err != nil {
			return fmt.Errorf("presigned url %d: %w", i, err)
		}
		_, _ = bw.WriteString(pu.RequestURI())
		_ = bw.WriteByte('\n')
	}
	return bw.Flush()
}
