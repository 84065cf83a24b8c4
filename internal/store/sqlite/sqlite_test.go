package sqlite

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func openT(t *testing.T, path string) *Store {
	t.Helper()
	s, err := OpenWithOptions(t.Context(), path, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openT(t, filepath.Join(t.TempDir(), FileName))
	})
}

func TestConcurrency(t *testing.T) {
	storetest.RunConcurrency(t, func(t *testing.T) store.Store {
		return openT(t, filepath.Join(t.TempDir(), FileName))
	})
}

// TestConcurrencyAcrossHandles runs the concurrency suite with every call
// alternating between two independently opened stores on one file, as two
// gatehouse processes sharing a data directory would.
func TestConcurrencyAcrossHandles(t *testing.T) {
	storetest.RunConcurrency(t, func(t *testing.T) store.Store {
		path := filepath.Join(t.TempDir(), FileName)
		a, b := openT(t, path), openT(t, path)
		return &twoHandles{Store: a, other: b}
	})
}

// twoHandles sends the concurrency-sensitive calls alternately to two stores.
type twoHandles struct {
	*Store
	other *Store
	mu    sync.Mutex
	n     int
}

func (h *twoHandles) pick() *Store {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n++
	if h.n%2 == 0 {
		return h.other
	}
	return h.Store
}

func (h *twoHandles) UpdateUser(ctx context.Context, p, u string, fn func(store.User) (store.User, error)) error {
	return h.pick().UpdateUser(ctx, p, u, fn)
}

func (h *twoHandles) UpdateUserPool(ctx context.Context, id string, fn func(store.UserPool) (store.UserPool, error)) error {
	return h.pick().UpdateUserPool(ctx, id, fn)
}

func (h *twoHandles) UpdateKeys(ctx context.Context, id string, fn func(store.KeySet) (store.KeySet, error)) error {
	return h.pick().UpdateKeys(ctx, id, fn)
}

func (h *twoHandles) TakeSession(ctx context.Context, id string, now time.Time) (store.AuthSession, error) {
	return h.pick().TakeSession(ctx, id, now)
}

func (h *twoHandles) CreateUser(ctx context.Context, u store.User) error {
	return h.pick().CreateUser(ctx, u)
}

func (h *twoHandles) Close() error {
	return errors.Join(h.Store.Close(), h.other.Close())
}

func TestMigrationsFromEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", FileName)
	s := openT(t, path)
	defer s.Close()
	got, err := s.Version(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := SchemaVersion(); got != want || want < 1 {
		t.Errorf("version = %d, want %d (>= 1)", got, want)
	}
	for _, table := range []string{"user_pools", "clients", "users", "user_aliases", "user_search", "pool_groups",
		"group_members", "refresh_tokens", "auth_sessions", "signing_keys", "meta"} {
		var name string
		err := s.r.QueryRowContext(t.Context(), `SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&name)
		if err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
}

func TestFileModeAndPragmas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := DefaultPath(dir)
	s := openT(t, path)
	defer s.Close()
	// Write something so the WAL exists.
	if err := s.SetMeta(t.Context(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("stat %s: %v", p, err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s mode = %o, want 600", filepath.Base(p), got)
		}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("data dir mode = %o, want 700", got)
	}
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
		{"synchronous", "1"}, // NORMAL
	}
	for _, tc := range tests {
		t.Run(tc.pragma, func(t *testing.T) {
			var got string
			if err := s.w.QueryRowContext(t.Context(), "PRAGMA "+tc.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("writer %s = %q, want %q", tc.pragma, got, tc.want)
			}
			if err := s.r.QueryRowContext(t.Context(), "PRAGMA "+tc.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("reader %s = %q, want %q", tc.pragma, got, tc.want)
			}
		})
	}
}

func TestReopenIdempotentAndDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	ctx := t.Context()
	s := openT(t, path)
	pool := store.UserPool{ID: "us-east-1_abcDEF123", Name: "p", CreatedAt: time.Unix(1700000000, 0).UTC()}
	if err := s.CreateUserPool(ctx, pool); err != nil {
		t.Fatal(err)
	}
	user := store.User{PoolID: pool.ID, Username: "alice", Sub: "sub-1", Status: store.StatusConfirmed, Enabled: true,
		PasswordHash: []byte("hash"), Attributes: store.Attributes{{Name: "email", Value: "a@example.com"}}}
	if err := s.CreateUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		s = openT(t, path)
		got, err := s.GetUser(ctx, pool.ID, "alice")
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		if string(got.PasswordHash) != "hash" || got.Sub != "sub-1" {
			t.Errorf("reopen %d: got %+v", i, got)
		}
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != SchemaVersion() {
			t.Errorf("reopen %d: %d migration rows, want %d", i, n, SchemaVersion())
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFutureSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s := openT(t, path)
	future := SchemaVersion() + 1
	if _, err := s.w.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from_the_future', 0)`, future); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("open future db: got %v, want ErrSchemaTooNew", err)
	}
	for _, want := range []string{"version " + strconv.Itoa(future), "up to " + strconv.Itoa(SchemaVersion())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestMigrationSequence(t *testing.T) {
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantErr string
	}{
		{name: "ok", files: fstest.MapFS{
			"migrations/0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
			"migrations/0002_b.sql": {Data: []byte("CREATE TABLE b (x INTEGER);")},
		}},
		{name: "gap", files: fstest.MapFS{
			"migrations/0001_a.sql": {Data: []byte("SELECT 1;")},
			"migrations/0003_c.sql": {Data: []byte("SELECT 1;")},
		}, wantErr: "without gaps"},
		{name: "bad name", files: fstest.MapFS{
			"migrations/first.sql": {Data: []byte("SELECT 1;")},
		}, wantErr: "NNNN_name.sql"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadMigrations(tc.files)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestMigrationAtomicAndIncremental applies a sequence in two steps and
// checks that a failing migration leaves no partial changes behind.
func TestMigrationAtomicAndIncremental(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s := openT(t, path)
	defer s.Close()
	ctx := t.Context()
	base := SchemaVersion()
	all, err := loadMigrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	good := append(all[:base:base], migration{version: base + 1, name: "add_x", sql: "CREATE TABLE extra_x (v INTEGER);"})
	if err := applyMigrations(ctx, s, good); err != nil {
		t.Fatalf("apply next: %v", err)
	}
	bad := append(good[:base+1:base+1], migration{version: base + 2, name: "broken",
		sql: "CREATE TABLE extra_y (v INTEGER); INSERT INTO no_such_table VALUES (1);"})
	if err := applyMigrations(ctx, s, bad); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("apply broken: got %v, want error naming the migration", err)
	}
	if v, _ := s.Version(ctx); v != base+1 {
		t.Errorf("version after failed migration = %d, want %d", v, base+1)
	}
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'extra_y'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("failed migration left table extra_y behind")
	}
}

func TestOpenRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		path string
		opts Options
	}{
		{name: "empty path", path: ""},
		{name: "query in path", path: filepath.Join(t.TempDir(), "x.db?mode=ro")},
		{name: "bad synchronous", path: filepath.Join(t.TempDir(), "y.db"), opts: Options{Synchronous: "OFF"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := OpenWithOptions(t.Context(), tc.path, tc.opts)
			if err == nil {
				_ = s.Close()
				t.Fatal("open succeeded, want error")
			}
		})
	}
}

func TestWarnsOnOpenPermissions(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	s, err := OpenWithOptions(t.Context(), path, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.Contains(logs.String(), "expected mode 0600") {
		t.Errorf("no permission warning in logs:\n%s", logs.String())
	}
}
