package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
)

// scanChunk is how much of the file the rebuild scan reads at a time.
const scanChunk = 1 << 20

// openXref reads the cross-reference chain from the last startxref and
// checks that the catalog can be read; when any of it is broken, the
// cross-reference information is rebuilt by scanning the file for objects,
// as poppler and qpdf do.
func (f *File) openXref() error {
	err := f.readChain()
	if err == nil {
		return nil
	}
	if !errors.Is(err, ErrXref) && !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrLimit) {
		return err
	}
	if rerr := f.rebuild(); rerr != nil {
		return fmt.Errorf("%w (rebuilding it failed: %v)", err, rerr)
	}
	return nil
}

func (f *File) readChain() error {
	start, err := f.findStartXref()
	if err != nil {
		return err
	}
	f.StartXref = start
	if err := f.readXrefChain(start); err != nil {
		return err
	}
	return f.checkRoot()
}

// checkRoot makes sure the trailer's /Root is a readable dictionary.
func (f *File) checkRoot() error {
	r, ok := f.Trailer["Root"].(Ref)
	if !ok {
		return fmt.Errorf("%w: trailer has no /Root reference", ErrXref)
	}
	o, err := f.Object(r.Num)
	if err != nil {
		return err
	}
	if _, ok := o.(Dict); !ok {
		return fmt.Errorf("%w: /Root is not a dictionary", ErrXref)
	}
	return nil
}

// XrefEntry is one in-use object of the cross-reference information.
type XrefEntry struct {
	Num, Gen int
	// Offset is the object's file offset, or for an object inside an
	// object stream the stream's number (InStream) with Index inside it.
	Offset   int64
	InStream bool
	Index    int
}

// Entries lists the in-use objects by number (for an update that must
// carry a complete cross-reference section after a rebuild).
func (f *File) Entries() []XrefEntry {
	out := make([]XrefEntry, 0, len(f.entries))
	for n, e := range f.entries {
		if e.kind == entryFree || n == 0 {
			continue
		}
		out = append(out, XrefEntry{Num: n, Gen: e.gen, Offset: e.off, InStream: e.kind == entryInStream, Index: e.idx})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Num < out[j].Num })
	return out
}

// scanResult is what the rebuild scan finds.
type scanResult struct {
	entries  map[int]entry
	trailers []Dict // in file order; cross-reference stream dictionaries too
	objStms  []int
	catalogs []int
}

// rebuild replaces the cross-reference information by what a scan of the
// whole file finds: the last definition of each object wins, objects in
// object streams count where no direct definition exists, and the trailer
// merges the trailers found, newest first.
func (f *File) rebuild() error {
	f.Repaired = true // also: never rebuild again from inside
	sr := &scanResult{entries: map[int]entry{}}
	if err := f.scan(sr); err != nil {
		return err
	}
	f.entries, f.objStms, f.Trailer, f.Size = sr.entries, map[int]*objStm{}, Dict{}, 0
	for n := range sr.entries {
		if n+1 > f.Size {
			f.Size = n + 1
		}
	}
	f.addObjStmEntries(sr.objStms)
	for i := len(sr.trailers) - 1; i >= 0; i-- {
		f.mergeTrailer(sr.trailers[i])
	}
	if f.checkRoot() != nil {
		// Take the last catalog in the file instead.
		if len(sr.catalogs) == 0 {
			sr.catalogs = f.catalogsInObjStms()
		}
		if len(sr.catalogs) == 0 {
			return fmt.Errorf("%w: no document catalog found", ErrXref)
		}
		n := sr.catalogs[len(sr.catalogs)-1]
		f.Trailer["Root"] = Ref{Num: n, Gen: sr.entries[n].gen}
		if err := f.checkRoot(); err != nil {
			return err
		}
	}
	f.XrefStream = false
	for _, e := range f.entries {
		if e.kind == entryInStream {
			f.XrefStream = true // only a stream can list them
			break
		}
	}
	return nil
}

// catalogsInObjStms returns the objects of object streams whose /Type is
// /Catalog.
func (f *File) catalogsInObjStms() []int {
	var out []int
	for _, e := range f.Entries() {
		if !e.InStream {
			continue
		}
		if o, err := f.Object(e.Num); err == nil {
			if d, ok := o.(Dict); ok && d["Type"] == Name("Catalog") {
				out = append(out, e.Num)
			}
		}
	}
	return out
}

// addObjStmEntries lists the objects of each object stream that has no
// direct definition.
func (f *File) addObjStmEntries(stms []int) {
	for _, stm := range stms {
		os, err := f.loadObjStm(stm)
		if err != nil {
			continue
		}
		for i, n := range os.nums {
			if n <= 0 || n > maxObjNum {
				continue
			}
			if _, ok := f.entries[n]; ok {
				continue
			}
			f.entries[n] = entry{kind: entryInStream, off: int64(stm), idx: i}
			if n+1 > f.Size {
				f.Size = n + 1
			}
		}
	}
}

// scan walks the file for "num gen obj" headers and "trailer" keywords,
// skipping stream data.
func (f *File) scan(sr *scanResult) error {
	pos, lo := int64(0), 0
	for pos < f.size {
		buf, atEOF, err := f.window(pos, scanChunk)
		if err != nil {
			return err
		}
		next, nextLo, err := f.scanChunk(sr, pos, lo, buf, atEOF)
		if err != nil {
			return err
		}
		pos, lo = next, nextLo
	}
	return nil
}

