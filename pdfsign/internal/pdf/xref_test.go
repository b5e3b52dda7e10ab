package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// twoFours writes a one-page body whose object 4 is defined twice (the
// second at the returned offset) and returns the offsets of objects 1-4.
func twoFours(b *bytes.Buffer) (offs [5]int, second int) {
	b.WriteString("%PDF-1.7\n")
	for n, body := range []string{"<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Count 1/Kids[3 0 R]>>",
		"<</Type/Page/Parent 2 0 R/Contents 4 0 R>>", "(first)"} {
		offs[n+1] = b.Len()
		fmt.Fprintf(b, "%d 0 obj\n%s\nendobj\n", n+1, body)
	}
	second = b.Len()
	b.WriteString("4 0 obj\n(second)\nendobj\n")
	return offs, second
}

func entryLine(off int, kind string) string { return fmt.Sprintf("%010d 00000 %s\r\n", off, kind) }

// row is a cross-reference stream row with W [1 4 1].
func row(typ byte, off int) []byte {
	return []byte{typ, byte(off >> 24), byte(off >> 16), byte(off >> 8), byte(off), 0}
}

func xrefStreamObj(b *bytes.Buffer, dict string, rows ...[]byte) int {
	off := b.Len()
	data := bytes.Join(rows, nil)
	fmt.Fprintf(b, "5 0 obj\n<</Type/XRef/W[1 4 1]/Size 6%s/Length %d>>\nstream\n", dict, len(data))
	b.Write(data)
	b.WriteString("\nendstream\nendobj\n")
	return off
}

// A cross-reference section that gives an object two different entries is
// ErrAmbiguous (not repaired around); repeats that agree, free entries
// repeated, and a hybrid file whose stream adds what its table leaves
// free are not.
func TestAmbiguousSections(t *testing.T) {
	table := func(tail func(offs [5]int, second int) string, trailer string) []byte {
		var b bytes.Buffer
		offs, second := twoFours(&b)
		x := b.Len()
		b.WriteString("xref\n0 5\n" + entryLine(0, "f"))
		for n := 1; n <= 4; n++ {
			b.WriteString(entryLine(offs[n], "n"))
		}
		b.WriteString(tail(offs, second))
		fmt.Fprintf(&b, "trailer\n<</Size 5/Root 1 0 R%s>>\nstartxref\n%d\n%%%%EOF\n", trailer, x)
		return b.Bytes()
	}
	stream := func(index string, last func(offs [5]int, second int) []byte) []byte {
		var b bytes.Buffer
		offs, second := twoFours(&b)
		rows := [][]byte{row(0, 0)}
		for n := 1; n <= 4; n++ {
			rows = append(rows, row(1, offs[n]))
		}
		x := xrefStreamObj(&b, "/Root 1 0 R/Index["+index+"]", append(rows, last(offs, second))...)
		fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", x)
		return b.Bytes()
	}
	// hybrid has a table listing objects 0-4, object 4 as tableFour, and
	// a /XRefStm stream giving object 4 as streamFour.
	hybrid := func(tableFour string, streamFour func(offs [5]int, second int) []byte) []byte {
		var b bytes.Buffer
		offs, second := twoFours(&b)
		xs := xrefStreamObj(&b, "/Index[4 1]", streamFour(offs, second))
		x := b.Len()
		b.WriteString("xref\n0 5\n" + entryLine(0, "f"))
		for n := 1; n <= 3; n++ {
			b.WriteString(entryLine(offs[n], "n"))
		}
		if tableFour == "n" {
			b.WriteString(entryLine(offs[4], "n"))
		} else {
			b.WriteString(entryLine(0, "f"))
		}
		fmt.Fprintf(&b, "trailer\n<</Size 6/Root 1 0 R/XRefStm %d>>\nstartxref\n%d\n%%%%EOF\n", xs, x)
		return b.Bytes()
	}
	cases := []struct {
		name string
		file []byte
		four string // what object 4 reads; "" when the file is ambiguous
	}{
		{"table: overlapping subsections", table(func(_ [5]int, s int) string { return "4 1\n" + entryLine(s, "n") }, ""), ""},
		{"table: in use, then free", table(func(_ [5]int, _ int) string { return "4 1\n" + entryLine(0, "f") }, ""), ""},
		{"table: the same entry twice", table(func(o [5]int, _ int) string { return "4 1\n" + entryLine(o[4], "n") }, ""), "first"},
		{"table: object 0 twice", table(func(_ [5]int, _ int) string { return "0 1\n" + entryLine(0, "f") }, ""), "first"},
		{"table: a free entry twice", table(func(_ [5]int, _ int) string { return "5 1\n" + entryLine(0, "f") + "5 1\n" + entryLine(9, "f") }, ""), "first"},
		{"stream: overlapping /Index", stream("0 5 4 1", func(_ [5]int, s int) []byte { return row(1, s) }), ""},
		{"stream: in use, then free", stream("0 5 4 1", func(_ [5]int, _ int) []byte { return row(0, 0) }), ""},
		{"stream: the same row twice", stream("0 5 4 1", func(o [5]int, _ int) []byte { return row(1, o[4]) }), "first"},
		{"hybrid: table and stream disagree", hybrid("n", func(_ [5]int, s int) []byte { return row(1, s) }), ""},
		{"hybrid: table and stream agree", hybrid("n", func(o [5]int, _ int) []byte { return row(1, o[4]) }), "first"},
		{"hybrid: the stream adds what the table leaves free", hybrid("f", func(_ [5]int, s int) []byte { return row(1, s) }), "second"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Open(bytes.NewReader(c.file), int64(len(c.file)))
			if c.four == "" {
				if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "object 4 ") {
					t.Fatalf("Open: %v, want ErrAmbiguous about object 4", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o, err := f.Object(4); err != nil || string(o.(String)) != c.four || f.Repaired {
				t.Fatalf("object 4: %#v %v (repaired %v), want %q", o, err, f.Repaired, c.four)
			}
		})
	}
}
