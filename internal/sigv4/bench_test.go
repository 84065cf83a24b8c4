package sigv4

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func BenchmarkVerifyHeader(b *testing.B) {
	f := fixture{now: tTime}
	o := Options{Region: "us-east-1", Now: func() time.Time { return f.now }, Lookup: func(_ context.Context, id string) (Credential, error) {
		return Credential{AccessKeyID: id, SecretAccessKey: tSecret}, nil
	}}
	v, err := NewVerifier(o)
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{"Host": {tHost}, "Content-Type": {"application/json"}}
	s := Sign(SignInput{Request: &Request{Method: "POST", RawPath: "/dev/pets/42", RawQuery: "a=1&b=2", Host: tHost, Header: h, PayloadHash: HashPayload([]byte("{}"))},
		Credential: Credential{AccessKeyID: tKeyID, SecretAccessKey: tSecret}, Scope: Scope{Region: "us-east-1", Service: "execute-api"}, Time: tTime})
	req := &Request{Method: "POST", RawPath: "/dev/pets/42", RawQuery: "a=1&b=2", Host: tHost, Header: s.Header, PayloadHash: HashPayload([]byte("{}"))}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPresigned measures the query form (the gateway benchmark's
// iam row uses presigned URLs).
func BenchmarkVerifyPresigned(b *testing.B) {
	f := fixture{now: tTime}
	o := Options{Region: "us-east-1", Now: func() time.Time { return f.now }, Lookup: func(_ context.Context, id string) (Credential, error) {
		return Credential{AccessKeyID: id, SecretAccessKey: tSecret}, nil
	}}
	v, err := NewVerifier(o)
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{"Host": {tHost}}
	s := Sign(SignInput{Request: &Request{Method: "GET", RawPath: "/dev/pets/42", RawQuery: "a=1&b=2", Host: tHost, Header: h, PayloadHash: EmptyPayloadHash},
		Credential: Credential{AccessKeyID: tKeyID, SecretAccessKey: tSecret}, Scope: Scope{Region: "us-east-1", Service: "execute-api"}, Time: tTime,
		Presign: true, Expires: time.Hour})
	req := &Request{Method: "GET", RawPath: "/dev/pets/42", RawQuery: s.RawQuery, Host: tHost, Header: http.Header{}, PayloadHash: EmptyPayloadHash}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
