package gwresp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/ctxtmpl"
	"github.com/gatehouse/gatehouse/internal/exchange"
)

// class is the default-class of a type: which DEFAULT_* it falls back to.
type class uint8

const (
	class4xx class = iota
	class5xx
)

// spec is a type's built-in behaviour.
type spec struct {
	status int
	// message is the REST default message; nil renders JSON null.
	message *string
	// errorType is the x-amzn-ErrorType header value (REST).
	errorType string
	class     class
	// httpStatus and httpMessage are the HTTP API (apigatewayv2) fixed answer.
	httpStatus  int
	httpMessage string
}

func msg(s string) *string { return &s }

// specs is the catalogue of reference §7.1 and §12.1.
var specs = map[Type]spec{
	AccessDenied:                 {403, msg("Forbidden"), "AccessDeniedException", class4xx, 403, "Forbidden"},
	APIConfigurationError:        {500, msg("Internal server error"), "ApiConfigurationException", class5xx, 500, "Internal Server Error"},
	AuthorizerConfigurationError: {500, nil, "AuthorizerConfigurationException", class5xx, 500, "Internal Server Error"},
	AuthorizerFailure:            {500, nil, "AuthorizerFailureException", class5xx, 500, "Internal Server Error"},
	BadRequestParameters:         {400, msg("Missing required request parameters"), "BadRequestException", class4xx, 400, "Bad Request"},
	BadRequestBody:               {400, msg("Invalid request body"), "BadRequestException", class4xx, 400, "Bad Request"},
	Default4XX:                   {400, msg("Bad Request"), "BadRequestException", class4xx, 400, "Bad Request"},
	Default5XX:                   {500, msg("Internal server error"), "InternalFailureException", class5xx, 500, "Internal Server Error"},
	ExpiredToken:                 {403, msg("The security token included in the request is expired"), "ExpiredTokenException", class4xx, 403, "The security token included in the request is expired"},
	IntegrationFailure:           {504, msg("Network error communicating with endpoint"), "IntegrationFailureException", class5xx, 500, "Internal Server Error"},
	IntegrationTimeout:           {504, msg("Endpoint request timed out"), "IntegrationTimeoutException", class5xx, 503, "Service Unavailable"},
	InvalidAPIKey:                {403, msg("Forbidden"), "ForbiddenException", class4xx, 403, "Forbidden"},
	InvalidSignature:             {403, msg("The request signature we calculated does not match the signature you provided."), "InvalidSignatureException", class4xx, 403, "Forbidden"},
	MissingAuthenticationToken:   {403, msg("Missing Authentication Token"), "MissingAuthenticationTokenException", class4xx, 403, "Forbidden"},
	QuotaExceeded:                {429, msg("Limit Exceeded"), "LimitExceededException", class4xx, 429, "Limit Exceeded"},
	RequestTooLarge:              {413, msg("HTTP content length exceeded 10485760 bytes"), "RequestTooLargeException", class4xx, 413, "Request Entity Too Large"},
	ResourceNotFound:             {404, msg("Not Found"), "NotFoundException", class4xx, 404, "Not Found"},
	Throttled:                    {429, msg("Too Many Requests"), "TooManyRequestsException", class4xx, 429, "Too Many Requests"},
	Unauthorized:                 {401, msg("Unauthorized"), "UnauthorizedException", class4xx, 401, "Unauthorized"},
	UnsupportedMediaType:         {415, msg("Unsupported Media Type"), "UnsupportedMediaTypeException", class4xx, 415, "Unsupported Media Type"},
	WAFFiltered:                  {403, msg("Forbidden"), "WafFilteredException", class4xx, 403, "Forbidden"},
}

