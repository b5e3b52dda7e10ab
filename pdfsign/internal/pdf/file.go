package pdf

import (
	"bytes"
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
	// Repaired reports that the cross-reference information was broken
	// and rebuilt by scanning the file: an update must then carry a
	// complete cross-reference section (and no /Prev).
	Repaired bool

	objStms map[int]*objStm
	crypt   *security // nil unless the file is encrypted
}

type objStm struct {
	data    []byte
	first   int
	offsets []int // offset of object i relative to first
	nums    []int
}

// Open reads the cross-reference chain of the PDF in r. An encrypted file
// opens when its user password is empty (ErrPasswordRequired otherwise);
// its strings and streams are then decrypted as they are read.
func Open(r io.ReaderAt, size int64) (*File, error) {
	return OpenWith(r, size, OpenOptions{})
}

// OpenWith is Open with a password for encrypted files: ErrWrongPassword
// when it is neither the user nor the owner password.
func OpenWith(r io.ReaderAt, size int64, opts OpenOptions) (*File, error) {
	f := &File{r: r, size: size, entries: map[int]entry{}, Trailer: Dict{}, objStms: map[int]*objStm{}}
	if err := f.readHeader(); err != nil {
		return nil, err
	}
	if err := f.openXref(); err != nil {
		return nil, err
	}
	if s, ok := f.Trailer["Size"].(Int); ok && int(s) > f.Size {
		if s > maxObjNum+1 {
			return nil, fmt.Errorf("%w: trailer /Size %d", ErrLimit, s)
		}
		f.Size = int(s)
	}
	if err := f.setupEncryption(opts.Password); err != nil {
		return nil, err
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

// readIndirect parses "num gen obj ... " at off. want is the expected
// object number, or -1.
func (f *File) readIndirect(off int64, want int) (Object, error) {
	var obj Object
	var num, gen int
	err := f.parseAt(off, func(p *parser) error {
		var err error
		num, gen, err = p.indirectHeader()
		if err != nil {
			return err
		}
		if want >= 0 && num != want {
			// Not a broken offset but another object's header: PDFium
			// then has no object want, while poppler, MuPDF and qpdf
			// rebuild the table and find it elsewhere.
			return fmt.Errorf("%w: the cross-reference entry of object %d points to object %d's header at offset %d (PDF readers disagree on whether object %d exists, so they may show different contents)",
				ErrAmbiguous, want, num, off, want)
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
				obj = Stream{Dict: d, Offset: off + int64(start), Num: num, Gen: gen}
				return nil
			}
		}
		obj = o
		return nil
	})
	if err == nil && f.crypt != nil {
		return f.crypt.decryptObject(obj, num, gen)
	}
	return obj, err
}

// loadObjStm decodes object stream stm and its header (cached).
func (f *File) loadObjStm(stm int) (*objStm, error) {
	if os, ok := f.objStms[stm]; ok {
		return os, nil
	}
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
	os := &objStm{data: data, first: int(first)}
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
	return os, nil
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
		o, err := f.readIndirect(e.off, num)
		if err != nil && !f.Repaired && (errors.Is(err, ErrXref) || errors.Is(err, ErrSyntax)) {
			// The entry points to the wrong place: rebuild once.
			if f.rebuild() == nil {
				return f.Object(num)
			}
		}
		return o, err
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
	os, err := f.loadObjStm(stm)
	if err != nil {
		return nil, err
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
