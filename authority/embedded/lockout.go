package embedded

import (
	"context"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// Lockout: counting failed passwords and OTP codes, and locking the account.

// lockoutFailure returns, under policy p, an account's brute-force state after one more failure at
// now: the wait grows by WaitIncrement per failure from FailureFactor on,
// up to MaxWait; two failures within QuickLoginCheck lock at least
// MinQuickLoginWait. After MaxWait without a failure the count starts
// over (Keycloak's maxDeltaTime).
func lockoutFailure(p authority.LockoutPolicy, u store.User, now time.Time) (failures int, lockedUntil time.Time) {
	failures = u.Failures + 1
	if !u.LastFailure.IsZero() && now.Sub(u.LastFailure) >= p.MaxWait {
		failures = 1
	}
	var wait time.Duration
	if over := failures - p.FailureFactor + 1; over > 0 {
		if int64(over) > int64(p.MaxWait/p.WaitIncrement) {
			wait = p.MaxWait
		} else {
			wait = time.Duration(over) * p.WaitIncrement
		}
	}
	if !u.LastFailure.IsZero() && now.Sub(u.LastFailure) < p.QuickLoginCheck && wait < p.MinQuickLoginWait {
		wait = p.MinQuickLoginWait
	}
	wait = min(wait, p.MaxWait)
	if wait > 0 {
		lockedUntil = now.Add(wait)
	}
	return failures, lockedUntil
}

func locked(u store.User, now time.Time) bool { return now.Before(u.LockedUntil) }

// recordFailureTx counts a failed password or OTP for the account inside
// tx, where u was read.
func (e *Authority) recordFailureTx(ctx context.Context, tx store.Tx, u store.User, now time.Time) error {
	n, until := lockoutFailure(e.opts.Lockout, u, now)
	if until.IsZero() && locked(u, now) {
		until = u.LockedUntil // never shorten a running lock
	}
	if err := tx.SetFailures(ctx, u.ID, n, now, until); err != nil {
		return err
	}
	if !until.IsZero() {
		e.opts.Logf("account %d locked until %s after %d failures", u.ID, until.Format(time.RFC3339), n)
	}
	return nil
}
