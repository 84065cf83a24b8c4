package jwtauth

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/gatehouse/gatehouse/internal/jwks"
)

// The fixture in test/oidc runs the npm package oidc-provider, an OpenID
// provider gatehouse did not write.
const (
	oidcDir      = "../../../test/oidc"
	oidcResource = "https://api.gatehouse.test"
	oidcClient   = "gatehouse-test"
	oidcSecret   = "gatehouse-test-secret"
)

// oidcFixture prepares node_modules (npm ci) once; it skips the test when
// node or npm is not installed.
func oidcFixture(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed: skipping the third-party OpenID provider test", tool)
		}
	}
	dir, err := filepath.Abs(oidcDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider")); err != nil {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	return dir
}

// oidcProcess is one run of the provider.
type oidcProcess struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	issuer string
	port   int
	done   chan struct{}
}

func writeKeys(t *testing.T, name string, keys ...jose.JSONWebKey) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func startProvider(t *testing.T, dir, keysFile string, port int) *oidcProcess {
	t.Helper()
	cmd := exec.Command("node", "provider.mjs", "--keys", keysFile, "--port", fmt.Sprint(port))
	cmd.Dir = dir
	cmd.Stderr = io.Discard
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &oidcProcess{cmd: cmd, stdin: stdin, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(p.stop)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line, ok := <-lines:
		if !ok {
			t.Fatal("provider exited before listening")
		}
		var hello struct {
			Issuer string `json:"issuer"`
			Port   int    `json:"port"`
		}
		if err := json.Unmarshal([]byte(line), &hello); err != nil {
			t.Fatalf("provider said %q: %v", line, err)
		}
		p.issuer, p.port = hello.Issuer, hello.Port
	case <-time.After(30 * time.Second):
		t.Fatal("provider did not start within 30s")
	}
	return p
}

// stop closes stdin (the provider exits) and waits; it kills the process
// it started if it does not exit in time.
func (p *oidcProcess) stop() {
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func fetchToken(t *testing.T, issuer, scope string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}, "resource": {oidcResource}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, issuer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(oidcClient, oidcSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("token endpoint: status %d, error %q, %v", resp.StatusCode, body.Error, err)
	}
	return body.AccessToken
}

func tokenKid(t *testing.T, tok string) string {
	t.Helper()
	c, err := parseCompact(tok)
	if err != nil {
		t.Fatal(err)
	}
	return c.header.Kid
}

// offsetClock is real time plus an offset the test advances, so the key
// set's refetch rate limit can be passed without sleeping.
type offsetClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *offsetClock) Advance(d time.Duration) { c.mu.Lock(); c.off += d; c.mu.Unlock() }

