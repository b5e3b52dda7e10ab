// Package testpdf writes small PDFs and incremental updates for tests that
// build their own files (attacks on signed documents, foreign signatures).
package testpdf

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
)

// Page is the page dictionary's body (without << >>) of Base's page,
// object 3; its content stream is object 4.
const Page = "/Type/Page/Parent 2 0 R/MediaBox[0 0 300 300]/Contents 4 0 R/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>"

// Content is the text Base's page shows.
const Content = "BT /F1 18 Tf 40 250 Td (Halo Natuna) Tj ET"

// Base returns a one-page PDF with a classic cross-reference table:
// catalog 1, page tree 2, page 3, content stream 4.
func Base() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := map[int]int{}
	for n, body := range []string{
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Count 1/Kids[3 0 R]>>",
		"<<" + Page + ">>",
		Stream(Content),
	} {
		offs[n+1] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n+1, body)
	}
	x := b.Len()
	b.WriteString("xref\n0 5\n0000000000 65535 f\r\n")
	for n := 1; n <= 4; n++ {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", offs[n])
	}
	fmt.Fprintf(&b, "trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", x)
	return b.Bytes()
}

// Stream is an unfiltered stream object's text.
func Stream(data string) string {
	return fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(data), data)
}

var (
	startxrefRe = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)
	sizeRe      = regexp.MustCompile(`/Size (\d+)`)
	rootRe      = regexp.MustCompile(`/Root (\d+ \d+ R)`)
)

// Update appends to b an incremental update (classic cross-reference
// section) that defines objs, keeping the newest /Root.
func Update(b []byte, objs map[int]string) ([]byte, error) {
	m := startxrefRe.FindSubmatch(b)
	sizes := sizeRe.FindAllSubmatch(b, -1)
	roots := rootRe.FindAllSubmatch(b, -1)
	if m == nil || sizes == nil || roots == nil {
		return nil, errors.New("testpdf: no trailer found")
	}
	size, _ := strconv.Atoi(string(sizes[len(sizes)-1][1]))
	var nums []int
	for n := range objs {
		nums = append(nums, n)
		size = max(size, n+1)
	}
	sort.Ints(nums)
	var u bytes.Buffer
	u.Write(b)
	offs := map[int]int{}
	for _, n := range nums {
		offs[n] = u.Len()
		fmt.Fprintf(&u, "%d 0 obj\n%s\nendobj\n", n, objs[n])
	}
	x := u.Len()
	u.WriteString("xref\n")
	for _, n := range nums {
		fmt.Fprintf(&u, "%d 1\n%010d 00000 n\r\n", n, offs[n])
	}
	fmt.Fprintf(&u, "trailer\n<</Size %d /Root %s /Prev %s>>\nstartxref\n%d\n%%%%EOF\n", size, roots[len(roots)-1][1], m[1], x)
	return u.Bytes(), nil
}

// Pages returns a PDF of n pages of 300 x 300 points, each with its own
// content stream of about perPage bytes of text operators, for benchmarks
// on longer documents.
func Pages(n, perPage int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := map[int]int{}
	obj := func(num int, body string) {
		offs[num] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", num, body)
	}
	var kids bytes.Buffer
	for i := range n {
		fmt.Fprintf(&kids, "%d 0 R ", 3+2*i)
	}
	obj(1, "<</Type/Catalog/Pages 2 0 R>>")
	obj(2, fmt.Sprintf("<</Type/Pages/Count %d/Kids[%s]>>", n, kids.String()))
	for i := range n {
		var c bytes.Buffer
		for c.Len() < perPage {
			fmt.Fprintf(&c, "BT /F1 9 Tf 20 %d Td (Halaman %d: Pemerintah Kabupaten Natuna) Tj ET\n", 20+c.Len()%260, i+1)
		}
		obj(3+2*i, fmt.Sprintf("<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 300]/Contents %d 0 R/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>>>", 4+2*i))
		obj(4+2*i, Stream(c.String()))
	}
	size := 3 + 2*n
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", size)
	for num := 1; num < size; num++ {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", offs[num])
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", size, x)
	return b.Bytes()
}
