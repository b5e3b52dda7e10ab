package pg

import (
	"bytes"
	"testing"
	"time"

	"github.com/natunakab/besign/authority/store"
)

// The audit log is append-only: PostgreSQL refuses UPDATE, DELETE and
// TRUNCATE on it, also to the table's owner (the server's own role).
func TestAuditLogAppendOnly(t *testing.T) {
	s, _ := open(t)
	at := time.Unix(0, 1765100000123456789).UTC()
	a := store.AuditEntry{At: at, UserID: 7, Email: "siti@natunakab.go.id", Serial: "ab12",
		Digests: bytes.Repeat([]byte{1}, 64), Address: "10.0.0.5", UserAgent: "BeSign Desktop (linux)"}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.InsertAudit(ctx, &a) }); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE audit_log SET email = 'other@x.id'",
		"DELETE FROM audit_log",
		"TRUNCATE audit_log",
		"INSERT INTO audit_log (at, user_id, email, serial, digests) VALUES (1, 1, 'x', 'y', '\\x01')", // not a digest
	} {
		if _, err := s.pool.Exec(ctx, q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
	var got []store.AuditEntry
	err := s.View(ctx, func(tx store.Tx) (err error) { got, err = tx.AuditEntries(ctx, time.Time{}); return err })
	if err != nil || len(got) != 1 || got[0].Email != a.Email || !got[0].At.Equal(at) || !bytes.Equal(got[0].Digests, a.Digests) ||
		got[0].Address != a.Address || got[0].UserAgent != a.UserAgent {
		t.Fatalf("after the attempts: %+v, %v", got, err)
	}
	err = s.View(ctx, func(tx store.Tx) (err error) { got, err = tx.AuditEntries(ctx, at.Add(time.Nanosecond)); return err })
	if err != nil || len(got) != 0 {
		t.Fatalf("since after the row: %+v, %v", got, err)
	}
}
