// Package config owns gatehouse's native configuration: the typed model,
// strict decoding with file:line:column positions, and validation.
//
// Values of these types are immutable once Parse returns; the app package
// builds runtime components from them and swaps them atomically on reload.
// Parse, LoadFile and Validate are safe for concurrent use (they share no
// state).
//
// Conventions for section owners adding fields: the decoder and the JSON
// Schema follow the `yaml` tags; a field whose tag lacks ",omitempty" is
// required. Doc comments on types and fields become schema descriptions;
// after changing a type run `go test ./internal/config -run Schema -update`.
// Validation problems are reported with p.add/p.addSuggest at YAML paths
// (see problems.go); Parse maps them to file:line:column.
package config

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the root of a native gatehouse configuration file.
type Config struct {
	// APIs served by the gateway listener.
	APIs []API `yaml:"apis,omitempty" json:"apis,omitempty"`
	// Functions run by the local Lambda runtime (issue: functions).
	Functions []Function `yaml:"functions,omitempty" json:"functions,omitempty"`
	// UserPools served by the identity provider listener (issue: user pools).
	UserPools []UserPool `yaml:"userPools,omitempty" json:"userPools,omitempty"`
	// IAM principals and policies (issue: IAM).
	IAM *IAM `yaml:"iam,omitempty" json:"iam,omitempty"`
	// Settings that apply to the whole process.
	Settings Settings `yaml:"settings,omitempty" json:"settings,omitempty"`
}

// Settings holds process-wide values that are part of the config file.
type Settings struct {
	// Region reported in ARNs, events and issuer URLs. Default us-east-1.
	Region string `yaml:"region,omitempty" json:"region,omitempty"`
	// AccountID reported in ARNs and events. Default 123456789012.
	AccountID string `yaml:"accountId,omitempty" json:"accountId,omitempty"`
	// TrustedProxies are CIDRs whose X-Forwarded-For is believed.
	TrustedProxies []string `yaml:"trustedProxies,omitempty" json:"trustedProxies,omitempty"`
}

// APIKind selects HTTP API (apigatewayv2) or REST API (apigateway) semantics.
type APIKind string

// API kinds.
const (
	KindHTTP APIKind = "http"
	KindREST APIKind = "rest"
)

// API is one API Gateway API.
type API struct {
	// ID is the API id used in `<id>.execute-api.<anything>` hosts. When empty
	// a stable 10-character id is derived from Name.
	ID string `yaml:"id,omitempty" json:"id,omitempty"`
	// Name of the API, unique in the file.
	Name string `yaml:"name" json:"name"`
	// Kind is http (HTTP API semantics) or rest (REST API semantics).
	Kind APIKind `yaml:"kind" json:"kind"`
	// Stages of the API. HTTP APIs default to a single `$default` stage; REST
	// APIs need at least one named stage.
	Stages []Stage `yaml:"stages,omitempty" json:"stages,omitempty"`
	// Routes of the API, at most 300.
	Routes []Route `yaml:"routes" json:"routes"`
	// Authorizers referenced by name from routes.
	Authorizers []Authorizer `yaml:"authorizers,omitempty" json:"authorizers,omitempty"`
	// DefaultAuthorizer applies to routes that name none.
	DefaultAuthorizer string `yaml:"defaultAuthorizer,omitempty" json:"defaultAuthorizer,omitempty"`
	// GatewayResponses customise the responses gatehouse generates, keyed by
	// response type (DEFAULT_4XX, MISSING_AUTHENTICATION_TOKEN, ...).
	GatewayResponses map[string]GatewayResponse `yaml:"gatewayResponses,omitempty" json:"gatewayResponses,omitempty"`
	// CORS for HTTP APIs.
	CORS *CORS `yaml:"cors,omitempty" json:"cors,omitempty"`
	// AccessLog configures access logging for every stage unless a stage overrides it.
	AccessLog *AccessLog `yaml:"accessLog,omitempty" json:"accessLog,omitempty"`
	// ResourcePolicy is an IAM policy document guarding a REST API (issue: IAM).
	ResourcePolicy *PolicyDocument `yaml:"resourcePolicy,omitempty" json:"resourcePolicy,omitempty"`
	// BinaryMediaTypes (REST) lists content types delivered base64-encoded to functions.
	BinaryMediaTypes []string `yaml:"binaryMediaTypes,omitempty" json:"binaryMediaTypes,omitempty"`
	// LogicalID is the template logical id when the API came from a SAM template.
	LogicalID string `yaml:"logicalId,omitempty" json:"logicalId,omitempty"`
}

// Stage is a deployment stage of an API.
type Stage struct {
	// Name of the stage; `$default` (HTTP APIs only) is served at the root.
	Name string `yaml:"name" json:"name"`
	// Variables are stage variables, used as ${stageVariables.name} in
	// integration URLs: names of letters, digits and '_' (at most 64),
	// values of at most 512 characters from A-Za-z0-9-._~:/?#&=, and at
	// most 100 per stage.
	Variables map[string]string `yaml:"variables,omitempty" json:"variables,omitempty"`
	// AccessLog overrides the API's access log settings for this stage.
	AccessLog *AccessLog `yaml:"accessLog,omitempty" json:"accessLog,omitempty"`
}

// Route binds a route key to an integration and an authorizer.
type Route struct {
	// Route is the route key: "GET /items/{id}", "ANY /{proxy+}" or "$default".
	Route string `yaml:"route" json:"route"`
	// Integration that answers the route.
	Integration Integration `yaml:"integration" json:"integration"`
	// Authorizer names an entry of the API's authorizers, or AWS_IAM, or NONE.
	Authorizer string `yaml:"authorizer,omitempty" json:"authorizer,omitempty"`
	// Scopes are the authorization scopes the route requires (any of them).
	Scopes []string `yaml:"scopes,omitempty" json:"scopes,omitempty"`
}

