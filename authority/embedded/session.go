package embedded

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// Sign-in and sessions.
// SignIn checks a login and password.
func (e *Authority) SignIn(ctx context.Context, req authority.SignInRequest) (authority.SignInResponse, error) {
	l, err := authority.ParseLogin(req.Login)
	if err != nil {
		return authority.SignInResponse{}, err
	}
	if req.Password == "" {
		return authority.SignInResponse{}, authority.ErrPasswordRequired
	}
	var u store.User
	err = e.view(ctx, func(tx store.Tx) (err error) {
		u, err = userByLogin(ctx, tx, l)
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return authority.SignInResponse{}, err
	}
	now := e.now()
	var pre store.User // the account before this attempt was counted
	refuse := err != nil || len(req.Password) > 4*authority.MaxPasswordLen
	if !refuse {
		// Count the attempt as a failure before checking it, in one
		// transaction with the lock check: parallel guesses, from any
		// process, see each other, so no more than FailureFactor are
		// checked before the lock. A right password clears the count.
		err = e.update(ctx, func(tx store.Tx) error {
			// The time is read inside the transaction, so that failures
			// are stamped in the order they are counted, also when this
			// one waited or was retried: an older stamp after a newer one
			// looks like a burst (QuickLoginCheck) and locks.
			now := e.now()
			cur, err := tx.UserByID(ctx, u.ID)
			if err != nil {
				return err
			}
			u, pre = cur, cur
			if u.PasswordHash == "" || locked(u, now) {
				refuse = true
				return nil
			}
			return e.recordFailureTx(ctx, tx, u, now)
		})
		if errors.Is(err, store.ErrNotFound) {
			refuse = true
		} else if err != nil {
			return authority.SignInResponse{}, err
		}
	}
	if refuse {
		// Spend the time a real check takes, then refuse alike.
		if err := e.passwordWork(ctx, func() {
			verifyPassword(req.Password[:min(len(req.Password), 4*authority.MaxPasswordLen)], e.dummyHash)
		}); err != nil {
			return authority.SignInResponse{}, err
		}
		return authority.SignInResponse{}, authority.ErrInvalidCredentials
	}
	var ok bool
	if werr := e.passwordWork(ctx, func() { ok, err = verifyPassword(req.Password, u.PasswordHash) }); werr != nil {
		return authority.SignInResponse{}, werr
	}
	if err != nil {
		e.opts.Logf("account %d: stored password hash unreadable: %v", u.ID, err)
		return authority.SignInResponse{}, authority.ErrInvalidCredentials
	}
	if !ok {
		return authority.SignInResponse{}, authority.ErrInvalidCredentials
	}
	resp := authority.SignInResponse{Account: e.account(u)}
	needsOTP := false
	err = e.update(ctx, func(tx store.Tx) error {
		// A reset may have changed the password since. A lock set since
		// does not matter: this check was counted before it.
		cur, err := tx.UserByID(ctx, u.ID)
		if err != nil {
			return err
		}
		if cur.PasswordHash != u.PasswordHash {
			return authority.ErrInvalidCredentials
		}
		// Take back this attempt's count; the failures of others stay.
		if cur.Failures == pre.Failures+1 {
			err = tx.SetFailures(ctx, cur.ID, pre.Failures, pre.LastFailure, pre.LockedUntil)
			cur.Failures, cur.LastFailure, cur.LockedUntil = pre.Failures, pre.LastFailure, pre.LockedUntil
		} else if cur.Failures > 0 {
			cur.Failures--
			err = tx.SetFailures(ctx, cur.ID, cur.Failures, cur.LastFailure, cur.LockedUntil)
		}
		if err != nil {
			return err
		}
		u = cur
		if u.OTPDevices == 0 {
			// IT reset the OTP (ResetOTP): set it up again first.
			needsOTP = true
			return nil
		}
		tok, hash, err := newToken()
		if err != nil {
			return err
		}
		resp.OTPChallenge = tok
		return tx.InsertToken(ctx, store.Token{TokenHash: hash, Kind: store.TokenOTPChallenge, UserID: u.ID,
			Remember: req.Remember, CreatedAt: now, ExpiresAt: now.Add(challengeLifetime)})
	})
	if err == nil && needsOTP {
		err = authority.ErrOTPSetupRequired
	}
	if err != nil {
		return authority.SignInResponse{}, err
	}
	return resp, nil
}

// startSession resets the failure count and stores a new session.
func (e *Authority) startSession(ctx context.Context, tx store.Tx, u store.User, remember bool, now time.Time) (authority.Session, error) {
	if err := tx.SetFailures(ctx, u.ID, 0, time.Time{}, time.Time{}); err != nil {
		return authority.Session{}, err
	}
	u.Failures, u.LastFailure, u.LockedUntil = 0, time.Time{}, time.Time{}
	tok, hash, err := newToken()
	if err != nil {
		return authority.Session{}, err
	}
	life := e.opts.SessionLifetime
	if remember {
		life = e.opts.RememberLifetime
	}
	s := store.Session{TokenHash: hash, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(life)}
	if err := tx.InsertSession(ctx, s); err != nil {
		return authority.Session{}, err
	}
	return authority.Session{Token: tok, Account: e.account(u), ExpiresAt: s.ExpiresAt}, nil
}

// SignInOTP answers the challenge of SignIn.
func (e *Authority) SignInOTP(ctx context.Context, req authority.SignInOTPRequest) (authority.Session, error) {
	code, err := authority.ParseOTPCode(req.Code)
	if err != nil {
		return authority.Session{}, err
	}
	if !wellFormedToken(req.Challenge) {
		return authority.Session{}, authority.ErrSessionExpired
	}
	hash := hashToken(req.Challenge)
	now := e.now()
	var sess authority.Session
	var wrong bool
	err = e.update(ctx, func(tx store.Tx) error {
		t, err := tx.TokenByHash(ctx, store.TokenOTPChallenge, hash)
		if errors.Is(err, store.ErrNotFound) {
			return authority.ErrSessionExpired
		}
		if err != nil {
			return err
		}
		if !t.UsedAt.IsZero() || !now.Before(t.ExpiresAt) {
			return authority.ErrSessionExpired
		}
		u, err := tx.UserByID(ctx, t.UserID)
		if err != nil {
			return err
		}
		if locked(u, now) {
			return authority.ErrInvalidCredentials
		}
		step, err := e.matchDevices(ctx, tx, u, code, now)
		if errors.Is(err, authority.ErrOTPInvalid) {
			// Counted in this transaction, so parallel guesses see it.
			wrong = true
			return e.recordFailureTx(ctx, tx, u, now)
		}
		if err != nil {
			return err
		}
		if err := tx.SetOTPLastStep(ctx, u.ID, step); errors.Is(err, store.ErrNotFound) {
			return authority.ErrOTPReused
		} else if err != nil {
			return err
		}
		if err := tx.UseToken(ctx, hash, now); errors.Is(err, store.ErrNotFound) {
			return authority.ErrSessionExpired
		} else if err != nil {
			return err
		}
		sess, err = e.startSession(ctx, tx, u, t.Remember, now)
		return err
	})
	if err != nil {
		return authority.Session{}, err
	}
	if wrong {
		// Both: screens may say "wrong code", callers checking credentials
		// still see ErrInvalidCredentials.
		return authority.Session{}, fmt.Errorf("%w: %w", authority.ErrInvalidCredentials, authority.ErrOTPInvalid)
	}
	if err != nil {
		return authority.Session{}, err
	}
	return sess, nil
}

// matchDevices finds the step at which code matches one of the account's
// devices; ErrOTPReused when that step was already used.
func (e *Authority) matchDevices(ctx context.Context, tx store.Tx, u store.User, code string, now time.Time) (int64, error) {
	devices, err := tx.Devices(ctx, u.ID)
	if err != nil {
		return 0, err
	}
	for _, d := range devices {
		secret, err := e.box.open(d.Secret, deviceAAD(d.ID, u.ID))
		if err != nil {
			e.opts.Logf("OTP device %d: %v", d.ID, err)
			continue
		}
		if step, ok := matchOTP(string(secret), code, now); ok {
			if step <= u.OTPLastStep {
				return 0, authority.ErrOTPReused
			}
			return step, nil
		}
	}
	return 0, authority.ErrOTPInvalid
}

// Resume returns the session of a valid token.
func (e *Authority) Resume(ctx context.Context, token string) (authority.Session, error) {
	var sess authority.Session
	err := e.view(ctx, func(tx store.Tx) error {
		u, s, err := e.session(ctx, tx, token)
		if err != nil {
			return err
		}
		sess = authority.Session{Token: token, Account: e.account(u), ExpiresAt: s.ExpiresAt}
		return nil
	})
	return sess, err
}

// session resolves a session token.
func (e *Authority) session(ctx context.Context, tx store.Tx, token string) (store.User, store.Session, error) {
	if !wellFormedToken(token) {
		return store.User{}, store.Session{}, authority.ErrSessionExpired
	}
	s, err := tx.SessionByHash(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.Session{}, authority.ErrSessionExpired
	}
	if err != nil {
		return store.User{}, store.Session{}, err
	}
	if !e.now().Before(s.ExpiresAt) {
		return store.User{}, store.Session{}, authority.ErrSessionExpired
	}
	u, err := tx.UserByID(ctx, s.UserID)
	return u, s, err
}

// SignOut revokes a session token.
func (e *Authority) SignOut(ctx context.Context, token string) error {
	if !wellFormedToken(token) {
		return nil
	}
	return e.update(ctx, func(tx store.Tx) error {
		return tx.DeleteSession(ctx, hashToken(token))
	})
}
