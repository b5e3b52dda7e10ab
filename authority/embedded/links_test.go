package embedded

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/store"
)

func init() {
	// Retries of failed deliveries without real waits.
	sendRetryDelays = []time.Duration{time.Millisecond, 2 * time.Millisecond}
}

// scanForSecrets fails when a file in dir (the database, its -wal and
// -shm) holds one of the secrets in clear.
func scanForSecrets(t *testing.T, dir string, secrets map[string]string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range entries {
		b, err := os.ReadFile(filepath.Join(dir, ent.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for what, s := range secrets {
			if s != "" && bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the %s in clear", ent.Name(), what)
			}
		}
	}
}

func keySecrets(s map[string]string) map[string]string {
	s["master key"] = string(testKey)
	s["master key (base64)"] = base64.StdEncoding.EncodeToString(testKey)
	s["master key (hex)"] = hex.EncodeToString(testKey)
	s["password"] = testPassword
	return s
}

func otpSecrets(s map[string]string, secret string) {
	s["OTP secret"] = secret
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(secret, "="))
	if err == nil {
		s["OTP secret (raw)"] = string(raw)
	}
}

func mailRow(t *testing.T, e *Authority, kind authority.MailKind, to string) store.Mail {
	t.Helper()
	var ms []store.Mail
	if err := e.db.View(ctx, func(tx store.Tx) (err error) { ms, err = tx.Mails(ctx, to); return err }); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Kind == string(kind) {
			return m
		}
	}
	t.Fatalf("no %s mail to %s", kind, to)
	return store.Mail{}
}

// After the seed's whole path (reset link, OTP set-up, password, sign-in),
// no password, OTP secret, session or reset token, or master key is in the
// data dir in clear; the reset link not even before it is used.
func TestSecretsAtRestStandalone(t *testing.T) {
	e, clk, opts := openTest(t, nil)
	dir := filepath.Dir(opts.Path)
	const email = "ana.maria@natunakab.go.id"
	if _, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Ana Maria", Email: email}); err != nil {
		t.Fatal(err)
	}
	if err := e.RequestReset(ctx, authority.ResetRequest{Login: email}); err != nil {
		t.Fatal(err)
	}
	// Kotak Masuk is the standalone mailbox: it shows a usable link.
	tok := linkToken(t, newestMail(t, e, email, authority.MailReset).ActionLink)
	secrets := keySecrets(map[string]string{"reset token": tok})
	scanForSecrets(t, dir, secrets)

	tk, err := e.OpenReset(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	// Once used, the link is forgotten: masked, without an action.
	if m := newestMail(t, e, email, authority.MailReset); m.ActionLink != "" || strings.Contains(m.Body, tok) {
		t.Errorf("outbox still shows the used link: %q", m.ActionLink)
	}
	if m := mailRow(t, e, authority.MailReset, email); m.LinkSecret != nil {
		t.Error("the sealed link is kept after use")
	}
	secrets["reset ticket"] = tk.Ticket
	en, err := e.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	otpSecrets(secrets, en.Secret)
	clk.Advance(40 * time.Second)
	if _, err := e.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID,
		Code: codeAt(t, en.Secret, clk.Now()), DeviceName: "Pixel Ana"}); err != nil {
		t.Fatal(err)
	}
	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: testPassword, Confirmation: testPassword}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * time.Second)
	r, err := e.SignIn(ctx, authority.SignInRequest{Login: email, Password: testPassword, Remember: true})
	if err != nil {
		t.Fatal(err)
	}
	secrets["OTP challenge"] = r.OTPChallenge
	s, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: codeAt(t, en.Secret, clk.Now())})
	if err != nil {
		t.Fatal(err)
	}
	secrets["session token"] = s.Token
	scanForSecrets(t, dir, secrets)
	e.Close()
	scanForSecrets(t, dir, secrets)
}

