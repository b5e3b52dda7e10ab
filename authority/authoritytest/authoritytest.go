// Package authoritytest is the conformance suite of the authority's
// contract: what every implementation of authority.Authority must do, seen
// only through the role interfaces. The embedded authority (SQLite) runs it
// in its tests; an organisation server and its network client run the same
// Run against themselves, so that screens and the CLI can count on one
// behaviour whichever authority they talk to.
//
// The suite asserts outcomes a caller can see: sessions that work or not,
// the sentinel errors of errors.go, mail in the outbox with working links,
// certificates that chain to the root, signatures that verify under them.
// It never looks at storage.
package authoritytest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
)

// Domain is the email domain the implementation under test must accept for
// self-registration (which must be on). Activations must not be approved
// automatically, and the lockout policy must allow at least two failures
// before it locks.
const Domain = "natunakab.go.id"

// Start is the suite's clock at the opening of each authority.
var Start = time.Date(2026, 11, 23, 9, 0, 7, 0, time.UTC)

// Clock is the time the implementation under test must take as now; the
// suite moves it (OTP steps, lifetimes) instead of sleeping.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Factory opens a new, empty authority configured as Domain says, whose
// time is clock.Now, and closes it when t ends (t.Cleanup). The suite reads
// the mail sent through the Outbox role: an implementation that only sends
// by SMTP wraps itself so that Outbox answers from the test's SMTP server.
type Factory func(t *testing.T, clock *Clock) authority.Authority

// Run runs the whole suite, one subtest per part of the contract.
func Run(t *testing.T, open Factory) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, *subject)
	}{
		{"FirstSignIn", testFirstSignIn},
		{"SignInRefusals", testSignInRefusals},
		{"RegisterTellsNothing", testRegister},
		{"ResetTellsNothing", testResetUnknown},
		{"OTPDevices", testOTPDevices},
		{"AdminImportAndResetOTP", testAdmin},
		{"ActivationToSignature", testActivationToSignature},
		{"Queue", testQueue},
	} {
		t.Run(c.name, func(t *testing.T) {
			clk := NewClock(Start)
			c.run(t, &subject{t: t, a: open(t, clk), clk: clk})
		})
	}
}

// subject is one authority under test with the helpers that drive it.
type subject struct {
	t   *testing.T
	a   authority.Authority
	clk *Clock
}

var ctx = context.Background()

const password = "Rahasia#2026"

// mail returns the newest mail of kind to an address.
func (s *subject) mail(to string, kind authority.MailKind) authority.Mail {
	s.t.Helper()
	ms, err := s.a.Outbox(ctx, authority.OutboxQuery{To: to})
	if err != nil {
		s.t.Fatalf("Outbox(%s): %v", to, err)
	}
	for _, m := range ms {
		if m.Kind == kind {
			if m.To != to {
				s.t.Fatalf("Outbox(%s) returned mail to %s", to, m.To)
			}
			return m
		}
	}
	s.t.Fatalf("no %s mail to %s among %d", kind, to, len(ms))
	return authority.Mail{}
}

// token is the token of a mail's action link of kind.
func (s *subject) token(m authority.Mail, kind link.Kind) string {
	s.t.Helper()
	l, err := link.Parse(m.ActionLink)
	if err != nil || l.Kind != kind || l.Value == "" {
		s.t.Fatalf("%s mail's link %q: %+v, %v", m.Kind, m.ActionLink, l, err)
	}
	return l.Value
}

