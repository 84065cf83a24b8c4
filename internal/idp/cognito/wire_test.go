package cognito

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/idp/signer"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/memory"
)

// allowAll authenticates every signed request (wire tests only).
type allowAll struct{}

func (allowAll) Authenticate(context.Context, *http.Request, []byte) error { return nil }

func newWireServer(t testing.TB) (*Server, http.Handler, store.Store) {
	t.Helper()
	st := memory.New()
	clock := &fakeClock{}
	keys, err := signer.New(signer.Config{Keys: st, Now: clock.Now, GenerateKey: fastKeys})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Store: st, Signer: keys, Auth: allowAll{}, Now: clock.Now, BaseURL: "http://idp.test",
		Hash: HashParams{Memory: 64, Time: 1, Threads: 1}, MaxBodyBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	return srv, srv.Handler(), st
}

func post(h http.Handler, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestWireErrors(t *testing.T) {
	_, h, _ := newWireServer(t)
	tests := []struct {
		name, target, body string
		wantStatus         int
		wantType           string
		wantMsg            string
	}{
		{"missing target", "", "{}", 400, "UnknownOperationException", ""},
		{"unknown operation", TargetPrefix + "Frobnicate", "{}", 400, "UnknownOperationException", ""},
		{"wrong prefix", "DynamoDB_20120810.ListTables", "{}", 400, "UnknownOperationException", ""},
		{"malformed json", TargetPrefix + "CreateUserPool", "{", 400, "InvalidParameterException", "Invalid JSON"},
		{"wrong type", TargetPrefix + "CreateUserPool", `{"PoolName":5}`, 400, "InvalidParameterException", "PoolName"},
		{"missing field", TargetPrefix + "CreateUserPool", `{}`, 400, "InvalidParameterException", "poolName"},
		{"empty body", TargetPrefix + "DescribeUserPool", ``, 400, "InvalidParameterException", "userPoolId"},
		{"unknown pool", TargetPrefix + "DescribeUserPool", `{"UserPoolId":"us-east-1_nope"}`, 400, "ResourceNotFoundException", "User pool us-east-1_nope does not exist."},
		{"unknown client", TargetPrefix + "InitiateAuth", `{"ClientId":"abc","AuthFlow":"USER_SRP_AUTH"}`, 400, "ResourceNotFoundException", "User pool client abc does not exist."},
		{"oversized", TargetPrefix + "CreateUserPool", `{"PoolName":"` + strings.Repeat("a", 5000) + `"}`, 413, "InvalidParameterException", ""},
		{"bad access token", TargetPrefix + "GetUser", `{"AccessToken":"x.y.z"}`, 400, "NotAuthorizedException", "Invalid Access Token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := post(h, tt.target, tt.body)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d (%s)", rec.Code, tt.wantStatus, rec.Body)
			}
			var body struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if body.Type != tt.wantType || !strings.Contains(body.Message, tt.wantMsg) {
				t.Errorf("body = %+v, want %s containing %q", body, tt.wantType, tt.wantMsg)
			}
			if got := rec.Header().Get("x-amzn-ErrorType"); got != tt.wantType+":" {
				t.Errorf("x-amzn-ErrorType = %q", got)
			}
			if rec.Header().Get("x-amzn-RequestId") == "" || rec.Header().Get("Content-Type") != "application/x-amz-json-1.1" {
				t.Errorf("headers %v", rec.Header())
			}
		})
	}
}

func TestPreflight(t *testing.T) {
	_, h, _ := newWireServer(t)
	req := httptest.NewRequest(http.MethodOptions, "/", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "x-amz-target") {
		t.Errorf("preflight %d %v", rec.Code, rec.Header())
	}
}

