package iam

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/sigv4"
)

var update = flag.Bool("update", false, "rewrite golden files")

type stsFixture struct {
	clk   *fakeClock
	dir   *Directory
	store *MemorySessions
	srv   *httptest.Server
}

// newSTSFixture starts the STS handler on loopback. The clock starts at the
// real time because the AWS SDK signs with the real time.
func newSTSFixture(t *testing.T) *stsFixture {
	t.Helper()
	clk := &fakeClock{t: time.Now().UTC()}
	store := NewMemorySessions(100, time.Hour, clk.Now)
	dir := testDirectory(t, store)
	h, err := NewSTS(STSOptions{Directory: func() *Directory { return dir }, Region: "us-east-1", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &stsFixture{clk: clk, dir: dir, store: store, srv: srv}
}

func (f *stsFixture) client(id, secret, token string) *sts.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(id, secret, token), HTTPClient: f.srv.Client()}
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.BaseEndpoint = aws.String(f.srv.URL)
		o.RetryMaxAttempts = 1
	})
}

func apiErr(t *testing.T, err error) (string, string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an API error", err)
	}
	return ae.ErrorCode(), ae.ErrorMessage()
}

func TestAssumeRoleWithAWSSDK(t *testing.T) {
	f := newSTSFixture(t)
	ctx := context.Background()
	alice := f.client("AKIAALICE0000001", "alice-secret", "")

	out, err := alice.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/svc/alice-only"), RoleSessionName: aws.String("build-42"), DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := out.Credentials
	if !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(*c.AccessKeyId) || len(*c.SecretAccessKey) != 40 || len(*c.SessionToken) < 100 {
		t.Errorf("credentials shape: id %q secret len %d token len %d", *c.AccessKeyId, len(*c.SecretAccessKey), len(*c.SessionToken))
	}
	if want := f.clk.Now().Add(900 * time.Second).Truncate(time.Second); !c.Expiration.Equal(want) {
		t.Errorf("expiration %v, want %v", c.Expiration, want)
	}
	role, _ := f.dir.Role("alice-only")
	if got := *out.AssumedRoleUser.Arn; got != "arn:aws:sts::123456789012:assumed-role/alice-only/build-42" {
		t.Errorf("assumed role arn %q", got)
	}
	if got := *out.AssumedRoleUser.AssumedRoleId; got != role.RoleID+":build-42" || !strings.HasPrefix(got, "AROA") {
		t.Errorf("assumed role id %q", got)
	}

	// The session works through X-Amz-Security-Token: GetCallerIdentity.
	sess := f.client(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	who, err := sess.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with session: %v", err)
	}
	if *who.Arn != "arn:aws:sts::123456789012:assumed-role/alice-only/build-42" || *who.Account != testAccount || *who.UserId != role.RoleID+":build-42" {
		t.Errorf("caller identity %s %s %s", *who.Arn, *who.Account, *who.UserId)
	}

	// And through the execute-api verifier the gateway uses.
	v, err := sigv4.NewVerifier(sigv4.Options{Region: "us-east-1", Now: f.clk.Now, Lookup: f.dir.Lookup})
	if err != nil {
		t.Fatal(err)
	}
	sign := func(t *testing.T, at time.Time) *sigv4.Request {
		t.Helper()
		hr := httptest.NewRequest("GET", "https://abc123.execute-api.us-east-1.amazonaws.com/dev/pets", nil)
		creds := aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
		if err := v4.NewSigner().SignHTTP(ctx, creds, hr, sigv4.EmptyPayloadHash, "execute-api", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
		r := sigv4.FromHTTP(hr)
		r.PayloadHash = sigv4.EmptyPayloadHash
		return r
	}
	res, err := v.Verify(ctx, sign(t, f.clk.Now()))
	if err != nil {
		t.Fatalf("execute-api request with session: %v", err)
	}
	id, _ := IdentityOf(res.Credential)
	if id.Type != TypeAssumedRole || id.ARN != role.ARN || id.SessionARN != *out.AssumedRoleUser.Arn || id.Tags["team"] != "red" ||
		len(id.Policies) != 1 || id.TokenIssueTime.IsZero() {
		t.Errorf("session identity %+v", id)
	}

	// Expiry: the same key now answers ExpiredToken.
	f.clk.Advance(901 * time.Second)
	_, err = v.Verify(ctx, sign(t, f.clk.Now()))
	if ge := GatewayError(err); ge.Type != gwresp.ExpiredToken || ge.Header.Get("X-Amzn-Errortype") != "ExpiredTokenException" {
		t.Errorf("expired session: %v → %+v", err, ge)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		key      [2]string
		in       sts.AssumeRoleInput
		wantCode string
		wantMsg  string
	}{
		{name: "trust policy names another user", key: [2]string{"AKIABOB000000001", "bob-secret"},
			in:       sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/svc/alice-only"), RoleSessionName: aws.String("s1")},
			wantCode: "AccessDenied", wantMsg: "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/svc/alice-only"},
		{name: "account-wide trust without identity permission", key: [2]string{"AKIACAROL0000001", "carol-secret"},
			in:       sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/account-wide"), RoleSessionName: aws.String("s1")},
			wantCode: "AccessDenied", wantMsg: "User: arn:aws:iam::123456789012:user/carol is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/account-wide"},
		{name: "unknown role", key: [2]string{"AKIABOB000000001", "bob-secret"},
			in:       sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/nope"), RoleSessionName: aws.String("s1")},
			wantCode: "AccessDenied", wantMsg: "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/nope"},
		{name: "root may not assume roles", key: [2]string{"AKIAROOT00000001", "root-secret"},
			in:       sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/account-wide"), RoleSessionName: aws.String("s1")},
			wantCode: "AccessDenied", wantMsg: "Roles may not be assumed by root accounts."},
		{name: "duration above role maximum", key: [2]string{"AKIABOB000000001", "bob-secret"},
			in:       sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/account-wide"), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7201)},
			wantCode: "ValidationError", wantMsg: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{name: "duration below 900", key: [2]string{"AKIABOB000000001", "bob-secret"},
			in:       sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/account-wide"), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(899)},
			wantCode: "ValidationError", wantMsg: "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{name: "bad session name", key: [2]string{"AKIABOB000000001", "bob-secret"},
			in:       sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/account-wide"), RoleSessionName: aws.String("a b")},
			wantCode: "ValidationError", wantMsg: "1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"},
		{name: "unknown access key", key: [2]string{"AKIANOBODY000001", "x"},
			in:       sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/account-wide"), RoleSessionName: aws.String("s1")},
			wantCode: "InvalidClientTokenId", wantMsg: "The security token included in the request is invalid."},
		{name: "wrong secret", key: [2]string{"AKIABOB000000001", "not-bobs"},
			in:       sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/account-wide"), RoleSessionName: aws.String("s1")},
			wantCode: "SignatureDoesNotMatch", wantMsg: "The request signature we calculated does not match the signature you provided."},
	}
	f := newSTSFixture(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.client(tt.key[0], tt.key[1], "").AssumeRole(ctx, &tt.in)
			code, msg := apiErr(t, err)
			if code != tt.wantCode || !strings.HasPrefix(msg, tt.wantMsg) {
				t.Errorf("got %s %q, want %s %q", code, msg, tt.wantCode, tt.wantMsg)
			}
		})
	}
	if n := f.store.Len(); n != 0 {
		t.Errorf("%d sessions stored by refused calls", n)
	}
}

