package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

var (
	// ErrNotPDF means the data does not start with a PDF header.
	ErrNotPDF = errors.New("not a PDF file (no %PDF- header)")
	// ErrUnsupported means a valid feature this reader does not handle.
	ErrUnsupported = errors.New("unsupported PDF feature")
)

const (
	firstWindow = 4 << 10
	// maxWindow bounds the bytes read to parse one object or xref table.
	maxWindow = 64 << 20
	// maxDecoded bounds a decoded object or cross-reference stream.
	maxDecoded = 64 << 20
)

type entryKind uint8

const (
	entryFree entryKind = iota
	entryInFile
	entryInStream
)

type entry struct {
	kind entryKind
	gen  int
	off  int64 // file offset, or object stream number
	idx  int   // index inside the object stream
}

// File is an opened PDF: its merged cross-reference information and
// trailer. Objects are read on demand.
type File struct {
	r    io.ReaderAt
	size int64

	entries map[int]entry
	// Trailer merges all trailers, newest keys first.
	Trailer Dict
	// StartXref is the offset given by the file's last startxref.
	StartXref int64
	// XrefStream reports whether the newest section is a cross-reference
	// stream (an update must then use one too).
	XrefStream bool
	// Size is the first object number free for new objects.
	Size int
	// HeaderOffset is where %PDF- starts (normally 0).
	HeaderOffset int64
	// Version is the header's version, e.g. "1.7".
	Version string

	objStms map[int]*objStm
}

type objStm struct {
	data    []byte
	first   int
	offsets []int // offset of object i relative to first
	nums    []int
}

// Open reads the cross-reference chain of the PDF in r.
func Open(r io.ReaderAt, size int64) (*File, error) {
	f := &File{r: r, size: size, entries: map[int]entry{}, Trailer: Dict{}, objStms: map[int]*objStm{}}
	if err := f.readHeader(); err != nil {
		return nil, err
	}
	start, err := f.findStartXref()
	if err != nil {
		return nil, err
	}
	f.StartXref = start
	if err := f.readXrefChain(start); err != nil {
		return nil, err
	}
	if _, ok := f.Trailer["Root"].(Ref); !ok {
		return nil, fmt.Errorf("%w: trailer has no /Root reference", ErrXref)
	}
	if s, ok := f.Trailer["Size"].(Int); ok && int(s) > f.Size {
		if s > maxObjNum+1 {
			return nil, fmt.Errorf("%w: trailer /Size %d", ErrLimit, s)
		}
		f.Size = int(s)
	}
	return f, nil
}

func (f *File) window(off int64, n int) ([]byte, bool, error) {
	if off < 0 || off > f.size {
		return nil, false, fmt.Errorf("%w: offset %d outside the file", ErrXref, off)
	}
	atEOF := false
	if int64(n) >= f.size-off {
		n = int(f.size - off)
		atEOF = true
	}
	buf := make([]byte, n)
	if _, err := f.r.ReadAt(buf, off); err != nil && !(err == io.EOF && atEOF) {
		return nil, false, fmt.Errorf("read at %d: %w", off, err)
	}
	return buf, atEOF, nil
}

// parseAt runs fn on a window at off, growing the window while fn needs
// more bytes.
func (f *File) parseAt(off int64, fn func(p *parser) error) error {
	for n := firstWindow; ; n *= 2 {
		buf, atEOF, err := f.window(off, n)
		if err != nil {
			return err
		}
		err = fn(&parser{buf: buf, atEOF: atEOF})
		if !errors.Is(err, errShort) {
			return err
		}
		if atEOF || n >= maxWindow {
			return fmt.Errorf("%w: object at offset %d is too large", ErrLimit, off)
		}
	}
}

