package authority

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

	"github.com/natunakab/besign/authority/store"
)

// The signing queue on the embedded authority. Every call resolves the
// session in the transaction that reads or writes the queue, and every row
// is looked up by id AND account, so that another account's id reads as
// unknown. One path per account is a UNIQUE index, and the size limit is
// counted in the (immediate) write transaction: both hold across processes.

// QueuedDocuments lists the signed-in account's queue, oldest first.
func (e *Embedded) QueuedDocuments(ctx context.Context, token string) ([]QueuedDocument, error) {
	if err := e.checkOpen(); err != nil {
		return nil, err
	}
	var out []QueuedDocument
	err := e.db.View(ctx, func(tx *store.Tx) error {
		u, _, err := e.session(ctx, tx, token)
		if err != nil {
			return err
		}
		rows, err := tx.QueuedDocuments(ctx, u.ID)
		if err != nil {
			return err
		}
		out = make([]QueuedDocument, len(rows))
		for i, r := range rows {
			out[i] = queuedDocument(r)
		}
		return nil
	})
	return out, err
}

// QueueDocument adds a document to the signed-in account's queue.
func (e *Embedded) QueueDocument(ctx context.Context, req QueueDocumentRequest) (QueuedDocument, error) {
	if err := e.checkOpen(); err != nil {
		return QueuedDocument{}, err
	}
	if err := checkQueuePath(req.Path, ErrQueuePath, "path"); err != nil {
		return QueuedDocument{}, err
	}
	if req.Pages < 0 {
		return QueuedDocument{}, fmt.Errorf("%w: %d pages", ErrQueueSettings, req.Pages)
	}
	if err := checkFingerprint(req.Fingerprint); err != nil {
		return QueuedDocument{}, err
	}
	set, err := checkSignatureSettings(req.Settings, req.Pages)
	if err != nil {
		return QueuedDocument{}, err
	}
	var d QueuedDocument
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		u, _, err := e.session(ctx, tx, req.Token)
		if err != nil {
			return err
		}
		n, err := tx.CountQueued(ctx, u.ID)
		if err != nil {
			return err
		}
		if n >= MaxQueuedDocuments {
			return fmt.Errorf("%w: %d documents", ErrQueueFull, n)
		}
		row := store.QueuedDocument{UserID: u.ID, Path: req.Path, Pages: req.Pages, AddedAt: e.now()}
		setFingerprint(&row, req.Fingerprint)
		setSettings(&row, set)
		if err := tx.InsertQueued(ctx, &row); errors.Is(err, store.ErrDuplicate) {
			return ErrQueueDuplicate
		} else if err != nil {
			return err
		}
		d = queuedDocument(row)
		return nil
	})
	if err != nil {
		return QueuedDocument{}, err
	}
	return d, nil
}

// UpdateQueuedDocument replaces a queued document's settings and, when
// given, its fingerprint and page count.
func (e *Embedded) UpdateQueuedDocument(ctx context.Context, req UpdateQueuedRequest) (QueuedDocument, error) {
	if err := e.checkOpen(); err != nil {
		return QueuedDocument{}, err
	}
	if req.Fingerprint != nil {
		if err := checkFingerprint(*req.Fingerprint); err != nil {
			return QueuedDocument{}, err
		}
	}
	if req.Pages != nil && *req.Pages < 0 {
		return QueuedDocument{}, fmt.Errorf("%w: %d pages", ErrQueueSettings, *req.Pages)
	}
	var d QueuedDocument
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		u, _, err := e.session(ctx, tx, req.Token)
		if err != nil {
			return err
		}
		row, err := tx.QueuedDocument(ctx, u.ID, req.ID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrQueueNotFound
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
			return ErrQueueNotFound
		} else if err != nil {
			return err
		}
		d = queuedDocument(row)
		return nil
	})
	if err != nil {
		return QueuedDocument{}, err
	}
	return d, nil
}

