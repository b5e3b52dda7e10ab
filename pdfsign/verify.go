package pdfsign

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/natunakab/besign/pdfsign/internal/cms"
	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

// SignatureInfo is what Verify reports for one signature. The JSON shape is
// the one `besign verify --json` prints.
type SignatureInfo struct {
	Field       string `json:"field"`
	Signer      string `json:"signer"`
	SigningTime string `json:"signing_time"` // RFC 3339, "" when absent
	Reason      string `json:"reason"`
	Location    string `json:"location"`
	// Integrity is "valid" when the digest matches the byte ranges and the
	// signature verifies with the signer's certificate, else "invalid".
	Integrity            string `json:"integrity"`
	CoversWholeDocument  bool   `json:"covers_whole_document"`
	ModifiedAfterSigning bool   `json:"modified_after_signing"`
	Trusted              bool   `json:"trusted"`
	SubFilter            string `json:"subfilter"`
	// Problem explains an invalid or untrusted signature.
	Problem string `json:"problem,omitempty"`

	// Chain holds the certificates included in the signature, signer first
	// when it is known.
	Chain []*x509.Certificate `json:"-"`
}

const (
	Valid   = "valid"
	Invalid = "invalid"
)

// maxContents bounds a /Contents string we are willing to read.
const maxContents = 1 << 20

// Verify checks every signature field of the PDF in r. roots may be nil:
// then no signature is trusted.
func Verify(r io.ReaderAt, size int64, roots *x509.CertPool) ([]SignatureInfo, error) {
	if size == 0 {
		return nil, fmt.Errorf("%w: the file is empty", ErrNotPDF)
	}
	f, err := pdf.Open(r, size)
	if err != nil {
		return nil, mapParseErr(err)
	}
	if _, ok := f.Trailer["Encrypt"]; ok {
		return nil, ErrEncrypted
	}
	catalog, ok, err := f.ResolveDict(f.Trailer["Root"])
	if err != nil {
		return nil, mapParseErr(err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: the document catalog is missing", ErrMalformed)
	}
	acro, _, err := f.ResolveDict(catalog["AcroForm"])
	if err != nil {
		return nil, mapParseErr(err)
	}
	fieldsObj, err := f.Resolve(acro["Fields"])
	if err != nil {
		return nil, mapParseErr(err)
	}
	fields, _ := fieldsObj.(pdf.Array)
	var sigs []sigField
	err = walkFields(f, fields, func(name string, ft pdf.Name, d pdf.Dict) {
		if ft != "Sig" {
			return
		}
		if v, ok, err := f.ResolveDict(d["V"]); err == nil && ok {
			sigs = append(sigs, sigField{name, v})
		}
	})
	if err != nil {
		return nil, err
	}
	var out []SignatureInfo
	for _, s := range sigs {
		out = append(out, verifyOne(r, size, f, s, roots))
	}
	return out, nil
}

type sigField struct {
	name string
	v    pdf.Dict
}

func verifyOne(r io.ReaderAt, size int64, f *pdf.File, s sigField, roots *x509.CertPool) SignatureInfo {
	info := SignatureInfo{Field: s.name, Integrity: Invalid}
	str := func(k pdf.Name) string {
		o, _ := f.Resolve(s.v[k])
		if t, ok := o.(pdf.String); ok {
			return decodeText(t)
		}
		return ""
	}
	info.Reason, info.Location = str("Reason"), str("Location")
	sub, _ := s.v["SubFilter"].(pdf.Name)
	info.SubFilter = string(sub)
	signedAt, hasTime := parsePDFDate(str("M"))
	if hasTime {
		info.SigningTime = signedAt.Format(time.RFC3339)
	}

	br, err := byteRange(f, s.v, size)
	if err != nil {
		info.Problem = err.Error()
		return info
	}
	end := br[2] + br[3]
	info.CoversWholeDocument = end == size
	info.ModifiedAfterSigning = end < size

	if sub != "ETSI.CAdES.detached" && sub != "adbe.pkcs7.detached" {
		info.Problem = fmt.Sprintf("unsupported signature type %q", sub)
		return info
	}
	// The gap must be exactly the /Contents hex string.
	gap := make([]byte, br[2]-br[1])
	if _, err := r.ReadAt(gap, br[1]); err != nil {
		info.Problem = "cannot read the signature value"
		return info
	}
	contents, ok := hexGap(gap)
	if !ok {
		info.Problem = "the byte range gap is not the signature value"
		return info
	}
	p, err := cms.Parse(contents)
	if err != nil {
		info.Problem = err.Error()
		return info
	}
	if p.Signer != nil {
		info.Signer = p.Signer.Subject.CommonName
		if info.Signer == "" {
			info.Signer = p.Signer.Subject.String()
		}
		info.Chain = append(info.Chain, p.Signer)
	}
	for _, c := range p.Certificates {
		if c != p.Signer {
			info.Chain = append(info.Chain, c)
		}
	}
	if !p.Hash.Available() {
		info.Problem = "unsupported digest algorithm"
		return info
	}
	h := p.Hash.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, br[0], br[1])); err != nil {
		info.Problem = "cannot read the signed bytes"
		return info
	}
	if _, err := io.Copy(h, io.NewSectionReader(r, br[2], br[3])); err != nil {
		info.Problem = "cannot read the signed bytes"
		return info
	}
	if !bytes.Equal(h.Sum(nil), p.MessageDigest) {
		info.Problem = "the document was changed inside the signed byte range (digest mismatch)"
		return info
	}
	if err := p.VerifySignature(); err != nil {
		info.Problem = err.Error()
		return info
	}
	info.Integrity = Valid
	if roots == nil {
		info.Problem = "no trusted root given"
		return info
	}
	inter := x509.NewCertPool()
	for _, c := range p.Certificates {
		inter.AddCert(c)
	}
	at := time.Now()
	if hasTime {
		at = signedAt
	}
	if _, err := p.Signer.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		info.Problem = "certificate not trusted: " + err.Error()
		return info
	}
	info.Trusted = true
	return info
}

