package pdf

import (
	"bytes"
	"fmt"
)

func (f *File) findStartXref() (int64, error) {
	const tail = 4096
	off := f.size - tail
	if off < 0 {
		off = 0
	}
	buf, _, err := f.window(off, tail)
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndex(buf, []byte("startxref"))
	if i < 0 {
		return 0, fmt.Errorf("%w: no startxref at the end of the file (truncated?)", ErrXref)
	}
	p := &parser{buf: buf[i+9:], atEOF: true}
	k, o, err := p.token()
	n, ok := o.(Int)
	if err != nil || k != tObj || !ok || n <= 0 || int64(n) >= f.size {
		return 0, fmt.Errorf("%w: bad startxref offset", ErrXref)
	}
	return int64(n), nil
}

func (f *File) setEntry(num int, e entry, onlyInUse bool) {
	if onlyInUse && e.kind == entryFree {
		return
	}
	if old, ok := f.entries[num]; ok && old.kind != entryFree {
		return // a newer section already defines it
	}
	f.entries[num] = e
	if e.kind != entryFree && num+1 > f.Size {
		f.Size = num + 1
	}
}

func (f *File) mergeTrailer(t Dict) {
	for k, v := range t {
		if k == "Prev" || k == "XRefStm" || k == "Type" || k == "W" || k == "Index" || k == "Filter" || k == "DecodeParms" || k == "Length" {
			continue
		}
		if _, ok := f.Trailer[k]; !ok {
			f.Trailer[k] = v
		}
	}
}

func (f *File) readXrefChain(off int64) error {
	seen := map[int64]bool{}
	first := true
	for {
		if seen[off] {
			return fmt.Errorf("%w: /Prev loop at offset %d", ErrXref, off)
		}
		if len(seen) > 10000 {
			return fmt.Errorf("%w: too many cross-reference sections", ErrLimit)
		}
		seen[off] = true
		trailer, isStream, err := f.readSection(off)
		if err != nil {
			return err
		}
		if first {
			f.XrefStream = isStream
			first = false
		}
		f.mergeTrailer(trailer)
		prev, ok := trailer["Prev"]
		if !ok {
			return nil
		}
		pn, ok := prev.(Int)
		if !ok || pn < 0 || int64(pn) >= f.size {
			return fmt.Errorf("%w: bad /Prev offset", ErrXref)
		}
		off = int64(pn)
	}
}

// readSection reads the table or stream at off into the entries.
func (f *File) readSection(off int64) (Dict, bool, error) {
	buf, _, err := f.window(off, 16)
	if err != nil {
		return nil, false, err
	}
	if bytes.HasPrefix(bytes.TrimLeft(buf, " \t\r\n\f\x00"), []byte("xref")) {
		t, err := f.readTable(off)
		return t, false, err
	}
	t, err := f.readXrefStream(off)
	return t, true, err
}

type tableEntry struct {
	num int
	e   entry
}

func (f *File) readTable(off int64) (Dict, error) {
	var entries []tableEntry
	var trailer Dict
	err := f.parseAt(off, func(p *parser) error {
		var err error
		entries, trailer, err = f.parseTable(p, off)
		return err
	})
	if err != nil {
		return nil, err
	}
	inTable, err := unambiguous(entries, "table", off)
	if err != nil {
		return nil, err
	}
	for _, te := range entries {
		if te.num != 0 {
			f.setEntry(te.num, te.e, true)
		}
	}
	// Hybrid file: the stream's entries come after the table's in-use ones.
	if xs, ok := trailer["XRefStm"].(Int); ok && xs > 0 && int64(xs) < f.size {
		_, stm, err := f.xrefStreamEntries(int64(xs))
		if err != nil {
			return nil, err
		}
		for _, se := range stm {
			// The stream normally adds what the table marks free (objects
			// in object streams); an object in use in both with different
			// places is read differently by different readers.
			if te, ok := inTable[se.num]; ok && te.kind != entryFree && se.e.kind != entryFree && te != se.e {
				return nil, fmt.Errorf("%w: object %d is in the cross-reference table at offset %d and, elsewhere, in its /XRefStm stream at offset %d (PDF readers disagree on which counts, so they may show different contents)",
					ErrAmbiguous, se.num, off, xs)
			}
			f.setEntry(se.num, se.e, true)
		}
	}
	for _, te := range entries {
		if te.num != 0 {
			f.setEntry(te.num, te.e, false)
		}
	}
	return trailer, nil
}

