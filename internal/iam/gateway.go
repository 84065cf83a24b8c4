package iam

import (
	"errors"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/gwresp"
	"github.com/gatehouse/gatehouse/internal/sigv4"
)

// GatewayError maps an error from sigv4.Verifier.Verify on an AWS_IAM route
// to the gateway response API Gateway sends (reference §4.3, §7.1):
//
//	no SigV4 material       → MISSING_AUTHENTICATION_TOKEN (default message)
//	expired temporary token → EXPIRED_TOKEN (default message)
//	everything else         → INVALID_SIGNATURE with AWS's exact message
//
// The x-amzn-ErrorType header is set to AWS's exception name for the case
// (IncompleteSignatureException, UnrecognizedClientException, ...). An
// error that is not a refusal (credential store failure) becomes
// AUTHORIZER_FAILURE.
func GatewayError(err error) *gwresp.Error {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		return gwresp.New(gwresp.AuthorizerFailure, err)
	}
	var e *gwresp.Error
	switch se.Code {
	case sigv4.CodeMissingAuthenticationToken:
		e = gwresp.New(gwresp.MissingAuthenticationToken, err)
	case sigv4.CodeExpiredToken:
		e = gwresp.New(gwresp.ExpiredToken, err)
	default:
		e = gwresp.WithMessage(gwresp.InvalidSignature, se.Message, err)
	}
	e.Header = http.Header{}
	e.Header.Set("x-amzn-ErrorType", se.Code.ErrorType())
	return e
}
