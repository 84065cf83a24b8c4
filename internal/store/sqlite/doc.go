// Package sqlite is the embedded store.Store backend: one SQLite database
// file (default `<data>/gatehouse.db`, created mode 0600) through the pure-Go
// modernc.org/sqlite driver, so the default build needs no cgo.
//
// It owns the SQL schema and its migrations (migrations/NNNN_name.sql,
// embedded, applied in order, each in its own transaction, recorded in
// schema_migrations). Open refuses a database whose schema version is newer
// than this binary knows (ErrSchemaTooNew).
//
// Concurrency: writes go through a single-connection pool and run in
// BEGIN IMMEDIATE transactions, so update closures are atomic against other
// goroutines and, through SQLite's file lock and busy_timeout, against other
// processes using the same file. Reads use a separate pool of query_only
// connections and see WAL snapshots. Closures must not call back into the
// store. A Store is safe for concurrent use.
//
// Dialect-specific SQL is kept in dialect.go so a PostgreSQL backend can
// reuse the schema and queries with the differences listed there.
package sqlite
