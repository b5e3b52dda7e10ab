package embedded

import (
	"errors"
	"fmt"
	"github.com/natunakab/besign/authority"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOTPCodeReuseAtSignIn(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	acc, secret := activate(t, e, clk, "Budi", "budi@natunakab.go.id")

	r1, _ := e.SignIn(ctx, authority.SignInRequest{Login: acc.Username, Password: testPassword})
	code := codeAt(t, secret, clk.Now())
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r1.OTPChallenge, Code: code}); err != nil {
		t.Fatal(err)
	}
	// Same code, new challenge, same 30 s window: refused.
	r2, _ := e.SignIn(ctx, authority.SignInRequest{Login: acc.Username, Password: testPassword})
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r2.OTPChallenge, Code: code}); !errors.Is(err, authority.ErrOTPReused) {
		t.Fatalf("reused code: %v", err)
	}
	// The previous step's code is still in the skew window but older than
	// the used one: refused too.
	prev := codeAt(t, secret, clk.Now().Add(-30*time.Second))
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r2.OTPChallenge, Code: prev}); !errors.Is(err, authority.ErrOTPReused) {
		t.Fatalf("older code: %v", err)
	}
	// Reuse is not a failure: no lockout from it.
	if l := lockedState(t, e, acc.Email); l.Locked {
		t.Fatal("reuse locked the account")
	}
	clk.Advance(30 * time.Second)
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r2.OTPChallenge, Code: codeAt(t, secret, clk.Now())}); err != nil {
		t.Fatalf("next code: %v", err)
	}
}

func TestOTPSkewAtSignIn(t *testing.T) {
	for _, tc := range []struct {
		steps int
		ok    bool
	}{{-2, false}, {-1, true}, {0, true}, {1, true}, {2, false}} {
		t.Run(fmt.Sprint(tc.steps), func(t *testing.T) {
			e, clk, _ := openTest(t, nil)
			acc, secret := activate(t, e, clk, "Citra", "citra@natunakab.go.id")
			clk.Advance(time.Minute) // so that the step before is not the spent enrolment code
			r, _ := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: testPassword})
			code := codeAt(t, secret, clk.Now().Add(time.Duration(tc.steps)*30*time.Second))
			_, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: code})
			if tc.ok && err != nil {
				t.Fatalf("code %+d steps away refused: %v", tc.steps, err)
			}
			if !tc.ok && (!errors.Is(err, authority.ErrOTPInvalid) || !errors.Is(err, authority.ErrInvalidCredentials)) {
				t.Fatalf("code %+d steps away: %v, want ErrOTPInvalid and ErrInvalidCredentials", tc.steps, err)
			}
		})
	}
}

func lockedState(t *testing.T, e *Authority, email string) authority.Account {
	t.Helper()
	users, err := e.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if u.Email == email {
			return u
		}
	}
	t.Fatalf("no account %s", email)
	return authority.Account{}
}

