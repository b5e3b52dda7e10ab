package screens

import (
	"context"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/natunakab/besign/filechooser"
)

// tabTo presses Tab until want has the focus, failing after max presses.
func tabTo(t *testing.T, c fyne.Canvas, want fyne.Focusable, max int) {
	t.Helper()
	for i := 0; i < max; i++ {
		if c.Focused() == want {
			return
		}
		c.(test.WindowlessCanvas).FocusNext()
	}
	if c.Focused() != want {
		t.Fatalf("%d Tabs did not reach %T (focus on %T)", max, want, c.Focused())
	}
}

// key presses name in the focused widget, as the window does.
func (h *harness) key(name fyne.KeyName) {
	h.t.Helper()
	f := h.win.Canvas().Focused()
	if f == nil {
		h.t.Fatalf("nothing focused to press %s in", name)
	}
	f.TypedKey(&fyne.KeyEvent{Name: name})
	h.wait()
}

// A focused button has a ring in both themes, drawn in the window (the
// pixels just outside the button change colour to the ring's, which stands
// out 3:1 from the background), and it goes when the focus leaves.
func TestFocusRing(t *testing.T) {
	h := newHarness(t)
	b := h.ui.account.signIn.f.button
	c := h.win.Canvas()
	for _, dark := range []bool{false, true} {
		th := NewTheme(dark)
		fyne.CurrentApp().Settings().SetTheme(th)
		ring := th.Color(colorNameFocusRing, theme.VariantLight)
		bg := th.Color(theme.ColorNameBackground, theme.VariantLight)
		if r := contrast(ring, bg); r < 3 {
			t.Errorf("dark=%v: the focus ring's contrast with the background is %.2f, want 3", dark, r)
		}
		c.Focus(h.ui.account.signIn.login.entry)
		before := c.Capture()
		tabTo(t, c, b, 6)
		if !b.hasFocusRing() {
			t.Fatalf("dark=%v: the focused Masuk button has no ring", dark)
		}
		after := c.Capture()
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
		// the ring's width outside the left edge, half-way down
		p := image.Pt(int(pos.X-ringWidth), int(pos.Y+b.Size().Height/2))
		if sameColour(before.At(p.X, p.Y), ring) {
			t.Fatalf("dark=%v: the ring's colour is there before the focus", dark)
		}
		if !sameColour(after.At(p.X, p.Y), ring) {
			t.Fatalf("dark=%v: at %v the window shows %v, not the ring %v", dark, p, after.At(p.X, p.Y), ring)
		}
		c.Focus(h.ui.account.signIn.login.entry)
		if b.hasFocusRing() || sameColour(c.Capture().At(p.X, p.Y), ring) {
			t.Fatalf("dark=%v: the ring stays after the focus left", dark)
		}
	}
}

// sameColour reports whether two colours are the same within antialiasing.
func sameColour(a, b color.Color) bool {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) uint32 {
		if x > y {
			return x - y
		}
		return y - x
	}
	const tol = 0x2000
	return d(ar, br) < tol && d(ag, bg) < tol && d(ab, bb) < tol
}

// The sign-in form with the keyboard alone: typing, Tab to Masuk, Enter on
// the focused button (Fyne's button only knows Space); then the OTP step,
// whose Escape goes back to the sign-in form.
func TestEnterOnFocusedButton(t *testing.T) {
	h := newHarness(t)
	h.user("Arman Salim", "armansalim@natunakab.go.id")
	secret := h.activate("armansalim@natunakab.go.id", "rahasia-baru-1")
	a := h.ui.account
	c := h.win.Canvas()
	h.typeIn(a.signIn.password.entry, "rahasia-baru-1")
	tabTo(t, c, a.signIn.f.button, 6)
	h.key(fyne.KeyReturn)
	h.wantView("OTP step", a.otpStep.content)

	// Escape in the code goes back, with the login kept
	h.key(fyne.KeyEscape)
	h.wantView("Masuk", a.signIn.content)
	if a.signIn.login.entry.Text != "armansalim@natunakab.go.id" {
		t.Fatalf("login after Escape: %q", a.signIn.login.entry.Text)
	}
	h.typeIn(a.signIn.password.entry, "rahasia-baru-1")
	h.key(fyne.KeyReturn) // Enter in the entry submits too
	h.wantView("OTP step", a.otpStep.content)
	h.typeIn(a.otpStep.code.entry, h.code(secret, 0))
	tabTo(t, c, a.otpStep.f.button, 4)
	h.key(fyne.KeyEnter) // the keypad's Enter
	h.wantView("details", a.details.content)

	// Signed in, the focus is on the next step, never on Keluar: a second
	// Enter goes on to Aktivasi instead of signing out.
	if c.Focused() != fyne.Focusable(a.details.cert.activate) {
		t.Fatalf("after sign-in the focus is on %T, not the next step", c.Focused())
	}
	h.key(fyne.KeyReturn)
	if h.ui.tabs.Selected() != h.ui.actItem || h.ui.state.session == nil {
		t.Fatalf("Enter after sign-in: tab %q, signed in %v", h.ui.tabs.Selected().Text, h.ui.state.session != nil)
	}
}

