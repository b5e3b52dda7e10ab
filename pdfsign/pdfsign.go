// Package pdfsign signs PDF files with PAdES baseline B-B signatures
// (incremental update, detached CMS with SHA-256) and verifies them.
//
// Signing takes any crypto.Signer with its certificate chain, so the same
// code serves a PKCS#12 file, the embedded authority's key or a remote
// signer. The original bytes stay an exact prefix of the output, the file
// is hashed while it is copied, and memory does not grow with file size.
package pdfsign

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"image"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

// Sentinel errors. Errors returned by this package wrap one of them (or an
// I/O error from the reader or writer).
var (
	ErrNotPDF      = errors.New("not a PDF file")
	ErrMalformed   = errors.New("damaged PDF")
	ErrUnsupported = errors.New("unsupported PDF")
	// ErrEncrypted is the kind of every error about an encrypted PDF:
	// ErrPasswordRequired, ErrWrongPassword, ErrPermission all match it.
	ErrEncrypted = errors.New("the PDF is encrypted")
	// ErrPasswordRequired means the PDF opens only with a password
	// (Options.PDFPassword); files with an empty user password need none.
	ErrPasswordRequired = fmt.Errorf("%w: it needs its password to open", ErrEncrypted)
	// ErrWrongPassword means Options.PDFPassword opens neither as the user
	// nor as the owner password.
	ErrWrongPassword = fmt.Errorf("%w: wrong PDF password", ErrEncrypted)
	// ErrPermission means the document's permissions forbid adding a
	// signature; the owner password lifts them.
	ErrPermission  = fmt.Errorf("%w: its permissions forbid signing (the owner password allows it)", ErrEncrypted)
	ErrPage        = errors.New("page out of range")
	ErrRect        = errors.New("signature box does not fit on the page")
	ErrCertificate = errors.New("certificate not usable for signing")
	ErrKey         = errors.New("key does not match the certificate")
	ErrExists      = errors.New("output file already exists")
	ErrSameFile    = errors.New("output would overwrite the input")
	// ErrFieldSigned and ErrFieldType refuse Options.FieldName naming a
	// field that is signed already, or that is not a signature field.
	ErrFieldSigned = errors.New("the signature field is already signed")
	ErrFieldType   = errors.New("the field is not a signature field")
	// ErrTimeStamp: the token Options.TimeStamp returned is not a valid
	// one over this signature, or does not fit.
	ErrTimeStamp = errors.New("unusable time-stamp token")
)

// TimeStampReserve is the room kept in /Contents for a signature's
// time-stamp token (Options.TimeStamp): a token with its TSA's chain of
// two or three RSA certificates takes 4 to 7 KB.
const TimeStampReserve = 12 << 10

// Options describe one signature.
type Options struct {
	// Signer and Chain are required: Chain[0] is the signer's certificate,
	// followed by its issuers (the root may be included).
	Signer crypto.Signer
	Chain  []*x509.Certificate

	Reason, Location, ContactInfo string
	// Name goes into the signature's /Name; default: the certificate's
	// common name.
	Name string
	// Time is the signing time written to /M; default: now.
	Time time.Time
	// FieldName names the signature field. An existing empty signature
	// field of that (fully qualified) name is signed into, in its own box
	// (Appearance.Rect and Page are then not used); ErrFieldSigned when it
	// is signed already, ErrFieldType when it is not a signature field.
	// Otherwise a new field of that name is added; default: the first
	// free "SignatureN".
	FieldName string
	// Page (1-based) carries a new field's widget; default 1.
	Page int
	// Appearance makes the signature visible; nil means invisible.
	Appearance *Appearance
	// TimeStamp, when set, makes the signature PAdES B-T: it gets the
	// SHA-256 digest of the signature value and returns an RFC 3161
	// TimeStampToken over it (timestamp.Client.Stamp's DER), which becomes
	// the signature-time-stamp attribute. Its error fails the signature,
	// wrapped whole; a token that is not over this signature is refused
	// (ErrTimeStamp).
	TimeStamp func(digest []byte) ([]byte, error)
	// PDFPassword opens an encrypted PDF whose user password is not empty
	// (the user or the owner password). The signature is added with the
	// document's own encryption, which stays as it was.
	PDFPassword string
	// LTV, when set, makes SignFile (not Sign, which cannot read back its
	// output) append the validation material after the signature: PAdES
	// B-LT, and B-LTA with LTV.DocTimeStamp (see ExtendUpdate). A failure
	// to get revocation data or a document timestamp lowers the level
	// reached (LTV.Report says which) but still signs.
	LTV *LTV
}

// Rect is a box in PDF points on the page as displayed: origin at the
// bottom-left corner of the visible area (the crop box) after /Rotate, W
// across and H up as the reader sees them. The appearance is turned to
// match the page's rotation.
type Rect struct{ X, Y, W, H float64 }

// Appearance is what a visible signature shows.
type Appearance struct {
	Rect Rect
	// Name defaults to the certificate's common name.
	Name, NIP, Jabatan string
	// QR is the text or URL encoded in the QR code; empty means no code.
	QR string
	// Image is drawn beside the text when set (e.g. a logo).
	Image image.Image
	// Labels word the lines in the reader's language.
	Labels Labels
}

// Labels are the words of a visible signature, given by the caller in the
// signer's language: pdfsign holds no text for people. Each label is drawn
// before its value, a space between; an empty label leaves the value alone,
// and an empty SignedBy leaves out the line above the name.
type Labels struct {
	SignedBy string // the line above the name
	NIP      string // before the NIP
	Date     string // before the signing time
	Reason   string // before Options.Reason
	Location string // before Options.Location
}

func mapParseErr(err error) error {
	switch {
	case errors.Is(err, pdf.ErrNotPDF):
		return ErrNotPDF
	case errors.Is(err, pdf.ErrPasswordRequired):
		return ErrPasswordRequired
	case errors.Is(err, pdf.ErrWrongPassword):
		return ErrWrongPassword
	case errors.Is(err, pdf.ErrAmbiguous):
		return wrapErr{ErrAmbiguous, err}
	case errors.Is(err, pdf.ErrUnsupported):
		return wrapErr{ErrUnsupported, err}
	case errors.Is(err, pdf.ErrSyntax), errors.Is(err, pdf.ErrXref), errors.Is(err, pdf.ErrLimit):
		return wrapErr{ErrMalformed, err}
	}
	return err
}

// wrapErr reads "damaged PDF: <detail>" and matches both errors.
type wrapErr struct{ kind, detail error }

func (w wrapErr) Error() string   { return w.kind.Error() + ": " + w.detail.Error() }
func (w wrapErr) Unwrap() []error { return []error{w.kind, w.detail} }
