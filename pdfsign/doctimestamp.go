package pdfsign

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
	"github.com/natunakab/besign/pdfsign/timestamp"
)

// DocTimeStampUpdate returns the incremental update (the bytes to append to
// the document read from src) that adds a document timestamp (PAdES B-LTA:
// /Type /DocTimeStamp, /SubFilter /ETSI.RFC3161) in a new invisible field:
// stamp gets the SHA-256 of the whole file as it will be signed, the DSS
// included, and returns an RFC 3161 token over it.
func DocTimeStampUpdate(src io.ReaderAt, size int64, password string, stamp func(digest []byte) ([]byte, error)) ([]byte, error) {
	f, err := pdf.OpenWith(src, size, pdf.OpenOptions{Password: password})
	if err != nil {
		return nil, mapParseErr(err)
	}
	if f.HeaderOffset != 0 {
		return nil, fmt.Errorf("%w: data before the %%PDF header", ErrUnsupported)
	}
	// A certification with "no changes allowed" still admits a DSS and a
	// document timestamp (ISO 32000-2, 12.8.2.2.2): openDocument's refusal
	// does not apply here.
	doc, err := readCatalog(f)
	if err != nil {
		return nil, err
	}
	u := &update{base: size, offsets: map[int]int64{}, gens: map[int]int{}, next: firstFree(f), file: f}
	u.buf.WriteByte('\n')
	out, err := u.stampDocument(src, size, f, doc, stamp)
	var se *stampError
	if errors.As(err, &se) {
		err = se.err
	}
	return out, err
}

// stampDocument adds a document timestamp's field to u (whose other
// objects are written already), writes the cross-reference section and
// fills in the token. The catalog is written from doc unless the field
// code wrote it. A failure of stamp or of its token is a *stampError.
func (u *update) stampDocument(src io.ReaderAt, size int64, f *pdf.File, doc *document, stamp func([]byte) ([]byte, error)) ([]byte, error) {
	form, err := loadAcroForm(f, doc.catalog)
	if err != nil {
		return nil, err
	}
	sigNum := u.alloc()
	if err := u.newField(f, doc, form, sigNum, &Options{Page: 1}); err != nil {
		return nil, err
	}
	u.docTimeStampDict(sigNum, TimeStampReserve)
	if _, ok := u.offsets[doc.rootRef.Num]; !ok {
		if _, changed := doc.catalog["DSS"]; changed {
			if err := u.object(doc.rootRef.Num, doc.rootRef.Gen, doc.catalog); err != nil {
				return nil, err
			}
		}
	}
	if err := u.xref(f); err != nil {
		return nil, err
	}
	u.patchByteRange()

	h := sha256.New()
	n, err := io.Copy(h, io.NewSectionReader(src, 0, size))
	if err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	if n != size {
		return nil, fmt.Errorf("read document: %w", ErrTruncated)
	}
	out := u.buf.Bytes()
	h.Write(out[:u.contentsStart])
	h.Write(out[u.contentsEnd:])
	digest := h.Sum(nil)
	token, err := stamp(digest)
	if err != nil {
		return nil, &stampError{err}
	}
	tok, err := timestamp.Check(token, digest, nil)
	if err != nil {
		return nil, &stampError{fmt.Errorf("%w: %w", ErrTimeStamp, err)}
	}
	if 2*len(tok.DER) > u.contentsEnd-u.contentsStart-2 {
		return nil, &stampError{fmt.Errorf("%w: the time-stamp token is larger than the %d bytes kept for it", ErrTimeStamp, TimeStampReserve)}
	}
	hex.Encode(out[u.contentsStart+1:], tok.DER)
	return out, nil
}

// docTimeStampDict writes the document timestamp's dictionary with its
// /ByteRange and /Contents placeholders, like sigDict.
func (u *update) docTimeStampDict(num, placeholder int) {
	u.begin(num, 0)
	var b bytes.Buffer
	pdf.Append(&b, pdf.Dict{"Type": pdf.Name("DocTimeStamp"), "Filter": pdf.Name("Adobe.PPKLite"), "SubFilter": pdf.Name("ETSI.RFC3161")})
	u.buf.Write(b.Bytes()[:b.Len()-2])
	u.buf.WriteString("/ByteRange [")
	u.byteRangeAt = u.buf.Len()
	u.buf.Write(bytes.Repeat([]byte{' '}, byteRangeWidth))
	u.buf.WriteString("]/Contents ")
	u.contentsStart = u.buf.Len()
	u.buf.WriteByte('<')
	u.buf.Write(bytes.Repeat([]byte{'0'}, 2*placeholder))
	u.buf.WriteByte('>')
	u.contentsEnd = u.buf.Len()
	u.buf.WriteString(">>\nendobj\n")
}
