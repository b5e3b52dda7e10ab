package testpdf

import (
	"bytes"
	"fmt"
)

// The texts of Ambiguous's two readings of its page.
const (
	BudiText = "Bayar 100 ke Budi"
	EveText  = "Bayar 1000000 ke Eve"
)

// TextContent is a content stream showing s in Helvetica (Page's font F1).
func TextContent(s string) string { return "BT /F1 18 Tf 40 200 Td (" + s + ") Tj ET" }

// XrefRow is a cross-reference stream row (W [1 4 1]) for an object at off.
func XrefRow(off int) []byte {
	return []byte{1, byte(off >> 24), byte(off >> 16), byte(off >> 8), byte(off), 0}
}

// XrefStream writes to b object num, an unfiltered cross-reference stream
// (W [1 4 1]) with more dictionary entries and rows, and returns its offset.
func XrefStream(b *bytes.Buffer, num int, dict string, rows ...[]byte) int {
	off := b.Len()
	data := bytes.Join(rows, nil)
	fmt.Fprintf(b, "%d 0 obj\n<</Type/XRef/W[1 4 1]%s/Length %d>>\nstream\n", num, dict, len(data))
	b.Write(data)
	b.WriteString("\nendstream\nendobj\n")
	return off
}

// TableLine is a classic table entry for an object in use at off.
func TableLine(off int) string { return fmt.Sprintf("%010d 00000 n\r\n", off) }

// Ambiguous is a one-page PDF whose page content, object 4, is defined
// twice in the body (Budi's text, then Eve's) and whose one
// cross-reference section lists object 4 twice, Budi's entry first, in the
// way kind says:
//
//	table:  a classic table whose subsections "0 5" and "4 1" overlap;
//	stream: a cross-reference stream with /Index [0 5 4 1];
//	hybrid: a table ("0 5") whose /XRefStm stream gives object 4 elsewhere.
//
// "budi" and "eve" list only one of them: the two readings.
func Ambiguous(kind string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := map[int]int{}
	for n, body := range []string{
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Count 1/Kids[3 0 R]>>",
		"<<" + Page + ">>",
		Stream(TextContent(BudiText)),
	} {
		offs[n+1] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n+1, body)
	}
	eve := b.Len()
	fmt.Fprintf(&b, "4 0 obj\n%s\nendobj\n", Stream(TextContent(EveText)))
	table := func(four int) string {
		s := "0000000000 65535 f\r\n"
		for n := 1; n <= 3; n++ {
			s += TableLine(offs[n])
		}
		return s + TableLine(four)
	}
	var x int
	switch kind {
	case "budi", "eve", "table":
		four := offs[4]
		if kind == "eve" {
			four = eve
		}
		x = b.Len()
		b.WriteString("xref\n0 5\n" + table(four))
		if kind == "table" {
			b.WriteString("4 1\n" + TableLine(eve))
		}
		b.WriteString("trailer\n<</Size 5/Root 1 0 R>>\n")
	case "stream":
		rows := [][]byte{{0, 0, 0, 0, 0, 255}}
		for n := 1; n <= 4; n++ {
			rows = append(rows, XrefRow(offs[n]))
		}
		x = XrefStream(&b, 5, "/Size 6/Index[0 5 4 1]/Root 1 0 R", append(rows, XrefRow(eve))...)
	case "hybrid":
		xs := XrefStream(&b, 5, "/Size 6/Index[4 1]", XrefRow(eve))
		x = b.Len()
		b.WriteString("xref\n0 5\n" + table(offs[4]))
		fmt.Fprintf(&b, "trailer\n<</Size 6/Root 1 0 R/XRefStm %d>>\n", xs)
	default:
		panic("testpdf: no ambiguous kind " + kind)
	}
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", x)
	return b.Bytes()
}
