package embedded

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"github.com/natunakab/besign/authority"
	"os"
	"testing"
	"time"
)

// TestHelperWrongPassphrase is run as a child process by
// TestWrongPassphrasesAcrossProcesses: one wrong passphrase, its outcome on
// stdout.
func TestHelperWrongPassphrase(t *testing.T) {
	path := os.Getenv("BESIGN_TEST_PASSPHRASE_DB")
	if path == "" {
		t.Skip("child process of TestWrongPassphrasesAcrossProcesses")
	}
	now, err := time.Parse(time.RFC3339Nano, os.Getenv("BESIGN_TEST_NOW"))
	if err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.Path, opts.MasterKey, opts.Now = path, testKey, func() time.Time { return now }
	opts.Passphrase.MaxFailures = 3
	e, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	d := sha256.Sum256([]byte("x"))
	_, err = e.SignDigests(ctx, authority.SignDigestsRequest{Token: os.Getenv("BESIGN_TEST_TOKEN"), Passphrase: "Salah#Sekali1", Digests: [][]byte{d[:]}})
	switch {
	case errors.Is(err, authority.ErrPassphraseWrong):
		fmt.Println("RESULT wrong")
	case errors.Is(err, authority.ErrCertificateSuspended):
		fmt.Println("RESULT suspended")
	default:
		fmt.Printf("RESULT other %v\n", err)
	}
}

// Wrong passphrases from several processes at once are all counted: the
// count is read and written in the transaction that reads the key, so that
// exactly MaxFailures guesses are checked before the suspension.
func TestWrongPassphrasesAcrossProcesses(t *testing.T) {
	e, clk, s, _ := verifiedAccount(t, func(o *Options) { o.Passphrase.MaxFailures = 3 })
	link := approve(t, e)
	if _, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: link, Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true}); err != nil {
		t.Fatal(err)
	}
	const n = 8
	counts := childResults(t, n, "TestHelperWrongPassphrase", func(int) []string {
		return []string{"BESIGN_TEST_PASSPHRASE_DB=" + e.opts.Path, "BESIGN_TEST_TOKEN=" + s.Token,
			"BESIGN_TEST_NOW=" + clk.Now().Format(time.RFC3339Nano)}
	})
	if counts["wrong"] != 3 || counts["suspended"] != n-3 {
		t.Fatalf("outcomes %v, want 3 wrong and %d suspended", counts, n-3)
	}
	if info := status(t, e, s.Token); info.Status != authority.StatusSuspend || !info.SuspendedUntil.Equal(clk.Now().Add(15*time.Minute)) {
		t.Fatalf("after the guesses: %+v", info)
	}
}
