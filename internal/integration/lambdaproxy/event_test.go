package lambdaproxy

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/gatehouse/gatehouse/internal/exchange"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/events")

// exchangeSpec describes a request for newExchange.
type exchangeSpec struct {
	kind      exchange.Kind
	method    string
	target    string // path?query as the client sent it, stage included
	stage     string
	stageVars map[string]string
	routeKey  string
	resource  string
	params    []exchange.Param
	header    http.Header
	body      string
	binary    []string
	principal *exchange.Principal
}

func newExchange(t testing.TB, s exchangeSpec) (*exchange.Exchange, *httptest.ResponseRecorder) {
	t.Helper()
	var body *strings.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	var r *http.Request
	if body != nil {
		r = httptest.NewRequest(s.method, "http://a1b2c3d4e5.execute-api.localhost:8080"+s.target, body)
	} else {
		r = httptest.NewRequest(s.method, "http://a1b2c3d4e5.execute-api.localhost:8080"+s.target, nil)
	}
	for k, vs := range s.header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	if s.stage == "" {
		s.stage = "$default"
	}
	rawPath := r.URL.EscapedPath()
	path := r.URL.Path
	if s.stage != "$default" {
		path = strings.TrimPrefix(path, "/"+s.stage)
	}
	w := httptest.NewRecorder()
	method, resource := "", s.resource
	if s.routeKey != "$default" {
		method, _, _ = strings.Cut(s.routeKey, " ")
	}
	x := &exchange.Exchange{
		W: w, R: r,
		API: &exchange.API{ID: "a1b2c3d4e5", Name: "test", Kind: s.kind, Region: "us-east-1", AccountID: "123456789012",
			BinaryMediaTypes: s.binary},
		Stage:             &exchange.Stage{Name: s.stage, Variables: s.stageVars},
		Route:             &exchange.Route{Key: s.routeKey, Method: method, ResourcePath: resource},
		Params:            s.params,
		Path:              path,
		RawPath:           rawPath,
		RequestID:         "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
		ExtendedRequestID: "BQGojGkSoAMFL8A=",
		Start:             time.Date(2026, 3, 4, 19, 15, 17, 135_000_000, time.UTC),
		SourceIP:          "203.0.113.7",
		Principal:         s.principal,
	}
	if s.kind == exchange.HTTP {
		x.RequestID = "Mc7UVioPPHcEKPA="
		x.ExtendedRequestID = "Mc7UVioPPHcEKPA="
	}
	return x, w
}

const testTrace = "Root=1-69a885b5-0123456789abcdef01234567"

var jwtPrincipal = &exchange.Principal{
	Type: "jwt",
	ID:   "7d0f3c1e-sub",
	Claims: map[string]any{
		"sub":            "7d0f3c1e-sub",
		"iss":            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE",
		"exp":            float64(1787996002),
		"email_verified": true,
		"cognito:groups": []any{"admin", "regular"},
		"scope":          "admin-client regular-client",
		"nothing":        nil,
		"address":        map[string]any{"country": "NL"},
	},
	Scopes: []string{"admin-client", "regular-client"},
}

