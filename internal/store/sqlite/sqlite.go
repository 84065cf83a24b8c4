package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// FileName is the database file inside the data directory.
const FileName = "gatehouse.db"

// DefaultPath returns the database path for a data directory.
func DefaultPath(dataDir string) string { return filepath.Join(dataDir, FileName) }

// Options tunes Open. The zero value is ready to use.
type Options struct {
	// Logger receives migration and lifecycle messages (default: discard).
	Logger *slog.Logger
	// BusyTimeout is how long a writer waits for another process's write
	// lock (default 5s).
	BusyTimeout time.Duration
	// Synchronous is SQLite's synchronous pragma: NORMAL (default; in WAL
	// mode a committed write survives a process crash such as kill -9) or
	// FULL (also survives power loss, at an fsync per commit).
	Synchronous string
	// MaxReaders bounds the read connection pool (default 4).
	MaxReaders int
}

// Store is the SQLite backend.
type Store struct {
	w   *sql.DB // one connection, BEGIN IMMEDIATE transactions
	r   *sql.DB // query_only connections
	wc  *stmtCache
	rc  *stmtCache
	rq  dbq // prepared-statement access to r outside transactions
	log *slog.Logger
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path with default options,
// applies pending migrations, and returns the store.
func Open(ctx context.Context, path string) (*Store, error) {
	return OpenWithOptions(ctx, path, Options{})
}

// OpenWithOptions is Open with explicit options.
func OpenWithOptions(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	switch strings.ToUpper(opts.Synchronous) {
	case "":
		opts.Synchronous = "NORMAL"
	case "NORMAL", "FULL":
		opts.Synchronous = strings.ToUpper(opts.Synchronous)
	default:
		return nil, fmt.Errorf("open sqlite store: synchronous %q: want NORMAL or FULL", opts.Synchronous)
	}
	if opts.MaxReaders <= 0 {
		opts.MaxReaders = 4
	}
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open sqlite store: unsupported path %q", path)
	}
	if err := createFile(path); err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		opts.Logger.WarnContext(ctx, "database file is accessible to other users; expected mode 0600",
			"path", path, "mode", fi.Mode().Perm().String())
	}
	w, err := sql.Open("sqlite", path+dsnParams(opts.BusyTimeout, opts.Synchronous, true))
	if err != nil {
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	s := &Store{w: w, wc: newStmtCache(w), log: opts.Logger}
	if err := s.migrate(ctx); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", path+dsnParams(opts.BusyTimeout, opts.Synchronous, false))
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	r.SetMaxOpenConns(opts.MaxReaders)
	r.SetMaxIdleConns(opts.MaxReaders)
	s.r, s.rc = r, newStmtCache(r)
	s.rq = dbq{s.rc}
	if err := r.PingContext(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("open sqlite store: %w", err)
	}
	return s, nil
}

// createFile makes sure the directory exists and the database file exists
// with mode 0600 before SQLite opens it (SQLite gives its -wal and -shm files
// the database file's permissions).
func createFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil
	case err != nil:
		return fmt.Errorf("create database file: %w", err)
	}
	return f.Close()
}

// Close closes both connection pools.
func (s *Store) Close() error {
	var errs []error
	if s.r != nil {
		errs = append(errs, s.rc.close(), s.r.Close())
	}
	errs = append(errs, s.wc.close(), s.w.Close())
	return errors.Join(errs...)
}

// write runs fn in a BEGIN IMMEDIATE transaction and commits when fn
// returns nil.
func (s *Store) write(ctx context.Context, fn func(tx *txq) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer s.wc.flush(ctx) // after the transaction: see stmtCache
	if err := fn(&txq{raw: tx, c: s.wc}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// read runs fn in a read transaction (one WAL snapshot).
func (s *Store) read(ctx context.Context, fn func(tx *txq) error) error {
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer s.rc.flush(ctx) // runs after the rollback below
	defer func() { _ = tx.Rollback() }()
	return fn(&txq{raw: tx, c: s.rc})
}

// queryer is what sql.Tx and sql.DB share.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func encode(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode record: %w", err)
	}
	return string(b), nil
}

func decode[T any](data string) (T, error) {
	var v T
	if err := json.Unmarshal([]byte(data), &v); err != nil {
		return v, fmt.Errorf("decode record: %w", err)
	}
	return v, nil
}

// one scans a single JSON data column, mapping no rows to ErrNotFound.
func one[T any](ctx context.Context, q queryer, what string, query string, args ...any) (T, error) {
	var data string
	err := q.QueryRowContext(ctx, query, args...).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	return decode[T](data)
}

// exists runs a query returning rows and reports whether there was one.
func exists(ctx context.Context, q queryer, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// afterKey decodes a one-part page token into the key the next page starts
// after ("" for the first page).
func afterKey(token string) (string, error) {
	cur, err := store.DecodeCursor(token, 1)
	if err != nil || cur == nil {
		return "", err
	}
	return cur[0], nil
}

// pageRows collects up to limit+1 decoded rows; key returns the cursor of an
// item. It returns the page and the next token.
func pageRows[T any](rows *sql.Rows, limit int, scan func(*sql.Rows) (T, error), key func(T) []string) ([]T, string, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("read rows: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = store.EncodeCursor(key(out[limit-1])...)
	}
	return out, next, nil
}

// scanData scans one JSON data column.
func scanData[T any](rows *sql.Rows) (T, error) {
	var data string
	if err := rows.Scan(&data); err != nil {
		var zero T
		return zero, fmt.Errorf("scan: %w", err)
	}
	return decode[T](data)
}
