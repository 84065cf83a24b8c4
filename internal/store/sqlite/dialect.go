package sqlite

import (
	"errors"
	"math"
	"strconv"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect notes. Everything SQLite-specific lives in this file or is listed
// here; the schema and queries elsewhere are written to run on PostgreSQL
// with these changes:
//
//   - Placeholders are `?`; PostgreSQL needs `$1, $2, ...` (rebind).
//   - Write transactions are BEGIN IMMEDIATE (DSN `_txlock=immediate`), which
//     takes SQLite's write lock up front. PostgreSQL: BEGIN plus
//     `SELECT ... FOR UPDATE` on the row being updated (or SERIALIZABLE).
//   - Column types: BLOB -> BYTEA; INTEGER booleans (case_insensitive,
//     revoked) -> BOOLEAN or keep SMALLINT; timestamps are int64 Unix
//     nanoseconds in INTEGER -> BIGINT.
//   - Ordering relies on byte-wise (BINARY) text comparison, the same order as
//     Go's string comparison; PostgreSQL needs `COLLATE "C"` on the key
//     columns (user_key, name, client_id, id, value).
//   - substr() counts characters in both; `INSERT ... ON CONFLICT DO ...` and
//     `DELETE ... RETURNING` are common to SQLite >= 3.35 and PostgreSQL.
//   - PRAGMAs (WAL, busy_timeout, foreign_keys, synchronous) have no
//     PostgreSQL equivalent; foreign keys are always enforced there.
//   - Constraint errors: mapped by isConstraint below (SQLite extended result
//     codes); PostgreSQL uses SQLSTATE 23505 (unique) and 23503 (foreign key).

// dsnParams are the connection parameters for every connection.
func dsnParams(busy time.Duration, synchronous string, write bool) string {
	q := "?_pragma=busy_timeout(" + strconv.FormatInt(busy.Milliseconds(), 10) + ")" +
		"&_pragma=foreign_keys(1)" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(" + synchronous + ")"
	if write {
		q += "&_txlock=immediate"
	} else {
		q += "&_pragma=query_only(1)"
	}
	return q
}

// isUnique reports a unique or primary-key violation.
func isUnique(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isForeignKey reports a foreign-key violation (a missing parent).
func isForeignKey(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// nanos converts t to the stored int64 (Unix nanoseconds), clamped to the
// representable range so far-past and far-future times keep their order.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
