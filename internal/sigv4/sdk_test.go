package sigv4_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/gatehouse/gatehouse/internal/sigv4"
)

// newVerifyServer starts a loopback server that verifies every request and
// answers 200 or 403 with the refusal code in X-Refusal.
func newVerifyServer(t *testing.T, now time.Time) *httptest.Server {
	t.Helper()
	v, err := sigv4.NewVerifier(sigv4.Options{
		Region: "us-east-1",
		Now:    func() time.Time { return now },
		Lookup: func(_ context.Context, id string) (sigv4.Credential, error) {
			if id == "AKIASDKINTEROP" {
				return sigv4.Credential{AccessKeyID: id, SecretAccessKey: "sdk-secret"}, nil
			}
			return sigv4.Credential{}, sigv4.ErrUnknownAccessKey
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		req := sigv4.FromHTTP(r)
		req.PayloadHash = sigv4.HashPayload(body)
		if _, err := v.Verify(r.Context(), req); err != nil {
			var se *sigv4.Error
			if errors.As(err, &se) {
				w.Header().Set("X-Refusal", se.Code.String())
			}
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sha(b string) string {
	s := sha256.Sum256([]byte(b))
	return hex.EncodeToString(s[:])
}

func TestAWSSDKSignerInterop(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	srv := newVerifyServer(t, now)
	creds := aws.Credentials{AccessKeyID: "AKIASDKINTEROP", SecretAccessKey: "sdk-secret"}
	signer := v4.NewSigner()

	type req struct {
		method, path, body string
		header             map[string]string
	}
	base := req{method: "POST", path: "/dev/pets/a%20b/%C3%A9?q=1&z=a%20b&a=x", body: `{"n":1}`, header: map[string]string{"X-Custom": "v"}}

	build := func(t *testing.T, r req) *http.Request {
		t.Helper()
		hr, err := http.NewRequest(r.method, srv.URL+r.path, strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range r.header {
			hr.Header.Set(k, v)
		}
		return hr
	}
	send := func(t *testing.T, hr *http.Request) (int, string) {
		t.Helper()
		resp, err := srv.Client().Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("X-Refusal")
	}
	sign := func(t *testing.T, r req, region, service string, at time.Time) *http.Request {
		t.Helper()
		hr := build(t, r)
		if err := signer.SignHTTP(context.Background(), creds, hr, sha(r.body), service, region, at); err != nil {
			t.Fatal(err)
		}
		return hr
	}

	t.Run("header form accepted", func(t *testing.T) {
		for _, r := range []req{base, {method: "GET", path: "/dev/"}, {method: "GET", path: "/prod/items/{id}?x=%2F"}} {
			if code, why := send(t, sign(t, r, "us-east-1", "execute-api", now)); code != 200 {
				t.Errorf("%s %s: status %d (%s)", r.method, r.path, code, why)
			}
		}
	})
	t.Run("presigned without X-Amz-Expires accepted", func(t *testing.T) {
		hr := build(t, req{method: "GET", path: "/dev/ws"})
		u, _, err := signer.PresignHTTP(context.Background(), creds, hr, sha(""), "execute-api", "us-east-1", now)
		if err != nil {
			t.Fatal(err)
		}
		hr2, _ := http.NewRequest("GET", u, nil)
		if code, why := send(t, hr2); code != 200 {
			t.Errorf("status %d (%s) for %s", code, why, u)
		}
	})
	t.Run("presigned accepted", func(t *testing.T) {
		hr := build(t, req{method: "GET", path: "/dev/ws?room=1&X-Amz-Expires=900"})
		u, _, err := signer.PresignHTTP(context.Background(), creds, hr, sha(""), "execute-api", "us-east-1", now)
		if err != nil {
			t.Fatal(err)
		}
		hr2, _ := http.NewRequest("GET", u, nil)
		if code, why := send(t, hr2); code != 200 {
			t.Errorf("status %d (%s) for %s", code, why, u)
		}
	})

	alter := []struct {
		name   string
		mutate func(t *testing.T) *http.Request
		want   string
	}{
		{"method", func(t *testing.T) *http.Request {
			hr := sign(t, base, "us-east-1", "execute-api", now)
			hr.Method = "PUT"
			return hr
		}, "InvalidSignature"},
		{"path", func(t *testing.T) *http.Request {
			hr := sign(t, base, "us-east-1", "execute-api", now)
			hr.URL.Path, hr.URL.RawPath = "/dev/pets/other", ""
			return hr
		}, "InvalidSignature"},
		{"query", func(t *testing.T) *http.Request {
			hr := sign(t, base, "us-east-1", "execute-api", now)
			hr.URL.RawQuery += "&extra=1"
			return hr
		}, "InvalidSignature"},
		{"signed header", func(t *testing.T) *http.Request {
			hr := sign(t, base, "us-east-1", "execute-api", now)
			hr.Header.Set("X-Custom", "changed")
			return hr
		}, "InvalidSignature"},
		{"body", func(t *testing.T) *http.Request {
			hr := sign(t, base, "us-east-1", "execute-api", now)
			hr.Body = io.NopCloser(bytes.NewReader([]byte(`{"n":2}`)))
			return hr
		}, "InvalidSignature"},
		{"date", func(t *testing.T) *http.Request {
			hr := sign(t, base, "us-east-1", "execute-api", now)
			hr.Header.Set("X-Amz-Date", now.Add(time.Second).Format(sigv4.TimeFormat))
			return hr
		}, "InvalidSignature"},
		{"stale date", func(t *testing.T) *http.Request {
			return sign(t, base, "us-east-1", "execute-api", now.Add(-10*time.Minute))
		}, "SignatureExpired"},
		{"region", func(t *testing.T) *http.Request {
			return sign(t, base, "eu-west-1", "execute-api", now)
		}, "InvalidSignature"},
		{"service", func(t *testing.T) *http.Request {
			return sign(t, base, "us-east-1", "lambda", now)
		}, "InvalidSignature"},
	}
	for _, a := range alter {
		t.Run("altered "+a.name+" refused", func(t *testing.T) {
			code, why := send(t, a.mutate(t))
			if code != 403 || why != a.want {
				t.Errorf("status %d refusal %q, want 403 %q", code, why, a.want)
			}
		})
	}
}
