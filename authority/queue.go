package authority

import (
	"context"
	"errors"
	"time"
)

// Queue keeps the signed-in account's signing queue ("Tanda Tangan"): the
// local PDFs a person prepared to sign, each with its settings, so that work
// prepared offline survives a restart. The documents never reach the
// authority: only their path, fingerprint and settings do.
type Queue interface {
	// QueuedDocuments lists the account's queue, oldest first.
	QueuedDocuments(ctx context.Context, token string) ([]QueuedDocument, error)
	// QueueDocument adds a document; ErrQueueDuplicate when its path is
	// queued already, ErrQueueFull past MaxQueuedDocuments.
	QueueDocument(ctx context.Context, req QueueDocumentRequest) (QueuedDocument, error)
	// UpdateQueuedDocument replaces a queued document's settings and, when
	// req.Fingerprint (req.Pages) is set, its fingerprint (page count): the
	// person accepted the file as it is now. ErrQueueNotFound when it is not
	// in the account's queue.
	UpdateQueuedDocument(ctx context.Context, req UpdateQueuedRequest) (QueuedDocument, error)
	// RemoveQueuedDocument removes one document (signed, or no longer
	// wanted); ErrQueueNotFound when it is not in the account's queue.
	RemoveQueuedDocument(ctx context.Context, token string, id int64) error
}

// Fingerprint tells whether a file changed since it was queued.
type Fingerprint struct {
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
	SHA256  []byte    `json:"sha256"`
}

// Box is a visible signature's box in PDF points on the page as displayed
// (origin at the crop box's bottom-left corner, after /Rotate), as
// pdfsign.Rect.
type Box struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// SignatureSettings are one queued document's choices.
type SignatureSettings struct {
	// Page (1-based) carries the visible signature.
	Page int `json:"page"`
	// Invisible: no box on any page; Page and Box are then not used, but
	// kept for when the box is shown again (Page must still be valid).
	Invisible bool   `json:"invisible"`
	Box       Box    `json:"box"`
	Reason    string `json:"reason,omitempty"`
	Location  string `json:"location,omitempty"`
	// OutputDir is where NAME_signed.pdf goes; empty: beside the input.
	OutputDir string `json:"output_dir,omitempty"`
}

// QueuedDocument is a document in the queue.
type QueuedDocument struct {
	ID          int64             `json:"id"`
	Path        string            `json:"path"` // absolute, cleaned
	Pages       int               `json:"pages"`
	Fingerprint Fingerprint       `json:"fingerprint"`
	Settings    SignatureSettings `json:"settings"`
	AddedAt     time.Time         `json:"added_at"`
}

type QueueDocumentRequest struct {
	Token       string            `json:"token"` // session
	Path        string            `json:"path"`
	Pages       int               `json:"pages"`
	Fingerprint Fingerprint       `json:"fingerprint"`
	Settings    SignatureSettings `json:"settings"`
}

type UpdateQueuedRequest struct {
	Token    string            `json:"token"` // session
	ID       int64             `json:"id"`
	Settings SignatureSettings `json:"settings"`
	// Fingerprint, when not nil, replaces the stored one.
	Fingerprint *Fingerprint `json:"fingerprint,omitempty"`
	// Pages, when not nil, replaces the stored page count (0: not known),
	// as the file accepted with a new Fingerprint may have other pages.
	Pages *int `json:"pages,omitempty"`
}

// MaxQueuedDocuments bounds one account's queue.
const MaxQueuedDocuments = 1000

// Limits of a queued document, shared by the authority's checks and the
// screens' entries.
const (
	// MaxQueuePathLen is PATH_MAX on Linux, in bytes; also for OutputDir.
	MaxQueuePathLen = 4096
	// MaxSignatureTextLen bounds Reason and Location, in characters.
	MaxSignatureTextLen = 200
	// MaxBoxPoints is the largest page side PDF allows (200 inches),
	// bounding a visible box's corners and sides.
	MaxBoxPoints = 14400
)

// Errors of the signing queue.
var (
	ErrQueueNotFound  = errors.New("the document is not in the signing queue")
	ErrQueueDuplicate = errors.New("the document is in the signing queue already")
	ErrQueueFull      = errors.New("the signing queue is full")
	// ErrQueuePath: not an absolute, clean path, too long, or with control
	// characters.
	ErrQueuePath = errors.New("the document's path is not usable")
	// ErrQueueSettings: a page below 1 or past the document's last, a box
	// that is not a finite positive rectangle within MaxBoxPoints, a reason
	// or location that is too long or holds hidden characters, an output
	// folder that is not an absolute clean path, or a fingerprint that
	// cannot be compared (negative size, a hash that is not SHA-256).
	ErrQueueSettings = errors.New("the document's signature settings are not valid")
)
