// Package docqueue reads what queueing a PDF needs to know (pages, page
// sizes, signature fields, existing signers) with pdfsign's reader, and
// queues it, fingerprinted, with the authority; after the file changed on
// disk it takes it again.
package docqueue

import (
	"context"
	"errors"
	"fmt"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/signjob"
)

// ErrNoPages is the error of a document with no page to sign on; it wraps
// pdfsign.ErrMalformed.
var ErrNoPages = fmt.Errorf("%w: no pages could be counted", pdfsign.ErrMalformed)

// Facts are what reading a PDF told.
type Facts struct {
	// PageSizes are the pages' sizes as displayed, in points.
	PageSizes [][2]float64
	// Fields are its signature fields.
	Fields []pdfsign.Field
	// Signed counts the fields that hold a signature.
	Signed int
	// Signers name the signers of its signatures, as an offline
	// verification reads them.
	Signers []string
}

// Pages is the number of pages.
func (f Facts) Pages() int { return len(f.PageSizes) }

// PageSize is page n's size as displayed (1-based); 0, 0 when there is no
// such page.
func (f Facts) PageSize(n int) (w, h float64) {
	if n < 1 || n > len(f.PageSizes) {
		return 0, 0
	}
	return f.PageSizes[n-1][0], f.PageSizes[n-1][1]
}

// IsPasswordErr tells whether err is a PDF that needs its password, or a
// wrong one.
func IsPasswordErr(err error) bool {
	return errors.Is(err, pdfsign.ErrPasswordRequired) || errors.Is(err, pdfsign.ErrWrongPassword)
}

// Read reads the PDF at path (password, when not empty, opens it): is it
// one, its pages and signature fields, and the signers of the signatures
// it holds (verified offline, trusting no root: only the names count).
func Read(path, password string) (Facts, error) {
	f, st, err := pdfsign.OpenInput(path)
	if err != nil {
		return Facts{}, err
	}
	defer f.Close()
	pf, err := pdfsign.ReadFacts(f, st.Size(), password)
	if err != nil {
		return Facts{}, err
	}
	facts := Facts{PageSizes: pf.PageSizes, Fields: pf.Fields}
	for _, fd := range pf.Fields {
		if fd.Signed {
			facts.Signed++
		}
	}
	if facts.Signed > 0 {
		// a signature that cannot be verified still counts as one; only
		// its signer's name is missing
		infos, err := pdfsign.VerifyWith(f, st.Size(), pdfsign.VerifyOptions{Offline: true, Password: password})
		if err == nil {
			for _, s := range infos {
				if s.Kind == pdfsign.KindSignature && s.Signer != "" {
					facts.Signers = append(facts.Signers, s.Signer)
				}
			}
		}
	}
	return facts, nil
}

// Request is a document to queue.
type Request struct {
	// Token is the signed-in session's.
	Token string
	// Path is the document's absolute path.
	Path string
	// Pages is its page count (from Read, or from the preview, which the
	// box is placed on); below 1 is ErrNoPages.
	Pages int
	// Settings are its signature's settings.
	Settings authority.SignatureSettings
}

// Queue fingerprints the document (signing refuses it if it changes
// afterwards) and adds it to the signed-in account's queue.
func Queue(ctx context.Context, q authority.Queue, req Request) (authority.QueuedDocument, error) {
	if req.Pages < 1 {
		return authority.QueuedDocument{}, ErrNoPages
	}
	fp, err := signjob.Take(req.Path)
	if err != nil {
		return authority.QueuedDocument{}, err
	}
	return q.QueueDocument(ctx, authority.QueueDocumentRequest{
		Token: req.Token, Path: req.Path, Pages: req.Pages, Fingerprint: fp, Settings: req.Settings})
}

// Change is a queued document to take again as it is on disk now, after
// signing refused it because it changed.
type Change struct {
	// Token is the signed-in session's.
	Token string
	// ID is the queued document's.
	ID int64
	// Path is the document's absolute path.
	Path string
	// Pages is its page count now; below 1 when it could not be read
	// (a password it needs), which keeps the count the queue has.
	Pages int
	// Settings are its signature's settings, kept; a page past the new
	// end moves to the last page.
	Settings authority.SignatureSettings
}

// Requeue fingerprints the document again, so that signing accepts it as
// it is now, and updates its page count and settings in the queue.
func Requeue(ctx context.Context, q authority.Queue, c Change) (authority.QueuedDocument, error) {
	fp, err := signjob.Take(c.Path)
	if err != nil {
		return authority.QueuedDocument{}, err
	}
	req := authority.UpdateQueuedRequest{Token: c.Token, ID: c.ID, Settings: c.Settings, Fingerprint: &fp}
	if c.Pages > 0 {
		req.Pages = &c.Pages
		req.Settings.Page = min(req.Settings.Page, c.Pages)
	}
	return q.UpdateQueuedDocument(ctx, req)
}
