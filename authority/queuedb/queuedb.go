// Package queuedb is the signing queue over a store transaction: the rules
// of a queued document (path, fingerprint, page, box, reason, location,
// output folder) and the reads and writes of one account's queue. The
// embedded authority and the laptop's queue of an organisation server's
// client (localqueue) both keep their queue this way, so both refuse the
// same things with the same sentinel errors.
//
// Every call resolves the session in the transaction that reads or writes
// the queue (the caller's Account), and every row is looked up by id AND
// account, so that another account's id reads as unknown. One path per
// account is a UNIQUE index, and the size limit is counted in the
// (immediate) write transaction: both hold across processes.
package queuedb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// Account runs fn for the account of the session token in a read (write
// false) or write transaction; an unknown or expired session is the
// caller's error (authority.ErrSessionExpired).
type Account func(ctx context.Context, token string, write bool, fn func(tx store.Tx, u store.User) error) error

// List is the account's queue, oldest first.
func List(ctx context.Context, account Account, token string) ([]authority.QueuedDocument, error) {
	var out []authority.QueuedDocument
	err := account(ctx, token, false, func(tx store.Tx, u store.User) error {
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

// Add adds a document to the account's queue, added at now.
func Add(ctx context.Context, account Account, req authority.QueueDocumentRequest, now time.Time) (authority.QueuedDocument, error) {
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
	err = account(ctx, req.Token, true, func(tx store.Tx, u store.User) error {
		n, err := tx.CountQueued(ctx, u.ID)
		if err != nil {
			return err
		}
		if n >= authority.MaxQueuedDocuments {
			return fmt.Errorf("%w: %d documents", authority.ErrQueueFull, n)
		}
		row := store.QueuedDocument{UserID: u.ID, Path: req.Path, Pages: req.Pages, AddedAt: now}
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

// Update replaces a queued document's settings and, when given, its
// fingerprint and page count.
func Update(ctx context.Context, account Account, req authority.UpdateQueuedRequest) (authority.QueuedDocument, error) {
	if req.Fingerprint != nil {
		if err := checkFingerprint(*req.Fingerprint); err != nil {
			return authority.QueuedDocument{}, err
		}
	}
	if req.Pages != nil && *req.Pages < 0 {
		return authority.QueuedDocument{}, fmt.Errorf("%w: %d pages", authority.ErrQueueSettings, *req.Pages)
	}
	var d authority.QueuedDocument
	err := account(ctx, req.Token, true, func(tx store.Tx, u store.User) error {
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

// Remove removes a document from the account's queue.
func Remove(ctx context.Context, account Account, token string, id int64) error {
	return account(ctx, token, true, func(tx store.Tx, u store.User) error {
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

// checkQueuePath accepts an absolute, cleaned path of at most
// MaxQueuePathLen bytes of UTF-8 without control characters; what names
// the path in the error.
func checkQueuePath(p string, sentinel error, what string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: %s is empty", sentinel, what)
	case len(p) > authority.MaxQueuePathLen:
		return fmt.Errorf("%w: %s is longer than %d bytes", sentinel, what, authority.MaxQueuePathLen)
	case !utf8.ValidString(p):
		return fmt.Errorf("%w: %s is not UTF-8", sentinel, what)
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: %s holds a control character", sentinel, what)
		}
	}
	if !filepath.IsAbs(p) {
		return fmt.Errorf("%w: %s is not absolute", sentinel, what)
	}
	// Not cleaned here: "/a/link/../b.pdf" need not be "/a/b.pdf", and one
	// file must have one spelling for the duplicate check.
	if filepath.Clean(p) != p {
		return fmt.Errorf("%w: %s is not in its clean form", sentinel, what)
	}
	return nil
}

// checkFingerprint refuses a fingerprint that could not be compared with
// a file: a negative size, a hash that is not SHA-256, a time the database
// cannot keep to the nanosecond.
func checkFingerprint(f authority.Fingerprint) error {
	switch {
	case f.Size < 0:
		return fmt.Errorf("%w: fingerprint: negative size", authority.ErrQueueSettings)
	case len(f.SHA256) != 0 && len(f.SHA256) != 32:
		return fmt.Errorf("%w: fingerprint: a hash of %d bytes", authority.ErrQueueSettings, len(f.SHA256))
	case !f.ModTime.IsZero() && !time.Unix(0, f.ModTime.UnixNano()).Equal(f.ModTime):
		return fmt.Errorf("%w: fingerprint: time out of range", authority.ErrQueueSettings)
	}
	return nil
}

// checkSignatureSettings checks s for a document of pages pages (0: not
// known) and returns it with Reason and Location trimmed.
func checkSignatureSettings(s authority.SignatureSettings, pages int) (authority.SignatureSettings, error) {
	if s.Page < 1 || (pages > 0 && s.Page > pages) {
		return s, fmt.Errorf("%w: page %d of %d", authority.ErrQueueSettings, s.Page, pages)
	}
	b := s.Box
	for _, v := range []float64{b.X, b.Y, b.W, b.H} {
		// NaN and infinities cannot be stored even for an unused box.
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return s, fmt.Errorf("%w: box: not a finite number", authority.ErrQueueSettings)
		}
	}
	if !s.Invisible {
		switch {
		case b.W <= 0 || b.H <= 0:
			return s, fmt.Errorf("%w: box: width and height must be positive", authority.ErrQueueSettings)
		case b.X < 0 || b.Y < 0:
			return s, fmt.Errorf("%w: box: outside the page", authority.ErrQueueSettings)
		case max(b.X, b.Y, b.W, b.H, b.X+b.W, b.Y+b.H) > authority.MaxBoxPoints:
			return s, fmt.Errorf("%w: box: beyond %d points", authority.ErrQueueSettings, authority.MaxBoxPoints)
		}
	}
	var err error
	if s.Reason, err = checkSignatureText(s.Reason, "reason"); err != nil {
		return s, err
	}
	if s.Location, err = checkSignatureText(s.Location, "location"); err != nil {
		return s, err
	}
	if s.OutputDir != "" {
		if err := checkQueuePath(s.OutputDir, authority.ErrQueueSettings, "output folder"); err != nil {
			return s, err
		}
	}
	return s, nil
}

// checkSignatureText trims an optional reason or location, which goes into
// the signature and so before a verifier's eyes.
func checkSignatureText(s, what string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	return authority.CheckFreeText(s, authority.MaxSignatureTextLen, false, authority.TextErrors{
		Empty:   fmt.Errorf("%w: %s is empty", authority.ErrQueueSettings, what), // not reached
		Long:    fmt.Errorf("%w: %s is longer than %d characters", authority.ErrQueueSettings, what, authority.MaxSignatureTextLen),
		Invalid: fmt.Errorf("%w: %s contains characters that are not allowed", authority.ErrQueueSettings, what),
	})
}
