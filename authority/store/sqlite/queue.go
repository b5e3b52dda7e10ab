package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/natunakab/besign/authority/store"
)

const queuedColumns = `id, user_id, path, pages, size, mod_time, sha256, page, invisible,
	box_x, box_y, box_w, box_h, reason, location, output_dir, added_at`

func scanQueued(r scanner) (store.QueuedDocument, error) {
	var d store.QueuedDocument
	var mod, added sql.NullInt64
	err := r.Scan(&d.ID, &d.UserID, &d.Path, &d.Pages, &d.Size, &mod, &d.SHA256, &d.Page, &d.Invisible,
		&d.X, &d.Y, &d.W, &d.H, &d.Reason, &d.Location, &d.OutputDir, &added)
	d.ModTime, d.AddedAt = fromNanos(mod), fromNanos(added)
	if len(d.SHA256) == 0 {
		d.SHA256 = nil
	}
	return d, err
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
	rows, err := tx.q.QueryContext(ctx, "SELECT "+queuedColumns+" FROM queued_documents WHERE user_id = ? ORDER BY added_at, id", userID)
	if err != nil {
		return nil, fmt.Errorf("list queued documents: %w", err)
	}
	defer rows.Close()
	out := []store.QueuedDocument{}
	for rows.Next() {
		d, err := scanQueued(rows)
		if err != nil {
			return nil, fmt.Errorf("list queued documents: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list queued documents: %w", err)
	}
	return out, nil
}

// store.QueuedDocument returns one document of an account's queue, or
// store.ErrNotFound (also when it is another account's).
func (tx *Tx) QueuedDocument(ctx context.Context, userID, id int64) (store.QueuedDocument, error) {
	d, err := scanQueued(tx.q.QueryRowContext(ctx, "SELECT "+queuedColumns+" FROM queued_documents WHERE id = ? AND user_id = ?", id, userID))
	if err != nil {
		return store.QueuedDocument{}, fmt.Errorf("read queued document: %w", notFound(err))
	}
	return d, nil
}

// CountQueued counts an account's queued documents.
func (tx *Tx) CountQueued(ctx context.Context, userID int64) (int, error) {
	var n int
	if err := tx.q.QueryRowContext(ctx, "SELECT count(*) FROM queued_documents WHERE user_id = ?", userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count queued documents: %w", err)
	}
	return n, nil
}

// InsertQueued adds a document and sets d.ID; store.ErrDuplicate when the
// account has its path queued already.
func (tx *Tx) InsertQueued(ctx context.Context, d *store.QueuedDocument) error {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO queued_documents (user_id, path, pages, size, mod_time, sha256,
	page, invisible, box_x, box_y, box_w, box_h, reason, location, output_dir, added_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.UserID, d.Path, d.Pages, d.Size, nanos(d.ModTime), nilIfEmpty(d.SHA256),
		d.Page, d.Invisible, d.X, d.Y, d.W, d.H, d.Reason, d.Location, d.OutputDir, nanos(d.AddedAt))
	if isUnique(err) {
		return store.ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert queued document: %w", err)
	}
	d.ID, err = res.LastInsertId()
	return err
}

// UpdateQueued writes a document's page count, fingerprint and settings
// (not its path or account); store.ErrNotFound unless the account has it.
func (tx *Tx) UpdateQueued(ctx context.Context, d store.QueuedDocument) error {
	return tx.execOne(ctx, "update queued document", `UPDATE queued_documents SET pages = ?, size = ?, mod_time = ?,
	sha256 = ?, page = ?, invisible = ?, box_x = ?, box_y = ?, box_w = ?, box_h = ?, reason = ?, location = ?,
	output_dir = ? WHERE id = ? AND user_id = ?`,
		d.Pages, d.Size, nanos(d.ModTime), nilIfEmpty(d.SHA256), d.Page, d.Invisible, d.X, d.Y, d.W, d.H,
		d.Reason, d.Location, d.OutputDir, d.ID, d.UserID)
}

// DeleteQueued removes a document; store.ErrNotFound unless the account has it.
func (tx *Tx) DeleteQueued(ctx context.Context, userID, id int64) error {
	return tx.execOne(ctx, "remove queued document", "DELETE FROM queued_documents WHERE id = ? AND user_id = ?", id, userID)
}
