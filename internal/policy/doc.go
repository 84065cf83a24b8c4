// Package policy is gatehouse's IAM JSON policy engine: a strict parser and
// validator for policy documents (identity policies, resource policies and
// Lambda-authorizer output policies) and an evaluator that decides explicit
// deny > allow > implicit deny, recording which statements decided and why.
//
// The package is pure: no I/O, no clock reads, no package-level state. The
// caller supplies the request context (time, source address, caller
// identity, other condition keys) in a Context. A parsed *Policy is
// immutable and may be evaluated from many goroutines at once; a Context and
// a Request belong to one evaluation at a time.
//
// Wildcard matching (actions, resources, StringLike, ArnLike) never
// backtracks: cost is bounded by len(text) × the longest run between two
// '*' in the pattern, so hostile patterns cannot blow up evaluation.
package policy
