package screens

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/natunakab/besign/docqueue"
)

// prepareIn opens Siapkan Dokumen on the selected document, chooses
// action and fills the page entry.
func prepareIn(h *harness, action, pages string) *prepareDialog {
	h.t.Helper()
	tab := h.ui.sign
	h.tap(tab.prepareBtn)
	p := tab.prepDialog
	if p == nil {
		h.t.Fatal("Siapkan Dokumen did not open")
	}
	p.action.SetSelected(action)
	if pages != "" {
		if action == "Ubah urutan halaman" {
			h.typeIn(p.order, pages)
		} else {
			h.typeIn(p.pages, pages)
		}
	}
	return p
}

// A damaged file is queued with a plain warning and Perbaiki, which queues
// a clean copy (beside it, the original untouched) in its place.
func TestQueueRepair(t *testing.T) {
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf is not installed")
	}
	h, _ := signReady(t)
	tab := h.ui.sign
	dir := t.TempDir()
	good := writePDF(t, dir, "baik.pdf", a4, a4)
	b := must(os.ReadFile(good))
	bad := filepath.Join(dir, "rusak.pdf")
	if err := os.WriteFile(bad, regexp.MustCompile(`startxref\n\d+`).ReplaceAll(b, []byte("startxref\n40")), 0o644); err != nil {
		t.Fatal(err)
	}
	h.ui.OpenFiles([]string{bad})
	h.wait()
	if len(tab.docs) != 1 || !strings.HasPrefix(tab.row(0), "rusak.pdf") || !strings.Contains(tab.row(0), "Rusak: dapat diperbaiki") {
		t.Fatalf("row %q (%q)", tab.row(0), shown(tab.addMsg))
	}
	if msg := shown(tab.checkMsg); !strings.Contains(msg, "tabel referensi silang") || !tab.repairBtn.Visible() {
		t.Fatalf("warning %q, Perbaiki shown %v", msg, tab.repairBtn.Visible())
	}
	before := must(os.ReadFile(bad))
	h.tap(tab.repairBtn)
	h.wait()
	out := filepath.Join(dir, "rusak_prepared.pdf")
	q := h.queued()
	if len(q) != 1 || q[0].Path != out || q[0].Pages != 2 || len(tab.docs) != 1 || tab.current().Path != out {
		t.Fatalf("queue after Perbaiki: %+v (%q)", q, shown(tab.addMsg))
	}
	if shown(tab.checkMsg) != "" || tab.repairBtn.Visible() || !strings.Contains(shown(tab.prepMsg), "rusak_prepared.pdf") || shown(tab.addMsg) != "" {
		t.Fatalf("after Perbaiki: %q / %q / %q", shown(tab.checkMsg), shown(tab.prepMsg), shown(tab.addMsg))
	}
	if !bytes.Equal(must(os.ReadFile(bad)), before) {
		t.Fatal("the original was written")
	}
	if o, err := exec.Command("qpdf", "--check", out).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check of the repaired copy: %v\n%s", err, o)
	}
}

