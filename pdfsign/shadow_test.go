package pdfsign

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/natunakab/besign/pdfsign/testpdf"
)

// The shadow attack through undefined objects (issue 17, "what you see is
// what was signed"): a signed revision refers to objects it never defines,
// and a later update fills them in. Every attack file is generated here,
// deterministically.

const helv = "<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>"

// formXObject is a form XObject showing s.
func formXObject(s string) string {
	c := "BT /F1 12 Tf 2 10 Td (" + s + ") Tj ET"
	return fmt.Sprintf("<</Type/XObject/Subtype/Form/BBox[0 0 260 30]/Resources%s/Length %d>>\nstream\n%s\nendstream", helv, len(c), c)
}

// pageText is the text MuPDF draws on page 1 (page content, annotation
// appearances and XObjects included).
func pageText(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.pdf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// mutool exits 1 over the undefined objects of a shadow document, but
	// still draws the page.
	out, err := exec.Command("mutool", "draw", "-q", "-F", "txt", "-o", "-", path, "1").Output()
	if len(out) == 0 {
		t.Fatalf("mutool draw: %v", err)
	}
	return string(out)
}

// A signed revision that refers to an object it does not define, which a
// later update defines with visible text: the shadow attack through
// undefined objects. Verify must call that a change of kind "other".
func TestUndefinedObjectShadow(t *testing.T) {
	requireTools(t)
	rsaPKI, ecPKI := pkis()
	roots := rootsOf(rsaPKI)
	roots.AddCert(ecPKI.Root)
	// The prepared documents: object 4 is the page's visible content;
	// objects 40, 41 and 43 are referred to but not defined.
	cases := []struct {
		name     string
		prepared map[int]string
		attack   map[int]string
		referrer int
		hole     int
	}{
		{"undefined /Contents array entry",
			map[int]string{3: "<<" + strings.Replace(basePage, "/Contents 4 0 R", "/Contents[4 0 R 40 0 R]", 1) + ">>"},
			map[int]string{40: testpdf.Stream(textContent(eveText))}, 3, 40},
		{"undefined /Annots element",
			map[int]string{3: "<<" + basePage + "/Annots[41 0 R]>>"},
			map[int]string{
				41: "<</Type/Annot/Subtype/FreeText/Rect[30 190 290 220]/F 4/DA(/Helv 12 Tf 0 g)/Contents(" + eveText + ")/AP<</N 60 0 R>>>>",
				60: formXObject(eveText)}, 3, 41},
		{"undefined XObject in the page's resources",
			map[int]string{
				3:  "<<" + strings.Replace(strings.Replace(basePage, "/Contents 4 0 R", "/Contents 44 0 R", 1), "/Resources<<", "/Resources<</XObject<</X1 43 0 R>>", 1) + ">>",
				44: testpdf.Stream(testpdf.Content + " q 1 0 0 1 30 190 cm /X1 Do Q")},
			map[int]string{43: formXObject(eveText)}, 3, 43},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			signed := signWith(t, appendUpdate(t, basePDF(), c.prepared), "Sah", false)
			if s := verifyBytes(t, signed, roots); len(s) != 1 || !s[0].Valid || s[0].Modifications != ModNone {
				t.Fatalf("signed: %+v", s)
			}
			attacked := appendUpdate(t, signed, c.attack)
			// The attack is real: a reader shows the new text.
			if txt := pageText(t, signed); strings.Contains(txt, eveText) {
				t.Fatalf("the signed revision already shows %q:\n%s", eveText, txt)
			}
			if txt := pageText(t, attacked); !strings.Contains(txt, eveText) {
				t.Fatalf("mutool does not show the added text %q:\n%s", eveText, txt)
			}
			s := verifyBytes(t, attacked, roots)
			if len(s) != 1 || s[0].Valid || s[0].Modifications != ModOther || s[0].Integrity != Valid {
				t.Fatalf("attacked: %+v", s)
			}
			want := fmt.Sprintf("changed after signing: object %d, which object %d of the signed revision refers to but which was not defined there, was defined after signing", c.hole, c.referrer)
			if !strings.Contains(s[0].Problem, want) {
				t.Fatalf("problem %q, want %q", s[0].Problem, want)
			}
			// A later signature (new objects numbered from /Size) is still
			// only a signature.
			twice := signWith(t, signed, "Saksi", true)
			s = verifyBytes(t, twice, roots)
			if len(s) != 2 || !s[0].Valid || s[0].Modifications != ModSignatures || !s[1].Valid || s[1].Modifications != ModNone {
				t.Fatalf("signed twice: %+v", s)
			}
		})
	}
	// An object of the signed revision that is defined as null is not
	// defined either.
	t.Run("object defined as null", func(t *testing.T) {
		signed := signWith(t, appendUpdate(t, basePDF(), map[int]string{
			3:  "<<" + strings.Replace(basePage, "/Contents 4 0 R", "/Contents[4 0 R 40 0 R]", 1) + ">>",
			40: "null"}), "Sah", false)
		s := verifyBytes(t, appendUpdate(t, signed, map[int]string{40: testpdf.Stream(textContent(eveText))}), roots)
		if len(s) != 1 || s[0].Valid || s[0].Modifications != ModOther || !strings.Contains(s[0].Problem, "object 40, which object 3") {
			t.Fatalf("%+v", s)
		}
	})
	// References from the trailer count too (here /Info).
	t.Run("undefined /Info", func(t *testing.T) {
		prepared := bytes.Replace(basePDF(), []byte("/Root 1 0 R>>"), []byte("/Root 1 0 R/Info 45 0 R>>"), 1)
		signed := signWith(t, prepared, "Sah", false)
		s := verifyBytes(t, appendUpdate(t, signed, map[int]string{45: "<</Title(" + eveText + ")>>"}), roots)
		if len(s) != 1 || s[0].Valid || s[0].Modifications != ModOther || !strings.Contains(s[0].Problem, "object 45, which the trailer") {
			t.Fatalf("%+v", s)
		}
	})
}

// A document that refers to an object number at or above its /Size (a
// dangling reference some writers leave): the signer numbers its objects
// above every referenced number, so that a second signature never defines
// what the first signed revision refers to, which verify would rightly
// call a change of kind "other".
func TestSignNumbersAboveDanglingReferences(t *testing.T) {
	requireTools(t)
	rsaPKI, ecPKI := pkis()
	roots := rootsOf(rsaPKI)
	roots.AddCert(ecPKI.Root)
	prepared := appendUpdate(t, basePDF(), map[int]string{3: "<<" + basePage + ">>"})
	m := regexp.MustCompile(`/Size (\d+)`).FindAllSubmatch(prepared, -1)
	if m == nil {
		t.Fatal("no /Size in the prepared document")
	}
	size, _ := strconv.Atoi(string(m[len(m)-1][1]))
	// The page refers to the first numbers a signer would take from /Size.
	dangling := fmt.Sprintf("/Contents[4 0 R %d 0 R %d 0 R]", size, size+3)
	prepared = appendUpdate(t, prepared, map[int]string{3: "<<" + strings.Replace(basePage, "/Contents 4 0 R", dangling, 1) + ">>"})
	signed := signWith(t, prepared, "Sah", false)
	twice := signWith(t, signed, "Saksi", true)
	s := verifyBytes(t, twice, roots)
	if len(s) != 2 || !s[0].Valid || s[0].Modifications != ModSignatures || !s[1].Valid || s[1].Modifications != ModNone {
		t.Fatalf("signed twice over dangling references %d and %d: %+v", size, size+3, s)
	}
}
