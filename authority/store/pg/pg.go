// Package pg keeps the authority's records (authority/store's contract) in
// PostgreSQL through pgx, for the organisation server: several server
// processes share one database and keep nothing in memory that another
// would need. Write transactions are SERIALIZABLE and retried after a
// conflict, which gives what SQLite's single writer gave: a one-time code
// used once, a failure counted once, an email taken once. Migrations are
// numbered in a table of their own and run under an advisory lock.
package pg

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/natunakab/besign/authority/store"
)

// Store is an open PostgreSQL database. It is safe for concurrent use.
type Store struct {
	pool *pgxpool.Pool
	name string
}

var (
	_ store.DB = (*Store)(nil)
	_ store.Tx = (*Tx)(nil)
)

// Open connects to the database named by dsn (a libpq URL or key=value
// string) and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included.
		return nil, errors.New("open database: the PostgreSQL connection string cannot be parsed")
	}
	c := cfg.ConnConfig
	s := &Store{name: fmt.Sprintf("PostgreSQL database %q on %s as %s", c.Database, c.Host, c.User)}
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.name, err)
	}
	if err := s.migrate(ctx); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("%s: %w", s.name, err)
	}
	return s, nil
}

// Name is the database, host and role, without the password.
func (s *Store) Name() string { return s.name }

// Close closes the connections.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// maxAttempts bounds the retries of a write transaction that keeps
// conflicting; each waits a little longer, with jitter so that two
// processes do not collide again in step.
const maxAttempts = 20

// Update runs fn in a SERIALIZABLE transaction, committed when fn returns
// nil and rolled back otherwise. A serialization failure or deadlock,
// whether fn saw it or not, rolls back and runs fn again.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	wait := time.Millisecond
	for attempt := 1; ; attempt++ {
		err := s.try(ctx, fn)
		if !retryable(err) || attempt == maxAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait/2 + rand.N(wait)):
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// errConflict marks an attempt whose transaction met a conflict that fn
// may have turned into another error or swallowed.
var errConflict = errors.New("transaction conflict")

func (s *Store) try(ctx context.Context, fn func(store.Tx) error) error {
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{q: ptx}
	err = fn(tx)
	if tx.conflict {
		ptx.Rollback(ctx)
		return errConflict
	}
	if err != nil {
		ptx.Rollback(ctx)
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		if retryable(err) {
			return errConflict
		}
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// View runs fn on the pool outside a transaction, each statement seeing
// what was committed when it ran (as the SQLite store's View does).
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	return fn(&Tx{q: s.pool})
}

func retryable(err error) bool {
	if errors.Is(err, errConflict) {
		return true
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// Tx is one unit of work.
type Tx struct {
	q querier
	// conflict is set by the first statement that failed with a
	// serialization failure or deadlock: the transaction is then spent,
	// whatever fn does with the error.
	conflict bool
}

type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// note records a conflict and returns err.
func (tx *Tx) note(err error) error {
	if retryable(err) {
		tx.conflict = true
	}
	return err
}

func (tx *Tx) exec(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	tag, err := tx.q.Exec(ctx, query, args...)
	return tag, tx.note(err)
}

// row scans one row into dest; pgx.ErrNoRows becomes store.ErrNotFound.
func (tx *Tx) row(ctx context.Context, dest []any, query string, args ...any) error {
	err := tx.note(tx.q.QueryRow(ctx, query, args...).Scan(dest...))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// rows runs query and calls scan for each row.
func (tx *Tx) rows(ctx context.Context, scan func(pgx.Rows) error, query string, args ...any) error {
	rs, err := tx.q.Query(ctx, query, args...)
	if err != nil {
		return tx.note(err)
	}
	defer rs.Close()
	for rs.Next() {
		if err := scan(rs); err != nil {
			return tx.note(err)
		}
	}
	return tx.note(rs.Err())
}

// execOne runs a statement that must touch a row: ErrNotFound otherwise.
func (tx *Tx) execOne(ctx context.Context, what, query string, args ...any) error {
	tag, err := tx.exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

// nanos stores a time as Unix nanoseconds, a zero time as NULL.
func nanos(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	n := t.UnixNano()
	return &n
}

func fromNanos(n *int64) time.Time {
	if n == nil {
		return time.Time{}
	}
	return time.Unix(0, *n).UTC()
}

var _ store.RateCounter = (*Store)(nil)

// Hit counts one request of key (store.RateCounter) in one statement: a
// new window starts the count at 1, and a clock a little behind another
// process's never moves a window back. ON CONFLICT locks the row, so that
// processes hitting one key at once all count. Now and then it removes
// the rows of past windows.
func (s *Store) Hit(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	start := store.RateWindow(now, window)
	var hits int
	err := s.pool.QueryRow(ctx, `INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN excluded.window_start > rate_limits.window_start THEN 1 ELSE rate_limits.hits + 1 END,
			window_start = GREATEST(excluded.window_start, rate_limits.window_start)
		RETURNING hits`, store.RateKey(key), start).Scan(&hits)
	if err != nil {
		return 0, fmt.Errorf("count request: %w", err)
	}
	if rand.IntN(512) == 0 {
		if _, err := s.pool.Exec(ctx, "DELETE FROM rate_limits WHERE window_start < $1", start-2*int64(window)); err != nil {
			return 0, fmt.Errorf("forget old request counts: %w", err)
		}
	}
	return hits, nil
}