func eventCases() []struct {
	name string
	v2   bool
	spec exchangeSpec
} {
	return []struct {
		name string
		v2   bool
		spec exchangeSpec
	}{
		{"rest_get_query_headers", false, exchangeSpec{
			kind: exchange.REST, method: "GET", target: "/prod/pets/7?a=1&b=x%20y&a=2", stage: "prod",
			routeKey: "GET /pets/{petId}", resource: "/pets/{petId}", params: []exchange.Param{{Name: "petId", Value: "7"}},
			header: http.Header{"Accept": {"application/json"}, "User-Agent": {"curl/8.5.0"}, "X-Multi": {"one", "two"}, "Connection": {"keep-alive"}},
		}},
		{"rest_post_binary_body", false, exchangeSpec{
			kind: exchange.REST, method: "POST", target: "/prod/upload", stage: "prod", stageVars: map[string]string{"bucket": "uploads"},
			routeKey: "POST /upload", resource: "/upload", binary: []string{"image/*"},
			header: http.Header{"Content-Type": {"image/png"}, "User-Agent": {"test"}}, body: "\x89PNG\r\n",
		}},
		{"rest_post_text_body_cognito", false, exchangeSpec{
			kind: exchange.REST, method: "POST", target: "/prod/items", stage: "prod",
			routeKey: "POST /items", resource: "/items", binary: []string{"image/*"},
			header: http.Header{"Content-Type": {"application/json"}}, body: `{"a":1}`,
			principal: &exchange.Principal{Type: "cognito_user_pools", ID: "sub-1", Claims: map[string]any{"sub": "sub-1", "cognito:username": "adminuser", "auth_time": float64(1700000000)}},
		}},
		{"rest_lambda_authorizer", false, exchangeSpec{
			kind: exchange.REST, method: "GET", target: "/prod/x", stage: "prod", routeKey: "GET /x", resource: "/x",
			principal: &exchange.Principal{Type: "lambda", ID: "user|a1", Context: map[string]any{"tier": "gold", "n": float64(3), "ok": true}},
		}},
		{"rest_iam_caller", false, exchangeSpec{
			kind: exchange.REST, method: "GET", target: "/prod/x", stage: "prod", routeKey: "GET /x", resource: "/x",
			principal: &exchange.Principal{Type: "iam", ID: "AIDAEXAMPLE", IAM: &exchange.IAMIdentity{
				AccessKey: "AKIAEXAMPLE", AccountID: "123456789012", Caller: "AIDAEXAMPLE", User: "AIDAEXAMPLE", UserARN: "arn:aws:iam::123456789012:user/alice"}},
		}},
		{"http_v1_jwt", false, exchangeSpec{
			kind: exchange.HTTP, method: "GET", target: "/my/path?x=1", routeKey: "GET /my/path", resource: "/my/path",
			header: http.Header{"User-Agent": {"agent"}, "Cookie": {"a=1; b=2"}}, principal: jwtPrincipal,
		}},
		{"http_v1_no_authorizer", false, exchangeSpec{
			kind: exchange.HTTP, method: "GET", target: "/my/path", routeKey: "GET /my/path", resource: "/my/path",
		}},
		{"http_v2_get_cookies_query", true, exchangeSpec{
			kind: exchange.HTTP, method: "GET", target: "/RegularUser?p=1&p=2&q=a%2Cb&empty=", routeKey: "GET /RegularUser", resource: "/RegularUser",
			header: http.Header{"User-Agent": {"curl/8.5.0"}, "Cookie": {"cookie1=v1; cookie2=v2", "cookie3=v3"}, "X-Dup": {"a", "b"}},
		}},
		{"http_v2_jwt_named_stage", true, exchangeSpec{
			kind: exchange.HTTP, method: "GET", target: "/test/AdminUser/7", stage: "test", stageVars: map[string]string{"env": "test"},
			routeKey: "GET /AdminUser/{id}", resource: "/AdminUser/{id}", params: []exchange.Param{{Name: "id", Value: "7"}},
			header: http.Header{"Authorization": {"eyJraWQiOi.token"}}, principal: jwtPrincipal,
		}},
		{"http_v2_jwt_no_route_scopes", true, exchangeSpec{
			kind: exchange.HTTP, method: "GET", target: "/x", routeKey: "$default", resource: "$default",
			principal: &exchange.Principal{Type: "jwt", ID: "s", Claims: map[string]any{"sub": "s"}},
		}},
		{"http_v2_binary_and_form_bodies", true, exchangeSpec{
			kind: exchange.HTTP, method: "POST", target: "/form", routeKey: "POST /form", resource: "/form",
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, body: "a=1&b=2",
		}},
		{"http_v2_json_body", true, exchangeSpec{
			kind: exchange.HTTP, method: "POST", target: "/items", routeKey: "POST /items", resource: "/items",
			header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: `{"name":"x"}`,
		}},
		{"http_v2_lambda_authorizer", true, exchangeSpec{
			kind: exchange.HTTP, method: "GET", target: "/x", routeKey: "GET /x", resource: "/x",
			principal: &exchange.Principal{Type: "lambda", ID: "abc", Context: map[string]any{"tier": "gold", "n": float64(3)}},
		}},
		{"http_v2_iam", true, exchangeSpec{
			kind: exchange.HTTP, method: "GET", target: "/x", routeKey: "GET /x", resource: "/x",
			principal: &exchange.Principal{Type: "iam", IAM: &exchange.IAMIdentity{AccessKey: "AKIAEXAMPLE", AccountID: "123456789012", Caller: "AIDAEXAMPLE", User: "AIDAEXAMPLE", UserARN: "arn:aws:iam::123456789012:user/alice"}},
		}},
	}
}

