// Package accept decides whether a PDF that BSrE's Esign Client Service
// sent back may be kept, and only then writes it.
//
// The service receives the whole document and returns a whole document:
// nothing stops it (or whoever answers in its place) from changing a
// page, signing twice, signing elsewhere or with another person's
// certificate. A returned document is accepted only when it keeps the
// submitted bytes as an exact prefix, adds exactly one signature, on the
// requested page and box, by a certificate that names the account, and
// passes our own verifier (pdfsign), with a trusted timestamp when asked.
package accept

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strings"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/internal/atomicfile"
	"github.com/natunakab/besign/pdfsign"
)

// Sentinel errors; each refusal wraps ErrRefused and one of the others.
var (
	ErrRefused = errors.New("the signed document from BSrE is refused")
	// ErrNotPrefix: the returned file does not begin with the submitted
	// bytes: the document itself was changed, not only signed.
	ErrNotPrefix = errors.New("it does not keep the submitted document unchanged")
	// ErrSignatureCount: not exactly one new signature.
	ErrSignatureCount = errors.New("it does not add exactly one signature")
	// ErrPlacement: the new signature is not on the requested page and box.
	ErrPlacement = errors.New("its signature is not where it was asked for")
	// ErrSigner: the signer's certificate does not name the account.
	ErrSigner = errors.New("its signature is not by the account's certificate")
	// ErrInvalid: our verifier does not find the signature valid.
	ErrInvalid = errors.New("its signature does not verify")
	// ErrNoTimestamp: Want.Timestamp asked for a trusted timestamp (BSrE
	// signs PAdES B-T) and the signature carries none.
	ErrNoTimestamp = errors.New("its signature carries no trusted timestamp")
	// ErrUnreadable: the returned bytes are not a PDF we can read.
	ErrUnreadable = errors.New("it cannot be read as a PDF")
)

// Want is what was asked of the service for one document.
type Want struct {
	Invisible bool
	// Page (1-based) and Box (PDF points on the page as displayed, origin
	// bottom-left) of a visible signature.
	Page int
	Box  authority.Box
	// Email and NIK name the account; the signer's certificate must carry
	// one of those given (the email in its subjectAltName or subject, the
	// NIK as its subject's serialNumber).
	Email, NIK string
	// Timestamp requires a trusted signature timestamp (B-T): BSrE's
	// answers carry one.
	Timestamp bool
	// Verify tunes our verifier: Roots are BSrE's roots (then the
	// signature must be trusted), Password opens an encrypted PDF.
	Verify pdfsign.VerifyOptions
}

// tolerance is how far (in points) the returned widget's box may be from
// the requested one: iText rounds coordinates, and a preview's box comes
// from pixels.
const tolerance = 1.0

// Check accepts returned as the signed version of submitted, or says why
// not. It returns the new signature's report.
func Check(submitted, returned []byte, want Want) (pdfsign.SignatureInfo, error) {
	var none pdfsign.SignatureInfo
	if len(returned) <= len(submitted) || !bytes.HasPrefix(returned, submitted) {
		return none, refuse(ErrNotPrefix, "%d bytes sent, %d back", len(submitted), len(returned))
	}
	pw := want.Verify.Password
	before, err := pdfsign.SignatureFields(bytes.NewReader(submitted), int64(len(submitted)), pw)
	if err != nil {
		return none, refuse(ErrUnreadable, "the submitted document: %v", err)
	}
	after, err := pdfsign.SignatureFields(bytes.NewReader(returned), int64(len(returned)), pw)
	if err != nil {
		return none, refuse(ErrUnreadable, "%v", err)
	}
	signedBefore := map[string]bool{}
	for _, f := range before {
		if f.Signed {
			signedBefore[f.Name] = true
		}
	}
	var added []pdfsign.Field
	for _, f := range after {
		if f.Signed && !signedBefore[f.Name] {
			added = append(added, f)
		}
	}
	infos, err := pdfsign.VerifyWith(bytes.NewReader(returned), int64(len(returned)), want.Verify)
	if err != nil {
		return none, refuse(ErrUnreadable, "%v", err)
	}
	if len(added) != 1 || len(infos) != len(signedBefore)+1 {
		return none, refuse(ErrSignatureCount, "%d new signature fields, %d signatures where %d were", len(added), len(infos), len(signedBefore))
	}
	field := added[0]
	if err := placed(field, want); err != nil {
		return none, err
	}
	var info *pdfsign.SignatureInfo
	for i := range infos {
		s := &infos[i]
		if s.Field == field.Name {
			info = s
			continue
		}
		// an earlier signature may only see signatures added after it
		if s.Modifications == pdfsign.ModOther {
			return none, refuse(ErrInvalid, "signature %q of the submitted document is broken by the update", s.Field)
		}
	}
	if info == nil || info.Kind != pdfsign.KindSignature {
		return none, refuse(ErrSignatureCount, "the new field %q carries no signature", field.Name)
	}
	if len(info.Chain) == 0 || !names(info.Chain[0], want) {
		who := "no certificate"
		if len(info.Chain) > 0 {
			who = info.Chain[0].Subject.String()
		}
		return none, refuse(ErrSigner, "signed by %s", who)
	}
	if !info.Valid || info.Modifications != pdfsign.ModNone {
		return none, refuse(ErrInvalid, "%s", info.Problem)
	}
	if want.Timestamp && info.Timestamp == "" {
		return none, refuse(ErrNoTimestamp, "a B-B signature where BSrE signs B-T")
	}
	return *info, nil
}

