package pdfsign

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
	"github.com/natunakab/besign/pdfsign/testpdf"
)

// Structures other than the cross-reference section on which readers
// disagree (issue 17). Each file is generated here; the readers' choices
// were seen with PDFium (the preview), pdftotext, mutool and qpdf and are
// pinned by TestDisagreeReaders.

// onePage is a PDF with catalog 1, page tree 2, page 3 (body page, without
// << >>) and the further objects from 4 on, with a classic table.
func onePage(page string, objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	bodies := append([]string{"<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Count 1/Kids[3 0 R]>>", "<<" + page + ">>"}, objs...)
	var offs []int
	for n, body := range bodies {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n+1, body)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(bodies)+1)
	for _, o := range offs {
		b.WriteString(testpdf.TableLine(o))
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(bodies)+1, x)
	return b.Bytes()
}

// coverEve paints the page white and shows Eve's text: appended to Budi's
// content it leaves only Eve's text visible.
var coverEve = "\n1 1 1 rg 0 0 300 300 re f 0 g " + textContent(eveText)

// lengthPDF is a page whose content stream's /Length reaches past an
// "endstream" that follows Budi's text, then Eve's text:
//
//	inside: the /Length ends at a second "endstream" (a valid file: PDFium
//	        and poppler show Eve, MuPDF stops at the first and shows Budi);
//	past:   no "endstream" where the /Length ends (PDFium and MuPDF show
//	        Budi, poppler reads the /Length and shows Eve).
func lengthPDF(kind string) []byte {
	a := textContent(budiText)
	data := a + "\nendstream\n" + coverEve
	var s string
	switch kind {
	case "inside":
		s = fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(data), data)
	case "past":
		s = fmt.Sprintf("<</Length %d>>\nstream\n%s", len(data)+1, data)
	default:
		panic("no length kind " + kind)
	}
	return onePage(testpdf.Page, s)
}

var lengthKinds = []string{"inside", "past"}

func TestSignRefusesStreamLengthPastEndstream(t *testing.T) {
	rsaPKI, _ := pkis()
	for _, kind := range lengthKinds {
		t.Run(kind, func(t *testing.T) {
			in := lengthPDF(kind)
			var out bytes.Buffer
			err := Sign(&out, bytes.NewReader(in), int64(len(in)), Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain()})
			if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "object 4") {
				t.Fatalf("Sign: %v, want ErrAmbiguous naming object 4", err)
			}
		})
	}
	// A /Length too short (no "endstream" where it ends) is read up to the
	// "endstream" by every reader: no reason to refuse.
	short := onePage(testpdf.Page, fmt.Sprintf("<</Length 10>>\nstream\n%s\nendstream", textContent(budiText)))
	signWith(t, short, "Sah", false)
}

// A signature over a page whose content stream readers cut at different
// places: valid before, now the file's error.
func TestVerifyStreamLengthPastEndstream(t *testing.T) {
	rsaPKI, _ := pkis()
	for _, kind := range lengthKinds {
		t.Run(kind, func(t *testing.T) {
			spec := sigSpec{field: "Sah", subFilter: "ETSI.CAdES.detached", fieldNum: 5}
			b := signUpdate(t, lengthPDF(kind), spec, goSign(t, rsaPKI))
			infos, err := Verify(bytes.NewReader(b), int64(len(b)), rootsOf(rsaPKI))
			if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "object 4") {
				t.Fatalf("Verify: %v %+v, want ErrAmbiguous naming object 4", err, infos)
			}
		})
	}
}

// An update that repeats the signed page's dictionary with "/Contents null"
// at its end: every reader takes the last value, and null means absent, so
// the page is blank; besign kept the first value and called the signature
// valid and unchanged.
func TestVerifyNullKeyUpdate(t *testing.T) {
	rsaPKI, _ := pkis()
	signed := signWith(t, basePDF(), "Sah", false)
	page := lastObject(t, signed, 3)
	b := appendUpdate(t, signed, map[int]string{3: strings.TrimSuffix(page, ">>") + "/Contents null>>"})
	infos, err := Verify(bytes.NewReader(b), int64(len(b)), rootsOf(rsaPKI))
	if err != nil || len(infos) != 1 {
		t.Fatalf("Verify: %v %+v", err, infos)
	}
	if infos[0].Valid || infos[0].Modifications != ModOther || !strings.Contains(infos[0].Problem, "page 1") {
		t.Fatalf("got valid=%v modifications=%q problem=%q, want not valid, other, naming page 1", infos[0].Valid, infos[0].Modifications, infos[0].Problem)
	}
}

