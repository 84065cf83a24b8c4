package lambdaproxy

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

// Request is what an event is built from: the exchange plus what Serve
// computed (body, trace id).
type Request struct {
	X       *exchange.Exchange
	Body    []byte
	TraceID string
}

// ---- payload format 1.0 ----

type eventV1 struct {
	Version                         string              `json:"version,omitempty"`
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	RequestContext                  contextV1           `json:"requestContext"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	Body                            *string             `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
}

type contextV1 struct {
	AccountID         string         `json:"accountId"`
	APIID             string         `json:"apiId"`
	Authorizer        map[string]any `json:"authorizer,omitempty"`
	DomainName        string         `json:"domainName"`
	DomainPrefix      string         `json:"domainPrefix"`
	ExtendedRequestID string         `json:"extendedRequestId"`
	HTTPMethod        string         `json:"httpMethod"`
	Identity          identityV1     `json:"identity"`
	Path              string         `json:"path"`
	Protocol          string         `json:"protocol"`
	RequestID         string         `json:"requestId"`
	RequestTime       string         `json:"requestTime"`
	RequestTimeEpoch  int64          `json:"requestTimeEpoch"`
	ResourceID        *string        `json:"resourceId"`
	ResourcePath      string         `json:"resourcePath"`
	Stage             string         `json:"stage"`
}

type identityV1 struct {
	AccessKey                     *string `json:"accessKey"`
	AccountID                     *string `json:"accountId"`
	APIKey                        *string `json:"apiKey"`
	APIKeyID                      *string `json:"apiKeyId"`
	Caller                        *string `json:"caller"`
	CognitoAuthenticationProvider *string `json:"cognitoAuthenticationProvider"`
	CognitoAuthenticationType     *string `json:"cognitoAuthenticationType"`
	CognitoIdentityID             *string `json:"cognitoIdentityId"`
	CognitoIdentityPoolID         *string `json:"cognitoIdentityPoolId"`
	PrincipalOrgID                *string `json:"principalOrgId"`
	SourceIP                      string  `json:"sourceIp"`
	User                          *string `json:"user"`
	UserAgent                     string  `json:"userAgent"`
	UserArn                       *string `json:"userArn"`
}

// ---- payload format 2.0 ----

