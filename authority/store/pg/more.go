package pg

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/natunakab/besign/authority/store"
)

// Activations, the employee directory, the CA, certificates and the queue.

const activationColumns = `user_id, status, step, data, photo, nik_hash, reason, updated_at, submitted_at, decided_at, decided_by`

func scanActivation(r scanner) (store.Activation, error) {
	var a store.Activation
	var updated, submitted, decided *int64
	err := r.Scan(&a.UserID, &a.Status, &a.Step, &a.Data, &a.Photo, &a.NIKHash, &a.Reason, &updated, &submitted, &decided, &a.DecidedBy)
	a.UpdatedAt, a.SubmittedAt, a.DecidedAt = fromNanos(updated), fromNanos(submitted), fromNanos(decided)
	return a, err
}

func (tx *Tx) activations(ctx context.Context, query string, args ...any) ([]store.Activation, error) {
	var out []store.Activation
	err := tx.rows(ctx, func(r pgx.Rows) error {
		a, err := scanActivation(r)
		out = append(out, a)
		return err
	}, query, args...)
	return out, err
}

// ActivationByUser returns the account's activation, or ErrNotFound.
func (tx *Tx) ActivationByUser(ctx context.Context, userID int64) (store.Activation, error) {
	as, err := tx.activations(ctx, "SELECT "+activationColumns+" FROM activations WHERE user_id = $1", userID)
	if err == nil && len(as) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Activation{}, fmt.Errorf("read activation: %w", err)
	}
	return as[0], nil
}