// code is the current TOTP code of an enrolment's secret.
func (s *subject) code(en authority.OTPEnrolment) string {
	s.t.Helper()
	if en.Type != "totp" || en.Algorithm != "SHA1" || en.Digits != 6 || en.Period != 30 {
		s.t.Fatalf("enrolment parameters %s %s %d %d, want totp SHA1 6 30", en.Type, en.Algorithm, en.Digits, en.Period)
	}
	c, err := totp.GenerateCodeCustom(en.Secret, s.clk.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// account creates an account and takes it through the mailed reset link:
// OTP set-up, then the first password. It returns the enrolment, whose
// secret gives the codes.
func (s *subject) account(name, email string, role authority.Role) authority.OTPEnrolment {
	s.t.Helper()
	if _, err := s.a.CreateUser(ctx, authority.CreateUserRequest{Name: name, Email: email, Role: role}); err != nil {
		s.t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return s.firstPassword(email)
}

func (s *subject) firstPassword(email string) authority.OTPEnrolment {
	s.t.Helper()
	if err := s.a.RequestReset(ctx, authority.ResetRequest{Login: email}); err != nil {
		s.t.Fatalf("RequestReset: %v", err)
	}
	tk, err := s.a.OpenReset(ctx, s.token(s.mail(email, authority.MailReset), link.KindReset))
	if err != nil || !tk.NeedsOTP || tk.Account.Email != email {
		s.t.Fatalf("OpenReset: %+v, %v", tk, err)
	}
	en, err := s.a.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		s.t.Fatalf("BeginOTPEnrolment: %v", err)
	}
	if _, err := s.a.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID, Code: s.code(en), DeviceName: "HP"}); err != nil {
		s.t.Fatalf("ConfirmOTPEnrolment: %v", err)
	}
	if err := s.a.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: password, Confirmation: password}); err != nil {
		s.t.Fatalf("SetPassword: %v", err)
	}
	s.clk.Advance(30 * time.Second) // the enrolment's code is spent
	return en
}

// signIn answers both steps and returns the session.
func (s *subject) signIn(login string, en authority.OTPEnrolment) authority.Session {
	s.t.Helper()
	r, err := s.a.SignIn(ctx, authority.SignInRequest{Login: login, Password: password})
	if err != nil || r.OTPChallenge == "" || r.Session != nil {
		s.t.Fatalf("SignIn(%s): %+v, %v", login, r, err)
	}
	ses, err := s.a.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: s.code(en)})
	if err != nil || ses.Token == "" {
		s.t.Fatalf("SignInOTP(%s): %+v, %v", login, ses, err)
	}
	s.clk.Advance(30 * time.Second)
	return ses
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

// A new account's first sign-in goes through the mailed link: OTP set-up
// before the password, a link that works once, then two-step sign-in,
// sessions that resume until signed out.
func testFirstSignIn(t *testing.T, s *subject) {
	const email = "siti@" + Domain
	acc, err := s.a.CreateUser(ctx, authority.CreateUserRequest{Name: "Siti Rahmawati", Email: email})
	if err != nil || acc.Email != email || acc.Role != authority.RoleSigner || acc.HasPassword || acc.HasOTP {
		t.Fatalf("CreateUser: %+v, %v", acc, err)
	}
	s.mail(email, authority.MailActivation)
	if err := s.a.RequestReset(ctx, authority.ResetRequest{Login: email}); err != nil {
		t.Fatal(err)
	}
	linkToken := s.token(s.mail(email, authority.MailReset), link.KindReset)
	tk, err := s.a.OpenReset(ctx, linkToken)
	if err != nil || !tk.NeedsOTP {
		t.Fatalf("OpenReset: %+v, %v", tk, err)
	}
	_, err = s.a.OpenReset(ctx, linkToken)
	wantErr(t, "the reset link a second time", err, authority.ErrTokenUsed)
	err = s.a.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: password, Confirmation: password})
	wantErr(t, "password before OTP", err, authority.ErrOTPSetupRequired)

	en, err := s.a.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.a.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID, Code: s.code(en)}); !errors.Is(err, authority.ErrDeviceNameMissing) {
		t.Errorf("device without a name: %v", err)
	}
	dev, err := s.a.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID, Code: s.code(en), DeviceName: "HP Siti"})
	if err != nil || dev.Name != "HP Siti" {
		t.Fatalf("ConfirmOTPEnrolment: %+v, %v", dev, err)
	}
	err = s.a.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: password, Confirmation: password + "x"})
	wantErr(t, "confirmation that differs", err, authority.ErrPasswordMismatch)
	err = s.a.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: "pendek", Confirmation: "pendek"})
	wantErr(t, "short password", err, authority.ErrPasswordTooShort)
	if err := s.a.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: password, Confirmation: password}); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	s.clk.Advance(30 * time.Second)

	r, err := s.a.SignIn(ctx, authority.SignInRequest{Login: "SITI@" + Domain, Password: password})
	if err != nil || r.OTPChallenge == "" || r.Account.Name != "Siti Rahmawati" {
		t.Fatalf("SignIn (email in capitals): %+v, %v", r, err)
	}
	code := s.code(en)
	ses, err := s.a.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: code})
	if err != nil || ses.Account.Email != email || !ses.Account.HasOTP || !ses.Account.HasPassword || !ses.ExpiresAt.After(s.clk.Now()) {
		t.Fatalf("SignInOTP: %+v, %v", ses, err)
	}
	// The same code once more, on a new challenge in the same step.
	r, err = s.a.SignIn(ctx, authority.SignInRequest{Login: email, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.a.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: code})
	wantErr(t, "a used OTP code", err, authority.ErrOTPReused)

	got, err := s.a.Resume(ctx, ses.Token)
	if err != nil || got.Account.Email != email {
		t.Errorf("Resume: %+v, %v", got, err)
	}
	if err := s.a.SignOut(ctx, ses.Token); err != nil {
		t.Fatal(err)
	}
	_, err = s.a.Resume(ctx, ses.Token)
	wantErr(t, "Resume after SignOut", err, authority.ErrSessionExpired)
	for _, tok := range []string{ses.Token, "", "garbage"} {
		if err := s.a.SignOut(ctx, tok); err != nil {
			t.Errorf("SignOut(%q): %v", tok, err)
		}
	}
}

