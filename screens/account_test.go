package screens

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/link"
)

// The whole first sign-in: reset, mail, OTP set-up, password, sign-in, OTP.
func TestSeedPath(t *testing.T) {
	h := newHarness(t)
	h.user("Arman Salim", "armansalim@natunakab.go.id")
	secret := h.activate("armansalim@natunakab.go.id", "rahasia-baru-1")

	a := h.ui.account
	// the login is pre-filled and the password focused after the reset
	if a.signIn.login.entry.Text != "armansalim@natunakab.go.id" {
		t.Fatalf("login not pre-filled: %q", a.signIn.login.entry.Text)
	}
	if h.win.Canvas().Focused() != a.signIn.password.entry {
		t.Fatal("password entry not focused after the reset")
	}
	h.typeIn(a.signIn.password.entry, "rahasia-baru-1")
	h.enter()
	h.wantView("OTP step", a.otpStep.content)
	if g := a.otpStep.greeting.Text; !strings.Contains(g, "Arman Salim") || !strings.Contains(g, "armansalim") {
		t.Fatalf("greeting %q lacks name and username", g)
	}
	if a.otpStep.loginName.Text != "armansalim@natunakab.go.id" {
		t.Fatalf("OTP step shows %q", a.otpStep.loginName.Text)
	}
	h.typeIn(a.otpStep.code.entry, h.code(secret, 0))
	h.enter()
	h.wantView("details", a.details.content)
	if h.ui.state.session == nil || h.ui.state.session.Account.Email != "armansalim@natunakab.go.id" {
		t.Fatalf("session = %+v", h.ui.state.session)
	}
	if got := a.details.values["Nama"].Text; got != "Arman Salim" {
		t.Fatalf("details name %q", got)
	}
	if got := a.details.values["Username"].Text; got != "armansalim" {
		t.Fatalf("details username %q", got)
	}
	if got := a.details.values["Perangkat OTP"].Text; got != "Sudah diatur" {
		t.Fatalf("details OTP %q", got)
	}
	// the inbox follows the signed-in account
	if h.ui.inbox.filter.Text != "armansalim@natunakab.go.id" {
		t.Fatalf("inbox filter %q", h.ui.inbox.filter.Text)
	}

	h.tap(a.details.signOut)
	h.wantView("Masuk", a.signIn.content)
	if h.ui.state.session != nil {
		t.Fatal("still signed in after Keluar")
	}
	if a.signIn.login.entry.Text != "" {
		t.Fatal("Keluar left the login filled in")
	}
}

func TestSignInErrors(t *testing.T) {
	h := newHarness(t)
	h.user("Budi", "budi@natunakab.go.id")
	secret := h.activate("budi@natunakab.go.id", "password-budi")
	_ = secret
	v := h.ui.account.signIn
	tests := []struct {
		name, login, password string
		field                 func() string
		want                  string
	}{
		{"empty login", "", "x", func() string { return shown(v.login.msg) }, "Username atau email wajib diisi."},
		{"blank login", "   ", "x", func() string { return shown(v.login.msg) }, "Username atau email wajib diisi."},
		{"empty password", "budi", "", func() string { return shown(v.password.msg) }, "Password wajib diisi."},
		{"wrong password", "budi", "salah-sekali", func() string { return shown(v.f.top) }, "Username/email atau password salah."},
		{"unknown user", "siapa@natunakab.go.id", "password-budi", func() string { return shown(v.f.top) }, "Username/email atau password salah."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.typeIn(v.login.entry, tt.login)
			h.typeIn(v.password.entry, tt.password)
			h.enter()
			h.wantView("Masuk", v.content)
			if got := tt.field(); got != tt.want {
				t.Fatalf("error = %q, want %q", got, tt.want)
			}
			// editing clears the errors
			h.typeIn(v.login.entry, "b")
			if shown(v.login.msg) != "" || shown(v.f.top) != "" {
				t.Fatal("errors stay after editing")
			}
		})
	}
	// the password is cleared and focused after wrong credentials
	h.typeIn(v.login.entry, "budi")
	h.typeIn(v.password.entry, "salah-sekali")
	h.enter()
	if v.password.entry.Text != "" || h.win.Canvas().Focused() != v.password.entry {
		t.Fatal("password not cleared and focused after a failed sign-in")
	}
}

