package store

import "errors"

// Sentinel errors. Backends wrap them with context; test with errors.Is.
var (
	// ErrNotFound reports that the addressed record (or its parent) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict reports that a record with the same unique key already
	// exists (duplicate id, username, sub, alias value, group name, ...).
	ErrConflict = errors.New("already exists")
	// ErrPrecondition reports an update that would change an identity field,
	// or a write that breaks an invariant the store enforces.
	ErrPrecondition = errors.New("precondition failed")
	// ErrInvalid reports malformed input the store cannot interpret: a bad
	// page token or filter expression.
	ErrInvalid = errors.New("invalid argument")
)