func buildEvent(t testing.TB, v2 bool, s exchangeSpec) []byte {
	t.Helper()
	x, _ := newExchange(t, s)
	body, err := readBody(x.R)
	if err != nil {
		t.Fatal(err)
	}
	req := &Request{X: x, Body: body, TraceID: testTrace}
	var ev []byte
	if v2 {
		ev, err = BuildV2(req)
	} else {
		ev, err = BuildV1(req)
	}
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func jsonEqual(t testing.TB, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v", err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	return reflect.DeepEqual(g, w)
}

// strictDecode decodes ev into v rejecting unknown fields, after removing the
// fields AWS sends that aws-lambda-go's structs do not declare.
func strictDecode(t *testing.T, ev []byte, v any, drop ...[]string) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(ev, &m); err != nil {
		t.Fatal(err)
	}
	for _, p := range drop {
		cur := m
		for i, k := range p {
			if i == len(p)-1 {
				delete(cur, k)
				break
			}
			next, ok := cur[k].(map[string]any)
			if !ok {
				break
			}
			cur = next
		}
	}
	b, _ := json.Marshal(m)
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		t.Fatalf("event does not decode into %T: %v", v, err)
	}
}

func TestEventGolden(t *testing.T) {
	for _, tc := range eventCases() {
		t.Run(tc.name, func(t *testing.T) {
			got := buildEvent(t, tc.v2, tc.spec)
			path := filepath.Join("testdata", "events", tc.name+".json")
			if *update {
				var pretty bytes.Buffer
				if err := json.Indent(&pretty, got, "", "  "); err != nil {
					t.Fatal(err)
				}
				pretty.WriteByte('\n')
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("golden file: %v (run with -update)", err)
			}
			if !jsonEqual(t, got, want) {
				t.Errorf("event differs from %s:\ngot  %s", path, got)
			}
			if tc.v2 {
				var ev events.APIGatewayV2HTTPRequest
				strictDecode(t, got, &ev)
				if ev.RequestContext.RequestID != "Mc7UVioPPHcEKPA=" || ev.Version != "2.0" || ev.RouteKey != tc.spec.routeKey {
					t.Errorf("decoded %+v", ev)
				}
			} else {
				var ev events.APIGatewayProxyRequest
				strictDecode(t, got, &ev, []string{"version"}, []string{"requestContext", "identity", "principalOrgId"})
				if ev.HTTPMethod != tc.spec.method || ev.RequestContext.Identity.SourceIP != "203.0.113.7" {
					t.Errorf("decoded %+v", ev)
				}
			}
		})
	}
}