func TestEntryLimits(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) { c.uiSelfRegistration = true })
	a := h.ui.account
	long := strings.Repeat("é", 400)
	for _, tt := range []struct {
		name string
		f    *field
		max  int
	}{
		{"login", a.signIn.login, authority.MaxLoginLen},
		{"password", a.signIn.password, authority.MaxPasswordLen},
		{"forgot", a.forgot.login, authority.MaxLoginLen},
		{"new password", a.password.pw, authority.MaxPasswordLen},
		{"device name", a.setup.name, authority.MaxDeviceNameLen},
		{"register name", a.register.name, authority.MaxNameLen},
		{"register email", a.register.email, authority.MaxEmailLen},
	} {
		tt.f.entry.SetText("")
		test.Type(tt.f.entry, long)
		if n := len([]rune(tt.f.entry.Text)); n != tt.max {
			t.Errorf("%s holds %d characters, want %d", tt.name, n, tt.max)
		}
		tt.f.entry.SetText(long) // pasting is limited too
		if n := len([]rune(tt.f.entry.Text)); n != tt.max {
			t.Errorf("%s holds %d characters after SetText, want %d", tt.name, n, tt.max)
		}
	}
}

func TestOTPStepErrors(t *testing.T) {
	h := newHarness(t)
	h.user("Citra", "citra@natunakab.go.id")
	secret := h.activate("citra@natunakab.go.id", "password-citra")
	a := h.ui.account
	v := a.otpStep

	toOTPStep := func() {
		t.Helper()
		h.typeIn(a.signIn.login.entry, "citra")
		h.typeIn(a.signIn.password.entry, "password-citra")
		h.enter()
		h.wantView("OTP step", v.content)
	}
	toOTPStep()
	good := h.code(secret, 0)
	wrong := "000000"
	if wrong == good || wrong == h.code(secret, -30*time.Second) || wrong == h.code(secret, 30*time.Second) {
		wrong = "999999"
	}
	for _, tt := range []struct{ name, code, want string }{
		{"empty", "", "Kode OTP wajib diisi."},
		{"letters", "12ab56", "Kode OTP harus 6 angka."},
		{"short", "123", "Kode OTP harus 6 angka."},
		{"wrong", wrong, "Kode OTP tidak valid."},
	} {
		h.typeIn(v.code.entry, tt.code)
		h.enter()
		h.wantView("OTP step", v.content)
		if got := shown(v.code.msg); got != tt.want {
			t.Errorf("%s: error %q, want %q", tt.name, got, tt.want)
		}
	}
	// a good code signs in; the same code again is refused
	h.typeIn(v.code.entry, good)
	h.enter()
	h.wantView("details", a.details.content)
	h.tap(a.details.signOut)
	toOTPStep()
	h.typeIn(v.code.entry, good)
	h.enter()
	if got := shown(v.code.msg); got != "Kode OTP ini sudah dipakai. Tunggu kode berikutnya." {
		t.Fatalf("reused code: %q", got)
	}
	// the challenge expires
	h.clock.Add(6 * time.Minute)
	h.typeIn(v.code.entry, h.code(secret, 0))
	h.enter()
	h.wantView("Masuk", a.signIn.content)
	h.wantLabel("expired challenge", a.signIn.f.top, "Waktu untuk memasukkan kode OTP telah habis")
	if a.signIn.login.entry.Text != "citra@natunakab.go.id" {
		t.Fatalf("login after an expired challenge: %q", a.signIn.login.entry.Text)
	}
	// "Kembali ke halaman Login" from the OTP step
	h.clock.Add(time.Minute)
	toOTPStep()
	back := findLink(t, v.content, "Kembali ke halaman Login")
	h.tap(back)
	h.wantView("Masuk", a.signIn.content)
}

