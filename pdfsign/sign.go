package pdfsign

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
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
	f, err := pdf.OpenWith(src, size, pdf.OpenOptions{Password: opts.PDFPassword})
	if err != nil {
		return mapParseErr(err)
	}
	if err := checkPageStreams(f); err != nil {
		return err
	}
	u, err := prepare(f, size, &opts)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(dst, h), io.NewSectionReader(src, 0, size))
	if err != nil {
		return fmt.Errorf("copy document: %w", err)
	}
	if n != size {
		// The input shrank after it was parsed: a signature now would
		// cover a damaged document.
		return fmt.Errorf("copy document: %w", ErrTruncated)
	}
	out := u.buf.Bytes()
	h.Write(out[:u.contentsStart])
	h.Write(out[u.contentsEnd:])
	der, err := cms.Sign(h.Sum(nil), opts.Signer, opts.Chain)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrKey, err)
	}
	if opts.TimeStamp != nil {
		if der, err = stampSignature(der, opts.TimeStamp); err != nil {
			return err
		}
	}
	if 2*len(der) > u.contentsEnd-u.contentsStart-2 {
		if opts.TimeStamp != nil {
			return fmt.Errorf("%w: the time-stamp token is larger than the %d bytes kept for it", ErrTimeStamp, TimeStampReserve)
		}
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
	// The same rule verify applies, so that besign never makes a signature
	// it would call not valid itself.
	if why := usableFor(cert, forDocuments); why != "" {
		return fmt.Errorf("%w: %s", ErrCertificate, why)
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

	next int // the next free object number
	// file encrypts the update's strings and streams like the document's.
	file *pdf.File
}

// danglingWindow bounds how far above /Size the signer looks for numbers
// the document refers to without defining: it takes a handful of numbers
// from there, and a repaired file's update lists every row up to its /Size.
const danglingWindow = 1 << 16

// firstFree is the first object number the update may take: above /Size and
// above every number the document refers to near it. Defining an object the
// signed revision refers to would add to what an earlier signature signed
// (verify calls that "other", as it must for a shadow attack).
func firstFree(f *pdf.File) int {
	next := f.Size
	for num := range references(f) {
		if num >= next && num < f.Size+danglingWindow {
			next = num + 1
		}
	}
	return next
}

// alloc returns a new object number.
func (u *update) alloc() int {
	u.next++
	return u.next - 1
}

func (u *update) begin(num, gen int) {
	u.offsets[num] = u.base + int64(u.buf.Len())
	u.gens[num] = gen
	fmt.Fprintf(&u.buf, "%d %d obj\n", num, gen)
}

func (u *update) object(num, gen int, o pdf.Object) error {
	o, err := u.file.EncryptObject(o, num, gen)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	u.begin(num, gen)
	if err := pdf.Append(&u.buf, o); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	u.buf.WriteString("\nendobj\n")
	return nil
}

// stream writes a stream object, encrypted like the document's.
func (u *update) stream(num int, d pdf.Dict, data []byte) error {
	enc, err := u.file.EncryptObject(d, num, 0)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return u.rawStream(num, enc.(pdf.Dict), u.file.EncryptStream(data, num, 0))
}

// rawStream writes a stream object as it is (cross-reference streams are
// never encrypted).
func (u *update) rawStream(num int, d pdf.Dict, data []byte) error {
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

// prepare builds the update (with a zero placeholder) for opts: the
// document checks, then the AcroForm, the widget with its appearance, the
// page's annotations, the signature dictionary and the cross-reference
// section.
func prepare(f *pdf.File, size int64, opts *Options) (*update, error) {
	doc, err := openDocument(f)
	if err != nil {
		return nil, err
	}
	placeholder, err := cms.MaxSize(opts.Chain)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCertificate, err)
	}
	if opts.TimeStamp != nil {
		// The token's size is known only once the TSA answered, after the
		// byte range is fixed: room for it is kept beforehand.
		placeholder += TimeStampReserve
	}
	form, err := loadAcroForm(f, doc.catalog)
	if err != nil {
		return nil, err
	}
	u := &update{base: size, offsets: map[int]int64{}, gens: map[int]int{}, next: firstFree(f), file: f}
	// The update starts on a fresh line whatever the original ends with.
	u.buf.WriteByte('\n')
	sigNum := u.alloc()
	if field := form.existingField(opts.FieldName); opts.FieldName != "" && field != nil {
		err = u.fillField(f, doc, form, field, sigNum, opts)
	} else {
		err = u.newField(f, doc, form, sigNum, opts)
	}
	if err != nil {
		return nil, err
	}
	if err := u.sigDict(sigNum, opts, placeholder); err != nil {
		return nil, err
	}
	if err := u.xref(f); err != nil {
		return nil, err
	}
	u.patchByteRange()
	return u, nil
}

