package pdfsign

import (
	"fmt"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

type pageInfo struct {
	ref  pdf.Ref
	dict pdf.Dict
	inherited
}

// inherited are the page attributes a page takes from the page tree when
// it lacks them.
type inherited struct {
	media, crop, rotate pdf.Object
}

// box returns the visible page area (the CropBox clipped to the MediaBox)
// as llx, lly, urx, ury. US Letter when neither can be read.
func (p *pageInfo) box() [4]float64 {
	media, okM := rectOf(p.media)
	crop, okC := rectOf(p.crop)
	switch {
	case okM && okC:
		b := [4]float64{max(crop[0], media[0]), max(crop[1], media[1]), min(crop[2], media[2]), min(crop[3], media[3])}
		if b[0] < b[2] && b[1] < b[3] {
			return b
		}
		return media
	case okM:
		return media
	case okC:
		return crop
	}
	return [4]float64{0, 0, 612, 792}
}

// rotation returns /Rotate as 0, 90, 180 or 270 (clockwise on screen).
// It reads the value as PDFium does, so that the box lands where the
// app's preview showed it: a real number counts by its integer part, and a
// value that is no multiple of 90 (invalid) is cut down to one.
func (p *pageInfo) rotation() int {
	var r int64
	switch v := p.rotate.(type) {
	case pdf.Int:
		r = int64(v)
	case pdf.Real:
		if !(v > -1e9 && v < 1e9) { // NaN too
			return 0
		}
		r = int64(v)
	default:
		return 0
	}
	q := (r / 90) % 4
	if q < 0 {
		q += 4
	}
	return int(q) * 90
}

// visibleSize is the page's width and height as displayed.
func (p *pageInfo) visibleSize() (float64, float64) {
	b := p.box()
	w, h := b[2]-b[0], b[3]-b[1]
	if r := p.rotation(); r == 90 || r == 270 {
		return h, w
	}
	return w, h
}

// place turns r, measured on the displayed page from its bottom-left
// corner, into the widget's rectangle in default user space and the
// appearance's /Matrix (nil without rotation) that keeps it upright.
func (p *pageInfo) place(r Rect) ([4]float64, pdf.Array) {
	b := p.box()
	cw, ch := b[2]-b[0], b[3]-b[1]
	rot := p.rotation()
	var x, y float64
	switch rot {
	case 90:
		x, y = b[0]+cw-r.Y-r.H, b[1]+r.X
	case 180:
		x, y = b[0]+cw-r.X-r.W, b[1]+ch-r.Y-r.H
	case 270:
		x, y = b[0]+r.Y, b[1]+ch-r.X-r.W
	default:
		x, y = b[0]+r.X, b[1]+r.Y
	}
	w, h := r.W, r.H
	if rot == 90 || rot == 270 {
		w, h = h, w
	}
	return [4]float64{x, y, x + w, y + h}, rotationMatrix(rot, r.W, r.H)
}

// displayed is the inverse of place: a box in default user space measured
// on the displayed page.
func (p *pageInfo) displayed(box [4]float64) Rect {
	b := p.box()
	cw, ch := b[2]-b[0], b[3]-b[1]
	u0, v0, u1, v1 := box[0]-b[0], box[1]-b[1], box[2]-b[0], box[3]-b[1]
	switch p.rotation() {
	case 90:
		return Rect{X: v0, Y: cw - u1, W: v1 - v0, H: u1 - u0}
	case 180:
		return Rect{X: cw - u1, Y: ch - v1, W: u1 - u0, H: v1 - v0}
	case 270:
		return Rect{X: ch - v1, Y: u0, W: v1 - v0, H: u1 - u0}
	}
	return Rect{X: u0, Y: v0, W: u1 - u0, H: v1 - v0}
}

// rotationMatrix turns a w x h appearance (as displayed) against a page
// rotation of rot degrees; nil for 0.
func rotationMatrix(rot int, w, h float64) pdf.Array {
	var m [6]float64
	switch rot {
	case 90:
		m = [6]float64{0, 1, -1, 0, h, 0}
	case 180:
		m = [6]float64{-1, 0, 0, -1, w, h}
	case 270:
		m = [6]float64{0, -1, 1, 0, 0, w}
	default:
		return nil
	}
	a := make(pdf.Array, 6)
	for i, v := range m {
		a[i] = pdf.Real(v)
	}
	return a
}

func rectOf(o pdf.Object) ([4]float64, bool) {
	a, ok := o.(pdf.Array)
	if !ok || len(a) != 4 {
		return [4]float64{}, false
	}
	var r [4]float64
	for i, e := range a {
		v, ok := pdf.Number(e)
		if !ok {
			return [4]float64{}, false
		}
		r[i] = v
	}
	if r[0] > r[2] {
		r[0], r[2] = r[2], r[0]
	}
	if r[1] > r[3] {
		r[1], r[3] = r[3], r[1]
	}
	return r, true
}

// findPage walks the page tree to page n (1-based).
func findPage(f *pdf.File, catalog pdf.Dict, n int) (*pageInfo, error) {
	rootRef, ok := catalog["Pages"].(pdf.Ref)
	if !ok {
		return nil, fmt.Errorf("%w: the catalog has no page tree", ErrMalformed)
	}
	root, ok, err := f.ResolveDict(rootRef)
	if err != nil {
		return nil, mapParseErr(err)
	}
	if !ok {
		return nil, fmt.Errorf("%w: the page tree is missing", ErrMalformed)
	}
	count, _ := root["Count"].(pdf.Int)
	if n < 1 || (count > 0 && int64(n) > int64(count)) {
		return nil, fmt.Errorf("%w: page %d requested, the document has %d", ErrPage, n, count)
	}
	seen := map[int]bool{rootRef.Num: true}
	var walk func(ref pdf.Ref, d pdf.Dict, inh inherited, depth int) (*pageInfo, error)
	remaining := n
	walk = func(ref pdf.Ref, d pdf.Dict, inh inherited, depth int) (*pageInfo, error) {
		if depth > 64 {
			return nil, fmt.Errorf("%w: page tree too deep", ErrMalformed)
		}
		inh = inh.from(f, d)
		kidsObj, err := f.Resolve(d["Kids"])
		if err != nil {
			return nil, mapParseErr(err)
		}
		kids, isNode := kidsObj.(pdf.Array)
		if d["Type"] == pdf.Name("Page") || !isNode {
			remaining--
			if remaining == 0 {
				return &pageInfo{ref: ref, dict: d, inherited: inh}, nil
			}
			return nil, nil
		}
		for _, k := range kids {
			kr, ok := k.(pdf.Ref)
			if !ok || seen[kr.Num] {
				continue
			}
			kd, ok, err := f.ResolveDict(kr)
			if err != nil {
				return nil, mapParseErr(err)
			}
			if !ok {
				continue
			}
			// Skip whole subtrees by their /Count.
			if c, ok := kd["Count"].(pdf.Int); ok && kd["Type"] == pdf.Name("Pages") && c >= 0 && int(c) < remaining {
				remaining -= int(c)
				continue
			}
			seen[kr.Num] = true
			p, err := walk(kr, kd, inh, depth+1)
			if err != nil || p != nil {
				return p, err
			}
		}
		return nil, nil
	}
	p, err := walk(rootRef, root, inherited{}, 0)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, fmt.Errorf("%w: page %d requested, the document has fewer pages", ErrPage, n)
	}
	return p, nil
}

