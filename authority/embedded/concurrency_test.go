package embedded

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

func userRow(t *testing.T, e *Authority, id int64) store.User {
	t.Helper()
	var u store.User
	if err := e.db.View(ctx, func(tx store.Tx) (err error) { u, err = tx.UserByID(ctx, id); return err }); err != nil {
		t.Fatal(err)
	}
	return u
}

// race runs f n times at once.
func race(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f(i)
		}()
	}
	close(start)
	wg.Wait()
}

// Parallel password guesses must not all be checked before the first
// failure is counted: at one instant, the quick-login rule locks after two.
func TestParallelPasswordGuessesAreLimited(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	acc, _ := activate(t, e, clk, "Dedi", "dedi@natunakab.go.id")
	race(40, func(int) { e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: "salah-salah"}) })
	if u := userRow(t, e, acc.ID); u.Failures > 2 || !locked(u, clk.Now()) {
		t.Fatalf("%d parallel guesses were checked (want at most 2) and locked=%v", u.Failures, locked(u, clk.Now()))
	}
	if _, err := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: testPassword}); !errors.Is(err, authority.ErrInvalidCredentials) {
		t.Fatalf("right password during the lock: %v", err)
	}
}

func TestParallelOTPGuessesAreLimited(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	acc, secret := activate(t, e, clk, "Hadi", "hadi@natunakab.go.id")
	r, err := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	bad := codeAt(t, secret, clk.Now().Add(10*time.Minute))
	var mu sync.Mutex
	checked := 0
	race(40, func(int) {
		if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: bad}); errors.Is(err, authority.ErrOTPInvalid) {
			mu.Lock()
			checked++
			mu.Unlock()
		}
	})
	if u := userRow(t, e, acc.ID); checked > 2 || u.Failures != checked {
		t.Fatalf("%d parallel wrong codes were checked (want at most 2), %d failures recorded", checked, u.Failures)
	}
}

// A challenge won with the old password must die with the reset.
func TestResetEndsPendingOTPChallenge(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	acc, secret := activate(t, e, clk, "Eka", "eka@natunakab.go.id")
	r, err := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.RequestReset(ctx, authority.ResetRequest{Login: acc.Email}); err != nil {
		t.Fatal(err)
	}
	tk, err := e.OpenReset(ctx, linkToken(t, newestMail(t, e, acc.Email, authority.MailReset).ActionLink))
	if err != nil {
		t.Fatal(err)
	}
	np := "BaruSekali#99"
	if err := e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: np, Confirmation: np}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: codeAt(t, secret, clk.Now())}); !errors.Is(err, authority.ErrSessionExpired) {
		t.Fatalf("old challenge after a reset: %v, want ErrSessionExpired", err)
	}
}

// A new device's first code is not a reuse, even in the time step of the
// sign-in that came just before.
func TestSecondDeviceInSameTimeStep(t *testing.T) {
	e, clk, _ := openTest(t, nil)
	acc, secret := activate(t, e, clk, "Gita", "gita@natunakab.go.id")
	clk.Advance(30 * time.Second) // past the step of the first enrolment
	r, err := e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: codeAt(t, secret, clk.Now())})
	if err != nil {
		t.Fatal(err)
	}
	en, err := e.BeginOTPEnrolment(ctx, s.Token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: s.Token, EnrolmentID: en.ID,
		Code: codeAt(t, en.Secret, clk.Now()), DeviceName: "Tablet"}); err != nil {
		t.Fatalf("the new device's first code: %v", err)
	}
	// The step stays used for sign-in: the first device's code is still refused.
	r, _ = e.SignIn(ctx, authority.SignInRequest{Login: acc.Email, Password: testPassword})
	if _, err := e.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: r.OTPChallenge, Code: codeAt(t, secret, clk.Now())}); !errors.Is(err, authority.ErrOTPReused) {
		t.Fatalf("code of a used step at sign-in: %v, want ErrOTPReused", err)
	}
}

// The -wal and -shm files hold recent rows (reset links): private like the
// database.
func TestDatabaseFilesArePrivate(t *testing.T) {
	e, clk, opts := openTest(t, nil)
	activate(t, e, clk, "Ika", "ika@natunakab.go.id")
	for _, suf := range []string{"", "-wal", "-shm"} {
		fi, err := os.Stat(opts.Path + suf)
		if err != nil {
			t.Fatalf("%s%s: %v", opts.Path, suf, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s%s has mode %v, want 0600", opts.Path, suf, fi.Mode().Perm())
		}
	}
}

// childResults runs the test binary's test helper in n processes at once,
// with env(i) added to the environment of the i-th, and counts the first
// word each prints after "RESULT ".
func childResults(t *testing.T, n int, helper string, env func(i int) []string) map[string]int {
	t.Helper()
	var mu sync.Mutex
	counts := map[string]int{}
	race(n, func(i int) {
		cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$", "-test.count=1")
		cmd.Env = append(os.Environ(), env(i)...)
		out, err := cmd.CombinedOutput()
		_, after, ok := strings.Cut(string(out), "RESULT ")
		mu.Lock()
		defer mu.Unlock()
		if err != nil || !ok {
			t.Errorf("child %s: %v\n%s", helper, err, out)
			return
		}
		counts[strings.Fields(after)[0]]++
	})
	return counts
}
