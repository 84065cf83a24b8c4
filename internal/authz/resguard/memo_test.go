package resguard

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz/iamauth"
	"github.com/gatehouse/gatehouse/internal/authz/respolicy"
	"github.com/gatehouse/gatehouse/internal/exchange"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// countEvals makes g count its resource-policy evaluations.
func countEvals(g *Guard) *int {
	n := new(int)
	g.onEval = func() { *n++ }
	return n
}

// oracle is the guard's outcome computed without any per-request reuse:
// a fresh context and a fresh evaluation for each pass.
func oracle(t *testing.T, g *Guard, x *exchange.Exchange, p *exchange.Principal) (outcome, reason string) {
	t.Helper()
	fresh := func() *respolicy.Input {
		return &respolicy.Input{Policy: g.policy, APIAccount: x.API.AccountID, AuthType: g.AuthType(x.Route.AuthorizerName),
			MethodARN: iamauth.MethodARN(x), Wording: g.o.Wording,
			Context: respolicy.NewContext(x.R.Header, x.ClientAddr(), x.R.TLS != nil, g.o.Now(), nil)}
	}
	if o, proceed := respolicy.PreAuthorize(fresh()); !proceed {
		return "deny", o.Reason
	}
	var d policy.Decision
	if p != nil {
		if v, ok := p.Decision.(policy.Decision); ok {
			d = v
		}
	}
	o := respolicy.Decide(fresh(), d)
	if o.Allowed {
		return "allow", o.Reason
	}
	return "deny", o.Reason
}

func lastStep(t *testing.T, x *exchange.Exchange) exchange.Step {
	t.Helper()
	if len(x.Trace) == 0 {
		t.Fatal("no trace")
	}
	return x.Trace[len(x.Trace)-1]
}

func TestEvaluationsPerRequest(t *testing.T) {
	const clockDoc = `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*",
	  "Condition":{"DateLessThan":{"aws:CurrentTime":"2026-03-01T10:00:01Z"}}}]}`
	jwt := &exchange.Principal{Type: "jwt", ID: "sub-1", Claims: map[string]any{"sub": "sub-1"}}
	lambda := &exchange.Principal{Type: "lambda", Decision: policy.Decision{Effect: policy.Allow}}
	tests := []struct {
		name, doc, auth, ip string
		p                   *exchange.Principal
		tick                time.Duration // clock advance per reading
		wantEvals           int
		wantOutcome         string
	}{
		{"NONE allowed", seed001, "NONE", "123.4.5.200", nil, 0, 1, "allow"},
		{"NONE denied after pre-authorization", seed001, "NONE", "198.51.100.7", nil, 0, 1, "deny"},
		{"JWT authorizer", seed001, "pool", "123.4.5.200", jwt, 0, 1, "allow"},
		{"Lambda authorizer", seed001, "lambda", "123.4.5.200", lambda, 0, 1, "allow"},
		{"AWS_IAM asks two questions", seed001, "AWS_IAM", "123.4.5.200", iamPrincipal("123456789012", "alice", policy.Allow, "123.4.5.200"), 0, 2, "allow"},
		{"clock-reading policy, clock still", clockDoc, "NONE", "123.4.5.200", nil, 0, 1, "allow"},
		{"clock-reading policy, clock moved past the deadline", clockDoc, "NONE", "123.4.5.200", nil, time.Second, 2, "deny"},
		{"clock moved, policy does not read it", seed001, "NONE", "123.4.5.200", nil, time.Hour, 1, "allow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGuard(t, tt.doc)
			now := at
			g.o.Now = func() time.Time { r := now; now = now.Add(tt.tick); return r }
			n := countEvals(g)
			x := exchangeFor("GET", "/pets", tt.ip, tt.auth)
			_ = run(g, x, tt.p)
			if *n != tt.wantEvals {
				t.Errorf("evaluations: got %d, want %d", *n, tt.wantEvals)
			}
			if got := lastStep(t, x).Outcome; got != tt.wantOutcome {
				t.Errorf("outcome: got %s, want %s (%+v)", got, tt.wantOutcome, x.Trace)
			}
			if tt.auth == "AWS_IAM" || tt.tick != 0 {
				return // the oracle below models anonymous callers on a still clock
			}
			now = at
			wantOutcome, wantReason := oracle(t, g, x, tt.p)
			if got := lastStep(t, x); got.Outcome != wantOutcome || got.Detail != wantReason {
				t.Errorf("got %s %q, want %s %q (unshared evaluation)", got.Outcome, got.Detail, wantOutcome, wantReason)
			}
		})
	}
}