// createIssuerPools stores a pool with a local issuer and one with an AWS
// issuer.
func createIssuerPools(t *testing.T, st store.Store) []store.UserPool {
	t.Helper()
	pools := []store.UserPool{
		{ID: "us-east-1_Local1234", Name: "local"},
		{ID: "eu-west-1_Aws123456", Name: "aws", Settings: store.PoolSettings{Tokens: store.TokenSettings{AWSIssuer: true}}},
	}
	for _, p := range pools {
		if err := st.CreateUserPool(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	return pools
}

func TestDiscoveryGolden(t *testing.T) {
	srv, h, st := newWireServer(t)
	ctx := context.Background()
	for _, p := range createIssuerPools(t, st) {
		t.Run(p.Name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/"+p.ID+"/.well-known/openid-configuration", nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var got Discovery
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, srv.DiscoveryFor(p)) {
				t.Errorf("served %+v", got)
			}
			wantIss := "http://idp.test/" + p.ID
			if p.Settings.Tokens.AWSIssuer {
				wantIss = "https://cognito-idp.eu-west-1.amazonaws.com/" + p.ID
			}
			if got.Issuer != wantIss || got.JWKSURI != "http://idp.test/"+p.ID+"/.well-known/jwks.json" {
				t.Errorf("issuer %s jwks %s", got.Issuer, got.JWKSURI)
			}
			set, ok := srv.KeysForIssuer(ctx, wantIss)
			if !ok || len(set.Keys) != 2 {
				t.Errorf("KeysForIssuer(%s) = %d keys, %v", wantIss, len(set.Keys), ok)
			}
			if _, ok := srv.KeysForIssuer(ctx, "http://evil.test/"+p.ID); ok {
				t.Error("KeysForIssuer accepted a foreign issuer")
			}
		})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/us-east-1_missing/.well-known/jwks.json", nil))
	if rec.Code != 404 {
		t.Errorf("jwks of a missing pool: %d", rec.Code)
	}
}

// FuzzAPI sends arbitrary targets and bodies: the server must answer every
// one with a JSON body and never a 5xx.
func FuzzAPI(f *testing.F) {
	for _, op := range []string{"CreateUserPool", "InitiateAuth", "RespondToAuthChallenge", "SignUp", "ListUsers", "AdminCreateUser", "GetUser", "CreateUserPoolClient"} {
		f.Add(op, `{}`)
	}
	f.Add("CreateUserPool", `{"PoolName":"p","Policies":{"PasswordPolicy":{"MinimumLength":3}}}`)
	f.Add("InitiateAuth", `{"ClientId":"x","AuthFlow":"USER_SRP_AUTH","AuthParameters":{"USERNAME":"u","SRP_A":"0"}}`)
	f.Add("RespondToAuthChallenge", `{"ClientId":"x","ChallengeName":"PASSWORD_VERIFIER","ChallengeResponses":{"PASSWORD_CLAIM_SECRET_BLOCK":"!!"}}`)
	f.Add("ListUsers", `{"UserPoolId":"us-east-1_a","Filter":"email ^= \""}`)
	_, h, _ := newWireServer(f)
	f.Fuzz(func(t *testing.T, op, body string) {
		rec := post(h, TargetPrefix+op, body)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %s %q: %s", rec.Code, op, body, rec.Body)
		}
		b, _ := io.ReadAll(rec.Body)
		if !json.Valid(b) {
			t.Fatalf("invalid JSON response %q", b)
		}
	})
}

func TestMissingAuthParameter(t *testing.T) {
	srv, h, _ := newWireServer(t)
	ctx := context.Background()
	p, err := srv.createPool(ctx, "", poolIn{PoolName: "p"})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := srv.createClient(ctx, p.ID, "", "", clientIn{ClientName: "c", ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH"}})
	if err != nil {
		t.Fatal(err)
	}
	rec := post(h, TargetPrefix+"InitiateAuth", `{"ClientId":"`+cl.ClientID+`","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"PASSWORD":"x"}}`)
	if !strings.Contains(rec.Body.String(), "Missing required parameter USERNAME") || rec.Code != 400 {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
}
