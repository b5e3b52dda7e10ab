package pg

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/natunakab/besign/authority/store"
	"github.com/natunakab/besign/internal/pgtest"
)

var ctx = context.Background()

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

func open(t *testing.T) (*Store, string) {
	t.Helper()
	dsn := pgtest.DSN(t)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

// A new database is migrated once; opening it again changes nothing, and a
// row keeps its nanoseconds.
func TestMigrateAndReopen(t *testing.T) {
	s, dsn := open(t)
	now := time.Unix(0, 1763888407123456789).UTC()
	u := store.User{Name: "Ana", Username: "ana", Email: "ana@x.id", Role: "signer", CreatedAt: now}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertUser(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	var version int
	if err := s.pool.QueryRow(ctx, "SELECT version FROM besign_schema").Scan(&version); err != nil || version != SchemaVersion {
		t.Fatalf("schema version %d, %v", version, err)
	}
	var got store.User
	s.View(ctx, func(tx store.Tx) (err error) { got, err = tx.UserByEmail(ctx, "ana@x.id"); return })
	if got.ID != u.ID || !got.CreatedAt.Equal(now) || got.OTPLastStep != -1 || got.PasswordHash != "" {
		t.Fatalf("read back %+v", got)
	}
}

// A database of somebody else's is refused and left alone; one written by
// a newer version is refused as such.
func TestForeignAndNewerDatabases(t *testing.T) {
	dsn := pgtest.DSN(t)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.pool.Exec(ctx, "UPDATE besign_schema SET version = 99")
	s.Close()
	if _, err := Open(ctx, dsn); !errors.Is(err, store.ErrTooNew) {
		t.Fatalf("newer schema: %v", err)
	}

	dsn = pgtest.DSN(t)
	s, err = Open(ctx, dsn) // to get a pool on it
	if err != nil {
		t.Fatal(err)
	}
	s.pool.Exec(ctx, "DROP TABLE besign_schema")
	s.Close()
	if _, err := Open(ctx, dsn); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("foreign database: %v", err)
	}
}

// Errors are the contract's, and a failed transaction leaves nothing.
func TestUpdateRollsBackAndDuplicates(t *testing.T) {
	s, _ := open(t)
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		u := store.User{Name: "A", Username: "a", Email: "a@x.id", Role: "signer", CreatedAt: time.Now()}
		if err := tx.InsertUser(ctx, &u); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		for range 2 {
			u := store.User{Name: "A", Username: "a", Email: "a@x.id", Role: "signer", CreatedAt: time.Now()}
			if err := tx.InsertUser(ctx, &u); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("duplicate: %v", err)
	}
	s.View(ctx, func(tx store.Tx) error {
		if us, _ := tx.Users(ctx); len(us) != 0 {
			t.Errorf("rolled-back transactions left %d users", len(us))
		}
		return nil
	})
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertUser(ctx, &store.User{Name: "A", Username: "b", Email: "b@x.id", Role: "root", CreatedAt: time.Now()})
	})
	if err == nil {
		t.Fatal("role root stored")
	}
	var m store.Mail
	err = s.View(ctx, func(tx store.Tx) (err error) { m, err = tx.MailByID(ctx, 42); return })
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing mail: %+v %v", m, err)
	}
}