func TestForgotPassword(t *testing.T) {
	h := newHarness(t)
	h.user("Dewi", "dewi@natunakab.go.id")
	a := h.ui.account
	// what is typed as login is carried over
	h.typeIn(a.signIn.login.entry, "dewi@natunakab.go.id")
	h.tap(a.signIn.forgot)
	h.wantView("Lupa Password", a.forgot.content)
	if a.forgot.login.entry.Text != "dewi@natunakab.go.id" {
		t.Fatalf("forgot login %q", a.forgot.login.entry.Text)
	}
	h.typeIn(a.forgot.login.entry, "")
	h.enter()
	h.wantLabel("empty login", a.forgot.login.msg, "Username atau email wajib diisi.")
	if len(h.mails("dewi@natunakab.go.id")) != 1 { // the activation mail only
		t.Fatal("a mail was sent for an empty login")
	}
	// unknown and known accounts get the same answer
	for _, login := range []string{"tidakada@natunakab.go.id", "dewi"} {
		h.typeIn(a.forgot.login.entry, login)
		h.enter()
		h.wantLabel("note for "+login, a.forgot.f.note, "Jika akun terdaftar")
		if !a.forgot.inbox.Visible() {
			t.Fatal("no Buka Kotak Masuk button")
		}
	}
	ms := h.mails("dewi@natunakab.go.id")
	if len(ms) != 2 || ms[0].Kind != authority.MailReset {
		t.Fatalf("outbox for dewi: %d mails", len(ms))
	}
	h.typeIn(a.forgot.login.entry, "dewi@natunakab.go.id")
	h.enter()
	h.tap(a.forgot.inbox)
	if h.ui.tabs.Selected() != h.ui.inItem || h.ui.inbox.filter.Text != "dewi@natunakab.go.id" {
		t.Fatalf("Buka Kotak Masuk: tab %v filter %q", h.ui.tabs.Selected().Text, h.ui.inbox.filter.Text)
	}
	h.ui.tabs.Select(h.ui.akunTab)
	h.tap(findLink(t, a.forgot.content, "Kembali ke halaman Login"))
	h.wantView("Masuk", a.signIn.content)
}

func TestResetLinkErrors(t *testing.T) {
	h := newHarness(t)
	h.user("Eka", "eka@natunakab.go.id")
	a := h.ui.account
	v := a.reset
	h.tap(findLink(t, a.signIn.content, "Buka tautan reset"))
	h.wantView("reset link", v.content)
	if h.win.Canvas().Focused() != v.link.entry {
		t.Fatal("reset link entry not focused")
	}
	const invalid = "Tautan reset tidak valid. Salin tautan lengkap dari email."
	for _, link := range []string{"", "https://example.com/reset?token=abc", "besign://forgot?login=eka", "besign://reset?token=tidak-ada-token-seperti-ini", "token dengan spasi"} {
		h.typeIn(v.link.entry, link)
		h.enter()
		h.wantView("reset link", v.content)
		if got := shown(v.link.msg); got != invalid {
			t.Errorf("link %q: %q", link, got)
		}
	}

	// a link works once
	h.requestReset("eka@natunakab.go.id")
	resetLink := h.mails("eka@natunakab.go.id")[0].ActionLink
	a.showReset(resetLink, true)
	h.wait()
	h.wantView("Pengaturan OTP", a.setup.content)
	a.showReset(resetLink, true)
	h.wait()
	h.wantView("reset link", v.content)
	h.wantLabel("used link", v.link.msg, "Tautan reset sudah pernah dipakai.")

	// and not after its lifetime; the bare token is accepted too
	a.showForgot("")
	h.requestReset("eka@natunakab.go.id")
	resetLink = h.mails("eka@natunakab.go.id")[0].ActionLink
	h.clock.Add(25 * time.Hour)
	tok, err := link.Parse(resetLink)
	if err != nil {
		t.Fatal(err)
	}
	a.showReset("", false)
	h.typeIn(v.link.entry, tok.Value)
	h.enter()
	h.wantLabel("expired link", v.link.msg, "Tautan reset sudah kedaluwarsa.")
}

