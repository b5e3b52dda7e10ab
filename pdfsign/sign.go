package pdfsign

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
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

// Sign reads the PDF of the given size from src and writes it to dst with
// a new signature appended as an incremental update. On error, dst may
// hold partial output: SignFile takes care of removing it.
func Sign(dst io.Writer, src io.ReaderAt, size int64, opts Options) error {
	if err := checkSigner(&opts); err != nil {
		return err
	}
	if size == 0 {
		return fmt.Errorf("%w: the file is empty", ErrNotPDF)
	}
	f, err := pdf.Open(src, size)
	if err != nil {
		return mapParseErr(err)
	}
	u, err := prepare(f, size, &opts)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(dst, h), io.NewSectionReader(src, 0, size)); err != nil {
		return fmt.Errorf("copy document: %w", err)
	}
	out := u.buf.Bytes()
	h.Write(out[:u.contentsStart])
	h.Write(out[u.contentsEnd:])
	der, err := cms.Sign(h.Sum(nil), opts.Signer, opts.Chain)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrKey, err)
	}
	if 2*len(der) > u.contentsEnd-u.contentsStart-2 {
		// cms.MaxSize is an upper bound, so this is a bug, not bad input.
		return errors.New("internal error: signature larger than its placeholder")
	}
	hex.Encode(out[u.contentsStart+1:], der)
	if _, err := dst.Write(out); err != nil {
		return fmt.Errorf("write signature: %w", err)
	}
	return nil
}

