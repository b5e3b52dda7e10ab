package embedded

import (
	"bytes"
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/authoritytest"
	"github.com/pquerna/otp/totp"
)

// testClock is the injected clock: tests move it, never sleep.
type testClock = authoritytest.Clock

var testKey = bytes.Repeat([]byte{7}, authority.MasterKeySize)

// openTest opens an authority on a new file in a temporary directory (in a
// sub-directory that does not exist yet). mod may change the options.
func openTest(t testing.TB, mod func(*Options)) (*Authority, *testClock, Options) {
	t.Helper()
	clk := authoritytest.NewClock(time.Date(2026, 11, 23, 9, 0, 7, 0, time.UTC))
	opts := DefaultOptions()
	opts.Path = filepath.Join(t.TempDir(), "data", "authority.db")
	opts.MasterKey = testKey
	opts.Now = clk.Now
	opts.Logf = t.Logf
	if mod != nil {
		mod(&opts)
	}
	e, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e, clk, opts
}

var ctx = context.Background()

// newestMail returns the newest mail of kind to an address.
func newestMail(t testing.TB, a authority.Authority, to string, kind authority.MailKind) authority.Mail {
	t.Helper()
	ms, err := a.Outbox(ctx, authority.OutboxQuery{To: to})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Kind == kind {
			return m
		}
	}
	t.Fatalf("no %s mail to %s in %d messages", kind, to, len(ms))
	return authority.Mail{}
}

func linkToken(t testing.TB, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Scheme != "besign" || u.Host != "reset" {
		t.Fatalf("reset link %q: %v", link, err)
	}
	return u.Query().Get("token")
}

func codeAt(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, otpOpts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const testPassword = "Rahasia#2026"

// activate takes a new account through the first sign-in path (reset link, OTP,
// password) and returns its OTP secret.
func activate(t testing.TB, e *Authority, clk *testClock, name, email string) (authority.Account, string) {
	t.Helper()
	acc, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: name, Email: email})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if err := e.RequestReset(ctx, authority.ResetRequest{Login: email}); err != nil {
		t.Fatalf("RequestReset: %v", err)
	}
	tk, err := e.OpenReset(ctx, linkToken(t, newestMail(t, e, email, authority.MailReset).ActionLink))
	if err != nil {
		t.Fatalf("OpenReset: %v", err)
	}
	en, err := e.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		t.Fatalf("BeginOTPEnrolment: %v", err)
	}
	if _, err := e.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID,
		Code: codeAt(t, en.Secret, clk.Now()), DeviceName: "HP " + name}); err != nil {
		t.Fatalf("ConfirmOTPEnrolment: %v", err)
	}
	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: testPassword, Confirmation: testPassword}); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	clk.Advance(30 * time.Second) // the enrolment's code is spent
	return acc, en.Secret
}

// signIn goes through both steps with the current code.
func signIn(t testing.TB, e *Authority, clk *testClock, login, secret string, remember bool) authority.Session {
	t.Helper()
	r, err := e.SignIn(ctx, authority.SignInRequest{Login: login, Password: testPassword, Remember: remember})
	if err != nil || r.OTPChallenge == "" {
		t.Fatalf("SignIn: %+v, %v", r, err)
	}
	s, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: codeAt(t, secret, clk.Now())})
	if err != nil {
		t.Fatalf("SignInOTP: %v", err)
	}
	clk.Advance(30 * time.Second)
	return s
}

func mustContain(t testing.TB, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}