func TestLockout(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	acc, secret := activate(t, e, clk, "Dedi", "dedi@natunakab.go.id")
	wrong := func() {
		t.Helper()
		if _, err := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: "salah-salah"}); !errors.Is(err, authority.ErrInvalidCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	right := func() error {
		_, err := e.SignIn(ctx, authority.SignInRequest{Login: acc.Username, Password: testPassword})
		return err
	}

	for i := 0; i < 4; i++ {
		wrong()
		clk.Advance(2 * time.Second)
	}
	if err := right(); err != nil {
		t.Fatalf("after 4 failures: %v", err)
	}
	wrong() // fifth: locked for 60 s
	a := lockedState(t, e, acc.Email)
	if !a.Locked || !a.LockedTil.Equal(clk.Now().Add(time.Minute)) {
		t.Fatalf("after 5 failures: %+v", a)
	}
	clk.Advance(59 * time.Second)
	if err := right(); !errors.Is(err, authority.ErrInvalidCredentials) {
		t.Fatalf("right password while locked: %v", err)
	}
	// The locked attempt did not count: the wait did not grow.
	if a2 := lockedState(t, e, acc.Email); !a2.LockedTil.Equal(a.LockedTil) {
		t.Fatalf("lock moved from %v to %v", a.LockedTil, a2.LockedTil)
	}
	clk.Advance(time.Second)
	if err := right(); err != nil {
		t.Fatalf("after the lock ended: %v", err)
	}
	if lockedState(t, e, acc.Email).Locked {
		t.Fatal("still locked after the wait")
	}

	// The count stays until a full sign-in: the wait grows per failure up
	// to 15 minutes; after max_wait (15 minutes) without a failure the
	// count starts over.
	var waits []time.Duration
	for i := 0; i < 14; i++ {
		wrong()
		a := lockedState(t, e, acc.Email)
		waits = append(waits, a.LockedTil.Sub(clk.Now()))
		clk.Advance(a.LockedTil.Sub(clk.Now()))
	}
	for i, w := range waits {
		want := min(time.Duration(i+2)*time.Minute, 15*time.Minute)
		if w != want {
			t.Errorf("failure %d: wait %v, want %v", i+6, w, want)
		}
	}
	clk.Advance(time.Second)
	wrong()
	if a := lockedState(t, e, acc.Email); a.Locked {
		t.Fatalf("a failure 15 minutes after the last one still counts the old ones: locked until %v", a.LockedTil)
	}
	for i := 0; i < 3; i++ {
		clk.Advance(2 * time.Second)
		wrong()
	}
	if lockedState(t, e, acc.Email).Locked {
		t.Fatal("locked after 4 failures of a new count")
	}
	clk.Advance(2 * time.Second)

	// Wrong OTP codes count too.
	wrong()
	if err := e.UnlockUser(ctx, "DEDI@natunakab.go.id"); err != nil {
		t.Fatal(err)
	}
	if lockedState(t, e, acc.Email).Locked {
		t.Fatal("UnlockUser did not lift the lock")
	}
	for i := 0; i < 5; i++ {
		r, err := e.SignIn(ctx, authority.SignInRequest{Login: acc.Username, Password: testPassword})
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		bad := codeAt(t, secret, clk.Now().Add(10*time.Minute))
		if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: bad}); !errors.Is(err, authority.ErrOTPInvalid) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
		clk.Advance(2 * time.Second)
	}
	if !lockedState(t, e, acc.Email).Locked {
		t.Fatal("5 wrong codes did not lock")
	}
	if err := right(); !errors.Is(err, authority.ErrInvalidCredentials) {
		t.Fatalf("password while OTP-locked: %v", err)
	}
	if err := e.UnlockUser(ctx, "nobody@natunakab.go.id"); !errors.Is(err, authority.ErrNotFound) {
		t.Errorf("unlock unknown: %v", err)
	}
	if err := e.UnlockUser(ctx, ""); !errors.Is(err, authority.ErrLoginRequired) {
		t.Errorf("unlock empty: %v", err)
	}
	if err := e.UnlockUser(ctx, acc.Username); err != nil {
		t.Fatal(err)
	}
	s := signIn(t, e, clk, acc.Email, secret, false)
	if s.Account.Locked {
		t.Fatal("signed-in account shown as locked")
	}
}

func TestQuickLoginCheck(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	acc, _ := activate(t, e, clk, "Eka", "eka@natunakab.go.id")
	e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: "salah-salah"})
	clk.Advance(300 * time.Millisecond)
	e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: "salah-salah"})
	a := lockedState(t, e, acc.Email)
	if !a.Locked || a.LockedTil.Sub(clk.Now()) != time.Minute {
		t.Fatalf("two failures within a second: %+v", a)
	}
}

func TestUnknownUserAndBadInputAtSignIn(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	acc, _ := activate(t, e, clk, "Fajar", "fajar@natunakab.go.id")
	for _, tc := range []struct {
		req authority.SignInRequest
		err error
	}{
		{authority.SignInRequest{Login: "", Password: "x"}, authority.ErrLoginRequired},
		{authority.SignInRequest{Login: "  ", Password: "x"}, authority.ErrLoginRequired},
		{authority.SignInRequest{Login: strings.Repeat("a", authority.MaxLoginLen+1), Password: "x"}, authority.ErrLoginTooLong},
		{authority.SignInRequest{Login: acc.Email, Password: ""}, authority.ErrPasswordRequired},
		{authority.SignInRequest{Login: "tidakada", Password: testPassword}, authority.ErrInvalidCredentials},
		{authority.SignInRequest{Login: "tidakada@natunakab.go.id", Password: testPassword}, authority.ErrInvalidCredentials},
		{authority.SignInRequest{Login: acc.Email, Password: strings.Repeat("x", 100000)}, authority.ErrInvalidCredentials},
	} {
		if _, err := e.SignIn(ctx, tc.req); !errors.Is(err, tc.err) {
			t.Errorf("SignIn(%.40q, %d chars): %v, want %v", tc.req.Login, len(tc.req.Password), err, tc.err)
		}
	}
	r, _ := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: testPassword})
	for code, want := range map[string]error{"": authority.ErrOTPRequired, "12345": authority.ErrOTPFormat, "abcdef": authority.ErrOTPFormat} {
		if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: code}); !errors.Is(err, want) {
			t.Errorf("code %q: %v, want %v", code, err, want)
		}
	}
	for _, ch := range []string{"", "garbage", strings.Repeat("A", 43)} {
		if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: ch, Code: "123456"}); !errors.Is(err, authority.ErrSessionExpired) {
			t.Errorf("challenge %q: %v", ch, err)
		}
	}
	// Bad input did not count as failures.
	if a := lockedState(t, e, acc.Email); a.Locked {
		t.Fatalf("locked by bad input: %+v", a)
	}
}

