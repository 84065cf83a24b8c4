package sigv4

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	tKeyID   = "AKIAIOSFODNN7EXAMPLE"
	tSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	tTempID  = "ASIAIOSFODNN7EXAMPLE"
	tTempSec = "temporarysecret"
	tToken   = "session-token-value"
	tHost    = "abc123.execute-api.us-east-1.amazonaws.com"
)

var tTime = time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	now         time.Time
	lookupErr   error
	tempExpires time.Time
}

func (f *fixture) verifier(t *testing.T, mod func(*Options)) *Verifier {
	t.Helper()
	o := Options{
		Region: "us-east-1",
		Now:    func() time.Time { return f.now },
		Lookup: func(_ context.Context, id string) (Credential, error) {
			if f.lookupErr != nil {
				return Credential{}, f.lookupErr
			}
			switch id {
			case tKeyID:
				return Credential{AccessKeyID: id, SecretAccessKey: tSecret}, nil
			case tTempID:
				return Credential{AccessKeyID: id, SecretAccessKey: tTempSec, SessionToken: tToken, Expires: f.tempExpires}, nil
			}
			return Credential{}, ErrUnknownAccessKey
		},
	}
	if mod != nil {
		mod(&o)
	}
	v, err := NewVerifier(o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type signSpec struct {
	method, path, query, body string
	header                    http.Header
	cred                      Credential
	scope                     Scope
	at                        time.Time
	presign                   bool
	expires                   time.Duration
	payloadHash               string
	signPayload               bool
}

func signed(t *testing.T, s signSpec) *Request {
	t.Helper()
	if s.method == "" {
		s.method = "GET"
	}
	if s.path == "" {
		s.path = "/dev/pets/a%20b"
	}
	if s.cred.AccessKeyID == "" {
		s.cred = Credential{AccessKeyID: tKeyID, SecretAccessKey: tSecret}
	}
	if s.scope.Region == "" {
		s.scope = Scope{Region: "us-east-1", Service: "execute-api"}
	}
	if s.at.IsZero() {
		s.at = tTime
	}
	if s.expires == 0 {
		s.expires = time.Hour
	}
	h := http.Header{"Host": {tHost}}
	for k, v := range s.header {
		h[k] = v
	}
	ph := s.payloadHash
	if ph == "" {
		ph = HashPayload([]byte(s.body))
	}
	out := Sign(SignInput{Request: &Request{Method: s.method, RawPath: s.path, RawQuery: s.query, Host: tHost, Header: h, PayloadHash: ph},
		Credential: s.cred, Scope: s.scope, Time: s.at, Presign: s.presign, Expires: s.expires, SignPayloadHeader: s.signPayload})
	return &Request{Method: s.method, RawPath: s.path, RawQuery: out.RawQuery, Host: tHost, Header: out.Header, PayloadHash: HashPayload([]byte(s.body))}
}

func TestVerifyRefusals(t *testing.T) {
	tests := []struct {
		name     string
		fix      fixture
		opts     func(*Options)
		req      func(t *testing.T) *Request
		wantCode Code
		wantMsg  string // exact unless prefix is set
		prefix   bool
	}{
		{
			name: "no signature at all",
			req: func(t *testing.T) *Request {
				return &Request{Method: "GET", RawPath: "/dev/pets", Host: tHost, Header: http.Header{}}
			},
			wantCode: CodeMissingAuthenticationToken, wantMsg: "Missing Authentication Token",
		},
		{
			name: "bearer token",
			req: func(t *testing.T) *Request {
				return &Request{Method: "GET", RawPath: "/dev/pets", Header: http.Header{"Authorization": {"Bearer abc"}}}
			},
			wantCode: CodeIncompleteSignature,
			wantMsg:  "'abc' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer abc'.",
		},
		{
			name: "algorithm only and no date",
			req: func(t *testing.T) *Request {
				return &Request{Method: "GET", RawPath: "/", Header: http.Header{"Authorization": {"AWS4-HMAC-SHA256"}}}
			},
			wantCode: CodeIncompleteSignature,
			wantMsg:  "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
		},
		{
			name: "unsupported algorithm",
			req: func(t *testing.T) *Request {
				r := signed(t, signSpec{})
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1))
				return r
			},
			wantCode: CodeIncompleteSignature, wantMsg: "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.",
		},
		{
			name: "malformed credential",
			req: func(t *testing.T) *Request {
				return &Request{Method: "GET", RawPath: "/", Header: http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1, SignedHeaders=host, Signature=" + strings.Repeat("a", 64)}, "X-Amz-Date": {"20240101T120000Z"}}}
			},
			wantCode: CodeIncompleteSignature,
			wantMsg:  "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20240101/us-east-1'",
		},
		{
			name: "bad x-amz-date",
			req: func(t *testing.T) *Request {
				r := signed(t, signSpec{})
				r.Header.Set("X-Amz-Date", "2024-01-01T12:00:00Z")
				return r
			},
			wantCode: CodeIncompleteSignature,
			wantMsg:  "Date must be in ISO-8601 'basic format'. Got '2024-01-01T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
		},
		{
			name: "host not signed",
			req: func(t *testing.T) *Request {
				r := signed(t, signSpec{})
				r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date", 1))
				return r
			},
			wantCode: CodeIncompleteSignature, wantMsg: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
		},
		{
			name:     "signed 6 minutes ago",
			fix:      fixture{now: tTime.Add(6 * time.Minute)},
			req:      func(t *testing.T) *Request { return signed(t, signSpec{}) },
			wantCode: CodeSignatureExpired,
			wantMsg:  "Signature expired: 20240101T120000Z is now earlier than 20240101T120100Z (20240101T120600Z - 5 min.)",
		},
		{
			name:     "signed 6 minutes in the future",
			fix:      fixture{now: tTime.Add(-6 * time.Minute)},
			req:      func(t *testing.T) *Request { return signed(t, signSpec{}) },
			wantCode: CodeSignatureExpired,
			wantMsg:  "Signature not yet current: 20240101T120000Z is still later than 20240101T115900Z (20240101T115400Z + 5 min.)",
		},
		{
			name:     "presigned url expired",
			fix:      fixture{now: tTime.Add(time.Hour + time.Second)},
			req:      func(t *testing.T) *Request { return signed(t, signSpec{presign: true}) },
			wantCode: CodeSignatureExpired,
			wantMsg:  "Signature expired: 20240101T120000Z is now earlier than 20240101T120001Z (20240101T130001Z - 60 min.)",
		},
		{
			name: "presigned without expires, 6 minutes old",
			fix:  fixture{now: tTime.Add(6 * time.Minute)},
			req: func(t *testing.T) *Request {
				r := signed(t, signSpec{presign: true})
				r.RawQuery = strings.Replace(r.RawQuery, "&X-Amz-Expires=3600", "", 1)
				return r
			},
			wantCode: CodeSignatureExpired,
			wantMsg:  "Signature expired: 20240101T120000Z is now earlier than 20240101T120100Z (20240101T120600Z - 5 min.)",
		},
		{
			name: "presigned expires above a week",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{presign: true, expires: MaxExpires + time.Second})
			},
			wantCode: CodeIncompleteSignature, wantMsg: "X-Amz-Expires must be less than a week (in seconds) that is 604800",
		},
		{
			name: "presigned missing signed headers",
			req: func(t *testing.T) *Request {
				r := signed(t, signSpec{presign: true})
				r.RawQuery = strings.Replace(r.RawQuery, "X-Amz-SignedHeaders=host&", "", 1)
				return r
			},
			wantCode: CodeIncompleteSignature, wantMsg: msgQueryParamsNeed,
		},
		{
			name: "header and query forms together",
			req: func(t *testing.T) *Request {
				r := signed(t, signSpec{presign: true})
				r.Header.Set("Authorization", signed(t, signSpec{}).Header.Get("Authorization"))
				return r
			},
			wantCode: CodeIncompleteSignature, wantMsg: msgBothMechanisms,
		},
		{
			name: "wrong region",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{scope: Scope{Region: "eu-west-1", Service: "execute-api"}})
			},
			wantCode: CodeInvalidSignature, wantMsg: "Credential should be scoped to a valid region, not 'eu-west-1'.",
		},
		{
			name: "wrong service",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{scope: Scope{Region: "us-east-1", Service: "s3"}})
			},
			wantCode: CodeInvalidSignature, wantMsg: "Credential should be scoped to correct service: 'execute-api'.",
		},
		{
			name: "wrong region and service",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{scope: Scope{Region: "eu-west-1", Service: "s3"}})
			},
			wantCode: CodeInvalidSignature,
			wantMsg:  "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: 'execute-api'.",
		},
		{
			name: "scope date differs from x-amz-date",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{scope: Scope{Date: "20231231", Region: "us-east-1", Service: "execute-api"}})
			},
			wantCode: CodeInvalidSignature,
			wantMsg:  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20231231' != '20240101', from '20240101T120000Z'.",
		},
		{
			name: "unknown access key",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{cred: Credential{AccessKeyID: "AKIAUNKNOWN", SecretAccessKey: "x"}})
			},
			wantCode: CodeUnrecognizedClient, wantMsg: "The security token included in the request is invalid.",
		},
		{
			name: "temporary key without token",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{cred: Credential{AccessKeyID: tTempID, SecretAccessKey: tTempSec}})
			},
			wantCode: CodeUnrecognizedClient, wantMsg: "The security token included in the request is invalid.",
		},
		{
			name: "temporary key with another token",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{cred: Credential{AccessKeyID: tTempID, SecretAccessKey: tTempSec, SessionToken: "other"}})
			},
			wantCode: CodeUnrecognizedClient, wantMsg: "The security token included in the request is invalid.",
		},
		{
			name: "long-term key with a token",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{cred: Credential{AccessKeyID: tKeyID, SecretAccessKey: tSecret, SessionToken: "x"}})
			},
			wantCode: CodeUnrecognizedClient, wantMsg: "The security token included in the request is invalid.",
		},
		{
			name: "expired temporary credentials",
			fix:  fixture{tempExpires: tTime},
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{cred: Credential{AccessKeyID: tTempID, SecretAccessKey: tTempSec, SessionToken: tToken}})
			},
			wantCode: CodeExpiredToken, wantMsg: "The security token included in the request is expired",
		},
		{
			name: "body altered",
			req: func(t *testing.T) *Request {
				r := signed(t, signSpec{method: "POST", body: "a=1"})
				r.PayloadHash = HashPayload([]byte("a=2"))
				return r
			},
			wantCode: CodeInvalidSignature, prefix: true, wantMsg: msgSignatureIntro + "\n\nThe Canonical String for this request should have been\n'POST\n/dev/pets/a%2520b\n",
		},
		{
			name: "unsigned payload refused by default",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{method: "POST", body: "x", payloadHash: UnsignedPayload, signPayload: true})
			},
			wantCode: CodeInvalidSignature, prefix: true, wantMsg: msgSignatureIntro,
		},
		{
			name: "wrong secret",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{cred: Credential{AccessKeyID: tKeyID, SecretAccessKey: "not-the-secret"}})
			},
			wantCode: CodeInvalidSignature, prefix: true, wantMsg: msgSignatureIntro,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.fix
			if f.now.IsZero() {
				f.now = tTime
			}
			if f.tempExpires.IsZero() {
				f.tempExpires = tTime.Add(time.Hour)
			}
			v := f.verifier(t, tt.opts)
			_, err := v.Verify(context.Background(), tt.req(t))
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want *Error", err)
			}
			if se.Code != tt.wantCode {
				t.Errorf("code = %v, want %v (%s)", se.Code, tt.wantCode, se.Message)
			}
			if tt.prefix && !strings.HasPrefix(se.Message, tt.wantMsg) || !tt.prefix && se.Message != tt.wantMsg {
				t.Errorf("message:\n got %q\nwant %q", se.Message, tt.wantMsg)
			}
			// VerifyCredential refuses with exactly the same error.
			if _, _, err2 := v.VerifyCredential(context.Background(), tt.req(t)); fmt.Sprint(err2) != fmt.Sprint(err) {
				t.Errorf("VerifyCredential: %v, Verify: %v", err2, err)
			}
		})
	}
}

