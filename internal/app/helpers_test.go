package app

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/sam"
	"github.com/gatehouse/gatehouse/internal/sigv4"
	"github.com/gatehouse/gatehouse/internal/syncbuf"
)

// The helpers shared by the end-to-end tests of this package: starting an
// App from a config or a template, recording backends, signing requests
// with the AWS SDK for Go v2, SDK clients for STS and the idp listener, and
// the example files under docs/ and examples/.

// ---- Starting an App

type testApp struct {
	*App
	cfg  string // the config or template file
	logs *syncbuf.Buffer
}

// writeConfig writes cfg to gatehouse.yaml in a new temporary directory and
// returns its path.
func writeConfig(t testing.TB, cfg string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "gatehouse.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// testOptions serve the config or template at path with the gateway on a
// random loopback port, data in a temporary directory, and debug logs and
// function output in logs.
func testOptions(t testing.TB, path string, logs *syncbuf.Buffer) Options {
	return Options{
		ConfigPath: path, Listen: "127.0.0.1:0", DataDir: t.TempDir(),
		DrainTimeout: 5 * time.Second,
		Logger:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Stdout:       logs, Stderr: logs,
	}
}

// launch builds an App with testOptions for path, adjusted by edit, and
// starts it. New's error is returned with a testApp holding only the logs
// so far; a Start error fails the test. The App shuts down when the test
// ends.
func launch(t testing.TB, path string, edit func(*Options)) (*testApp, error) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	o := testOptions(t, path, logs)
	edit(&o)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := New(ctx, o)
	if err != nil {
		cancel()
		return &testApp{cfg: path, logs: logs}, err
	}
	if err := a.Start(ctx); err != nil {
		cancel()
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		_ = a.Shutdown(context.Background())
		cancel()
	})
	return &testApp{App: a, cfg: path, logs: logs}, nil
}

// start runs an App on loopback ports with the given config text.
func start(t *testing.T, cfg string) *testApp { return startB(t, cfg) }

func startB(t testing.TB, cfg string) *testApp {
	t.Helper()
	return startFile(t, writeConfig(t, cfg))
}

// withAdmin adds the admin listener, with token test-admin-token.
func withAdmin(o *Options) { o.AdminListen, o.AdminToken = "127.0.0.1:0", "test-admin-token" }

// startFile runs an App serving the config or template at path, with the
// admin listener.
func startFile(t testing.TB, path string) *testApp {
	t.Helper()
	ta, err := launch(t, path, withAdmin)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return ta
}

// fakeClock is the injected clock of security decisions.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

// fixedClock stands at 2026-03-01T10:00:00Z, the time the signature dates
// in the expected answers assume.
func fixedClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// iamEnv is the environment the app reads the root credentials from.
func iamEnv(k string) string {
	switch k {
	case "GATEHOUSE_ACCESS_KEY_ID":
		return "AKIAROOTKEY00001"
	case "GATEHOUSE_SECRET_ACCESS_KEY":
		return "root-secret"
	}
	return ""
}

// startIAM runs an App like start, with a fake clock and the root key.
func startIAM(t testing.TB, cfg string, clk *fakeClock) *testApp {
	t.Helper()
	ta, err := tryStartIAM(t, cfg, clk)
	if err != nil {
		t.Fatal(err)
	}
	return ta
}

func tryStartIAM(t testing.TB, cfg string, clk *fakeClock) (*testApp, error) {
	t.Helper()
	return launch(t, writeConfig(t, cfg), func(o *Options) { o.Now, o.Getenv = clk.Now, iamEnv })
}

// withTemplate serves a template with tmpl, the idp and admin listeners,
// the environment env and, when clk is set, a fake clock.
func withTemplate(tmpl sam.Options, env map[string]string, clk *fakeClock) func(*Options) {
	return func(o *Options) {
		withAdmin(o)
		o.Template, o.IdpListen = tmpl, "127.0.0.1:0"
		o.Getenv = func(k string) string { return env[k] }
		if clk != nil {
			o.Now = clk.Now
		}
	}
}

// newTemplateApp builds an App for the template at path without starting it.
func newTemplateApp(t testing.TB, path string, tmpl sam.Options, env map[string]string, clk *fakeClock) (*App, *syncbuf.Buffer, error) {
	t.Helper()
	logs := &syncbuf.Buffer{}
	o := testOptions(t, path, logs)
	withTemplate(tmpl, env, clk)(&o)
	a, err := New(context.Background(), o)
	return a, logs, err
}