// unambiguous checks that a section gives no object two different
// entries, and returns its entries by number. Repeats that agree (and
// free entries, which define nothing) are harmless; object 0 is never read.
func unambiguous(entries []tableEntry, what string, off int64) (map[int]entry, error) {
	byNum := make(map[int]entry, len(entries))
	for _, te := range entries {
		if te.num == 0 {
			continue
		}
		if prev, ok := byNum[te.num]; ok && prev != te.e && (prev.kind != entryFree || te.e.kind != entryFree) {
			return nil, fmt.Errorf("%w: object %d has two different entries in the cross-reference %s at offset %d (PDF readers disagree on which counts, so they may show different contents)",
				ErrAmbiguous, te.num, what, off)
		}
		byNum[te.num] = te.e
	}
	return byNum, nil
}

// parseTable parses "xref", its subsections and the trailer dictionary.
func (f *File) parseTable(p *parser, off int64) ([]tableEntry, Dict, error) {
	var entries []tableEntry
	k, o, err := p.token()
	if err != nil {
		return nil, nil, err
	}
	if k != tKeyword || o.(keyword) != "xref" {
		return nil, nil, fmt.Errorf("%w: expected 'xref' at %d", ErrXref, off)
	}
	for {
		k, o, err := p.token()
		if err != nil {
			return nil, nil, err
		}
		if k == tKeyword && o.(keyword) == "trailer" {
			t, err := p.object(0)
			if err != nil {
				return nil, nil, err
			}
			d, ok := t.(Dict)
			if !ok {
				return nil, nil, fmt.Errorf("%w: trailer is not a dictionary", ErrXref)
			}
			return entries, d, nil
		}
		startN, ok := o.(Int)
		if k == tEOF {
			return nil, nil, p.short()
		}
		if k != tObj || !ok {
			return nil, nil, fmt.Errorf("%w: bad subsection header", ErrXref)
		}
		k, o, err = p.token()
		if err != nil {
			return nil, nil, err
		}
		count, ok := o.(Int)
		if k != tObj || !ok || startN < 0 || count < 0 || startN+count > maxObjNum+1 {
			return nil, nil, fmt.Errorf("%w: bad subsection header", ErrXref)
		}
		for i := 0; i < int(count); i++ {
			e, err := f.parseTableEntry(p, off)
			if err != nil {
				return nil, nil, err
			}
			entries = append(entries, tableEntry{int(startN) + i, e})
		}
	}
}

// parseTableEntry parses one "offset gen n|f" line.
func (f *File) parseTableEntry(p *parser, off int64) (entry, error) {
	var vals [2]Int
	for j := 0; j < 2; j++ {
		k, o, err := p.token()
		if err != nil {
			return entry{}, err
		}
		if k == tEOF {
			return entry{}, p.short()
		}
		v, ok := o.(Int)
		if k != tObj || !ok || v < 0 {
			return entry{}, fmt.Errorf("%w: bad entry in table at %d", ErrXref, off)
		}
		vals[j] = v
	}
	k, o, err := p.token()
	if err != nil {
		return entry{}, err
	}
	if k == tEOF {
		return entry{}, p.short()
	}
	kw, _ := o.(keyword)
	if k != tKeyword || (kw != "n" && kw != "f") {
		return entry{}, fmt.Errorf("%w: bad entry type in table at %d", ErrXref, off)
	}
	e := entry{kind: entryFree, gen: int(vals[1])}
	if kw == "n" {
		if int64(vals[0]) >= f.size {
			return entry{}, fmt.Errorf("%w: entry points past the end of the file", ErrXref)
		}
		e.kind, e.off = entryInFile, int64(vals[0])
	}
	return e, nil
}

func (f *File) readXrefStream(off int64) (Dict, error) {
	d, entries, err := f.xrefStreamEntries(off)
	if err != nil {
		return nil, err
	}
	for _, te := range entries {
		f.setEntry(te.num, te.e, false)
	}
	return d, nil
}

