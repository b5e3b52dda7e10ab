package e2e

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	pqtotp "github.com/pquerna/otp/totp"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/datadir"
)

const (
	actEmail = "sitirahmawati@natunakab.go.id"
	actNIK   = "2103015901950003"
	actPhone = "081234567890"

	verifierEmail = "budi@natunakab.go.id"
)

// prepareAccount gives an account its password and an OTP device through
// the authority (the seed path's screens are TestSeedPath's), and returns
// the OTP key. The enrolment's code is the previous time step's, so that
// the current one is free for the sign-in.
func prepareAccount(t *testing.T, dataDir, name, email string, role authority.Role) string {
	t.Helper()
	local, err := datadir.Open(dataDir, config.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	a, ctx := local.Authority, context.Background()
	if _, err := a.CreateUser(ctx, authority.CreateUserRequest{Name: name, Email: email, Role: role}); err != nil {
		t.Fatal(err)
	}
	if err := a.RequestReset(ctx, authority.ResetRequest{Login: email}); err != nil {
		t.Fatal(err)
	}
	mails, err := a.Outbox(ctx, authority.OutboxQuery{To: email})
	if err != nil || len(mails) == 0 {
		t.Fatal(mails, err)
	}
	u, _ := url.Parse(mails[0].ActionLink)
	tk, err := a.OpenReset(ctx, u.Query().Get("token"))
	if err != nil {
		t.Fatal(err)
	}
	en, err := a.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := pqtotp.GenerateCodeCustom(en.Secret, time.Now().Add(-30*time.Second),
		pqtotp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if _, err := a.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID, Code: code, DeviceName: "HP"}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: password, Confirmation: password}); err != nil {
		t.Fatal(err)
	}
	return en.Secret
}