// Wrong passwords, unknown users and wrong codes all get the same error.
func testSignInRefusals(t *testing.T, s *subject) {
	const email = "budi@" + Domain
	en := s.account("Budi", email, authority.RoleSigner)
	_, err := s.a.SignIn(ctx, authority.SignInRequest{Login: email, Password: password + "x"})
	wantErr(t, "wrong password", err, authority.ErrInvalidCredentials)
	_, err = s.a.SignIn(ctx, authority.SignInRequest{Login: "tidakada@" + Domain, Password: password})
	wantErr(t, "unknown user", err, authority.ErrInvalidCredentials)
	_, err = s.a.SignIn(ctx, authority.SignInRequest{Login: "", Password: password})
	wantErr(t, "empty login", err, authority.ErrLoginRequired)

	s.clk.Advance(2 * time.Minute) // past a short lock from the failures
	r, err := s.a.SignIn(ctx, authority.SignInRequest{Login: email, Password: password})
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	wrong := "000000"
	if s.code(en) == wrong {
		wrong = "111111"
	}
	_, err = s.a.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: wrong})
	wantErr(t, "wrong OTP code", err, authority.ErrInvalidCredentials)
	_, err = s.a.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: "garbage", Code: s.code(en)})
	if err == nil {
		t.Error("a made-up challenge was accepted")
	}
	_, err = s.a.Resume(ctx, "garbage")
	wantErr(t, "Resume of a made-up token", err, authority.ErrSessionExpired)
}

// Register answers the same for a taken address, and tells its owner.
func testRegister(t *testing.T, s *subject) {
	const email = "rina@" + Domain
	acc, err := s.a.Register(ctx, authority.RegisterRequest{Name: "Rina", Email: email, Language: authority.LanguageEN})
	if err != nil || acc.Email != email || acc.Language != authority.LanguageEN {
		t.Fatalf("Register: %+v, %v", acc, err)
	}
	s.mail(email, authority.MailActivation)
	again, err := s.a.Register(ctx, authority.RegisterRequest{Name: "Orang Lain", Email: email})
	if err != nil || again.Email != email {
		t.Fatalf("Register of a taken address: %+v, %v (want the same answer as for a new one)", again, err)
	}
	s.mail(email, authority.MailRegisterAttempt)
	_, err = s.a.Register(ctx, authority.RegisterRequest{Name: "Rina", Email: "rina@example.com"})
	wantErr(t, "another domain", err, authority.ErrEmailDomain)
	_, err = s.a.Register(ctx, authority.RegisterRequest{Name: "", Email: "x@" + Domain})
	wantErr(t, "no name", err, authority.ErrNameRequired)
	_, err = s.a.Register(ctx, authority.RegisterRequest{Name: "Rina", Email: "rina@" + Domain, Language: "fr"})
	wantErr(t, "unknown language", err, authority.ErrLanguageInvalid)
}