// A reset link not used before it expires is forgotten too.
func TestStandaloneLinkForgottenWhenExpired(t *testing.T) {
	e, clk, opts := openTest(t, nil)
	const email = "budi@natunakab.go.id"
	e.CreateUser(ctx, authority.CreateUserRequest{Name: "Budi", Email: email})
	e.RequestReset(ctx, authority.ResetRequest{Login: email})
	if newestMail(t, e, email, authority.MailReset).ActionLink == "" {
		t.Fatal("no usable link in the standalone mailbox")
	}
	clk.Advance(opts.ResetLinkLifetime + time.Second)
	if m := newestMail(t, e, email, authority.MailReset); m.ActionLink != "" || !strings.Contains(m.Body, maskedToken) {
		t.Errorf("expired link still shown: %q", m.ActionLink)
	}
	if m := mailRow(t, e, authority.MailReset, email); m.LinkSecret != nil {
		t.Error("the sealed link is kept after it expired")
	}
}

// With SMTP the link travels only by mail; after a reset nothing usable is
// stored, and the data dir holds no secret in clear.
func TestSecretsAtRestSMTP(t *testing.T) {
	srv := startSMTP(t, false)
	e, clk, opts := openTest(t, smtpOpts(srv.port(), "none"))
	const email = "surat@natunakab.go.id"
	if _, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Surat", Email: email}); err != nil {
		t.Fatal(err)
	}
	if err := e.RequestReset(ctx, authority.ResetRequest{Login: email}); err != nil {
		t.Fatal(err)
	}
	e.sending.Wait()
	var tok string
	for _, r := range srv.received(t) {
		if i := strings.Index(r.body, "besign://reset?token="); i >= 0 {
			tok = linkToken(t, strings.TrimSpace(strings.SplitN(r.body[i:], "\n", 2)[0]))
		}
	}
	if tok == "" {
		t.Fatal("no reset link delivered")
	}
	if m := mailRow(t, e, authority.MailReset, email); m.LinkSecret != nil || strings.Contains(m.Body+m.ActionLink, tok) {
		t.Error("the delivered link is still stored")
	}
	if m := newestMail(t, e, email, authority.MailReset); m.ActionLink != "" || !strings.Contains(m.Body, maskedToken) {
		t.Errorf("outbox shows the link: %q", m.ActionLink)
	}
	secrets := keySecrets(map[string]string{"reset token": tok})
	scanForSecrets(t, filepath.Dir(opts.Path), secrets)

	tk, err := e.OpenReset(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	secrets["reset ticket"] = tk.Ticket
	en, err := e.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	otpSecrets(secrets, en.Secret)
	if _, err := e.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID,
		Code: codeAt(t, en.Secret, clk.Now()), DeviceName: "HP Surat"}); err != nil {
		t.Fatal(err)
	}
	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: testPassword, Confirmation: testPassword}); err != nil {
		t.Fatal(err)
	}
	e.sending.Wait()
	scanForSecrets(t, filepath.Dir(opts.Path), secrets)
}

// A delivery that keeps failing is retried, then reported, and the link
// is forgotten: it never falls back to showing it.
func TestFailedDeliveryNeverShowsLink(t *testing.T) {
	snd := &recordingSender{fail: "penuh@natunakab.go.id"}
	e, _, _ := openTest(t, func(o *Options) { o.Sender = snd })
	e.CreateUser(ctx, authority.CreateUserRequest{Name: "Penuh", Email: snd.fail})
	e.RequestReset(ctx, authority.ResetRequest{Login: snd.fail})
	e.sending.Wait()
	snd.mu.Lock()
	tries := 0
	for _, m := range snd.got {
		if m.Kind == authority.MailReset {
			tries++
			if !strings.Contains(m.ActionLink, "token=") || strings.Contains(m.ActionLink, maskedToken) {
				t.Errorf("the sender got no usable link: %q", m.ActionLink)
			}
		}
	}
	snd.mu.Unlock()
	if tries != maxSendAttempts {
		t.Errorf("reset mail tried %d times, want %d", tries, maxSendAttempts)
	}
	m := newestMail(t, e, snd.fail, authority.MailReset)
	if m.ActionLink != "" || !strings.Contains(m.Body, maskedToken) || !strings.Contains(m.SendError, "report to IT") {
		t.Errorf("failed mail: link %q, error %q", m.ActionLink, m.SendError)
	}
	if row := mailRow(t, e, authority.MailReset, snd.fail); row.LinkSecret != nil || row.Attempts != maxSendAttempts {
		t.Errorf("failed mail keeps its link (%v) or has %d attempts", row.LinkSecret != nil, row.Attempts)
	}
}