// newField adds a signature field with its widget on the chosen page.
func (u *update) newField(f *pdf.File, doc *document, form *acroForm, sigNum int, opts *Options) error {
	pg, err := findPage(f, doc.catalog, opts.Page)
	if err != nil {
		return err
	}
	rect, matrix, err := widgetRect(pg, opts)
	if err != nil {
		return err
	}
	fieldName, err := chooseFieldName(form.names, opts.FieldName)
	if err != nil {
		return err
	}
	fieldNum := u.alloc()
	fieldRef := pdf.Ref{Num: fieldNum}
	form.dict["Fields"] = append(append(pdf.Array{}, form.fields...), fieldRef)
	flags, _ := form.dict["SigFlags"].(pdf.Int)
	form.dict["SigFlags"] = flags | 3

	widget := pdf.Dict{
		"Type": pdf.Name("Annot"), "Subtype": pdf.Name("Widget"), "FT": pdf.Name("Sig"),
		"T": textString(fieldName), "V": pdf.Ref{Num: sigNum}, "P": pg.ref, "Rect": rect, "F": pdf.Int(132),
	}
	if matrix != nil {
		widget["MK"] = pdf.Dict{"R": pdf.Int(pg.rotation())}
	}
	streams, err := u.appearanceStreams(opts, widget, matrix)
	if err != nil {
		return err
	}
	if err := u.addAnnotation(f, pg, fieldRef); err != nil {
		return err
	}
	if err := u.writeAcroForm(doc, form); err != nil {
		return err
	}
	if err := u.object(fieldNum, 0, widget); err != nil {
		return err
	}
	for _, s := range streams {
		if err := u.stream(s.num, s.dict, s.data); err != nil {
			return err
		}
	}
	return nil
}

// document is what prepare needs from the catalog.
type document struct {
	rootRef pdf.Ref
	catalog pdf.Dict
}

// openDocument checks that the file can take a signature and reads its
// catalog.
func openDocument(f *pdf.File) (*document, error) {
	if f.HeaderOffset != 0 {
		return nil, fmt.Errorf("%w: data before the %%PDF header", ErrUnsupported)
	}
	if !f.CanSign() {
		return nil, ErrPermission
	}
	doc, err := readCatalog(f)
	if err != nil {
		return nil, err
	}
	if err := checkCertification(f, doc.catalog); err != nil {
		return nil, err
	}
	return doc, nil
}