// A reset for nobody is answered like one for an account, and mails nobody.
func testResetUnknown(t *testing.T, s *subject) {
	const email = "hantu@" + Domain
	if err := s.a.RequestReset(ctx, authority.ResetRequest{Login: email}); err != nil {
		t.Errorf("RequestReset of an unknown address: %v", err)
	}
	ms, err := s.a.Outbox(ctx, authority.OutboxQuery{To: email})
	if err != nil || len(ms) != 0 {
		t.Errorf("mail to an unknown address: %d, %v", len(ms), err)
	}
	_, err = s.a.OpenReset(ctx, "garbage")
	wantErr(t, "a made-up reset token", err, authority.ErrTokenInvalid)
}

// A signed-in account adds and removes devices, never its last one.
func testOTPDevices(t *testing.T, s *subject) {
	const email = "andi@" + Domain
	en := s.account("Andi", email, authority.RoleSigner)
	ses := s.signIn(email, en)
	ds, err := s.a.OTPDevices(ctx, ses.Token)
	if err != nil || len(ds) != 1 {
		t.Fatalf("OTPDevices: %+v, %v", ds, err)
	}
	err = s.a.RemoveOTPDevice(ctx, ses.Token, ds[0].ID)
	wantErr(t, "removing the last device", err, authority.ErrLastOTPDevice)

	en2, err := s.a.BeginOTPEnrolment(ctx, ses.Token)
	if err != nil {
		t.Fatal(err)
	}
	if en2.Secret == en.Secret {
		t.Fatal("a second enrolment reuses the first secret")
	}
	if _, err := s.a.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: ses.Token, EnrolmentID: en2.ID, Code: s.code(en2), DeviceName: "Tablet"}); err != nil {
		t.Fatalf("second device: %v", err)
	}
	s.mail(email, authority.MailOTPDeviceAdded)
	s.clk.Advance(30 * time.Second)
	if ds, err = s.a.OTPDevices(ctx, ses.Token); err != nil || len(ds) != 2 {
		t.Fatalf("OTPDevices after adding: %+v, %v", ds, err)
	}
	first := ds[0].ID
	if ds[0].Name == "Tablet" {
		first = ds[1].ID
	}
	if err := s.a.RemoveOTPDevice(ctx, ses.Token, first); err != nil {
		t.Fatalf("RemoveOTPDevice: %v", err)
	}
	// Only the new device signs in now.
	r, err := s.a.SignIn(ctx, authority.SignInRequest{Login: email, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.a.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: s.code(en2)}); err != nil {
		t.Errorf("sign-in with the remaining device: %v", err)
	}
	_, err = s.a.OTPDevices(ctx, "garbage")
	wantErr(t, "devices of a made-up session", err, authority.ErrSessionExpired)
}

// IT's import is all or nothing; a reset OTP sends the person through set-up
// again.
func testAdmin(t *testing.T, s *subject) {
	res, err := s.a.ImportUsers(ctx, []authority.CreateUserRequest{
		{Name: "Dewi", Email: "dewi@" + Domain},
		{Name: "Tanpa Email", Email: "bukan-email"},
	})
	if !errors.Is(err, authority.ErrImportRejected) || len(res.Created) != 0 || len(res.Errors) != 1 || res.Errors[0].Row != 1 {
		t.Fatalf("import with a bad row: %+v, %v", res, err)
	}
	users, err := s.a.ListUsers(ctx)
	if err != nil || len(users) != 0 {
		t.Fatalf("users after a rejected import: %+v, %v", users, err)
	}
	res, err = s.a.ImportUsers(ctx, []authority.CreateUserRequest{
		{Name: "Dewi", Email: "dewi@" + Domain},
		{Name: "Eko", Email: "eko@" + Domain, Role: authority.RoleVerifier},
	})
	if err != nil || len(res.Created) != 2 || res.Created[1].Role != authority.RoleVerifier {
		t.Fatalf("import: %+v, %v", res, err)
	}
	if users, err = s.a.ListUsers(ctx); err != nil || len(users) != 2 {
		t.Fatalf("ListUsers: %+v, %v", users, err)
	}
	_, err = s.a.CreateUser(ctx, authority.CreateUserRequest{Name: "Fajar", Email: "fajar@" + Domain, Role: "root"})
	wantErr(t, "unknown role", err, authority.ErrRoleInvalid)
	_, err = s.a.CreateUser(ctx, authority.CreateUserRequest{Name: "Dewi Lagi", Email: "dewi@" + Domain})
	wantErr(t, "taken address", err, authority.ErrEmailTaken)

	en := s.firstPassword("dewi@" + Domain)
	s.signIn("dewi@"+Domain, en)
	if err := s.a.ResetOTP(ctx, "dewi@"+Domain); err != nil {
		t.Fatalf("ResetOTP: %v", err)
	}
	_, err = s.a.SignIn(ctx, authority.SignInRequest{Login: "dewi@" + Domain, Password: password})
	wantErr(t, "sign-in after ResetOTP", err, authority.ErrOTPSetupRequired)
	err = s.a.UnlockUser(ctx, "tidakada@"+Domain)
	wantErr(t, "unlocking nobody", err, authority.ErrNotFound)
}