// TestActivationPath continues the journey: signed in, the Aktivasi tab's
// three steps by keyboard, the photo from a file (no camera here) through
// the file dialog, consent and submit; then a verifier's approval in the
// Verifikasi tab, its mail, and a data dir holding neither the NIK, the
// phone number nor JPEG bytes in clear.
func TestActivationPath(t *testing.T) {
	e := setup(t)
	// This test runs the app at another scale, so every widget sits
	// elsewhere than in the other tests: a step found by fixed coordinates
	// (the notice's OK, the file dialog, the Verifikasi tab once were)
	// misses here; steps found by focus order do not.
	t.Setenv("FYNE_SCALE", "1.2")
	photo := photoAtHome(t)
	secret := prepareAccount(t, e.dataDir, "Siti Rahmawati", actEmail, authority.RoleSigner)
	vsecret := prepareAccount(t, e.dataDir, "Budi Verifikator", verifierEmail, authority.RoleVerifier)

	d := startXvfb(t)
	e.startApp(t, d)
	shot := func(step string) string { return d.screenshot(t, e.artifacts, step) }
	before := shot("20-masuk")
	d.typeText(t, actEmail)
	d.key(t, "Tab")
	d.typeText(t, password)
	d.key(t, "Return")
	before = d.settled(t, e.artifacts, "21-kode-otp", before)
	code, _ := totp(t, secret, 0)
	d.typeText(t, code)
	d.key(t, "Return")
	before = d.settled(t, e.artifacts, "22-masuk-berhasil", before)
	before = e.activate(t, d, "", before, actNIK, actPhone)
	e.waitCLI(t, "WAITING_FOR_VERIFICATION", "admin", "activations", "list")

	show := e.cli(t, "admin", "activations", "show", actEmail)
	for _, want := range []string{actNIK, "+6281234567890", "Kepulauan Riau (21)", "Kecamatan Bunguran Timur", "jpeg 640x480"} {
		if !strings.Contains(show, want) {
			t.Errorf("activation lacks %q:\n%s", want, show)
		}
	}
	// A verifier signs in on the same window and approves in Verifikasi.
	d.closeNotice(t)
	before = d.settled(t, e.artifacts, "31-notice-closed", before)
	d.key(t, "ctrl+1")
	before = d.settled(t, e.artifacts, "32-akun", before)
	d.key(t, "space") // Keluar has the focus
	before = d.settled(t, e.artifacts, "33-keluar", before)
	d.key(t, "ctrl+a")
	d.typeText(t, verifierEmail)
	d.key(t, "Tab")
	d.typeText(t, password)
	d.key(t, "Return")
	before = d.settled(t, e.artifacts, "34-kode-otp-verifikator", before)
	code, _ = totp(t, vsecret, 0)
	d.typeText(t, code)
	d.key(t, "Return")
	before = d.settled(t, e.artifacts, "35-verifikator-masuk", before)
	// Tab buttons take no focus: Ctrl+7 is the keyboard's way to Verifikasi.
	d.key(t, "ctrl+7")
	before = d.settled(t, e.artifacts, "36-verifikasi", before)
	d.key(t, "space") // Setujui has the focus
	e.waitCLI(t, "verified", "admin", "activations", "list")
	d.settled(t, e.artifacts, "37-disetujui", before)
	e.waitCLI(t, "Subject: [BSrE] Set Passphrase", "admin", "outbox", "--to", actEmail)
	if show := e.cli(t, "admin", "activations", "show", actEmail); !strings.Contains(show, verifierEmail) {
		t.Errorf("not decided by the verifier:\n%s", show)
	}

	// Nothing personal in clear in the data dir.
	files, err := os.ReadDir(e.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	scanned := 0
	for _, f := range files {
		if !f.Type().IsRegular() {
			continue // folders, and the running app's socket
		}
		b, err := os.ReadFile(filepath.Join(e.dataDir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		scanned += len(b)
		for what, needle := range map[string][]byte{"NIK": []byte(actNIK), "phone": []byte("81234567890"), "JPEG": {0xff, 0xd8, 0xff, 0xdb}} {
			if bytes.Contains(b, needle) {
				t.Errorf("%s holds the %s in clear", f.Name(), what)
			}
		}
	}
	if scanned < len(photo)/4 {
		t.Fatalf("scanned only %d bytes of the data dir", scanned)
	}
}

// photoAtHome makes a home directory holding one photo, foto-siti.jpg, where
// the file dialog opens, and returns the photo.
func photoAtHome(t *testing.T) []byte {
	t.Helper()
	home := t.TempDir()
	img := image.NewGray(image.Rect(0, 0, 640, 480))
	r := rand.New(rand.NewPCG(3, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8(60 + r.IntN(136))
	}
	var photo bytes.Buffer
	if err := jpeg.Encode(&photo, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "foto-siti.jpg"), photo.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	return photo.Bytes()
}

// activate fills in and submits the Aktivasi tab of the signed-in account by
// keyboard, with the photo of photoAtHome through the file dialog (no
// camera here). Screenshots are named prefix+step; before is the screen it
// starts from. It returns the screenshot of the submitted activation.
func (e env) activate(t *testing.T, d *display, prefix, before, nik, phone string) string {
	t.Helper()
	// 1 Data Diri: the cursor is in Nama Lengkap, filled from the account.
	d.key(t, "ctrl+4")
	before = d.settled(t, e.artifacts, prefix+"23-aktivasi", before)
	d.key(t, "Tab")
	d.typeText(t, nik)
	d.key(t, "Tab")
	d.typeText(t, "-")
	d.key(t, "Tab")
	d.typeText(t, "S.Kom.")
	d.key(t, "Tab")
	d.typeText(t, phone)
	before = d.settled(t, e.artifacts, prefix+"24-data-diri", before)
	d.key(t, "Return")
	before = d.settled(t, e.artifacts, prefix+"25-data-kedinasan", before)

	// 2 Data Kedinasan: "Lainnya", unit and jabatan by hand, Kepulauan Riau.
	d.key(t, "Tab", "space", "Tab")
	d.typeText(t, "Kecamatan Bunguran Timur")
	d.key(t, "Tab")
	d.typeText(t, "Camat")
	d.key(t, "Tab", "space")
	for range 10 {
		d.key(t, "Down")
	}
	d.key(t, "Return")
	before = d.settled(t, e.artifacts, prefix+"26-data-kedinasan-diisi", before)
	d.key(t, "Tab", "Tab", "space")
	before = d.settled(t, e.artifacts, prefix+"27-foto-diri", before)

	// 3 Foto Diri: "Pilih file foto", the photo in the dialog, "Open".
	d.key(t, "Tab", "Tab", "space")
	before = d.settled(t, e.artifacts, prefix+"28-pilih-file", before)
	e.pickPhoto(t, d, prefix, before)
	before = d.settled(t, e.artifacts, prefix+"29-foto-dipilih", before)
	// The consent has the focus; then past both texts and Sebelumnya to Submit.
	d.key(t, "space", "Tab", "Tab", "Tab", "Tab", "space")
	return d.settled(t, e.artifacts, prefix+"30-terkirim", before)
}

// pickPhoto chooses foto-siti.jpg in fyne's file dialog by its focus order,
// which follows the dialog's widget tree, not its layout: nothing has the
// focus when it opens; Tab reaches the places list, Tab the file grid,
// whose item 0 is (Parent) and item 1 the one photo at home (Right, Space
// selects it and enables Open); Shift+Tab goes back to the places list and
// once more wraps round to Open, the last widget. The screen must change
// after the highlight and the selection (a focus move barely shows), so a
// key that did nothing fails at its own step.
func (e env) pickPhoto(t *testing.T, d *display, prefix, before string) {
	t.Helper()
	d.key(t, "Tab", "Tab", "Right")
	before = d.settled(t, e.artifacts, prefix+"28a-kisi-file", before)
	d.key(t, "space")
	d.settled(t, e.artifacts, prefix+"28b-file-dipilih", before)
	d.key(t, "shift+Tab", "shift+Tab", "space")
}

// closeNotice presses the OK of a fyne notice (dialog.ShowInformation): its
// one focusable widget, so Tab reaches it wherever the dialog is drawn.
func (d *display) closeNotice(t *testing.T) {
	t.Helper()
	d.key(t, "Tab", "space")
}