// readCatalog reads the document catalog.
func readCatalog(f *pdf.File) (*document, error) {
	rootRef := f.Trailer["Root"].(pdf.Ref)
	catalog, ok, err := f.ResolveDict(rootRef)
	if err != nil {
		return nil, mapParseErr(err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: the document catalog is missing", ErrMalformed)
	}
	return &document{rootRef: rootRef, catalog: catalog}, nil
}

// widgetRect is the widget's /Rect and the appearance's /Matrix: the
// appearance's box measured on the displayed page (crop box, /Rotate),
// checked against it, or an empty rectangle for an invisible signature.
func widgetRect(pg *pageInfo, opts *Options) (pdf.Array, pdf.Array, error) {
	a := opts.Appearance
	if a == nil {
		return pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(0), pdf.Int(0)}, nil, nil
	}
	r := a.Rect
	if r == (Rect{}) {
		return nil, nil, fmt.Errorf("%w: no box given for the new signature field", ErrRect)
	}
	vw, vh := pg.visibleSize()
	const eps = 0.01
	if !(r.W > 0 && r.H > 0) || r.X < -eps || r.Y < -eps || r.X+r.W > vw+eps || r.Y+r.H > vh+eps {
		return nil, nil, fmt.Errorf("%w: box %s,%s,%s,%s is outside page %d (%s x %s points as displayed)", ErrRect,
			pdf.FormatReal(r.X), pdf.FormatReal(r.Y), pdf.FormatReal(r.W), pdf.FormatReal(r.H), opts.Page,
			pdf.FormatReal(vw), pdf.FormatReal(vh))
	}
	box, matrix := pg.place(r)
	return pdf.Array{pdf.Real(box[0]), pdf.Real(box[1]), pdf.Real(box[2]), pdf.Real(box[3])}, matrix, nil
}

// acroForm is the document's interactive form, copied for changes.
type acroForm struct {
	dict     pdf.Dict
	ref      pdf.Ref
	indirect bool
	fields   pdf.Array
	names    map[string]bool
	nodes    []fieldNode
}

// loadAcroForm reads the AcroForm (direct or indirect) and the names of its
// fields.
func loadAcroForm(f *pdf.File, catalog pdf.Dict) (*acroForm, error) {
	form := &acroForm{names: map[string]bool{}}
	form.ref, form.indirect = catalog["AcroForm"].(pdf.Ref)
	if form.indirect {
		d, ok, err := f.ResolveDict(form.ref)
		if err != nil {
			return nil, mapParseErr(err)
		}
		if ok {
			form.dict = d.Clone()
		} else {
			form.indirect = false
		}
	} else if d, ok := catalog["AcroForm"].(pdf.Dict); ok {
		form.dict = d.Clone()
	}
	if form.dict == nil {
		form.dict = pdf.Dict{}
	}
	fieldsObj, err := f.Resolve(form.dict["Fields"])
	if err != nil {
		return nil, mapParseErr(err)
	}
	form.fields, _ = fieldsObj.(pdf.Array)
	err = walkFieldNodes(f, form.fields, func(n fieldNode) {
		form.names[n.name] = true
		form.nodes = append(form.nodes, n)
	})
	if err != nil {
		return nil, err
	}
	return form, nil
}

// chooseFieldName returns want, or the first free "SignatureN".
func chooseFieldName(names map[string]bool, want string) (string, error) {
	if want != "" {
		if names[want] {
			return "", fmt.Errorf("%w: a field named %q already exists", ErrUnsupported, want)
		}
		return want, nil
	}
	for i := 1; ; i++ {
		name := "Signature" + strconv.Itoa(i)
		if !names[name] {
			return name, nil
		}
	}
}

// pendingStream is a stream object written after the widget.
type pendingStream struct {
	num  int
	dict pdf.Dict
	data []byte
}

// appearanceStreams builds the visible signature's form XObject (and its
// image) and sets the widget's /AP; nothing for an invisible signature.
func (u *update) appearanceStreams(opts *Options, widget pdf.Dict, matrix pdf.Array) ([]pendingStream, error) {
	a := opts.Appearance
	if a == nil {
		return nil, nil
	}
	name := a.Name
	if name == "" {
		name = opts.Name
	}
	ap, err := buildAppearance(a, name, opts.Time, opts.Reason, opts.Location)
	if err != nil {
		return nil, err
	}
	apNum := u.alloc()
	res := pdf.Dict{"Font": pdf.Dict{
		"F1": pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Helvetica"), "Encoding": pdf.Name("WinAnsiEncoding")},
		"F2": pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Helvetica-Bold"), "Encoding": pdf.Name("WinAnsiEncoding")},
	}}
	var streams []pendingStream
	if ap.image != nil {
		imNum := u.alloc()
		streams = append(streams, pendingStream{imNum, ap.imageDict, ap.image})
		res["XObject"] = pdf.Dict{"Im1": pdf.Ref{Num: imNum}}
	}
	form := pdf.Dict{
		"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Form"),
		"BBox":      pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Real(a.Rect.W), pdf.Real(a.Rect.H)},
		"Resources": res,
	}
	if matrix != nil {
		// Turned against the page's /Rotate, so that it reads upright.
		form["Matrix"] = matrix
	}
	streams = append(streams, pendingStream{apNum, form, ap.content})
	widget["AP"] = pdf.Dict{"N": pdf.Ref{Num: apNum}}
	return streams, nil
}

