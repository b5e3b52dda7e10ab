package docprep

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpki"
)

// pages writes a PDF whose page i shows "label i", classic
// cross-reference table; mediaBox "" is a 300x400 portrait page.
func pages(t *testing.T, dir, name, label string, n int, mediaBox string) string {
	t.Helper()
	if mediaBox == "" {
		mediaBox = "[0 0 300 400]"
	}
	kids := make([]string, n)
	for i := range n {
		kids[i] = fmt.Sprintf("%d 0 R", 3+2*i)
	}
	objs := []string{"<</Type/Catalog/Pages 2 0 R>>", fmt.Sprintf("<</Type/Pages/Count %d/Kids[%s]>>", n, strings.Join(kids, " "))}
	for i := range n {
		c := fmt.Sprintf("BT /F1 18 Tf 40 250 Td (%s %d) Tj ET", label, i+1)
		objs = append(objs,
			fmt.Sprintf("<</Type/Page/Parent 2 0 R/MediaBox%s/Contents %d 0 R/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>>>", mediaBox, 4+2*i),
			fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(c), c))
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offs := make([]int, len(objs))
	for k, o := range objs {
		offs[k] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", k+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (scripts/install-deps.sh test)", tool)
		}
	}
}

// texts are the pages' texts as poppler's pdftotext reads them, one per page.
func texts(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	var got []string
	for _, p := range strings.Split(strings.TrimRight(string(out), "\f\n"), "\f") {
		got = append(got, strings.TrimSpace(p))
	}
	return got
}

// qpdfCheck is an outside opinion: qpdf finds no error in path.
func qpdfCheck(t *testing.T, path string) {
	t.Helper()
	if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check %s: %v\n%s", filepath.Base(path), err, out)
	}
}

func sum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// rotations are the pages' turns as poppler's pdfinfo reports them.
func rotations(t *testing.T, path string, n int) []string {
	t.Helper()
	out, err := exec.Command("pdfinfo", "-f", "1", "-l", fmt.Sprint(n), path).Output()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range regexp.MustCompile(`(?m)^Page +\d+ rot: +(\d+)`).FindAllSubmatch(out, -1) {
		got = append(got, string(m[1]))
	}
	return got
}

// Merging keeps the order asked for; the result is a new valid file beside
// the first input, the inputs untouched.
func TestMerge(t *testing.T) {
	need(t, "pdftotext", "qpdf")
	dir := t.TempDir()
	a := pages(t, dir, "surat.pdf", "Surat", 2, "")
	b := pages(t, dir, "lampiran.PDF", "Lampiran", 1, "")
	sa, sb := sum(t, a), sum(t, b)
	out, err := Merge([]string{b, a})
	if err != nil {
		t.Fatal(err)
	}
	if out != filepath.Join(dir, "lampiran_prepared.pdf") {
		t.Errorf("merged into %s", out)
	}
	qpdfCheck(t, out)
	if got := texts(t, out); strings.Join(got, "|") != "Lampiran 1|Surat 1|Surat 2" {
		t.Errorf("merged pages %q", got)
	}
	if sum(t, a) != sa || sum(t, b) != sb {
		t.Error("an input changed")
	}
	if _, err := Merge(nil); !errors.Is(err, ErrNoInput) {
		t.Errorf("merge of nothing: %v", err)
	}
}

