package screens

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// walk calls fn on o and everything inside the containers and scrolls under it.
func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, ch := range c.Objects {
			walk(ch, fn)
		}
	case *container.Scroll:
		walk(c.Content, fn)
	case *container.Split:
		walk(c.Leading, fn)
		walk(c.Trailing, fn)
	}
}

func hasLink(o fyne.CanvasObject, text string) bool {
	found := false
	walk(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*textLink); ok && l.Text == text {
			found = true
		}
	})
	return found
}

func findLink(t *testing.T, o fyne.CanvasObject, text string) *textLink {
	t.Helper()
	var found *textLink
	walk(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*textLink); ok && l.Text == text {
			found = l
		}
	})
	if found == nil {
		t.Fatalf("no link %q", text)
	}
	return found
}

func findButton(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walk(o, func(o fyne.CanvasObject) {
		if b, ok := asButton(o); ok && b.Text == text && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q", text)
	}
	return found
}

func TestOTPTab(t *testing.T) {
	h := newHarness(t)
	ot := h.ui.otp
	if ot.content.Objects[0] != ot.hint {
		t.Fatal("signed out, the OTP tab does not show the hint")
	}
	h.user("Lina", "lina@natunakab.go.id")
	secret := h.activate("lina@natunakab.go.id", "password-lina")
	h.signIn("lina", "password-lina", secret)
	h.ui.tabs.Select(h.ui.otpItem)
	h.wait()
	if ot.content.Objects[0] != ot.listing || len(ot.devices) != 1 || ot.devices[0].Name != "Ponsel kantor" {
		t.Fatalf("devices %+v", ot.devices)
	}

	// the last device cannot be removed
	h.tap(findButton(t, ot.list, "Hapus"))
	if ot.confirm == nil {
		t.Fatal("no confirmation asked")
	}
	ot.confirm.Confirm()
	h.wait()
	h.wantLabel("last device", ot.f.top, "Perangkat OTP terakhir tidak dapat dihapus.")

	// Tambah perangkat runs the set-up form (a later time step: a code is
	// used once per account)
	h.clock.Add(30 * time.Second)
	h.tap(ot.f.button)
	if ot.content.Objects[0] != ot.setup.content {
		t.Fatal("Tambah perangkat did not open the set-up")
	}
	if h.win.Canvas().Focused() != ot.setup.code.entry {
		t.Fatal("Kode OTP not focused in Tambah perangkat")
	}
	second := h.manualKey(ot.setup)
	if second == secret {
		t.Fatal("the new device got the old key")
	}
	h.typeIn(ot.setup.code.entry, h.code(second, 0))
	h.typeIn(ot.setup.name.entry, "Tablet")
	h.enter()
	if ot.content.Objects[0] != ot.listing || len(ot.devices) != 2 {
		t.Fatalf("after adding: %d devices", len(ot.devices))
	}
	h.wantLabel("added", ot.f.note, "Perangkat \"Tablet\" ditambahkan.")

	// Batal in the dialog keeps the device; Hapus removes it
	h.tap(findButton(t, ot.list, "Hapus"))
	ot.confirm.Dismiss()
	h.wait()
	if len(ot.devices) != 2 {
		t.Fatal("Batal removed a device")
	}
	first := ot.devices[0].Name
	h.tap(findButton(t, ot.list, "Hapus"))
	ot.confirm.Confirm()
	h.wait()
	if len(ot.devices) != 1 || ot.devices[0].Name == first {
		t.Fatalf("after removing %q: %+v", first, ot.devices)
	}
	h.wantLabel("removed", ot.f.note, "dihapus")

	// the removed device's codes no longer sign in; the other's do
	h.tap(h.ui.account.details.signOut)
	if ot.content.Objects[0] != ot.hint {
		t.Fatal("signed out, the OTP tab still lists devices")
	}
	h.clock.Add(time.Minute)
	keep := second
	if first == "Tablet" {
		keep = secret
	}
	h.signIn("lina", "password-lina", keep)

	// Batal leaves the set-up
	h.ui.tabs.Select(h.ui.otpItem)
	h.wait()
	h.tap(ot.f.button)
	h.tap(findButton(t, ot.setup.content, "Batal"))
	if ot.content.Objects[0] != ot.listing {
		t.Fatal("Batal did not go back to the list")
	}
}

func TestInbox(t *testing.T) {
	skipOnServer(t, "the signed-out Kotak Masuk is the laptop's own outbox; a server mails people (TestInboxOnServer)")
	h := newHarness(t)
	h.user("Maya", "maya@natunakab.go.id")
	h.user("Nanda", "nanda@natunakab.go.id")
	in := h.ui.inbox
	h.ui.tabs.Select(h.ui.inItem)
	h.wait()
	if len(in.mails) != 2 || in.current != 0 {
		t.Fatalf("unfiltered: %d mails, current %d", len(in.mails), in.current)
	}
	if in.subject.Text != in.mails[0].Subject || !strings.Contains(in.meta.Text, in.mails[0].To) ||
		in.body.Text != in.mails[0].Body {
		t.Fatal("reading pane does not show the newest mail")
	}
	h.typeIn(in.filter, "MAYA@natunakab.go.id")
	h.enter()
	if len(in.mails) != 1 || in.mails[0].To != "maya@natunakab.go.id" {
		t.Fatalf("filtered: %+v", in.mails)
	}
	h.typeIn(in.filter, "tidakada@natunakab.go.id")
	h.enter()
	if len(in.mails) != 0 || in.current != -1 || in.action.Visible() || in.empty.Text != "Tidak ada email." {
		t.Fatal("empty inbox not shown as empty")
	}
	// refresh keeps the mail being read, until a new one arrives
	h.typeIn(in.filter, "")
	h.tap(in.refresh)
	in.list.Select(1)
	id := in.mails[1].ID
	h.tap(in.refresh)
	if in.current != 1 || in.mails[in.current].ID != id {
		t.Fatal("refresh lost the mail being read")
	}
	h.user("Oki", "oki@natunakab.go.id")
	h.tap(in.refresh)
	if in.current != 0 || in.mails[0].To != "oki@natunakab.go.id" {
		t.Fatal("a new mail is not shown after refresh")
	}
}

func TestKeyboardOrder(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) { c.uiSelfRegistration = true })
	a := h.ui.account
	c := h.win.Canvas()
	if c.Focused() != a.signIn.login.entry {
		t.Fatal("sign-in does not start in Username atau Email")
	}
	want := []fyne.Focusable{a.signIn.password.entry, a.signIn.forgot}
	for i, w := range want {
		c.FocusNext()
		if c.Focused() != w {
			t.Fatalf("Tab %d focuses %T", i+1, c.Focused())
		}
	}
	// the remember check is disabled (no keyring) and skipped; then Masuk
	c.FocusNext()
	if c.Focused() != a.signIn.f.button {
		t.Fatalf("Tab 3 focuses %T, want Masuk", c.Focused())
	}
	// Space on the focused link opens Lupa Password
	c.Focus(a.signIn.forgot)
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	h.wantView("Lupa Password", a.forgot.content)
	if c.Focused() != a.forgot.login.entry {
		t.Fatal("Lupa Password does not focus its entry")
	}
	c.FocusNext()
	if c.Focused() != a.forgot.f.button {
		t.Fatalf("Tab in Lupa Password focuses %T, want Kirim", c.Focused())
	}
}