func TestOTPSetupErrors(t *testing.T) {
	h := newHarness(t)
	h.user("Fajar", "fajar@natunakab.go.id")
	a := h.ui.account
	v := a.setup
	h.requestReset("fajar@natunakab.go.id")
	h.openNewestResetMail("fajar@natunakab.go.id")
	h.wantView("Pengaturan OTP", v.content)
	if h.win.Canvas().Focused() != v.code.entry {
		t.Fatal("Kode OTP not focused")
	}
	if v.qr.Resource == nil || !v.qr.Visible() {
		t.Fatal("no QR code shown")
	}
	secret := h.manualKey(v)
	if len(secret) < 16 || !strings.Contains(v.key.Text, " ") {
		t.Fatalf("key %q not grouped", v.key.Text)
	}
	for _, g := range strings.Fields(v.key.Text) {
		if len(g) > 4 {
			t.Fatalf("group %q longer than four", g)
		}
	}
	for _, want := range []string{"totp", "SHA1", "Digit: 6", "Interval: 30 detik"} {
		if !strings.Contains(v.params.Text, want) {
			t.Errorf("parameters %q lack %q", v.params.Text, want)
		}
	}
	h.tap(v.copyKey)
	if got := fyne.CurrentApp().Clipboard().Content(); got != h.ui.account.setup.enrolment.Secret || got != secret {
		t.Fatalf("clipboard %q", got)
	}
	// the toggle goes back to the QR code
	h.tap(v.toggle)
	if v.manual.Visible() || !v.qr.Visible() {
		t.Fatal("Pindai barcode? did not bring the QR code back")
	}

	wrong := "000000"
	if wrong == h.code(secret, 0) || wrong == h.code(secret, -30*time.Second) || wrong == h.code(secret, 30*time.Second) {
		wrong = "999999"
	}
	for _, tt := range []struct {
		name, code, device string
		codeErr, nameErr   string
	}{
		{"both empty", "", "", "Kode OTP wajib diisi.", "Nama perangkat wajib diisi."},
		{"no device", h.code(secret, 0), "  ", "", "Nama perangkat wajib diisi."},
		{"format", "12x456", "Ponsel", "Kode OTP harus 6 angka.", ""},
		{"wrong", wrong, "Ponsel", "Kode OTP tidak valid.", ""},
	} {
		h.typeIn(v.code.entry, tt.code)
		h.typeIn(v.name.entry, tt.device)
		h.enter()
		h.wantView("Pengaturan OTP", v.content)
		if got := shown(v.code.msg); got != tt.codeErr {
			t.Errorf("%s: code error %q, want %q", tt.name, got, tt.codeErr)
		}
		if got := shown(v.name.msg); got != tt.nameErr {
			t.Errorf("%s: name error %q, want %q", tt.name, got, tt.nameErr)
		}
	}

	// the pending secret expires: a new one is shown with the error
	h.clock.Add(11 * time.Minute)
	h.typeIn(v.code.entry, h.code(secret, 0))
	h.typeIn(v.name.entry, "Ponsel")
	h.enter()
	h.wantLabel("expired enrolment", v.f.top, "Pengaturan OTP sudah kedaluwarsa.")
	if s := h.manualKey(v); s == secret || s == "" {
		t.Fatal("no new key after the set-up expired")
	}

	// the ticket expires: back to sign-in
	h.clock.Add(2 * time.Hour)
	h.typeIn(v.code.entry, h.code(h.manualKey(v), 0))
	h.typeIn(v.name.entry, "Ponsel")
	h.enter()
	h.wantView("Masuk", a.signIn.content)
	h.wantLabel("expired ticket", a.signIn.f.top, "Waktu untuk pengaturan OTP telah habis.")
}

