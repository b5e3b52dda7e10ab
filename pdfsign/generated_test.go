package pdfsign

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pdfBuilder writes small PDFs with the structures the corpus lacks.
type pdfBuilder struct {
	b    bytes.Buffer
	offs map[int]int
	eol  string
}

func (p *pdfBuilder) obj(n int, body string) {
	p.offs[n] = p.b.Len()
	fmt.Fprintf(&p.b, "%d 0 obj%s%s%sendobj%s", n, p.eol, body, p.eol, p.eol)
}

const pageContent = "BT /F1 18 Tf 40 250 Td (Halo Natuna) Tj ET"

// hybridPDF has a classic table plus an /XRefStm naming the page, which
// lives in an object stream.
func hybridPDF() []byte {
	p := &pdfBuilder{offs: map[int]int{}, eol: "\n"}
	p.b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	p.obj(1, "<</Type/Catalog/Pages 2 0 R>>")
	p.obj(2, "<</Type/Pages/Count 1/Kids[3 0 R]>>")
	p.obj(4, fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(pageContent), pageContent))
	page := "<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 300]/Contents 4 0 R/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>>>"
	header := "3 0 "
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(header + page))
	zw.Close()
	p.offs[5] = p.b.Len()
	fmt.Fprintf(&p.b, "5 0 obj\n<</Type/ObjStm/N 1/First %d/Filter/FlateDecode/Length %d>>\nstream\n", len(header), z.Len())
	p.b.Write(z.Bytes())
	p.b.WriteString("\nendstream\nendobj\n")
	// The cross-reference stream for object 3 (type 2: in stream 5).
	row := []byte{2, 0, 5, 0}
	p.offs[6] = p.b.Len()
	fmt.Fprintf(&p.b, "6 0 obj\n<</Type/XRef/Size 7/W[1 2 1]/Index[3 1]/Length %d>>\nstream\n", len(row))
	p.b.Write(row)
	p.b.WriteString("\nendstream\nendobj\n")
	x := p.b.Len()
	p.b.WriteString("xref\n0 7\n0000000000 65535 f\r\n")
	for n := 1; n <= 6; n++ {
		if n == 3 {
			p.b.WriteString("0000000000 00001 f\r\n")
			continue
		}
		fmt.Fprintf(&p.b, "%010d 00000 n\r\n", p.offs[n])
	}
	fmt.Fprintf(&p.b, "trailer\n<</Size 7/Root 1 0 R/XRefStm %d>>\nstartxref\n%d\n%%%%EOF\n", p.offs[6], x)
	return p.b.Bytes()
}

// oddWhitespacePDF uses CR line ends, tabs, form feeds, comments and
// 20-byte "space CR" xref entries.
func oddWhitespacePDF() []byte {
	p := &pdfBuilder{offs: map[int]int{}, eol: "\r"}
	p.b.WriteString("%PDF-1.3\r%comment line\r")
	p.obj(1, "<<\t/Type\f/Catalog %a comment\r  /Pages   2\t0\tR >>")
	p.obj(2, "<< /Type /Pages /Kids [ 3 0 R ]\t/Count 1 /MediaBox [0 0 300.0 300] >>")
	p.obj(3, "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	p.obj(4, fmt.Sprintf("<< /Length %d >>\rstream\r\n%s\rendstream", len(pageContent), pageContent))
	p.obj(5, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	x := p.b.Len()
	p.b.WriteString("xref\r0 6\r0000000000 65535 f \r")
	for n := 1; n <= 5; n++ {
		fmt.Fprintf(&p.b, "%010d 00000 n \r", p.offs[n])
	}
	fmt.Fprintf(&p.b, "trailer\r<< /Size 6 /Root 1 0 R >>\rstartxref\r%d\r%%%%EOF", x)
	return p.b.Bytes()
}

func TestGeneratedStructures(t *testing.T) {
	k := getKit(t)
	for name, data := range map[string][]byte{"hybrid.pdf": hybridPDF(), "oddwhitespace.pdf": oddWhitespacePDF()} {
		t.Run(name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(in, data, 0o644); err != nil {
				t.Fatal(err)
			}
			// The generated input must itself be clean for qpdf.
			if out, err := run("qpdf", "--check", in); err != nil || !strings.Contains(out, "No syntax or stream encoding errors") {
				t.Fatalf("generated file rejected by qpdf: %v\n%s", err, out)
			}
			signTwiceAndValidate(t, k, in, name)
		})
	}
}

func TestCertifiedNoChanges(t *testing.T) {
	rsaPKI, _ := pkis()
	base := oddWhitespacePDF()
	for _, c := range []struct {
		p    int
		want error
	}{{1, ErrCertified}, {2, nil}} {
		var b bytes.Buffer
		b.Write(base)
		prev := bytes.LastIndex(base, []byte("\rxref\r")) + 1
		o1 := b.Len()
		b.WriteString("\n1 0 obj <</Type/Catalog/Pages 2 0 R/Perms<</DocMDP 6 0 R>>>> endobj\n")
		o6 := b.Len()
		fmt.Fprintf(&b, "6 0 obj <</Type/Sig/Reference[<</Type/SigRef/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/P %d/V/1.2>>>>]>> endobj\n", c.p)
		x := b.Len()
		fmt.Fprintf(&b, "xref\n1 1\n%010d 00000 n\r\n6 1\n%010d 00000 n\r\ntrailer\n<</Size 7/Root 1 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n", o1+1, o6, prev, x)
		var out bytes.Buffer
		err := Sign(&out, bytes.NewReader(b.Bytes()), int64(b.Len()), Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain()})
		if !errors.Is(err, c.want) {
			t.Errorf("P=%d: %v, want %v", c.p, err, c.want)
		}
	}
}