func TestVerifyAccepts(t *testing.T) {
	tests := []struct {
		name     string
		now      time.Time
		opts     func(*Options)
		req      func(t *testing.T) *Request
		wantCreq string // canonical request prefix
	}{
		{name: "header form, stage path encoded twice", req: func(t *testing.T) *Request { return signed(t, signSpec{}) }, wantCreq: "GET\n/dev/pets/a%2520b\n"},
		{name: "skew exactly 5 minutes", now: tTime.Add(5 * time.Minute), req: func(t *testing.T) *Request { return signed(t, signSpec{}) }},
		{name: "presigned within expiry", now: tTime.Add(59 * time.Minute), req: func(t *testing.T) *Request { return signed(t, signSpec{presign: true}) }},
		{name: "query with plus and space", req: func(t *testing.T) *Request { return signed(t, signSpec{query: "q=a+b&r=c%20d&empty"}) }, wantCreq: "GET\n/dev/pets/a%2520b\nempty=&q=a%20b&r=c%20d\n"},
		{
			name: "temporary credentials with token",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{cred: Credential{AccessKeyID: tTempID, SecretAccessKey: tTempSec, SessionToken: tToken}})
			},
		},
		{
			name: "presigned temporary credentials",
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{presign: true, cred: Credential{AccessKeyID: tTempID, SecretAccessKey: tTempSec, SessionToken: tToken}})
			},
		},
		{
			name: "date header instead of x-amz-date",
			req: func(t *testing.T) *Request {
				r := signed(t, signSpec{header: http.Header{"Date": {tTime.Format(http.TimeFormat)}}})
				// Re-sign with Date only: drop X-Amz-Date from the signed set.
				h := http.Header{"Host": {tHost}, "Date": {tTime.Format(http.TimeFormat)}}
				creq := CanonicalRequest("GET", "/dev/pets/a%2520b", "", CanonicalHeaders(h, tHost, []string{"date", "host"}), []string{"date", "host"}, EmptyPayloadHash)
				scope := Scope{Date: "20240101", Region: "us-east-1", Service: "execute-api"}
				sig := SignString(DeriveKey(tSecret, scope), StringToSign("20240101T120000Z", scope, creq))
				h.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+tKeyID+"/"+scope.String()+", SignedHeaders=date;host, Signature="+sig)
				r.Header = h
				return r
			},
		},
		{
			name: "query with plus signed as a literal plus",
			req: func(t *testing.T) *Request {
				// A signer that does not form-decode the query signs '+' as %2B.
				h := http.Header{"Host": {tHost}, "X-Amz-Date": {"20240101T120000Z"}}
				signedHeaders := []string{"host", "x-amz-date"}
				creq := CanonicalRequest("GET", "/dev/pets/a%2520b", "q=a%2Bb", CanonicalHeaders(h, tHost, signedHeaders), signedHeaders, EmptyPayloadHash)
				scope := Scope{Date: "20240101", Region: "us-east-1", Service: "execute-api"}
				sig := SignString(DeriveKey(tSecret, scope), StringToSign("20240101T120000Z", scope, creq))
				h.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+tKeyID+"/"+scope.String()+", SignedHeaders=host;x-amz-date, Signature="+sig)
				return &Request{Method: "GET", RawPath: "/dev/pets/a%20b", RawQuery: "q=a+b", Host: tHost, Header: h, PayloadHash: EmptyPayloadHash}
			},
			wantCreq: "GET\n/dev/pets/a%2520b\nq=a%2Bb\n",
		},
		{
			name: "header form, signature in upper-case hex",
			req: func(t *testing.T) *Request {
				r := signed(t, signSpec{})
				a := r.Header.Get("Authorization")
				i := strings.LastIndex(a, "Signature=") + len("Signature=")
				r.Header.Set("Authorization", a[:i]+strings.ToUpper(a[i:]))
				return r
			},
		},
		{
			name: "presigned, signature in upper-case hex",
			req: func(t *testing.T) *Request {
				r := signed(t, signSpec{presign: true})
				i := strings.LastIndex(r.RawQuery, "X-Amz-Signature=") + len("X-Amz-Signature=")
				r.RawQuery = r.RawQuery[:i] + strings.ToUpper(r.RawQuery[i:])
				return r
			},
		},
		{
			name: "presigned, session token added after signing",
			req: func(t *testing.T) *Request {
				cred := Credential{AccessKeyID: tTempID, SecretAccessKey: tTempSec, SessionToken: tToken}
				h := http.Header{"Host": {tHost}}
				s := Sign(SignInput{Request: &Request{Method: "GET", RawPath: "/dev/pets", RawQuery: "q=a+b", Host: tHost, Header: h, PayloadHash: EmptyPayloadHash},
					Credential: cred, Scope: Scope{Region: "us-east-1", Service: "execute-api"}, Time: tTime, Presign: true, Expires: time.Hour, OmitSessionToken: true})
				return &Request{Method: "GET", RawPath: "/dev/pets", RawQuery: s.RawQuery, Host: tHost, Header: http.Header{}, PayloadHash: EmptyPayloadHash}
			},
			wantCreq: "GET\n/dev/pets\nX-Amz-Algorithm=AWS4-HMAC-SHA256&",
		},
		{
			name: "unsigned payload when allowed",
			opts: func(o *Options) { o.AllowUnsignedPayload = true },
			req: func(t *testing.T) *Request {
				return signed(t, signSpec{method: "POST", body: "x", payloadHash: UnsignedPayload, signPayload: true})
			},
		},
		{
			name: "normalised path signature",
			req: func(t *testing.T) *Request {
				h := http.Header{"Host": {tHost}}
				s := Sign(SignInput{Request: &Request{Method: "GET", RawPath: "/dev/./pets//x", Host: tHost, Header: h, PayloadHash: EmptyPayloadHash},
					Credential: Credential{AccessKeyID: tKeyID, SecretAccessKey: tSecret}, Scope: Scope{Region: "us-east-1", Service: "execute-api"}, Time: tTime, NormalizePath: true})
				return &Request{Method: "GET", RawPath: "/dev/./pets//x", Host: tHost, Header: s.Header, PayloadHash: EmptyPayloadHash}
			},
			wantCreq: "GET\n/dev/pets/x\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fixture{now: tt.now, tempExpires: tTime.Add(time.Hour)}
			if f.now.IsZero() {
				f.now = tTime
			}
			v := f.verifier(t, tt.opts)
			res, err := v.Verify(context.Background(), tt.req(t))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			cred, token, err := v.VerifyCredential(context.Background(), tt.req(t))
			if err != nil || cred.AccessKeyID != res.Credential.AccessKeyID || token != res.SessionToken {
				t.Errorf("VerifyCredential = %q, %q, %v; Verify: %q, %q", cred.AccessKeyID, token, err, res.Credential.AccessKeyID, res.SessionToken)
			}
			if got := res.CanonicalRequest(); !strings.HasPrefix(got, tt.wantCreq) {
				t.Errorf("canonical request %q, want prefix %q", got, tt.wantCreq)
			}
		})
	}
}

