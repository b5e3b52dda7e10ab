package authority

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/natunakab/besign/authority/store"
)

// Sign-in and sessions.
// SignIn checks a login and password.
func (e *Embedded) SignIn(ctx context.Context, req SignInRequest) (SignInResponse, error) {
	if err := e.checkOpen(); err != nil {
		return SignInResponse{}, err
	}
	l, err := parseLogin(req.Login)
	if err != nil {
		return SignInResponse{}, err
	}
	if req.Password == "" {
		return SignInResponse{}, ErrPasswordRequired
	}
	var u store.User
	err = e.db.View(ctx, func(tx *store.Tx) (err error) {
		u, err = userByLogin(ctx, tx, l)
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return SignInResponse{}, err
	}
	now := e.now()
	var pre store.User // the account before this attempt was counted
	refuse := err != nil || len(req.Password) > 4*MaxPasswordLen
	if !refuse {
		// Count the attempt as a failure before checking it, in one
		// transaction with the lock check: parallel guesses, from any
		// process, see each other, so no more than FailureFactor are
		// checked before the lock. A right password clears the count.
		err = e.db.Update(ctx, func(tx *store.Tx) error {
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
			return SignInResponse{}, err
		}
	}
	if refuse {
		// Spend the time a real check takes, then refuse alike.
		verifyPassword(req.Password[:min(len(req.Password), 4*MaxPasswordLen)], e.dummyHash)
		return SignInResponse{}, ErrInvalidCredentials
	}
	ok, err := verifyPassword(req.Password, u.PasswordHash)
	if err != nil {
		e.opts.Logf("account %d: stored password hash unreadable: %v", u.ID, err)
		return SignInResponse{}, ErrInvalidCredentials
	}
	if !ok {
		return SignInResponse{}, ErrInvalidCredentials
	}
	resp := SignInResponse{Account: e.account(u)}
	needsOTP := false
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		// A reset may have changed the password since. A lock set since
		// does not matter: this check was counted before it.
		cur, err := tx.UserByID(ctx, u.ID)
		if err != nil {
			return err
		}
		if cur.PasswordHash != u.PasswordHash {
			return ErrInvalidCredentials
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
		err = ErrOTPSetupRequired
	}
	if err != nil {
		return SignInResponse{}, err
	}
	return resp, nil
}

// startSession resets the failure count and stores a new session.
func (e *Embedded) startSession(ctx context.Context, tx *store.Tx, u store.User, remember bool, now time.Time) (Session, error) {
	if err := tx.SetFailures(ctx, u.ID, 0, time.Time{}, time.Time{}); err != nil {
		return Session{}, err
	}
	u.Failures, u.LastFailure, u.LockedUntil = 0, time.Time{}, time.Time{}
	tok, hash, err := newToken()
	if err != nil {
		return Session{}, err
	}
	life := e.opts.SessionLifetime
	if remember {
		life = e.opts.RememberLifetime
	}
	s := store.Session{TokenHash: hash, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(life)}
	if err := tx.InsertSession(ctx, s); err != nil {
		return Session{}, err
	}
	return Session{Token: tok, Account: e.account(u), ExpiresAt: s.ExpiresAt}, nil
}

// SignInOTP answers the challenge of SignIn.
func (e *Embedded) SignInOTP(ctx context.Context, req SignInOTPRequest) (Session, error) {
	if err := e.checkOpen(); err != nil {
		return Session{}, err
	}
	code, err := parseOTPCode(req.Code)
	if err != nil {
		return Session{}, err
	}
	if !wellFormedToken(req.Challenge) {
		return Session{}, ErrSessionExpired
	}
	hash := hashToken(req.Challenge)
	now := e.now()
	var sess Session
	var wrong bool
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		t, err := tx.TokenByHash(ctx, store.TokenOTPChallenge, hash)
		if errors.Is(err, store.ErrNotFound) {
			return ErrSessionExpired
		}
		if err != nil {
			return err
		}
		if !t.UsedAt.IsZero() || !now.Before(t.ExpiresAt) {
			return ErrSessionExpired
		}
		u, err := tx.UserByID(ctx, t.UserID)
		if err != nil {
			return err
		}
		if locked(u, now) {
			return ErrInvalidCredentials
		}
		step, err := e.matchDevices(ctx, tx, u, code, now)
		if errors.Is(err, ErrOTPInvalid) {
			// Counted in this transaction, so parallel guesses see it.
			wrong = true
			return e.recordFailureTx(ctx, tx, u, now)
		}
		if err != nil {
			return err
		}
		if err := tx.SetOTPLastStep(ctx, u.ID, step); errors.Is(err, store.ErrNotFound) {
			return ErrOTPReused
		} else if err != nil {
			return err
		}
		if err := tx.UseToken(ctx, hash, now); errors.Is(err, store.ErrNotFound) {
			return ErrSessionExpired
		} else if err != nil {
			return err
		}
		sess, err = e.startSession(ctx, tx, u, t.Remember, now)
		return err
	})
	if err != nil {
		return Session{}, err
	}
	if wrong {
		// Both: screens may say "wrong code", callers checking credentials
		// still see ErrInvalidCredentials.
		return Session{}, fmt.Errorf("%w: %w", ErrInvalidCredentials, ErrOTPInvalid)
	}
	if err != nil {
		return Session{}, err
	}
	return sess, nil
}

// matchDevices finds the step at which code matches one of the account's
// devices; ErrOTPReused when that step was already used.
func (e *Embedded) matchDevices(ctx context.Context, tx *store.Tx, u store.User, code string, now time.Time) (int64, error) {
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
				return 0, ErrOTPReused
			}
			return step, nil
		}
	}
	return 0, ErrOTPInvalid
}

// Resume returns the session of a valid token.
func (e *Embedded) Resume(ctx context.Context, token string) (Session, error) {
	if err := e.checkOpen(); err != nil {
		return Session{}, err
	}
	var sess Session
	err := e.db.View(ctx, func(tx *store.Tx) error {
		u, s, err := e.session(ctx, tx, token)
		if err != nil {
			return err
		}
		sess = Session{Token: token, Account: e.account(u), ExpiresAt: s.ExpiresAt}
		return nil
	})
	return sess, err
}

// session resolves a session token.
func (e *Embedded) session(ctx context.Context, tx *store.Tx, token string) (store.User, store.Session, error) {
	if !wellFormedToken(token) {
		return store.User{}, store.Session{}, ErrSessionExpired
	}
	s, err := tx.SessionByHash(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.Session{}, ErrSessionExpired
	}
	if err != nil {
		return store.User{}, store.Session{}, err
	}
	if !e.now().Before(s.ExpiresAt) {
		return store.User{}, store.Session{}, ErrSessionExpired
	}
	u, err := tx.UserByID(ctx, s.UserID)
	return u, s, err
}

// SignOut revokes a session token.
func (e *Embedded) SignOut(ctx context.Context, token string) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	if !wellFormedToken(token) {
		return nil
	}
	return e.db.Update(ctx, func(tx *store.Tx) error {
		return tx.DeleteSession(ctx, hashToken(token))
	})
}