func (f *File) readHeader() error {
	buf, _, err := f.window(0, 1024)
	if err != nil {
		return err
	}
	i := bytes.Index(buf, []byte("%PDF-"))
	if i < 0 {
		return ErrNotPDF
	}
	f.HeaderOffset = int64(i)
	if i > 0 {
		// Offsets may then count from the header or from the file start;
		// no update can be right for every reader.
		return fmt.Errorf("%w: %d bytes of other data before the %%PDF header", ErrUnsupported, i)
	}
	v := buf[i+5:]
	j := 0
	for j < len(v) && j < 4 && (v[j] == '.' || (v[j] >= '0' && v[j] <= '9')) {
		j++
	}
	f.Version = string(v[:j])
	return nil
}

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
	t, err := f.readXrefStream(off, false)
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
		entries = entries[:0]
		k, o, err := p.token()
		if err != nil {
			return err
		}
		if k != tKeyword || o.(keyword) != "xref" {
			return fmt.Errorf("%w: expected 'xref' at %d", ErrXref, off)
		}
		for {
			k, o, err := p.token()
			if err != nil {
				return err
			}
			if k == tKeyword && o.(keyword) == "trailer" {
				t, err := p.object(0)
				if err != nil {
					return err
				}
				d, ok := t.(Dict)
				if !ok {
					return fmt.Errorf("%w: trailer is not a dictionary", ErrXref)
				}
				trailer = d
				return nil
			}
			startN, ok := o.(Int)
			if k == tEOF {
				return p.short()
			}
			if k != tObj || !ok {
				return fmt.Errorf("%w: bad subsection header", ErrXref)
			}
			k, o, err = p.token()
			if err != nil {
				return err
			}
			count, ok := o.(Int)
			if k != tObj || !ok || startN < 0 || count < 0 || startN+count > maxObjNum+1 {
				return fmt.Errorf("%w: bad subsection header", ErrXref)
			}
			for i := 0; i < int(count); i++ {
				var vals [2]Int
				for j := 0; j < 2; j++ {
					k, o, err := p.token()
					if err != nil {
						return err
					}
					if k == tEOF {
						return p.short()
					}
					v, ok := o.(Int)
					if k != tObj || !ok || v < 0 {
						return fmt.Errorf("%w: bad entry in table at %d", ErrXref, off)
					}
					vals[j] = v
				}
				k, o, err := p.token()
				if err != nil {
					return err
				}
				if k == tEOF {
					return p.short()
				}
				kw, _ := o.(keyword)
				if k != tKeyword || (kw != "n" && kw != "f") {
					return fmt.Errorf("%w: bad entry type in table at %d", ErrXref, off)
				}
				e := entry{kind: entryFree, gen: int(vals[1])}
				if kw == "n" {
					if int64(vals[0]) >= f.size {
						return fmt.Errorf("%w: entry points past the end of the file", ErrXref)
					}
					e.kind, e.off = entryInFile, int64(vals[0])
				}
				entries = append(entries, tableEntry{int(startN) + i, e})
			}
		}
	})
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
		if _, err := f.readXrefStream(int64(xs), true); err != nil {
			return nil, err
		}
	}
	for _, te := range entries {
		if te.num != 0 {
			f.setEntry(te.num, te.e, false)
		}
	}
	return trailer, nil
}

func (f *File) readXrefStream(off int64, hybrid bool) (Dict, error) {
	o, err := f.readIndirect(off, -1)
	if err != nil {
		return nil, fmt.Errorf("%w: no cross-reference table or stream at offset %d", ErrXref, off)
	}
	s, ok := o.(Stream)
	if !ok || s.Dict["Type"] != Name("XRef") {
		return nil, fmt.Errorf("%w: no cross-reference stream at offset %d", ErrXref, off)
	}
	data, err := f.StreamData(s)
	if err != nil {
		return nil, err
	}
	wArr, ok := s.Dict["W"].(Array)
	if !ok || len(wArr) != 3 {
		return nil, fmt.Errorf("%w: cross-reference stream /W", ErrXref)
	}
	var w [3]int
	rowLen := 0
	for i, v := range wArr {
		n, ok := v.(Int)
		if !ok || n < 0 || n > 8 {
			return nil, fmt.Errorf("%w: cross-reference stream /W", ErrXref)
		}
		w[i] = int(n)
		rowLen += int(n)
	}
	if rowLen == 0 {
		return nil, fmt.Errorf("%w: cross-reference stream /W", ErrXref)
	}
	sizeObj, _ := s.Dict["Size"].(Int)
	var index []int
	if ia, ok := s.Dict["Index"].(Array); ok {
		if len(ia)%2 != 0 {
			return nil, fmt.Errorf("%w: cross-reference stream /Index", ErrXref)
		}
		for _, v := range ia {
			n, ok := v.(Int)
			if !ok || n < 0 || n > maxObjNum+1 {
				return nil, fmt.Errorf("%w: cross-reference stream /Index", ErrXref)
			}
			index = append(index, int(n))
		}
	} else {
		if sizeObj < 0 || sizeObj > maxObjNum+1 {
			return nil, fmt.Errorf("%w: cross-reference stream /Size", ErrXref)
		}
		index = []int{0, int(sizeObj)}
	}
	field := func(b []byte) int64 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	pos := 0
	for i := 0; i < len(index); i += 2 {
		start, count := index[i], index[i+1]
		if start+count > maxObjNum+1 {
			return nil, fmt.Errorf("%w: object numbers in cross-reference stream", ErrLimit)
		}
		for j := 0; j < count; j++ {
			if pos+rowLen > len(data) {
				// Short data is common and harmless: keep what is there.
				break
			}
			row := data[pos : pos+rowLen]
			pos += rowLen
			typ := int64(1)
			if w[0] > 0 {
				typ = field(row[:w[0]])
			}
			f2 := field(row[w[0] : w[0]+w[1]])
			f3 := field(row[w[0]+w[1]:])
			num := start + j
			if num == 0 {
				continue
			}
			var e entry
			switch typ {
			case 0:
				e = entry{kind: entryFree}
			case 1:
				if f2 < 0 || f2 >= f.size {
					return nil, fmt.Errorf("%w: entry points past the end of the file", ErrXref)
				}
				e = entry{kind: entryInFile, off: f2, gen: int(f3)}
			case 2:
				if f2 < 0 || f2 > maxObjNum {
					return nil, fmt.Errorf("%w: bad object stream number", ErrXref)
				}
				e = entry{kind: entryInStream, off: f2, idx: int(f3)}
			default:
				continue // reserved types are ignored, as the spec says
			}
			f.setEntry(num, e, hybrid)
		}
	}
	return s.Dict, nil
}