// Types returns every gateway-response type, sorted.
func Types() []Type {
	out := make([]Type, 0, len(specs))
	for t := range specs {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Known reports whether t is a gateway-response type.
func Known(t Type) bool { _, ok := specs[t]; return ok }

// ServerError reports whether t belongs to the DEFAULT_5XX class (an
// unknown type renders as DEFAULT_5XX, so it does too).
func ServerError(t Type) bool {
	sp, ok := specs[t]
	return !ok || sp.class == class5xx
}

// Customizable reports whether an API may customise t.
func Customizable(t Type) bool { return Known(t) && t != RequestTooLarge }

// Custom is one customised gateway response.
type Custom struct {
	// Status overrides the status when non-zero.
	Status int
	// Headers are values: a static literal ('*' quoted or bare) or a request
	// reference method.request.header.X / .path.X / .querystring.X,
	// stageVariables.X or context.X.
	Headers map[string]string
	// Templates map content type to body template.
	Templates map[string]string
}

// Catalogue renders gateway responses for one API.
type Catalogue struct {
	kind   exchange.Kind
	custom map[Type]*compiled
}

type compiled struct {
	status    int
	headers   []compiledHeader
	templates []compiledTemplate
}

type compiledHeader struct {
	name  string
	value string // literal
	ref   string // variable reference when non-empty
}

type compiledTemplate struct {
	contentType string
	tmpl        ctxtmpl.Template
}

// NewCatalogue compiles an API's customisations. Keys must be known types.
func NewCatalogue(kind exchange.Kind, custom map[Type]Custom) (*Catalogue, error) {
	c := &Catalogue{kind: kind, custom: make(map[Type]*compiled, len(custom))}
	for t, cu := range custom {
		if !Customizable(t) {
			return nil, fmt.Errorf("gateway response %q cannot be customised", t)
		}
		cc := &compiled{status: cu.Status}
		for name, v := range cu.Headers {
			h := compiledHeader{name: http.CanonicalHeaderKey(name)}
			switch {
			case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
				h.value = v[1 : len(v)-1]
			case strings.HasPrefix(v, "method.request.") || strings.HasPrefix(v, "stageVariables.") || strings.HasPrefix(v, "context."):
				h.ref = v
			default:
				h.value = v
			}
			cc.headers = append(cc.headers, h)
		}
		sort.Slice(cc.headers, func(i, j int) bool { return cc.headers[i].name < cc.headers[j].name })
		for ct, body := range cu.Templates {
			tp, err := ctxtmpl.ParseTemplate(body)
			if err != nil {
				return nil, fmt.Errorf("gateway response %s template %s: %w", t, ct, err)
			}
			cc.templates = append(cc.templates, compiledTemplate{contentType: strings.ToLower(ct), tmpl: tp})
		}
		sort.Slice(cc.templates, func(i, j int) bool { return cc.templates[i].contentType < cc.templates[j].contentType })
		c.custom[t] = cc
	}
	return c, nil
}

// Vars resolves template and header references for one request.
type Vars = ctxtmpl.Vars

var (
	defaultTemplate      = ctxtmpl.MustParse(`{"message":$context.error.messageString}`)
	accessDeniedTemplate = ctxtmpl.MustParse(`{"Message":$context.error.messageString}`)
)

// Response is a rendered gateway response.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	// Message is the public message ($context.error.message; "" when null).
	Message string
}

// Render computes the response for e. accept is the request's Accept header.
func (c *Catalogue) Render(e *Error, vars Vars, accept string) Response {
	sp, ok := specs[e.Type]
	if !ok {
		sp = specs[Default5XX]
	}
	status := sp.status
	message := sp.message
	if c.kind == exchange.HTTP {
		status = sp.httpStatus
		message = msg(sp.httpMessage)
	}
	if e.Set {
		message = e.Message
	}
	if e.Status != 0 {
		status = e.Status
	}
	cu := c.custom[e.Type]
	if cu == nil && e.Type != RequestTooLarge {
		if sp.class == class4xx {
			cu = c.custom[Default4XX]
		} else {
			cu = c.custom[Default5XX]
		}
	}
	h := make(http.Header, 4)
	tmpl := defaultTemplate
	ct := "application/json"
	if c.kind == exchange.REST && e.Type == AccessDenied && cu == nil {
		tmpl = accessDeniedTemplate
	}
	if cu != nil {
		if cu.status != 0 {
			status = cu.status
		}
		if t, tct, ok := cu.pick(accept); ok {
			tmpl, ct = t, tct
		}
	}
	ev := errVars{inner: vars, message: message, typ: e.Type}
	h.Set("Content-Type", ct)
	if c.kind == exchange.REST {
		h.Set("X-Amzn-Errortype", sp.errorType)
	}
	for k, vs := range e.Header {
		h[k] = append([]string(nil), vs...)
	}
	if cu != nil {
		for _, ch := range cu.headers {
			v := ch.value
			if ch.ref != "" {
				rv, ok := ev.Lookup(ch.ref)
				if !ok {
					continue
				}
				v = rv
			}
			h.Set(ch.name, sanitizeHeader(v))
		}
	}
	resp := Response{Status: status, Header: h, Body: tmpl.Render(ev)}
	if message != nil {
		resp.Message = *message
	}
	return resp
}

func (cu *compiled) pick(accept string) (ctxtmpl.Template, string, bool) {
	if len(cu.templates) == 0 {
		return ctxtmpl.Template{}, "", false
	}
	first := accept
	if i := strings.IndexByte(first, ','); i >= 0 {
		first = first[:i]
	}
	if i := strings.IndexByte(first, ';'); i >= 0 {
		first = first[:i]
	}
	first = strings.ToLower(strings.TrimSpace(first))
	for _, t := range cu.templates {
		if first != "" && t.contentType == first {
			return t.tmpl, t.contentType, true
		}
	}
	for _, t := range cu.templates {
		if t.contentType == "application/json" {
			return t.tmpl, t.contentType, true
		}
	}
	return cu.templates[0].tmpl, cu.templates[0].contentType, true
}

// Write renders e for the request and writes it to w.
func (c *Catalogue) Write(w http.ResponseWriter, e *Error, vars Vars, accept string) Response {
	resp := c.Render(e, vars, accept)
	dst := w.Header()
	for k, vs := range resp.Header {
		dst[k] = vs
	}
	dst.Set("Content-Length", strconv.Itoa(len(resp.Body)))
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
	return resp
}

// errVars adds the $context.error.* variables to a request's Vars.
type errVars struct {
	inner   Vars
	message *string
	typ     Type
}

func (v errVars) Lookup(name string) (string, bool) {
	switch name {
	case "context.error.message":
		if v.message == nil {
			return "", true
		}
		return *v.message, true
	case "context.error.messageString":
		if v.message == nil {
			return "null", true
		}
		b, _ := json.Marshal(*v.message)
		return string(b), true
	case "context.error.responseType":
		return string(v.typ), true
	case "context.error.validationErrorString":
		return "", true
	}
	if v.inner == nil {
		return "", false
	}
	return v.inner.Lookup(name)
}

// sanitizeHeader drops characters that would break the header framing.
func sanitizeHeader(v string) string {
	if strings.ContainsAny(v, "\r\n\x00") {
		return strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == 0 {
				return -1
			}
			return r
		}, v)
	}
	return v
}
