// Package store defines gatehouse's persistent-state interfaces: one small
// interface per concern (user pools, app clients, users, groups, refresh
// tokens and auth sessions, signing keys, process metadata), the plain value
// types they exchange, and the sentinel errors callers test with errors.Is.
//
// Backends live in subpackages (memory, sqlite) and must pass the shared
// conformance suite in storetest. Callers depend only on this package, so a
// new backend (for example PostgreSQL) needs no change outside its own
// package.
//
// Rules every backend follows:
//   - Values are copied on the way in and on the way out: a caller can never
//     alias stored state through slices, maps or pointers.
//   - Update methods take a closure that receives the current value and
//     returns the new one. The closure runs inside the backend's write
//     transaction, at most once per call, and must not call back into the
//     store (backends serialise writers, so that would deadlock). Returning an
//     error from the closure aborts the update and that error is returned
//     wrapped with %w.
//   - Identity fields (pool id, username, sub, client id, group name) cannot
//     be changed by an update closure; trying returns ErrPrecondition.
//   - List methods return items in a stable order and an opaque next-page
//     token ("" on the last page). Tokens are cursors, so pages stay stable
//     when items are inserted or deleted between calls.
//
// Everything in this package is safe for concurrent use; the helpers are pure
// functions.
package store
