package embedded

import (
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/authoritytest"
	"github.com/natunakab/besign/internal/pgtest"
)

// signers makes n signed-in accounts with a certificate each (activations
// approved at once; each its own NIK). Separate accounts, because one
// account's unlocks wait for each other anyway (lockUser).
func signers(t testing.TB, e *Authority, clk *testClock, n int) []authority.Session {
	t.Helper()
	var out []authority.Session
	for i := range n {
		email := fmt.Sprintf("pegawai%d@natunakab.go.id", i)
		_, secret := activate(t, e, clk, fmt.Sprintf("Pegawai %c", 'A'+i), email)
		s := signIn(t, e, clk, email, secret, false)
		form := validForm(t)
		form.NIK = fmt.Sprintf("%s%04d", testNIK[:12], i+10)
		form.NIP = ""
		form.Employment = authority.EmploymentOther
		if _, err := e.SubmitActivation(ctx, authority.ActivationRequest{Token: s.Token, Data: form}); err != nil {
			t.Fatalf("SubmitActivation %d: %v", i, err)
		}
		if _, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: s.Token, Passphrase: testPassphrase,
			Confirmation: testPassphrase, Consent: true}); err != nil {
			t.Fatalf("CreatePassphrase %d: %v", i, err)
		}
		out = append(out, s)
	}
	return out
}

// unlockAll has every session sign one digest at once and returns the
// highest number of key derivations that ran together.
func unlockAll(t *testing.T, e *Authority, sessions []authority.Session) int64 {
	t.Helper()
	e.kdfPool.peak.Store(0)
	d := sha256.Sum256([]byte("dokumen"))
	var wg sync.WaitGroup
	errs := make([]error, len(sessions))
	start := make(chan struct{})
	for i, s := range sessions {
		wg.Go(func() {
			<-start
			_, errs[i] = e.SignDigests(ctx, authority.SignDigestsRequest{Token: s.Token, Passphrase: testPassphrase, Digests: [][]byte{d[:]}})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("SignDigests %d: %v", i, err)
		}
	}
	return e.kdfPool.peak.Load()
}

// TestKDFPoolBound: with KDFWorkers 2, eight accounts unlocking at once
// never run more than two derivations together, and all are served. The
// same unlocks without the bound run more than two at once, which shows
// that the count would see a pool that let too many through. On
// PostgreSQL, as in the server: SQLite's single writer would serialise the
// unlocks by itself.
func TestKDFPoolBound(t *testing.T) {
	clk := authoritytest.NewClock(time.Date(2026, 11, 23, 9, 0, 7, 0, time.UTC))
	e := openPG(t, pgtest.DSN(t), func(o *Options) {
		o.AutoApproveActivations, o.KDFWorkers, o.Now = true, 2, clk.Now
	})
	// 32 MiB and two passes: long enough (tens of ms) that unbounded
	// unlocks overlap.
	e.kdf = argonParams{Memory: 32 * 1024, Time: 2, Threads: 1}
	sessions := signers(t, e, clk, 8)
	if peak := unlockAll(t, e, sessions); peak < 1 || peak > 2 {
		t.Fatalf("%d derivations ran at once with a pool of 2", peak)
	}
	e.kdfPool.slots = nil // the same authority, unbounded
	if peak := overlap(func() int64 { return unlockAll(t, e, sessions) }); peak <= 2 {
		t.Fatalf("unbounded, only %d derivations overlapped in 3 tries: the test cannot see a missing bound", peak)
	}
}

// signInAll signs every account in at once with its password and returns
// the highest number of password checks that ran together.
func signInAll(t *testing.T, e *Authority, emails []string) int64 {
	t.Helper()
	e.pwPool.peak.Store(0)
	var wg sync.WaitGroup
	errs := make([]error, len(emails))
	start := make(chan struct{})
	for i, email := range emails {
		wg.Go(func() {
			<-start
			_, errs[i] = e.SignIn(ctx, authority.SignInRequest{Login: email, Password: testPassword})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("SignIn %d: %v", i, err)
		}
	}
	return e.pwPool.peak.Load()
}

// TestPasswordPoolBound: with PasswordWorkers 2, eight sign-ins at once
// check at most two passwords together (19 MiB each); without the bound
// more overlap, so the count would see a missing bound.
func TestPasswordPoolBound(t *testing.T) {
	e, clk, _ := openTest(t, func(o *Options) { o.PasswordWorkers = 2; o.Lockout.FailureFactor = 100 })
	var emails []string
	for i := range 8 {
		email := fmt.Sprintf("pegawai%d@natunakab.go.id", i)
		activate(t, e, clk, fmt.Sprintf("Pegawai %c", 'A'+i), email)
		emails = append(emails, email)
	}
	if peak := signInAll(t, e, emails); peak < 1 || peak > 2 {
		t.Fatalf("%d password checks ran at once with a pool of 2", peak)
	}
	e.pwPool.slots = nil
	if peak := overlap(func() int64 { return signInAll(t, e, emails) }); peak <= 2 {
		t.Fatalf("unbounded, only %d password checks overlapped in 3 tries: the test cannot see a missing bound", peak)
	}
}

// overlap runs an unbounded round up to three times, until more than two
// ran together (the scheduler of a loaded machine may serialise one
// round), and returns the highest count seen.
func overlap(round func() int64) int64 {
	var peak int64
	for range 3 {
		if peak = max(peak, round()); peak > 2 {
			break
		}
	}
	return peak
}
