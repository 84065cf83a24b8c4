package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// problemsOf parses src and returns its problems as "path: message
// (suggestion)" without positions, skipping paths under any ignore prefix
// (sections validated by other capabilities).
func problemsOf(t *testing.T, src string, ignore ...string) []string {
	t.Helper()
	_, err := Parse("t.yaml", []byte(src))
	if err == nil {
		return nil
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error is %T: %v", err, err)
	}
	var out []string
next:
	for _, e := range es {
		for _, pre := range ignore {
			if strings.HasPrefix(e.Path, pre) {
				continue next
			}
		}
		e.File, e.Line, e.Col = "", 0, 0
		out = append(out, e.String())
	}
	return out
}

// httpAPI and restAPI build a one-API config; extra is flow-style YAML
// mapping entries added to the API, route is one flow-style route.
func httpAPI(extra, routes string) string {
	return fmt.Sprintf("apis:\n  - {name: a, kind: http, routes: [%s]%s}\n", routes, extra)
}

func restAPI(extra, routes string) string {
	return fmt.Sprintf("apis:\n  - {name: a, kind: rest, stages: [{name: prod}], routes: [%s]%s}\n", routes, extra)
}

const mockRoute = "{route: GET /x, integration: {mock: {}}}"

func httpRoute(key, url string) string {
	return fmt.Sprintf("{route: %q, integration: {http: {url: %q}}}", key, url)
}

