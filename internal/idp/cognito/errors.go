package cognito

import (
	"fmt"
	"net/http"
)

// APIError is a Cognito error response: `__type`, `message`, HTTP status.
type APIError struct {
	Type    string
	Message string
	Status  int
}

func (e *APIError) Error() string { return e.Type + ": " + e.Message }

func apiErr(typ, format string, args ...any) *APIError {
	return &APIError{Type: typ, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// Exception names used by the server.
const (
	excInvalidParameter     = "InvalidParameterException"
	excNotAuthorized        = "NotAuthorizedException"
	excResourceNotFound     = "ResourceNotFoundException"
	excUserNotFound         = "UserNotFoundException"
	excUsernameExists       = "UsernameExistsException"
	excInvalidPassword      = "InvalidPasswordException"
	excCodeMismatch         = "CodeMismatchException"
	excExpiredCode          = "ExpiredCodeException"
	excUserNotConfirmed     = "UserNotConfirmedException"
	excPasswordResetReq     = "PasswordResetRequiredException"
	excGroupExists          = "GroupExistsException"
	excLimitExceeded        = "LimitExceededException"
	excTooManyRequests      = "TooManyRequestsException"
	excUnknownOperation     = "UnknownOperationException"
	excInternal             = "InternalErrorException"
	excUserLambdaValidation = "UserLambdaValidationException"
	excInvalidLambdaResp    = "InvalidLambdaResponseException"
	excUnexpectedLambda     = "UnexpectedLambdaException"
	excUnsupportedTokenType = "UnsupportedTokenTypeException"
	excUnauthorized         = "UnauthorizedException"
	excAliasExists          = "AliasExistsException"
	excUnsupportedOperation = "UnsupportedOperationException"
)

// Messages AWS uses (userpool.md §1.4).
const (
	msgIncorrect        = "Incorrect username or password."
	msgUserNotExist     = "User does not exist."
	msgAttemptsExceeded = "Password attempts exceeded"
	msgUserDisabled     = "User is disabled."
	msgNotConfirmed     = "User is not confirmed."
	msgResetRequired    = "Password reset required for the user"
	msgInvalidSession   = "Invalid session for the user."
	msgCodeMismatch     = "Invalid verification code provided, please try again."
	msgExpiredCode      = "Invalid code provided, please request a code again."
	msgAccessExpired    = "Access Token has expired"
	msgAccessRevoked    = "Access Token has been revoked"
	msgAccessInvalid    = "Invalid Access Token"
	msgRefreshRevoked   = "Refresh Token has been revoked"
	msgRefreshInvalid   = "Invalid Refresh Token"
	msgRefreshExpired   = "Refresh Token has expired"
	msgTempExpired      = "Temporary password has expired and must be reset by an administrator."
	msgLimitExceeded    = "Attempt limit exceeded, please try after some time."
)

func internalErr() *APIError {
	return &APIError{Type: excInternal, Message: "Internal error", Status: http.StatusInternalServerError}
}

func missing(field string) *APIError {
	return apiErr(excInvalidParameter, "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must not be null", field)
}

func poolNotFound(id string) *APIError {
	return apiErr(excResourceNotFound, "User pool %s does not exist.", id)
}

func clientNotFound(id string) *APIError {
	return apiErr(excResourceNotFound, "User pool client %s does not exist.", id)
}

// missingParam is the error for a missing AuthParameters /
// ChallengeResponses entry.
func missingParam(name string) *APIError {
	return apiErr(excInvalidParameter, "Missing required parameter %s", name)
}
