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
// Concurrency: a Guard is immutable after New (the parsed policy is
// read-only) and safe for concurrent use.
package resguard