// readIndirect parses "num gen obj ... " at off. want is the expected
// object number, or -1.
func (f *File) readIndirect(off int64, want int) (Object, error) {
	var obj Object
	err := f.parseAt(off, func(p *parser) error {
		num, _, err := p.indirectHeader()
		if err != nil {
			return err
		}
		if want >= 0 && num != want {
			return fmt.Errorf("%w: object %d expected at offset %d, found %d", ErrXref, want, off, num)
		}
		o, err := p.object(0)
		if err != nil {
			return err
		}
		if d, ok := o.(Dict); ok {
			start, ok, err := p.streamStart()
			if err != nil {
				return err
			}
			if ok {
				obj = Stream{Dict: d, Offset: off + int64(start)}
				return nil
			}
		}
		obj = o
		return nil
	})
	return obj, err
}

// Gen returns the generation number of object num.
func (f *File) Gen(num int) int { return f.entries[num].gen }

// Object returns object num (Null when it does not exist).
func (f *File) Object(num int) (Object, error) {
	e, ok := f.entries[num]
	if !ok || e.kind == entryFree {
		return Null{}, nil
	}
	if e.kind == entryInFile {
		return f.readIndirect(e.off, num)
	}
	return f.fromObjStm(int(e.off), e.idx, num)
}

// Resolve follows references until o is a direct object.
func (f *File) Resolve(o Object) (Object, error) {
	for i := 0; i < 32; i++ {
		r, ok := o.(Ref)
		if !ok {
			return o, nil
		}
		var err error
		if o, err = f.Object(r.Num); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w: reference chain too long", ErrLimit)
}

// ResolveDict resolves o and returns it as a dictionary (a stream's
// dictionary too); ok is false for anything else.
func (f *File) ResolveDict(o Object) (Dict, bool, error) {
	o, err := f.Resolve(o)
	if err != nil {
		return nil, false, err
	}
	switch v := o.(type) {
	case Dict:
		return v, true, nil
	case Stream:
		return v.Dict, true, nil
	}
	return nil, false, nil
}

func (f *File) fromObjStm(stm, idx, want int) (Object, error) {
	os, ok := f.objStms[stm]
	if !ok {
		if e := f.entries[stm]; e.kind != entryInFile {
			return nil, fmt.Errorf("%w: object stream %d not found", ErrXref, stm)
		}
		o, err := f.Object(stm)
		if err != nil {
			return nil, err
		}
		s, ok := o.(Stream)
		if !ok {
			return nil, fmt.Errorf("%w: object %d is not an object stream", ErrXref, stm)
		}
		data, err := f.StreamData(s)
		if err != nil {
			return nil, err
		}
		n, _ := s.Dict["N"].(Int)
		first, _ := s.Dict["First"].(Int)
		if n < 0 || first < 0 || int(first) > len(data) || int(n) > len(data) {
			return nil, fmt.Errorf("%w: bad object stream %d", ErrXref, stm)
		}
		os = &objStm{data: data, first: int(first)}
		p := &parser{buf: data[:first], atEOF: true}
		for i := 0; i < int(n); i++ {
			_, a, err1 := p.token()
			_, b, err2 := p.token()
			an, ok1 := a.(Int)
			bn, ok2 := b.(Int)
			if err1 != nil || err2 != nil || !ok1 || !ok2 || bn < 0 || int(first)+int(bn) > len(data) {
				return nil, fmt.Errorf("%w: bad object stream %d header", ErrXref, stm)
			}
			os.nums = append(os.nums, int(an))
			os.offsets = append(os.offsets, int(bn))
		}
		f.objStms[stm] = os
	}
	if idx < 0 || idx >= len(os.offsets) || os.nums[idx] != want {
		// Some writers get the index wrong; look the number up instead.
		idx = -1
		for i, n := range os.nums {
			if n == want {
				idx = i
				break
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("%w: object %d not in object stream %d", ErrXref, want, stm)
		}
	}
	p := &parser{buf: os.data[os.first+os.offsets[idx]:], atEOF: true}
	return p.object(0)
}

// StreamData returns the decoded data of a small stream (cross-reference
// and object streams). Only FlateDecode with PNG predictors is supported.
func (f *File) StreamData(s Stream) ([]byte, error) {
	lo, err := f.Resolve(s.Dict["Length"])
	if err != nil {
		return nil, err
	}
	n, ok := lo.(Int)
	if !ok || n < 0 || int64(n) > f.size-s.Offset {
		return nil, fmt.Errorf("%w: bad stream /Length", ErrSyntax)
	}
	if n > maxDecoded {
		return nil, fmt.Errorf("%w: stream too long", ErrLimit)
	}
	raw := make([]byte, n)
	if _, err := f.r.ReadAt(raw, s.Offset); err != nil && err != io.EOF {
		return nil, fmt.Errorf("read stream: %w", err)
	}
	return Decode(raw, s.Dict)
}

// Decode applies the stream's filters to raw.
func Decode(raw []byte, d Dict) ([]byte, error) {
	var filters []Object
	switch v := d["Filter"].(type) {
	case nil:
	case Name:
		filters = []Object{v}
	case Array:
		filters = v
	default:
		return nil, fmt.Errorf("%w: bad /Filter", ErrSyntax)
	}
	var parms []Object
	switch v := d["DecodeParms"].(type) {
	case Dict:
		parms = []Object{v}
	case Array:
		parms = v
	}
	data := raw
	for i, fo := range filters {
		name, _ := fo.(Name)
		if name != "FlateDecode" && name != "Fl" {
			return nil, fmt.Errorf("%w: filter %q", ErrUnsupported, string(name))
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%w: flate data: %v", ErrSyntax, err)
		}
		out, err := io.ReadAll(io.LimitReader(zr, maxDecoded+1))
		if err != nil && len(out) == 0 {
			return nil, fmt.Errorf("%w: flate data: %v", ErrSyntax, err)
		}
		if len(out) > maxDecoded {
			return nil, fmt.Errorf("%w: decoded stream too long", ErrLimit)
		}
		data = out
		if i < len(parms) {
			if p, ok := parms[i].(Dict); ok {
				if data, err = unpredict(data, p); err != nil {
					return nil, err
				}
			}
		}
	}
	return data, nil
}

func unpredict(data []byte, p Dict) ([]byte, error) {
	pred, _ := p["Predictor"].(Int)
	if pred <= 1 {
		return data, nil
	}
	if pred < 10 {
		return nil, fmt.Errorf("%w: TIFF predictor", ErrUnsupported)
	}
	cols := Int(1)
	if c, ok := p["Columns"].(Int); ok {
		cols = c
	}
	colors := Int(1)
	if c, ok := p["Colors"].(Int); ok {
		colors = c
	}
	bpc := Int(8)
	if c, ok := p["BitsPerComponent"].(Int); ok {
		bpc = c
	}
	if cols < 1 || cols > 1<<20 || colors < 1 || colors > 32 || bpc < 1 || bpc > 16 {
		return nil, fmt.Errorf("%w: bad predictor parameters", ErrSyntax)
	}
	bpp := int((colors*bpc + 7) / 8)
	rowLen := int((cols*colors*bpc + 7) / 8)
	var out []byte
	prev := make([]byte, rowLen)
	for pos := 0; pos+1+rowLen <= len(data); pos += 1 + rowLen {
		ft := data[pos]
		row := append([]byte(nil), data[pos+1:pos+1+rowLen]...)
		for i := range row {
			var left, up, ul byte
			if i >= bpp {
				left = row[i-bpp]
				ul = prev[i-bpp]
			}
			up = prev[i]
			switch ft {
			case 0:
			case 1:
				row[i] += left
			case 2:
				row[i] += up
			case 3:
				row[i] += byte((int(left) + int(up)) / 2)
			case 4:
				row[i] += paeth(left, up, ul)
			default:
				return nil, fmt.Errorf("%w: bad PNG filter type %d", ErrSyntax, ft)
			}
		}
		out = append(out, row...)
		prev = row
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
