package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/natunakab/besign/authority/store"
	"time"
)

// CA returns the root, or store.ErrNotFound before it is created.
func (tx *Tx) CA(ctx context.Context) (store.CA, error) {
	var c store.CA
	var created sql.NullInt64
	err := tx.q.QueryRowContext(ctx, "SELECT cert, key, crl_number, created_at FROM ca WHERE id = 1").
		Scan(&c.Cert, &c.Key, &c.CRLNumber, &created)
	if err != nil {
		return store.CA{}, fmt.Errorf("read store.CA: %w", notFound(err))
	}
	c.CreatedAt = fromNanos(created)
	return c, nil
}

// InsertCA stores the root; store.ErrDuplicate when one exists.
func (tx *Tx) InsertCA(ctx context.Context, c store.CA) error {
	_, err := tx.q.ExecContext(ctx, "INSERT INTO ca (id, cert, key, crl_number, created_at) VALUES (1, ?, ?, ?, ?)",
		c.Cert, c.Key, c.CRLNumber, nanos(c.CreatedAt))
	if isUnique(err) {
		return store.ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert store.CA: %w", err)
	}
	return nil
}

// NextCRLNumber increments and returns the CRL number.
func (tx *Tx) NextCRLNumber(ctx context.Context) (int64, error) {
	if err := tx.execOne(ctx, "number CRL", "UPDATE ca SET crl_number = crl_number + 1 WHERE id = 1"); err != nil {
		return 0, err
	}
	var n int64
	if err := tx.q.QueryRowContext(ctx, "SELECT crl_number FROM ca WHERE id = 1").Scan(&n); err != nil {
		return 0, fmt.Errorf("number CRL: %w", err)
	}
	return n, nil
}

const certificateColumns = `serial, user_id, cert, key, not_before, not_after, revoked_at, failures, suspensions, suspended_until, created_at, key_wrapped`

func scanCertificate(r scanner) (store.Certificate, error) {
	var c store.Certificate
	var nb, na, rev, susp, created sql.NullInt64
	err := r.Scan(&c.Serial, &c.UserID, &c.Cert, &c.Key, &nb, &na, &rev, &c.Failures, &c.Suspensions, &susp, &created, &c.KeyWrapped)
	c.NotBefore, c.NotAfter, c.RevokedAt, c.SuspendedUntil, c.CreatedAt = fromNanos(nb), fromNanos(na), fromNanos(rev), fromNanos(susp), fromNanos(created)
	return c, err
}

// InsertCertificate stores a new certificate.
func (tx *Tx) InsertCertificate(ctx context.Context, c store.Certificate) error {
	_, err := tx.q.ExecContext(ctx, "INSERT INTO certificates ("+certificateColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		c.Serial, c.UserID, c.Cert, c.Key, nanos(c.NotBefore), nanos(c.NotAfter), nanos(c.RevokedAt),
		c.Failures, c.Suspensions, nanos(c.SuspendedUntil), nanos(c.CreatedAt), c.KeyWrapped)
	if isUnique(err) {
		return store.ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert certificate: %w", err)
	}
	return nil
}

// CurrentCertificate returns the account's newest certificate (revoked or
// not), or store.ErrNotFound.
func (tx *Tx) CurrentCertificate(ctx context.Context, userID int64) (store.Certificate, error) {
	c, err := scanCertificate(tx.q.QueryRowContext(ctx, "SELECT "+certificateColumns+
		" FROM certificates WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1", userID))
	if err != nil {
		return store.Certificate{}, fmt.Errorf("read certificate: %w", notFound(err))
	}
	return c, nil
}

// SetCertificateKey replaces a certificate's sealed key with one sealed
// under the master key too (KeyWrapped).
func (tx *Tx) SetCertificateKey(ctx context.Context, serial string, key []byte) error {
	return tx.execOne(ctx, "write certificate key", "UPDATE certificates SET key = ?, key_wrapped = 1 WHERE serial = ?", key, serial)
}

// UnwrappedCertificates lists the certificates whose key is sealed under
// the passphrase alone (stored before schema 7), oldest first.
func (tx *Tx) UnwrappedCertificates(ctx context.Context) ([]store.Certificate, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT "+certificateColumns+" FROM certificates WHERE key_wrapped = 0 ORDER BY created_at, rowid")
	if err != nil {
		return nil, fmt.Errorf("list unwrapped keys: %w", err)
	}
	defer rows.Close()
	var out []store.Certificate
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return nil, fmt.Errorf("list unwrapped keys: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetCertificateFailures writes the wrong-passphrase count and suspension.
func (tx *Tx) SetCertificateFailures(ctx context.Context, serial string, failures, suspensions int, suspendedUntil time.Time) error {
	return tx.execOne(ctx, "write certificate failures",
		"UPDATE certificates SET failures = ?, suspensions = ?, suspended_until = ? WHERE serial = ?",
		failures, suspensions, nanos(suspendedUntil), serial)
}

// RevokeCertificate marks a certificate revoked at t (kept if already).
func (tx *Tx) RevokeCertificate(ctx context.Context, serial string, t time.Time) error {
	return tx.execOne(ctx, "revoke certificate",
		"UPDATE certificates SET revoked_at = coalesce(revoked_at, ?) WHERE serial = ?", nanos(t), serial)
}

// RevokedCertificates lists every revoked certificate, oldest first.
func (tx *Tx) RevokedCertificates(ctx context.Context) ([]store.Certificate, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT "+certificateColumns+" FROM certificates WHERE revoked_at IS NOT NULL ORDER BY revoked_at, serial")
	if err != nil {
		return nil, fmt.Errorf("list revoked certificates: %w", err)
	}
	defer rows.Close()
	var out []store.Certificate
	for rows.Next() {
		c, err := scanCertificate(rows)
		if err != nil {
			return nil, fmt.Errorf("list revoked certificates: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ClearCertificateFailures lifts the suspension of every certificate of an
// account and forgets its wrong passphrases.
func (tx *Tx) ClearCertificateFailures(ctx context.Context, userID int64) error {
	_, err := tx.q.ExecContext(ctx, "UPDATE certificates SET failures = 0, suspensions = 0, suspended_until = NULL WHERE user_id = ?", userID)
	if err != nil {
		return fmt.Errorf("clear certificate failures: %w", err)
	}
	return nil
}
