package localqueue

import (
	"context"
	"errors"
	"fmt"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// The queue proper. Every call resolves the session in the transaction that
// reads or writes the queue, and every row is looked up by id AND account,
// so that another account's id reads as unknown, as on the embedded
// authority. One path per account is a UNIQUE index and the size limit is
// counted in the (immediate) write transaction: both hold across processes.

// account runs fn for the local account of token in a read (write false) or
// write transaction. A token not seen here yet is asked of the server once
// (Resume remembers it); offline that gives the server's error, so the
// screens can say the server is needed.
func (a *Authority) account(ctx context.Context, token string, write bool, fn func(tx store.Tx, u store.User) error) error {
	run := func() error {
		do := a.db.View
		if write {
			do = a.db.Update
		}
		return do(ctx, func(tx store.Tx) error {
			_, u, err := a.session(ctx, tx, token)
			if err != nil {
				return err
			}
			return fn(tx, u)
		})
	}
	err := run()
	if !errors.Is(err, authority.ErrSessionExpired) || token == "" {
		return err
	}
	if _, rerr := a.Resume(ctx, token); rerr != nil {
		if refused(rerr) {
			return err
		}
		return rerr
	}
	return run()
}

// QueuedDocuments lists the signed-in account's queue, oldest first.
func (a *Authority) QueuedDocuments(ctx context.Context, token string) ([]authority.QueuedDocument, error) {
	var out []authority.QueuedDocument
	err := a.account(ctx, token, false, func(tx store.Tx, u store.User) error {
		rows, err := tx.QueuedDocuments(ctx, u.ID)
		if err != nil {
			return err
		}
		out = make([]authority.QueuedDocument, len(rows))
		for i, r := range rows {
			out[i] = queuedDocument(r)
		}
		return nil
	})
	return out, err
}

// QueueDocument adds a document to the signed-in account's queue.
func (a *Authority) QueueDocument(ctx context.Context, req authority.QueueDocumentRequest) (authority.QueuedDocument, error) {
	if err := checkQueuePath(req.Path, authority.ErrQueuePath, "path"); err != nil {
		return authority.QueuedDocument{}, err
	}
	if req.Pages < 0 {
		return authority.QueuedDocument{}, fmt.Errorf("%w: %d pages", authority.ErrQueueSettings, req.Pages)
	}
	if err := checkFingerprint(req.Fingerprint); err != nil {
		return authority.QueuedDocument{}, err
	}
	set, err := checkSignatureSettings(req.Settings, req.Pages)
	if err != nil {
		return authority.QueuedDocument{}, err
	}
	var d authority.QueuedDocument
	err = a.account(ctx, req.Token, true, func(tx store.Tx, u store.User) error {
		n, err := tx.CountQueued(ctx, u.ID)
		if err != nil {
			return err
		}
		if n >= authority.MaxQueuedDocuments {
			return fmt.Errorf("%w: %d documents", authority.ErrQueueFull, n)
		}
		row := store.QueuedDocument{UserID: u.ID, Path: req.Path, Pages: req.Pages, AddedAt: a.now()}
		setFingerprint(&row, req.Fingerprint)
		setSettings(&row, set)
		if err := tx.InsertQueued(ctx, &row); errors.Is(err, store.ErrDuplicate) {
			return authority.ErrQueueDuplicate
		} else if err != nil {
			return err
		}
		d = queuedDocument(row)
		return nil
	})
	if err != nil {
		return authority.QueuedDocument{}, err
	}
	return d, nil
}

// UpdateQueuedDocument replaces a queued document's settings and, when
// given, its fingerprint and page count.
func (a *Authority) UpdateQueuedDocument(ctx context.Context, req authority.UpdateQueuedRequest) (authority.QueuedDocument, error) {
	if req.Fingerprint != nil {
		if err := checkFingerprint(*req.Fingerprint); err != nil {
			return authority.QueuedDocument{}, err
		}
	}
	if req.Pages != nil && *req.Pages < 0 {
		return authority.QueuedDocument{}, fmt.Errorf("%w: %d pages", authority.ErrQueueSettings, *req.Pages)
	}
	var d authority.QueuedDocument
	err := a.account(ctx, req.Token, true, func(tx store.Tx, u store.User) error {
		row, err := tx.QueuedDocument(ctx, u.ID, req.ID)
		if errors.Is(err, store.ErrNotFound) {
			return authority.ErrQueueNotFound
		}
		if err != nil {
			return err
		}
		if req.Pages != nil {
			row.Pages = *req.Pages
		}
		set, err := checkSignatureSettings(req.Settings, row.Pages)
		if err != nil {
			return err
		}
		if req.Fingerprint != nil {
			setFingerprint(&row, *req.Fingerprint)
		}
		setSettings(&row, set)
		if err := tx.UpdateQueued(ctx, row); errors.Is(err, store.ErrNotFound) {
			return authority.ErrQueueNotFound
		} else if err != nil {
			return err
		}
		d = queuedDocument(row)
		return nil
	})
	if err != nil {
		return authority.QueuedDocument{}, err
	}
	return d, nil
}

// RemoveQueuedDocument removes a document from the signed-in account's
// queue.
func (a *Authority) RemoveQueuedDocument(ctx context.Context, token string, id int64) error {
	return a.account(ctx, token, true, func(tx store.Tx, u store.User) error {
		if err := tx.DeleteQueued(ctx, u.ID, id); errors.Is(err, store.ErrNotFound) {
			return authority.ErrQueueNotFound
		} else if err != nil {
			return err
		}
		return nil
	})
}

func queuedDocument(r store.QueuedDocument) authority.QueuedDocument {
	return authority.QueuedDocument{
		ID:          r.ID,
		Path:        r.Path,
		Pages:       r.Pages,
		Fingerprint: authority.Fingerprint{Size: r.Size, ModTime: r.ModTime, SHA256: r.SHA256},
		Settings: authority.SignatureSettings{Page: r.Page, Invisible: r.Invisible, Box: authority.Box{X: r.X, Y: r.Y, W: r.W, H: r.H},
			Reason: r.Reason, Location: r.Location, OutputDir: r.OutputDir},
		AddedAt: r.AddedAt,
	}
}

func setFingerprint(r *store.QueuedDocument, f authority.Fingerprint) {
	r.Size, r.ModTime, r.SHA256 = f.Size, f.ModTime, f.SHA256
}

func setSettings(r *store.QueuedDocument, s authority.SignatureSettings) {
	r.Page, r.Invisible = s.Page, s.Invisible
	r.X, r.Y, r.W, r.H = s.Box.X, s.Box.Y, s.Box.W, s.Box.H
	r.Reason, r.Location, r.OutputDir = s.Reason, s.Location, s.OutputDir
}