// Every form of the Akun tab with a way back takes Escape, from an entry
// and from its button: Lupa Password, Buka tautan reset, Daftar; OTP set-up
// for a new device goes back to the device list.
func TestEscapeLeavesForms(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) { c.uiSelfRegistration = true })
	a := h.ui.account
	c := h.win.Canvas()
	open := []struct {
		name  string
		show  func()
		view  func() fyne.CanvasObject
		entry fyne.Focusable
		btn   fyne.Focusable
	}{
		{"Lupa Password", func() { a.showForgot("") }, func() fyne.CanvasObject { return a.forgot.content }, a.forgot.login.entry, a.forgot.f.button},
		{"tautan reset", func() { a.showReset("", false) }, func() fyne.CanvasObject { return a.reset.content }, a.reset.link.entry, a.reset.f.button},
		{"Daftar", a.showRegister, func() fyne.CanvasObject { return a.register.content }, a.register.name.entry, a.register.f.button},
	}
	for _, o := range open {
		for _, from := range []fyne.Focusable{o.entry, o.btn} {
			o.show()
			h.wantView(o.name, o.view())
			if c.Focused() != o.entry {
				t.Fatalf("%s does not focus its first entry", o.name)
			}
			tabTo(t, c, from, 8)
			h.key(fyne.KeyEscape)
			h.wantView("Masuk after Escape in "+o.name, a.signIn.content)
		}
	}

	// OTP set-up for another device: Escape returns to the list
	h.user("Arman Salim", "armansalim@natunakab.go.id")
	secret := h.activate("armansalim@natunakab.go.id", "rahasia-baru-1")
	h.signIn("armansalim@natunakab.go.id", "rahasia-baru-1", secret)
	o := h.ui.otp
	h.ui.tabs.Select(h.ui.otpItem)
	h.wait()
	h.tap(o.f.button)
	if o.content.Objects[0] != o.setup.content {
		t.Fatal("Tambah perangkat did not open the set-up")
	}
	c.Focus(o.setup.name.entry)
	h.key(fyne.KeyEscape)
	if o.content.Objects[0] != o.listing {
		t.Fatal("Escape did not go back to the device list")
	}
}

// Signing with the keyboard alone, from adding a document to the result:
// Tab to Tambah Dokumen and Enter (the desktop's file dialog, stood in for
// here, answers with a letter), Tab to Tandatangani and Enter, the
// passphrase typed into the prompt, Enter; the row shows the signed copy.
func TestSignWithKeyboardAlone(t *testing.T) {
	h, _ := signReady(t)
	tab := h.ui.sign
	dir := t.TempDir()
	letter := writePDF(t, dir, "Surat Undangan.pdf", a4)
	asked := 0
	h.ui.opts.FileChooser = func(context.Context, filechooser.Options) ([]string, error) {
		asked++
		return []string{letter}, nil
	}
	c := h.win.Canvas()
	c.Unfocus()
	tabTo(t, c, tab.add, 40)
	h.key(fyne.KeyReturn)
	if asked != 1 || len(tab.docs) != 1 {
		t.Fatalf("Enter on Tambah Dokumen: dialog asked %d times, %d queued", asked, len(tab.docs))
	}
	tabTo(t, c, tab.signBtn, 40)
	h.key(fyne.KeyReturn)
	if !tab.prompt.open || c.Focused() != fyne.Focusable(tab.prompt.entry) {
		t.Fatalf("Enter on Tandatangani: prompt open %v, focus on %T", tab.prompt.open, c.Focused())
	}
	for _, r := range signPass {
		c.Focused().TypedRune(r)
	}
	h.key(fyne.KeyReturn)
	out := filepath.Join(dir, "Surat Undangan_signed.pdf")
	if tab.prompt.open || tab.run == nil || !tab.run.finished || tab.run.rows[0].output != out {
		t.Fatalf("after the passphrase and Enter: prompt open %v, run %v", tab.prompt.open, tab.run != nil)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tab.run.rows[0].status.Text, out) {
		t.Fatalf("the row says %q", tab.run.rows[0].status.Text)
	}
}