// eachPage calls fn for every page in order until it returns false.
func eachPage(f *pdf.File, catalog pdf.Dict, fn func(*pageInfo) bool) error {
	root, ok := catalog["Pages"].(pdf.Ref)
	if !ok {
		return fmt.Errorf("%w: the catalog has no page tree", ErrMalformed)
	}
	seen := map[int]bool{}
	var walk func(ref pdf.Ref, inh inherited, depth int) (bool, error)
	walk = func(ref pdf.Ref, inh inherited, depth int) (bool, error) {
		if depth > 64 || seen[ref.Num] {
			return true, nil
		}
		seen[ref.Num] = true
		d, ok, err := f.ResolveDict(ref)
		if err != nil {
			return false, mapParseErr(err)
		}
		if !ok {
			return true, nil
		}
		inh = inh.from(f, d)
		kidsObj, _ := f.Resolve(d["Kids"])
		kids, isNode := kidsObj.(pdf.Array)
		if d["Type"] == pdf.Name("Page") || !isNode {
			return fn(&pageInfo{ref: ref, dict: d, inherited: inh}), nil
		}
		for _, k := range kids {
			if kr, ok := k.(pdf.Ref); ok {
				if more, err := walk(kr, inh, depth+1); !more || err != nil {
					return more, err
				}
			}
		}
		return true, nil
	}
	_, err := walk(root, inherited{}, 0)
	return err
}