func TestPasswordErrors(t *testing.T) {
	h := newHarness(t)
	h.user("Gita", "gita@natunakab.go.id")
	a := h.ui.account
	v := a.password
	h.requestReset("gita@natunakab.go.id")
	h.openNewestResetMail("gita@natunakab.go.id")
	h.enrol(a.setup, "Ponsel")
	h.wantView("Perbarui Password", v.content)
	if h.win.Canvas().Focused() != v.pw.entry {
		t.Fatal("Password Baru not focused")
	}
	for _, tt := range []struct {
		name, pw, confirm string
		pwErr, confirmErr string
	}{
		{"empty", "", "", "Password wajib diisi.", ""},
		{"short", "pendek", "pendek", "Password minimal 8 karakter.", ""},
		{"mismatch", "panjang-sekali", "panjang-sekalI", "", "Konfirmasi password tidak sama."},
		{"no confirmation", "panjang-sekali", "", "", "Konfirmasi password tidak sama."},
	} {
		h.typeIn(v.pw.entry, tt.pw)
		h.typeIn(v.confirm.entry, tt.confirm)
		h.enter()
		h.wantView("Perbarui Password", v.content)
		if got := shown(v.pw.msg); got != tt.pwErr {
			t.Errorf("%s: password error %q, want %q", tt.name, got, tt.pwErr)
		}
		if got := shown(v.confirm.msg); got != tt.confirmErr {
			t.Errorf("%s: confirmation error %q, want %q", tt.name, got, tt.confirmErr)
		}
	}
	// an expired ticket sends back to sign-in
	h.clock.Add(2 * time.Hour)
	h.typeIn(v.pw.entry, "panjang-sekali")
	h.typeIn(v.confirm.entry, "panjang-sekali")
	h.enter()
	h.wantView("Masuk", a.signIn.content)
	h.wantLabel("expired ticket", a.signIn.f.top, "Waktu untuk memperbarui password telah habis.")
}

// An account that already has OTP goes straight to the new password.
func TestResetWithOTPSkipsSetup(t *testing.T) {
	h := newHarness(t)
	h.user("Hadi", "hadi@natunakab.go.id")
	secret := h.activate("hadi@natunakab.go.id", "password-lama")
	a := h.ui.account
	h.requestReset("hadi")
	h.openNewestResetMail("hadi@natunakab.go.id")
	h.wantView("Perbarui Password", a.password.content)
	h.typeIn(a.password.pw.entry, "password-baru")
	h.typeIn(a.password.confirm.entry, "password-baru")
	h.enter()
	h.wantView("Masuk", a.signIn.content)
	h.clock.Add(30 * time.Second)
	h.typeIn(a.signIn.login.entry, "hadi")
	h.typeIn(a.signIn.password.entry, "password-lama")
	h.enter()
	h.wantLabel("old password", a.signIn.f.top, "Username/email atau password salah.")
	h.signIn("hadi", "password-baru", secret)
}

func TestRegister(t *testing.T) {
	skipOnServer(t, "the signed-out Kotak Masuk is the laptop's own outbox; a server mails people (TestInboxOnServer)")
	h := newHarness(t, func(c *harnessConfig) { c.uiSelfRegistration = true })
	a := h.ui.account
	v := a.register
	h.tap(findLink(t, a.signIn.content, "Daftar"))
	h.wantView("Daftar", v.content)
	if h.win.Canvas().Focused() != v.name.entry {
		t.Fatal("Nama Lengkap not focused")
	}
	h.user("Sudah Ada", "ada@natunakab.go.id")
	for _, tt := range []struct {
		name, fullName, email string
		nameErr, emailErr     string
	}{
		{"no name", "", "baru@natunakab.go.id", "Nama lengkap wajib diisi.", ""},
		{"bad email", "Intan", "bukan-email", "", "Alamat email tidak valid."},
		{"other domain", "Intan", "intan@gmail.com", "", "Gunakan alamat email instansi (@natunakab.go.id)."},
	} {
		h.typeIn(v.name.entry, tt.fullName)
		h.typeIn(v.email.entry, tt.email)
		h.enter()
		if got := shown(v.name.msg); got != tt.nameErr {
			t.Errorf("%s: name error %q, want %q", tt.name, got, tt.nameErr)
		}
		if got := shown(v.email.msg); got != tt.emailErr {
			t.Errorf("%s: email error %q, want %q", tt.name, got, tt.emailErr)
		}
	}
	// An address that has an account gets the answer a new one gets (it
	// must not tell who has an account); its owner gets a mail.
	const checkMail = "Periksa email Anda di "
	h.typeIn(v.name.entry, "Intan")
	h.typeIn(v.email.entry, "ADA@natunakab.go.id")
	h.enter()
	h.wantLabel("known address", v.f.note, checkMail+"ada@natunakab.go.id")
	if shown(v.email.msg) != "" || !v.inbox.Visible() {
		t.Errorf("known address: error %q, Kotak Masuk shown %v", shown(v.email.msg), v.inbox.Visible())
	}
	known := v.f.note.Text
	if ms := h.mails("ada@natunakab.go.id"); len(ms) == 0 || ms[0].Kind != authority.MailRegisterAttempt {
		t.Fatalf("owner not told: %+v", ms)
	}
	h.typeIn(v.name.entry, "Intan Permata")
	h.typeIn(v.email.entry, "intan@natunakab.go.id")
	h.enter()
	h.wantLabel("registered", v.f.note, checkMail+"intan@natunakab.go.id")
	if strings.Replace(v.f.note.Text, "intan@", "ada@", 1) != known {
		t.Errorf("answers differ:\nknown %q\nnew   %q", known, v.f.note.Text)
	}
	ms := h.mails("intan@natunakab.go.id")
	if len(ms) != 1 || ms[0].Kind != authority.MailActivation {
		t.Fatalf("activation mail missing: %+v", ms)
	}
	// the activation mail's action opens Lupa Password pre-filled
	h.tap(v.inbox)
	if h.ui.tabs.Selected() != h.ui.inItem {
		t.Fatal("not on Kotak Masuk")
	}
	h.tap(h.ui.inbox.action)
	h.wantView("Lupa Password", a.forgot.content)
	if a.forgot.login.entry.Text != "intan@natunakab.go.id" {
		t.Fatalf("forgot pre-filled with %q", a.forgot.login.entry.Text)
	}
}