type eventV2 struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
	RequestContext        contextV2         `json:"requestContext"`
	Body                  string            `json:"body,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

type contextV2 struct {
	AccountID    string         `json:"accountId"`
	APIID        string         `json:"apiId"`
	Authorizer   map[string]any `json:"authorizer,omitempty"`
	DomainName   string         `json:"domainName"`
	DomainPrefix string         `json:"domainPrefix"`
	HTTP         httpV2         `json:"http"`
	RequestID    string         `json:"requestId"`
	RouteKey     string         `json:"routeKey"`
	Stage        string         `json:"stage"`
	Time         string         `json:"time"`
	TimeEpoch    int64          `json:"timeEpoch"`
}

type httpV2 struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

// requestTimeLayout is $context.requestTime: 04/Mar/2020:19:15:17 +0000.
const requestTimeLayout = "02/Jan/2006:15:04:05 -0700"

// droppedRESTHeaders never reach a REST integration (reference §10.1).
var droppedRESTHeaders = map[string]bool{
	"Connection": true, "Content-Length": true, "Content-Md5": true, "Expect": true, "Max-Forwards": true,
	"Proxy-Authenticate": true, "Server": true, "Te": true, "Transfer-Encoding": true, "Trailer": true,
	"Upgrade": true, "Www-Authenticate": true,
}

// hopHeaders are connection-level headers dropped for HTTP APIs.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true,
	"Transfer-Encoding": true, "Trailer": true, "Upgrade": true,
}

// header is one request header in arrival order.
type header struct {
	name   string
	values []string
}

// requestHeaders returns the headers an event carries: the client's, minus
// dropped ones, plus Host and the X-Forwarded-* and trace headers API
// Gateway adds. Names are in net/http's canonical form.
func requestHeaders(req *Request) []header {
	x := req.X
	rest := x.API.Kind == exchange.REST
	var out []header
	names := make([]string, 0, len(x.R.Header)+5)
	for k := range x.R.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	out = append(out, header{"Host", []string{x.R.Host}})
	for _, k := range names {
		switch {
		case k == "Host", k == "X-Forwarded-For", k == "X-Forwarded-Port", k == "X-Forwarded-Proto", k == "X-Amzn-Trace-Id":
			continue
		case rest && droppedRESTHeaders[k], !rest && hopHeaders[k]:
			continue
		}
		out = append(out, header{k, x.R.Header[k]})
	}
	xff := strings.Join(x.R.Header.Values("X-Forwarded-For"), ", ")
	if ip := x.SourceIP; ip != "" {
		parts := strings.Split(xff, ",")
		if xff == "" {
			xff = ip
		} else if strings.TrimSpace(parts[len(parts)-1]) != ip {
			xff += ", " + ip
		}
	}
	if xff != "" {
		out = append(out, header{"X-Forwarded-For", []string{xff}})
	}
	proto := "http"
	if x.R.TLS != nil {
		proto = "https"
	}
	port := "80"
	if proto == "https" {
		port = "443"
	}
	if _, p, err := net.SplitHostPort(x.R.Host); err == nil {
		port = p
	}
	out = append(out, header{"X-Forwarded-Port", []string{port}}, header{"X-Forwarded-Proto", []string{proto}})
	if req.TraceID != "" {
		out = append(out, header{"X-Amzn-Trace-Id", []string{req.TraceID}})
	}
	return out
}

// queryParam is one query parameter in order.
type queryParam struct{ name, value string }

// parseQuery splits a raw query string, decoding names and values; pairs
// that do not decode are kept as sent.
func parseQuery(raw string) []queryParam {
	if raw == "" {
		return nil
	}
	var out []queryParam
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		out = append(out, queryParam{k, v})
	}
	return out
}

// domain returns the domain name (host without port) and its first label.
func domain(x *exchange.Exchange) (string, string) {
	host := x.R.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	prefix, _, _ := strings.Cut(host, ".")
	return host, prefix
}

// pathParams returns the path parameters, or nil when there are none.
func pathParams(x *exchange.Exchange) map[string]string {
	if len(x.Params) == 0 {
		return nil
	}
	m := make(map[string]string, len(x.Params))
	for _, p := range x.Params {
		m[p.Name] = p.Value
	}
	return m
}

func stageVars(x *exchange.Exchange) map[string]string {
	if x.Stage == nil || len(x.Stage.Variables) == 0 {
		return nil
	}
	return x.Stage.Variables
}

func stageName(x *exchange.Exchange) string {
	if x.Stage == nil {
		return "$default"
	}
	return x.Stage.Name
}

// bodyEncoding returns the event body and whether it is base64-encoded: REST
// encodes bodies whose Content-Type matches the API's binaryMediaTypes, HTTP
// APIs encode bodies that are not text.
func bodyEncoding(x *exchange.Exchange, body []byte) (string, bool) {
	ct := x.R.Header.Get("Content-Type")
	var binary bool
	if x.API.Kind == exchange.REST {
		binary = MatchesMediaType(x.API.BinaryMediaTypes, ct)
	} else {
		binary = !isTextContent(ct, body)
	}
	if binary {
		return base64.StdEncoding.EncodeToString(body), true
	}
	return string(body), false
}

// MatchesMediaType reports whether contentType matches one of the patterns
// ("image/png", "image/*", "*/*"); parameters are ignored.
func MatchesMediaType(patterns []string, contentType string) bool {
	if contentType == "" || len(patterns) == 0 {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	}
	typ, sub, _ := strings.Cut(mt, "/")
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSpace(p))
		pt, ps, _ := strings.Cut(p, "/")
		if (pt == "*" || pt == typ) && (ps == "*" || ps == sub) {
			return true
		}
	}
	return false
}

// isTextContent is the HTTP API rule for bodies passed as text: text/*,
// JSON, XML, JavaScript and their +json/+xml variants; without a content
// type, valid UTF-8. (The exact AWS list is unconfirmed.)
func isTextContent(contentType string, body []byte) bool {
	if contentType == "" {
		return utf8.Valid(body)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	typ, sub, _ := strings.Cut(mt, "/")
	switch {
	case typ == "text":
		return true
	case sub == "json" || sub == "xml" || sub == "javascript" || sub == "ecmascript":
		return true
	case strings.HasSuffix(sub, "+json") || strings.HasSuffix(sub, "+xml"):
		return true
	}
	return false
}

// resourceID is a stable 6-character id for a REST resource, like API
// Gateway's.
func resourceID(apiID, resourcePath string) string {
	sum := sha1.Sum([]byte(apiID + " " + resourcePath))
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 6)
	for i := range b {
		b[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(b)
}

// BuildV1 builds a payload format 1.0 event (REST always; HTTP APIs with
// payloadFormatVersion 1.0).
func BuildV1(req *Request) ([]byte, error) {
	x := req.X
	rest := x.API.Kind == exchange.REST
	ev := eventV1{
		HTTPMethod:     x.R.Method,
		PathParameters: pathParams(x),
		StageVariables: stageVars(x),
	}
	stage := stageName(x)
	if rest {
		ev.Resource = x.Route.ResourcePath
		ev.Path = x.Path
	} else {
		ev.Version = "1.0"
		ev.Resource = x.Route.ResourcePath
		if p, err := url.PathUnescape(x.RawPath); err == nil {
			ev.Path = p
		} else {
			ev.Path = x.RawPath
		}
	}
	for _, h := range requestHeaders(req) {
		name := h.name
		if !rest {
			name = strings.ToLower(name)
		}
		if ev.Headers == nil {
			ev.Headers = map[string]string{}
			ev.MultiValueHeaders = map[string][]string{}
		}
		ev.Headers[name] = h.values[len(h.values)-1]
		ev.MultiValueHeaders[name] = append(ev.MultiValueHeaders[name], h.values...)
	}
	for _, q := range parseQuery(x.R.URL.RawQuery) {
		if ev.QueryStringParameters == nil {
			ev.QueryStringParameters = map[string]string{}
			ev.MultiValueQueryStringParameters = map[string][]string{}
		}
		ev.QueryStringParameters[q.name] = q.value
		ev.MultiValueQueryStringParameters[q.name] = append(ev.MultiValueQueryStringParameters[q.name], q.value)
	}
	if len(req.Body) > 0 {
		b, enc := bodyEncoding(x, req.Body)
		ev.Body, ev.IsBase64Encoded = &b, enc
	}
	dn, dp := domain(x)
	ctx := contextV1{
		AccountID:         x.API.AccountID,
		APIID:             x.API.ID,
		DomainName:        dn,
		DomainPrefix:      dp,
		ExtendedRequestID: x.ExtendedRequestID,
		HTTPMethod:        x.R.Method,
		Identity:          identityV1{SourceIP: x.SourceIP, UserAgent: x.R.UserAgent()},
		Protocol:          x.R.Proto,
		RequestID:         x.RequestID,
		RequestTime:       x.Start.UTC().Format(requestTimeLayout),
		RequestTimeEpoch:  x.Start.UnixMilli(),
		ResourcePath:      x.Route.ResourcePath,
		Stage:             stage,
	}
	if ctx.ExtendedRequestID == "" {
		ctx.ExtendedRequestID = x.RequestID
	}
	if rest {
		ctx.Path = "/" + stage + x.Path
		id := resourceID(x.API.ID, x.Route.ResourcePath)
		ctx.ResourceID = &id
	} else {
		ctx.Path = ev.Path
	}
	ctx.Authorizer = authorizerV1(x.Principal, rest)
	if p := x.Principal; p != nil && p.IAM != nil {
		id := &ctx.Identity
		id.AccessKey = strp(p.IAM.AccessKey)
		id.AccountID = strp(p.IAM.AccountID)
		id.Caller = strp(p.IAM.Caller)
		id.User = strp(p.IAM.User)
		id.UserArn = strp(p.IAM.UserARN)
		id.PrincipalOrgID = strp(p.IAM.PrincipalOrgID)
	}
	ev.RequestContext = ctx
	return json.Marshal(ev)
}

// BuildV2 builds a payload format 2.0 event (HTTP APIs).
func BuildV2(req *Request) ([]byte, error) {
	x := req.X
	ev := eventV2{
		Version:        "2.0",
		RouteKey:       x.Route.Key,
		RawPath:        x.RawPath,
		RawQueryString: x.R.URL.RawQuery,
		Headers:        map[string]string{},
		PathParameters: pathParams(x),
		StageVariables: stageVars(x),
	}
	for _, h := range requestHeaders(req) {
		name := strings.ToLower(h.name)
		if name == "cookie" {
			for _, v := range h.values {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						ev.Cookies = append(ev.Cookies, c)
					}
				}
			}
			continue
		}
		if prev, ok := ev.Headers[name]; ok {
			ev.Headers[name] = prev + "," + strings.Join(h.values, ",")
		} else {
			ev.Headers[name] = strings.Join(h.values, ",")
		}
	}
	for _, q := range parseQuery(x.R.URL.RawQuery) {
		if ev.QueryStringParameters == nil {
			ev.QueryStringParameters = map[string]string{}
		}
		if prev, ok := ev.QueryStringParameters[q.name]; ok {
			ev.QueryStringParameters[q.name] = prev + "," + q.value
		} else {
			ev.QueryStringParameters[q.name] = q.value
		}
	}
	if len(req.Body) > 0 {
		ev.Body, ev.IsBase64Encoded = bodyEncoding(x, req.Body)
	}
	dn, dp := domain(x)
	path := x.RawPath
	if p, err := url.PathUnescape(x.RawPath); err == nil {
		path = p
	}
	ev.RequestContext = contextV2{
		AccountID:    x.API.AccountID,
		APIID:        x.API.ID,
		Authorizer:   authorizerV2(x.Principal),
		DomainName:   dn,
		DomainPrefix: dp,
		HTTP: httpV2{
			Method:    x.R.Method,
			Path:      path,
			Protocol:  x.R.Proto,
			SourceIP:  x.SourceIP,
			UserAgent: x.R.UserAgent(),
		},
		RequestID: x.RequestID,
		RouteKey:  x.Route.Key,
		Stage:     stageName(x),
		Time:      x.Start.UTC().Format(requestTimeLayout),
		TimeEpoch: x.Start.UnixMilli(),
	}
	return json.Marshal(ev)
}

func strp(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// stringClaims renders claims as API Gateway passes them: every value a
// string (numbers and booleans as text, arrays as "[a b]", objects as JSON),
// null claims left out.
func stringClaims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		if s, ok := claimString(v); ok {
			out[k] = s
		}
	}
	return out
}

func claimString(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", false
	case string:
		return t, true
	case bool:
		return strconv.FormatBool(t), true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case json.Number:
		return t.String(), true
	case int:
		return strconv.Itoa(t), true
	case int64:
		return strconv.FormatInt(t, 10), true
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			s, _ := claimString(e)
			parts = append(parts, s)
		}
		return "[" + strings.Join(parts, " ") + "]", true
	case []string:
		return "[" + strings.Join(t, " ") + "]", true
	default:
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t), true
		}
		return string(b), true
	}
}

// scopesOrNil is the scopes list, or nil (JSON null) when empty.
func scopesOrNil(s []string) any {
	if len(s) == 0 {
		return nil
	}
	return s
}

// lambdaContextStrings renders a Lambda authorizer context for REST, where
// every value is a string.
func lambdaContextStrings(p *exchange.Principal) map[string]any {
	m := map[string]any{"principalId": p.ID, "integrationLatency": 0}
	for k, v := range p.Context {
		if s, ok := claimString(v); ok {
			m[k] = s
		}
	}
	return m
}

// authorizerV1 is requestContext.authorizer for payload format 1.0; nil
// (omitted) on REST without an authorizer.
func authorizerV1(p *exchange.Principal, rest bool) map[string]any {
	if p == nil || p.Type == "" || p.Type == "iam" {
		if rest {
			return nil
		}
		return map[string]any{"claims": nil, "scopes": nil}
	}
	switch p.Type {
	case "cognito_user_pools":
		return map[string]any{"claims": stringClaims(p.ClaimMap())}
	case "jwt":
		return map[string]any{"claims": stringClaims(p.ClaimMap()), "scopes": scopesOrNil(p.Scopes)}
	case "lambda":
		if rest {
			return lambdaContextStrings(p)
		}
		m := map[string]any{"principalId": p.ID}
		for k, v := range p.Context {
			m[k] = v
		}
		return m
	}
	return nil
}

// authorizerV2 is requestContext.authorizer for payload format 2.0; nil
// (omitted) without an authorizer.
func authorizerV2(p *exchange.Principal) map[string]any {
	if p == nil {
		return nil
	}
	switch p.Type {
	case "jwt", "cognito_user_pools":
		return map[string]any{"jwt": map[string]any{"claims": stringClaims(p.ClaimMap()), "scopes": scopesOrNil(p.Scopes)}}
	case "lambda":
		m := map[string]any{}
		for k, v := range p.Context {
			m[k] = v
		}
		if p.ID != "" {
			m["principalId"] = p.ID
		}
		return map[string]any{"lambda": m}
	case "iam":
		if p.IAM == nil {
			return nil
		}
		return map[string]any{"iam": map[string]any{
			"accessKey":       p.IAM.AccessKey,
			"accountId":       p.IAM.AccountID,
			"callerId":        p.IAM.Caller,
			"cognitoIdentity": nil,
			"principalOrgId":  nilIfEmpty(p.IAM.PrincipalOrgID),
			"userArn":         p.IAM.UserARN,
			"userId":          p.IAM.User,
		}}
	}
	return nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