// xrefStreamEntries reads the cross-reference stream at off: its
// dictionary and its entries, which must not contradict each other.
func (f *File) xrefStreamEntries(off int64) (Dict, []tableEntry, error) {
	o, err := f.readIndirect(off, -1)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: no cross-reference table or stream at offset %d", ErrXref, off)
	}
	s, ok := o.(Stream)
	if !ok || s.Dict["Type"] != Name("XRef") {
		return nil, nil, fmt.Errorf("%w: no cross-reference stream at offset %d", ErrXref, off)
	}
	data, err := f.StreamData(s)
	if err != nil {
		return nil, nil, err
	}
	w, index, err := xrefStreamLayout(s.Dict)
	if err != nil {
		return nil, nil, err
	}
	rowLen := w[0] + w[1] + w[2]
	pos := 0
	var entries []tableEntry
	for i := 0; i < len(index); i += 2 {
		start, count := index[i], index[i+1]
		if start+count > maxObjNum+1 {
			return nil, nil, fmt.Errorf("%w: object numbers in cross-reference stream", ErrLimit)
		}
		for j := 0; j < count; j++ {
			if pos+rowLen > len(data) {
				// Short data is common and harmless: keep what is there.
				break
			}
			row := data[pos : pos+rowLen]
			pos += rowLen
			num := start + j
			if num == 0 {
				continue
			}
			e, ok, err := f.xrefStreamEntry(row, w)
			if err != nil {
				return nil, nil, err
			}
			if ok {
				entries = append(entries, tableEntry{num, e})
			}
		}
	}
	if _, err := unambiguous(entries, "stream", off); err != nil {
		return nil, nil, err
	}
	return s.Dict, entries, nil
}

// xrefStreamLayout reads /W and /Index (default: 0 to /Size).
func xrefStreamLayout(d Dict) ([3]int, []int, error) {
	var w [3]int
	wArr, ok := d["W"].(Array)
	if !ok || len(wArr) != 3 {
		return w, nil, fmt.Errorf("%w: cross-reference stream /W", ErrXref)
	}
	for i, v := range wArr {
		n, ok := v.(Int)
		if !ok || n < 0 || n > 8 {
			return w, nil, fmt.Errorf("%w: cross-reference stream /W", ErrXref)
		}
		w[i] = int(n)
	}
	if w[0]+w[1]+w[2] == 0 {
		return w, nil, fmt.Errorf("%w: cross-reference stream /W", ErrXref)
	}
	ia, ok := d["Index"].(Array)
	if !ok {
		sizeObj, _ := d["Size"].(Int)
		if sizeObj < 0 || sizeObj > maxObjNum+1 {
			return w, nil, fmt.Errorf("%w: cross-reference stream /Size", ErrXref)
		}
		return w, []int{0, int(sizeObj)}, nil
	}
	if len(ia)%2 != 0 {
		return w, nil, fmt.Errorf("%w: cross-reference stream /Index", ErrXref)
	}
	index := make([]int, 0, len(ia))
	for _, v := range ia {
		n, ok := v.(Int)
		if !ok || n < 0 || n > maxObjNum+1 {
			return w, nil, fmt.Errorf("%w: cross-reference stream /Index", ErrXref)
		}
		index = append(index, int(n))
	}
	return w, index, nil
}

// xrefStreamEntry decodes one row; ok is false for reserved types, which
// are ignored as the spec says.
func (f *File) xrefStreamEntry(row []byte, w [3]int) (entry, bool, error) {
	field := func(b []byte) int64 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	typ := int64(1)
	if w[0] > 0 {
		typ = field(row[:w[0]])
	}
	f2 := field(row[w[0] : w[0]+w[1]])
	f3 := field(row[w[0]+w[1]:])
	switch typ {
	case 0:
		return entry{kind: entryFree}, true, nil
	case 1:
		if f2 < 0 || f2 >= f.size {
			return entry{}, false, fmt.Errorf("%w: entry points past the end of the file", ErrXref)
		}
		return entry{kind: entryInFile, off: f2, gen: int(f3)}, true, nil
	case 2:
		if f2 < 0 || f2 > maxObjNum {
			return entry{}, false, fmt.Errorf("%w: bad object stream number", ErrXref)
		}
		return entry{kind: entryInStream, off: f2, idx: int(f3)}, true, nil
	}
	return entry{}, false, nil
}
