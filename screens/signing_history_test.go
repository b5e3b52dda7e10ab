package screens

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/history"
)

// After signing, a desktop that cannot open files (no xdg-open) keeps the
// success line and offers the folder's path to copy, in words, never the
// Go error; "Verifikasi Dokumen" checks the signed copy in its tab; Riwayat
// lists it from the data directory, for this account only.
func TestAfterSigning(t *testing.T) {
	h, _ := signReady(t)
	book := history.Open(filepath.Join(t.TempDir(), "history"))
	h.ui.opts.History = book
	h.ui.opts.OpenURL = func(*url.URL) error { return errors.New(`exec: "xdg-open": executable file not found in $PATH`) }
	tab := h.ui.sign
	tab.refreshAll()
	if !tab.historyBtn.Visible() || tab.historyBtn.Disabled() {
		t.Fatal("Riwayat not offered")
	}
	// nothing signed yet
	h.tap(tab.historyBtn)
	h.wait()
	if tab.history == nil || shown(tab.history.msg) != "Belum ada dokumen yang ditandatangani di laptop ini." {
		t.Fatalf("empty history: %v", tab.history)
	}
	h.tap(tab.history.back)
	if tab.history != nil || tab.right.Objects[0] != tab.editor {
		t.Fatal("Kembali ke Antrean did not go back")
	}

	dir := t.TempDir()
	in := writePDF(t, dir, "surat.pdf", a4)
	h.ui.OpenFiles([]string{in})
	h.wait()
	pr := h.openPrompt()
	h.typeIn(pr.entry, signPass)
	h.enter()
	h.wait()
	row := tab.run.rows[0]
	out := filepath.Join(dir, "surat_signed.pdf")
	success := "Ditandatangani: " + out
	if row.output != out || row.status.Text != success {
		t.Fatalf("signed: %q", row.status.Text)
	}
	if row.note.box.Visible() {
		t.Fatal("a note before anything failed")
	}
	h.tap(findButtonIn(row.actions, "Buka Berkas"))
	if row.status.Text != success || row.status.Importance != widget.SuccessImportance {
		t.Fatalf("the success line was replaced: %q", row.status.Text)
	}
	if !row.note.box.Visible() || !strings.Contains(row.note.msg.Text, dir) || strings.Contains(row.note.msg.Text, "xdg-open") ||
		strings.Contains(row.note.msg.Text, "exec") {
		t.Fatalf("note %q", row.note.msg.Text)
	}
	h.tap(row.note.copy)
	if got := fyne.CurrentApp().Clipboard().Content(); got != dir {
		t.Fatalf("clipboard %q, want %q", got, dir)
	}
	if row.note.copy.Text != "Lokasi disalin" {
		t.Fatalf("copy button %q", row.note.copy.Text)
	}

	// the signed copy in Verifikasi Dokumen
	h.tap(findButtonIn(row.actions, "Verifikasi Dokumen"))
	h.wait()
	v := h.ui.check
	if h.ui.tabs.Selected() != h.ui.checkItem || v.path != out || v.summary.Text != "Semua tanda tangan valid (1)." {
		t.Fatalf("verify view: %q shows %q", v.path, v.summary.Text)
	}

	// Riwayat: the entry, kept on disk for this account
	h.ui.tabs.Select(h.ui.signItem)
	h.tap(tab.historyBtn)
	h.wait()
	hv := tab.history
	if hv == nil || len(hv.entries) != 1 || hv.entries[0].Output != out || hv.entries[0].Input != in || shown(hv.msg) != "" {
		t.Fatalf("history %+v (%q)", hv, shown(hv.msg))
	}
	es, err := book.List(h.ui.state.session.Account.Email)
	if err != nil || len(es) != 1 || es[0].Output != out || es[0].SignedAt.IsZero() {
		t.Fatalf("stored history %+v, %v", es, err)
	}
	if es, _ := book.List("orang.lain@natunakab.go.id"); len(es) != 0 {
		t.Fatalf("another account sees %+v", es)
	}
	// its row: name, time, path, the folder and Verifikasi Dokumen
	item := hv.list.CreateItem()
	hv.list.UpdateItem(0, item)
	rows := item.(*fyne.Container).Objects
	if rows[0].(*widget.Label).Text != "surat.pdf" || rows[2].(*widget.Label).Text != out ||
		!strings.HasPrefix(rows[1].(*widget.Label).Text, "Ditandatangani ") {
		t.Fatalf("history row %q %q %q", rows[0].(*widget.Label).Text, rows[1].(*widget.Label).Text, rows[2].(*widget.Label).Text)
	}
	os.Remove(out)
	h.tap(findButtonIn(rows[3].(*fyne.Container), "Verifikasi Dokumen"))
	h.wait()
	if h.ui.tabs.Selected() != h.ui.checkItem || v.path != out {
		t.Fatalf("verify from Riwayat: %q", v.path)
	}
}