// The keyboard path the end-to-end test scripts: Kotak Masuk (list, Tab,
// Tab: the action), then the OTP set-up (Shift+Tab: "Tidak bisa memindai?",
// Space, Tab, Tab: "Salin kunci", Space: back in Kode OTP, Tab: Nama
// Perangkat).
func TestKeyboardPathOfSeed(t *testing.T) {
	skipOnServer(t, "the signed-out Kotak Masuk is the laptop's own outbox; a server mails people (TestInboxOnServer)")
	h := newHarness(t)
	h.user("Arman", "arman@natunakab.go.id")
	h.requestReset("arman@natunakab.go.id")
	c := h.win.Canvas()
	h.ui.tabs.Select(h.ui.inItem)
	h.wait()
	in := h.ui.inbox
	if c.Focused() != in.list || in.current != 0 {
		t.Fatalf("Kotak Masuk focuses %T, shows mail %d", c.Focused(), in.current)
	}
	c.FocusNext()
	c.FocusNext()
	if c.Focused() != in.action {
		t.Fatalf("list, Tab, Tab focuses %T, want the action button", c.Focused())
	}
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	h.wait()
	v := h.ui.account.setup
	h.wantView("Pengaturan OTP", v.content)
	if c.Focused() != v.code.entry {
		t.Fatal("set-up does not focus Kode OTP")
	}
	c.FocusPrevious()
	if c.Focused() != v.toggle {
		t.Fatalf("Shift+Tab from Kode OTP focuses %T", c.Focused())
	}
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	if !v.manual.Visible() {
		t.Fatal("Space on the link did not show the key")
	}
	c.FocusNext() // the selectable key
	c.FocusNext()
	if c.Focused() != v.copyKey {
		t.Fatalf("Tab, Tab focuses %T, want Salin kunci", c.Focused())
	}
	c.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	secret := fyne.CurrentApp().Clipboard().Content()
	if secret == "" || secret != v.enrolment.Secret {
		t.Fatal("Space on Salin kunci did not copy the key")
	}
	if c.Focused() != v.code.entry {
		t.Fatalf("after Salin kunci %T has the focus, want Kode OTP", c.Focused())
	}
	for _, r := range h.code(secret, 0) {
		c.Focused().TypedRune(r)
	}
	c.FocusNext()
	if c.Focused() != v.name.entry {
		t.Fatalf("Tab focuses %T, want Nama Perangkat", c.Focused())
	}
	for _, r := range "Ponsel" {
		c.Focused().TypedRune(r)
	}
	h.enter()
	p := h.ui.account.password
	h.wantView("Perbarui Password", p.content)
	if c.Focused() != p.pw.entry {
		t.Fatal("Perbarui Password does not focus Password Baru")
	}
	for _, r := range "rahasia-123" {
		c.Focused().TypedRune(r)
	}
	c.FocusNext()
	if c.Focused() != p.confirm.entry {
		t.Fatalf("Tab focuses %T, want Konfirmasi Password", c.Focused())
	}
	for _, r := range "rahasia-123" {
		c.Focused().TypedRune(r)
	}
	h.enter()
	s := h.ui.account.signIn
	h.wantView("Masuk", s.content)
	if c.Focused() != s.password.entry {
		t.Fatal("after the new password, the password entry is not focused")
	}
}

