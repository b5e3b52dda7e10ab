package pdfsign

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

// Difference analysis: what an update appended after a signed revision
// changed, judged object by object as Acrobat and pyHanko do. Only objects
// of the signed revision that were redefined are judged; new objects
// matter only through the references the redefined ones gain, except an
// object the signed revision referred to without defining it: defining it
// later changes what was signed.

var modRank = map[string]int{ModNone: 0, ModSignatures: 1, ModFormFill: 2, ModAnnotations: 3, ModOther: 4}

// diffState collects the worst modification and its first cause, and the
// first approval signature added (as opposed to a document timestamp),
// which a certification with DocMDP P=1 forbids.
type diffState struct {
	level    string
	what     string
	approval string
	docTS    map[pdf.Ref]bool // signature values known to be document timestamps
}

// signatureAdded records a new signature value in field name. Each value
// is read at most once: an update may add thousands of fields sharing one.
func (d *diffState) signatureAdded(f *pdf.File, name string, v pdf.Object) {
	d.add(ModSignatures, "new signature field "+name)
	r, isRef := v.(pdf.Ref)
	if d.approval != "" || (isRef && d.docTS[r]) {
		return
	}
	if sd, ok, _ := f.ResolveDict(v); ok && sd["Type"] == pdf.Name("DocTimeStamp") {
		if isRef {
			if d.docTS == nil {
				d.docTS = map[pdf.Ref]bool{}
			}
			d.docTS[r] = true
		}
		return
	}
	if d.approval == "" {
		d.approval = name
	}
}

func (d *diffState) add(level, what string) {
	if modRank[level] > modRank[d.level] {
		d.level, d.what = level, what
	}
}

// oldStructure is what the signed revision's objects are.
type oldStructure struct {
	catalog  int
	acro     int
	fields   map[int]field
	sigDicts map[int]string // signature dictionary -> field name
	pages    map[int]int    // page object -> page number
	annots   map[int]bool
	arrays   map[int]string // indirect /Annots or /Fields arrays
	contents map[int]int    // content stream -> page number
	info     int
	dss      *map[int]bool // objects that hold only the DSS, found on first use (see dssObject)
}

func (v *verifier) structure(rv *revision) *oldStructure {
	s := &oldStructure{fields: map[int]field{}, sigDicts: map[int]string{}, pages: map[int]int{}, annots: map[int]bool{}, arrays: map[int]string{},
		contents: map[int]int{}}
	f := rv.f
	if r, ok := f.Trailer["Root"].(pdf.Ref); ok {
		s.catalog = r.Num
	}
	if r, ok := f.Trailer["Info"].(pdf.Ref); ok {
		s.info = r.Num
	}
	catalog, _, _ := f.ResolveDict(f.Trailer["Root"])
	if r, ok := catalog["AcroForm"].(pdf.Ref); ok {
		s.acro = r.Num
	}
	acro, _, _ := f.ResolveDict(catalog["AcroForm"])
	if r, ok := acro["Fields"].(pdf.Ref); ok {
		s.arrays[r.Num] = "the form's field list"
	}
	for _, fd := range rv.fields {
		if fd.num != 0 {
			s.fields[fd.num] = fd
		}
		if r, ok := fd.d["V"].(pdf.Ref); ok && fd.ft == "Sig" {
			s.sigDicts[r.Num] = fd.name
		}
	}
	// The page tree, with each page's annotations.
	for i, r := range pageList(f, catalog) {
		n := i + 1
		s.pages[r.Num] = n
		d, _, _ := f.ResolveDict(r)
		cs := pdf.Array{d["Contents"]}
		if co, _ := f.Resolve(d["Contents"]); co != nil {
			if a, ok := co.(pdf.Array); ok {
				cs = a
			}
		}
		for _, c := range cs {
			if cr, ok := c.(pdf.Ref); ok {
				s.contents[cr.Num] = n
			}
		}
		if ar, ok := d["Annots"].(pdf.Ref); ok {
			s.arrays[ar.Num] = fmt.Sprintf("the annotation list of page %d", n)
		}
		annots, _ := f.Resolve(d["Annots"])
		arr, _ := annots.(pdf.Array)
		for _, a := range arr {
			if ar, ok := a.(pdf.Ref); ok {
				s.annots[ar.Num] = true
			}
		}
	}
	return s
}

// pageList returns the page objects in order; broken branches are
// skipped.
func pageList(f *pdf.File, catalog pdf.Dict) []pdf.Ref {
	var pages []pdf.Ref
	seen := map[int]bool{}
	var walk func(o pdf.Object, depth int)
	walk = func(o pdf.Object, depth int) {
		r, ok := o.(pdf.Ref)
		if !ok || seen[r.Num] || depth > 64 {
			return
		}
		seen[r.Num] = true
		d, ok, err := f.ResolveDict(r)
		if err != nil || !ok {
			return
		}
		kids, _ := f.Resolve(d["Kids"])
		if ka, ok := kids.(pdf.Array); ok && d["Type"] != pdf.Name("Page") {
			for _, k := range ka {
				walk(k, depth+1)
			}
			return
		}
		pages = append(pages, r)
	}
	walk(catalog["Pages"], 0)
	return pages
}