// addAnnotation writes the page (or its indirect /Annots array) with the
// widget added.
func (u *update) addAnnotation(f *pdf.File, pg *pageInfo, widget pdf.Ref) error {
	page := pg.dict.Clone()
	annotsObj := page["Annots"]
	if ar, ok := annotsObj.(pdf.Ref); ok {
		o, err := f.Resolve(ar)
		if err != nil {
			return mapParseErr(err)
		}
		arr, _ := o.(pdf.Array)
		return u.object(ar.Num, f.Gen(ar.Num), append(append(pdf.Array{}, arr...), widget))
	}
	arr, _ := annotsObj.(pdf.Array)
	page["Annots"] = append(append(pdf.Array{}, arr...), widget)
	return u.object(pg.ref.Num, pg.ref.Gen, page)
}

// writeAcroForm writes the AcroForm object, or the catalog when the form
// is a direct dictionary inside it.
func (u *update) writeAcroForm(doc *document, form *acroForm) error {
	if form.indirect {
		return u.object(form.ref.Num, form.ref.Gen, form.dict)
	}
	if _, ok := u.offsets[doc.rootRef.Num]; ok {
		return fmt.Errorf("%w: the catalog is also a page", ErrMalformed)
	}
	cat := doc.catalog.Clone()
	cat["AcroForm"] = form.dict
	return u.object(doc.rootRef.Num, doc.rootRef.Gen, cat)
}

func (u *update) sigDict(num int, opts *Options, placeholder int) error {
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
	// The strings are encrypted like the document's; /Contents, written
	// below, never is (ISO 32000-1, 7.6.1).
	enc, err := u.file.EncryptObject(d, num, 0)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var b bytes.Buffer
	pdf.Append(&b, enc)           // only names and strings: cannot fail
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
	return nil
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
// previous one) and the trailer. After a rebuild of broken cross-reference
// data the section lists every object and has no /Prev, so that readers
// never need the broken data.
func (u *update) xref(f *pdf.File) error {
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
		"ID":   pdf.Array{pdf.String(id0), pdf.String(id1)},
	}
	if !f.Repaired {
		trailer["Prev"] = pdf.Int(f.StartXref)
	}
	if info, ok := f.Trailer["Info"].(pdf.Ref); ok {
		trailer["Info"] = info
	}
	if enc, ok := f.Trailer["Encrypt"]; ok {
		trailer["Encrypt"] = enc
	}
	var xnum int
	if f.XrefStream {
		xnum = u.alloc()
		u.offsets[xnum] = u.base + int64(u.buf.Len())
		u.gens[xnum] = 0
	}
	rows := u.newRows()
	if f.Repaired {
		rows = u.allRows(f)
	}
	trailer["Size"] = pdf.Int(u.next)
	if f.XrefStream {
		return u.xrefStream(xnum, trailer, rows)
	}
	return u.xrefTable(trailer, rows)
}

// xrefRow is one cross-reference entry: typ 0 free (f2 the next free
// object), 1 in the file (f2 offset), 2 in an object stream (f2 the
// stream, f3 the index); f3 is the generation otherwise.
type xrefRow struct {
	num, typ int
	f2       int64
	f3       int
}

