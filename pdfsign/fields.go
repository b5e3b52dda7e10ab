package pdfsign

import (
	"errors"
	"fmt"
	"io"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

// existingField returns the field named name, or nil when there is none.
func (form *acroForm) existingField(name string) *fieldNode {
	for i := range form.nodes {
		if n := &form.nodes[i]; n.name == name {
			if _, ok := n.dict["T"]; ok {
				return n
			}
		}
	}
	return nil
}

// widgetOf returns the field's widget: the field itself when they are
// merged, else its only kid widget (several widgets: ok is false).
func widgetOf(f *pdf.File, field *fieldNode) (pdf.Ref, pdf.Dict, bool) {
	if field.dict["Subtype"] == pdf.Name("Widget") {
		return field.ref, field.dict, true
	}
	kids, _ := f.Resolve(field.dict["Kids"])
	ka, _ := kids.(pdf.Array)
	var ref pdf.Ref
	var dict pdf.Dict
	for _, k := range ka {
		r, ok := k.(pdf.Ref)
		if !ok {
			continue
		}
		d, ok, err := f.ResolveDict(r)
		if err != nil || !ok || d["T"] != nil {
			continue
		}
		if dict != nil {
			return pdf.Ref{}, nil, false
		}
		ref, dict = r, d
	}
	return ref, dict, dict != nil
}

// fillField signs into an existing empty signature field: its /V is set,
// its widget gets the appearance (in the widget's own box), and the
// AcroForm's /SigFlags is set when it lacks bits 1 and 2. A field with a
// separate widget is merged with it (the page's /Annots then names the
// field): poppler and MuPDF look for /V on the widget, ISO 32000 on the
// field, and a merged field satisfies both.
func (u *update) fillField(f *pdf.File, doc *document, form *acroForm, field *fieldNode, sigNum int, opts *Options) error {
	switch {
	case field.ft != "Sig":
		return fmt.Errorf("%w: %q is a %s field", ErrFieldType, field.name, fieldKind(field.ft))
	case field.dict["V"] != nil:
		if v, _ := f.Resolve(field.dict["V"]); v != nil && v != (pdf.Null{}) {
			return fmt.Errorf("%w: %q", ErrFieldSigned, field.name)
		}
	}
	if !field.indirect {
		return fmt.Errorf("%w: the field %q is not an indirect object", ErrUnsupported, field.name)
	}
	wRef, wDict, ok := widgetOf(f, field)
	if !ok {
		return fmt.Errorf("%w: the field %q has no widget, or several", ErrUnsupported, field.name)
	}
	fd := field.dict.Clone()
	if wRef != field.ref {
		if err := u.mergeWidget(f, doc, fd, field.ref, wRef, wDict); err != nil {
			return err
		}
	}
	fd["V"] = pdf.Ref{Num: sigNum}
	streams, err := u.fieldAppearance(f, doc, fd, field.ref, opts)
	if err != nil {
		return err
	}
	if err := u.object(field.ref.Num, field.ref.Gen, fd); err != nil {
		return err
	}
	if flags, _ := form.dict["SigFlags"].(pdf.Int); flags&3 != 3 {
		form.dict["SigFlags"] = flags | 3
		if err := u.writeAcroForm(doc, form); err != nil {
			return err
		}
	}
	for _, s := range streams {
		if err := u.stream(s.num, s.dict, s.data); err != nil {
			return err
		}
	}
	return nil
}

// mergeWidget copies the widget's keys into the field dictionary fd and
// makes the page's /Annots name the field instead of the widget.
func (u *update) mergeWidget(f *pdf.File, doc *document, fd pdf.Dict, fieldRef, wRef pdf.Ref, wDict pdf.Dict) error {
	delete(fd, "Kids")
	for k, v := range wDict {
		if _, ok := fd[k]; !ok && k != "Parent" {
			fd[k] = v
		}
	}
	pg, err := widgetPage(f, doc, wDict, wRef)
	if err != nil {
		return err
	}
	if pg == nil {
		return nil // on no page: nothing to update
	}
	return u.replaceAnnotation(f, pg, wRef, fieldRef)
}

// widgetPage finds the page whose /Annots lists the widget (by its /P
// first); nil when no page does.
func widgetPage(f *pdf.File, doc *document, widget pdf.Dict, ref pdf.Ref) (*pageInfo, error) {
	has := func(pg *pageInfo) bool {
		annots, _ := f.Resolve(pg.dict["Annots"])
		arr, _ := annots.(pdf.Array)
		for _, a := range arr {
			if a == ref {
				return true
			}
		}
		return false
	}
	if pg := pageOf(f, widget); pg != nil && has(pg) {
		return pg, nil
	}
	var found *pageInfo
	err := eachPage(f, doc.catalog, func(pg *pageInfo) bool {
		if has(pg) {
			found = pg
			return false
		}
		return true
	})
	return found, err
}

// replaceAnnotation writes the page (or its indirect /Annots array) with
// old replaced by new.
func (u *update) replaceAnnotation(f *pdf.File, pg *pageInfo, old, new pdf.Ref) error {
	swap := func(arr pdf.Array) pdf.Array {
		out := append(pdf.Array{}, arr...)
		for i, a := range out {
			if a == old {
				out[i] = new
			}
		}
		return out
	}
	if ar, ok := pg.dict["Annots"].(pdf.Ref); ok {
		o, err := f.Resolve(ar)
		if err != nil {
			return mapParseErr(err)
		}
		arr, _ := o.(pdf.Array)
		return u.object(ar.Num, f.Gen(ar.Num), swap(arr))
	}
	page := pg.dict.Clone()
	arr, _ := page["Annots"].(pdf.Array)
	page["Annots"] = swap(arr)
	return u.object(pg.ref.Num, pg.ref.Gen, page)
}

// fieldAppearance draws a visible signature into the widget's own box,
// turned with its page; nothing for an invisible signature or a widget
// without area.
func (u *update) fieldAppearance(f *pdf.File, doc *document, widget pdf.Dict, ref pdf.Ref, opts *Options) ([]pendingStream, error) {
	rectObj, _ := f.Resolve(widget["Rect"])
	box, ok := rectOf(rectObj)
	if opts.Appearance == nil || !ok || box[2]-box[0] < 1 || box[3]-box[1] < 1 {
		return nil, nil
	}
	w, h := box[2]-box[0], box[3]-box[1]
	var matrix pdf.Array
	pg := pageOf(f, widget)
	if pg == nil {
		var err error
		if pg, err = widgetPage(f, doc, widget, ref); err != nil {
			return nil, err
		}
	}
	if pg != nil && pg.rotation() != 0 {
		rot := pg.rotation()
		if rot == 90 || rot == 270 {
			w, h = h, w
		}
		matrix = rotationMatrix(rot, w, h)
		widget["MK"] = pdf.Dict{"R": pdf.Int(rot)}
	}
	a := *opts.Appearance
	a.Rect = Rect{W: w, H: h}
	o := *opts
	o.Appearance = &a
	return u.appearanceStreams(&o, widget, matrix)
}

func fieldKind(ft pdf.Name) string {
	switch ft {
	case "Tx":
		return "text"
	case "Btn":
		return "button"
	case "Ch":
		return "choice"
	case "":
		return "non-terminal"
	}
	return string(ft)
}

// Field is a signature field of a document, for a choice in the app.
type Field struct {
	// Name is the fully qualified field name (Options.FieldName).
	Name string
	// Signed reports whether the field holds a signature already.
	Signed bool
	// Page is the 1-based page of its widget, 0 when it is on no page.
	Page int
	// Rect is the widget's box as displayed on that page (see Rect); zero
	// for an invisible field.
	Rect Rect
}

// SignatureFields lists the signature fields of the PDF in r; password
// opens an encrypted file whose user password is not empty.
func SignatureFields(r io.ReaderAt, size int64, password string) ([]Field, error) {
	facts, err := ReadFacts(r, size, password)
	return facts.Fields, err
}

// Facts are what reading a document tells without rendering it.
type Facts struct {
	// PageSizes are the pages' widths and heights as displayed (the
	// visible box, turned by /Rotate), in points, in page order.
	PageSizes [][2]float64
	// Fields are its signature fields.
	Fields []Field
	// Repaired tells that the file's cross-reference information was
	// broken and had to be rebuilt from its objects to read it.
	Repaired bool
}

// ReadFacts reads the pages and signature fields of the PDF in r; password
// as for SignatureFields.
func ReadFacts(r io.ReaderAt, size int64, password string) (Facts, error) {
	if size == 0 {
		return Facts{}, fmt.Errorf("%w: the file is empty", ErrNotPDF)
	}
	f, err := pdf.OpenWith(r, size, pdf.OpenOptions{Password: password})
	if err != nil {
		return Facts{}, mapParseErr(err)
	}
	doc, err := openDocument(f)
	if err != nil && !errors.Is(err, ErrCertified) && !errors.Is(err, ErrPermission) {
		return Facts{}, err
	}
	if doc == nil {
		if doc, err = readCatalog(f); err != nil {
			return Facts{}, err
		}
	}
	form, err := loadAcroForm(f, doc.catalog)
	if err != nil {
		return Facts{}, err
	}
	pages := map[pdf.Ref]*pageInfo{}
	index := map[pdf.Ref]int{}
	var facts Facts
	err = eachPage(f, doc.catalog, func(pg *pageInfo) bool {
		index[pg.ref] = len(index) + 1
		pages[pg.ref] = pg
		w, h := pg.visibleSize()
		facts.PageSizes = append(facts.PageSizes, [2]float64{w, h})
		return true
	})
	if err != nil {
		return Facts{}, err
	}
	for i := range form.nodes {
		n := &form.nodes[i]
		if _, ok := n.dict["T"]; !ok || n.ft != "Sig" {
			continue
		}
		v, _ := f.Resolve(n.dict["V"])
		fd := Field{Name: n.name, Signed: v != nil && v != (pdf.Null{})}
		if wRef, w, ok := widgetOf(f, n); ok {
			pg := pageOf(f, w)
			if pg == nil {
				pg, _ = widgetPage(f, doc, w, wRef)
			}
			if pg != nil {
				fd.Page = index[pg.ref]
				if rectObj, err := f.Resolve(w["Rect"]); err == nil {
					if box, ok := rectOf(rectObj); ok && box[2] > box[0] && box[3] > box[1] {
						fd.Rect = pg.displayed(box)
					}
				}
			}
		}
		facts.Fields = append(facts.Fields, fd)
	}
	facts.Repaired = f.Repaired
	return facts, nil
}