// Reset and passphrase links an older version stored in clear are masked
// at the next open, and gone from every file of the data dir.
func TestClearLinksMaskedAtOpen(t *testing.T) {
	e, _, opts := openTest(t, nil)
	tok := strings.Repeat("A", 43)
	m := resetMail(authority.LanguageID, "lama@natunakab.go.id", tok, time.Hour)
	m.CreatedAt = time.Now()
	// The "[BSrE] Set Passphrase" mail as passphraseLinkMail stored it
	// before it sealed the link.
	ptok := strings.Repeat("B", 43)
	pm := store.Mail{Kind: string(authority.MailActivationApproved), To: "lama@natunakab.go.id", Subject: "[BSrE] Set Passphrase",
		ActionLabel: "Buat Passphrase", ActionLink: link.Passphrase(ptok), Body: "Klik: " + link.Passphrase(ptok), CreatedAt: time.Now()}
	if err := e.db.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertMail(ctx, &m); err != nil {
			return err
		}
		return tx.InsertMail(ctx, &pm)
	}); err != nil {
		t.Fatal(err)
	}
	e.Close()
	e2, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	for kind, tk := range map[authority.MailKind]string{authority.MailReset: tok, authority.MailActivationApproved: ptok} {
		got := mailRow(t, e2, kind, "lama@natunakab.go.id")
		if strings.Contains(got.Body+got.ActionLink, tk) || !strings.Contains(got.Body, maskedToken) {
			t.Errorf("%s: clear link left: %q / %q", kind, got.ActionLink, got.Body)
		}
	}
	e2.Close()
	scanForSecrets(t, filepath.Dir(opts.Path), map[string]string{"old reset token": tok, "old passphrase token": ptok})
}

// IT resets a lost phone's OTP: the devices, sessions and pending sign-ins
// go, the person gets a mail, and the next sign-in sets OTP up again.
func TestResetOTP(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	acc, secret := activate(t, e, clk, "Hilang", "hilang@natunakab.go.id")
	s := signIn(t, e, clk, acc.Email, secret, false)
	pending, err := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ResetOTP(ctx, "HILANG@natunakab.go.id"); err != nil {
		t.Fatal(err)
	}
	if err := e.ResetOTP(ctx, "nobody@natunakab.go.id"); !errors.Is(err, authority.ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	if _, err := e.Resume(ctx, s.Token); err == nil {
		t.Error("the old session survived the OTP reset")
	}
	clk.Advance(30 * time.Second)
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: pending.OTPChallenge, Code: codeAt(t, secret, clk.Now())}); err == nil {
		t.Error("a pending sign-in with the lost phone's code succeeded")
	}
	// Password alone is not enough: OTP must be set up again.
	if _, err := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: testPassword}); !errors.Is(err, authority.ErrOTPSetupRequired) {
		t.Fatalf("sign-in after the OTP reset: %v, want ErrOTPSetupRequired", err)
	}
	m := newestMail(t, e, acc.Email, authority.MailReset)
	mustContain(t, "OTP reset mail", m.Subject+m.Body, "OTP", "admin TI")
	tk, err := e.OpenReset(ctx, linkToken(t, m.ActionLink))
	if err != nil {
		t.Fatal(err)
	}
	if !tk.NeedsOTP {
		t.Fatal("the reset after an OTP reset does not ask for OTP set-up")
	}
	en, err := e.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID,
		Code: codeAt(t, en.Secret, clk.Now()), DeviceName: "HP Baru"}); err != nil {
		t.Fatal(err)
	}
	np := "PasswordBaru#2026"
	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: np, Confirmation: np}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * time.Second)
	r, err := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: np})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: codeAt(t, secret, clk.Now())}); err == nil {
		t.Error("the lost phone's code still works")
	}
	clk.Advance(30 * time.Second)
	r, _ = e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: np})
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: codeAt(t, en.Secret, clk.Now())}); err != nil {
		t.Fatalf("the new phone's code: %v", err)
	}
}