// startTemplate serves the template (or config) at path on random loopback
// ports, the idp listener included.
func startTemplate(t *testing.T, path string, tmpl sam.Options, env map[string]string, clk *fakeClock) *testApp {
	t.Helper()
	needNode(t)
	ta, err := launch(t, path, withTemplate(tmpl, env, clk))
	if err != nil {
		t.Fatalf("serve %s: %v\n%s", path, err, ta.logs.String())
	}
	return ta
}

func needNode(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed")
	}
}

// echoFunction returns the absolute path of the Node.js function that
// answers with the event it receives; it skips the test without node.
func echoFunction(t *testing.T) string {
	t.Helper()
	needNode(t)
	abs, err := filepath.Abs("testdata/functions/echo")
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// ---- Calling the gateway and the admin API

// do sends a request to the gateway with an optional Host.
func (ta *testApp) do(t *testing.T, method, host, path string, body io.Reader, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+ta.GatewayAddr+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// authHeader is the header pair for ta.do that sends tok as the
// Authorization header, or none when tok is empty.
func authHeader(tok string) []string {
	if tok == "" {
		return nil
	}
	return []string{"Authorization", tok}
}

// admin sends GET path to the admin listener, with token as a bearer token
// unless it is empty.
func (ta *testApp) admin(t *testing.T, path, token string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+ta.AdminAddr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// wantResponse fails the test unless the response has exactly status want
// and body wantBody.
func wantResponse(t *testing.T, resp *http.Response, body string, want int, wantBody string) {
	t.Helper()
	if resp.StatusCode != want || body != wantBody {
		t.Fatalf("got %d %q, want %d %q", resp.StatusCode, body, want, wantBody)
	}
}

// bodyMatches compares exactly, or by prefix when want ends with "…".
func bodyMatches(got, want string) bool {
	if p, ok := strings.CutSuffix(want, "…"); ok {
		return strings.HasPrefix(got, p)
	}
	return got == want
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// getResult sends GET url and returns "status body", or the error's text.
func getResult(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return err.Error()
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

// ---- Backends

// backend is a real HTTP server that records what it received.
type backend struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func newBackend(t *testing.T, h http.HandlerFunc) *backend {
	t.Helper()
	b := &backend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		b.reqs = append(b.reqs, r.Clone(context.Background()))
		b.body = append(b.body, body)
		b.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "backend %s %s", r.Method, r.URL.RequestURI())
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *backend) last(t *testing.T) *http.Request {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.reqs) == 0 {
		t.Fatal("backend received no request")
	}
	return b.reqs[len(b.reqs)-1]
}

func (b *backend) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.reqs)
}

// lastBody is the body of the last request the backend received.
func (b *backend) lastBody() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.body[len(b.body)-1]
}

// echoedEvent is what the echo function answers: the event it received.
type echoedEvent struct {
	Headers        map[string]string `json:"headers"`
	RequestContext struct {
		AccountID  string         `json:"accountId"`
		Identity   map[string]any `json:"identity"`
		Authorizer map[string]any `json:"authorizer"`
	} `json:"requestContext"`
}

// lambdaEvent calls a route whose function echoes its event and decodes it.
func lambdaEvent(t *testing.T, ta *testApp, host, path string, key aws.Credentials, at time.Time) echoedEvent {
	t.Helper()
	resp, body := ta.signed(t, signedReq{method: "GET", host: host, path: path, key: key, at: at})
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	var ev echoedEvent
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		t.Fatalf("event: %v\n%s", err, body)
	}
	return ev
}

// ---- IAM principals and signed requests

func creds(id, secret string) aws.Credentials {
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
}

// The users of iamConfig, and the root key of iamEnv.
var (
	alice = creds("AKIAALICE0000001", "alice-secret")
	bob   = creds("AKIABOB000000001", "bob-secret")
	carol = creds("AKIACAROL0000001", "carol-secret")
	dave  = creds("AKIADAVE00000001", "dave-secret")
	root  = creds("AKIAROOTKEY00001", "root-secret")
)

// ownerIAM begins the IAM config of the API owner's account 123456789012
// (us-east-1, behind a trusted loopback proxy) with the managed policy
// invoke-all: execute-api:Invoke on every API of the account. What follows
// it continues iam.policies.
const ownerIAM = `
settings:
  region: us-east-1
  accountId: "123456789012"
  trustedProxies: [127.0.0.1/32]
iam:
  policies:
    - name: invoke-all
      document:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:us-east-1:123456789012:*"}
`