var errByteRange = errors.New("invalid /ByteRange")

func byteRange(f *pdf.File, v pdf.Dict, size int64) ([4]int64, error) {
	var br [4]int64
	o, err := f.Resolve(v["ByteRange"])
	if err != nil {
		return br, errByteRange
	}
	a, ok := o.(pdf.Array)
	if !ok || len(a) != 4 {
		return br, errByteRange
	}
	for i, e := range a {
		n, ok := e.(pdf.Int)
		if !ok || n < 0 {
			return br, errByteRange
		}
		br[i] = int64(n)
	}
	if br[0] != 0 || br[1] <= 0 || br[2] <= br[1]+1 || br[2]+br[3] > size || br[2]-br[1] > 2*maxContents+2 {
		return br, errByteRange
	}
	return br, nil
}

// hexGap decodes "<hex>" allowing trailing zero padding.
func hexGap(gap []byte) ([]byte, bool) {
	if len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>' {
		return nil, false
	}
	h := gap[1 : len(gap)-1]
	if len(h)%2 != 0 {
		return nil, false
	}
	out := make([]byte, len(h)/2)
	if _, err := hex.Decode(out, h); err != nil {
		return nil, false
	}
	return out, true
}

// decodeText decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM,
// else PDFDocEncoding, read here as Latin-1).
func decodeText(s pdf.String) string {
	if len(s) >= 2 && s[0] == 0xfe && s[1] == 0xff {
		u := make([]uint16, 0, len(s)/2)
		for i := 2; i+1 < len(s); i += 2 {
			u = append(u, uint16(s[i])<<8|uint16(s[i+1]))
		}
		return string(utf16.Decode(u))
	}
	if len(s) >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf {
		return string(s[3:])
	}
	r := make([]rune, len(s))
	for i, c := range s {
		r[i] = rune(c)
	}
	return string(r)
}

// parsePDFDate reads D:YYYYMMDDHHmmSSOHH'mm' (trailing parts optional).
func parsePDFDate(s string) (time.Time, bool) {
	if len(s) >= 2 && s[:2] == "D:" {
		s = s[2:]
	}
	if len(s) < 4 {
		return time.Time{}, false
	}
	field := func(i, n, def int) (int, bool) {
		if len(s) < i+n {
			return def, true
		}
		v, err := strconv.Atoi(s[i : i+n])
		return v, err == nil
	}
	var v [6]int
	spec := [6][3]int{{0, 4, 0}, {4, 2, 1}, {6, 2, 1}, {8, 2, 0}, {10, 2, 0}, {12, 2, 0}}
	for i, sp := range spec {
		n, ok := field(sp[0], sp[1], sp[2])
		if !ok {
			return time.Time{}, false
		}
		v[i] = n
	}
	loc := time.UTC
	if len(s) > 14 && (s[14] == '+' || s[14] == '-') {
		hh, ok1 := field(15, 2, 0)
		mm := 0
		ok2 := true
		if len(s) >= 20 {
			mm, ok2 = field(18, 2, 0)
		}
		if !ok1 || !ok2 {
			return time.Time{}, false
		}
		off := hh*3600 + mm*60
		if s[14] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	return time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], 0, loc), true
}
