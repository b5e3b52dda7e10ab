package pdfsign

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/preview"
)

// Cross-reference sections that define an object twice (issue 17): PDFium
// takes the last entry, besign, poppler, MuPDF and qpdf the first. The
// files are made by testpdf.Ambiguous and ambiguousUpdate.

const (
	budiText = testpdf.BudiText
	eveText  = testpdf.EveText
)

var textContent = testpdf.TextContent

// signWith signs b with the package's own Sign (a new invisible field).
func signWith(t *testing.T, b []byte, field string, ec bool) []byte {
	t.Helper()
	rsaPKI, ecPKI := pkis()
	p := rsaPKI
	if ec {
		p = ecPKI
	}
	var out bytes.Buffer
	if err := Sign(&out, bytes.NewReader(b), int64(len(b)), Options{Signer: p.Key, Chain: p.Chain(), FieldName: field}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// The ways one cross-reference section can give object 4 two entries.
var ambiguousKinds = []string{"table", "stream", "hybrid"}

var lastSizeRe = regexp.MustCompile(`/Size (\d+)`)

// ambiguousUpdate appends to signed an update that defines object 4 anew
// (Eve's text) and whose cross-reference section lists object 4 twice:
// first where the signed revision has it, then the new definition.
func ambiguousUpdate(t *testing.T, signed []byte, kind string) []byte {
	t.Helper()
	m := startxrefRe.FindSubmatch(signed)
	sizes := lastSizeRe.FindAllSubmatch(signed, -1)
	orig := bytes.Index(signed, []byte("\n4 0 obj")) + 1
	if m == nil || sizes == nil || orig == 0 {
		t.Fatal("signed file without startxref, /Size or object 4")
	}
	prev, _ := strconv.Atoi(string(m[1]))
	size, _ := strconv.Atoi(string(sizes[len(sizes)-1][1]))
	var b bytes.Buffer
	b.Write(signed)
	eve := b.Len()
	fmt.Fprintf(&b, "4 0 obj\n%s\nendobj\n", testpdf.Stream(textContent(eveText)))
	var x int
	switch kind {
	case "table":
		x = b.Len()
		fmt.Fprintf(&b, "xref\n4 1\n%s4 1\n%strailer\n<</Size %d/Root 1 0 R/Prev %d>>\n", testpdf.TableLine(orig), testpdf.TableLine(eve), size, prev)
	case "stream":
		x = testpdf.XrefStream(&b, size, fmt.Sprintf("/Size %d/Index[4 1 4 1]/Root 1 0 R/Prev %d", size+1, prev), testpdf.XrefRow(orig), testpdf.XrefRow(eve))
	case "hybrid":
		xs := testpdf.XrefStream(&b, size, fmt.Sprintf("/Size %d/Index[4 1]", size+1), testpdf.XrefRow(eve))
		x = b.Len()
		fmt.Fprintf(&b, "xref\n4 1\n%strailer\n<</Size %d/Root 1 0 R/Prev %d/XRefStm %d>>\n", testpdf.TableLine(orig), size+1, prev, xs)
	}
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", x)
	return b.Bytes()
}

// Signing a file whose cross-reference section lists an object twice is
// refused: the preview (PDFium) may have shown another page than the one
// every other reader shows under the signature.
func TestSignRefusesAmbiguousXref(t *testing.T) {
	rsaPKI, _ := pkis()
	for _, kind := range ambiguousKinds {
		t.Run(kind, func(t *testing.T) {
			in := testpdf.Ambiguous(kind)
			var out bytes.Buffer
			err := Sign(&out, bytes.NewReader(in), int64(len(in)), Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain()})
			if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "object 4") {
				t.Fatalf("Sign: %v, want ErrAmbiguous naming object 4", err)
			}
			if _, err := Verify(bytes.NewReader(in), int64(len(in)), nil); !errors.Is(err, ErrAmbiguous) {
				t.Fatalf("Verify: %v, want ErrAmbiguous", err)
			}
		})
	}
	// The same files listing object 4 once are fine.
	for _, kind := range []string{"budi", "eve"} {
		signWith(t, testpdf.Ambiguous(kind), "Sah", false)
	}
}

// An update whose cross-reference section lists an object twice, the
// first entry unchanged: besign read the first and called the signature
// valid and unchanged while PDFium shows the second.
func TestVerifyAmbiguousUpdate(t *testing.T) {
	rsaPKI, _ := pkis()
	signed := signWith(t, basePDF(), "Sah", false)
	for _, kind := range ambiguousKinds {
		t.Run(kind, func(t *testing.T) {
			b := ambiguousUpdate(t, signed, kind)
			infos, err := Verify(bytes.NewReader(b), int64(len(b)), rootsOf(rsaPKI))
			if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "object 4 ") {
				t.Fatalf("Verify: %v %+v, want ErrAmbiguous naming object 4", err, infos)
			}
		})
	}
}

var (
	pdfiumOnce sync.Once
	pdfium     *preview.Renderer
)

// pdfiumPage renders page 1 with PDFium (the preview's engine), one
// renderer for the whole test binary.
func pdfiumPage(t *testing.T, b []byte) image.Image {
	t.Helper()
	pdfiumOnce.Do(func() { pdfium = preview.New(filepath.Join(os.TempDir(), "besign-pdfsign-test-wasm")) })
	path := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := pdfium.Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer doc.Close()
	img, err := doc.Render(1, 300)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

// The attack files are real: PDFium draws Eve's page where poppler reads
// Budi's (MuPDF and qpdf read Budi's too). In the hybrid file every reader
// tried takes the table's entry, but a reader that looks in the stream
// first would not, and a conforming file never says both.
func TestAmbiguousXrefReaders(t *testing.T) {
	requireTools(t)

	budi, eve := pdfiumPage(t, testpdf.Ambiguous("budi")), pdfiumPage(t, testpdf.Ambiguous("eve"))
	if samePixels(budi, eve) {
		t.Fatal("Budi's and Eve's pages render the same")
	}
	for _, c := range []struct{ kind, pdfium, poppler string }{
		{"table", eveText, budiText},
		{"stream", eveText, budiText},
		{"hybrid", budiText, budiText},
	} {
		t.Run(c.kind, func(t *testing.T) {
			b := testpdf.Ambiguous(c.kind)
			want := budi
			if c.pdfium == eveText {
				want = eve
			}
			if !samePixels(pdfiumPage(t, b), want) {
				t.Errorf("PDFium does not draw %q", c.pdfium)
			}
			if out := popplerText(t, b); !strings.Contains(out, c.poppler) {
				t.Errorf("pdftotext: %q, want %q", out, c.poppler)
			}
		})
	}
	// After signing: the update's second entry is what PDFium draws, while
	// the first (unchanged) is what besign read before it refused them.
	signed := signWith(t, basePDF(), "Sah", false)
	plain := pdfiumPage(t, appendUpdate(t, signed, map[int]string{4: testpdf.Stream(textContent(eveText))}))
	for _, kind := range []string{"table", "stream"} {
		b := ambiguousUpdate(t, signed, kind)
		if !samePixels(pdfiumPage(t, b), plain) {
			t.Errorf("%s update: PDFium does not draw the second entry", kind)
		}
		if out := popplerText(t, b); !strings.Contains(out, "Halo Natuna") {
			t.Errorf("%s update: pdftotext %q, want the signed text", kind, out)
		}
	}
}

func popplerText(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
