package sqlite

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/natunakab/besign/authority/store"
)

// The audit log is append-only: the database itself refuses to change or
// remove a row, whoever asks (an attacker with the file and SQL, a bug).
func TestAuditLogAppendOnly(t *testing.T) {
	s, err := Open(ctx, filepath.Join(t.TempDir(), "authority.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Unix(0, 1765100000123456789).UTC()
	a := store.AuditEntry{At: at, UserID: 7, Email: "siti@natunakab.go.id", Serial: "ab12",
		Digests: bytes.Repeat([]byte{1}, 64), Address: "10.0.0.5", UserAgent: "BeSign Desktop (linux)"}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertAudit(ctx, &a) }); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE audit_log SET email = 'other@x.id'",
		"DELETE FROM audit_log",
		"INSERT INTO audit_log (at, user_id, email, serial, digests) VALUES (1, 1, 'x', 'y', x'01')", // not a digest
	} {
		if _, err := s.db.Exec(q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
	var got []store.AuditEntry
	err = s.View(ctx, func(tx store.Tx) (err error) { got, err = tx.AuditEntries(ctx, time.Time{}); return err })
	if err != nil || len(got) != 1 || got[0].Email != a.Email || !got[0].At.Equal(at) || !bytes.Equal(got[0].Digests, a.Digests) ||
		got[0].Address != a.Address || got[0].UserAgent != a.UserAgent {
		t.Fatalf("after the attempts: %+v, %v", got, err)
	}
	err = s.View(ctx, func(tx store.Tx) (err error) { got, err = tx.AuditEntries(ctx, at.Add(time.Nanosecond)); return err })
	if err != nil || len(got) != 0 {
		t.Fatalf("since after the row: %+v, %v", got, err)
	}
}

// The rate limits' count on a single-process server's SQLite file: 1, 2,
// 3 in a window, 1 in the next, and a clock behind does not go back.
func TestHit(t *testing.T) {
	s, err := Open(ctx, filepath.Join(t.TempDir(), "authority.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 12, 7, 9, 0, 10, 0, time.UTC)
	for want := 1; want <= 3; want++ {
		if got, err := s.Hit(ctx, "account:siti@natunakab.go.id", now, time.Minute); err != nil || got != want {
			t.Fatalf("hit %d: %d, %v", want, got, err)
		}
	}
	if got, _ := s.Hit(ctx, "account:siti@natunakab.go.id", now.Add(time.Minute), time.Minute); got != 1 {
		t.Errorf("next window: %d", got)
	}
	if got, _ := s.Hit(ctx, "account:siti@natunakab.go.id", now, time.Minute); got != 2 {
		t.Errorf("a clock one window behind: %d, want 2", got)
	}
	var clear int
	s.db.QueryRow("SELECT count(*) FROM rate_limits WHERE instr(key, 'siti') > 0").Scan(&clear)
	if clear != 0 {
		t.Error("the login is stored in clear")
	}
}