func TestRegisterSwitchedOff(t *testing.T) {
	// the authority refuses even when a stale screen offers it
	h := newHarness(t, func(c *harnessConfig) {
		c.uiSelfRegistration = true
		c.authOpts = func(o *embedded.Options) { o.SelfRegistration = false }
	})
	v := h.ui.account.register
	h.ui.account.showRegister()
	h.typeIn(v.name.entry, "Joko")
	h.typeIn(v.email.entry, "joko@natunakab.go.id")
	h.enter()
	h.wantLabel("registration off", v.f.top, "Pendaftaran mandiri tidak diaktifkan.")

	// and the sign-in form offers no Daftar when the configuration says so
	h2 := newHarness(t)
	if hasLink(h2.ui.account.signIn.content, "Daftar") {
		t.Fatal("Daftar offered with self-registration off")
	}
}

func TestSessionExpired(t *testing.T) {
	h := newHarness(t)
	h.user("Kiki", "kiki@natunakab.go.id")
	secret := h.activate("kiki@natunakab.go.id", "password-kiki")
	h.signIn("kiki", "password-kiki", secret)
	h.clock.Add(13 * time.Hour)
	h.ui.tabs.Select(h.ui.otpItem)
	h.ui.otp.refresh()
	h.wait()
	if h.ui.state.session != nil || h.ui.tabs.Selected() != h.ui.akunTab {
		t.Fatal("an expired session was not dropped")
	}
	h.wantLabel("session expired", h.ui.account.signIn.f.top, "Sesi Anda telah berakhir.")
}

// blockingAuthority holds SignIn until release is closed, to look at the
// form while the real authority works.
type blockingAuthority struct {
	authority.Authority
	release chan struct{}
}

func (b blockingAuthority) SignIn(ctx context.Context, req authority.SignInRequest) (authority.SignInResponse, error) {
	<-b.release
	return b.Authority.SignIn(ctx, req)
}

func TestBusyWhileWorking(t *testing.T) {
	release := make(chan struct{})
	h := newHarness(t, func(c *harnessConfig) {
		c.wrap = func(a authority.Authority) authority.Authority { return blockingAuthority{a, release} }
	})
	v := h.ui.account.signIn
	h.typeIn(v.login.entry, "siapa")
	h.typeIn(v.password.entry, "apa-saja-123")
	h.win.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if !v.f.button.Disabled() || v.f.button.Text != "Memproses..." {
		t.Fatalf("button %q disabled=%v while working", v.f.button.Text, v.f.button.Disabled())
	}
	// Enter again does nothing while busy
	v.f.trySubmit()
	close(release)
	h.wait()
	if v.f.button.Disabled() || v.f.button.Text != "Masuk" {
		t.Fatalf("button %q disabled=%v after work", v.f.button.Text, v.f.button.Disabled())
	}
	h.wantLabel("result", v.f.top, "Username/email atau password salah.")
}

