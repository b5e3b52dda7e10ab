package embedded

import (
	"errors"
	"github.com/natunakab/besign/authority"
	"net/url"
	"testing"
	"time"
)

// TestSeedPath follows the first sign-in of an account: made by IT, "Lupa Password",
// the reset link from the mail, OTP set-up first, the new password, then
// sign-in with email + password and the OTP code.
func TestSeedPath(t *testing.T) {
	e, clk, opts := openTest(t, nil)
	const email = "Ana.Maria@NatunaKab.go.id"

	acc, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Ana Maria, S.Kom.", Email: email})
	if err != nil {
		t.Fatal(err)
	}
	if acc.Username != "ana.maria" || acc.Email != "ana.maria@natunakab.go.id" || acc.Role != authority.RoleSigner ||
		acc.HasPassword || acc.HasOTP || acc.Locked || !acc.CreatedAt.Equal(clk.Now()) {
		t.Fatalf("new account %+v", acc)
	}
	act := newestMail(t, e, email, authority.MailActivation)
	if act.ActionLink != "besign://forgot?login=ana.maria@natunakab.go.id" {
		t.Errorf("activation link %q", act.ActionLink)
	}
	mustContain(t, "activation mail", act.Subject+act.Body, "Aktivasi", "Lupa Password", "ana.maria", act.ActionLink)

	// No password yet: no sign-in, and the same answer as a wrong password.
	if _, err := e.SignIn(ctx, authority.SignInRequest{Login: "ana.maria", Password: "apa saja 123"}); !errors.Is(err, authority.ErrInvalidCredentials) {
		t.Fatalf("sign-in without password: %v", err)
	}

	if err := e.RequestReset(ctx, authority.ResetRequest{Login: " ana.maria "}); err != nil {
		t.Fatal(err)
	}
	reset := newestMail(t, e, "ANA.MARIA@natunakab.go.id", authority.MailReset)
	if reset.ActionLabel != "Link to reset credentials" || reset.Subject != "Reset Password" {
		t.Errorf("reset mail %q / %q", reset.Subject, reset.ActionLabel)
	}
	mustContain(t, "reset mail", reset.Body, reset.ActionLink, "24 jam", "kredensial")
	link := linkToken(t, reset.ActionLink)

	// The user opens the mail on another device, a while later.
	clk.Advance(3 * time.Hour)
	tk, err := e.OpenReset(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if !tk.NeedsOTP || tk.Account.Email != acc.Email || !tk.ExpiresAt.After(clk.Now()) {
		t.Fatalf("ticket %+v", tk)
	}
	if _, err := e.OpenReset(ctx, link); !errors.Is(err, authority.ErrTokenUsed) {
		t.Errorf("second use of the link: %v", err)
	}

	// Password before OTP: refused, ticket still good.
	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: testPassword, Confirmation: testPassword}); !errors.Is(err, authority.ErrOTPSetupRequired) {
		t.Fatalf("password before OTP: %v", err)
	}

	en, err := e.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	if en.Issuer != opts.OTPIssuer || en.Account != acc.Email || en.Type != "totp" || en.Algorithm != "SHA1" ||
		en.Digits != 6 || en.Period != 30 || en.URI != keyURI("BeSign", acc.Email, en.Secret) {
		t.Fatalf("enrolment %+v", en)
	}
	u, _ := url.Parse(en.URI)
	if u.Query().Get("secret") != en.Secret {
		t.Errorf("URI secret differs: %s", en.URI)
	}
	clk.Advance(40 * time.Second) // scanning takes a while
	dev, err := e.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID,
		Code: codeAt(t, en.Secret, clk.Now()), DeviceName: "Pixel Ana"})
	if err != nil {
		t.Fatal(err)
	}
	if dev.Name != "Pixel Ana" || dev.ID == 0 {
		t.Errorf("device %+v", dev)
	}
	added := newestMail(t, e, email, authority.MailOTPDeviceAdded)
	mustContain(t, "device mail", added.Body, "Pixel Ana")

	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: testPassword, Confirmation: testPassword}); err != nil {
		t.Fatal(err)
	}
	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: testPassword, Confirmation: testPassword}); !errors.Is(err, authority.ErrTokenUsed) {
		t.Errorf("second SetPassword: %v", err)
	}

	// Sign in with the email as typed, then the code.
	r, err := e.SignIn(ctx, authority.SignInRequest{Login: email, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	if r.Session != nil || r.OTPChallenge == "" || r.Account.Name != "Ana Maria, S.Kom." {
		t.Fatalf("sign-in response %+v", r)
	}
	// The code used for the enrolment is spent.
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: codeAt(t, en.Secret, clk.Now())}); !errors.Is(err, authority.ErrOTPReused) {
		t.Fatalf("enrolment code at sign-in: %v", err)
	}
	clk.Advance(30 * time.Second)
	s, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: codeAt(t, en.Secret, clk.Now())})
	if err != nil {
		t.Fatal(err)
	}
	if s.Token == "" || !s.Account.HasOTP || !s.Account.HasPassword || !s.ExpiresAt.Equal(clk.Now().Add(12*time.Hour)) {
		t.Fatalf("session %+v", s)
	}
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: codeAt(t, en.Secret, clk.Now().Add(30*time.Second))}); !errors.Is(err, authority.ErrSessionExpired) {
		t.Errorf("challenge used twice: %v", err)
	}

	// Everything survives a restart.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e2, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	back, err := e2.Resume(ctx, s.Token)
	if err != nil || back.Account.ID != acc.ID {
		t.Fatalf("resume after reopen: %+v, %v", back, err)
	}
	devs, err := e2.OTPDevices(ctx, s.Token)
	if err != nil || len(devs) != 1 || devs[0].Name != "Pixel Ana" {
		t.Fatalf("devices after reopen: %+v, %v", devs, err)
	}
}