// scanChunk handles the candidates in buf (read at pos) from index lo and
// returns where the next chunk starts, and its lo: the end of a skipped
// stream (lo 0), or a little before the end of buf so that a header split
// between chunks is found (a candidate is handled by the chunk where it
// starts at least lookback bytes in, room for "num gen " before "obj").
func (f *File) scanChunk(sr *scanResult, pos int64, lo int, buf []byte, atEOF bool) (int64, int, error) {
	const lookback, overlap = 24, 64
	limit := len(buf)
	if !atEOF {
		limit -= overlap
	}
	// Next "obj" and "trailer" at or after i, each searched again only
	// once passed (searching both every time is quadratic).
	nextObj, nextTrailer := -2, -2
	find := func(cur *int, word string, i int) int {
		if *cur != -1 && *cur < i {
			if k := bytes.Index(buf[i:], []byte(word)); k >= 0 {
				*cur = i + k
			} else {
				*cur = -1
			}
		}
		return *cur
	}
	for i := lo; i < limit; {
		o, tr := find(&nextObj, "obj", i), find(&nextTrailer, "trailer", i)
		if o < 0 && tr < 0 {
			break
		}
		if tr >= 0 && (o < 0 || tr < o) {
			if tr >= limit {
				break
			}
			if t, err := f.trailerAt(pos + int64(tr) + 7); err == nil {
				sr.trailers = append(sr.trailers, t)
			}
			i = tr + 7
			continue
		}
		if o >= limit {
			break
		}
		i = o
		start, num, gen, ok := headerBefore(buf, i)
		i += 3
		if !ok || (i < len(buf) && !isWhite(buf[i]) && !isDelim(buf[i])) {
			continue
		}
		end, err := f.scanObject(sr, pos+int64(start), num, gen)
		if err != nil {
			return 0, 0, err
		}
		if end > pos+int64(i) {
			return end, 0, nil // continue after the stream
		}
	}
	if atEOF {
		return f.size, 0, nil
	}
	return pos + int64(limit-lookback), lookback, nil
}

// headerBefore parses "num gen " backwards from buf[i] (the "obj").
func headerBefore(buf []byte, i int) (start, num, gen int, ok bool) {
	k := i
	digits := func() (int, bool) {
		for k > 0 && isWhite(buf[k-1]) {
			k--
		}
		end := k
		for k > 0 && buf[k-1] >= '0' && buf[k-1] <= '9' && end-k < 10 {
			k--
		}
		if k == end {
			return 0, false
		}
		v := 0
		for _, c := range buf[k:end] {
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	if k == 0 || !isWhite(buf[k-1]) {
		return 0, 0, 0, false
	}
	gen, ok1 := digits()
	if !ok1 || k == 0 || !isWhite(buf[k-1]) {
		return 0, 0, 0, false
	}
	num, ok2 := digits()
	if !ok2 || num > maxObjNum || gen > 65535 || (k > 0 && !isWhite(buf[k-1]) && !isDelim(buf[k-1])) {
		return 0, 0, 0, false
	}
	return k, num, gen, true
}

// scanObject records the object at off and returns the end of its stream
// data (0 when it has none).
func (f *File) scanObject(sr *scanResult, off int64, num, gen int) (int64, error) {
	sr.entries[num] = entry{kind: entryInFile, off: off, gen: gen}
	var d Dict
	var dataStart int64 = -1
	err := f.parseAt(off, func(p *parser) error {
		if _, _, err := p.indirectHeader(); err != nil {
			return err
		}
		o, err := p.object(0)
		if err != nil {
			return err
		}
		d, _ = o.(Dict)
		if d == nil {
			return nil
		}
		start, ok, err := p.streamStart()
		if ok {
			dataStart = off + int64(start)
		}
		return err
	})
	if err != nil || d == nil {
		return 0, nil // a damaged object: keep scanning after its header
	}
	switch d["Type"] {
	case Name("Catalog"):
		sr.catalogs = append(sr.catalogs, num)
	case Name("XRef"):
		sr.trailers = append(sr.trailers, d)
	case Name("ObjStm"):
		sr.objStms = append(sr.objStms, num)
	}
	if dataStart < 0 {
		return 0, nil
	}
	return f.streamEnd(d, dataStart)
}

// streamEnd finds the end of stream data starting at start: at /Length
// when "endstream" follows there, else at the next "endstream".
func (f *File) streamEnd(d Dict, start int64) (int64, error) {
	if n, ok := d["Length"].(Int); ok && n >= 0 && start+int64(n) <= f.size {
		buf, _, err := f.window(start+int64(n), 32)
		if err == nil && bytes.Contains(buf, []byte("endstream")) {
			return start + int64(n), nil
		}
	}
	for pos := start; pos < f.size; {
		buf, atEOF, err := f.window(pos, scanChunk)
		if err != nil {
			return 0, err
		}
		if i := bytes.Index(buf, []byte("endstream")); i >= 0 {
			return pos + int64(i), nil
		}
		if atEOF {
			break
		}
		pos += int64(len(buf)) - 8
	}
	return f.size, nil
}

// trailerAt parses the dictionary after a "trailer" keyword.
func (f *File) trailerAt(off int64) (Dict, error) {
	var d Dict
	err := f.parseAt(off, func(p *parser) error {
		o, err := p.object(0)
		if err != nil {
			return err
		}
		var ok bool
		if d, ok = o.(Dict); !ok {
			return fmt.Errorf("%w: trailer is not a dictionary", ErrXref)
		}
		return nil
	})
	return d, err
}