func TestAssumeRoleAccountWideTrustWithIdentityPolicy(t *testing.T) {
	f := newSTSFixture(t)
	ctx := context.Background()
	out, err := f.client("AKIABOB000000001", "bob-secret", "").AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/account-wide"), RoleSessionName: aws.String("bob"), DurationSeconds: aws.Int32(7200)})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	// Role chaining: the session may assume again, but only for up to 1 hour.
	c := out.Credentials
	chained := f.client(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	_, err = chained.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/account-wide"),
		RoleSessionName: aws.String("again"), DurationSeconds: aws.Int32(3601)})
	if code, msg := apiErr(t, err); code != "ValidationError" || !strings.Contains(msg, "role chaining") {
		t.Errorf("chained 3601s: %s %q", code, msg)
	}
	// The role itself has no sts:AssumeRole permission, so chaining through
	// the account-wide trust is refused.
	_, err = chained.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/account-wide"), RoleSessionName: aws.String("again")})
	if code, msg := apiErr(t, err); code != "AccessDenied" || !strings.Contains(msg, "assumed-role/account-wide/bob") {
		t.Errorf("chained without permission: %s %q", code, msg)
	}
	// Wrong session token for the key.
	_, err = f.client(*c.AccessKeyId, *c.SecretAccessKey, "forged").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if code, _ := apiErr(t, err); code != "InvalidClientTokenId" {
		t.Errorf("forged token: %s", code)
	}
}

