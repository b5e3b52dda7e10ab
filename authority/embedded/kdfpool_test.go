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
	// 16 MiB and one pass: long enough (some ms) that unbounded unlocks overlap.
	e.kdf = argonParams{Memory: 16 * 1024, Time: 1, Threads: 1}
	sessions := signers(t, e, clk, 8)
	if peak := unlockAll(t, e, sessions); peak < 1 || peak > 2 {
		t.Fatalf("%d derivations ran at once with a pool of 2", peak)
	}
	e.kdfPool.slots = nil // the same authority, unbounded
	if peak := unlockAll(t, e, sessions); peak <= 2 {
		t.Fatalf("unbounded, only %d derivations overlapped: the test cannot see a missing bound", peak)
	}
}
