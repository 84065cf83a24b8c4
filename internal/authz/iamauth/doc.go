// Package iamauth owns the AWS_IAM authorizer: it authenticates a request's
// SigV4 signature (header or presigned form) with an iam.Authenticator,
// builds the execute-api method ARN of the call, evaluates the caller's
// identity policies for execute-api:Invoke on it, and turns the outcome into
// an exchange.Principal for the pipeline (reference §4).
//
// When the API has no resource policy the authorizer refuses an
// identity-policy denial itself with AWS's ACCESS_DENIED text; when it has
// one, the decision is left in Principal.Decision for the API's resource
// policy guard (package resguard), which combines both with tables A/B.
//
// Body handling: SigV4 signs the SHA-256 of the body, so the body must be
// read before the integration sees it. The authorizer reads it only when the
// signature needs the payload hash (every other check has passed), buffers
// it in memory up to pipeline.MaxBodyBytes (10 MB; larger bodies are refused
// with REQUEST_TOO_LARGE) and replaces x.R.Body with a reader over the
// buffered bytes, so the integration receives the body unchanged.
//
// Concurrency: an Authorizer is immutable after New and safe for concurrent
// use; each Authorize call touches only its own Exchange.
package iamauth