// TestEventRules checks individual rules of §9.1/§9.2 on the built events.
func TestEventRules(t *testing.T) {
	decode := func(t *testing.T, b []byte) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	get := func(m map[string]any, path ...string) any {
		var cur any = m
		for _, p := range path {
			mm, ok := cur.(map[string]any)
			if !ok {
				return "<missing>"
			}
			v, ok := mm[p]
			if !ok {
				return "<missing>"
			}
			cur = v
		}
		return cur
	}
	cases := eventCases()
	byName := map[string]exchangeSpec{}
	for _, c := range cases {
		byName[c.name] = c.spec
	}
	tests := []struct {
		name string
		v2   bool
		spec string
		path []string
		want any
	}{
		{"v1 REST stageVariables null when none", false, "rest_get_query_headers", []string{"stageVariables"}, nil},
		{"v1 REST path without stage", false, "rest_get_query_headers", []string{"path"}, "/pets/7"},
		{"v1 REST requestContext.path with stage", false, "rest_get_query_headers", []string{"requestContext", "path"}, "/prod/pets/7"},
		{"v1 query last value wins", false, "rest_get_query_headers", []string{"queryStringParameters", "a"}, "2"},
		{"v1 query decoded", false, "rest_get_query_headers", []string{"queryStringParameters", "b"}, "x y"},
		{"v1 multi-value query in order", false, "rest_get_query_headers", []string{"multiValueQueryStringParameters", "a"}, []any{"1", "2"}},
		{"v1 REST header last value", false, "rest_get_query_headers", []string{"headers", "X-Multi"}, "two"},
		{"v1 REST multi-value header", false, "rest_get_query_headers", []string{"multiValueHeaders", "X-Multi"}, []any{"one", "two"}},
		{"v1 REST drops Connection", false, "rest_get_query_headers", []string{"headers", "Connection"}, "<missing>"},
		{"v1 REST no authorizer section", false, "rest_get_query_headers", []string{"requestContext", "authorizer"}, "<missing>"},
		{"v1 REST body null when empty", false, "rest_get_query_headers", []string{"body"}, nil},
		{"v1 requestTime format", false, "rest_get_query_headers", []string{"requestContext", "requestTime"}, "04/Mar/2026:19:15:17 +0000"},
		{"v1 requestTimeEpoch ms", false, "rest_get_query_headers", []string{"requestContext", "requestTimeEpoch"}, float64(1772651717135)},
		{"v1 REST binary body base64", false, "rest_post_binary_body", []string{"body"}, "iVBORw0K"},
		{"v1 REST binary flag", false, "rest_post_binary_body", []string{"isBase64Encoded"}, true},
		{"v1 REST text body not encoded", false, "rest_post_text_body_cognito", []string{"isBase64Encoded"}, false},
		{"v1 REST cognito claims strings", false, "rest_post_text_body_cognito", []string{"requestContext", "authorizer", "claims", "auth_time"}, "1700000000"},
		{"v1 REST lambda context stringified", false, "rest_lambda_authorizer", []string{"requestContext", "authorizer", "n"}, "3"},
		{"v1 REST lambda principalId", false, "rest_lambda_authorizer", []string{"requestContext", "authorizer", "principalId"}, "user|a1"},
		{"v1 REST iam userArn", false, "rest_iam_caller", []string{"requestContext", "identity", "userArn"}, "arn:aws:iam::123456789012:user/alice"},
		{"v1 HTTP lower-case headers", false, "http_v1_jwt", []string{"headers", "user-agent"}, "agent"},
		{"v1 HTTP version", false, "http_v1_jwt", []string{"version"}, "1.0"},
		{"v1 HTTP jwt claims array rendering", false, "http_v1_jwt", []string{"requestContext", "authorizer", "claims", "cognito:groups"}, "[admin regular]"},
		{"v1 HTTP no authorizer claims null", false, "http_v1_no_authorizer", []string{"requestContext", "authorizer"}, map[string]any{"claims": nil, "scopes": nil}},
		{"v1 HTTP resourceId null", false, "http_v1_no_authorizer", []string{"requestContext", "resourceId"}, nil},
		{"v2 cookies split", true, "http_v2_get_cookies_query", []string{"cookies"}, []any{"cookie1=v1", "cookie2=v2", "cookie3=v3"}},
		{"v2 no cookie header", true, "http_v2_get_cookies_query", []string{"headers", "cookie"}, "<missing>"},
		{"v2 duplicate query joined", true, "http_v2_get_cookies_query", []string{"queryStringParameters", "p"}, "1,2"},
		{"v2 query decoded", true, "http_v2_get_cookies_query", []string{"queryStringParameters", "q"}, "a,b"},
		{"v2 rawQueryString undecoded", true, "http_v2_get_cookies_query", []string{"rawQueryString"}, "p=1&p=2&q=a%2Cb&empty="},
		{"v2 duplicate headers joined", true, "http_v2_get_cookies_query", []string{"headers", "x-dup"}, "a,b"},
		{"v2 stageVariables omitted", true, "http_v2_get_cookies_query", []string{"stageVariables"}, "<missing>"},
		{"v2 pathParameters omitted", true, "http_v2_get_cookies_query", []string{"pathParameters"}, "<missing>"},
		{"v2 body omitted when empty", true, "http_v2_get_cookies_query", []string{"body"}, "<missing>"},
		{"v2 no authorizer omitted", true, "http_v2_get_cookies_query", []string{"requestContext", "authorizer"}, "<missing>"},
		{"v2 trace header lower-case", true, "http_v2_get_cookies_query", []string{"headers", "x-amzn-trace-id"}, testTrace},
		{"v2 forwarded for", true, "http_v2_get_cookies_query", []string{"headers", "x-forwarded-for"}, "203.0.113.7"},
		{"v2 named stage in rawPath", true, "http_v2_jwt_named_stage", []string{"rawPath"}, "/test/AdminUser/7"},
		{"v2 named stage", true, "http_v2_jwt_named_stage", []string{"requestContext", "stage"}, "test"},
		{"v2 jwt claim number", true, "http_v2_jwt_named_stage", []string{"requestContext", "authorizer", "jwt", "claims", "exp"}, "1787996002"},
		{"v2 jwt claim bool", true, "http_v2_jwt_named_stage", []string{"requestContext", "authorizer", "jwt", "claims", "email_verified"}, "true"},
		{"v2 jwt claim object", true, "http_v2_jwt_named_stage", []string{"requestContext", "authorizer", "jwt", "claims", "address"}, `{"country":"NL"}`},
		{"v2 jwt null claim omitted", true, "http_v2_jwt_named_stage", []string{"requestContext", "authorizer", "jwt", "claims", "nothing"}, "<missing>"},
		{"v2 jwt scopes", true, "http_v2_jwt_named_stage", []string{"requestContext", "authorizer", "jwt", "scopes"}, []any{"admin-client", "regular-client"}},
		{"v2 jwt scopes null without route scopes", true, "http_v2_jwt_no_route_scopes", []string{"requestContext", "authorizer", "jwt", "scopes"}, nil},
		{"v2 stage variables", true, "http_v2_jwt_named_stage", []string{"stageVariables", "env"}, "test"},
		{"v2 form body base64", true, "http_v2_binary_and_form_bodies", []string{"isBase64Encoded"}, true},
		{"v2 json body text", true, "http_v2_json_body", []string{"body"}, `{"name":"x"}`},
		{"v2 lambda context keeps types", true, "http_v2_lambda_authorizer", []string{"requestContext", "authorizer", "lambda", "n"}, float64(3)},
		{"v2 iam userArn", true, "http_v2_iam", []string{"requestContext", "authorizer", "iam", "userArn"}, "arn:aws:iam::123456789012:user/alice"},
		{"v2 domain prefix", true, "http_v2_iam", []string{"requestContext", "domainPrefix"}, "a1b2c3d4e5"},
		{"v2 domain name without port", true, "http_v2_iam", []string{"requestContext", "domainName"}, "a1b2c3d4e5.execute-api.localhost"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec, ok := byName[tc.spec]
			if !ok {
				t.Fatalf("no case %s", tc.spec)
			}
			got := get(decode(t, buildEvent(t, tc.v2, spec)), tc.path...)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s = %#v, want %#v", strings.Join(tc.path, "."), got, tc.want)
			}
		})
	}
}