func TestMenuShortcutsSwitchTabs(t *testing.T) {
	h := newHarness(t)
	m := h.ui.Menu()
	items := m.Items[0].Items
	want := []*container.TabItem{h.ui.akunTab, h.ui.otpItem, h.ui.inItem, h.ui.actItem, h.ui.signItem, h.ui.checkItem}
	if len(items) < len(want) {
		t.Fatalf("the Tampilan menu has %d items, want at least %d", len(items), len(want))
	}
	for i, it := range items[:len(want)] {
		it.Action()
		h.wait()
		if h.ui.tabs.Selected() != want[i] {
			t.Errorf("menu item %q selects %q", it.Label, h.ui.tabs.Selected().Text)
		}
		sc, ok := it.Shortcut.(interface{ ShortcutName() string })
		if !ok || !strings.Contains(sc.ShortcutName(), string(rune('1'+i))) {
			t.Errorf("menu item %q has shortcut %v", it.Label, it.Shortcut)
		}
	}
}

// The Verifikasi tab's button takes no keyboard focus (no tab button
// does), so a verifier reaches the tab by Ctrl+7; while no verifier is
// signed in the tab is not there and the shortcut leaves the tabs alone.
func TestVerifyTabShortcut(t *testing.T) {
	h := newHarness(t)
	var item *fyne.MenuItem
	for _, it := range h.ui.Menu().Items[0].Items {
		if sc, ok := it.Shortcut.(*desktop.CustomShortcut); ok && sc.KeyName == fyne.Key7 && sc.Modifier == fyne.KeyModifierControl {
			item = it
		}
	}
	if item == nil {
		t.Fatal("no Ctrl+7 item in the Tampilan menu: the Verifikasi tab cannot be reached by keyboard")
	}
	if item.Label != "Verifikasi" {
		t.Errorf("the Ctrl+7 item is %q, want Verifikasi", item.Label)
	}

	if !item.Disabled {
		t.Error("signed out, the Ctrl+7 item is not greyed out")
	}
	h.ui.tabs.Select(h.ui.inItem)
	item.Action()
	h.wait()
	if h.ui.tabs.Selected() != h.ui.inItem || len(h.ui.tabs.Items) != 6 {
		t.Fatalf("signed out, Ctrl+7 selected %q among %d tabs", h.ui.tabs.Selected().Text, len(h.ui.tabs.Items))
	}

	if _, err := h.auth.CreateUser(context.Background(), authority.CreateUserRequest{Name: "Budi Verifikator", Email: "budi@natunakab.go.id", Role: authority.RoleVerifier}); err != nil {
		t.Fatal(err)
	}
	h.ui.tabs.Select(h.ui.akunTab)
	secret := h.activate("budi@natunakab.go.id", "rahasia-budi-1")
	h.signIn("budi@natunakab.go.id", "rahasia-budi-1", secret)
	if item.Disabled {
		t.Error("a verifier's Ctrl+7 item is greyed out")
	}
	item.Action()
	h.wait()
	if h.ui.tabs.Selected() != h.ui.verItem {
		t.Fatalf("a verifier's Ctrl+7 selected %q, want Verifikasi", h.ui.tabs.Selected().Text)
	}
}

func TestOpenLink(t *testing.T) {
	h := newHarness(t)
	if err := h.ui.openLink("https://example.com"); err == nil {
		t.Fatal("a web link was accepted")
	}
	if err := h.ui.openLink("besign://forgot?login=putri%40natunakab.go.id"); err != nil {
		t.Fatal(err)
	}
	h.wait()
	h.wantView("Lupa Password", h.ui.account.forgot.content)
	if got := h.ui.account.forgot.login.entry.Text; got != "putri@natunakab.go.id" {
		t.Fatalf("forgot login %q", got)
	}
	_ = authority.MailReset
}

