package sam

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

// TestExamples converts every example template of the repository and checks
// the translation of the mechanism each one shows.
func TestExamples(t *testing.T) {
	route := func(t *testing.T, api *config.API, key string) *config.Route {
		t.Helper()
		for i := range api.Routes {
			if api.Routes[i].Route == key {
				return &api.Routes[i]
			}
		}
		t.Fatalf("API %s has no route %q", api.Name, key)
		return nil
	}
	cases := []struct {
		file  string
		check func(t *testing.T, cfg *config.Config)
	}{
		{"../../examples/walkthrough/template.yaml", func(t *testing.T, cfg *config.Config) {
			api := &cfg.APIs[0]
			pool := cfg.UserPools[0]
			client := pool.Clients[0].ID
			for key, scope := range map[string]string{"GET /AdminUser": "admin-" + client, "GET /RegularUser": "regular-" + client} {
				r := route(t, api, key)
				if r.Authorizer != "JWTAuth" || !slices.Equal(r.Scopes, []string{scope}) {
					t.Errorf("%s: authorizer %q scopes %v, want JWTAuth [%s]", key, r.Authorizer, r.Scopes, scope)
				}
			}
			j := api.Authorizers[0].JWT
			if j.UserPool != pool.Name || !pool.AWSIssuer || j.Issuer != "https://cognito-idp.us-east-1.amazonaws.com/"+pool.ID {
				t.Errorf("authorizer %+v does not resolve to the local pool %s", j, pool.ID)
			}
			if pool.Triggers == nil || pool.Triggers.PreTokenGeneration != "Pre-tokenAuthLambda" {
				t.Errorf("pre token trigger = %+v", pool.Triggers)
			}
			users := map[string][]string{}
			for _, u := range pool.Users {
				users[u.Username] = u.Groups
				if u.PasswordEnv == "" {
					t.Errorf("user %s has no passwordEnv", u.Username)
				}
			}
			if !slices.Equal(users["adminuser"], []string{"admin", "regular"}) || !slices.Equal(users["regularuser"], []string{"regular"}) {
				t.Errorf("memberships = %v", users)
			}
		}},
		{"../../examples/sam/iam/template.yaml", func(t *testing.T, cfg *config.Config) {
			if r := route(t, &cfg.APIs[0], "GET /hello"); r.Authorizer != config.AuthorizerAWSIAM {
				t.Errorf("authorizer = %q", r.Authorizer)
			}
			u := cfg.IAM.Users[0]
			if len(u.AccessKeys) != 1 || !strings.HasPrefix(u.AccessKeys[0].ID, "AKIA") || len(u.AccessKeys[0].Secret) != 40 {
				t.Errorf("access keys = %+v", u.AccessKeys)
			}
			if !strings.Contains(string(u.Policies[0].Document.JSON), ":"+cfg.APIs[0].ID+"/prod/GET/hello") {
				t.Errorf("policy does not name the API: %s", u.Policies[0].Document.JSON)
			}
		}},
		{"../../examples/sam/cognito-rest/template.yaml", func(t *testing.T, cfg *config.Config) {
			api := &cfg.APIs[0]
			if a := api.Authorizers[0].CognitoUserPools; a == nil || !slices.Equal(a.UserPools, []string{"UserPool"}) {
				t.Errorf("cognito authorizer = %+v", api.Authorizers[0])
			}
			if r := route(t, api, "GET /me/scoped"); !slices.Equal(r.Scopes, []string{"profile/read"}) {
				t.Errorf("scopes = %v", r.Scopes)
			}
			if r := route(t, api, "GET /health"); r.Authorizer != config.AuthorizerNone {
				t.Errorf("health authorizer = %q", r.Authorizer)
			}
			if r := route(t, api, "OPTIONS /me"); r.Authorizer != config.AuthorizerNone || r.Integration.Mock == nil {
				t.Errorf("preflight = %+v", r)
			}
		}},
		{"../../examples/sam/resource-policy/template.yaml", func(t *testing.T, cfg *config.Config) {
			doc := string(cfg.APIs[0].ResourcePolicy.JSON)
			for _, w := range []string{`"NotIpAddress":{"aws:SourceIp":["127.0.0.0/8"]}`, `"execute-api:/prod/DELETE/reports/*"`, `"Resource":"execute-api:/prod/DELETE/*"`} {
				if !strings.Contains(doc, w) {
					t.Errorf("policy lacks %s: %s", w, doc)
				}
			}
		}},
		{"../../examples/sam/jwt-http/template.yaml", func(t *testing.T, cfg *config.Config) {
			api := &cfg.APIs[0]
			if j := api.Authorizers[0].JWT; j.UserPool != "UserPool" || j.Audience[0] != cfg.UserPools[0].Clients[0].ID {
				t.Errorf("jwt = %+v", j)
			}
			if r := route(t, api, "GET /orders"); !slices.Equal(r.Scopes, []string{"orders/read"}) {
				t.Errorf("scopes = %v", r.Scopes)
			}
			if api.CORS == nil || api.CORS.AllowOrigins[0] != "http://localhost:3000" {
				t.Errorf("cors = %+v", api.CORS)
			}
		}},
		{"../../examples/sam/gateway-responses/template.yaml", func(t *testing.T, cfg *config.Config) {
			gr := cfg.APIs[0].GatewayResponses
			if gr["MISSING_AUTHENTICATION_TOKEN"].Status != 404 || gr["ACCESS_DENIED"].Headers["X-Error-Type"] != "'denied'" {
				t.Errorf("gateway responses = %+v", gr)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(filepath.Dir(tc.file)), func(t *testing.T) {
			res, err := ConvertFile(tc.file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range res.Config.Functions {
				dir := f.ResolveCodeDir(filepath.Dir(tc.file))
				if _, err := os.Stat(filepath.Join(dir, "index.js")); err != nil {
					t.Errorf("function %s: %v", f.Name, err)
				}
			}
			tc.check(t, res.Config)
		})
	}
}

func TestLoadConfigFile(t *testing.T) {
	dir := t.TempDir()
	native := filepath.Join(dir, "gatehouse.yaml")
	if err := os.WriteFile(native, []byte("apis:\n  - name: a\n    kind: http\n    routes:\n      - route: GET /x\n        integration:\n          mock: {body: hi}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("apis:\n  - name: a\n    kind: nope\n    routes: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		path     string
		template bool
		apis     int
		errLike  string
	}{
		{name: "native", path: native, apis: 1},
		{name: "template", path: "../../examples/sam/iam/template.yaml", template: true, apis: 1},
		{name: "native error", path: bad, errLike: bad + ":3:11: apis[0].kind"},
		{name: "missing", path: filepath.Join(dir, "none.yaml"), errLike: "open config"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := LoadConfigFile(tc.path, Options{})
			if tc.errLike != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errLike) {
					t.Fatalf("err = %v, want %q", err, tc.errLike)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Template != tc.template || len(res.Config.APIs) != tc.apis {
				t.Errorf("template %v apis %d, want %v %d", res.Template, len(res.Config.APIs), tc.template, tc.apis)
			}
		})
	}
}
