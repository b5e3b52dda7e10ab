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
func (p *pageInfo) rotation() int {
	r, ok := p.rotate.(pdf.Int)
	if !ok || r%90 != 0 {
		return 0
	}
	return int((r%360 + 360) % 360)
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
	real := func(v ...float64) pdf.Array {
		a := make(pdf.Array, len(v))
		for i, f := range v {
			a[i] = pdf.Real(f)
		}
		return a
	}
	switch p.rotation() {
	case 90:
		x, y := b[0]+cw-r.Y-r.H, b[1]+r.X
		return [4]float64{x, y, x + r.H, y + r.W}, real(0, 1, -1, 0, r.H, 0)
	case 180:
		x, y := b[0]+cw-r.X-r.W, b[1]+ch-r.Y-r.H
		return [4]float64{x, y, x + r.W, y + r.H}, real(-1, 0, 0, -1, r.W, r.H)
	case 270:
		x, y := b[0]+r.Y, b[1]+ch-r.X-r.W
		return [4]float64{x, y, x + r.H, y + r.W}, real(0, -1, 1, 0, 0, r.W)
	}
	x, y := b[0]+r.X, b[1]+r.Y
	return [4]float64{x, y, x + r.W, y + r.H}, nil
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

// walkFields visits every field of the AcroForm tree with its fully
// qualified name and its field type (/FT is inherited from parents). Cycles
// and absurd depths, which broken files have, end the descent quietly.
func walkFields(f *pdf.File, fields pdf.Array, visit func(name string, ft pdf.Name, d pdf.Dict)) error {
	seen := map[int]bool{}
	var walk func(fields pdf.Array, prefix string, ft pdf.Name, depth int) error
	walk = func(fields pdf.Array, prefix string, ft pdf.Name, depth int) error {
		if depth > 32 {
			return nil
		}
		for _, o := range fields {
			if r, ok := o.(pdf.Ref); ok {
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
			visit(name, typ, d)
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
