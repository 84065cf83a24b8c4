// Package memory is the reference in-memory implementation of store.Store.
// It defines the semantics the conformance suite (storetest) checks every
// other backend against, and serves tests and ephemeral runs.
//
// Concurrency: one mutex guards all state, so every method, including the
// whole of an update closure, is atomic. Closures must not call back into the
// store. Values are deep-copied (through their JSON form, the same form the
// SQL backends persist) on the way in and out, so callers never alias stored
// state and both backends round-trip values identically.
package memory