// TestStaleStateNotReused: After re-evaluates when the inputs Before saw
// changed, or when Before did not run for this request.
func TestStaleStateNotReused(t *testing.T) {
	tests := []struct {
		name      string
		change    func(x *exchange.Exchange)
		wantEvals int
		want      string
	}{
		{"unchanged", func(*exchange.Exchange) {}, 1, "allow"},
		{"caller address changed", func(x *exchange.Exchange) { x.SourceIP = "198.51.100.7" }, 2, "deny"},
		{"path changed", func(x *exchange.Exchange) { x.Path = "/other" }, 2, "allow"},
		{"no state", func(x *exchange.Exchange) { x.GuardState = nil }, 2, "allow"},
		{"state of another request", func(x *exchange.Exchange) {
			x.R = exchangeFor("GET", "/pets", "123.4.5.200", "NONE").R
		}, 2, "allow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGuard(t, seed001)
			n := countEvals(g)
			x := exchangeFor("GET", "/pets", "123.4.5.200", "NONE")
			if err := g.Before(x); err != nil {
				t.Fatal(err)
			}
			tt.change(x)
			_ = g.After(x, nil)
			if *n != tt.wantEvals {
				t.Errorf("evaluations: got %d, want %d", *n, tt.wantEvals)
			}
			got := lastStep(t, x)
			if got.Outcome != tt.want {
				t.Errorf("outcome: got %s, want %s (%s)", got.Outcome, tt.want, got.Detail)
			}
			in := &respolicy.Input{Policy: g.policy, APIAccount: x.API.AccountID, AuthType: respolicy.AuthNone, MethodARN: iamauth.MethodARN(x),
				Context: respolicy.NewContext(x.R.Header, x.ClientAddr(), x.R.TLS != nil, at, nil)}
			o := respolicy.Decide(in, policy.Decision{})
			wantOutcome, wantReason := "deny", o.Reason
			if o.Allowed {
				wantOutcome = "allow"
			}
			if got.Outcome != wantOutcome || got.Detail != wantReason {
				t.Errorf("got %s %q, want %s %q (unshared evaluation)", got.Outcome, got.Detail, wantOutcome, wantReason)
			}
		})
	}
}

// TestTokenAuthorizedRoutesDecideAnonymously: a JWT or Cognito user-pool
// authorizer authenticates, but the resource policy alone decides (the
// COGNITO_USER_POOLS rule), with the caller anonymous to it, whatever the
// token's claims, and with the decision Before reached.
func TestTokenAuthorizedRoutesDecideAnonymously(t *testing.T) {
	const anon = "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abc123/prod/GET/pets"
	const namedAlice = `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},"Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
	jwt := &exchange.Principal{Type: "jwt", ID: "alice", Claims: map[string]any{"sub": "alice", "username": "alice"}, Scopes: []string{"admin"}}
	cognito := &exchange.Principal{Type: "cognito_user_pools", ID: "alice", Claims: map[string]any{"sub": "alice", "cognito:username": "alice"}}
	tests := []struct {
		name, doc, ip string
		p             *exchange.Principal
		wantMsg       string // empty: allowed
		wantRule      string
	}{
		{"jwt inside the allowed range", seed001, "123.4.5.7", jwt, "", "COGNITO_USER_POOLS: resource policy"},
		{"cognito inside the allowed range", seed001, "123.4.5.7", cognito, "", "COGNITO_USER_POOLS: resource policy"},
		{"jwt outside the range: explicit deny before the authorizer", seed001, "198.51.100.7", jwt, anon + " with an explicit deny", "pre-authorization"},
		{"jwt named in no statement: a principal-only allow does not match", namedAlice, "123.4.5.7", jwt, anon, "COGNITO_USER_POOLS: resource policy"},
		{"cognito named in no statement", namedAlice, "123.4.5.7", cognito, anon, "COGNITO_USER_POOLS: resource policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGuard(t, tt.doc)
			n := countEvals(g)
			x := exchangeFor("GET", "/pets", tt.ip, "pool")
			err := run(g, x, tt.p)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
			} else {
				wantDenied(t, err, tt.wantMsg)
			}
			if *n != 1 {
				t.Errorf("evaluations: got %d, want 1", *n)
			}
			if got := lastStep(t, x).Detail; !strings.HasPrefix(got, tt.wantRule) {
				t.Errorf("trace detail %q, want prefix %q", got, tt.wantRule)
			}
			wantOutcome, wantReason := oracle(t, g, x, tt.p)
			if got := lastStep(t, x); got.Outcome != wantOutcome || got.Detail != wantReason {
				t.Errorf("got %s %q, want %s %q (unshared evaluation)", got.Outcome, got.Detail, wantOutcome, wantReason)
			}
		})
	}
}

func TestMayReadClock(t *testing.T) {
	tests := []struct {
		name, doc string
		want      bool
	}{
		{"no time key", seed001, false},
		{"aws:CurrentTime condition", `{"Condition":{"DateLessThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}}`, true},
		{"aws:EpochTime any case", `{"Condition":{"NumericLessThan":{"AWS:EPOCHTIME":"1"}}}`, true},
		{"policy variable", `{"Resource":"execute-api:/${aws:currenttime}"}`, true},
		{"JSON escape could hide a key", `{"Condition":{"DateLessThan":{"aws:Current\u0054ime":"2026-01-01T00:00:00Z"}}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mayReadClock([]byte(tt.doc)); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