// iamConfig declares IAM principals in native config:
//   - alice may invoke everything of iamapi0001 and assume role invoker;
//   - bob is allowed everything but explicitly denied /admin;
//   - carol and dave have no identity policy.
const iamConfig = ownerIAM + `  users:
    - name: alice
      accessKeys: [{id: AKIAALICE0000001, secret: alice-secret}]
      managedPolicies: [invoke-all]
      policies:
        - name: assume
          document:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: "sts:AssumeRole", Resource: "*"}
    - name: bob
      accessKeys: [{id: AKIABOB000000001, secret: bob-secret}]
      policies:
        - name: no-admin
          document:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: "execute-api:*", Resource: "*"}
              - {Sid: NoAdmin, Effect: Deny, Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*/*/*/admin*"}
    - name: carol
      accessKeys: [{id: AKIACAROL0000001, secret: carol-secret}]
    - name: dave
      accessKeys: [{id: AKIADAVE00000001, secret: dave-secret}]
  roles:
    - name: invoker
      managedPolicies: [invoke-all]
` + aliceMayAssume + `    - name: limited
` + aliceMayAssume

// aliceMayAssume is the trust policy of iamConfig's roles: alice may assume
// them.
const aliceMayAssume = `      trustPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::123456789012:user/alice"}
            Action: sts:AssumeRole
`

// signedAPI is REST API iamapi0001 (stage dev) whose routes need SigV4
// unless they say otherwise: ANY /{proxy+} goes to backendURL/{proxy}, then
// come routes, in which %[1]s stands for backendURL.
func signedAPI(backendURL string, routes ...string) string {
	return fmt.Sprintf(`
apis:
  - name: signed
    id: iamapi0001
    kind: rest
    stages: [{name: dev}]
    defaultAuthorizer: AWS_IAM
    routes:
      - route: ANY /{proxy+}
        integration: {http: {url: "%[1]s/{proxy}"}}
`+strings.Join(routes, ""), backendURL)
}

// signedHost is the execute-api host of signedAPI.
const signedHost = "iamapi0001.execute-api.localhost"

// rootRoute is the route of signedAPI for GET /, to the backend's /root.
const rootRoute = `      - route: GET /
        integration: {http: {url: "%[1]s/root"}}
`

// signedReq describes a request signed with the AWS SDK for Go v2 signer.
type signedReq struct {
	method, host, path string
	body               string
	key                aws.Credentials // zero: unsigned
	at                 time.Time       // signing time
	presign            bool
	chunked            bool // send the body without Content-Length
	header             []string
	// tamper changes the request after signing.
	tamper func(r *http.Request)
}

func (ta *testApp) signed(t *testing.T, s signedReq) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	req, err := http.NewRequest(s.method, "http://"+ta.GatewayAddr+s.path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = s.host
	if s.chunked {
		req.ContentLength = -1
	}
	for i := 0; i+1 < len(s.header); i += 2 {
		req.Header.Add(s.header[i], s.header[i+1])
	}
	if s.key.AccessKeyID != "" {
		hash := sigv4.HashPayload([]byte(s.body))
		if s.presign {
			u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), s.key, req, hash, "execute-api", "us-east-1", s.at)
			if err != nil {
				t.Fatal(err)
			}
			if req, err = http.NewRequest(s.method, u, body); err != nil {
				t.Fatal(err)
			}
			req.Host = s.host
			for k, v := range hdr {
				if !strings.EqualFold(k, "Host") {
					req.Header[k] = v
				}
			}
		} else if err := signV4(req, s.key, hash, s.at); err != nil {
			t.Fatal(err)
		}
	}
	if s.tamper != nil {
		s.tamper(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", s.method, s.path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signV4 signs r in place with key at time at, for execute-api in
// us-east-1, as the AWS SDK for Go v2 does; hash is the payload's SHA-256.
func signV4(r *http.Request, key aws.Credentials, hash string, at time.Time) error {
	return v4.NewSigner().SignHTTP(context.Background(), key, r, hash, "execute-api", "us-east-1", at)
}

// signedCase is a GET or other call signed with key (unsigned when key is
// zero) and the exact answer it gets.
type signedCase struct {
	name, method, path string
	key                aws.Credentials
	wantStatus         int
	wantBody           string
}

// checkSigned runs each case as a subtest: the call goes to host (the
// gateway's address when empty), signed at clk's time, and its status and
// body must be exactly the case's.
func (ta *testApp) checkSigned(t *testing.T, host string, clk *fakeClock, tests []signedCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := ta.signed(t, signedReq{method: tc.method, host: host, path: tc.path, key: tc.key, at: clk.Now()})
			wantResponse(t, resp, body, tc.wantStatus, tc.wantBody)
		})
	}
}

// ---- STS

// stsEndpoint serves an App's STS API on a loopback port of its own until
// the test ends.
type stsEndpoint struct{ *httptest.Server }

func newSTSEndpoint(t *testing.T, ta *testApp) stsEndpoint {
	t.Helper()
	srv := httptest.NewServer(ta.stsHandler())
	t.Cleanup(srv.Close)
	return stsEndpoint{srv}
}