func TestChallengeExpires(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	acc, secret := activate(t, e, clk, "Gita", "gita@natunakab.go.id")
	r, _ := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: testPassword})
	clk.Advance(5 * time.Minute)
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: codeAt(t, secret, clk.Now())}); !errors.Is(err, authority.ErrSessionExpired) {
		t.Fatalf("challenge after 5 min: %v", err)
	}
}

func TestResetTokens(t *testing.T) {
	e, clk, _ := openTest(t, func(o *Options) { o.ResetLinkLifetime = 30 * time.Minute })
	acc, secret := activate(t, e, clk, "Hana", "hana@natunakab.go.id")
	before, _ := e.Outbox(ctx, authority.OutboxQuery{})

	// Unknown account: same answer, no mail.
	if err := e.RequestReset(ctx, authority.ResetRequest{Login: "siapa@natunakab.go.id"}); err != nil {
		t.Fatal(err)
	}
	if after, _ := e.Outbox(ctx, authority.OutboxQuery{}); len(after) != len(before) {
		t.Fatal("mail sent for an unknown account")
	}
	if err := e.RequestReset(ctx, authority.ResetRequest{Login: " "}); !errors.Is(err, authority.ErrLoginRequired) {
		t.Errorf("empty login: %v", err)
	}

	request := func() string {
		t.Helper()
		if err := e.RequestReset(ctx, authority.ResetRequest{Login: acc.Email}); err != nil {
			t.Fatal(err)
		}
		m := newestMail(t, e, acc.Email, authority.MailReset)
		mustContain(t, "reset mail", m.Body, "30 menit")
		return linkToken(t, m.ActionLink)
	}

	// Expiry.
	link := request()
	clk.Advance(30 * time.Minute)
	if _, err := e.OpenReset(ctx, link); !errors.Is(err, authority.ErrTokenExpired) {
		t.Fatalf("expired link: %v", err)
	}
	for _, bad := range []string{"", "x", strings.Repeat("A", 43), link + "A"} {
		if _, err := e.OpenReset(ctx, bad); !errors.Is(err, authority.ErrTokenInvalid) {
			t.Errorf("link %q: %v", bad, err)
		}
	}
	// A session token is not a reset link.
	s1 := signIn(t, e, clk, acc.Email, secret, false)
	s2 := signIn(t, e, clk, acc.Username, secret, true)
	if _, err := e.OpenReset(ctx, s1.Token); !errors.Is(err, authority.ErrTokenInvalid) {
		t.Errorf("session as link: %v", err)
	}

	// Two links; finishing one kills the other and the sessions.
	other := request()
	link = request()
	tk, err := e.OpenReset(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	if tk.NeedsOTP {
		t.Error("account with a device asked for OTP set-up")
	}
	// The ticket may not add a device beside the existing one.
	if _, err := e.BeginOTPEnrolment(ctx, tk.Ticket); !errors.Is(err, authority.ErrSignInRequired) {
		t.Errorf("ticket enrolment with a device: %v", err)
	}
	for _, tc := range []struct {
		pw, conf string
		err      error
	}{
		{"", "", authority.ErrPasswordRequired},
		{"pendek", "pendek", authority.ErrPasswordTooShort},
		{strings.Repeat("p", 129), strings.Repeat("p", 129), authority.ErrPasswordTooLong},
		{"Rahasia#2027", "Rahasia#2028", authority.ErrPasswordMismatch},
	} {
		if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: tc.pw, Confirmation: tc.conf}); !errors.Is(err, tc.err) {
			t.Errorf("SetPassword(%q, %q): %v, want %v", tc.pw, tc.conf, err, tc.err)
		}
	}
	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: "bogus", Password: testPassword, Confirmation: testPassword}); !errors.Is(err, authority.ErrTokenInvalid) {
		t.Errorf("bogus ticket: %v", err)
	}
	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: link, Password: testPassword, Confirmation: testPassword}); !errors.Is(err, authority.ErrTokenInvalid) {
		t.Errorf("link used as ticket: %v", err)
	}
	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: testPassword, Confirmation: testPassword}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []authority.Session{s1, s2} {
		if _, err := e.Resume(ctx, s.Token); !errors.Is(err, authority.ErrSessionExpired) {
			t.Errorf("session survived the reset: %v", err)
		}
	}
	if _, err := e.OpenReset(ctx, other); !errors.Is(err, authority.ErrTokenUsed) {
		t.Errorf("older link after the reset: %v", err)
	}

	// An expired ticket.
	link = request()
	tk, err = e.OpenReset(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: testPassword, Confirmation: testPassword}); !errors.Is(err, authority.ErrTokenExpired) {
		t.Errorf("expired ticket: %v", err)
	}
	if _, err := e.BeginOTPEnrolment(ctx, tk.Ticket); !errors.Is(err, authority.ErrSessionExpired) {
		t.Errorf("enrolment with expired ticket: %v", err)
	}
}

