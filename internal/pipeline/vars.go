package pipeline

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/exchange"
)

// Vars exposes an exchange to templates (gateway responses, access logs) under
// API Gateway's variable names.
type Vars struct {
	X *exchange.Exchange
	// Done is the total latency, known when the access log is written.
	Done time.Duration
}

// Lookup implements ctxtmpl.Vars.
func (v Vars) Lookup(name string) (string, bool) {
	x := v.X
	switch {
	case strings.HasPrefix(name, "context."):
		return v.context(name[len("context."):])
	case strings.HasPrefix(name, "stageVariables."):
		if x.Stage == nil {
			return "", false
		}
		s, ok := x.Stage.Variables[name[len("stageVariables."):]]
		return s, ok
	case strings.HasPrefix(name, "method.request.header."):
		h := x.R.Header.Get(name[len("method.request.header."):])
		return h, h != ""
	case strings.HasPrefix(name, "method.request.querystring."):
		q := x.R.URL.Query().Get(name[len("method.request.querystring."):])
		return q, q != ""
	case strings.HasPrefix(name, "method.request.path."):
		return x.Param(name[len("method.request.path."):])
	}
	return "", false
}

// RequestTime formats t as API Gateway's $context.requestTime (CLF).
func RequestTime(t time.Time) string {
	return t.UTC().Format("02/Jan/2006:15:04:05 -0700")
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

func (v Vars) context(name string) (string, bool) {
	x := v.X
	switch name {
	case "requestId", "awsEndpointRequestId":
		return x.RequestID, true
	case "extendedRequestId":
		return x.ExtendedRequestID, true
	case "apiId":
		return x.API.ID, true
	case "accountId":
		return x.API.AccountID, true
	case "stage":
		if x.Stage == nil {
			return "", false
		}
		return x.Stage.Name, true
	case "httpMethod":
		return x.R.Method, true
	case "path":
		return x.RawPath, true
	case "resourcePath":
		if x.Route == nil {
			return "", false
		}
		return x.Route.ResourcePath, true
	case "routeKey":
		if x.Route == nil {
			return "", false
		}
		return x.Route.Key, true
	case "protocol":
		return x.R.Proto, true
	case "domainName":
		return x.R.Host, true
	case "domainPrefix":
		h := x.R.Host
		if i := strings.IndexByte(h, '.'); i > 0 {
			h = h[:i]
		}
		return h, true
	case "identity.sourceIp":
		return x.SourceIP, true
	case "identity.userAgent":
		return x.R.UserAgent(), true
	case "requestTime":
		return RequestTime(x.Start), true
	case "requestTimeEpoch":
		return strconv.FormatInt(x.Start.UnixMilli(), 10), true
	case "status":
		return strconv.Itoa(x.Status), x.Status != 0
	case "responseLength":
		return strconv.FormatInt(x.ResponseLength, 10), true
	case "integrationLatency":
		if x.IntegrationLatency == 0 {
			return "", false
		}
		return ms(x.IntegrationLatency), true
	case "integrationStatus", "integration.status":
		if x.IntegrationStatus == 0 {
			return "", false
		}
		return strconv.Itoa(x.IntegrationStatus), true
	case "responseLatency":
		return ms(v.Done), v.Done > 0
	case "error.message", "error.messageString":
		return x.ErrorMessage, x.ErrorMessage != ""
	case "error.responseType":
		return x.ErrorType, x.ErrorType != ""
	}
	if strings.HasPrefix(name, "authorizer.") {
		return v.authorizer(name[len("authorizer."):])
	}
	if strings.HasPrefix(name, "identity.") && x.Principal != nil && x.Principal.IAM != nil {
		id := x.Principal.IAM
		switch name[len("identity."):] {
		case "accessKey":
			return id.AccessKey, true
		case "accountId":
			return id.AccountID, true
		case "caller":
			return id.Caller, true
		case "user":
			return id.User, true
		case "userArn":
			return id.UserARN, true
		}
	}
	return "", false
}

func (v Vars) authorizer(name string) (string, bool) {
	p := v.X.Principal
	if p == nil {
		return "", false
	}
	switch {
	case name == "principalId":
		return p.ID, p.ID != ""
	case name == "scopes":
		return strings.Join(p.Scopes, " "), len(p.Scopes) > 0
	case strings.HasPrefix(name, "claims."):
		c, ok := p.ClaimMap()[name[len("claims."):]]
		if !ok {
			return "", false
		}
		return ClaimString(c), true
	}
	if c, ok := p.Context[name]; ok {
		return ClaimString(c), true
	}
	return "", false
}

// ClaimString renders a claim value the way API Gateway passes claims on:
// strings as they are, numbers without exponent, arrays as "[a b]".
func ClaimString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = ClaimString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case []string:
		return "[" + strings.Join(t, " ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ":" + ClaimString(t[k])
		}
		return "map[" + strings.Join(parts, " ") + "]"
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
