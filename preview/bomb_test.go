package preview

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The decompression bombs of issue 17, made here rather than kept in
// testdata: each is a few lines of PDF around one Flate stream of bombSize
// zero bytes (zlib at BestSpeed: some 1.3 MB), which PDFium inflates whole
// when it reads the stream. Zero bytes are whitespace to PDF parsers, so the
// files stay well formed to the end.
const bombSize = 1000 << 20

// zlibFill is a zlib stream of prefix followed by n zero bytes.
func zlibFill(prefix []byte, n int64) []byte {
	var b bytes.Buffer
	w, _ := zlib.NewWriterLevel(&b, zlib.BestSpeed)
	w.Write(prefix)
	zeros := make([]byte, 1<<20)
	for n > 0 {
		k := min(n, int64(len(zeros)))
		w.Write(zeros[:k])
		n -= k
	}
	w.Close()
	return b.Bytes()
}

// pdfWriter writes objects and records their offsets by number.
type pdfWriter struct {
	b    bytes.Buffer
	offs map[int]int
}

func newPDF() *pdfWriter {
	w := &pdfWriter{offs: map[int]int{}}
	w.b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	return w
}

// obj writes object num; stream, when not nil, follows dict (the inside
// of a dictionary, which gets /Length) as its data.
func (w *pdfWriter) obj(num int, dict string, stream []byte) {
	w.offs[num] = w.b.Len()
	fmt.Fprintf(&w.b, "%d 0 obj\n", num)
	if stream == nil {
		fmt.Fprintf(&w.b, "%s\nendobj\n", dict)
		return
	}
	fmt.Fprintf(&w.b, "<<%s/Length %d>>\nstream\n", dict, len(stream))
	w.b.Write(stream)
	w.b.WriteString("\nendstream\nendobj\n")
}

// xrefRow is one row of a cross-reference stream with /W [1 4 2].
func xrefRow(typ byte, field2 uint32, field3 uint16) []byte {
	e := []byte{typ, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(e[1:5], field2)
	binary.BigEndian.PutUint16(e[5:7], field3)
	return e
}

// xrefStream ends the file with a cross-reference stream, object num,
// with a row for every object 0..num (type 2 for those in objStm, in the
// order given) and then extra zero bytes, Flate-compressed when extra > 0.
func (w *pdfWriter) xrefStream(num int, objStm int, inStm []int, extra int64) []byte {
	w.offs[num] = w.b.Len()
	rows := xrefRow(0, 0, 65535)
	for i := 1; i <= num; i++ {
		if k := slices.Index(inStm, i); k >= 0 {
			rows = append(rows, xrefRow(2, uint32(objStm), uint16(k))...)
		} else {
			rows = append(rows, xrefRow(1, uint32(w.offs[i]), 0)...)
		}
	}
	dict := fmt.Sprintf("/Type/XRef/Size %d/W[1 4 2]/Root 1 0 R", num+1)
	if extra > 0 {
		dict += "/Filter/FlateDecode"
		rows = zlibFill(rows, extra)
	}
	w.obj(num, dict, rows)
	fmt.Fprintf(&w.b, "startxref\n%d\n%%%%EOF\n", w.offs[num])
	return w.b.Bytes()
}

// The page of the bombs: 100 x 100 points, a red square at the bottom left
// (in content stream 4).
const (
	bombPage    = "<</Type/Page/Parent 2 0 R/MediaBox[0 0 100 100]/Contents 4 0 R/Resources<<>>>>"
	bombContent = "1 0 0 rg 0 0 50 50 re f\n"
)

// bombDoc writes the catalog and page tree of a one-page (object 3) PDF.
func bombDoc() *pdfWriter {
	w := newPDF()
	w.obj(1, "<</Type/Catalog/Pages 2 0 R>>", nil)
	w.obj(2, "<</Type/Pages/Count 1/Kids[3 0 R]>>", nil)
	return w
}

// contentBomb: the page's content stream is the red square and then
// bombSize zero bytes.
func contentBomb() []byte {
	w := bombDoc()
	w.obj(3, bombPage, nil)
	w.obj(4, "/Filter/FlateDecode", zlibFill([]byte(bombContent), bombSize))
	return w.xrefStream(5, 0, nil, 0)
}

// xrefBomb: the file's only cross-reference section is a stream whose real
// rows are followed by bombSize zero bytes.
func xrefBomb() []byte {
	w := bombDoc()
	w.obj(3, bombPage, nil)
	w.obj(4, "", []byte(bombContent))
	return w.xrefStream(5, 0, nil, bombSize)
}

// objStmBomb: the page object lives in an object stream (5) whose one
// object is followed by bombSize zero bytes.
func objStmBomb() []byte {
	w := bombDoc()
	w.obj(4, "", []byte(bombContent))
	head := "3 0 "
	w.obj(5, fmt.Sprintf("/Type/ObjStm/N 1/First %d/Filter/FlateDecode", len(head)),
		zlibFill([]byte(head+bombPage), bombSize))
	return w.xrefStream(6, 5, []int{3}, 0)
}

// writeFile saves data in dir as name and returns its path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// bombChild draws the bomb on a renderer with cacheDir and wants
// ErrTooLarge; then, on the same renderer, it draws a normal page: the
// bomb costs one engine, not the preview. args is "BOMB|NORMAL".
func bombChild(cacheDir, args string) int {
	bomb, normal, _ := strings.Cut(args, "|")
	r := New(cacheDir)
	defer r.Close()
	_, err := renderFirst(r, bomb, 800)
	if !errors.Is(err, ErrTooLarge) {
		return report(fmt.Errorf("bomb: got %v, want ErrTooLarge", err))
	}
	fmt.Println(err) // for the parent's log
	img, err := renderFirst(r, normal, 100)
	if err != nil {
		return report(fmt.Errorf("normal page after the bomb: %w", err))
	}
	if got := bounds(img, isRed); !near(got, image.Rect(0, 50, 50, 100), 1) {
		return report(fmt.Errorf("normal page after the bomb: rectangle at %v", got))
	}
	return 0
}