func TestSTSStoreFull(t *testing.T) {
	clk := &fakeClock{t: time.Now().UTC()}
	store := NewMemorySessions(1, time.Hour, clk.Now)
	dir := testDirectory(t, store)
	h, err := NewSTS(STSOptions{Directory: func() *Directory { return dir }, Region: "us-east-1", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	f := &stsFixture{clk: clk, dir: dir, store: store, srv: srv}
	in := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/account-wide"), RoleSessionName: aws.String("s1")}
	if _, err := f.client("AKIABOB000000001", "bob-secret", "").AssumeRole(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	_, err = f.client("AKIABOB000000001", "bob-secret", "").AssumeRole(context.Background(), in)
	if code, _ := apiErr(t, err); code != "Throttling" {
		t.Errorf("second session in a store of one: %s", code)
	}
}

// TestSTSWireFormat checks the exact XML bodies against golden files, with a
// fixed clock, randomness and request id.
func TestSTSWireFormat(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clk := &fakeClock{t: at}
	dir := testDirectory(t, NewMemorySessions(10, 0, clk.Now))
	h, err := NewSTS(STSOptions{Directory: func() *Directory { return dir }, Region: "us-east-1", Now: clk.Now,
		Rand: bytes.NewReader(bytes.Repeat([]byte{0x5a}, 1024)), RequestID: func() string { return "c6104cbe-af31-11e0-8154-cbc7ccf896c7" }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, golden, body string
		unsigned           bool
		wantStatus         int
	}{
		{name: "assume role", golden: "assume_role.xml", wantStatus: 200,
			body: "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fsvc%2Falice-only&RoleSessionName=golden&DurationSeconds=3600"},
		{name: "get caller identity", golden: "get_caller_identity.xml", wantStatus: 200, body: "Action=GetCallerIdentity&Version=2011-06-15"},
		{name: "access denied", golden: "error_access_denied.xml", wantStatus: 403,
			body: "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fnope&RoleSessionName=golden"},
		{name: "unknown action", golden: "error_invalid_action.xml", wantStatus: 400, body: "Action=GetSessionToken&Version=2011-06-15"},
		{name: "missing role arn", golden: "error_missing_role_arn.xml", wantStatus: 400, body: "Action=AssumeRole&Version=2011-06-15&RoleSessionName=golden"},
		{name: "unsigned", golden: "error_missing_token.xml", wantStatus: 403, body: "Action=GetCallerIdentity&Version=2011-06-15", unsigned: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}, "Host": {"sts.local"}}
			if !tt.unsigned {
				s := sigv4.Sign(sigv4.SignInput{Request: &sigv4.Request{Method: "POST", RawPath: "/", Host: "sts.local", Header: hdr, PayloadHash: sigv4.HashPayload([]byte(tt.body))},
					Credential: sigv4.Credential{AccessKeyID: "AKIAALICE0000001", SecretAccessKey: "alice-secret"},
					Scope:      sigv4.Scope{Region: "us-east-1", Service: "sts"}, Time: at})
				hdr = s.Header
			}
			r := httptest.NewRequest("POST", "http://sts.local/", strings.NewReader(tt.body))
			r.Header = hdr
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
				t.Errorf("content type %q", ct)
			}
			golden(t, filepath.Join("testdata", tt.golden), w.Body.Bytes())
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s mismatch:\n got %s\nwant %s", path, got, want)
	}
}

func TestSTSBodyBounded(t *testing.T) {
	clk := &fakeClock{t: time.Now().UTC()}
	dir := testDirectory(t, nil)
	h, err := NewSTS(STSOptions{Directory: func() *Directory { return dir }, Region: "us-east-1", Now: clk.Now, MaxBody: 16})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/", io.NopCloser(strings.NewReader(strings.Repeat("a", 17))))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", w.Code)
	}
}