// placed checks the new field's page and box.
func placed(f pdfsign.Field, want Want) error {
	r := f.Rect
	if want.Invisible {
		if r.W != 0 || r.H != 0 {
			return refuse(ErrPlacement, "a visible %gx%g box on page %d where none was asked for", r.W, r.H, f.Page)
		}
		return nil
	}
	b := want.Box
	if f.Page != want.Page {
		return refuse(ErrPlacement, "on page %d instead of %d", f.Page, want.Page)
	}
	if math.Abs(r.X-b.X) > tolerance || math.Abs(r.Y-b.Y) > tolerance ||
		math.Abs(r.W-b.W) > tolerance || math.Abs(r.H-b.H) > tolerance {
		return refuse(ErrPlacement, "box %.1f,%.1f %.1fx%.1f instead of %.1f,%.1f %.1fx%.1f on page %d",
			r.X, r.Y, r.W, r.H, b.X, b.Y, b.W, b.H, f.Page)
	}
	return nil
}

// oidEmail is PKCS #9 emailAddress, still how many CAs (BSrE among them)
// put the email in the subject.
var oidEmail = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}

// names reports whether cert names the account.
func names(cert *x509.Certificate, want Want) bool {
	if e := strings.TrimSpace(want.Email); e != "" {
		for _, a := range cert.EmailAddresses {
			if strings.EqualFold(a, e) {
				return true
			}
		}
		if attrEquals(cert.Subject.Names, oidEmail, e) {
			return true
		}
	}
	if n := strings.TrimSpace(want.NIK); n != "" && cert.Subject.SerialNumber == n {
		return true
	}
	return false
}

func attrEquals(names []pkix.AttributeTypeAndValue, oid asn1.ObjectIdentifier, want string) bool {
	for _, a := range names {
		if s, ok := a.Value.(string); ok && a.Type.Equal(oid) && strings.EqualFold(s, want) {
			return true
		}
	}
	return false
}

func refuse(kind error, format string, args ...any) error {
	return &refusal{kind: kind, detail: fmt.Sprintf(format, args...)}
}

// refusal reads "the signed document from BSrE is refused: <kind>: <detail>"
// and matches ErrRefused and its kind.
type refusal struct {
	kind   error
	detail string
}

func (r *refusal) Error() string {
	return ErrRefused.Error() + ": " + r.kind.Error() + ": " + r.detail
}
func (r *refusal) Unwrap() []error { return []error{ErrRefused, r.kind} }

// Write checks returned as Check does and only then writes it to name, or
// to the first free "NAME (2).pdf"... beside it, complete or not at all
// (atomicfile.CreateNew). It returns the path written; on any error
// nothing is written.
func Write(name string, perm fs.FileMode, submitted, returned []byte, want Want) (string, pdfsign.SignatureInfo, error) {
	info, err := Check(submitted, returned, want)
	if err != nil {
		return "", info, err
	}
	path, err := atomicfile.CreateNew(name, perm, func(w io.Writer) error {
		_, err := w.Write(returned)
		return err
	})
	return path, info, err
}
