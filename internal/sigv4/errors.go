package sigv4

import (
	"errors"
	"fmt"
)

// Code classifies a refusal. Each code corresponds to one API Gateway
// gateway-response type and one x-amzn-ErrorType (see ResponseType and
// ErrorType).
type Code int

// Refusal codes.
const (
	// CodeMissingAuthenticationToken: the request carries no SigV4 material.
	CodeMissingAuthenticationToken Code = iota + 1
	// CodeIncompleteSignature: SigV4 material is present but malformed or
	// incomplete (missing parameters, bad date, bad credential scope).
	CodeIncompleteSignature
	// CodeInvalidSignature: the signature does not match, or the scope names
	// the wrong region/service/date.
	CodeInvalidSignature
	// CodeSignatureExpired: the request time is outside the allowed skew or
	// the presigned URL has expired.
	CodeSignatureExpired
	// CodeUnrecognizedClient: unknown access key id, or a session token that
	// does not belong to the access key.
	CodeUnrecognizedClient
	// CodeExpiredToken: temporary credentials whose expiry has passed.
	CodeExpiredToken
)

// String returns the code's name.
func (c Code) String() string {
	switch c {
	case CodeMissingAuthenticationToken:
		return "MissingAuthenticationToken"
	case CodeIncompleteSignature:
		return "IncompleteSignature"
	case CodeInvalidSignature:
		return "InvalidSignature"
	case CodeSignatureExpired:
		return "SignatureExpired"
	case CodeUnrecognizedClient:
		return "UnrecognizedClient"
	case CodeExpiredToken:
		return "ExpiredToken"
	}
	return fmt.Sprintf("Code(%d)", int(c))
}

// ErrorType is the x-amzn-ErrorType header value AWS sends with this code.
func (c Code) ErrorType() string {
	switch c {
	case CodeMissingAuthenticationToken:
		return "MissingAuthenticationTokenException"
	case CodeIncompleteSignature:
		return "IncompleteSignatureException"
	case CodeInvalidSignature, CodeSignatureExpired:
		return "InvalidSignatureException"
	case CodeUnrecognizedClient:
		return "UnrecognizedClientException"
	case CodeExpiredToken:
		return "ExpiredTokenException"
	}
	return ""
}

// ResponseType is the API Gateway gateway-response type name (as in
// package gwresp) this code renders as. Codes without a dedicated AWS type
// use INVALID_SIGNATURE with a specific message.
func (c Code) ResponseType() string {
	switch c {
	case CodeMissingAuthenticationToken:
		return "MISSING_AUTHENTICATION_TOKEN"
	case CodeExpiredToken:
		return "EXPIRED_TOKEN"
	}
	return "INVALID_SIGNATURE"
}

// Error is a refusal with AWS's public message. Message is safe to show to
// clients (it never contains secrets; for a signature mismatch it contains
// the canonical request and string to sign, exactly as AWS does).
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return "sigv4: " + e.Code.String() + ": " + e.Message }

// ErrUnknownAccessKey is returned by a CredentialLookup for an access key id
// it does not know. Any other lookup error is treated as an internal failure.
var ErrUnknownAccessKey = errors.New("unknown access key id")

// AWS messages (reference §4.3, §7.1).
const (
	msgMissingToken    = "Missing Authentication Token"
	msgInvalidToken    = "The security token included in the request is invalid."
	msgExpiredToken    = "The security token included in the request is expired"
	msgSignatureIntro  = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgBothMechanisms  = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"
	msgQueryParamsNeed = "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."
)

func newErr(c Code, format string, args ...any) *Error {
	return &Error{Code: c, Message: fmt.Sprintf(format, args...)}
}

func mismatchError(creq, sts string) *Error {
	return &Error{Code: CodeInvalidSignature, Message: msgSignatureIntro +
		"\n\nThe Canonical String for this request should have been\n'" + creq +
		"'\n\nThe String-to-Sign should have been\n'" + sts + "'\n"}
}