func TestMatchesMediaType(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		ct       string
		want     bool
	}{
		{"exact", []string{"image/png"}, "image/png", true},
		{"wildcard subtype", []string{"image/*"}, "image/jpeg", true},
		{"all", []string{"*/*"}, "application/json", true},
		{"parameters ignored", []string{"application/octet-stream"}, "application/octet-stream; x=y", true},
		{"case-insensitive", []string{"Image/PNG"}, "image/png", true},
		{"no match", []string{"image/*"}, "text/plain", false},
		{"empty content type", []string{"*/*"}, "", false},
		{"no patterns", nil, "image/png", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MatchesMediaType(tc.patterns, tc.ct); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func FuzzBuildEvents(f *testing.F) {
	f.Add("/a/b?x=1&y=%zz&&=", "a=1; b", "text/plain", "body")
	f.Add("/%41?;", "", "image/png", "\x00\xff")
	f.Fuzz(func(t *testing.T, target, cookie, ct, body string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " #\x00\r\n\t") {
			return
		}
		for _, kind := range []exchange.Kind{exchange.REST, exchange.HTTP} {
			spec := exchangeSpec{kind: kind, method: "POST", target: target, routeKey: "$default", resource: "$default",
				header: http.Header{"Cookie": {cookie}, "Content-Type": {ct}}, body: body, binary: []string{"image/*"}}
			func() {
				defer func() {
					if p := recover(); p != nil {
						// httptest.NewRequest panics on targets it cannot parse.
						if s, ok := p.(string); ok && strings.Contains(s, "invalid NewRequest arguments") {
							return
						}
						panic(p)
					}
				}()
				for _, v2 := range []bool{false, true} {
					ev := buildEvent(t, v2, spec)
					if !json.Valid(ev) {
						t.Fatalf("invalid JSON event %s", ev)
					}
				}
			}()
		}
	})
}