func TestSessions(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	acc, secret := activate(t, e, clk, "Indra", "indra@natunakab.go.id")
	short := signIn(t, e, clk, acc.Email, secret, false)
	long := signIn(t, e, clk, acc.Email, secret, true)
	if d := long.ExpiresAt.Sub(short.ExpiresAt); d != 30*24*time.Hour-12*time.Hour+30*time.Second {
		t.Errorf("remember adds %v", d)
	}
	if short.Token == long.Token || len(short.Token) != 43 {
		t.Errorf("tokens %q %q", short.Token, long.Token)
	}
	clk.Advance(12 * time.Hour)
	if _, err := e.Resume(ctx, short.Token); !errors.Is(err, authority.ErrSessionExpired) {
		t.Errorf("12 h session after 12 h: %v", err)
	}
	if s, err := e.Resume(ctx, long.Token); err != nil || s.Account.Email != acc.Email {
		t.Errorf("remembered session: %+v, %v", s, err)
	}
	if err := e.SignOut(ctx, long.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Resume(ctx, long.Token); !errors.Is(err, authority.ErrSessionExpired) {
		t.Errorf("after sign-out: %v", err)
	}
	for _, tok := range []string{long.Token, "", "garbage"} {
		if err := e.SignOut(ctx, tok); err != nil {
			t.Errorf("SignOut(%q): %v", tok, err)
		}
	}
}

func TestOTPDevices(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	acc, secret := activate(t, e, clk, "Joko", "joko@natunakab.go.id")
	other, otherSecret := activate(t, e, clk, "Kiki", "kiki@natunakab.go.id")
	s := signIn(t, e, clk, acc.Email, secret, false)

	en, err := e.BeginOTPEnrolment(ctx, s.Token)
	if err != nil {
		t.Fatal(err)
	}
	if en.Secret == secret {
		t.Fatal("new enrolment reuses the secret")
	}
	code := codeAt(t, en.Secret, clk.Now())
	for _, tc := range []struct {
		req authority.ConfirmOTPRequest
		err error
	}{
		{authority.ConfirmOTPRequest{Token: s.Token, EnrolmentID: en.ID, Code: code, DeviceName: ""}, authority.ErrDeviceNameMissing},
		{authority.ConfirmOTPRequest{Token: s.Token, EnrolmentID: en.ID, Code: code, DeviceName: strings.Repeat("x", 65)}, authority.ErrDeviceNameTooLong},
		{authority.ConfirmOTPRequest{Token: s.Token, EnrolmentID: en.ID, Code: code, DeviceName: "Tab\x00"}, authority.ErrDeviceNameInvalid},
		{authority.ConfirmOTPRequest{Token: s.Token, EnrolmentID: en.ID, Code: "", DeviceName: "Tab"}, authority.ErrOTPRequired},
		{authority.ConfirmOTPRequest{Token: s.Token, EnrolmentID: en.ID, Code: "12 34", DeviceName: "Tab"}, authority.ErrOTPFormat},
		{authority.ConfirmOTPRequest{Token: s.Token, EnrolmentID: en.ID, Code: codeAt(t, en.Secret, clk.Now().Add(time.Hour)), DeviceName: "Tab"}, authority.ErrOTPInvalid},
		{authority.ConfirmOTPRequest{Token: s.Token, EnrolmentID: en.ID, Code: codeAt(t, secret, clk.Now()), DeviceName: "Tab"}, authority.ErrOTPInvalid},
		{authority.ConfirmOTPRequest{Token: s.Token, EnrolmentID: "nope", Code: code, DeviceName: "Tab"}, authority.ErrEnrolmentUnknown},
		{authority.ConfirmOTPRequest{Token: "nope", EnrolmentID: en.ID, Code: code, DeviceName: "Tab"}, authority.ErrSessionExpired},
	} {
		if _, err := e.ConfirmOTPEnrolment(ctx, tc.req); !errors.Is(err, tc.err) {
			t.Errorf("Confirm(%+v): %v, want %v", tc.req, err, tc.err)
		}
	}
	// Another account cannot confirm this enrolment.
	so := signIn(t, e, clk, other.Username, otherSecret, false)
	if _, err := e.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: so.Token, EnrolmentID: en.ID,
		Code: codeAt(t, en.Secret, clk.Now()), DeviceName: "Curang"}); !errors.Is(err, authority.ErrEnrolmentUnknown) {
		t.Errorf("foreign enrolment: %v", err)
	}
	tab, err := e.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: s.Token, EnrolmentID: en.ID,
		Code: codeAt(t, en.Secret, clk.Now()), DeviceName: " Tablet Kantor "})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Name != "Tablet Kantor" {
		t.Errorf("device name %q", tab.Name)
	}
	// The enrolment is gone once confirmed.
	clk.Advance(30 * time.Second)
	if _, err := e.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: s.Token, EnrolmentID: en.ID,
		Code: codeAt(t, en.Secret, clk.Now()), DeviceName: "Lagi"}); !errors.Is(err, authority.ErrEnrolmentUnknown) {
		t.Errorf("enrolment confirmed twice: %v", err)
	}
	devs, err := e.OTPDevices(ctx, s.Token)
	if err != nil || len(devs) != 2 || devs[0].Name != "HP Joko" || devs[1].Name != "Tablet Kantor" {
		t.Fatalf("devices %+v, %v", devs, err)
	}
	// Either device signs in.
	clk.Advance(30 * time.Second)
	signIn(t, e, clk, acc.Email, en.Secret, false)

	if err := e.RemoveOTPDevice(ctx, so.Token, devs[0].ID); !errors.Is(err, authority.ErrNotFound) {
		t.Errorf("removing another account's device: %v", err)
	}
	if err := e.RemoveOTPDevice(ctx, s.Token, 9999); !errors.Is(err, authority.ErrNotFound) {
		t.Errorf("removing unknown device: %v", err)
	}
	if err := e.RemoveOTPDevice(ctx, "bogus", devs[0].ID); !errors.Is(err, authority.ErrSessionExpired) {
		t.Errorf("removing without session: %v", err)
	}
	if err := e.RemoveOTPDevice(ctx, s.Token, devs[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := e.RemoveOTPDevice(ctx, s.Token, devs[1].ID); !errors.Is(err, authority.ErrLastOTPDevice) {
		t.Errorf("removing the last device: %v", err)
	}
	// The removed device's codes no longer work.
	clk.Advance(30 * time.Second)
	r, _ := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: testPassword})
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: codeAt(t, secret, clk.Now())}); !errors.Is(err, authority.ErrOTPInvalid) {
		t.Errorf("removed device's code: %v", err)
	}

	// Enrolments expire after 10 minutes.
	en2, err := e.BeginOTPEnrolment(ctx, s.Token)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute)
	if _, err := e.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: s.Token, EnrolmentID: en2.ID,
		Code: codeAt(t, en2.Secret, clk.Now()), DeviceName: "Telat"}); !errors.Is(err, authority.ErrEnrolmentUnknown) {
		t.Errorf("expired enrolment: %v", err)
	}
	if _, err := e.BeginOTPEnrolment(ctx, ""); !errors.Is(err, authority.ErrSessionExpired) {
		t.Errorf("enrolment without token: %v", err)
	}
	if _, err := e.OTPDevices(ctx, "x"); !errors.Is(err, authority.ErrSessionExpired) {
		t.Errorf("devices without token: %v", err)
	}
}

func TestConcurrentCreateUser(t *testing.T) {
	e, _, _ := openTest(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Sama", Email: fmt.Sprintf("sama@unit%d.natunakab.go.id", i)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	users, _ := e.ListUsers(ctx)
	seen := map[string]bool{}
	for _, u := range users {
		if seen[u.Username] {
			t.Fatalf("username %s twice", u.Username)
		}
		seen[u.Username] = true
	}
	if len(seen) != 8 || !seen["sama"] || !seen["sama8"] {
		t.Fatalf("usernames %v", seen)
	}
}
