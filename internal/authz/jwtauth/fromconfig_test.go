package jwtauth

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/jwks"
)

func TestNewFromConfig(t *testing.T) {
	k := keysOnce()
	local := jwks.NewStatic(k.pub)
	var remoteCalls []string
	deps := Deps{
		Remote: func(issuer, uri string) (jwks.KeySource, error) {
			remoteCalls = append(remoteCalls, issuer+"|"+uri)
			return jwks.NewStatic(), nil
		},
		LocalPool: func(ref string) (LocalPool, bool) {
			switch ref {
			case "pool1", testIssuer, "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Test":
				return LocalPool{Issuer: testIssuer, Keys: local}, true
			}
			return LocalPool{}, false
		},
		Now: func() time.Time { return testNow },
	}
	tests := []struct {
		name       string
		a          config.Authorizer
		wantRemote string
		wantOK     bool // a token of the local pool is accepted
	}{
		{name: "jwt by user pool name", a: config.Authorizer{Name: "j", JWT: &config.JWTAuthorizer{UserPool: "pool1", Audience: []string{testAudience}}}, wantOK: true},
		{name: "jwt by local issuer", a: config.Authorizer{Name: "j", JWT: &config.JWTAuthorizer{Issuer: testIssuer, Audience: []string{testAudience}}}, wantOK: true},
		{name: "jwt remote issuer", a: config.Authorizer{Name: "j", JWT: &config.JWTAuthorizer{Issuer: "https://idp.example.com", Audience: []string{testAudience}}},
			wantRemote: "https://idp.example.com|"},
		{name: "jwt with jwks uri override stays remote", a: config.Authorizer{Name: "j", JWT: &config.JWTAuthorizer{Issuer: testIssuer, JWKSURI: "https://k.example.com/jwks", Audience: []string{testAudience}}},
			wantRemote: testIssuer + "|https://k.example.com/jwks"},
		{name: "cognito local name", a: config.Authorizer{Name: "c", CognitoUserPools: &config.CognitoAuthorizer{UserPools: []string{"pool1"}}}, wantOK: true},
		{name: "cognito local arn", a: config.Authorizer{Name: "c", CognitoUserPools: &config.CognitoAuthorizer{UserPools: []string{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Test"}}}, wantOK: true},
		{name: "cognito remote arn", a: config.Authorizer{Name: "c", CognitoUserPools: &config.CognitoAuthorizer{UserPools: []string{"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Abc"}}},
			wantRemote: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc|"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			remoteCalls = nil
			az, err := NewFromConfig(tc.a, deps)
			if err != nil {
				t.Fatal(err)
			}
			if got := ""; len(remoteCalls) > 0 {
				got = remoteCalls[0]
				if got != tc.wantRemote {
					t.Errorf("remote = %q, want %q", got, tc.wantRemote)
				}
			} else if tc.wantRemote != "" {
				t.Errorf("no remote key set, want %q", tc.wantRemote)
			}
			p, err := az.Authorize(newExchange(map[string]string{"Authorization": rsToken(t, claims())}, "", nil))
			if (err == nil) != tc.wantOK {
				t.Errorf("local-pool token: principal %v, err %v, want ok=%v", p, err, tc.wantOK)
			}
		})
	}
	if _, err := NewFromConfig(config.Authorizer{Name: "x", JWT: &config.JWTAuthorizer{UserPool: "nope", Audience: []string{"a"}}}, deps); err == nil {
		t.Error("unknown user pool accepted")
	}
	if _, err := NewFromConfig(config.Authorizer{Name: "x", CognitoUserPools: &config.CognitoAuthorizer{UserPools: []string{"nope"}}}, deps); err == nil {
		t.Error("unknown cognito pool accepted")
	}
}

// TestNewFromConfigCacheOption checks that `cache: false` makes an
// authorizer verify every request (the shared cache is neither read nor
// written) while the default keeps using it.
func TestNewFromConfigCacheOption(t *testing.T) {
	k := keysOnce()
	off, on := false, true
	tests := []struct {
		name      string
		a         config.Authorizer
		wantHits  int64
		wantEntry int
	}{
		{name: "jwt default caches", a: config.Authorizer{Name: "j", JWT: &config.JWTAuthorizer{Issuer: testIssuer, Audience: []string{testAudience}}}, wantHits: 2, wantEntry: 1},
		{name: "jwt cache true caches", a: config.Authorizer{Name: "j", JWT: &config.JWTAuthorizer{Issuer: testIssuer, Audience: []string{testAudience}, Cache: &on}}, wantHits: 2, wantEntry: 1},
		{name: "jwt cache false verifies every time", a: config.Authorizer{Name: "j", JWT: &config.JWTAuthorizer{Issuer: testIssuer, Audience: []string{testAudience}, Cache: &off}}, wantHits: 0, wantEntry: 0},
		{name: "cognito default caches", a: config.Authorizer{Name: "c", CognitoUserPools: &config.CognitoAuthorizer{UserPools: []string{"pool1"}}}, wantHits: 2, wantEntry: 1},
		{name: "cognito cache false verifies every time", a: config.Authorizer{Name: "c", CognitoUserPools: &config.CognitoAuthorizer{UserPools: []string{"pool1"}, Cache: &off}}, wantHits: 0, wantEntry: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := jwks.NewStatic(k.pub)
			cache := NewCache(100)
			az, err := NewFromConfig(tc.a, Deps{
				LocalPool: func(ref string) (LocalPool, bool) {
					if ref == "pool1" || ref == testIssuer {
						return LocalPool{Issuer: testIssuer, Keys: src}, true
					}
					return LocalPool{}, false
				},
				Cache: cache,
				Now:   func() time.Time { return testNow },
			})
			if err != nil {
				t.Fatal(err)
			}
			tok := rsToken(t, claims())
			for i := range 3 {
				if _, err := az.Authorize(newExchange(map[string]string{"Authorization": tok}, "", nil)); err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
			}
			st := cache.Stats()
			if st.Hits != tc.wantHits || st.Entries != tc.wantEntry {
				t.Errorf("cache stats = %+v, want %d hits, %d entries", st, tc.wantHits, tc.wantEntry)
			}
			if tc.wantHits == 0 && st.Misses != 0 {
				t.Errorf("cache consulted %d times with cache off", st.Misses)
			}
		})
	}
}