func checkSigner(opts *Options) error {
	if opts.Signer == nil || len(opts.Chain) == 0 || opts.Chain[0] == nil {
		return fmt.Errorf("%w: a key and its certificate are required", ErrCertificate)
	}
	cert := opts.Chain[0]
	type equaler interface{ Equal(x crypto.PublicKey) bool }
	if pk, ok := opts.Signer.Public().(equaler); !ok || !pk.Equal(cert.PublicKey) {
		return ErrKey
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	if opts.Time.After(cert.NotAfter) {
		return fmt.Errorf("%w: it expired on %s", ErrCertificate, cert.NotAfter.Format("2006-01-02"))
	}
	if opts.Time.Before(cert.NotBefore) {
		return fmt.Errorf("%w: it is valid only from %s", ErrCertificate, cert.NotBefore.Format("2006-01-02"))
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("%w: its key usage allows neither digital signature nor non-repudiation", ErrCertificate)
	}
	if _, err := cms.MaxSize(opts.Chain); err != nil {
		return fmt.Errorf("%w: %v", ErrCertificate, err)
	}
	if opts.Name == "" {
		opts.Name = cert.Subject.CommonName
	}
	if opts.Page == 0 {
		opts.Page = 1
	}
	return nil
}

// update is the incremental update being built.
type update struct {
	buf     bytes.Buffer
	base    int64 // size of the original file
	offsets map[int]int64
	gens    map[int]int

	contentsStart, contentsEnd int // the <...> of /Contents, in buf
	byteRangeAt                int // where the ByteRange numbers go
}

func (u *update) begin(num, gen int) {
	u.offsets[num] = u.base + int64(u.buf.Len())
	u.gens[num] = gen
	fmt.Fprintf(&u.buf, "%d %d obj\n", num, gen)
}

func (u *update) object(num, gen int, o pdf.Object) error {
	u.begin(num, gen)
	if err := pdf.Append(&u.buf, o); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	u.buf.WriteString("\nendobj\n")
	return nil
}

func (u *update) stream(num int, d pdf.Dict, data []byte) error {
	d = d.Clone()
	d["Length"] = pdf.Int(len(data))
	u.begin(num, 0)
	if err := pdf.Append(&u.buf, d); err != nil {
		return err
	}
	u.buf.WriteString("\nstream\n")
	u.buf.Write(data)
	u.buf.WriteString("\nendstream\nendobj\n")
	return nil
}

const byteRangeWidth = 3*11 + 2 // "0 " + three numbers of up to 10 digits

// prepare builds the update (with a zero placeholder) for opts.
func prepare(f *pdf.File, size int64, opts *Options) (*update, error) {
	if f.HeaderOffset != 0 {
		return nil, fmt.Errorf("%w: data before the %%PDF header", ErrUnsupported)
	}
	if _, ok := f.Trailer["Encrypt"]; ok {
		return nil, ErrEncrypted
	}
	rootRef := f.Trailer["Root"].(pdf.Ref)
	catalog, ok, err := f.ResolveDict(rootRef)
	if err != nil {
		return nil, mapParseErr(err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: the document catalog is missing", ErrMalformed)
	}
	if err := checkCertification(f, catalog); err != nil {
		return nil, err
	}
	pg, err := findPage(f, catalog, opts.Page)
	if err != nil {
		return nil, err
	}
	rect := pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(0), pdf.Int(0)}
	if a := opts.Appearance; a != nil {
		r := a.Rect
		box := pg.box()
		const eps = 0.01
		if !(r.W > 0 && r.H > 0) || r.X < box[0]-eps || r.Y < box[1]-eps || r.X+r.W > box[2]+eps || r.Y+r.H > box[3]+eps {
			return nil, fmt.Errorf("%w: box %s,%s,%s,%s is outside page %d (%s x %s points)", ErrRect,
				pdf.FormatReal(r.X), pdf.FormatReal(r.Y), pdf.FormatReal(r.W), pdf.FormatReal(r.H), opts.Page,
				pdf.FormatReal(box[2]-box[0]), pdf.FormatReal(box[3]-box[1]))
		}
		rect = pdf.Array{pdf.Real(r.X), pdf.Real(r.Y), pdf.Real(r.X + r.W), pdf.Real(r.Y + r.H)}
	}
	placeholder, err := cms.MaxSize(opts.Chain)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificate, err)
	}

	u := &update{base: size, offsets: map[int]int64{}, gens: map[int]int{}}
	// The update starts on a fresh line whatever the original ends with.
	u.buf.WriteByte('\n')
	next := f.Size
	alloc := func() int { next++; return next - 1 }
	sigNum, fieldNum := alloc(), alloc()
	fieldRef := pdf.Ref{Num: fieldNum}

	// AcroForm: add the field, set SigFlags.
	names := map[string]bool{}
	var acro pdf.Dict
	acroRef, acroIndirect := catalog["AcroForm"].(pdf.Ref)
	if acroIndirect {
		d, ok, err := f.ResolveDict(acroRef)
		if err != nil {
			return nil, mapParseErr(err)
		}
		if ok {
			acro = d.Clone()
		} else {
			acroIndirect = false
		}
	} else if d, ok := catalog["AcroForm"].(pdf.Dict); ok {
		acro = d.Clone()
	}
	if acro == nil {
		acro = pdf.Dict{}
	}
	fieldsObj, err := f.Resolve(acro["Fields"])
	if err != nil {
		return nil, mapParseErr(err)
	}
	fields, _ := fieldsObj.(pdf.Array)
	if err := walkFields(f, fields, func(name string, _ pdf.Name, _ pdf.Dict) { names[name] = true }); err != nil {
		return nil, err
	}
	acro["Fields"] = append(append(pdf.Array{}, fields...), fieldRef)
	flags, _ := acro["SigFlags"].(pdf.Int)
	acro["SigFlags"] = flags | 3

	fieldName := opts.FieldName
	if fieldName == "" {
		for i := 1; ; i++ {
			fieldName = "Signature" + strconv.Itoa(i)
			if !names[fieldName] {
				break
			}
		}
	} else if names[fieldName] {
		return nil, fmt.Errorf("%w: a field named %q already exists", ErrUnsupported, fieldName)
	}

	widget := pdf.Dict{
		"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Widget"), "FT": pdf.Name("Sig"),
		"T": textString(fieldName), "V": pdf.Ref{Num: sigNum}, "P": pg.ref, "Rect": rect, "F": pdf.Int(132),
	}
	type pending struct {
		num  int
		dict pdf.Dict
		data []byte
	}
	var streams []pending
	if a := opts.Appearance; a != nil {
		name := a.Name
		if name == "" {
			name = opts.Name
		}
		ap, err := buildAppearance(a, name, opts.Time, opts.Reason, opts.Location)
		if err != nil {
			return nil, err
		}
		apNum := alloc()
		res := pdf.Dict{"Font": pdf.Dict{
			"F1": pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Helvetica"), "Encoding": pdf.Name("WinAnsiEncoding")},
			"F2": pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Helvetica-Bold"), "Encoding": pdf.Name("WinAnsiEncoding")},
		}}
		if ap.image != nil {
			imNum := alloc()
			streams = append(streams, pending{imNum, ap.imageDict, ap.image})
			res["XObject"] = pdf.Dict{"Im1": pdf.Ref{Num: imNum}}
		}
		streams = append(streams, pending{apNum, pdf.Dict{
			"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
			"BBox":      pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Real(a.Rect.W), pdf.Real(a.Rect.H)},
			"Resources": res,
		}, ap.content})
		widget["AP"] = pdf.Dict{"N": pdf.Ref{Num: apNum}}
	}

	// The page gets the widget in /Annots.
	page := pg.dict.Clone()
	annotsObj := page["Annots"]
	if ar, ok := annotsObj.(pdf.Ref); ok {
		o, err := f.Resolve(ar)
		if err != nil {
			return nil, mapParseErr(err)
		}
		arr, _ := o.(pdf.Array)
		if err := u.object(ar.Num, f.Gen(ar.Num), append(append(pdf.Array{}, arr...), fieldRef)); err != nil {
			return nil, err
		}
	} else {
		arr, _ := annotsObj.(pdf.Array)
		page["Annots"] = append(append(pdf.Array{}, arr...), fieldRef)
		if err := u.object(pg.ref.Num, pg.ref.Gen, page); err != nil {
			return nil, err
		}
	}
	if acroIndirect {
		if err := u.object(acroRef.Num, acroRef.Gen, acro); err != nil {
			return nil, err
		}
	} else {
		cat := catalog.Clone()
		if _, ok := u.offsets[rootRef.Num]; ok {
			return nil, fmt.Errorf("%w: the catalog is also a page", ErrMalformed)
		}
		cat["AcroForm"] = acro
		if err := u.object(rootRef.Num, rootRef.Gen, cat); err != nil {
			return nil, err
		}
	}
	if err := u.object(fieldNum, 0, widget); err != nil {
		return nil, err
	}
	for _, s := range streams {
		if err := u.stream(s.num, s.dict, s.data); err != nil {
			return nil, err
		}
	}
	u.sigDict(sigNum, opts, placeholder)
	if err := u.xref(f, next); err != nil {
		return nil, err
	}
	u.patchByteRange()
	return u, nil
}