// Every sentinel has its own sentence; none falls through to the general one.
func TestMessages(t *testing.T) {
	newHarness(t) // Indonesian
	general := message(errors.New("disk full"))
	seen := map[string]error{}
	for name, err := range userSentinels(t) {
		if err == nil {
			continue // reaches the user elsewhere (see sentinelValues)
		}
		msg := message(fmt.Errorf("wrapped: %w", err))
		if msg == general || msg == "" {
			t.Errorf("%s (%v) has no message of its own", name, err)
		}
		if name == "link.ErrInvalid" {
			// a pasted text that is no link at all reads as a bad link
			if msg != message(authority.ErrTokenInvalid) {
				t.Errorf("link.ErrInvalid: %q", msg)
			}
			continue
		}
		if prev, dup := seen[msg]; dup {
			t.Errorf("%v and %v share %q", err, prev, msg)
		}
		seen[msg] = err
		if strings.Contains(msg, "{{") {
			t.Errorf("%v: template not filled: %q", err, msg)
		}
	}
	// a wrong OTP code is reported as such even though it also counts as
	// wrong credentials
	if got := message(fmt.Errorf("%w: %w", authority.ErrInvalidCredentials, authority.ErrOTPInvalid)); got != "Kode OTP tidak valid." {
		t.Fatalf("wrong code: %q", got)
	}
	if !strings.Contains(message(authority.ErrPasswordTooLong), "128") {
		t.Fatal("the password limit is not in its message")
	}
}

// Errors the user cannot fix get the general sentence, and nothing breaks.
func TestInternalErrors(t *testing.T) {
	h := newHarness(t)
	h.auth.Close()
	const general = "Terjadi kesalahan. Coba lagi; jika terus terjadi, hubungi bagian TI."
	v := h.ui.account.signIn
	h.typeIn(v.login.entry, "siapa")
	h.typeIn(v.password.entry, "apa-saja-123")
	h.enter()
	h.wantLabel("sign-in", v.f.top, general)
	if v.f.button.Disabled() {
		t.Fatal("button stays disabled after an error")
	}
	if uiRemote {
		return // signed out, a server's Kotak Masuk asks to sign in (TestInboxOnServer)
	}
	h.ui.tabs.Select(h.ui.inItem)
	h.wait()
	h.wantLabel("inbox", h.ui.inbox.errMsg, general)
}

// sentinelValues are the authority's sentinel errors by name; a nil value
// marks one that never reaches these screens.
var sentinelValues = map[string]error{
	"ErrInvalidCredentials": authority.ErrInvalidCredentials, "ErrNameRequired": authority.ErrNameRequired,
	"ErrNameTooLong": authority.ErrNameTooLong, "ErrNameInvalid": authority.ErrNameInvalid,
	"ErrEmailInvalid": authority.ErrEmailInvalid, "ErrEmailTaken": authority.ErrEmailTaken,
	"ErrEmailDomain": authority.ErrEmailDomain, "ErrRegistrationOff": authority.ErrRegistrationOff,
	"ErrLoginRequired": authority.ErrLoginRequired, "ErrLoginTooLong": authority.ErrLoginTooLong,
	"ErrPasswordRequired": authority.ErrPasswordRequired, "ErrPasswordTooShort": authority.ErrPasswordTooShort,
	"ErrPasswordTooLong": authority.ErrPasswordTooLong, "ErrPasswordMismatch": authority.ErrPasswordMismatch,
	"ErrTokenInvalid": authority.ErrTokenInvalid, "ErrTokenExpired": authority.ErrTokenExpired,
	"ErrTokenUsed": authority.ErrTokenUsed, "ErrSessionExpired": authority.ErrSessionExpired,
	"ErrOTPRequired": authority.ErrOTPRequired, "ErrOTPFormat": authority.ErrOTPFormat,
	"ErrOTPInvalid": authority.ErrOTPInvalid, "ErrOTPReused": authority.ErrOTPReused,
	"ErrOTPSetupRequired": authority.ErrOTPSetupRequired, "ErrDeviceNameMissing": authority.ErrDeviceNameMissing,
	"ErrDeviceNameTooLong": authority.ErrDeviceNameTooLong, "ErrDeviceNameInvalid": authority.ErrDeviceNameInvalid,
	"ErrLastOTPDevice": authority.ErrLastOTPDevice, "ErrEnrolmentUnknown": authority.ErrEnrolmentUnknown,
	"ErrSignInRequired": authority.ErrSignInRequired, "ErrRoleInvalid": authority.ErrRoleInvalid,
	"ErrLanguageInvalid": authority.ErrLanguageInvalid, "ErrNotFound": authority.ErrNotFound,
	"link.ErrInvalid": link.ErrInvalid, "ErrRequestReused": authority.ErrRequestReused,
	// Opening the data dir: the app explains these before any screen exists.
	"embedded.ErrCorruptDatabase": nil, "embedded.ErrDatabaseTooNew": nil, "embedded.ErrWrongMasterKey": nil, "embedded.ErrMasterKeyInvalid": nil,
	// Administration only (besign admin users import).
	"ErrImportRejected": nil,
	// The authority was closed: only at shutdown, the general sentence.
	"ErrClosed": nil,
	// The signing queue's are set by signing_test.go.
}