// A link from outside (the OS, a second start) opens at its step, from any
// tab; one the app cannot read stays on the reset form with its error.
func TestOpenLinkFromOutside(t *testing.T) {
	h := newHarness(t)
	a := h.ui.account
	h.user("Sari", "sari@natunakab.go.id")
	if err := h.auth.RequestReset(context.Background(), authority.ResetRequest{Login: "sari"}); err != nil {
		t.Fatal(err)
	}
	h.ui.tabs.Select(h.ui.inItem)
	h.ui.OpenLink("https://example.com/reset")
	h.wait()
	if h.ui.tabs.Selected() != h.ui.akunTab {
		t.Fatal("a bad link did not show the Akun tab")
	}
	h.wantView("reset link", a.reset.content)
	h.wantLabel("bad link", a.reset.link.msg, "Tautan reset tidak valid. Salin tautan lengkap dari email.")

	h.ui.tabs.Select(h.ui.inItem)
	h.ui.OpenLink(h.mails("sari@natunakab.go.id")[0].ActionLink)
	h.wait()
	h.wantView("Pengaturan OTP", a.setup.content)
	if h.ui.state.ticket.Account.Email != "sari@natunakab.go.id" {
		t.Fatalf("ticket for %q", h.ui.state.ticket.Account.Email)
	}
}

func TestAddDeviceAfterSessionExpired(t *testing.T) {
	h := newHarness(t)
	h.user("Rudi", "rudi@natunakab.go.id")
	secret := h.activate("rudi@natunakab.go.id", "password-rudi")
	h.signIn("rudi", "password-rudi", secret)
	ot := h.ui.otp
	h.ui.tabs.Select(h.ui.otpItem)
	h.wait()
	h.tap(ot.f.button)
	second := h.manualKey(ot.setup)
	h.clock.Add(13 * time.Hour)
	h.typeIn(ot.setup.code.entry, h.code(second, 0))
	h.typeIn(ot.setup.name.entry, "Tablet")
	h.enter()
	if h.ui.state.session != nil || h.ui.tabs.Selected() != h.ui.akunTab || ot.content.Objects[0] != ot.hint {
		t.Fatal("an expired session kept the device set-up open")
	}
	h.wantLabel("session expired", h.ui.account.signIn.f.top, "Sesi Anda telah berakhir.")
}

func TestWarningAboveTabs(t *testing.T) {
	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	const warn = "Keyring sistem tidak tersedia, jadi kunci utama disimpan dalam berkas."
	ui := New(win, Options{Warning: warn})
	found := false
	walk(ui.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text == warn && l.Importance == widget.WarningImportance {
			found = true
		}
	})
	if !found {
		t.Fatal("the warning is not shown")
	}
	if plain := New(win, Options{}); plain.Content() != plain.tabs {
		t.Fatal("without a warning the content is not just the tabs")
	}
}

// memKeyring is a Keyring in memory, for tests of what the screens do with
// a remembered account (the real one is tested in keyring_test.go).
type memKeyring struct{ login, token string }

func (k *memKeyring) Available() error                   { return nil }
func (k *memKeyring) Remember(login, token string) error { k.login, k.token = login, token; return nil }
func (k *memKeyring) Recall() (string, string, error)    { return k.login, k.token, nil }
func (k *memKeyring) Forget() error                      { k.login, k.token = "", ""; return nil }

// A link the app is started with wins over the remembered session that
// resumes meanwhile: the reset stays at OTP set-up, signed in or not.
func TestLinkAtStartWithRememberedSession(t *testing.T) {
	h := newHarness(t)
	h.user("Tono", "tono@natunakab.go.id")
	secret := h.activate("tono@natunakab.go.id", "password-tono")
	h.signIn("tono", "password-tono", secret)
	kr := &memKeyring{login: "tono@natunakab.go.id", token: h.ui.state.session.Token}
	if err := h.auth.RequestReset(context.Background(), authority.ResetRequest{Login: "tono"}); err != nil {
		t.Fatal(err)
	}
	link := h.mails("tono@natunakab.go.id")[0].ActionLink

	win := test.NewTempWindow(t, nil)
	ui := New(win, Options{Authority: h.auth, Keyring: kr, EmailDomain: "natunakab.go.id"})
	q := queueResults(ui)
	win.SetContent(ui.Content())
	ui.Start()
	ui.OpenLink(link) // as app does right after Start
	q.wait()
	if ui.account.content.Objects[0] != ui.account.password.content {
		t.Fatal("the resumed session replaced the reset that the link opened")
	}
	if ui.state.session == nil {
		t.Fatal("the remembered session was not resumed")
	}
}
