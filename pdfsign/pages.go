package pdfsign

import (
	"fmt"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

type pageInfo struct {
	ref  pdf.Ref
	dict pdf.Dict
	// media and crop are inherited from the page tree when absent.
	media, crop pdf.Object
}

// box returns the visible page area (CropBox, else MediaBox) as llx, lly,
// urx, ury. US Letter when neither can be read.
func (p *pageInfo) box() [4]float64 {
	for _, o := range []pdf.Object{p.crop, p.media} {
		if b, ok := rectOf(o); ok {
			return b
		}
	}
	return [4]float64{0, 0, 612, 792}
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
	var walk func(ref pdf.Ref, d pdf.Dict, media, crop pdf.Object, depth int) (*pageInfo, error)
	remaining := n
	walk = func(ref pdf.Ref, d pdf.Dict, media, crop pdf.Object, depth int) (*pageInfo, error) {
		if depth > 64 {
			return nil, fmt.Errorf("%w: page tree too deep", ErrMalformed)
		}
		if m, err := f.Resolve(d["MediaBox"]); err == nil && m != nil {
			if _, isNull := m.(pdf.Null); !isNull {
				media = m
			}
		}
		if c, err := f.Resolve(d["CropBox"]); err == nil && c != nil {
			if _, isNull := c.(pdf.Null); !isNull {
				crop = c
			}
		}
		kidsObj, err := f.Resolve(d["Kids"])
		if err != nil {
			return nil, mapParseErr(err)
		}
		kids, isNode := kidsObj.(pdf.Array)
		if d["Type"] == pdf.Name("Page") || !isNode {
			remaining--
			if remaining == 0 {
				return &pageInfo{ref: ref, dict: d, media: media, crop: crop}, nil
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
			p, err := walk(kr, kd, media, crop, depth+1)
			if err != nil || p != nil {
				return p, err
			}
		}
		return nil, nil
	}
	p, err := walk(rootRef, root, nil, nil, 0)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, fmt.Errorf("%w: page %d requested, the document has fewer pages", ErrPage, n)
	}
	return p, nil
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