// TestThirdPartyOpenIDProvider runs oidc-provider on loopback: its JWT
// access tokens (client_credentials, resource indicator) are accepted and
// scoped by a JWT authorizer that discovers the provider's keys, and a key
// rotation at the provider (restart with a new key set) is followed.
func TestThirdPartyOpenIDProvider(t *testing.T) {
	dir := oidcFixture(t)
	gen := func(kid string) jose.JSONWebKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		return jose.JSONWebKey{Key: k, KeyID: kid, Algorithm: "RS256", Use: "sig"}
	}
	keyA, keyB := gen("key-A"), gen("key-B")

	prov := startProvider(t, dir, writeKeys(t, "a.json", keyA), 0)
	issuer := prov.issuer
	clk := &offsetClock{}
	remote, err := jwks.NewRemote(jwks.RemoteOptions{Issuer: issuer, Now: clk.Now, MinRefreshInterval: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	cache := NewCache(100)
	a, err := NewJWT(JWTConfig{Name: "oidc", Issuer: issuer, Audience: []string{oidcResource}, Keys: remote, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	wrongAud, err := NewJWT(JWTConfig{Name: "other", Issuer: issuer, Audience: []string{"https://other.example.com"}, Keys: remote})
	if err != nil {
		t.Fatal(err)
	}
	status := func(a *JWT, tok string, scopes ...string) int {
		t.Helper()
		h := map[string]string{}
		if tok != "" {
			h["Authorization"] = "Bearer " + tok
		}
		p, err := a.Authorize(newExchange(h, "", scopes))
		st, _ := outcome(t, p, err)
		return st
	}

	readTok := fetchToken(t, issuer, "read")
	rwTok := fetchToken(t, issuer, "read write")
	if kid := tokenKid(t, readTok); kid != "key-A" {
		t.Fatalf("provider signed with kid %q, want key-A", kid)
	}
	t.Run("scopes", func(t *testing.T) {
		tests := []struct {
			name   string
			tok    string
			scopes []string
			want   int
		}{
			{"read token, read route", readTok, []string{"read"}, 200},
			{"read token, unscoped route", readTok, nil, 200},
			{"read token, write or admin route", readTok, []string{"write", "admin"}, 403},
			{"read write token, admin or write route", rwTok, []string{"admin", "write"}, 200},
			{"read write token, admin route", rwTok, []string{"admin"}, 403},
			{"no token", "", []string{"read"}, 401},
			{"tampered token", readTok[:len(readTok)-6] + "AAAAAA", []string{"read"}, 401},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if got := status(a, tc.tok, tc.scopes...); got != tc.want {
					t.Errorf("status = %d, want %d", got, tc.want)
				}
			})
		}
		if got := status(wrongAud, readTok); got != 401 {
			t.Errorf("authorizer with another audience: status %d, want 401", got)
		}
		p, err := a.Authorize(newExchange(map[string]string{"Authorization": rwTok}, "", []string{"write"}))
		if err != nil {
			t.Fatal(err)
		}
		if p.ClaimMap()["client_id"] != oidcClient || p.ClaimMap()["aud"] != oidcResource || p.ClaimMap()["iss"] != issuer ||
			strings.Join(p.Scopes, " ") != "read write" {
			t.Errorf("principal = %+v", p)
		}
	})

	// Rotation, step 1: the provider restarts signing with key B and still
	// publishing key A (grace period).
	prov.stop()
	prov = startProvider(t, dir, writeKeys(t, "ba.json", keyB, keyA), prov.port)
	tokB := fetchToken(t, issuer, "read")
	if kid := tokenKid(t, tokB); kid != "key-B" {
		t.Fatalf("after rotation the provider signed with kid %q, want key-B", kid)
	}
	// First sight of key-B inside the refetch interval: refused without a
	// fetch. Once the interval has passed, one refetch finds it.
	if got := status(a, tokB, "read"); got != 401 {
		t.Fatalf("new-key token inside the refetch interval: status %d, want 401", got)
	}
	clk.Advance(11 * time.Minute)
	if got := status(a, tokB, "read"); got != 200 {
		t.Fatalf("new-key token after the refetch interval: status %d, want 200", got)
	}
	if got := status(a, readTok, "read"); got != 200 {
		t.Errorf("old-key token during grace period: status %d, want 200", got)
	}

	// Many tokens with forged kids (and otherwise valid claims) cause no
	// further fetch inside the interval, and none is accepted.
	c, err := parseCompact(tokB)
	if err != nil {
		t.Fatal(err)
	}
	before := remote.Stats()
	for i := range 50 {
		forged := signRaw(t, fmt.Sprintf(`{"alg":"RS256","kid":"forged-%d"}`, i), string(c.payload), rs256(keysOnce().evil))
		if got := status(a, forged, "read"); got != 401 {
			t.Fatalf("forged kid: status %d, want 401", got)
		}
	}
	after := remote.Stats()
	if after.Fetches != before.Fetches || after.UnknownKidLimited != before.UnknownKidLimited+50 {
		t.Errorf("forged kids: stats before %+v after %+v, want no fetch and 50 refused by the rate limit", before, after)
	}

	// Rotation, step 2: key A is withdrawn. Once the key set is refreshed,
	// tokens signed with A fail (the verified-token cache included) and B
	// tokens keep working.
	prov.stop()
	prov = startProvider(t, dir, writeKeys(t, "b.json", keyB), prov.port)
	if err := remote.Refresh(t.Context()); err != nil {
		t.Fatalf("refresh after withdrawal: %v", err)
	}
	if got := status(a, readTok, "read"); got != 401 {
		t.Errorf("token of the withdrawn key: status %d, want 401", got)
	}
	if got := status(a, tokB, "read"); got != 200 {
		t.Errorf("token of the current key: status %d, want 200", got)
	}
	if got := status(a, fetchToken(t, issuer, "write"), "write"); got != 200 {
		t.Errorf("fresh token after rotation: status %d, want 200", got)
	}

	// Provider gone: known keys keep working, unknown ones are refused.
	prov.stop()
	clk.Advance(time.Hour)
	if err := remote.Refresh(t.Context()); err == nil {
		t.Error("refresh with the provider stopped succeeded")
	}
	if got := status(a, tokB, "read"); got != 200 {
		t.Errorf("known key with provider down: status %d, want 200", got)
	}
	if got := status(a, readTok, "read"); got != 401 {
		t.Errorf("withdrawn key with provider down: status %d, want 401", got)
	}
	if st := cache.Stats(); st.Hits == 0 {
		t.Errorf("cache stats = %+v, want hits", st)
	}
}