func TestValidateRules(t *testing.T) {
	longVal := strings.Repeat("a", 513)
	var manyVars, manyRoutes, manyAuth []string
	for i := range 101 {
		manyVars = append(manyVars, fmt.Sprintf("v%d: x", i))
	}
	for i := range 301 {
		manyRoutes = append(manyRoutes, fmt.Sprintf("{route: GET /r%d, integration: {mock: {}}}", i))
	}
	for i := range 11 {
		manyAuth = append(manyAuth, fmt.Sprintf("{name: j%d, jwt: {issuer: \"https://i.example\", audience: [x]}}", i))
	}
	jwtAuth := ", authorizers: [{name: j, jwt: {issuer: \"https://i.example\", audience: [x]}}]"
	cognitoAuth := ", authorizers: [{name: c, cognitoUserPools: {userPools: [\"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc\"]}}]"
	authIgnore := []string{"apis[0].authorizers[0].jwt.", "apis[0].authorizers[0].cognitoUserPools.", "apis[0].authorizers[1].jwt.", "apis[0].authorizers[1].cognitoUserPools."}

	tests := []struct {
		name   string
		src    string
		want   []string
		ignore []string
	}{
		// APIs
		{name: "valid http api", src: httpAPI("", mockRoute)},
		{name: "valid rest api", src: restAPI("", mockRoute)},
		{name: "empty name", src: "apis: [{name: '', kind: http, routes: []}]", want: []string{"apis[0].name: name is required"}},
		{name: "duplicate name", src: "apis: [{name: a, kind: http, routes: []}, {name: a, kind: http, id: other, routes: []}]",
			want: []string{`apis[1].name: duplicate API name "a" (also apis[0])`}},
		{name: "distinct names", src: "apis: [{name: a, kind: http, routes: []}, {name: b, kind: http, routes: []}]"},
		{name: "invalid explicit id", src: "apis: [{name: a, id: My-Api, kind: http, routes: []}]",
			want: []string{`apis[0].id: invalid id "My-Api"; expected 1 to 63 lowercase letters and digits`}},
		{name: "too long id", src: "apis: [{name: a, id: " + strings.Repeat("a", 64) + ", kind: http, routes: []}]",
			want: []string{`apis[0].id: invalid id "` + strings.Repeat("a", 64) + `"; expected 1 to 63 lowercase letters and digits`}},
		{name: "duplicate explicit id", src: "apis: [{name: a, id: x1, kind: http, routes: []}, {name: b, id: x1, kind: http, routes: []}]",
			want: []string{`apis[1].id: duplicate API id "x1" (also apis[0])`}},
		{name: "derived id taken by an explicit id", src: "apis: [{name: a, id: " + DeriveAPIID("b") + ", kind: http, routes: []}, {name: b, kind: http, routes: []}]",
			want: []string{fmt.Sprintf(`apis[1].name: the id derived from name "b", %q, is also used by apis[0]; set an explicit id`, DeriveAPIID("b"))}},
		{name: "valid explicit id", src: "apis: [{name: a, id: abc123, kind: http, routes: []}]"},
		{name: "empty kind", src: "apis: [{name: a, kind: '', routes: []}]", want: []string{"apis[0].kind: kind is required: http or rest"}},
		{name: "unknown kind", src: "apis: [{name: a, kind: REST, routes: []}]",
			want: []string{`apis[0].kind: unknown kind "REST"; use http or rest (did you mean "rest"?)`}},

		// Stages
		{name: "rest without stages", src: "apis: [{name: a, kind: rest, routes: []}]",
			want: []string{"apis[0].stages: a rest API needs at least one stage (for example: stages: [{name: prod}])"}},
		{name: "rest $default stage", src: "apis: [{name: a, kind: rest, stages: [{name: $default}], routes: []}]",
			want: []string{"apis[0].stages[0].name: the $default stage is only for kind http; REST stages are named"}},
		{name: "http $default and named stages", src: httpAPI(", stages: [{name: $default}, {name: v1}]", "")},
		{name: "bad stage name", src: httpAPI(", stages: [{name: 'v 1'}]", ""),
			want: []string{`apis[0].stages[0].name: invalid stage name "v 1"; use 1 to 128 letters, digits, '-' or '_'`}},
		{name: "stage name too long", src: httpAPI(", stages: [{name: "+strings.Repeat("s", 129)+"}]", ""),
			want: []string{`apis[0].stages[0].name: invalid stage name "` + strings.Repeat("s", 129) + `"; use 1 to 128 letters, digits, '-' or '_'`}},
		{name: "empty stage name", src: httpAPI(", stages: [{name: ''}]", ""), want: []string{"apis[0].stages[0].name: name is required"}},
		{name: "duplicate stage", src: httpAPI(", stages: [{name: v1}, {name: v1}]", ""),
			want: []string{`apis[0].stages[1].name: duplicate stage "v1" (also stages[0])`}},
		{name: "stage variable value charset", src: httpAPI(", stages: [{name: s, variables: {ok_1: 'a-b._~:/?#&=,Z9'}}]", "")},
		{name: "bad stage variable name", src: httpAPI(", stages: [{name: s, variables: {a-b: x}}]", ""),
			want: []string{`apis[0].stages[0].variables.a-b: invalid stage variable name "a-b"; use 1 to 64 letters, digits or '_'`}},
		{name: "bad stage variable value", src: httpAPI(", stages: [{name: s, variables: {a: 'x y'}}]", ""),
			want: []string{`apis[0].stages[0].variables.a: invalid stage variable value "x y"; use 1 or more of A-Z a-z 0-9 - . _ ~ : / ? # & = ,`}},
		{name: "empty stage variable value", src: httpAPI(", stages: [{name: s, variables: {a: ''}}]", ""),
			want: []string{`apis[0].stages[0].variables.a: invalid stage variable value ""; use 1 or more of A-Z a-z 0-9 - . _ ~ : / ? # & = ,`}},
		{name: "stage variable value too long", src: httpAPI(", stages: [{name: s, variables: {a: "+longVal+"}}]", ""),
			want: []string{"apis[0].stages[0].variables.a: stage variable value is 513 characters; the limit is 512"}},
		{name: "too many stage variables", src: httpAPI(", stages: [{name: s, variables: {"+strings.Join(manyVars, ", ")+"}}]", ""),
			want: []string{"apis[0].stages[0].variables: 101 stage variables; a stage has at most 100"}},

		// Routes
		{name: "http $default route", src: httpAPI("", "{route: $default, integration: {mock: {}}}")},
		{name: "rest $default route", src: restAPI("", "{route: $default, integration: {mock: {}}}"),
			want: []string{`apis[0].routes[0].route: the $default route is only for kind http; use "ANY /{proxy+}" on a REST API`}},
		{name: "lower-case method", src: httpAPI("", "{route: get /x, integration: {mock: {}}}"),
			want: []string{`apis[0].routes[0].route: unknown method "get" in route key; use one of GET POST PUT DELETE PATCH HEAD OPTIONS ANY (did you mean "GET /x"?)`}},
		{name: "duplicate route", src: httpAPI("", mockRoute+", "+mockRoute),
			want: []string{`apis[0].routes[1].route: route "GET /x" conflicts with routes[0] "GET /x"`}},
		{name: "same shape, other param name", src: httpAPI("", "{route: 'GET /x/{a}', integration: {mock: {}}}, {route: 'GET /x/{b}', integration: {mock: {}}}"),
			want: []string{`apis[0].routes[1].route: route "GET /x/{b}" conflicts with routes[0] "GET /x/{a}"`}},
		{name: "same path, other methods", src: httpAPI("", "{route: 'GET /x/{a}', integration: {mock: {}}}, {route: 'ANY /x/{a}', integration: {mock: {}}}, {route: 'GET /x/{a+}', integration: {mock: {}}}")},
		{name: "http allows different param names per method", src: httpAPI("", "{route: 'GET /x/{a}', integration: {mock: {}}}, {route: 'PUT /x/{b}', integration: {mock: {}}}")},
		{name: "rest requires one param name per path part", src: restAPI("", "{route: 'GET /x/{a}', integration: {mock: {}}}, {route: 'PUT /x/{b}/y', integration: {mock: {}}}"),
			want: []string{`apis[0].routes[1].route: parameter {b} conflicts with {a} at the same place in "GET /x/{a}"; a REST resource has one name per path part`}},
		{name: "rest same param names", src: restAPI("", "{route: 'GET /x/{a}', integration: {mock: {}}}, {route: 'PUT /x/{a}/y', integration: {mock: {}}}")},
		{name: "too many routes", src: httpAPI("", strings.Join(manyRoutes, ", ")),
			want: []string{"apis[0].routes: 301 routes; an API has at most 300"}},
		{name: "300 routes", src: httpAPI("", strings.Join(manyRoutes[:300], ", "))},

		// Integrations
		{name: "no integration member", src: httpAPI("", "{route: GET /x, integration: {}}"),
			want: []string{"apis[0].routes[0].integration: an integration needs exactly one of http, mock or lambda"}},
		{name: "two integration members", src: httpAPI("", "{route: GET /x, integration: {mock: {}, http: {url: 'http://h'}}}"),
			want: []string{"apis[0].routes[0].integration: an integration needs exactly one of http, mock or lambda, but http and mock are set"}},
		{name: "http url with path params and stage variables", src: httpAPI(", stages: [{name: s, variables: {h: 'h:1'}}]", httpRoute("GET /a/{id}/{rest+}", "https://${stageVariables.h}/b/{id}/{rest}?x=${stageVariables.h}"))},
		{name: "greedy placeholder written with +", src: httpAPI("", httpRoute("ANY /{proxy+}", "http://h/{proxy+}"))},
		{name: "relative url", src: httpAPI("", httpRoute("GET /x", "/x")),
			want: []string{`apis[0].routes[0].integration.http.url: URL "/x" must be absolute and use http or https`}},
		{name: "ftp url", src: httpAPI("", httpRoute("GET /x", "ftp://h/x")),
			want: []string{`apis[0].routes[0].integration.http.url: URL "ftp://h/x" must be absolute and use http or https`}},
		{name: "url without host", src: httpAPI("", httpRoute("GET /x", "http:///x")),
			want: []string{`apis[0].routes[0].integration.http.url: URL "http:///x" has no host`}},
		{name: "url with credentials", src: httpAPI("", httpRoute("GET /x", "http://u:p@h/x")),
			want: []string{`apis[0].routes[0].integration.http.url: URL "http://u:p@h/x" must not carry credentials`}},
		{name: "url with fragment", src: httpAPI("", httpRoute("GET /x", "http://h/x#f")),
			want: []string{`apis[0].routes[0].integration.http.url: URL "http://h/x#f" must not have a fragment`}},
		{name: "empty url", src: httpAPI("", httpRoute("GET /x", "")),
			want: []string{`apis[0].routes[0].integration.http.url: url is required`}},
		{name: "placeholder not a route param", src: httpAPI("", httpRoute("GET /x/{id}", "http://h/{di}")),
			want: []string{`apis[0].routes[0].integration.http.url: placeholder {di} is not a path parameter of route "GET /x/{id}" (it has: id) (did you mean "id"?)`}},
		{name: "placeholder on route without params", src: httpAPI("", httpRoute("$default", "http://h/{proxy}")),
			want: []string{`apis[0].routes[0].integration.http.url: placeholder {proxy}: route "$default" has no path parameters`}},
		{name: "bad stage variable reference", src: httpAPI("", httpRoute("GET /x", "http://${stageVariables.a-b}/x")),
			want: []string{`apis[0].routes[0].integration.http.url: invalid stage variable reference "${stageVariables.a-b}"; write ${stageVariables.name}`}},
		{name: "not a stage variable reference", src: httpAPI("", httpRoute("GET /x", "http://${host}/x")),
			want: []string{`apis[0].routes[0].integration.http.url: invalid stage variable reference in "http://${host}/x"; write ${stageVariables.name}`}},
		{name: "method override", src: httpAPI("", "{route: GET /x, integration: {http: {url: 'http://h', method: POST}}}")},
		{name: "bad method override", src: httpAPI("", "{route: GET /x, integration: {http: {url: 'http://h', method: FETCH}}}"),
			want: []string{`apis[0].routes[0].integration.http.method: unknown method "FETCH"; use one of GET POST PUT DELETE PATCH HEAD OPTIONS (did you mean "PATCH"?)`}},
		{name: "http timeout 30s on http api", src: httpAPI("", "{route: GET /x, integration: {http: {url: 'http://h', timeout: 30s}}}")},
		{name: "http timeout 30s on rest api", src: restAPI("", "{route: GET /x, integration: {http: {url: 'http://h', timeout: 30s}}}"),
			want: []string{"apis[0].routes[0].integration.http.timeout: timeout 30s out of range; a REST API allows 50ms to 29s"}},
		{name: "http timeout 29s on rest api", src: restAPI("", "{route: GET /x, integration: {http: {url: 'http://h', timeout: 29s}}}")},
		{name: "http timeout below 50ms", src: httpAPI("", "{route: GET /x, integration: {http: {url: 'http://h', timeout: 49ms}}}"),
			want: []string{"apis[0].routes[0].integration.http.timeout: timeout 49ms out of range; an HTTP API allows 50ms to 30s"}},
		{name: "http timeout 50ms", src: httpAPI("", "{route: GET /x, integration: {http: {url: 'http://h', timeout: 50ms}}}")},
		{name: "negative timeout", src: httpAPI("", "{route: GET /x, integration: {http: {url: 'http://h', timeout: -1s}}}"),
			want: []string{"apis[0].routes[0].integration.http.timeout: timeout -1s out of range; an HTTP API allows 50ms to 30s"}},
		{name: "mock status 99", src: httpAPI("", "{route: GET /x, integration: {mock: {status: 99}}}"),
			want: []string{"apis[0].routes[0].integration.mock.status: status 99 out of range 100-599"}},
		{name: "mock status 600", src: httpAPI("", "{route: GET /x, integration: {mock: {status: 600}}}"),
			want: []string{"apis[0].routes[0].integration.mock.status: status 600 out of range 100-599"}},
		{name: "mock status 599 with headers", src: httpAPI("", "{route: GET /x, integration: {mock: {status: 599, headers: {X-A: b}, body: hi}}}")},
		{name: "mock bad header name", src: httpAPI("", "{route: GET /x, integration: {mock: {headers: {'X A': b}}}}"),
			want: []string{`apis[0].routes[0].integration.mock.headers["X A"]: invalid header name "X A"`}},
		{name: "mock header value with newline", src: httpAPI("", "{route: GET /x, integration: {mock: {headers: {X-A: \"a\\nb\"}}}}"),
			want: []string{`apis[0].routes[0].integration.mock.headers.X-A: header value contains a line break or NUL`}},

		// Authorizer references and scopes
		{name: "reserved authorizer references", src: httpAPI(", defaultAuthorizer: AWS_IAM", "{route: GET /x, authorizer: NONE, integration: {mock: {}}}")},
		{name: "unknown authorizer without authorizers", src: httpAPI("", "{route: GET /x, authorizer: none, integration: {mock: {}}}"),
			want: []string{`apis[0].routes[0].authorizer: unknown authorizer "none": this API declares no authorizers (use NONE, AWS_IAM or add it under authorizers) (did you mean "NONE"?)`}},
		{name: "unknown authorizer with suggestion", src: httpAPI(jwtAuth, "{route: GET /x, authorizer: jj, integration: {mock: {}}}"),
			want: []string{`apis[0].routes[0].authorizer: unknown authorizer "jj"; use NONE, AWS_IAM or one of: j (did you mean "j"?)`}, ignore: authIgnore},
		{name: "unknown default authorizer", src: httpAPI(", defaultAuthorizer: AWS-IAM", mockRoute),
			want: []string{`apis[0].defaultAuthorizer: unknown authorizer "AWS-IAM": this API declares no authorizers (use NONE, AWS_IAM or add it under authorizers) (did you mean "AWS_IAM"?)`}},
		{name: "named authorizer and scopes", src: httpAPI(jwtAuth, "{route: GET /x, authorizer: j, scopes: [read], integration: {mock: {}}}"), ignore: authIgnore},
		{name: "scopes through the default authorizer", src: restAPI(cognitoAuth+", defaultAuthorizer: c", "{route: GET /x, scopes: [read], integration: {mock: {}}}"), ignore: authIgnore},
		{name: "scopes without authorizer", src: httpAPI("", "{route: GET /x, scopes: [read], integration: {mock: {}}}"),
			want: []string{"apis[0].routes[0].scopes: scopes need a jwt or cognitoUserPools authorizer, but the route's authorizer is none"}},
		{name: "scopes with AWS_IAM", src: httpAPI("", "{route: GET /x, authorizer: AWS_IAM, scopes: [read], integration: {mock: {}}}"),
			want: []string{"apis[0].routes[0].scopes: scopes need a jwt or cognitoUserPools authorizer, but the route's authorizer is AWS_IAM"}},
		{name: "scope with a space", src: httpAPI(jwtAuth, "{route: GET /x, authorizer: j, scopes: ['a b'], integration: {mock: {}}}"),
			want: []string{`apis[0].routes[0].scopes[0]: invalid scope "a b": scopes are non-empty and contain no spaces`}, ignore: authIgnore},

		// Authorizer entries
		{name: "duplicate authorizer", src: httpAPI(", authorizers: [{name: j, jwt: {audience: [x]}}, {name: j, jwt: {audience: [x]}}]", ""),
			want: []string{`apis[0].authorizers[1].name: duplicate authorizer "j"`}, ignore: authIgnore},
		{name: "reserved authorizer name", src: httpAPI(", authorizers: [{name: NONE, jwt: {audience: [x]}}]", ""),
			want: []string{`apis[0].authorizers[0].name: NONE is reserved; choose another authorizer name`}, ignore: authIgnore},
		{name: "authorizer without member", src: httpAPI(", authorizers: [{name: j}]", ""),
			want: []string{`apis[0].authorizers[0]: an authorizer needs exactly one of jwt or cognitoUserPools`}, ignore: authIgnore},
		{name: "authorizer with both members", src: httpAPI(", authorizers: [{name: j, jwt: {audience: [x]}, cognitoUserPools: {userPools: [p]}}]", ""),
			want: []string{`apis[0].authorizers[0]: an authorizer needs exactly one of jwt or cognitoUserPools, but jwt and cognitoUserPools are set`}, ignore: authIgnore},
		{name: "jwt on rest", src: restAPI(", authorizers: [{name: j, jwt: {audience: [x]}}]", ""),
			want: []string{`apis[0].authorizers[0].jwt: jwt authorizers are for kind http; a rest API uses cognitoUserPools`}, ignore: authIgnore},
		{name: "cognito on http", src: httpAPI(cognitoAuth, ""),
			want: []string{`apis[0].authorizers[0].cognitoUserPools: cognitoUserPools authorizers are for kind rest; an http API uses jwt`}, ignore: authIgnore},
		{name: "too many authorizers", src: httpAPI(", authorizers: ["+strings.Join(manyAuth, ", ")+"]", ""),
			want: []string{"apis[0].authorizers: 11 authorizers; an API has at most 10"}, ignore: []string{"apis[0].authorizers["}},

		// Gateway responses
		{name: "gateway responses", src: restAPI(", gatewayResponses: {DEFAULT_4XX: {status: 404, headers: {Access-Control-Allow-Origin: '*'}, templates: {application/json: '{\"m\":$context.error.messageString}'}}, UNAUTHORIZED: {}}", "")},
		{name: "unknown gateway response", src: restAPI(", gatewayResponses: {MISSING_AUTH_TOKEN: {status: 404}}", ""),
			want: []string{`apis[0].gatewayResponses.MISSING_AUTH_TOKEN: unknown gateway response type "MISSING_AUTH_TOKEN"`}},
		{name: "gateway response suggestion", src: restAPI(", gatewayResponses: {THROTTLE: {status: 404}}", ""),
			want: []string{`apis[0].gatewayResponses.THROTTLE: unknown gateway response type "THROTTLE" (did you mean "THROTTLED"?)`}},
		{name: "request too large", src: httpAPI(", gatewayResponses: {REQUEST_TOO_LARGE: {status: 400}}", ""),
			want: []string{`apis[0].gatewayResponses.REQUEST_TOO_LARGE: REQUEST_TOO_LARGE cannot be customized`}},
		{name: "gateway response status", src: restAPI(", gatewayResponses: {DEFAULT_5XX: {status: 1000}}", ""),
			want: []string{`apis[0].gatewayResponses.DEFAULT_5XX.status: status 1000 out of range 100-599`}},
		{name: "gateway response template type", src: restAPI(", gatewayResponses: {DEFAULT_5XX: {templates: {json: x}}}", ""),
			want: []string{`apis[0].gatewayResponses.DEFAULT_5XX.templates.json: invalid content type "json"; expected type/subtype such as application/json`}},
		{name: "gateway response header", src: restAPI(", gatewayResponses: {DEFAULT_5XX: {headers: {'a:b': x}}}", ""),
			want: []string{`apis[0].gatewayResponses.DEFAULT_5XX.headers.a:b: invalid header name "a:b"`}},

		// CORS
		{name: "cors", src: httpAPI(", cors: {allowOrigins: ['https://a.example', 'http://localhost:3000', 'https://*.example.com'], allowMethods: [GET, '*'], allowHeaders: [authorization, '*'], exposeHeaders: [x-id], allowCredentials: true, maxAge: 86400}", "")},
		{name: "cors on rest", src: restAPI(", cors: {allowOrigins: ['*']}", ""),
			want: []string{"apis[0].cors: cors is only for kind http; REST APIs answer preflight requests through OPTIONS routes"}},
		{name: "cors wildcard with credentials", src: httpAPI(", cors: {allowOrigins: ['*'], allowCredentials: true}", ""),
			want: []string{`apis[0].cors.allowOrigins[0]: allowOrigins "*" cannot be combined with allowCredentials: true; list the origins`}},
		{name: "cors bad origin", src: httpAPI(", cors: {allowOrigins: ['a.example', 'https://a.example/path']}", ""),
			want: []string{
				`apis[0].cors.allowOrigins[0]: invalid origin "a.example"; expected "*" or scheme://host[:port]`,
				`apis[0].cors.allowOrigins[1]: invalid origin "https://a.example/path"; expected "*" or scheme://host[:port]`,
			}},
		{name: "cors bad method", src: httpAPI(", cors: {allowMethods: [get]}", ""),
			want: []string{`apis[0].cors.allowMethods[0]: unknown method "get"; use "*" or GET POST PUT DELETE PATCH HEAD OPTIONS (did you mean "GET"?)`}},
		{name: "cors bad header", src: httpAPI(", cors: {allowHeaders: ['a b'], exposeHeaders: ['c d']}", ""),
			want: []string{`apis[0].cors.allowHeaders[0]: invalid header name "a b"`, `apis[0].cors.exposeHeaders[0]: invalid header name "c d"`}},
		{name: "cors maxAge", src: httpAPI(", cors: {maxAge: 86401}", ""),
			want: []string{`apis[0].cors.maxAge: maxAge 86401 out of range 0-86400 seconds`}},
		{name: "cors negative maxAge", src: httpAPI(", cors: {maxAge: -1}", ""),
			want: []string{`apis[0].cors.maxAge: maxAge -1 out of range 0-86400 seconds`}},

		// Access logs
		{name: "access logs", src: httpAPI(", accessLog: {destination: stderr}, stages: [{name: s, accessLog: {format: '$context.requestId'}}]", "")},
		{name: "access log without destination", src: httpAPI(", accessLog: {disabled: false}", "")},
		{name: "empty access log destination", src: httpAPI(", accessLog: {destination: ''}", ""),
			want: []string{"apis[0].accessLog.destination: destination is empty; omit it for stdout, or write stdout, stderr or a file path"}},
		{name: "stage access log destination with spaces", src: httpAPI(", stages: [{name: s, accessLog: {destination: ' x'}}]", ""),
			want: []string{`apis[0].stages[0].accessLog.destination: invalid destination " x"`}},
		{name: "empty access log format", src: httpAPI(", accessLog: {format: ''}", ""),
			want: []string{"apis[0].accessLog.format: format is empty; omit it for the default JSON format"}},

		// Binary media types
		{name: "binary media types", src: restAPI(", binaryMediaTypes: [image/png, '*/*']", "")},
		{name: "binary media types on http", src: httpAPI(", binaryMediaTypes: [image/png]", ""),
			want: []string{"apis[0].binaryMediaTypes: binaryMediaTypes is only for kind rest; HTTP APIs decide base64 encoding from the content type"}},
		{name: "bad binary media type", src: restAPI(", binaryMediaTypes: [png]", ""),
			want: []string{`apis[0].binaryMediaTypes[0]: invalid media type "png"; expected type/subtype such as image/png or */*`}},

		// Settings
		{name: "settings", src: "apis: []\nsettings: {region: eu-central-1, accountId: '000000000000', trustedProxies: [10.0.0.0/8, '::1', 192.168.1.1, 'fd00::/8']}\n"},
		{name: "bad region", src: "apis: []\nsettings: {region: EU}\n", want: []string{`settings.region: invalid region "EU"; expected a region name such as us-east-1`}},
		{name: "bad account id", src: "apis: []\nsettings: {accountId: '12345678901a'}\n", want: []string{`settings.accountId: invalid account id "12345678901a"; expected 12 digits`}},
		{name: "bad trusted proxy", src: "apis: []\nsettings: {trustedProxies: [10.0.0.0/33, localhost]}\n",
			want: []string{
				`settings.trustedProxies[0]: invalid trusted proxy "10.0.0.0/33"; expected an IP address or CIDR such as 10.0.0.0/8`,
				`settings.trustedProxies[1]: invalid trusted proxy "localhost"; expected an IP address or CIDR such as 10.0.0.0/8`,
			}},
	}
	root := loadSchema(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLines(t, problemsOf(t, tt.src, tt.ignore...), tt.want)
			// What validation accepts, the editor schema must accept too.
			if tt.want == nil && tt.ignore == nil {
				if errs := checkSchema(root, root, yamlToJSONValue(t, []byte(tt.src)), ""); len(errs) > 0 {
					t.Errorf("schema rejects a valid config:\n%s", strings.Join(errs, "\n"))
				}
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c := mustParse(t, `apis:
  - name: h
    kind: http
    routes:
      - {route: GET /a, integration: {http: {url: "http://h"}}}
      - {route: GET /b, integration: {mock: {}}}
  - name: r
    kind: rest
    stages: [{name: prod}]
    routes:
      - {route: GET /a, integration: {http: {url: "http://h"}}}
`)
	h, r := c.APIs[0], c.APIs[1]
	checks := []struct {
		name      string
		got, want any
	}{
		{"region", c.Settings.Region, "us-east-1"},
		{"account", c.Settings.AccountID, "123456789012"},
		{"http id", h.ID, DeriveAPIID("h")},
		{"rest id", r.ID, DeriveAPIID("r")},
		{"http stages", len(h.Stages), 1},
		{"http stage name", h.Stages[0].Name, "$default"},
		{"rest stages", len(r.Stages), 1},
		{"http timeout", h.Routes[0].Integration.HTTP.Timeout.D(), 30 * time.Second},
		{"rest timeout", r.Routes[0].Integration.HTTP.Timeout.D(), 29 * time.Second},
		{"mock status", h.Routes[1].Integration.Mock.Status, 200},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}

	t.Run("lambda", func(t *testing.T) {
		c := &Config{APIs: []API{
			{Name: "h", Kind: KindHTTP, Routes: []Route{{Route: "GET /", Integration: Integration{Lambda: &LambdaIntegration{Function: "f"}}}}},
			{Name: "r", Kind: KindREST, Routes: []Route{{Route: "GET /", Integration: Integration{Lambda: &LambdaIntegration{Function: "f", Timeout: Duration(time.Second)}}}}},
		}}
		c.applyDefaults()
		hl, rl := c.APIs[0].Routes[0].Integration.Lambda, c.APIs[1].Routes[0].Integration.Lambda
		if hl.PayloadFormatVersion != "2.0" || rl.PayloadFormatVersion != "1.0" {
			t.Errorf("payload versions = %q, %q; want 2.0, 1.0", hl.PayloadFormatVersion, rl.PayloadFormatVersion)
		}
		if hl.Timeout.D() != 30*time.Second || rl.Timeout.D() != time.Second {
			t.Errorf("timeouts = %v, %v; want 30s and the explicit 1s", hl.Timeout, rl.Timeout)
		}
	})

	t.Run("explicit values are kept", func(t *testing.T) {
		c := mustParse(t, "apis: [{name: h, id: myid, kind: http, stages: [{name: v1}], routes: [{route: GET /, integration: {mock: {status: 204}}}]}]\nsettings: {region: eu-west-3, accountId: '111111111111'}\n")
		a := c.APIs[0]
		if a.ID != "myid" || len(a.Stages) != 1 || a.Stages[0].Name != "v1" || a.Routes[0].Integration.Mock.Status != 204 ||
			c.Settings.Region != "eu-west-3" || c.Settings.AccountID != "111111111111" {
			t.Errorf("explicit values changed: %+v %+v", a, c.Settings)
		}
	})
}

func TestValidateInCode(t *testing.T) {
	c := &Config{APIs: []API{{Name: "a", Kind: "soap", Routes: []Route{{Route: "GET /x", Integration: Integration{Mock: &MockIntegration{}}}}}}}
	err := c.Validate()
	want := `apis[0].kind: unknown kind "soap"; use http or rest`
	if err == nil || err.Error() != want {
		t.Errorf("Validate = %v, want %q", err, want)
	}
	c.APIs[0].Kind = KindHTTP
	if err := c.Validate(); err != nil {
		t.Errorf("Validate = %v, want nil", err)
	}
	if c.APIs[0].Routes[0].Integration.Mock.Status != 200 {
		t.Error("Validate did not apply defaults")
	}
}

func TestDeriveAPIID(t *testing.T) {
	// Pinned: ids appear in hosts and URLs users save, so the derivation
	// must never change.
	pinned := map[string]string{
		"pets": "ddvadshwoc",
		"shop": "rpkkt1h6yl",
	}
	for name, want := range pinned {
		if got := DeriveAPIID(name); got != want {
			t.Errorf("DeriveAPIID(%q) = %q, want %q", name, got, want)
		}
	}
	seen := map[string]string{}
	for i := range 2000 {
		name := fmt.Sprintf("api-%d", i)
		id := DeriveAPIID(name)
		if !apiIDPattern.MatchString(id) || len(id) != 10 {
			t.Fatalf("DeriveAPIID(%q) = %q: not 10 lowercase alphanumerics", name, id)
		}
		if DeriveAPIID(name) != id {
			t.Fatalf("DeriveAPIID(%q) not deterministic", name)
		}
		if other, dup := seen[id]; dup {
			t.Fatalf("DeriveAPIID collision: %q and %q → %q", name, other, id)
		}
		seen[id] = name
	}
}
