// Package sqlite keeps the authority's records (authority/store's contract)
// in a SQLite file: the laptop's own authority. One writer at a time (an
// immediate transaction takes the file's lock), WAL mode, the schema
// migrated by PRAGMA user_version.
package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/natunakab/besign/authority/store"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// applicationID marks the file as ours ("BeSi") in the SQLite header, so that
// an unrelated SQLite database is refused instead of being migrated.
const applicationID = 0x42655369

var sqliteMagic = []byte("SQLite format 3\x00")

// Store is an open database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
}

// Open opens the database at path, creating it (and its directory, 0700) when
// missing, and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("open database: no path given")
	}
	// The driver splits its DSN at the first '?'.
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open database %s: the path must not contain '?' or '#'", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	if err := precheck(ctx, abs); err != nil {
		return nil, err
	}
	// Create the file private before SQLite does: its -wal and -shm files
	// take the database's mode, and they hold recent rows (reset links).
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	f.Close()
	if err := privateFiles(abs); err != nil {
		return nil, err
	}
	if err := setWAL(ctx, abs); err != nil {
		return nil, err
	}
	// WAL is recorded in the file, so pool connections need not set it;
	// doing so on each new connection races with other processes.
	// secure_delete zeroes what a write frees (an old sealed key, a spent
	// link), so that a copy of the file does not keep it.
	dsn := abs + "?_busy_timeout=10000&_foreign_keys=1&_synchronous=NORMAL&_txlock=immediate&_pragma=secure_delete(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", abs, err)
	}
	s := &Store{db: db, path: abs}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// precheck refuses a file that is not an intact BeSign database before any
// connection could write to it (setting WAL mode rewrites the header).
func precheck(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	head := make([]byte, 100)
	n, err := io.ReadFull(f, head)
	fi, statErr := f.Stat()
	f.Close()
	switch {
	case n == 0:
		return nil // an empty file is a new database, as SQLite sees it
	case err != nil || statErr != nil || !bytes.Equal(head[:16], sqliteMagic):
		return fmt.Errorf("%s: %w", path, store.ErrCorrupt)
	}
	// A database is whole pages; anything else was cut or appended to.
	pageSize := int64(head[16])<<8 | int64(head[17])
	if pageSize == 1 {
		pageSize = 65536
	}
	if pageSize < 512 || pageSize&(pageSize-1) != 0 || fi.Size()%pageSize != 0 {
		return fmt.Errorf("%s: %w", path, store.ErrCorrupt)
	}

	// Read-only checks on a connection without the WAL pragma.
	db, err := sql.Open("sqlite", path+"?_busy_timeout=10000")
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var check string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&check); err != nil || check != "ok" {
		return fmt.Errorf("%s: %w", path, store.ErrCorrupt)
	}
	var appID, tables int
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return fmt.Errorf("%s: %w", path, store.ErrCorrupt)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
		return fmt.Errorf("%s: %w", path, store.ErrCorrupt)
	}
	if appID != applicationID && tables > 0 {
		return fmt.Errorf("%s: %w", path, store.ErrCorrupt)
	}
	return nil
}

// setWAL switches the file to WAL mode once. SQLite does not run the busy
// handler for a journal-mode change, so a concurrent open (the app and the
// CLI starting together) is retried here for a few seconds.
func setWAL(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", path+"?_busy_timeout=10000")
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	var mode string
	for wait := 10 * time.Millisecond; ; wait *= 2 {
		err = db.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode)
		if err == nil || !isBusy(err) || wait > 2*time.Second {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	if err != nil {
		return fmt.Errorf("open database %s: set WAL mode: %w", path, err)
	}
	if mode != "wal" {
		return fmt.Errorf("open database %s: journal mode is %q, want wal", path, mode)
	}
	return nil
}

func isBusy(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked"))
}

// Checkpoint copies the WAL into the database file and empties the WAL, so
// that old versions of rewritten pages are gone from both files. Readers in
// other processes can keep it from finishing: it then reports false, and
// SQLite overwrites those frames later.
func (s *Store) Checkpoint(ctx context.Context) (bool, error) {
	var busy, logFrames, done int
	if err := s.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done); err != nil {
		return false, fmt.Errorf("checkpoint %s: %w", s.path, err)
	}
	return busy == 0, nil
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Name is the path, for messages.
func (s *Store) Name() string { return s.path }

// Scrub checkpoints the WAL (see Checkpoint).
func (s *Store) Scrub(ctx context.Context) (bool, error) { return s.Checkpoint(ctx) }

var (
	_ store.DB       = (*Store)(nil)
	_ store.Scrubber = (*Store)(nil)
	_ store.Tx       = (*Tx)(nil)
)

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Tx is one unit of work. Reads and writes go through its methods.
type Tx struct {
	q querier
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Update runs fn in a write transaction, committed when fn returns nil and
// rolled back otherwise. The transaction takes the file's write lock when
// it begins (_txlock=immediate), so writers run one after the other, in
// every process, and fn runs once.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.update(ctx, func(tx *Tx) error { return fn(tx) })
}

func (s *Store) update(ctx context.Context, fn func(*Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(&Tx{q: tx}); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// View runs fn for reading only; it takes no write lock.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	return fn(&Tx{q: s.db})
}

// isUnique tells a UNIQUE or PRIMARY KEY violation. The driver's error text
// is stable ("UNIQUE constraint failed: ..."), its code types less so.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// privateFiles narrows the database and its -wal and -shm files to 0600, in
// case an older version or another tool created them wider. Windows has no
// mode bits (the per-user profile's ACL guards the data dir), and setting
// attributes on the -shm file while another process has it open fails there
// with a sharing violation, so it is left alone.
func privateFiles(abs string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	for _, p := range []string{abs, abs + "-wal", abs + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("open database %s: %w", abs, err)
		}
	}
	return nil
}

var _ store.RateCounter = (*Store)(nil)

// Hit counts one request of key (store.RateCounter); see the PostgreSQL
// store's, which this follows. Now and then it removes past windows.
func (s *Store) Hit(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	start := store.RateWindow(now, window)
	var hits int
	err := s.update(ctx, func(tx *Tx) error {
		if err := tx.q.QueryRowContext(ctx, `INSERT INTO rate_limits (key, window_start, hits) VALUES (?1, ?2, 1)
			ON CONFLICT (key) DO UPDATE SET
				hits = CASE WHEN excluded.window_start > rate_limits.window_start THEN 1 ELSE rate_limits.hits + 1 END,
				window_start = max(excluded.window_start, rate_limits.window_start)
			RETURNING hits`, store.RateKey(key), start).Scan(&hits); err != nil {
			return err
		}
		if rand.IntN(512) == 0 {
			_, err := tx.q.ExecContext(ctx, "DELETE FROM rate_limits WHERE window_start < ?", start-2*int64(window))
			return err
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count request: %w", err)
	}
	return hits, nil
}
