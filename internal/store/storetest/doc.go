// Package storetest is the conformance suite every store.Store backend runs:
// Run checks the semantics of each concern (CRUD, not-found and conflict
// errors, pagination stability, cascading deletes, update closures, copy
// isolation) and RunConcurrency checks that concurrent closure updates do
// not lose writes and that single-use records stay single-use.
//
// A backend test calls both with a constructor that returns a fresh, empty
// store per call; the suite closes the stores it creates. The helpers are
// safe for parallel subtests; the suite itself does not call t.Parallel.
package storetest