// The seeds' whole journey through the contract: activation, a verifier's
// approval, the passphrase, a certificate under the root, signatures that
// verify, a wrong passphrase refused.
func testActivationToSignature(t *testing.T, s *subject) {
	const email, verifier = "siti@" + Domain, "budi@" + Domain
	ses := s.signIn(email, s.account("Siti Rahmawati", email, authority.RoleSigner))
	a, err := s.a.Activation(ctx, ses.Token)
	if err != nil || a.Status != authority.ActivationDraft {
		t.Fatalf("fresh activation: %+v, %v", a, err)
	}
	info, err := s.a.Certificate(ctx, ses.Token)
	if err != nil || info.Status != authority.StatusNotRegistered {
		t.Fatalf("certificate before activation: %+v, %v", info, err)
	}
	_, err = s.a.SubmitActivation(ctx, authority.ActivationRequest{Token: ses.Token, Data: authority.ActivationData{Name: "Siti", NIK: "123"}})
	var ve *authority.ValidationError
	if !errors.As(err, &ve) || !errors.Is(ve.Field(authority.FieldNIK), authority.ErrNIKFormat) {
		t.Fatalf("an invalid form: %v", err)
	}
	form := authority.ActivationData{
		Name: "Siti Rahmawati", NIK: "2103015901950003", GelarDepan: "-", GelarBelakang: "S.Kom.", Phone: "0812-3456-7890",
		Employment: authority.EmploymentASN, NIP: "199501192022032003", Unit: "Dinas Komunikasi dan Informatika",
		Jabatan: "Pranata Komputer", Province: "21", Photo: photo(t), Consent: true,
	}
	a, err = s.a.SubmitActivation(ctx, authority.ActivationRequest{Token: ses.Token, Data: form})
	if err != nil || a.Status != authority.ActivationWaiting || a.Data.Phone != "+6281234567890" {
		t.Fatalf("SubmitActivation: %+v, %v", a, err)
	}
	s.mail(email, authority.MailActivationSubmitted)
	_, err = s.a.PendingActivations(ctx, ses.Token)
	wantErr(t, "a signer listing activations", err, authority.ErrVerifierRequired)

	vses := s.signIn(verifier, s.account("Budi Verifikator", verifier, authority.RoleVerifier))
	pending, err := s.a.PendingActivations(ctx, vses.Token)
	if err != nil || len(pending) != 1 || pending[0].Email != email || !bytes.Equal(pending[0].Data.Photo, form.Photo) {
		t.Fatalf("PendingActivations: %d, %v", len(pending), err)
	}
	a, err = s.a.DecideActivation(ctx, authority.DecisionRequest{Token: vses.Token, Email: email, Approve: true})
	if err != nil || a.Status != authority.ActivationVerified || a.DecidedBy != verifier {
		t.Fatalf("DecideActivation: %+v, %v", a, err)
	}
	if list, err := s.a.ListActivations(ctx, authority.ActivationQuery{Status: authority.ActivationVerified}); err != nil || len(list) != 1 || list[0].Email != email {
		t.Errorf("ListActivations(verified): %+v, %v", list, err)
	}
	linkToken := s.token(s.mail(email, authority.MailActivationApproved), link.KindPassphrase)
	if info, err = s.a.Certificate(ctx, ses.Token); err != nil || info.Status != authority.StatusNoCertificate {
		t.Fatalf("certificate after approval: %+v, %v", info, err)
	}

	const passphrase = "Tanda#Tangan2026"
	_, err = s.a.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: linkToken, Passphrase: "lemah", Confirmation: "lemah", Consent: true})
	wantErr(t, "a weak passphrase", err, authority.ErrPassphraseWeak)
	info, err = s.a.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: linkToken, Passphrase: passphrase, Confirmation: passphrase, Consent: true})
	if err != nil || info.Status != authority.StatusIssue || len(info.Chain) == 0 {
		t.Fatalf("CreatePassphrase: %+v, %v", info, err)
	}
	cert, err := x509.ParseCertificate(info.Chain[0])
	if err != nil {
		t.Fatal(err)
	}

	// The root trusts the certificate, at the authority's time; the CRL is
	// the root's and does not list it.
	rootDER, err := s.a.RootCertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	root, err := x509.ParseCertificate(rootDER)
	if err != nil || !root.IsCA {
		t.Fatalf("root: %v (CA %v)", err, root != nil && root.IsCA)
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(root)
	for _, der := range info.Chain[1:] {
		if c, err := x509.ParseCertificate(der); err == nil && !c.Equal(root) {
			inter.AddCert(c)
		}
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: s.clk.Now().Add(time.Minute),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("the certificate does not chain to the root: %v", err)
	}
	crlDER, err := s.a.CRL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(crlDER)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(root); err != nil {
		t.Errorf("CRL not signed by the root: %v", err)
	}
	for _, r := range crl.RevokedCertificateEntries {
		if r.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			t.Error("the new certificate is on the CRL")
		}
	}

	digest := sha256.Sum256([]byte("surat keputusan"))
	_, err = s.a.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: passphrase + "x", Digests: [][]byte{digest[:]}})
	wantErr(t, "a wrong passphrase", err, authority.ErrPassphraseWrong)
	requestID := authority.NewRequestID()
	resp, err := s.a.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: passphrase, Digests: [][]byte{digest[:]}, RequestID: requestID})
	if err != nil || len(resp.Signatures) != 1 || len(resp.Chain) == 0 || !bytes.Equal(resp.Chain[0], info.Chain[0]) {
		t.Fatalf("SignDigests: %d signatures, %v", len(resp.Signatures), err)
	}
	// A retry of the batch (same request id and digests, its answer lost)
	// gets the same outcome and signs nothing new: no second audit row
	// below. The same id with other digests is refused.
	again, err := s.a.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: passphrase, Digests: [][]byte{digest[:]}, RequestID: requestID})
	if err != nil || len(again.Signatures) != 1 || !bytes.Equal(again.Signatures[0], resp.Signatures[0]) || !bytes.Equal(again.Chain[0], resp.Chain[0]) {
		t.Fatalf("SignDigests repeated with its request id: %v (same signature: %v)", err, err == nil && bytes.Equal(again.Signatures[0], resp.Signatures[0]))
	}
	other := sha256.Sum256([]byte("surat lain"))
	_, err = s.a.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: passphrase, Digests: [][]byte{other[:]}, RequestID: requestID})
	wantErr(t, "a request id reused for other digests", err, authority.ErrRequestReused)
	_, err = s.a.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: passphrase, Digests: [][]byte{digest[:]}, RequestID: "not-hex"})
	wantErr(t, "a malformed request id", err, authority.ErrDigestInvalid)
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("certificate key %T, want RSA", cert.PublicKey)
	}
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], resp.Signatures[0]); err != nil {
		t.Errorf("the signature does not verify under the certificate: %v", err)
	}
	// The audit log holds the signature (account, certificate, digest);
	// the wrong passphrase before it, the repeat and the refusals after it
	// signed nothing new and left no row.
	if log, err := s.a.Audit(ctx, time.Time{}); err != nil || len(log) != 1 || log[0].Account != email ||
		log[0].Serial != info.Serial || len(log[0].Digests) != 1 || !bytes.Equal(log[0].Digests[0], digest[:]) {
		t.Errorf("audit log after one signature: %+v, %v", log, err)
	}

	const next = "Ganti#Passphrase2027"
	if err := s.a.ChangePassphrase(ctx, authority.ChangePassphraseRequest{Token: ses.Token, Old: passphrase, New: next, Confirmation: next}); err != nil {
		t.Fatalf("ChangePassphrase: %v", err)
	}
	_, err = s.a.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: passphrase, Digests: [][]byte{digest[:]}})
	wantErr(t, "the old passphrase after a change", err, authority.ErrPassphraseWrong)
	if _, err := s.a.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: next, Digests: [][]byte{digest[:]}}); err != nil {
		t.Errorf("the new passphrase: %v", err)
	}
	if err := s.a.ForgotPassphrase(ctx, ses.Token); err != nil {
		t.Fatalf("ForgotPassphrase: %v", err)
	}
	s.token(s.mail(email, authority.MailPassphraseReset), link.KindPassphrase)
}