// Pages removed, reordered and turned, documents merged in the order set:
// each a new file beside the original, in its place in the queue; wrong
// page numbers are said in the dialog; a signed document is not touched.
func TestQueuePrepare(t *testing.T) {
	h, _ := signReady(t)
	tab := h.ui.sign
	dir := t.TempDir()
	land := testPage{w: 842, h: 595}
	letter := writePDF(t, dir, "surat.pdf", a4, a4, land)
	annex := writePDF(t, dir, "lampiran.pdf", land)
	h.ui.OpenFiles([]string{letter, annex})
	h.wait()
	tab.selectDoc(tab.docs[0].ID)
	h.wait()
	orig := must(os.ReadFile(letter))

	// a page that is not there
	p := prepareIn(h, "Hapus halaman", "4")
	h.tap(p.ok)
	h.wait()
	if !strings.HasPrefix(shown(p.msg), "Nomor halaman tidak cocok") || len(h.queued()) != 2 {
		t.Fatalf("page 4 of 3: %q", shown(p.msg))
	}
	p.d.Hide()
	// remove page 2
	p = prepareIn(h, "Hapus halaman", "2")
	h.tap(p.ok)
	h.wait()
	removed := filepath.Join(dir, "surat_prepared.pdf")
	if d := tab.current(); d == nil || d.Path != removed || d.Pages != 2 {
		t.Fatalf("after removing page 2: %+v (%q)", d, shown(tab.addMsg))
	}
	if f := must(docqueue.Read(removed, "")); f.PageSizes[1] != [2]float64{842, 595} {
		t.Fatalf("pages left %v", f.PageSizes)
	}
	// reorder: the landscape page first
	p = prepareIn(h, "Ubah urutan halaman", "2, 1")
	h.tap(p.ok)
	h.wait()
	reordered := filepath.Join(dir, "surat_prepared_prepared.pdf")
	if f := must(docqueue.Read(reordered, "")); tab.current().Path != reordered || f.PageSizes[0] != [2]float64{842, 595} {
		t.Fatalf("reordered %q: %v", tab.current().Path, f.PageSizes)
	}
	// turn page 2 (A4) a quarter: shown landscape
	p = prepareIn(h, "Putar halaman", "2")
	h.tap(p.ok)
	h.wait()
	turned := tab.current().Path
	if f := must(docqueue.Read(turned, "")); f.PageSizes[1] != [2]float64{842, 595} {
		t.Fatalf("turned %q: %v", turned, f.PageSizes)
	}
	// merge: the annex before the letter, by the arrows
	p = prepareIn(h, "Gabungkan dengan dokumen lain", "")
	if len(p.mergeDocs) != 2 || p.mergeDocs[1].Path != annex {
		t.Fatalf("to merge: %+v", p.mergeDocs)
	}
	h.tap(p.ok) // nothing ticked beside it
	if shown(p.msg) != "Centang paling sedikit satu dokumen lain untuk digabungkan." {
		t.Fatalf("merge alone: %q", shown(p.msg))
	}
	p.mergeOn[p.mergeDocs[1].ID] = true
	p.move(tab, 1, -1)
	h.tap(p.ok)
	h.wait()
	q := h.queued()
	if len(q) != 1 || q[0].Pages != 3 || len(tab.docs) != 1 {
		t.Fatalf("queue after merging: %+v", q)
	}
	if f := must(docqueue.Read(q[0].Path, "")); filepath.Dir(q[0].Path) != dir || !slices.Equal(f.PageSizes, [][2]float64{{842, 595}, {842, 595}, {842, 595}}) {
		t.Fatalf("merged %q: %v", q[0].Path, f.PageSizes)
	}
	if !bytes.Equal(must(os.ReadFile(letter)), orig) {
		t.Fatal("the original letter was written")
	}

	// a signed document: never rewritten, and the tab says why
	pr := h.openPrompt()
	h.typeIn(pr.entry, signPass)
	h.enter()
	h.wait()
	signed := tab.run.rows[0].output
	h.tap(tab.run.closeBtn)
	h.ui.OpenFiles([]string{signed})
	h.wait()
	files, _ := os.ReadDir(dir)
	tab.prepDialog = nil
	h.tap(tab.prepareBtn)
	if tab.prepDialog != nil || !strings.HasPrefix(shown(tab.addMsg), "Dokumen ini sudah memuat tanda tangan") {
		t.Fatalf("Siapkan Dokumen on a signed document: %q", shown(tab.addMsg))
	}
	if after, _ := os.ReadDir(dir); len(after) != len(files) {
		t.Fatal("a file was written")
	}
}

func TestParsePages(t *testing.T) {
	for in, want := range map[string][]int{"": nil, "2": {2}, "3, 1,2": {3, 1, 2}, "2-4 7": {2, 3, 4, 7}} {
		if got, err := parsePages(in); err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"0", "a", "3-1", "-2", "1-"} {
		if _, err := parsePages(in); err == nil {
			t.Errorf("%q read as pages", in)
		}
	}
}

// A password-protected PDF is not called damaged (pdfcpu gets no password)
// and Siapkan Dokumen says why it cannot prepare it.
func TestQueuePreparePasswordPDF(t *testing.T) {
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf is not installed")
	}
	h, _ := signReady(t)
	tab := h.ui.sign
	dir := t.TempDir()
	plain := writePDF(t, dir, "plain.pdf", a4)
	locked := filepath.Join(dir, "rahasia.pdf")
	if out, err := exec.Command("qpdf", "--encrypt", "kunci-77", "pemilik-77", "256", "--", plain, locked).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, out)
	}
	h.ui.OpenFiles([]string{locked})
	h.wait()
	h.typeIn(tab.pwDialog.entry, "kunci-77")
	h.enter()
	h.wait()
	if len(tab.docs) != 1 || strings.Contains(tab.row(0), "Rusak") || shown(tab.checkMsg) != "" {
		t.Fatalf("protected PDF: %q / %q", tab.row(0), shown(tab.checkMsg))
	}
	tab.prepDialog = nil
	h.tap(tab.prepareBtn)
	if tab.prepDialog != nil || !strings.HasPrefix(shown(tab.addMsg), "Dokumen yang dilindungi password tidak dapat disiapkan") {
		t.Fatalf("Siapkan Dokumen on a protected PDF: %q", shown(tab.addMsg))
	}
}
