package embedded

import (
	"fmt"
	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/authoritytest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// processPolicy of TestLockoutProcesses: five failures lock for an hour,
// and the quick-login rule is out of the way.
var processPolicy = authority.LockoutPolicy{FailureFactor: 5, WaitIncrement: time.Hour, MaxWait: 2 * time.Hour,
	QuickLoginCheck: time.Nanosecond, MinQuickLoginWait: time.Nanosecond}

// TestLockoutHelper is a child of TestLockoutProcesses: ten wrong
// passwords for the account in BESIGN_LOCKOUT_HELPER ("path|login").
func TestLockoutHelper(t *testing.T) {
	spec := os.Getenv("BESIGN_LOCKOUT_HELPER")
	if spec == "" {
		t.Skip("helper process only")
	}
	path, login, _ := strings.Cut(spec, "|")
	opts := DefaultOptions()
	opts.Path, opts.MasterKey, opts.Lockout = path, testKey, processPolicy
	e, err := Open(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer e.Close()
	for range 10 {
		e.SignIn(ctx, authority.SignInRequest{Login: login, Password: "salah-salah"})
	}
}

// Six processes guessing ten passwords each get no more than
// failure_factor checks before the lock: every check is counted, in the
// database, before it is made.
func TestLockoutProcesses(t *testing.T) {
	clk := authoritytest.NewClock(time.Now())
	e, _, opts := openTest(t, func(o *Options) { o.Now = clk.Now; o.Lockout = processPolicy })
	acc, _ := activate(t, e, clk, "Dedi", "dedi@natunakab.go.id")
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestLockoutHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), "BESIGN_LOCKOUT_HELPER="+opts.Path+"|"+acc.Email)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("helper: %v\n%s", err, out)
			}
		}()
	}
	wg.Wait()
	u := userRow(t, e, acc.ID)
	if u.Failures > processPolicy.FailureFactor || !locked(u, time.Now()) {
		t.Fatalf("%d guesses were checked (want at most %d), locked=%v", u.Failures, processPolicy.FailureFactor, locked(u, time.Now()))
	}
}