// difference classifies the changes made after rv, the revision signature s
// signed, and names the first change of the worst kind.
func (v *verifier) difference(rv *revision, s sigField) *diffState {
	old := v.structure(rv)
	d := &diffState{level: ModNone}
	nums := v.f.Changed(rv.f)
	sort.Ints(nums)
	if r, ok := v.f.Trailer["Root"].(pdf.Ref); !ok || r.Num != old.catalog {
		d.add(ModOther, "the document catalog was replaced")
	}
	if r, ok := v.f.Trailer["Info"].(pdf.Ref); ok && r.Num != old.info {
		d.add(ModSignatures, "document information")
	}
	newFields, _, _ := fieldTree(v.f)
	newByNum := map[int]field{}
	for _, fd := range newFields {
		if fd.num != 0 {
			newByNum[fd.num] = fd
		}
	}
	var refs map[int]int // the signed revision's references, walked once when needed
	for _, num := range nums {
		was, err1 := rv.f.Object(num)
		now, err2 := v.f.Object(num)
		if err1 != nil || err2 != nil {
			d.add(ModOther, fmt.Sprintf("object %d cannot be read", num))
			continue
		}
		if _, isNull := was.(pdf.Null); isNull {
			if _, still := now.(pdf.Null); still {
				continue
			}
			// A new object, unless the signed revision already refers to
			// it: defining it then adds to what was signed (a shadow
			// attack: new page content, annotations, XObjects).
			if refs == nil {
				refs = references(rv.f)
			}
			if from, ok := refs[num]; ok {
				d.add(ModOther, fmt.Sprintf("object %d, which %s of the signed revision refers to but which was not defined there, was defined after signing", num, referrer(from)))
			}
			continue
		}
		if v.sameObject(rv.f, was, now) {
			continue
		}
		wasDict, _ := dictOf(was)
		nowDict, _ := dictOf(now)
		switch {
		case num == old.catalog:
			v.catalogDiff(d, old, rv, wasDict, nowDict, newByNum)
		case num == old.acro:
			v.acroDiff(d, old, rv, wasDict, nowDict, newByNum)
		case old.sigDicts[num] != "":
			d.add(ModOther, fmt.Sprintf("the signature dictionary of field %q was redefined", old.sigDicts[num]))
		case old.fields[num].d != nil:
			v.fieldDiff(d, old.fields[num], wasDict, nowDict)
		case old.pages[num] != 0:
			v.pageDiff(d, old, rv, old.pages[num], wasDict, nowDict, newByNum)
		case old.arrays[num] != "":
			wa, _ := was.(pdf.Array)
			na, _ := now.(pdf.Array)
			v.listDiff(d, old, rv, old.arrays[num], wa, na, newByNum)
		case old.annots[num]:
			if wasDict["Subtype"] == pdf.Name("Widget") {
				v.widgetDiff(d, fmt.Sprintf("widget %d", num), wasDict, nowDict)
			} else {
				d.add(ModAnnotations, fmt.Sprintf("annotation %d", num))
			}
		case old.contents[num] != 0:
			d.add(ModOther, fmt.Sprintf("the contents of page %d", old.contents[num]))
		case num == old.info:
			d.add(ModSignatures, "document information")
		case old.dssObject(rv.f, num):
			dssContainerDiff(d, num, was, now)
		case wasDict["Type"] == pdf.Name("Metadata") && wasDict["Subtype"] == pdf.Name("XML"):
			d.add(ModSignatures, "document metadata")
		case isXrefOrObjStm(was):
			// Containers: the objects they hold are judged one by one.
		default:
			d.add(ModOther, describe(num, wasDict))
		}
	}
	return d
}

// references maps every object number that f's object graph refers to,
// from the trailer (/Root, /Info, /Encrypt...) through everything they
// reach, defined or not, to the first object referring to it (0 for the
// trailer). Each object is read once and the walk keeps its own stack, so
// its cost is linear in the file and cycles end it; unreadable objects
// end their branch.
func references(f *pdf.File) map[int]int {
	type item struct {
		o    pdf.Object
		from int
	}
	refs := map[int]int{}
	stack := []item{{f.Trailer, 0}}
	push := func(o pdf.Object, from int) {
		switch o.(type) {
		case pdf.Ref, pdf.Array, pdf.Dict, pdf.Stream:
			stack = append(stack, item{o, from})
		}
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch x := it.o.(type) {
		case pdf.Ref:
			if _, seen := refs[x.Num]; seen || x.Num <= 0 {
				continue
			}
			refs[x.Num] = it.from
			if o, err := f.Object(x.Num); err == nil {
				push(o, x.Num)
			}
		case pdf.Array:
			for _, e := range x {
				push(e, it.from)
			}
		case pdf.Dict:
			for _, e := range x {
				push(e, it.from)
			}
		case pdf.Stream:
			push(x.Dict, it.from)
		}
	}
	return refs
}

