package screens

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// escape presses Escape where the window sends it: to the focused widget,
// else to the canvas.
func (h *harness) escape() {
	h.t.Helper()
	c := h.win.Canvas()
	if f := c.Focused(); f != nil {
		f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
	} else {
		c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	}
	h.wait()
}

// Escape closes a confirmation as its Batal (the question answered no),
// whether its button has the focus or nothing has; a message as its Tutup;
// the passphrase prompt as its Batal, from its entry or with no focus.
// Fyne's own dialogs ignore Escape, so each of these fails without ours.
func TestEscapeClosesDialogs(t *testing.T) {
	h, _ := signReady(t)
	c := h.win.Canvas()
	answers := []bool{}
	ask := func() *confirmDialog {
		return h.ui.confirm("Hapus perangkat", "Hapus?", "Hapus", "Batal", widget.DangerImportance, func(ok bool) { answers = append(answers, ok) })
	}

	d := ask()
	if c.Focused() != d.no {
		t.Fatalf("the confirmation's focus is on %T, not Batal", c.Focused())
	}
	tabTo(t, c, d.yes, 3) // even on the destructive answer
	h.escape()
	if c.Overlays().Top() != nil || len(answers) != 1 || answers[0] {
		t.Fatalf("Escape on Hapus: overlay %v, answers %v", c.Overlays().Top(), answers)
	}
	ask()
	c.Unfocus()
	h.escape()
	if c.Overlays().Top() != nil || len(answers) != 2 || answers[1] {
		t.Fatalf("Escape with no focus: overlay %v, answers %v", c.Overlays().Top(), answers)
	}

	h.ui.inform("Berhasil", "Data aktivasi Anda berhasil dikirim.")
	h.escape()
	if c.Overlays().Top() != nil {
		t.Fatal("Escape left the message open")
	}

	letter := writePDF(t, t.TempDir(), "Surat.pdf", a4)
	h.ui.OpenFiles([]string{letter})
	h.wait()
	p := h.ui.sign.prompt
	h.ui.sign.openPrompt()
	h.wait()
	if !p.open || c.Focused() != p.entry {
		t.Fatalf("the prompt: open %v, focus on %T", p.open, c.Focused())
	}
	h.typeIn(p.entry, "Salah")
	h.escape()
	if p.open || c.Overlays().Top() != nil {
		t.Fatal("Escape in the passphrase entry left the prompt open")
	}
	if !h.ui.sign.signBtn.Disabled() && h.ui.sign.run != nil {
		t.Fatal("Escape started a signing")
	}
	h.ui.sign.openPrompt()
	h.wait()
	if p.entry.Text != "" {
		t.Fatal("the passphrase typed before Escape is still in the prompt")
	}
	c.Unfocus()
	h.escape()
	if p.open || c.Overlays().Top() != nil {
		t.Fatal("Escape with no focus left the prompt open")
	}

	// Fyne's file dialog (the fallback without a desktop portal): Escape
	// with no focus is its Cancel
	chose := false
	h.ui.fyneFileDialog([]string{".pdf"}, func([]string) { chose = true })
	c.Unfocus()
	h.escape()
	if c.Overlays().Top() != nil || chose {
		t.Fatalf("Escape on the file dialog: overlay %v, chosen %v", c.Overlays().Top(), chose)
	}

	// under a drop-down's menu, Escape is the menu's, not the dialog's
	h.ui.inform("Berhasil", "Pesan.")
	c.Overlays().Add(widget.NewLabel("menu"))
	c.Unfocus()
	h.escape()
	if c.Overlays().Top() == nil || len(c.Overlays().List()) != 2 {
		t.Fatal("Escape closed a dialog that was not on top")
	}
}

// The signing tab's buttons are the keyboard buttons: Tandatangani has the
// focus ring and Enter opens the passphrase prompt, as Space does.
func TestSigningButtonsTakeEnter(t *testing.T) {
	h, _ := signReady(t)
	letter := writePDF(t, t.TempDir(), "Surat.pdf", a4)
	h.ui.OpenFiles([]string{letter})
	h.wait()
	tab := h.ui.sign
	c := h.win.Canvas()
	for _, b := range []*button{tab.add, tab.remove, tab.historyBtn, tab.signBtn, tab.prepareBtn, tab.outPick, tab.zoomIn, tab.fitWidth} {
		if b == nil {
			t.Fatal("a signing tab button is not the keyboard button")
		}
	}
	c.Focus(tab.signBtn)
	if !tab.signBtn.hasFocusRing() {
		t.Fatal("the focused Tandatangani has no ring")
	}
	h.key(fyne.KeyReturn)
	if !tab.prompt.open {
		t.Fatal("Enter on Tandatangani did not open the passphrase prompt")
	}
	h.escape()
	if tab.prompt.open {
		t.Fatal("Escape left the prompt open")
	}
}