func (u *update) sigDict(num int, opts *Options, placeholder int) {
	u.begin(num, 0)
	d := pdf.Dict{
		"Type": pdf.Name("Sig"), "Filter": pdf.Name("Adobe.PPKLite"), "SubFilter": pdf.Name("ETSI.CAdES.detached"),
		"M": pdf.String(pdfDate(opts.Time)),
	}
	if opts.Name != "" {
		d["Name"] = textString(opts.Name)
	}
	if opts.Reason != "" {
		d["Reason"] = textString(opts.Reason)
	}
	if opts.Location != "" {
		d["Location"] = textString(opts.Location)
	}
	if opts.ContactInfo != "" {
		d["ContactInfo"] = textString(opts.ContactInfo)
	}
	var b bytes.Buffer
	pdf.Append(&b, d)             // only names and strings: cannot fail
	head := b.Bytes()[:b.Len()-2] // without the closing >>
	u.buf.Write(head)
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

func (u *update) patchByteRange() {
	out := u.buf.Bytes()
	a := u.base + int64(u.contentsStart)
	b := u.base + int64(u.contentsEnd)
	c := int64(len(out) - u.contentsEnd)
	s := fmt.Sprintf("0 %d %d %d", a, b, c)
	copy(out[u.byteRangeAt:], s)
}

// xref writes the cross-reference section (table or stream, like the
// previous one) and the trailer.
func (u *update) xref(f *pdf.File, next int) error {
	id1 := make([]byte, 16)
	rand.Read(id1)
	id0 := id1
	if ids, ok := f.Trailer["ID"].(pdf.Array); ok && len(ids) == 2 {
		if s, ok := ids[0].(pdf.String); ok {
			id0 = s
		}
	}
	trailer := pdf.Dict{
		"Root": f.Trailer["Root"],
		"Prev": pdf.Int(f.StartXref),
		"ID":   pdf.Array{pdf.String(id0), pdf.String(id1)},
	}
	if info, ok := f.Trailer["Info"].(pdf.Ref); ok {
		trailer["Info"] = info
	}
	nums := make([]int, 0, len(u.offsets)+1)
	if f.XrefStream {
		xnum := next
		next++
		u.offsets[xnum] = u.base + int64(u.buf.Len())
		u.gens[xnum] = 0
		for n := range u.offsets {
			nums = append(nums, n)
		}
		sortInts(nums)
		w := 1
		for max := u.offsets[xnum]; max >= 1<<(8*w); w++ {
		}
		var index pdf.Array
		var data []byte
		for i, n := range nums {
			if i == 0 || nums[i-1] != n-1 {
				index = append(index, pdf.Int(n), pdf.Int(0))
			}
			index[len(index)-1] = index[len(index)-1].(pdf.Int) + 1
			data = append(data, 1)
			off := u.offsets[n]
			for k := w - 1; k >= 0; k-- {
				data = append(data, byte(off>>(8*k)))
			}
			g := u.gens[n]
			data = append(data, byte(g>>8), byte(g))
		}
		trailer["Type"] = pdf.Name("XRef")
		trailer["Size"] = pdf.Int(next)
		trailer["W"] = pdf.Array{pdf.Int(1), pdf.Int(w), pdf.Int(2)}
		trailer["Index"] = index
		start := u.offsets[xnum]
		if err := u.stream(xnum, trailer, data); err != nil {
			return err
		}
		fmt.Fprintf(&u.buf, "startxref\n%d\n%%%%EOF\n", start)
		return nil
	}
	for n := range u.offsets {
		nums = append(nums, n)
	}
	sortInts(nums)
	start := u.base + int64(u.buf.Len())
	u.buf.WriteString("xref\n")
	for i := 0; i < len(nums); {
		j := i + 1
		for j < len(nums) && nums[j] == nums[j-1]+1 {
			j++
		}
		fmt.Fprintf(&u.buf, "%d %d\n", nums[i], j-i)
		for _, n := range nums[i:j] {
			fmt.Fprintf(&u.buf, "%010d %05d n\r\n", u.offsets[n], u.gens[n])
		}
		i = j
	}
	trailer["Size"] = pdf.Int(next)
	u.buf.WriteString("trailer\n")
	if err := pdf.Append(&u.buf, trailer); err != nil {
		return err
	}
	fmt.Fprintf(&u.buf, "\nstartxref\n%d\n%%%%EOF\n", start)
	return nil
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// pdfDate formats t as a PDF date string.
func pdfDate(t time.Time) string {
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	if off == 0 {
		return t.Format("D:20060102150405") + "Z"
	}
	return fmt.Sprintf("%s%c%02d'%02d'", t.Format("D:20060102150405"), sign, off/3600, off/60%60)
}

// textString encodes s as a PDF text string: ASCII as is, anything else as
// UTF-16BE with a byte order mark.
func textString(s string) pdf.String {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return pdf.String(s)
	}
	out := []byte{0xfe, 0xff}
	for _, r := range utf16.Encode([]rune(s)) {
		out = append(out, byte(r>>8), byte(r))
	}
	return pdf.String(out)
}

// ErrCertified means the document was certified with "no changes allowed"
// (DocMDP P=1): any new signature would void the certification.
var ErrCertified = errors.New("the document is certified with no changes allowed; it cannot be signed again")

func checkCertification(f *pdf.File, catalog pdf.Dict) error {
	perms, _, err := f.ResolveDict(catalog["Perms"])
	if err != nil || perms == nil {
		return nil
	}
	sig, _, err := f.ResolveDict(perms["DocMDP"])
	if err != nil || sig == nil {
		return nil
	}
	refs, _ := f.Resolve(sig["Reference"])
	arr, _ := refs.(pdf.Array)
	for _, r := range arr {
		ref, _, err := f.ResolveDict(r)
		if err != nil || ref == nil || ref["TransformMethod"] != pdf.Name("DocMDP") {
			continue
		}
		params, _, _ := f.ResolveDict(ref["TransformParams"])
		if p, ok := params["P"].(pdf.Int); ok && p == 1 {
			return ErrCertified
		}
	}
	return nil
}
