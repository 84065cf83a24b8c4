// Package resguard owns the resource-policy guard of a REST API: it parses
// the API's resource policy at load (resource kind, abbreviated
// "execute-api:/..." resources and documentation placeholders expanded for
// the API, AWS's 8192-character limit), and implements authz.Guard by
// running respolicy.PreAuthorize before the route's authorizer and
// respolicy.Decide after it, with the route's authorization type (NONE,
// AWS_IAM, a JWT/Cognito authorizer, a Lambda authorizer) and the
// same-account/cross-account tables of reference §5.6. Every decision is
// recorded in the exchange's trace with the statement that decided it.
//
// Each request builds its method ARN and anonymous policy context once, in
// Before, and keeps them with the resource policy's decision in the
// exchange's GuardState; After reuses them while the inputs are unchanged
// (same request, route and caller address, and the same clock reading when
// the policy can read aws:CurrentTime or aws:EpochTime), so a non-AWS_IAM
// route evaluates the resource policy once. AWS_IAM routes evaluate twice:
// the pre-authorization pass with the caller unknown, then Decide with the
// SigV4 caller.
//
// Concurrency: a Guard is immutable after New (the parsed policy is
// read-only) and safe for concurrent use; GuardState belongs to the
// goroutine serving the request, like the rest of the Exchange.
package resguard
