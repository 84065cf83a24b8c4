package cognito

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/idp/signer"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/memory"
)

const (
	testAccessKey = "AKIDGATEHOUSETEST"
	testSecretKey = "gatehouse-test-secret-key"
	testRegion    = "us-east-1"
)

// fakeClock starts at the wall clock (SigV4 signatures from the SDK carry
// real time) and only moves when the test says so.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t      *testing.T
	st     store.Store
	srv    *Server
	ts     *httptest.Server
	clock  *fakeClock
	sdk    *cip.Client
	anon   *cip.Client // no credentials: unsigned calls only
	keys   *signer.Signer
	invoke *recordingInvoker
}

type envOpts struct {
	store    store.Store
	triggers TriggerInvoker
}

// fastKeys hands out 1024-bit keys so tests stay fast.
func fastKeys(io.Reader) (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 1024) }

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	st := o.store
	if st == nil {
		st = memory.New()
	}
	clock := &fakeClock{t: time.Now().Truncate(time.Second)}
	keys, err := signer.New(signer.Config{Keys: st, Now: clock.Now, GenerateKey: fastKeys})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK signs with the wall clock, so the verifier uses it too; the
	// server itself runs on the fake clock.
	auth, err := NewSigV4(testRegion, testAccessKey, testSecretKey, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recordingInvoker{next: o.triggers}
	e := &env{t: t, st: st, clock: clock, keys: keys, invoke: rec}
	mux := http.NewServeMux()
	e.ts = httptest.NewUnstartedServer(mux)
	e.ts.Config.ErrorLog = log.New(t.Output(), "idp http server: ", 0)
	e.ts.Start()
	t.Cleanup(e.ts.Close)
	srv, err := New(Config{
		Store: st, Signer: keys, Auth: auth, Triggers: rec, Region: testRegion, BaseURL: e.ts.URL,
		Now: clock.Now, Hash: HashParams{Memory: 64, Time: 1, Threads: 1},
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Mount(mux)
	e.srv = srv
	e.sdk = cip.New(cip.Options{
		Region: testRegion, BaseEndpoint: aws.String(e.ts.URL), HTTPClient: bufferedHTTP{e.ts.Client()},
		Credentials:      credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, ""),
		RetryMaxAttempts: 1,
	})
	e.anon = cip.New(cip.Options{
		Region: testRegion, BaseEndpoint: aws.String(e.ts.URL), HTTPClient: bufferedHTTP{e.ts.Client()},
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
	})
	return e
}

// recordingInvoker records trigger events and forwards to next.
type recordingInvoker struct {
	mu     sync.Mutex
	events []map[string]any
	next   TriggerInvoker
}

func (r *recordingInvoker) Invoke(ctx context.Context, fn string, event []byte) ([]byte, error) {
	var m map[string]any
	_ = json.Unmarshal(event, &m)
	r.mu.Lock()
	r.events = append(r.events, m)
	r.mu.Unlock()
	if r.next == nil {
		return nil, errors.New("no invoker")
	}
	return r.next.Invoke(ctx, fn, event)
}

func (r *recordingInvoker) last() map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 {
		return nil
	}
	return r.events[len(r.events)-1]
}

// nodeInvoker runs Node.js handlers from internal/idp/testdata/js through
// invoke.js; function names map to "file:export".
type nodeInvoker struct {
	node     string
	handlers map[string][2]string
}

func (n nodeInvoker) Invoke(ctx context.Context, fn string, event []byte) ([]byte, error) {
	h, ok := n.handlers[fn]
	if !ok {
		return nil, errors.New("unknown function " + fn)
	}
	dir := filepath.Join("..", "testdata", "js")
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, n.node, "invoke.js", h[0], h[1])
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(event)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 3 {
			return nil, &FunctionError{Message: stderr.String()}
		}
		return nil, err
	}
	return out, nil
}

// staticInvoker answers every invocation with fn(event).
type staticInvoker func(fn string, event map[string]any) (map[string]any, error)

func (s staticInvoker) Invoke(_ context.Context, fn string, event []byte) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(event, &m); err != nil {
		return nil, err
	}
	out, err := s(fn, m)
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}

// jwks fetches the served JWKS over HTTP.
func (e *env) jwks(poolID string) jose.JSONWebKeySet {
	e.t.Helper()
	resp, err := e.ts.Client().Get(e.ts.URL + "/" + poolID + "/.well-known/jwks.json")
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		e.t.Fatal(err)
	}
	return set
}

// verify checks a token against the served JWKS and returns its claims.
func (e *env) verify(poolID, token string) map[string]any {
	e.t.Helper()
	set := e.jwks(poolID)
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		e.t.Fatalf("parse token: %v", err)
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		e.t.Fatalf("kid %q not in served JWKS", jws.Signatures[0].Header.KeyID)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		e.t.Fatalf("verify: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		e.t.Fatal(err)
	}
	return claims
}

// bufferedHTTP reads each response body completely before handing it to
// the SDK. Under -race, aws-sdk-go-v2 (cognitoidentityprovider v1.61.0,
// Go 1.26) sometimes fails to decode response bodies larger than a few KiB
// with "use of closed network connection" on its own side of the loopback
// connection — reproduced against a trivial handler that only writes a
// static 8 KiB JSON body, so it is not gatehouse's doing. Reading eagerly
// avoids that client-side issue without changing what is on the wire.
type bufferedHTTP struct{ c *http.Client }

func (b bufferedHTTP) Do(r *http.Request) (*http.Response, error) {
	resp, err := b.c.Do(r)
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