// A repeated key: every reader takes the last occurrence, besign too.
// Pinned so that a parser change is noticed.
func TestDuplicateKeyLastWins(t *testing.T) {
	for _, c := range []struct {
		in   string
		want pdf.Object
	}{
		{"<</Contents 4 0 R/Contents 5 0 R>>", pdf.Ref{Num: 5}},
		{"<</Contents 4 0 R/Contents null>>", nil},
		{"<</Contents null/Contents 4 0 R>>", pdf.Ref{Num: 4}},
	} {
		o, err := pdf.ParseObject([]byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		if got := o.(pdf.Dict)["Contents"]; got != c.want {
			t.Errorf("%s: /Contents %v, want %v", c.in, got, c.want)
		}
	}
}

func mupdfText(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("mutool", "draw", "-q", "-F", "txt", path).Output()
	if err != nil {
		t.Fatalf("mutool draw: %v", err)
	}
	return string(out)
}

// The readers' choices the tests above rely on.
func TestDisagreeReaders(t *testing.T) {
	requireTools(t)
	budiPDF := onePage(testpdf.Page, testpdf.Stream(textContent(budiText)))
	evePDF := onePage(testpdf.Page, testpdf.Stream(textContent(eveText)))
	budi, eve := pdfiumPage(t, budiPDF), pdfiumPage(t, evePDF)
	if samePixels(budi, eve) {
		t.Fatal("Budi's and Eve's pages render the same")
	}
	shows := func(b []byte, want string) {
		t.Helper()
		img := pdfiumPage(t, b)
		if (want == budiText && !samePixels(img, budi)) || (want == eveText && !samePixels(img, eve)) {
			t.Errorf("PDFium does not show %q", want)
		}
	}

	// Duplicate keys: the last one, everywhere.
	dup := onePage(strings.Replace(testpdf.Page, "/Contents 4 0 R", "/Contents 4 0 R/Contents 5 0 R", 1),
		testpdf.Stream(textContent(budiText)), testpdf.Stream(textContent(eveText)))
	shows(dup, eveText)
	if out := popplerText(t, dup); !strings.Contains(out, eveText) || strings.Contains(out, budiText) {
		t.Errorf("duplicate /Contents: pdftotext %q", out)
	}
	if out := mupdfText(t, dup); !strings.Contains(out, eveText) || strings.Contains(out, budiText) {
		t.Errorf("duplicate /Contents: mutool %q", out)
	}

	// /Length past an "endstream".
	inside := lengthPDF("inside")
	shows(inside, eveText)
	if out := popplerText(t, inside); !strings.Contains(out, "ke Eve") {
		t.Errorf("inside: pdftotext %q, want Eve's text", out)
	}
	if out := mupdfText(t, inside); strings.Contains(out, "ke Eve") {
		t.Errorf("inside: mutool %q, want Budi's text only", out)
	}
	past := lengthPDF("past")
	shows(past, budiText)
	if out := popplerText(t, past); !strings.Contains(out, "ke Eve") {
		t.Errorf("past: pdftotext %q, want Eve's text", out)
	}

	// The null update: PDFium draws an empty page.
	signed := signWith(t, basePDF(), "Sah", false)
	page := lastObject(t, signed, 3)
	nulled := appendUpdate(t, signed, map[int]string{3: strings.TrimSuffix(page, ">>") + "/Contents null>>"})
	blank := onePage(strings.Replace(testpdf.Page, "/Contents 4 0 R", "", 1))
	if !samePixels(pdfiumPage(t, nulled), pdfiumPage(t, blank)) {
		t.Error("PDFium draws the page of the null update")
	}
	if out := popplerText(t, nulled); strings.Contains(out, "Halo") {
		t.Errorf("null update: pdftotext %q, want an empty page", out)
	}
}

// misnumbered is a page whose content stream, object 4 (Budi's text), has
// its entry pointing at the header of object 5 (an empty stream). PDFium takes the entry's place as wrong and draws an empty page; poppler,
// MuPDF, qpdf and besign rebuild the table and show Budi's text: the
// signer would sign a page they saw blank.
func misnumbered() []byte {
	b := onePage(testpdf.Page, testpdf.Stream(textContent(budiText)), testpdf.Stream(""))
	o4 := bytes.Index(b, []byte("\n4 0 obj")) + 1
	o5 := bytes.Index(b, []byte("\n5 0 obj")) + 1
	return bytes.Replace(b, []byte(testpdf.TableLine(o4)), []byte(testpdf.TableLine(o5)), 1)
}

func TestMisnumberedObject(t *testing.T) {
	rsaPKI, _ := pkis()
	in := misnumbered()
	var out bytes.Buffer
	err := Sign(&out, bytes.NewReader(in), int64(len(in)), Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain()})
	if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "object 4") {
		t.Fatalf("Sign: %v, want ErrAmbiguous naming object 4", err)
	}
	spec := sigSpec{field: "Sah", subFilter: "ETSI.CAdES.detached", fieldNum: 6}
	b := signUpdate(t, in, spec, goSign(t, rsaPKI))
	infos, err := Verify(bytes.NewReader(b), int64(len(b)), rootsOf(rsaPKI))
	if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "object 4") {
		t.Fatalf("Verify: %v %+v, want ErrAmbiguous naming object 4", err, infos)
	}
}

func TestMisnumberedReaders(t *testing.T) {
	requireTools(t)
	b := misnumbered()
	blank := onePage(strings.Replace(testpdf.Page, "/Contents 4 0 R", "", 1))
	if !samePixels(pdfiumPage(t, b), pdfiumPage(t, blank)) {
		t.Error("PDFium does not draw an empty page")
	}
	if out := popplerText(t, b); !strings.Contains(out, budiText) {
		t.Errorf("pdftotext %q, want Budi's text", out)
	}
	if out := mupdfText(t, b); !strings.Contains(out, budiText) {
		t.Errorf("mutool %q, want Budi's text", out)
	}
}
