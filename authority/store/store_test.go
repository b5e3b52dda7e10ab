package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

var ctx = context.Background()

func TestMigrateAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "authority.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var version, appID int
	var mode string
	s.db.QueryRow("PRAGMA user_version").Scan(&version)
	s.db.QueryRow("PRAGMA application_id").Scan(&appID)
	s.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if version != SchemaVersion || appID != applicationID || mode != "wal" {
		t.Fatalf("version %d, application id %x, journal %s", version, appID, mode)
	}
	now := time.Unix(0, 1763888407123456789).UTC()
	u := User{Name: "Ana", Username: "ana", Email: "ana@x.id", Role: "signer", CreatedAt: now}
	if err := s.Update(ctx, func(tx *Tx) error { return tx.InsertUser(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	var got User
	s.View(ctx, func(tx *Tx) (err error) { got, err = tx.UserByEmail(ctx, "ana@x.id"); return })
	if got.ID != u.ID || !got.CreatedAt.Equal(now) || got.OTPLastStep != -1 || got.PasswordHash != "" {
		t.Fatalf("read back %+v", got)
	}
}

func TestUpdateRollsBack(t *testing.T) {
	s, err := Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	boom := errors.New("boom")
	err = s.Update(ctx, func(tx *Tx) error {
		u := User{Name: "A", Username: "a", Email: "a@x.id", Role: "signer", CreatedAt: time.Now()}
		if err := tx.InsertUser(ctx, &u); err != nil {
			return err
		}
		m := Mail{Kind: "activation", To: "a@x.id", Subject: "s", Body: "b", CreatedAt: time.Now()}
		if err := tx.InsertMail(ctx, &m); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	s.View(ctx, func(tx *Tx) error {
		us, _ := tx.Users(ctx)
		ms, _ := tx.Mails(ctx, "")
		if len(us) != 0 || len(ms) != 0 {
			t.Errorf("rolled-back transaction left %d users, %d mails", len(us), len(ms))
		}
		return nil
	})
	// Duplicates are told apart.
	err = s.Update(ctx, func(tx *Tx) error {
		for i := 0; i < 2; i++ {
			u := User{Name: "A", Username: "a", Email: "a@x.id", Role: "signer", CreatedAt: time.Now()}
			if err := tx.InsertUser(ctx, &u); err != nil {
				return err
			}
		}
		return nil
	})
	if !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate: %v", err)
	}
	// A role outside the schema's list is refused by the database itself.
	err = s.Update(ctx, func(tx *Tx) error {
		return tx.InsertUser(ctx, &User{Name: "A", Username: "b", Email: "b@x.id", Role: "root", CreatedAt: time.Now()})
	})
	if err == nil {
		t.Fatal("role root stored")
	}
}

func TestConcurrentFirstOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, path)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
}

func TestBadPath(t *testing.T) {
	for _, p := range []string{"", filepath.Join(t.TempDir(), "a?b.db")} {
		if _, err := Open(ctx, p); err == nil {
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

// A database of schema 1 (before accounts had a language) opens, moves to
// the current schema and keeps its accounts, which then have no language of
// their own.
func TestMigrateFromSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "authority.db")
	all := migrations
	migrations = all[:1]
	s, err := Open(ctx, path)
	migrations = all
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`INSERT INTO users (name, username, email, role, created_at) VALUES ('Ana', 'ana', 'ana@x.id', 'signer', 1)`); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("open schema 1: %v", err)
	}
	defer s.Close()
	var version int
	s.db.QueryRow("PRAGMA user_version").Scan(&version)
	var got User
	s.View(ctx, func(tx *Tx) (err error) { got, err = tx.UserByEmail(ctx, "ana@x.id"); return })
	if version != SchemaVersion || got.Name != "Ana" || got.Language != "" {
		t.Fatalf("schema %d, account %+v", version, got)
	}
}