// RemoveQueuedDocument removes a document from the signed-in account's
// queue.
func (e *Embedded) RemoveQueuedDocument(ctx context.Context, token string, id int64) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	return e.db.Update(ctx, func(tx *store.Tx) error {
		u, _, err := e.session(ctx, tx, token)
		if err != nil {
			return err
		}
		if err := tx.DeleteQueued(ctx, u.ID, id); errors.Is(err, store.ErrNotFound) {
			return ErrQueueNotFound
		} else if err != nil {
			return err
		}
		return nil
	})
}

func queuedDocument(r store.QueuedDocument) QueuedDocument {
	return QueuedDocument{
		ID:          r.ID,
		Path:        r.Path,
		Pages:       r.Pages,
		Fingerprint: Fingerprint{Size: r.Size, ModTime: r.ModTime, SHA256: r.SHA256},
		Settings: SignatureSettings{Page: r.Page, Invisible: r.Invisible, Box: Box{X: r.X, Y: r.Y, W: r.W, H: r.H},
			Reason: r.Reason, Location: r.Location, OutputDir: r.OutputDir},
		AddedAt: r.AddedAt,
	}
}

func setFingerprint(r *store.QueuedDocument, f Fingerprint) {
	r.Size, r.ModTime, r.SHA256 = f.Size, f.ModTime, f.SHA256
}

func setSettings(r *store.QueuedDocument, s SignatureSettings) {
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
	case len(p) > MaxQueuePathLen:
		return fmt.Errorf("%w: %s is longer than %d bytes", sentinel, what, MaxQueuePathLen)
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
func checkFingerprint(f Fingerprint) error {
	switch {
	case f.Size < 0:
		return fmt.Errorf("%w: fingerprint: negative size", ErrQueueSettings)
	case len(f.SHA256) != 0 && len(f.SHA256) != 32:
		return fmt.Errorf("%w: fingerprint: a hash of %d bytes", ErrQueueSettings, len(f.SHA256))
	case !f.ModTime.IsZero() && !time.Unix(0, f.ModTime.UnixNano()).Equal(f.ModTime):
		return fmt.Errorf("%w: fingerprint: time out of range", ErrQueueSettings)
	}
	return nil
}

// checkSignatureSettings checks s for a document of pages pages (0: not
// known) and returns it with Reason and Location trimmed.
func checkSignatureSettings(s SignatureSettings, pages int) (SignatureSettings, error) {
	if s.Page < 1 || (pages > 0 && s.Page > pages) {
		return s, fmt.Errorf("%w: page %d of %d", ErrQueueSettings, s.Page, pages)
	}
	b := s.Box
	for _, v := range []float64{b.X, b.Y, b.W, b.H} {
		// NaN and infinities cannot be stored even for an unused box.
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return s, fmt.Errorf("%w: box: not a finite number", ErrQueueSettings)
		}
	}
	if !s.Invisible {
		switch {
		case b.W <= 0 || b.H <= 0:
			return s, fmt.Errorf("%w: box: width and height must be positive", ErrQueueSettings)
		case b.X < 0 || b.Y < 0:
			return s, fmt.Errorf("%w: box: outside the page", ErrQueueSettings)
		case max(b.X, b.Y, b.W, b.H, b.X+b.W, b.Y+b.H) > MaxBoxPoints:
			return s, fmt.Errorf("%w: box: beyond %d points", ErrQueueSettings, MaxBoxPoints)
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
		if err := checkQueuePath(s.OutputDir, ErrQueueSettings, "output folder"); err != nil {
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
	return checkFreeText(s, MaxSignatureTextLen, false, textErrors{
		empty:   fmt.Errorf("%w: %s is empty", ErrQueueSettings, what), // not reached
		long:    fmt.Errorf("%w: %s is longer than %d characters", ErrQueueSettings, what, MaxSignatureTextLen),
		invalid: fmt.Errorf("%w: %s contains characters that are not allowed", ErrQueueSettings, what),
	})
}