// The queue is the account's own: add, list, change, remove.
func testQueue(t *testing.T, s *subject) {
	const email, other = "rudi@" + Domain, "lina@" + Domain
	ses := s.signIn(email, s.account("Rudi", email, authority.RoleSigner))
	oses := s.signIn(other, s.account("Lina", other, authority.RoleSigner))
	sum := sha256.Sum256([]byte("isi dokumen"))
	fp := authority.Fingerprint{Size: 11, ModTime: time.Unix(1700000000, 5).UTC(), SHA256: sum[:]}
	st := authority.SignatureSettings{Page: 1, Box: authority.Box{X: 36, Y: 36, W: 180, H: 60}, Reason: "Menyetujui", Location: "Ranai"}
	path := filepath.Join(string(filepath.Separator)+"dokumen", "surat.pdf")
	if !filepath.IsAbs(path) { // Windows wants a volume
		path = filepath.Join(`C:\`, "dokumen", "surat.pdf")
	}
	d, err := s.a.QueueDocument(ctx, authority.QueueDocumentRequest{Token: ses.Token, Path: path, Pages: 3, Fingerprint: fp, Settings: st})
	if err != nil || d.ID == 0 || d.Path != path || d.Pages != 3 || d.Settings != st {
		t.Fatalf("QueueDocument: %+v, %v", d, err)
	}
	_, err = s.a.QueueDocument(ctx, authority.QueueDocumentRequest{Token: ses.Token, Path: path, Pages: 3, Fingerprint: fp, Settings: st})
	wantErr(t, "the same path twice", err, authority.ErrQueueDuplicate)
	_, err = s.a.QueueDocument(ctx, authority.QueueDocumentRequest{Token: ses.Token, Path: "relatif.pdf", Pages: 1, Fingerprint: fp, Settings: st})
	wantErr(t, "a relative path", err, authority.ErrQueuePath)
	bad := st
	bad.Page = 9
	_, err = s.a.UpdateQueuedDocument(ctx, authority.UpdateQueuedRequest{Token: ses.Token, ID: d.ID, Settings: bad})
	wantErr(t, "a page past the end", err, authority.ErrQueueSettings)

	ds, err := s.a.QueuedDocuments(ctx, ses.Token)
	if err != nil || len(ds) != 1 || ds[0].ID != d.ID || !ds[0].Fingerprint.ModTime.Equal(fp.ModTime) || !bytes.Equal(ds[0].Fingerprint.SHA256, fp.SHA256) {
		t.Fatalf("QueuedDocuments: %+v, %v", ds, err)
	}
	if ods, err := s.a.QueuedDocuments(ctx, oses.Token); err != nil || len(ods) != 0 {
		t.Errorf("another account's queue: %+v, %v", ods, err)
	}
	err = s.a.RemoveQueuedDocument(ctx, oses.Token, d.ID)
	wantErr(t, "another account removing the document", err, authority.ErrQueueNotFound)

	st.Page, st.Reason = 3, "Mengetahui"
	up, err := s.a.UpdateQueuedDocument(ctx, authority.UpdateQueuedRequest{Token: ses.Token, ID: d.ID, Settings: st})
	if err != nil || up.Settings != st {
		t.Fatalf("UpdateQueuedDocument: %+v, %v", up, err)
	}
	if err := s.a.RemoveQueuedDocument(ctx, ses.Token, d.ID); err != nil {
		t.Fatal(err)
	}
	err = s.a.RemoveQueuedDocument(ctx, ses.Token, d.ID)
	wantErr(t, "removing twice", err, authority.ErrQueueNotFound)
	_, err = s.a.QueuedDocuments(ctx, "garbage")
	wantErr(t, "the queue of a made-up session", err, authority.ErrSessionExpired)
}

// photo is a noisy JPEG within the photo rules, as a camera gives.
func photo(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 400))
	for y := 0; y < 400; y++ {
		for x := 0; x < 320; x++ {
			v := uint8((x*7 + y*13 + x*y) % 256)
			img.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	if err := authority.CheckPhotoJPEG(b.Bytes()); err != nil {
		t.Fatalf("test photo: %v", err)
	}
	return b.Bytes()
}
