// Package gwresp owns the gateway-response catalogue: every response that
// gatehouse itself generates (as opposed to an integration) is an *Error with a
// response Type, rendered in one place with AWS's default status and body or the
// API's customisation.
package gwresp

import (
	"fmt"
	"net/http"
)

// Type is an API Gateway gateway-response type.
type Type string

// Gateway response types (reference §7.1).
const (
	AccessDenied                 Type = "ACCESS_DENIED"
	APIConfigurationError        Type = "API_CONFIGURATION_ERROR"
	AuthorizerConfigurationError Type = "AUTHORIZER_CONFIGURATION_ERROR"
	AuthorizerFailure            Type = "AUTHORIZER_FAILURE"
	BadRequestParameters         Type = "BAD_REQUEST_PARAMETERS"
	BadRequestBody               Type = "BAD_REQUEST_BODY"
	Default4XX                   Type = "DEFAULT_4XX"
	Default5XX                   Type = "DEFAULT_5XX"
	ExpiredToken                 Type = "EXPIRED_TOKEN"
	IntegrationFailure           Type = "INTEGRATION_FAILURE"
	IntegrationTimeout           Type = "INTEGRATION_TIMEOUT"
	InvalidAPIKey                Type = "INVALID_API_KEY"
	InvalidSignature             Type = "INVALID_SIGNATURE"
	MissingAuthenticationToken   Type = "MISSING_AUTHENTICATION_TOKEN"
	QuotaExceeded                Type = "QUOTA_EXCEEDED"
	RequestTooLarge              Type = "REQUEST_TOO_LARGE"
	ResourceNotFound             Type = "RESOURCE_NOT_FOUND"
	Throttled                    Type = "THROTTLED"
	Unauthorized                 Type = "UNAUTHORIZED"
	UnsupportedMediaType         Type = "UNSUPPORTED_MEDIA_TYPE"
	WAFFiltered                  Type = "WAF_FILTERED"
)

// Error is a refusal or failure produced by a pipeline stage. The client sees
// the public Message (or the type's default); Cause is logged only.
type Error struct {
	Type Type
	// Message overrides the type's default public message when Set is true.
	// A nil Message with Set renders as JSON null.
	Message *string
	Set     bool
	// Status, when non-zero, overrides the type's default status for this
	// occurrence (e.g. an HTTP API answers 404 where a REST API answers 403).
	Status int
	// Header holds extra headers for this occurrence (e.g. WWW-Authenticate).
	Header http.Header
	// Cause is the internal reason, for logs. Never shown to clients.
	Cause error
}

// New returns an error of type t with the type's default message.
func New(t Type, cause error) *Error { return &Error{Type: t, Cause: cause} }

// WithMessage returns an error of type t with a specific public message.
func WithMessage(t Type, msg string, cause error) *Error {
	return &Error{Type: t, Message: &msg, Set: true, Cause: cause}
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %v", e.Type, e.Cause)
	}
	return string(e.Type)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }
