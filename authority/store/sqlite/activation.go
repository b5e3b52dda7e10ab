package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/natunakab/besign/authority/store"
)

const activationColumns = `user_id, status, step, data, photo, nik_hash, reason, updated_at, submitted_at, decided_at, decided_by`

func scanActivation(r scanner) (store.Activation, error) {
	var a store.Activation
	var updated, submitted, decided sql.NullInt64
	err := r.Scan(&a.UserID, &a.Status, &a.Step, &a.Data, &a.Photo, &a.NIKHash, &a.Reason, &updated, &submitted, &decided, &a.DecidedBy)
	a.UpdatedAt, a.SubmittedAt, a.DecidedAt = fromNanos(updated), fromNanos(submitted), fromNanos(decided)
	return a, err
}

// ActivationByUser returns the account's activation, or store.ErrNotFound.
func (tx *Tx) ActivationByUser(ctx context.Context, userID int64) (store.Activation, error) {
	a, err := scanActivation(tx.q.QueryRowContext(ctx, "SELECT "+activationColumns+" FROM activations WHERE user_id = ?", userID))
	if err != nil {
		return store.Activation{}, fmt.Errorf("read activation: %w", notFound(err))
	}
	return a, nil
}

// PutActivation inserts or replaces the account's activation. A NIK hash
// held by another account gives store.ErrDuplicate.
func (tx *Tx) PutActivation(ctx context.Context, a store.Activation) error {
	_, err := tx.q.ExecContext(ctx, `INSERT INTO activations (`+activationColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (user_id) DO UPDATE SET status = excluded.status, step = excluded.step, data = excluded.data,
	photo = excluded.photo, nik_hash = excluded.nik_hash, reason = excluded.reason, updated_at = excluded.updated_at,
	submitted_at = excluded.submitted_at, decided_at = excluded.decided_at, decided_by = excluded.decided_by`,
		a.UserID, a.Status, a.Step, a.Data, a.Photo, a.NIKHash, a.Reason, nanos(a.UpdatedAt), nanos(a.SubmittedAt), nanos(a.DecidedAt), a.DecidedBy)
	if isUnique(err) {
		return store.ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("write activation: %w", err)
	}
	return nil
}

// Activations lists the activations with the status (all when empty),
// oldest submission first.
func (tx *Tx) Activations(ctx context.Context, status string) ([]store.Activation, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT "+activationColumns+" FROM activations WHERE ? = '' OR status = ? ORDER BY coalesce(submitted_at, updated_at), user_id", status, status)
	if err != nil {
		return nil, fmt.Errorf("list activations: %w", err)
	}
	defer rows.Close()
	var out []store.Activation
	for rows.Next() {
		a, err := scanActivation(rows)
		if err != nil {
			return nil, fmt.Errorf("list activations: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// ReplaceDirectory replaces the whole employee directory with rows.
func (tx *Tx) ReplaceDirectory(ctx context.Context, rows []store.Employee) error {
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM directory"); err != nil {
		return fmt.Errorf("clear directory: %w", err)
	}
	for _, r := range rows {
		_, err := tx.q.ExecContext(ctx, "INSERT INTO directory (nip, name, unit, jabatan, province) VALUES (?, ?, ?, ?, ?)",
			r.NIP, r.Name, r.Unit, r.Jabatan, r.Province)
		if isUnique(err) {
			return fmt.Errorf("directory NIP %s: %w", r.NIP, store.ErrDuplicate)
		}
		if err != nil {
			return fmt.Errorf("write directory: %w", err)
		}
	}
	return nil
}

// EmployeeByNIP looks a NIP or NRP up in the directory.
func (tx *Tx) EmployeeByNIP(ctx context.Context, nip string) (store.Employee, error) {
	var e store.Employee
	err := tx.q.QueryRowContext(ctx, "SELECT nip, name, unit, jabatan, province FROM directory WHERE nip = ?", nip).
		Scan(&e.NIP, &e.Name, &e.Unit, &e.Jabatan, &e.Province)
	if err != nil {
		return store.Employee{}, fmt.Errorf("look up directory: %w", notFound(err))
	}
	return e, nil
}

// DirectorySize counts the directory's rows.
func (tx *Tx) DirectorySize(ctx context.Context) (int, error) {
	var n int
	if err := tx.q.QueryRowContext(ctx, "SELECT count(*) FROM directory").Scan(&n); err != nil {
		return 0, fmt.Errorf("count directory: %w", err)
	}
	return n, nil
}