func TestGatewayError(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantType  gwresp.Type
		wantMsg   string // "" = type default
		wantEType string
	}{
		{"missing token", &sigv4.Error{Code: sigv4.CodeMissingAuthenticationToken, Message: "Missing Authentication Token"}, gwresp.MissingAuthenticationToken, "", "MissingAuthenticationTokenException"},
		{"incomplete", &sigv4.Error{Code: sigv4.CodeIncompleteSignature, Message: "m1"}, gwresp.InvalidSignature, "m1", "IncompleteSignatureException"},
		{"mismatch", &sigv4.Error{Code: sigv4.CodeInvalidSignature, Message: "m2"}, gwresp.InvalidSignature, "m2", "InvalidSignatureException"},
		{"skew", &sigv4.Error{Code: sigv4.CodeSignatureExpired, Message: "Signature expired: x"}, gwresp.InvalidSignature, "Signature expired: x", "InvalidSignatureException"},
		{"unknown key", &sigv4.Error{Code: sigv4.CodeUnrecognizedClient, Message: "The security token included in the request is invalid."}, gwresp.InvalidSignature, "The security token included in the request is invalid.", "UnrecognizedClientException"},
		{"expired token", &sigv4.Error{Code: sigv4.CodeExpiredToken, Message: "x"}, gwresp.ExpiredToken, "", "ExpiredTokenException"},
		{"internal", errors.New("store down"), gwresp.AuthorizerFailure, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ge := GatewayError(tt.err)
			if ge.Type != tt.wantType {
				t.Errorf("type %s, want %s", ge.Type, tt.wantType)
			}
			var msg string
			if ge.Set && ge.Message != nil {
				msg = *ge.Message
			}
			if msg != tt.wantMsg {
				t.Errorf("message %q, want %q", msg, tt.wantMsg)
			}
			if got := ge.Header.Get("X-Amzn-Errortype"); got != tt.wantEType {
				t.Errorf("error type %q, want %q", got, tt.wantEType)
			}
			if !errors.Is(ge, tt.err) {
				t.Error("cause not kept")
			}
		})
	}
}

// TestTrustedSameAccount pins the same-account trust rule: a statement that
// lists the caller's ARN suffices; one that admits it as "*" or as a
// principal of its account also needs the caller's identity policies, even
// when a condition narrows it to the caller.
func TestTrustedSameAccount(t *testing.T) {
	const (
		wide   = `{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}`
		pinned = `{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:user/carol"}}}`
		named  = `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/carol"},"Action":"sts:AssumeRole"}`
		star   = `{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}`
	)
	trust := func(stmts ...string) *config.PolicyDocument {
		return doc(`{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`)
	}
	m := &config.IAM{
		Users: []config.IAMUser{
			{Name: "carol"}, // no identity policy
			{Name: "dave", Policies: []config.InlinePolicy{{Name: "assume", Document: doc(polAllowAssume)}}},
		},
		Roles: []config.IAMRole{
			{Name: "wide", TrustPolicy: trust(wide)},
			{Name: "pinned", TrustPolicy: trust(pinned)},
			{Name: "named", TrustPolicy: trust(named)},
			{Name: "named-and-wide", TrustPolicy: trust(wide, named)},
			{Name: "star", TrustPolicy: trust(star)},
		},
	}
	dir, err := NewDirectory(Options{IAM: m, Account: testAccount})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	s, err := NewSTS(STSOptions{Directory: func() *Directory { return dir }, Region: "us-east-1", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		role, user string
		want       bool
	}{
		{"wide", "carol", false},
		{"wide", "dave", true},
		{"pinned", "carol", false},
		{"named", "carol", true},
		{"named", "dave", false},
		{"named-and-wide", "carol", true},
		{"named-and-wide", "dave", true},
		{"star", "carol", false},
		{"star", "dave", true},
	}
	for _, tt := range tests {
		t.Run(tt.role+"/"+tt.user, func(t *testing.T) {
			role, ok := dir.Role(tt.role)
			if !ok {
				t.Fatalf("no role %s", tt.role)
			}
			caller, ok := dir.User(tt.user)
			if !ok {
				t.Fatalf("no user %s", tt.user)
			}
			r := httptest.NewRequest(http.MethodPost, "http://sts.localhost/", nil)
			if got := s.trusted(r, now, caller, role); got != tt.want {
				t.Errorf("trusted = %v, want %v", got, tt.want)
			}
		})
	}
}