func TestVerifyStrictPathRefusesNormalisedSignature(t *testing.T) {
	f := fixture{now: tTime}
	h := http.Header{"Host": {tHost}}
	s := Sign(SignInput{Request: &Request{Method: "GET", RawPath: "/dev/./x", Host: tHost, Header: h, PayloadHash: EmptyPayloadHash},
		Credential: Credential{AccessKeyID: tKeyID, SecretAccessKey: tSecret}, Scope: Scope{Region: "us-east-1", Service: "execute-api"}, Time: tTime, NormalizePath: true})
	req := &Request{Method: "GET", RawPath: "/dev/./x", Host: tHost, Header: s.Header, PayloadHash: EmptyPayloadHash}
	_, err := f.verifier(t, func(o *Options) { o.StrictPath = true }).Verify(context.Background(), req)
	var se *Error
	if !errors.As(err, &se) || se.Code != CodeInvalidSignature {
		t.Fatalf("got %v, want InvalidSignature", err)
	}
}

func TestVerifyMismatchMessage(t *testing.T) {
	f := fixture{now: tTime}
	r := signed(t, signSpec{})
	r.Method = "DELETE"
	_, err := f.verifier(t, nil).Verify(context.Background(), r)
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("got %v", err)
	}
	creq := "DELETE\n/dev/pets/a%2520b\n\nhost:" + tHost + "\nx-amz-date:20240101T120000Z\n\nhost;x-amz-date\n" + EmptyPayloadHash
	sts := StringToSign("20240101T120000Z", Scope{"20240101", "us-east-1", "execute-api"}, creq)
	want := "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'" + creq + "'\n\nThe String-to-Sign should have been\n'" + sts + "'\n"
	if se.Message != want {
		t.Errorf("message:\n got %q\nwant %q", se.Message, want)
	}
}

