package e2e

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/datadir"
)

// verifiedAccount prepares, through the authority on the data dir, an
// account with a password, an OTP device and an approved activation, as the
// earlier steps (driven by TestSeedPath and the activation tests) leave it.
// It returns the OTP secret and the passphrase link of the approval mail.
func verifiedAccount(t *testing.T, dataDir string) (secret, passLink string) {
	t.Helper()
	local, err := datadir.Open(dataDir, config.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	a, bg := local.Authority, context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = a.CreateUser(bg, authority.CreateUserRequest{Name: "Arman Salim", Email: email})
	must(err)
	must(a.RequestReset(bg, authority.ResetRequest{Login: email}))
	mails, _ := a.Outbox(bg, authority.OutboxQuery{To: email})
	u, _ := url.Parse(mails[0].ActionLink)
	tk, err := a.OpenReset(bg, u.Query().Get("token"))
	must(err)
	en, err := a.BeginOTPEnrolment(bg, tk.Ticket)
	must(err)
	code, step := totp(t, en.Secret, 0)
	_, err = a.ConfirmOTPEnrolment(bg, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID, Code: code, DeviceName: "HP"})
	must(err)
	must(a.SetPassword(bg, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: password, Confirmation: password}))
	r, err := a.SignIn(bg, authority.SignInRequest{Login: email, Password: password})
	must(err)
	code, _ = totp(t, en.Secret, step)
	s, err := a.SignInOTP(bg, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: code})
	must(err)
	img := image.NewGray(image.Rect(0, 0, 300, 360))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var photo bytes.Buffer
	jpeg.Encode(&photo, img, nil)
	_, err = a.SubmitActivation(bg, authority.ActivationRequest{Token: s.Token, Data: authority.ActivationData{
		Name: "Arman Salim", NIK: "2103010101900001", GelarDepan: "-", GelarBelakang: "S.T.", Phone: "081234567890",
		Employment: authority.EmploymentASN, NIP: "199001012015031001", Unit: "Diskominfo", Jabatan: "Pranata Komputer",
		Province: "21", Photo: photo.Bytes(), Consent: true}})
	must(err)
	_, err = a.AdminDecideActivation(bg, authority.DecisionRequest{Email: email, Approve: true})
	must(err)
	a.SignOut(bg, s.Token)
	mails, _ = a.Outbox(bg, authority.OutboxQuery{To: email})
	return en.Secret, mails[0].ActionLink
}

// TestPassphrase opens the "[BSrE] Set Passphrase" link, shows the rules'
// checklist and the seed's error, creates the passphrase, and signs in to
// see the certificate in the Akun tab.
func TestPassphrase(t *testing.T) {
	e := setup(t)
	secret, link := verifiedAccount(t, e.dataDir)
	if !strings.HasPrefix(link, "besign://passphrase?token=") {
		t.Fatalf("approval mail's link %q", link)
	}
	d := startXvfb(t)
	ctx, cancel := context.WithCancel(context.Background())
	app := exec.CommandContext(ctx, e.bin, "--data-dir", e.dataDir, link)
	app.Env = append(os.Environ(), "DISPLAY="+d.name)
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); app.Wait() })
	win := d.waitWindow(t, title, 20*time.Second)
	d.x(t, "xdotool", "windowfocus", "--sync", win)
	form := d.settled(t, e.artifacts, "30-buat-passphrase", "")

	// A passphrase without a symbol: four rules ticked, the seed's error.
	d.typeText(t, "Contoh22")
	typed := d.settled(t, e.artifacts, "31-buat-passphrase-daftar-aturan", form)
	d.key(t, "Return")
	failed := d.settled(t, e.artifacts, "32-buat-passphrase-aturan-kurang", typed)

	// The whole passphrase, its confirmation, the consent; Buat Passphrase.
	d.typeText(t, "!")
	d.key(t, "Tab")
	d.typeText(t, "Contoh22!")
	d.key(t, "Tab", "space")
	filled := d.settled(t, e.artifacts, "33-buat-passphrase-diisi", failed)
	d.key(t, "Tab", "Tab", "space")
	waitCertificate(t, e.dataDir)
	done := d.settled(t, e.artifacts, "34-passphrase-berhasil", filled)

	// Sign in: the Akun tab shows the certificate.
	d.typeText(t, email)
	d.key(t, "Tab")
	d.typeText(t, password)
	d.key(t, "Return")
	otpStep := d.settled(t, e.artifacts, "35-kode-otp", done)
	code, _ := totp(t, secret, time.Now().Unix()/30)
	d.typeText(t, code)
	d.key(t, "Return")
	account := d.settled(t, e.artifacts, "36-akun-sertifikat", otpStep)

	// Ganti Passphrase, by the keyboard: the view focuses Keluar, and the
	// two buttons under the certificate come before it (Lupa Passphrase,
	// then Ganti Passphrase). A click at fixed coordinates missed it.
	d.key(t, "shift+Tab", "shift+Tab", "space")
	change := d.settled(t, e.artifacts, "37-ganti-passphrase", account)
	d.typeText(t, "Contoh22!")
	d.key(t, "Tab")
	d.typeText(t, "baru")
	d.key(t, "Tab")
	d.settled(t, e.artifacts, "38-ganti-passphrase-daftar-aturan", change)
}

// waitCertificate waits until the account's certificate is issued, asking
// the authority on the data dir beside the running app.
func waitCertificate(t *testing.T, dataDir string) {
	t.Helper()
	waitCertificateOn(t, func() (*embedded.Authority, string, func()) { return beside(t, dataDir) })
}

// waitCertificateOn is waitCertificate on the authority open gives.
func waitCertificateOn(t *testing.T, open func() (*embedded.Authority, string, func())) {
	t.Helper()
	a, token, done := open()
	defer done()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		info, err := a.Certificate(context.Background(), token)
		if err == nil && info.Status == authority.StatusIssue {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no certificate issued: %+v, %v", info, err)
		}
	}
}

// beside opens the authority on the data dir beside the running app (as IT's
// CLI does) with a session of the test's account; done ends both.
func beside(t *testing.T, dataDir string) (a *embedded.Authority, token string, done func()) {
	t.Helper()
	local, err := datadir.Open(dataDir, config.Default())
	if err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	e := local.Authority.(*embedded.Authority)
	s, err := e.LocalSession(bg, email)
	if err != nil {
		local.Close()
		t.Fatal(err)
	}
	return e, s.Token, func() {
		local.Authority.SignOut(bg, s.Token)
		local.Close()
	}
}
