package sqlite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/natunakab/besign/authority/store"
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
	u := store.User{Name: "Ana", Username: "ana", Email: "ana@x.id", Role: "signer", CreatedAt: now}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertUser(ctx, &u) }); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	var got store.User
	s.View(ctx, func(tx store.Tx) (err error) { got, err = tx.UserByEmail(ctx, "ana@x.id"); return })
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
	err = s.Update(ctx, func(tx store.Tx) error {
		u := store.User{Name: "A", Username: "a", Email: "a@x.id", Role: "signer", CreatedAt: time.Now()}
		if err := tx.InsertUser(ctx, &u); err != nil {
			return err
		}
		m := store.Mail{Kind: "activation", To: "a@x.id", Subject: "s", Body: "b", CreatedAt: time.Now()}
		if err := tx.InsertMail(ctx, &m); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	s.View(ctx, func(tx store.Tx) error {
		us, _ := tx.Users(ctx)
		ms, _ := tx.Mails(ctx, "")
		if len(us) != 0 || len(ms) != 0 {
			t.Errorf("rolled-back transaction left %d users, %d mails", len(us), len(ms))
		}
		return nil
	})
	// Duplicates are told apart.
	err = s.Update(ctx, func(tx store.Tx) error {
		for i := 0; i < 2; i++ {
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
	// A role outside the schema's list is refused by the database itself.
	err = s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertUser(ctx, &store.User{Name: "A", Username: "b", Email: "b@x.id", Role: "root", CreatedAt: time.Now()})
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
	var got store.User
	s.View(ctx, func(tx store.Tx) (err error) { got, err = tx.UserByEmail(ctx, "ana@x.id"); return })
	if version != SchemaVersion || got.Name != "Ana" || got.Language != "" {
		t.Fatalf("schema %d, account %+v", version, got)
	}
}

// A database of schema 5 (before the signing queue) opens, moves to the
// current schema and keeps its accounts and certificates; the new queue
// then works for an old account, and the old key is marked as sealed
// under the passphrase alone (schema 7), for the authority to wrap.
func TestMigrateFromSchema5(t *testing.T) {
	path := filepath.Join(t.TempDir(), "authority.db")
	all := migrations
	migrations = all[:5]
	s, err := Open(ctx, path)
	migrations = all
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(0, 1763888407123456789).UTC()
	u := store.User{Name: "Ana", Username: "ana", Email: "ana@x.id", Role: "signer", CreatedAt: now}
	c := store.Certificate{Serial: "0a1b", Cert: []byte("der"), Key: []byte("sealed"), NotBefore: now, NotAfter: now.Add(time.Hour), CreatedAt: now}
	err = s.update(ctx, func(tx *Tx) error {
		if err := tx.InsertUser(ctx, &u); err != nil {
			return err
		}
		c.UserID = u.ID
		// Schema 5's columns, as the version of then wrote them.
		_, err := tx.q.ExecContext(ctx, `INSERT INTO certificates (serial, user_id, cert, key, not_before, not_after, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.Serial, c.UserID, c.Cert, c.Key, nanos(c.NotBefore), nanos(c.NotAfter), nanos(c.CreatedAt))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var version int
	s.db.QueryRow("PRAGMA user_version").Scan(&version)
	if version != 5 {
		t.Fatalf("old schema is %d", version)
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("open schema 5: %v", err)
	}
	defer s.Close()
	s.db.QueryRow("PRAGMA user_version").Scan(&version)
	if version != SchemaVersion {
		t.Fatalf("schema %d after migrating, want SchemaVersion %d", version, SchemaVersion)
	}
	d := store.QueuedDocument{UserID: u.ID, Path: "/home/ana/surat.pdf", Pages: 1, Page: 1, W: 10, H: 10, AddedAt: now}
	err = s.Update(ctx, func(tx store.Tx) error {
		got, err := tx.UserByEmail(ctx, "ana@x.id")
		if err != nil || got.ID != u.ID || !got.CreatedAt.Equal(now) {
			return fmt.Errorf("account after migrating: %+v, %v", got, err)
		}
		cert, err := tx.CurrentCertificate(ctx, u.ID)
		if err != nil || cert.Serial != c.Serial || string(cert.Key) != "sealed" || !cert.NotAfter.Equal(c.NotAfter) || cert.KeyWrapped {
			return fmt.Errorf("certificate after migrating: %+v, %v", cert, err)
		}
		if old, err := tx.UnwrappedCertificates(ctx); err != nil || len(old) != 1 || old[0].Serial != c.Serial {
			return fmt.Errorf("unwrapped keys after migrating: %+v, %v", old, err)
		}
		if err := tx.SetCertificateKey(ctx, c.Serial, []byte("wrapped")); err != nil {
			return err
		}
		if old, err := tx.UnwrappedCertificates(ctx); err != nil || len(old) != 0 {
			return fmt.Errorf("unwrapped keys after wrapping: %+v, %v", old, err)
		}
		return tx.InsertQueued(ctx, &d)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The queue's rows round-trip exactly, one path is queued once per
// account, and the rows belong to an existing account.
func TestQueuedDocuments(t *testing.T) {
	s, err := Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Unix(0, 1763888407123456789).UTC()
	a := store.User{Name: "A", Username: "a", Email: "a@x.id", Role: "signer", CreatedAt: now}
	b := store.User{Name: "B", Username: "b", Email: "b@x.id", Role: "signer", CreatedAt: now}
	if err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertUser(ctx, &a); err != nil {
			return err
		}
		return tx.InsertUser(ctx, &b)
	}); err != nil {
		t.Fatal(err)
	}
	hash := make([]byte, 32)
	hash[0], hash[31] = 0xde, 0xad
	want := store.QueuedDocument{UserID: a.ID, Path: "/srv/nota dinas ñ.pdf", Pages: 7, Size: 123456789,
		ModTime: time.Unix(0, 1700000000987654321).UTC(), SHA256: hash, Page: 3, Invisible: true,
		X: 0.1, Y: 1.0 / 3, W: 14399.999999999998, H: 5e-324, Reason: "Menyetujui", Location: "Ranai",
		OutputDir: "/srv/out", AddedAt: now}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertQueued(ctx, &want) }); err != nil {
		t.Fatal(err)
	}
	var got []store.QueuedDocument
	s.View(ctx, func(tx store.Tx) (err error) { got, err = tx.QueuedDocuments(ctx, a.ID); return })
	if len(got) != 1 || !sameQueued(got[0], want) {
		t.Fatalf("read back %+v\nwant %+v", got, want)
	}

	err = s.Update(ctx, func(tx store.Tx) error {
		d := want
		return tx.InsertQueued(ctx, &d)
	})
	if !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("same path twice: %v", err)
	}
	// Another account's queue is its own.
	other := want
	other.UserID = b.ID
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertQueued(ctx, &other) }); err != nil {
		t.Fatalf("same path, other account: %v", err)
	}
	err = s.View(ctx, func(tx store.Tx) error {
		if _, err := tx.QueuedDocument(ctx, b.ID, want.ID); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("other account reads: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.DeleteQueued(ctx, b.ID, want.ID) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("other account deletes: %v", err)
	}
	// No row without an account.
	orphan := want
	orphan.UserID, orphan.Path = 999, "/x.pdf"
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertQueued(ctx, &orphan) }); err == nil {
		t.Fatal("a queued document without an account was stored")
	}
}

func sameQueued(a, b store.QueuedDocument) bool {
	return a.ID == b.ID && a.UserID == b.UserID && a.Path == b.Path && a.Pages == b.Pages && a.Size == b.Size &&
		a.ModTime.Equal(b.ModTime) && bytes.Equal(a.SHA256, b.SHA256) && a.Page == b.Page && a.Invisible == b.Invisible &&
		a.X == b.X && a.Y == b.Y && a.W == b.W && a.H == b.H && a.Reason == b.Reason && a.Location == b.Location &&
		a.OutputDir == b.OutputDir && a.AddedAt.Equal(b.AddedAt)
}