// PutActivation inserts or replaces the account's activation; ErrDuplicate
// when another account holds the NIK hash. The check is a read, not the
// unique index's error, which would abort the transaction: the authority
// may go on after ErrDuplicate, as it can on SQLite. Two accounts
// submitting one NIK at once conflict, and the retry sees the other's.
func (tx *Tx) PutActivation(ctx context.Context, a store.Activation) error {
	if a.NIKHash != nil {
		taken, err := tx.exists(ctx, "write activation", "SELECT EXISTS (SELECT 1 FROM activations WHERE nik_hash = $1 AND user_id <> $2)", a.NIKHash, a.UserID)
		if err != nil {
			return err
		}
		if taken {
			return store.ErrDuplicate
		}
	}
	_, err := tx.exec(ctx, `INSERT INTO activations (`+activationColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, step = excluded.step, data = excluded.data,
	photo = excluded.photo, nik_hash = excluded.nik_hash, reason = excluded.reason, updated_at = excluded.updated_at,
	submitted_at = excluded.submitted_at, decided_at = excluded.decided_at, decided_by = excluded.decided_by`,
		a.UserID, a.Status, a.Step, a.Data, a.Photo, a.NIKHash, a.Reason, nanos(a.UpdatedAt), nanos(a.SubmittedAt), nanos(a.DecidedAt), a.DecidedBy)
	if err != nil {
		return fmt.Errorf("write activation: %w", err)
	}
	return nil
}

// Activations lists the activations with the status (all when empty),
// oldest submission first.
func (tx *Tx) Activations(ctx context.Context, status string) ([]store.Activation, error) {
	out, err := tx.activations(ctx, "SELECT "+activationColumns+" FROM activations WHERE $1 = '' OR status = $1 ORDER BY coalesce(submitted_at, updated_at), user_id", status)
	if err != nil {
		return nil, fmt.Errorf("list activations: %w", err)
	}
	return out, nil
}

// ReplaceDirectory replaces the whole employee directory with rows, in
// one statement: a NIP twice gives ErrDuplicate.
func (tx *Tx) ReplaceDirectory(ctx context.Context, rows []store.Employee) error {
	if _, err := tx.exec(ctx, "DELETE FROM directory"); err != nil {
		return fmt.Errorf("clear directory: %w", err)
	}
	seen := make(map[string]bool, len(rows))
	cols := [5][]string{}
	for _, r := range rows {
		if seen[r.NIP] {
			return fmt.Errorf("directory NIP %s: %w", r.NIP, store.ErrDuplicate)
		}
		seen[r.NIP] = true
		for i, v := range []string{r.NIP, r.Name, r.Unit, r.Jabatan, r.Province} {
			cols[i] = append(cols[i], v)
		}
	}
	_, err := tx.exec(ctx, `INSERT INTO directory (nip, name, unit, jabatan, province)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`, cols[0], cols[1], cols[2], cols[3], cols[4])
	if err != nil {
		return fmt.Errorf("write directory: %w", err)
	}
	return nil
}

// EmployeeByNIP looks a NIP or NRP up in the directory.
func (tx *Tx) EmployeeByNIP(ctx context.Context, nip string) (store.Employee, error) {
	var e store.Employee
	err := tx.row(ctx, []any{&e.NIP, &e.Name, &e.Unit, &e.Jabatan, &e.Province},
		"SELECT nip, name, unit, jabatan, province FROM directory WHERE nip = $1", nip)
	if err != nil {
		return store.Employee{}, fmt.Errorf("look up directory: %w", err)
	}
	return e, nil
}

// DirectorySize counts the directory's rows.
func (tx *Tx) DirectorySize(ctx context.Context) (int, error) {
	var n int
	if err := tx.row(ctx, []any{&n}, "SELECT count(*) FROM directory"); err != nil {
		return 0, fmt.Errorf("count directory: %w", err)
	}
	return n, nil
}

// CA returns the root, or ErrNotFound before it is created.
func (tx *Tx) CA(ctx context.Context) (store.CA, error) {
	var c store.CA
	var created *int64
	err := tx.row(ctx, []any{&c.Cert, &c.Key, &c.CRLNumber, &created}, "SELECT cert, key, crl_number, created_at FROM ca WHERE id = 1")
	if err != nil {
		return store.CA{}, fmt.Errorf("read CA: %w", err)
	}
	c.CreatedAt = fromNanos(created)
	return c, nil
}

// InsertCA stores the root; ErrDuplicate when one exists.
func (tx *Tx) InsertCA(ctx context.Context, c store.CA) error {
	tag, err := tx.exec(ctx, "INSERT INTO ca (id, cert, key, crl_number, created_at) VALUES (1, $1, $2, $3, $4) ON CONFLICT DO NOTHING",
		c.Cert, c.Key, c.CRLNumber, nanos(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert CA: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrDuplicate
	}
	return nil
}

// NextCRLNumber increments and returns the CRL number.
func (tx *Tx) NextCRLNumber(ctx context.Context) (int64, error) {
	var n int64
	if err := tx.row(ctx, []any{&n}, "UPDATE ca SET crl_number = crl_number + 1 WHERE id = 1 RETURNING crl_number"); err != nil {
		return 0, fmt.Errorf("number CRL: %w", err)
	}
	return n, nil
}

const certificateColumns = `serial, user_id, cert, key, not_before, not_after, revoked_at, failures, suspensions, suspended_until, created_at, key_wrapped`

func (tx *Tx) certificates(ctx context.Context, query string, args ...any) ([]store.Certificate, error) {
	var out []store.Certificate
	err := tx.rows(ctx, func(r pgx.Rows) error {
		var c store.Certificate
		var nb, na, rev, susp, created *int64
		err := r.Scan(&c.Serial, &c.UserID, &c.Cert, &c.Key, &nb, &na, &rev, &c.Failures, &c.Suspensions, &susp, &created, &c.KeyWrapped)
		c.NotBefore, c.NotAfter, c.RevokedAt, c.SuspendedUntil, c.CreatedAt = fromNanos(nb), fromNanos(na), fromNanos(rev), fromNanos(susp), fromNanos(created)
		out = append(out, c)
		return err
	}, query, args...)
	return out, err
}

// InsertCertificate stores a new certificate; ErrDuplicate for a serial
// already used.
func (tx *Tx) InsertCertificate(ctx context.Context, c store.Certificate) error {
	tag, err := tx.exec(ctx, "INSERT INTO certificates ("+certificateColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
		c.Serial, c.UserID, c.Cert, c.Key, nanos(c.NotBefore), nanos(c.NotAfter), nanos(c.RevokedAt),
		c.Failures, c.Suspensions, nanos(c.SuspendedUntil), nanos(c.CreatedAt), c.KeyWrapped)
	if err != nil {
		return fmt.Errorf("insert certificate: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return store.ErrDuplicate
	}
	return nil
}

// CurrentCertificate returns the account's newest certificate (revoked or
// not), or ErrNotFound.
func (tx *Tx) CurrentCertificate(ctx context.Context, userID int64) (store.Certificate, error) {
	cs, err := tx.certificates(ctx, "SELECT "+certificateColumns+" FROM certificates WHERE user_id = $1 ORDER BY created_at DESC, seq DESC LIMIT 1", userID)
	if err == nil && len(cs) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Certificate{}, fmt.Errorf("read certificate: %w", err)
	}
	return cs[0], nil
}

// SetCertificateKey replaces a certificate's sealed key with one sealed
// under the master key too.
func (tx *Tx) SetCertificateKey(ctx context.Context, serial string, key []byte) error {
	return tx.execOne(ctx, "write certificate key", "UPDATE certificates SET key = $1, key_wrapped = true WHERE serial = $2", key, serial)
}

// UnwrappedCertificates lists the certificates whose key is sealed under
// the passphrase alone, oldest first.
func (tx *Tx) UnwrappedCertificates(ctx context.Context) ([]store.Certificate, error) {
	out, err := tx.certificates(ctx, "SELECT "+certificateColumns+" FROM certificates WHERE NOT key_wrapped ORDER BY created_at, seq")
	if err != nil {
		return nil, fmt.Errorf("list unwrapped keys: %w", err)
	}
	return out, nil
}

// SetCertificateFailures writes the wrong-passphrase count and suspension.
func (tx *Tx) SetCertificateFailures(ctx context.Context, serial string, failures, suspensions int, suspendedUntil time.Time) error {
	return tx.execOne(ctx, "write certificate failures",
		"UPDATE certificates SET failures = $1, suspensions = $2, suspended_until = $3 WHERE serial = $4",
		failures, suspensions, nanos(suspendedUntil), serial)
}

// RevokeCertificate marks a certificate revoked at t (kept if already).
func (tx *Tx) RevokeCertificate(ctx context.Context, serial string, t time.Time) error {
	return tx.execOne(ctx, "revoke certificate",
		"UPDATE certificates SET revoked_at = coalesce(revoked_at, $1) WHERE serial = $2", nanos(t), serial)
}

// RevokedCertificates lists every revoked certificate, oldest first.
func (tx *Tx) RevokedCertificates(ctx context.Context) ([]store.Certificate, error) {
	out, err := tx.certificates(ctx, "SELECT "+certificateColumns+" FROM certificates WHERE revoked_at IS NOT NULL ORDER BY revoked_at, serial")
	if err != nil {
		return nil, fmt.Errorf("list revoked certificates: %w", err)
	}
	return out, nil
}

// ClearCertificateFailures lifts the suspension of every certificate of an
// account and forgets its wrong passphrases.
func (tx *Tx) ClearCertificateFailures(ctx context.Context, userID int64) error {
	_, err := tx.exec(ctx, "UPDATE certificates SET failures = 0, suspensions = 0, suspended_until = NULL WHERE user_id = $1", userID)
	if err != nil {
		return fmt.Errorf("clear certificate failures: %w", err)
	}
	return nil
}

const queuedColumns = `id, user_id, path, pages, size, mod_time, sha256, page, invisible,
	box_x, box_y, box_w, box_h, reason, location, output_dir, added_at`

func (tx *Tx) queued(ctx context.Context, query string, args ...any) ([]store.QueuedDocument, error) {
	out := []store.QueuedDocument{}
	err := tx.rows(ctx, func(r pgx.Rows) error {
		var d store.QueuedDocument
		var mod, added *int64
		err := r.Scan(&d.ID, &d.UserID, &d.Path, &d.Pages, &d.Size, &mod, &d.SHA256, &d.Page, &d.Invisible,
			&d.X, &d.Y, &d.W, &d.H, &d.Reason, &d.Location, &d.OutputDir, &added)
		d.ModTime, d.AddedAt = fromNanos(mod), fromNanos(added)
		if len(d.SHA256) == 0 {
			d.SHA256 = nil
		}
		out = append(out, d)
		return err
	}, query, args...)
	return out, err
}

// nilIfEmpty stores an empty hash as NULL.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// QueuedDocuments lists an account's queue, oldest first.
func (tx *Tx) QueuedDocuments(ctx context.Context, userID int64) ([]store.QueuedDocument, error) {
	out, err := tx.queued(ctx, "SELECT "+queuedColumns+" FROM queued_documents WHERE user_id = $1 ORDER BY added_at, id", userID)
	if err != nil {
		return nil, fmt.Errorf("list queued documents: %w", err)
	}
	return out, nil
}

// QueuedDocument returns one document of an account's queue, or
// ErrNotFound (also when it is another account's).
func (tx *Tx) QueuedDocument(ctx context.Context, userID, id int64) (store.QueuedDocument, error) {
	ds, err := tx.queued(ctx, "SELECT "+queuedColumns+" FROM queued_documents WHERE id = $1 AND user_id = $2", id, userID)
	if err == nil && len(ds) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.QueuedDocument{}, fmt.Errorf("read queued document: %w", err)
	}
	return ds[0], nil
}

// CountQueued counts an account's queued documents.
func (tx *Tx) CountQueued(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := tx.row(ctx, []any{&n}, "SELECT count(*) FROM queued_documents WHERE user_id = $1", userID); err != nil {
		return 0, fmt.Errorf("count queued documents: %w", err)
	}
	return n, nil
}

// InsertQueued adds a document and sets d.ID; ErrDuplicate when the
// account has its path queued already.
func (tx *Tx) InsertQueued(ctx context.Context, d *store.QueuedDocument) error {
	err := tx.row(ctx, []any{&d.ID}, `INSERT INTO queued_documents (user_id, path, pages, size, mod_time, sha256,
	page, invisible, box_x, box_y, box_w, box_h, reason, location, output_dir, added_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) ON CONFLICT DO NOTHING RETURNING id`,
		d.UserID, d.Path, d.Pages, d.Size, nanos(d.ModTime), nilIfEmpty(d.SHA256),
		d.Page, d.Invisible, d.X, d.Y, d.W, d.H, d.Reason, d.Location, d.OutputDir, nanos(d.AddedAt))
	if err == store.ErrNotFound {
		return store.ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert queued document: %w", err)
	}
	return nil
}

// UpdateQueued writes a document's page count, fingerprint and settings;
// ErrNotFound unless the account has it.
func (tx *Tx) UpdateQueued(ctx context.Context, d store.QueuedDocument) error {
	return tx.execOne(ctx, "update queued document", `UPDATE queued_documents SET pages = $1, size = $2, mod_time = $3,
	sha256 = $4, page = $5, invisible = $6, box_x = $7, box_y = $8, box_w = $9, box_h = $10, reason = $11, location = $12,
	output_dir = $13 WHERE id = $14 AND user_id = $15`,
		d.Pages, d.Size, nanos(d.ModTime), nilIfEmpty(d.SHA256), d.Page, d.Invisible, d.X, d.Y, d.W, d.H,
		d.Reason, d.Location, d.OutputDir, d.ID, d.UserID)
}

// DeleteQueued removes a document; ErrNotFound unless the account has it.
func (tx *Tx) DeleteQueued(ctx context.Context, userID, id int64) error {
	return tx.execOne(ctx, "remove queued document", "DELETE FROM queued_documents WHERE id = $1 AND user_id = $2", id, userID)
}