// userSentinels returns every exported Err variable declared in the
// authority, embedded and link packages, read from their source, so that a sentinel
// added there fails this test until it is placed in sentinelValues (and so
// gets a message, or a reason why the screens never show it).
func userSentinels(t *testing.T) map[string]error {
	t.Helper()
	found := map[string]error{}
	fset := token.NewFileSet()
	for dir, prefix := range map[string]string{"../authority": "", "../authority/embedded": "embedded.", "../authority/link": "link."} {
		for _, af := range sourceFiles(t, fset, dir) {
			for _, d := range af.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.VAR {
					continue
				}
				for _, s := range g.Specs {
					for _, n := range s.(*ast.ValueSpec).Names {
						if !n.IsExported() || !strings.HasPrefix(n.Name, "Err") {
							continue
						}
						name := prefix + n.Name
						v, ok := sentinelValues[name]
						if !ok {
							t.Errorf("%s is not in sentinelValues: give it a message in messages.go", name)
						}
						found[name] = v
					}
				}
			}
		}
	}
	if len(found) < 30 {
		t.Fatalf("found only %d sentinels; is the scan broken?", len(found))
	}
	for name := range sentinelValues {
		if _, ok := found[name]; !ok {
			t.Errorf("sentinelValues names %s, which the packages no longer declare", name)
		}
	}
	return found
}

// A password reset ends the signed-in session of that account, and only of
// that account: the screens ask the authority instead of assuming it.
func TestResetWhileSignedIn(t *testing.T) {
	h := newHarness(t)
	a := h.ui.account
	h.user("Hana", "hana@natunakab.go.id")
	h.user("Iwan", "iwan@natunakab.go.id")
	secret := h.activate("hana@natunakab.go.id", "password-hana")
	h.activate("iwan@natunakab.go.id", "password-iwan")

	resetTo := func(email, pw string) {
		t.Helper()
		if err := h.auth.RequestReset(context.Background(), authority.ResetRequest{Login: email}); err != nil {
			t.Fatal(err)
		}
		h.openNewestResetMail(email)
		h.wantView("Perbarui Password", a.password.content)
		h.typeIn(a.password.pw.entry, pw)
		h.typeIn(a.password.confirm.entry, pw)
		h.enter()
		h.wantView("Masuk", a.signIn.content)
	}

	// another account's reset leaves Hana signed in
	h.signIn("hana", "password-hana", secret)
	resetTo("iwan@natunakab.go.id", "password-iwan-2")
	if h.ui.state.session == nil {
		t.Fatal("another account's reset ended the session")
	}
	// her own reset ends it
	resetTo("hana@natunakab.go.id", "password-hana-2")
	if h.ui.state.session != nil {
		t.Fatal("the session outlived the reset that revoked it")
	}
}