func referrer(from int) string {
	if from == 0 {
		return "the trailer"
	}
	return fmt.Sprintf("object %d", from)
}

func dictOf(o pdf.Object) (pdf.Dict, bool) {
	switch t := o.(type) {
	case pdf.Dict:
		return t, true
	case pdf.Stream:
		return t.Dict, true
	}
	return nil, false
}

func isXrefOrObjStm(o pdf.Object) bool {
	s, ok := o.(pdf.Stream)
	return ok && (s.Dict["Type"] == pdf.Name("XRef") || s.Dict["Type"] == pdf.Name("ObjStm"))
}

func describe(num int, d pdf.Dict) string {
	if t, ok := d["Type"].(pdf.Name); ok {
		return fmt.Sprintf("object %d (/%s) of the signed revision was redefined", num, t)
	}
	return fmt.Sprintf("object %d of the signed revision was redefined", num)
}

// sameObject compares an object of the signed revision with its new
// definition; streams by dictionary and raw data.
func (v *verifier) sameObject(oldF *pdf.File, was, now pdf.Object) bool {
	ws, ok1 := was.(pdf.Stream)
	ns, ok2 := now.(pdf.Stream)
	if ok1 != ok2 {
		return false
	}
	if !ok1 {
		return sameValue(was, now, 0)
	}
	if !sameValue(ws.Dict, ns.Dict, 0) {
		return false
	}
	a, err1 := rawStream(oldF, v.r, ws)
	b, err2 := rawStream(v.f, v.r, ns)
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

// realTolerance absorbs numbers rewritten with fewer decimals (594.95996
// written back as 594.96): a change below it moves nothing visibly.
const realTolerance = 1e-4

// sameValue compares two objects; numbers by value within realTolerance.
func sameValue(a, b pdf.Object, depth int) bool {
	if depth > 64 {
		return false
	}
	if x, ok := pdf.Number(a); ok {
		y, ok := pdf.Number(b)
		return ok && math.Abs(x-y) <= realTolerance
	}
	switch x := a.(type) {
	case pdf.Array:
		y, ok := b.(pdf.Array)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i], depth+1) {
				return false
			}
		}
		return true
	case pdf.Dict:
		y, ok := b.(pdf.Dict)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameValue(v, w, depth+1) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func rawStream(f *pdf.File, r io.ReaderAt, s pdf.Stream) ([]byte, error) {
	lo, err := f.Resolve(s.Dict["Length"])
	if err != nil {
		return nil, err
	}
	n, ok := lo.(pdf.Int)
	if !ok || n < 0 || n > 64<<20 {
		return nil, fmt.Errorf("bad stream length")
	}
	b := make([]byte, n)
	_, err = r.ReadAt(b, s.Offset)
	return b, err
}