// Integration is a tagged union: exactly one member is set.
type Integration struct {
	// HTTP proxies the request to an HTTP backend.
	HTTP *HTTPIntegration `yaml:"http,omitempty" json:"http,omitempty"`
	// Mock answers with a static response.
	Mock *MockIntegration `yaml:"mock,omitempty" json:"mock,omitempty"`
	// Lambda invokes a local function with a Lambda proxy event.
	Lambda *LambdaIntegration `yaml:"lambda,omitempty" json:"lambda,omitempty"`
}

// HTTPIntegration proxies to an HTTP backend.
type HTTPIntegration struct {
	// URL of the backend. `{name}` is replaced by path parameters and
	// `${stageVariables.name}` by stage variables. For the `$default` route
	// the request path is appended; other routes use the URL as written.
	URL string `yaml:"url" json:"url"`
	// Method overrides the request method sent to the backend.
	Method string `yaml:"method,omitempty" json:"method,omitempty"`
	// Timeout of the integration call; default 30s (HTTP) / 29s (REST).
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// MockIntegration answers with a static response.
type MockIntegration struct {
	// Status code of the response; default 200.
	Status int `yaml:"status,omitempty" json:"status,omitempty"`
	// Headers of the response.
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	// Body of the response, sent as written.
	Body string `yaml:"body,omitempty" json:"body,omitempty"`
}

// LambdaIntegration invokes a local function as a Lambda proxy integration.
type LambdaIntegration struct {
	// Function names an entry of the top-level functions list.
	Function string `yaml:"function" json:"function"`
	// PayloadFormatVersion is "1.0" or "2.0" (HTTP default 2.0; REST always 1.0).
	PayloadFormatVersion string `yaml:"payloadFormatVersion,omitempty" json:"payloadFormatVersion,omitempty"`
	// Timeout of the integration call; default 30s (HTTP) / 29s (REST).
	Timeout Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// GatewayResponse customises one gateway response type.
type GatewayResponse struct {
	// Status overrides the type's default status code.
	Status int `yaml:"status,omitempty" json:"status,omitempty"`
	// Headers are static values, or request references such as
	// method.request.header.Accept (REST semantics).
	Headers map[string]string `yaml:"headers,omitempty" json:"headers,omitempty"`
	// Templates map a content type to a body template with $context variables.
	Templates map[string]string `yaml:"templates,omitempty" json:"templates,omitempty"`
}

// CORS configures CORS for an HTTP API.
type CORS struct {
	// AllowOrigins lists allowed origins (scheme://host[:port]), or "*".
	AllowOrigins []string `yaml:"allowOrigins,omitempty" json:"allowOrigins,omitempty"`
	// AllowMethods lists allowed methods, or "*".
	AllowMethods []string `yaml:"allowMethods,omitempty" json:"allowMethods,omitempty"`
	// AllowHeaders lists request headers allowed in preflight, or "*".
	AllowHeaders []string `yaml:"allowHeaders,omitempty" json:"allowHeaders,omitempty"`
	// ExposeHeaders lists response headers the browser may read.
	ExposeHeaders []string `yaml:"exposeHeaders,omitempty" json:"exposeHeaders,omitempty"`
	// AllowCredentials sets Access-Control-Allow-Credentials; not with origin "*".
	AllowCredentials bool `yaml:"allowCredentials,omitempty" json:"allowCredentials,omitempty"`
	// MaxAge in seconds for caching preflight results, 0 to 86400.
	MaxAge int `yaml:"maxAge,omitempty" json:"maxAge,omitempty"`
}

// AccessLog configures access logs.
type AccessLog struct {
	// Destination: "stdout", "stderr" or a file path. Default stdout.
	Destination string `yaml:"destination,omitempty" json:"destination,omitempty"`
	// Format is a $context template; default is gatehouse's JSON format.
	Format string `yaml:"format,omitempty" json:"format,omitempty"`
	// Disabled turns access logging off.
	Disabled bool `yaml:"disabled,omitempty" json:"disabled,omitempty"`
}

// Authorizer is a tagged union: exactly one member is set.
type Authorizer struct {
	// Name referenced by routes and defaultAuthorizer; NONE and AWS_IAM are reserved.
	Name string `yaml:"name" json:"name"`
	// JWT is an HTTP API JWT authorizer (issue: JWT authorizers).
	JWT *JWTAuthorizer `yaml:"jwt,omitempty" json:"jwt,omitempty"`
	// CognitoUserPools is a REST API Cognito user-pool authorizer.
	CognitoUserPools *CognitoAuthorizer `yaml:"cognitoUserPools,omitempty" json:"cognitoUserPools,omitempty"`
}

// Reserved authorizer names usable on routes.
const (
	AuthorizerNone   = "NONE"
	AuthorizerAWSIAM = "AWS_IAM"
)

// Duration is a time.Duration written as a Go duration string ("30s", "1m").
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// PolicyDocument is an IAM policy document kept as JSON (YAML input is
// converted) so the policy package can parse it; positions of its fields are
// kept for error messages.
type PolicyDocument struct {
	JSON []byte `yaml:"-" json:"-"`
	// node is the decoded subtree, kept to map paths inside the document
	// (Statement[1].Action) to positions; nil when built in code.
	node *yaml.Node
}