// Pages are removed, reordered and turned in new files; bad page numbers
// and turns are refused before anything is written.
func TestPages(t *testing.T) {
	need(t, "pdftotext", "pdfinfo", "qpdf")
	dir := t.TempDir()
	in := pages(t, dir, "nota.pdf", "Halaman", 3, "")

	out, err := RemovePages(in, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	qpdfCheck(t, out)
	if got := texts(t, out); strings.Join(got, "|") != "Halaman 1|Halaman 3" {
		t.Errorf("after removing page 2: %q", got)
	}
	out, err = Reorder(in, []int{3, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	qpdfCheck(t, out)
	if got := texts(t, out); strings.Join(got, "|") != "Halaman 3|Halaman 1|Halaman 2" {
		t.Errorf("reordered: %q", got)
	}
	if filepath.Base(out) != "nota_prepared (2).pdf" {
		t.Errorf("second copy named %s", filepath.Base(out))
	}
	out, err = Rotate(in, []int{1, 3}, -90)
	if err != nil {
		t.Fatal(err)
	}
	qpdfCheck(t, out)
	if got := rotations(t, out, 3); strings.Join(got, " ") != "270 0 270" {
		t.Errorf("turns %q, want 270 0 270", got)
	}
	// pdfsign's reader sees the turned page lying: 400 wide, 300 high
	f, st, err := pdfsign.OpenInput(out)
	if err != nil {
		t.Fatal(err)
	}
	facts, err := pdfsign.ReadFacts(f, st.Size(), "")
	f.Close()
	if err != nil || len(facts.PageSizes) != 3 || facts.PageSizes[0] != [2]float64{400, 300} || facts.PageSizes[1] != [2]float64{300, 400} {
		t.Errorf("page sizes after turning: %v, %v", facts.PageSizes, err)
	}

	before, _ := os.ReadDir(dir)
	for name, err := range map[string]error{
		"remove every page": func() error { _, err := RemovePages(in, []int{1, 2, 3}); return err }(),
		"remove page 4":     func() error { _, err := RemovePages(in, []int{4}); return err }(),
		"order missing one": func() error { _, err := Reorder(in, []int{2, 1}); return err }(),
		"order twice":       func() error { _, err := Reorder(in, []int{1, 1, 2}); return err }(),
		"turn 45":           func() error { _, err := Rotate(in, nil, 45); return err }(),
	} {
		if !errors.Is(err, ErrPages) && !errors.Is(err, ErrRotation) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if after, _ := os.ReadDir(dir); len(after) != len(before) {
		t.Errorf("refused changes wrote %d files", len(after)-len(before))
	}
}

// A signed document is never rewritten: its signatures would break.
func TestSignedRefused(t *testing.T) {
	dir := t.TempDir()
	in := pages(t, dir, "nota.pdf", "Halaman", 2, "")
	signed := filepath.Join(dir, "nota_signed.pdf")
	p := testpki.New(testpki.LeafOptions{})
	if err := pdfsign.SignFile(in, signed, pdfsign.Options{Signer: p.Key, Chain: p.Chain()}, pdfsign.FileOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := Check(signed)
	if err != nil || !r.Signed {
		t.Errorf("Check of a signed file: %+v, %v", r, err)
	}
	before, _ := os.ReadDir(dir)
	for name, f := range map[string]func() (string, error){
		"merge":   func() (string, error) { return Merge([]string{in, signed}) },
		"remove":  func() (string, error) { return RemovePages(signed, []int{1}) },
		"rotate":  func() (string, error) { return Rotate(signed, nil, 90) },
		"reorder": func() (string, error) { return Reorder(signed, []int{2, 1}) },
		"repair":  func() (string, error) { return Repair(signed) },
	} {
		if _, err := f(); !errors.Is(err, ErrSigned) {
			t.Errorf("%s of a signed file: %v", name, err)
		}
	}
	if after, _ := os.ReadDir(dir); len(after) != len(before) {
		t.Error("a refused change wrote a file")
	}
}

// A damaged document is found by the check: a broken cross-reference
// table is repaired into a copy that passes pdfcpu's check and qpdf's
// (which complains about the original); a page pdfcpu cannot read is said,
// and not "repaired".
func TestCheckAndRepair(t *testing.T) {
	need(t, "qpdf")
	dir := t.TempDir()
	good := pages(t, dir, "baik.pdf", "Halaman", 2, "")
	if r, err := Check(good); err != nil || !r.OK() || r.Pages != 2 || r.Signed || r.Broken {
		t.Fatalf("Check of a good file: %+v, %v", r, err)
	}
	// startxref points into the middle of the file, as after a bad edit
	b, _ := os.ReadFile(good)
	broken := regexp.MustCompile(`startxref\n\d+`).ReplaceAll(b, []byte("startxref\n40"))
	bad := filepath.Join(dir, "rusak.pdf")
	os.WriteFile(bad, broken, 0o644)
	if err := exec.Command("qpdf", "--check", bad).Run(); err == nil {
		t.Fatal("qpdf finds nothing wrong with the broken table: the test damages nothing")
	}
	r, err := Check(bad)
	if err != nil || r.OK() || !r.Broken {
		t.Fatalf("Check of a broken table: %+v, %v", r, err)
	}
	out, err := Repair(bad)
	if err != nil {
		t.Fatalf("Repair: %v", err)
	}
	if r, err := Check(out); err != nil || !r.OK() || r.Pages != 2 {
		t.Errorf("the repaired copy: %+v, %v", r, err)
	}
	qpdfCheck(t, out)

	unreadable := pages(t, dir, "kotak.pdf", "Halaman", 2, "[0 0 300]")
	if r, err := Check(unreadable); err != nil || r.OK() {
		t.Fatalf("Check of a three-number MediaBox: %+v, %v", r, err)
	}
	if _, err := Repair(unreadable); !errors.Is(err, ErrDamaged) {
		t.Errorf("Repair of what pdfcpu cannot read: %v", err)
	}
}