// changedKeys lists the keys whose values differ.
func changedKeys(a, b pdf.Dict) []pdf.Name {
	var keys []pdf.Name
	for k, va := range a {
		if vb, ok := b[k]; !ok || !sameValue(va, vb, 0) {
			keys = append(keys, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

func (v *verifier) catalogDiff(d *diffState, old *oldStructure, rv *revision, was, now pdf.Dict, newFields map[int]field) {
	for _, k := range changedKeys(was, now) {
		switch k {
		case "DSS", "Extensions":
			d.add(ModSignatures, "/"+string(k))
		case "Metadata":
			// XMP metadata, allowed like the document information
			// (pyHanko's metadata rule).
			d.add(ModSignatures, "document metadata")
		case "AcroForm":
			wa, _, _ := rv.f.ResolveDict(was["AcroForm"])
			na, _, _ := v.f.ResolveDict(now["AcroForm"])
			if _, isRef := now["AcroForm"].(pdf.Ref); isRef && old.acro != 0 && now["AcroForm"].(pdf.Ref).Num == old.acro {
				continue // the form dictionary itself is judged on its own
			}
			v.acroDiff(d, old, rv, wa, na, newFields)
		default:
			d.add(ModOther, fmt.Sprintf("the document catalog's /%s", k))
		}
	}
}

func (v *verifier) acroDiff(d *diffState, old *oldStructure, rv *revision, was, now pdf.Dict, newFields map[int]field) {
	for _, k := range changedKeys(was, now) {
		switch k {
		case "SigFlags":
			d.add(ModSignatures, "/SigFlags")
		case "NeedAppearances", "DR", "DA":
			d.add(ModFormFill, "the form's /"+string(k))
		case "Fields":
			wf, _ := rv.f.Resolve(was["Fields"])
			nf, _ := v.f.Resolve(now["Fields"])
			wa, _ := wf.(pdf.Array)
			na, _ := nf.(pdf.Array)
			v.listDiff(d, old, rv, "the form's field list", wa, na, newFields)
		default:
			d.add(ModOther, "the form's /"+string(k))
		}
	}
}

// listDiff judges a changed /Fields or /Annots array: nothing of the
// signed revision may go, and what is added must be a new signature field
// (or, for annotations, an annotation).
func (v *verifier) listDiff(d *diffState, old *oldStructure, rv *revision, what string, was, now pdf.Array, newFields map[int]field) {
	kept := map[pdf.Object]bool{}
	for _, o := range now {
		kept[o] = true
	}
	for _, o := range was {
		if !kept[o] {
			d.add(ModOther, what+": an entry was removed")
			return
		}
	}
	had := map[pdf.Object]bool{}
	for _, o := range was {
		had[o] = true
	}
	for _, o := range now {
		if had[o] {
			continue
		}
		r, ok := o.(pdf.Ref)
		if !ok {
			d.add(ModOther, what+": a direct entry was added")
			continue
		}
		if fd, ok := newFields[r.Num]; ok {
			if fd.ft == "Sig" {
				d.signatureAdded(v.f, fd.name, fd.d["V"])
			} else {
				d.add(ModOther, fmt.Sprintf("%s: new form field %q", what, fd.name))
			}
			continue
		}
		ad, ok, _ := v.f.ResolveDict(r)
		switch {
		case ok && ad["Subtype"] == pdf.Name("Widget") && ad["FT"] == pdf.Name("Sig"):
			d.signatureAdded(v.f, "(widget without a field)", ad["V"])
		case ok && ad["Subtype"] == pdf.Name("Widget"):
			// A widget of a signature field that is not itself the field.
			if p, ok := ad["Parent"].(pdf.Ref); ok && newFields[p.Num].ft == "Sig" {
				d.signatureAdded(v.f, newFields[p.Num].name, newFields[p.Num].d["V"])
			} else {
				d.add(ModOther, what+": new widget")
			}
		case ok && ad["Subtype"] != nil:
			d.add(ModAnnotations, what+": new annotation")
		default:
			d.add(ModOther, what+": new entry")
		}
	}
}

func (v *verifier) fieldDiff(d *diffState, fd field, was, now pdf.Dict) {
	for _, k := range changedKeys(was, now) {
		switch {
		case fd.ft == "Sig" && k == "V":
			if _, had := was["V"]; had {
				d.add(ModOther, fmt.Sprintf("the value (/V) of signature field %q", fd.name))
			} else {
				d.signatureAdded(v.f, fd.name, now["V"])
			}
		case fd.ft == "Sig" && (k == "AP" || k == "AS" || k == "Lock" || k == "SV"):
			if _, had := was["V"]; had {
				d.add(ModOther, fmt.Sprintf("/%s of signature field %q", k, fd.name))
			} else {
				d.add(ModSignatures, fmt.Sprintf("signature field %q signed", fd.name))
			}
		case fd.ft != "Sig" && (k == "V" || k == "AP" || k == "AS"):
			d.add(ModFormFill, fmt.Sprintf("form field %q filled", fd.name))
		case k == "Kids":
			d.add(ModOther, fmt.Sprintf("the widgets (/Kids) of field %q", fd.name))
		default:
			d.add(ModOther, fmt.Sprintf("/%s of field %q", k, fd.name))
		}
	}
}

func (v *verifier) widgetDiff(d *diffState, what string, was, now pdf.Dict) {
	for _, k := range changedKeys(was, now) {
		if k == "AP" || k == "AS" {
			d.add(ModFormFill, what)
		} else {
			d.add(ModOther, fmt.Sprintf("/%s of %s", k, what))
		}
	}
}

func (v *verifier) pageDiff(d *diffState, old *oldStructure, rv *revision, n int, was, now pdf.Dict, newFields map[int]field) {
	for _, k := range changedKeys(was, now) {
		if k != "Annots" {
			d.add(ModOther, fmt.Sprintf("page %d (/%s)", n, k))
			continue
		}
		wo, _ := rv.f.Resolve(was["Annots"])
		no, _ := v.f.Resolve(now["Annots"])
		wa, _ := wo.(pdf.Array)
		na, _ := no.(pdf.Array)
		v.listDiff(d, old, rv, fmt.Sprintf("the annotation list of page %d", n), wa, na, newFields)
	}
}