// newRows lists the update's objects.
func (u *update) newRows() []xrefRow {
	nums := make([]int, 0, len(u.offsets))
	for n := range u.offsets {
		nums = append(nums, n)
	}
	sortInts(nums)
	rows := make([]xrefRow, len(nums))
	for i, n := range nums {
		rows[i] = xrefRow{n, 1, u.offsets[n], u.gens[n]}
	}
	return rows
}

// allRows lists every object from 0 to the new /Size: the update's, the
// rebuilt ones of the file, and the free list.
func (u *update) allRows(f *pdf.File) []xrefRow {
	rows := make([]xrefRow, u.next)
	for i := range rows {
		rows[i] = xrefRow{num: i}
	}
	for _, e := range f.Entries() {
		if e.Num >= len(rows) {
			continue
		}
		if e.InStream {
			rows[e.Num] = xrefRow{e.Num, 2, e.Offset, e.Index}
		} else {
			rows[e.Num] = xrefRow{e.Num, 1, e.Offset, e.Gen}
		}
	}
	for n, off := range u.offsets {
		rows[n] = xrefRow{n, 1, off, u.gens[n]}
	}
	// Chain the free entries, object 0 first and last.
	last := 0
	for i := len(rows) - 1; i >= 0; i-- {
		if rows[i].typ == 0 {
			rows[i].f2 = int64(last)
			last = i
		}
	}
	rows[0].f3 = 65535
	return rows
}

// xrefStream writes a cross-reference stream holding the trailer keys.
func (u *update) xrefStream(xnum int, trailer pdf.Dict, rows []xrefRow) error {
	w := 1
	for _, r := range rows {
		for r.f2 >= 1<<(8*w) {
			w++
		}
	}
	var index pdf.Array
	var data []byte
	for i, r := range rows {
		if i == 0 || rows[i-1].num != r.num-1 {
			index = append(index, pdf.Int(r.num), pdf.Int(0))
		}
		index[len(index)-1] = index[len(index)-1].(pdf.Int) + 1
		data = append(data, byte(r.typ))
		for k := w - 1; k >= 0; k-- {
			data = append(data, byte(r.f2>>(8*k)))
		}
		data = append(data, byte(r.f3>>8), byte(r.f3))
	}
	trailer["Type"] = pdf.Name("XRef")
	trailer["W"] = pdf.Array{pdf.Int(1), pdf.Int(w), pdf.Int(2)}
	trailer["Index"] = index
	start := u.offsets[xnum]
	if err := u.rawStream(xnum, trailer, data); err != nil {
		return err
	}
	fmt.Fprintf(&u.buf, "startxref\n%d\n%%%%EOF\n", start)
	return nil
}

// xrefTable writes a classic cross-reference table and trailer.
func (u *update) xrefTable(trailer pdf.Dict, rows []xrefRow) error {
	start := u.base + int64(u.buf.Len())
	u.buf.WriteString("xref\n")
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && rows[j].num == rows[j-1].num+1 {
			j++
		}
		fmt.Fprintf(&u.buf, "%d %d\n", rows[i].num, j-i)
		for _, r := range rows[i:j] {
			kind := 'n'
			if r.typ == 0 {
				kind = 'f'
			}
			fmt.Fprintf(&u.buf, "%010d %05d %c\r\n", r.f2, r.f3, kind)
		}
		i = j
	}
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

// ErrAmbiguous means PDF readers read a structure of the file differently,
// so what the signer saw need not be what others see: a cross-reference
// section giving an object two different definitions (PDFium, the
// previewer's engine and Chrome's, takes the last; besign, poppler, MuPDF
// and qpdf the first), or a page's content stream whose /Length reaches
// past an "endstream" (PDFium and poppler read to the /Length, MuPDF to
// the "endstream"), or a cross-reference entry pointing at another
// object's header (PDFium has no such object; the others rebuild the
// table). Sign refuses such a file and Verify reports it.
var ErrAmbiguous = errors.New("ambiguous PDF")

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