// from returns inh with the attributes d sets itself.
func (inh inherited) from(f *pdf.File, d pdf.Dict) inherited {
	set := func(dst *pdf.Object, key pdf.Name) {
		if o, err := f.Resolve(d[key]); err == nil && o != nil {
			if _, isNull := o.(pdf.Null); !isNull {
				*dst = o
			}
		}
	}
	set(&inh.media, "MediaBox")
	set(&inh.crop, "CropBox")
	set(&inh.rotate, "Rotate")
	return inh
}

// fieldNode is one dictionary of the field tree (a field or a widget).
type fieldNode struct {
	name     string
	ft       pdf.Name
	dict     pdf.Dict
	ref      pdf.Ref
	indirect bool
}

// walkFieldNodes visits every node of the AcroForm tree (fields and
// widgets) with its fully qualified name, its field type (/FT is inherited
// from parents) and its reference. Cycles and absurd depths, which broken
// files have, end the descent quietly.
func walkFieldNodes(f *pdf.File, fields pdf.Array, visit func(fieldNode)) error {
	seen := map[int]bool{}
	var walk func(fields pdf.Array, prefix string, ft pdf.Name, depth int) error
	walk = func(fields pdf.Array, prefix string, ft pdf.Name, depth int) error {
		if depth > 32 {
			return nil
		}
		for _, o := range fields {
			r, indirect := o.(pdf.Ref)
			if indirect {
				if seen[r.Num] {
					continue
				}
				seen[r.Num] = true
			}
			d, ok, err := f.ResolveDict(o)
			if err != nil {
				return mapParseErr(err)
			}
			if !ok {
				continue
			}
			name := prefix
			if t, ok := d["T"].(pdf.String); ok {
				if name != "" {
					name += "."
				}
				name += decodeText(t)
			}
			typ := ft
			if t, ok := d["FT"].(pdf.Name); ok {
				typ = t
			}
			visit(fieldNode{name: name, ft: typ, dict: d, ref: r, indirect: indirect})
			kids, _ := f.Resolve(d["Kids"])
			if ka, ok := kids.(pdf.Array); ok {
				if err := walk(ka, name, typ, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(fields, "", "", 0)
}

// pageOf returns the page of a widget from its /P, with the attributes it
// inherits from the page tree; nil when /P is missing or not a page.
func pageOf(f *pdf.File, widget pdf.Dict) *pageInfo {
	ref, ok := widget["P"].(pdf.Ref)
	if !ok {
		return nil
	}
	d, ok, err := f.ResolveDict(ref)
	if err != nil || !ok {
		return nil
	}
	pg := &pageInfo{ref: ref, dict: d}
	pg.inherited = pg.inherited.from(f, d)
	// Parents fill what the page lacks.
	node := d
	for i := 0; i < 64; i++ {
		parent, ok, err := f.ResolveDict(node["Parent"])
		if err != nil || !ok {
			break
		}
		up := inherited{}.from(f, parent)
		for _, p := range []struct{ dst, src *pdf.Object }{{&pg.media, &up.media}, {&pg.crop, &up.crop}, {&pg.rotate, &up.rotate}} {
			if *p.dst == nil {
				*p.dst = *p.src
			}
		}
		node = parent
	}
	return pg
}