func TestVerifyLookupFailureIsInternal(t *testing.T) {
	boom := errors.New("store down")
	f := fixture{now: tTime, lookupErr: boom}
	_, err := f.verifier(t, nil).Verify(context.Background(), signed(t, signSpec{}))
	var se *Error
	if errors.As(err, &se) || !errors.Is(err, boom) {
		t.Fatalf("got %v, want wrapped internal error", err)
	}
}

func TestVerifyLazyPayloadHash(t *testing.T) {
	f := fixture{now: tTime}
	v := f.verifier(t, nil)
	calls := 0
	hash := func() (string, error) { calls++; return HashPayload([]byte("body")), nil }

	bad := &Request{Method: "POST", RawPath: "/dev/x", Host: tHost, Header: http.Header{}, HashPayload: hash}
	if _, err := v.Verify(context.Background(), bad); err == nil {
		t.Fatal("unsigned request accepted")
	}
	if calls != 0 {
		t.Errorf("payload hashed %d times for a request without a signature", calls)
	}
	good := signed(t, signSpec{method: "POST", path: "/dev/x", body: "body"})
	good.PayloadHash = ""
	good.HashPayload = hash
	if _, err := v.Verify(context.Background(), good); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("payload hashed %d times, want 1", calls)
	}
}

func TestKeyCacheBounded(t *testing.T) {
	c := newKeyCache(2)
	s1 := Scope{"20240101", "us-east-1", "execute-api"}
	s2 := Scope{"20240102", "us-east-1", "execute-api"}
	s3 := Scope{"20240103", "us-east-1", "execute-api"}
	for _, s := range []Scope{s1, s2, s3} {
		checkSigningKey(t, c.get("AKID", "secret", s), "secret", s)
		// Again: the cached key and a pooled HMAC state.
		checkSigningKey(t, c.get("AKID", "secret", s), "secret", s)
	}
	if c.len() != 2 {
		t.Errorf("cache holds %d entries, want 2", c.len())
	}
	// A rotated secret must not reuse the cached key or its HMAC states.
	checkSigningKey(t, c.get("AKID", "rotated", s3), "rotated", s3)
	checkSigningKey(t, c.get("AKID", "rotated", s3), "rotated", s3)
}

// checkSigningKey checks that k is the key derived from secret for scope
// and that it signs as SignString does, twice (the second time with a
// reused HMAC state).
func checkSigningKey(t *testing.T, k *signingKey, secret string, scope Scope) {
	t.Helper()
	want := DeriveKey(secret, scope)
	if string(k.key) != string(want) {
		t.Fatalf("derived key mismatch for %v", scope)
	}
	for _, msg := range []string{"first message", "second, longer message to sign"} {
		var got [32]byte
		k.sign([]byte(msg), &got)
		if hex.EncodeToString(got[:]) != SignString(want, msg) {
			t.Fatalf("signature of %q under the key for %v differs from SignString", msg, scope)
		}
	}
}

func TestNormalizePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/"}, {"/", "/"}, {"//", "/"}, {"/a/b/../..", "/"}, {"/a/..", "/"}, {"/./a", "/a"},
		{"/a/.", "/a/"}, {"//a//", "/a/"}, {"/a/b/../c", "/a/c"}, {"/../../a", "/a"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := NormalizePath(tt.in); got != tt.want {
				t.Errorf("NormalizePath(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
