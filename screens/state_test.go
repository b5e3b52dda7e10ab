package screens

import (
	"context"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
)

// The tabs show the state as it is now: an approval made elsewhere (here
// the administration role of the real authority, as `besign admin
// activations approve` does) shows in the Aktivasi tab and in the Akun
// tab's next step as soon as either is selected, without signing in
// again. The next step is a button, and Keluar is not the primary one.
func TestTabsFollowApproval(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) {
		c.authOpts = func(o *embedded.Options) { o.Instansi = "Pemerintah Kabupaten Natuna" }
	})
	h.user("Siti Rahmawati", actEmail)
	secret := h.activate(actEmail, actPass)
	h.signIn(actEmail, actPass, secret)
	d := h.ui.account.details
	if d.signOut.Importance == widget.HighImportance {
		t.Fatal("Keluar is the primary button")
	}
	// nothing sent yet: the next step is a button to the Aktivasi tab
	if d.cert.status.Text != "Belum terdaftar" || !d.cert.activate.Visible() || d.cert.create.Visible() {
		t.Fatalf("before activation: %q, Buka Aktivasi shown %v", d.cert.status.Text, d.cert.activate.Visible())
	}
	h.tap(d.cert.activate)
	if h.ui.tabs.Selected() != h.ui.actItem {
		t.Fatal("Buka Aktivasi did not open the Aktivasi tab")
	}

	photo, err := os.ReadFile(photoFile(t, "good"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.auth.SubmitActivation(context.Background(), authority.ActivationRequest{Token: h.ui.state.session.Token, Data: authority.ActivationData{
		Name: "Siti Rahmawati", NIK: goodNIK, GelarDepan: "-", GelarBelakang: "S.Kom.", Phone: "081234567890",
		Employment: authority.EmploymentASN, NIP: goodNIP, Unit: "Dinas Komunikasi dan Informatika", Jabatan: "Pranata Komputer",
		Province: "21", Photo: photo, Consent: true}}); err != nil {
		t.Fatal(err)
	}
	selectTab := func(it *container.TabItem) {
		h.ui.tabs.Select(h.ui.inItem) // away first: selecting the shown tab is no event
		h.wait()
		h.ui.tabs.Select(it)
		h.wait()
	}
	selectTab(h.ui.actItem)
	act := h.ui.act
	if act.content.Objects[0] != act.status.content || act.status.status.Text != "Menunggu verifikasi" {
		t.Fatalf("after sending: %q", act.status.status.Text)
	}
	selectTab(h.ui.akunTab)
	if d.cert.status.Text != "Menunggu verifikasi" || d.cert.activate.Visible() || d.cert.create.Visible() {
		t.Fatalf("Akun while waiting: %q", d.cert.status.Text)
	}

	if _, err := h.auth.AdminDecideActivation(context.Background(), authority.DecisionRequest{Email: actEmail, Approve: true}); err != nil {
		t.Fatal(err)
	}
	selectTab(h.ui.actItem)
	if got := act.status.status.Text; got != "Terverifikasi" {
		t.Fatalf("Aktivasi after the approval says %q", got)
	}
	selectTab(h.ui.akunTab)
	if d.cert.status.Text != "Belum ada sertifikat" || !d.cert.create.Visible() {
		t.Fatalf("Akun after the approval: %q, Buat Passphrase shown %v", d.cert.status.Text, d.cert.create.Visible())
	}
	if d.cert.create.Importance != widget.HighImportance {
		t.Fatal("Buat Passphrase is not the primary button")
	}
	h.tap(d.cert.create)
	h.wantView("Buat Passphrase", h.ui.account.create.content)
}

// Messages on OTP set-up do not move its buttons: a wrong code's message,
// its disappearance when the code is typed again, and the form's own error
// leave Kirim where it was (it used to jump 40 px under the mouse). The
// wrong code is cleared from the field, at set-up and at sign-in.
func TestOTPSetupStable(t *testing.T) {
	h := newHarness(t)
	h.user("Arman Salim", "armansalim@natunakab.go.id")
	a := h.ui.account
	h.win.Resize(fyne.NewSize(1024, 600-menuBarHeight))
	h.requestReset("armansalim@natunakab.go.id")
	h.openNewestResetMail("armansalim@natunakab.go.id")
	v := a.setup
	h.wantView("Pengaturan OTP", v.content)
	drv := fyne.CurrentApp().Driver()
	where := func() fyne.Position { return drv.AbsolutePositionForObject(v.f.button) }
	home := where()
	check := func(step string) {
		t.Helper()
		if p := where(); p != home {
			t.Fatalf("%s: Kirim moved from %v to %v", step, home, p)
		}
	}
	secret := h.manualKey(v)
	check("Tidak bisa memindai?")
	h.typeIn(v.code.entry, "000000")
	if h.code(secret, 0) == "000000" {
		t.Skip("the right code is 000000 this time")
	}
	h.typeIn(v.name.entry, "Ponsel kantor")
	h.enter()
	if shown(v.code.msg) == "" {
		t.Fatal("a wrong code shows no message")
	}
	if v.code.entry.Text != "" {
		t.Fatalf("the wrong code stays in the field: %q", v.code.entry.Text)
	}
	if h.win.Canvas().Focused() != v.code.entry {
		t.Fatal("the code field does not have the focus after a wrong code")
	}
	check("wrong code")
	h.win.Canvas().Focus(v.name.entry)
	h.win.Canvas().Focus(v.code.entry)
	check("focus on the code")
	h.win.Canvas().Focused().TypedRune('1')
	if shown(v.code.msg) != "" {
		t.Fatal("typing did not hide the message")
	}
	check("message hidden")
	v.f.setError("Kesalahan untuk uji")
	check("form error")
	h.typeIn(v.code.entry, h.code(secret, 0))
	h.enter()
	h.wantView("Perbarui Password", a.password.content)

	// sign-in: a wrong code is cleared too
	h.typeIn(a.password.pw.entry, "rahasia-baru-1")
	h.typeIn(a.password.confirm.entry, "rahasia-baru-1")
	h.enter()
	h.clock.Add(60e9)
	h.typeIn(a.signIn.password.entry, "rahasia-baru-1")
	h.enter()
	h.wantView("OTP step", a.otpStep.content)
	h.typeIn(a.otpStep.code.entry, "000001")
	h.enter()
	if shown(a.otpStep.code.msg) == "" || a.otpStep.code.entry.Text != "" {
		t.Fatalf("sign-in: message %q, field %q", shown(a.otpStep.code.msg), a.otpStep.code.entry.Text)
	}
}