// client is an AWS SDK for Go v2 STS client of the endpoint that signs with
// c; opts adjust its options (noRetry).
func (e stsEndpoint) client(c aws.Credentials, opts ...func(*sts.Options)) *sts.Client {
	return sts.NewFromConfig(aws.Config{
		Region: "us-east-1", HTTPClient: e.Client(),
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
	}, append([]func(*sts.Options){func(o *sts.Options) { o.BaseEndpoint = aws.String(e.URL) }}, opts...)...)
}

// noRetry makes an STS client give up after its first attempt.
func noRetry(o *sts.Options) { o.RetryMaxAttempts = 1 }

// assumeRole assumes the role roleARN as session and returns the session's
// credentials; edit adjusts the request.
func assumeRole(t *testing.T, c *sts.Client, roleARN, session string, edit ...func(*sts.AssumeRoleInput)) aws.Credentials {
	t.Helper()
	in := &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(session)}
	for _, f := range edit {
		f(in)
	}
	out, err := c.AssumeRole(context.Background(), in)
	if err != nil {
		t.Fatalf("AssumeRole %s: %v", roleARN, err)
	}
	return aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}
}

// ---- Cognito

// idpClient is the AWS SDK for Go's Cognito client pointed at a's idp
// listener, anonymous, reading responses eagerly.
func idpClient(a *App) *cip.Client {
	return cip.New(cip.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + a.IdpAddr),
		Credentials:  aws.AnonymousCredentials{},
		HTTPClient:   eagerHTTP{&http.Client{Timeout: 20 * time.Second}},
	})
}

// eagerHTTP reads responses whole before the SDK sees them: under -race the
// SDK sometimes fails to read small bodies ("use of closed network
// connection"), reproduced against a static handler (see idp/cognito tests).
type eagerHTTP struct{ c *http.Client }

func (e eagerHTTP) Do(r *http.Request) (*http.Response, error) {
	resp, err := e.c.Do(r)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// signIn signs in with USER_PASSWORD_AUTH through the AWS SDK for Go's
// Cognito client pointed at the idp listener and returns the ID and access
// tokens.
func signIn(t *testing.T, a *App, clientID, user, password string) (id, access string) {
	t.Helper()
	out, err := idpClient(a).InitiateAuth(context.Background(), &cip.InitiateAuthInput{
		AuthFlow:       ciptypes.AuthFlowTypeUserPasswordAuth,
		ClientId:       aws.String(clientID),
		AuthParameters: map[string]string{"USERNAME": user, "PASSWORD": password},
	})
	if err != nil {
		t.Fatalf("InitiateAuth %s: %v", user, err)
	}
	if out.AuthenticationResult == nil {
		t.Fatalf("InitiateAuth %s: challenge %s instead of tokens", user, out.ChallengeName)
	}
	return aws.ToString(out.AuthenticationResult.IdToken), aws.ToString(out.AuthenticationResult.AccessToken)
}

// claims decodes the payload of the JWT tok without verifying it.
func claims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// ---- Examples

// docExample returns the yaml block that follows `<!-- example: name -->`
// in a docs page.
func docExample(t *testing.T, page, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/" + page)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- example: " + regexp.QuoteMeta(name) + " -->\n```yaml\n(.*?)```")
	m := re.FindSubmatch(b)
	if m == nil {
		t.Fatalf("docs/%s has no example %q", page, name)
	}
	return string(m[1])
}

// examplePath returns the absolute path of examples/<elem...>.
func examplePath(t testing.TB, elem ...string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(append([]string{"..", "..", "examples"}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// samExample returns the absolute path of examples/sam/<dir>/template.yaml.
func samExample(t testing.TB, dir string) string {
	t.Helper()
	return examplePath(t, "sam", dir, "template.yaml")
}

// output returns the template output called name.
func output(t *testing.T, a *App, name string) string {
	t.Helper()
	for _, o := range a.Outputs() {
		if o.Name == name {
			return o.Value
		}
	}
	t.Fatalf("no output %s in %+v", name, a.Outputs())
	return ""
}

// restDenial is a REST API's ACCESS_DENIED body (reference §4.3 step 10,
// §5.5) for caller ("anonymous" when unsigned) on method, the method ARN's
// tail apiId/stage/VERB/path; the account in the ARN is masked. explicit
// adds AWS's " with an explicit deny".
func restDenial(caller, method string, explicit bool) string {
	msg := `{"Message":"User: ` + caller + ` is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:` + method
	if explicit {
		msg += " with an explicit deny"
	}
	return msg + `"}`
}
