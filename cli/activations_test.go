package cli

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/datadir"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// submitActivation creates an account, signs it in through the real reset
// and OTP flow and submits a valid activation, on the data dir the CLI uses.
func submitActivation(t *testing.T, dir, name, email string) {
	t.Helper()
	submitActivationIn(t, dir, name, email, "")
}

// submitActivationIn is submitActivation for an account of language (empty:
// the configured default).
func submitActivationIn(t *testing.T, dir, name, email string, language authority.Language) {
	t.Helper()
	local, err := datadir.Open(dir, config.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	a, bg := local.Authority, context.Background()
	if _, err := a.CreateUser(bg, authority.CreateUserRequest{Name: name, Email: email, Language: language}); err != nil {
		t.Fatal(err)
	}
	if err := a.RequestReset(bg, authority.ResetRequest{Login: email}); err != nil {
		t.Fatal(err)
	}
	mails, _ := a.Outbox(bg, authority.OutboxQuery{To: email})
	u, _ := url.Parse(mails[0].ActionLink)
	tk, err := a.OpenReset(bg, u.Query().Get("token"))
	if err != nil {
		t.Fatal(err)
	}
	en, err := a.BeginOTPEnrolment(bg, tk.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	opts := totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	code, _ := totp.GenerateCodeCustom(en.Secret, time.Now(), opts)
	if _, err := a.ConfirmOTPEnrolment(bg, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID, Code: code, DeviceName: "HP"}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetPassword(bg, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: "Rahasia#2026", Confirmation: "Rahasia#2026"}); err != nil {
		t.Fatal(err)
	}
	r, err := a.SignIn(bg, authority.SignInRequest{Login: email, Password: "Rahasia#2026"})
	if err != nil {
		t.Fatal(err)
	}
	code, _ = totp.GenerateCodeCustom(en.Secret, time.Now().Add(30*time.Second), opts)
	s, err := a.SignInOTP(bg, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: code})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewGray(image.Rect(0, 0, 300, 360))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.White)
	var photo bytes.Buffer
	jpeg.Encode(&photo, img, nil)
	_, err = a.SubmitActivation(bg, authority.ActivationRequest{Token: s.Token, Data: authority.ActivationData{
		Name: name, NIK: "2103015901950003", GelarDepan: "-", GelarBelakang: "S.Kom.", Phone: "081234567890",
		Employment: authority.EmploymentASN, NIP: "199501192022032003", Unit: "Diskominfo", Jabatan: "Pranata Komputer",
		Province: "21", Photo: photo.Bytes(), Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAdminActivations(t *testing.T) {
	dir := t.TempDir()
	submitActivation(t, dir, "Siti Rahmawati", "siti@natunakab.go.id")

	code, out, errOut := run(t, dir, "admin", "activations", "list")
	if code != 0 || !strings.Contains(out, "siti@natunakab.go.id") || !strings.Contains(out, "WAITING_FOR_VERIFICATION") {
		t.Fatalf("list: exit %d: %q %q", code, out, errOut)
	}
	code, out, _ = run(t, dir, "admin", "activations", "show", "siti@natunakab.go.id")
	if code != 0 {
		t.Fatalf("show: exit %d", code)
	}
	mustHave(t, "show", out, "2103015901950003", "+6281234567890", "Kepulauan Riau (21)", "jpeg 300x360", "Diskominfo")
	if strings.Contains(out, "\xff\xd8") || strings.Contains(out, "JFIF") {
		t.Error("show printed the photo's bytes")
	}
	code, _, errOut = run(t, dir, "admin", "activations", "reject", "siti@natunakab.go.id")
	if code != 2 || !strings.Contains(errOut, "reason") {
		t.Errorf("reject without reason: exit %d %q", code, errOut)
	}
	code, out, _ = run(t, dir, "admin", "activations", "reject", "siti@natunakab.go.id", "--reason", "Foto buram")
	if code != 0 || !strings.Contains(out, "rejected") {
		t.Fatalf("reject: exit %d %q", code, out)
	}
	code, _, errOut = run(t, dir, "admin", "activations", "approve", "siti@natunakab.go.id")
	if code != 1 || !strings.Contains(errOut, "not waiting") {
		t.Errorf("approve a rejected one: exit %d %q", code, errOut)
	}
	_, out, _ = run(t, dir, "admin", "outbox", "--to", "siti@natunakab.go.id")
	mustHave(t, "outbox", out, "Foto buram", "Ditolak")
	code, _, errOut = run(t, dir, "admin", "activations", "show", "nobody@natunakab.go.id")
	if code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("show unknown: exit %d %q", code, errOut)
	}
}

func TestAdminActivationsApprove(t *testing.T) {
	dir := t.TempDir()
	submitActivation(t, dir, "Siti Rahmawati", "siti@natunakab.go.id")
	code, out, _ := run(t, dir, "admin", "activations", "approve", "siti@natunakab.go.id")
	if code != 0 || !strings.Contains(out, "approved") {
		t.Fatalf("approve: exit %d %q", code, out)
	}
	_, out, _ = run(t, dir, "admin", "outbox", "--to", "siti@natunakab.go.id")
	mustHave(t, "outbox", out, "Subject: [BSrE] Set Passphrase")
	_, out, _ = run(t, dir, "admin", "activations", "list", "--status", "verified")
	mustHave(t, "list verified", out, "siti@natunakab.go.id")
}

func TestAdminDirectoryImport(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(t.TempDir(), "pegawai.csv")
	write := func(body string) {
		if err := os.WriteFile(csvPath, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("nip,nama,jabatan\n199501192022032003,Siti,Pranata\n")
	code, _, errOut := run(t, dir, "admin", "directory", "import", csvPath)
	if code != 1 || !strings.Contains(errOut, "line 1: missing column(s) unit_organisasi, provinsi") || !strings.Contains(errOut, "nothing imported") {
		t.Fatalf("missing columns: exit %d %q", code, errOut)
	}
	write("nip,nama,unit_organisasi,jabatan,provinsi\n199501192022032003,Siti,Diskominfo,Pranata,NATUNA\n199502302022032003,Budi,Diskominfo,Pranata,Kepulauan Riau\n")
	code, _, errOut = run(t, dir, "admin", "directory", "import", csvPath)
	if code != 1 || !strings.Contains(errOut, "pegawai.csv: line 3: nip") || !strings.Contains(errOut, "birth date") {
		t.Fatalf("impossible date: exit %d %q", code, errOut)
	}
	write("nip,nama,unit_organisasi,jabatan,provinsi\n199501192022032003,Siti,Diskominfo,Pranata,NATUNA\n")
	code, out, errOut := run(t, dir, "admin", "directory", "import", csvPath)
	if code != 0 || !strings.Contains(out, "imported 1") {
		t.Fatalf("import: exit %d %q %q", code, out, errOut)
	}
}

// TestDirectoryPathConfig: directory_path is imported when the data dir
// opens, and a bad file is an error naming it.
func TestDirectoryPathConfig(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(t.TempDir(), "pegawai.csv")
	os.WriteFile(csvPath, []byte("nip,nama\n1,2\n"), 0o600)
	cfg := filepath.Join(t.TempDir(), "it.toml")
	os.WriteFile(cfg, []byte("directory_path = \""+csvPath+"\"\n"), 0o600)
	var out, errb bytes.Buffer
	code := Run([]string{"--data-dir", dir, "--config", cfg, "admin", "users", "list"}, nil, &out, &errb, nil)
	if code != 1 || !strings.Contains(errb.String(), "pegawai.csv") || !strings.Contains(errb.String(), "missing column") {
		t.Fatalf("bad directory file: exit %d %q", code, errb.String())
	}
	os.WriteFile(csvPath, []byte("nip,nama,unit_organisasi,jabatan,provinsi\n12345678,Andi,Polres Natuna,Penyidik,Kepulauan Riau\n"), 0o600)
	c := config.Default()
	c.DirectoryPath = csvPath
	local, err := datadir.Open(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	if list, err := local.Authority.ListUsers(context.Background()); err != nil || len(list) != 0 {
		t.Fatal(list, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "directory.sha256")); err != nil {
		t.Errorf("directory not imported: %v", err)
	}
}

func mustHave(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}
