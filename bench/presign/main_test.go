package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/gatehouse/gatehouse/internal/sigv4"
)

// verify checks a presigned target with gatehouse's SigV4 verifier at now.
func verify(t *testing.T, creds aws.Credentials, host, target string, now time.Time) error {
	t.Helper()
	v, err := sigv4.NewVerifier(sigv4.Options{
		Region: "us-east-1",
		Now:    func() time.Time { return now },
		Lookup: func(_ context.Context, id string) (sigv4.Credential, error) {
			if id != creds.AccessKeyID {
				return sigv4.Credential{}, sigv4.ErrUnknownAccessKey
			}
			return sigv4.Credential{AccessKeyID: id, SecretAccessKey: creds.SecretAccessKey}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	path, query, _ := strings.Cut(target, "?")
	_, err = v.Verify(context.Background(), &sigv4.Request{
		Method: http.MethodGet, RawPath: path, RawQuery: query, Host: host, Header: http.Header{},
		PayloadHash: sigv4.HashPayload(nil),
	})
	return err
}

func TestPresignTargets(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKIABENCH0000001", SecretAccessKey: "bench-secret"}
	const host = "127.0.0.1:8080"
	signedAt := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	targets, err := presignTargets(context.Background(), creds, host, "/bench/iam/", "us-east-1", 3, 3600, signedAt)
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 3 {
		t.Fatalf("got %d targets, want 3", len(targets))
	}
	seen := map[string]bool{}
	for i, tg := range targets {
		u, err := url.Parse(tg)
		if err != nil {
			t.Fatalf("target %d: %v", i, err)
		}
		if want := "/bench/iam/" + string(rune('0'+i)); u.Path != want {
			t.Errorf("target %d path = %q, want %q", i, u.Path, want)
		}
		if got := u.Query().Get("X-Amz-Expires"); got != "3600" {
			t.Errorf("target %d X-Amz-Expires = %q, want 3600", i, got)
		}
		sig := u.Query().Get("X-Amz-Signature")
		if seen[sig] {
			t.Errorf("target %d repeats a signature", i)
		}
		seen[sig] = true
	}

	first := targets[0]
	sig := first[strings.Index(first, "X-Amz-Signature=")+len("X-Amz-Signature="):]
	other := "0"
	if sig[0] == '0' {
		other = "1"
	}
	flipped := strings.TrimSuffix(first, sig) + other + sig[1:]
	tests := []struct {
		name    string
		target  string
		at      time.Time
		host    string
		creds   aws.Credentials
		wantErr bool
	}{
		{name: "valid at signing time", target: first, at: signedAt},
		{name: "valid just before expiry", target: targets[2], at: signedAt.Add(59 * time.Minute)},
		{name: "expired", target: first, at: signedAt.Add(61 * time.Minute), wantErr: true},
		{name: "altered signature", target: flipped, at: signedAt, wantErr: true},
		{name: "altered path", target: strings.Replace(first, "/bench/iam/0?", "/bench/iam/1?", 1), at: signedAt, wantErr: true},
		{name: "other host", target: first, at: signedAt, host: "127.0.0.1:8081", wantErr: true},
		{name: "other secret", target: first, at: signedAt, creds: aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: "x"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, c := host, creds
			if tt.host != "" {
				h = tt.host
			}
			if tt.creds.AccessKeyID != "" {
				c = tt.creds
			}
			err := verify(t, c, h, tt.target, tt.at)
			if got := err != nil; got != tt.wantErr {
				t.Errorf("verify error = %v, want error %v", err, tt.wantErr)
			}
			var se *sigv4.Error
			if err != nil && !errors.As(err, &se) {
				t.Errorf("error %v is not a *sigv4.Error", err)
			}
		})
	}
}
