package authority

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/natunakab/besign/authority/store"
)

// ---- lockout ----

// failure returns an account's brute-force state after one more failure at
// now: the wait grows by WaitIncrement per failure from FailureFactor on,
// up to MaxWait; two failures within QuickLoginCheck lock at least
// MinQuickLoginWait.
func (p LockoutPolicy) failure(u store.User, now time.Time) (failures int, lockedUntil time.Time) {
	failures = u.Failures + 1
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

// recordFailure counts a failed password or OTP for the account.
func (e *Embedded) recordFailure(ctx context.Context, userID int64) error {
	return e.db.Update(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if err != nil {
			return err
		}
		return e.recordFailureTx(ctx, tx, u, e.now())
	})
}

// recordFailureTx counts a failure inside tx, where u was read.
func (e *Embedded) recordFailureTx(ctx context.Context, tx *store.Tx, u store.User, now time.Time) error {
	n, until := e.opts.Lockout.failure(u, now)
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

// lockUser serialises password checks of one account, so that parallel
// guesses cannot all be checked before the first failure is counted.
func (e *Embedded) lockUser(id int64) (unlock func()) {
	m, _ := e.userLocks.LoadOrStore(id, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// ---- sign-in ----

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
	if err == nil {
		defer e.lockUser(u.ID)()
		// Re-read under the lock: an attempt that just finished may have
		// counted a failure or locked the account.
		err = e.db.View(ctx, func(tx *store.Tx) (err error) {
			u, err = tx.UserByID(ctx, u.ID)
			return err
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return SignInResponse{}, err
		}
	}
	now := e.now()
	if err != nil || u.PasswordHash == "" || locked(u, now) || len(req.Password) > 4*MaxPasswordLen {
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
		if err := e.recordFailure(ctx, u.ID); err != nil {
			return SignInResponse{}, err
		}
		return SignInResponse{}, ErrInvalidCredentials
	}
	resp := SignInResponse{Account: e.account(u)}
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		// Another process (or a reset) may have changed the account since.
		cur, err := tx.UserByID(ctx, u.ID)
		if err != nil {
			return err
		}
		if locked(cur, now) || cur.PasswordHash != u.PasswordHash {
			return ErrInvalidCredentials
		}
		u = cur
		if u.OTPDevices > 0 {
			tok, hash, err := newToken()
			if err != nil {
				return err
			}
			resp.OTPChallenge = tok
			return tx.InsertToken(ctx, store.Token{TokenHash: hash, Kind: store.TokenOTPChallenge, UserID: u.ID,
				Remember: req.Remember, CreatedAt: now, ExpiresAt: now.Add(challengeLifetime)})
		}
		s, err := e.startSession(ctx, tx, u, req.Remember, now)
		resp.Session = &s
		return err
	})
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

// ---- reset ----

// RequestReset mails a reset link when the account exists.
func (e *Embedded) RequestReset(ctx context.Context, req ResetRequest) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	l, err := parseLogin(req.Login)
	if err != nil {
		return err
	}
	tok, hash, err := newToken()
	if err != nil {
		return err
	}
	var mails []int64
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		u, err := userByLogin(ctx, tx, l)
		if errors.Is(err, store.ErrNotFound) {
			return nil // same answer for an unknown account
		}
		if err != nil {
			return err
		}
		now := e.now()
		life := e.opts.ResetLinkLifetime
		if err := tx.InsertToken(ctx, store.Token{TokenHash: hash, Kind: store.TokenResetLink, UserID: u.ID,
			CreatedAt: now, ExpiresAt: now.Add(life)}); err != nil {
			return err
		}
		m := resetMail(u.Email, tok, life)
		m.CreatedAt = now
		if err := tx.InsertMail(ctx, &m); err != nil {
			return err
		}
		mails = append(mails, m.ID)
		return nil
	})
	if err != nil {
		return err
	}
	e.send(mails)
	return nil
}

// useToken checks and consumes a single-use token of kind.
func useToken(ctx context.Context, tx *store.Tx, kind, token string, now time.Time) (store.Token, error) {
	if !wellFormedToken(token) {
		return store.Token{}, ErrTokenInvalid
	}
	hash := hashToken(token)
	t, err := tx.TokenByHash(ctx, kind, hash)
	if errors.Is(err, store.ErrNotFound) {
		return store.Token{}, ErrTokenInvalid
	}
	if err != nil {
		return store.Token{}, err
	}
	if !t.UsedAt.IsZero() {
		return store.Token{}, ErrTokenUsed
	}
	if !now.Before(t.ExpiresAt) {
		return store.Token{}, ErrTokenExpired
	}
	if err := tx.UseToken(ctx, hash, now); errors.Is(err, store.ErrNotFound) {
		return store.Token{}, ErrTokenUsed
	} else if err != nil {
		return store.Token{}, err
	}
	return t, nil
}

// OpenReset consumes a reset link and returns a ticket.
func (e *Embedded) OpenReset(ctx context.Context, linkToken string) (ResetTicket, error) {
	if err := e.checkOpen(); err != nil {
		return ResetTicket{}, err
	}
	tok, hash, err := newToken()
	if err != nil {
		return ResetTicket{}, err
	}
	var ticket ResetTicket
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		now := e.now()
		t, err := useToken(ctx, tx, store.TokenResetLink, linkToken, now)
		if err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, t.UserID)
		if err != nil {
			return err
		}
		exp := now.Add(ticketLifetime)
		if err := tx.InsertToken(ctx, store.Token{TokenHash: hash, Kind: store.TokenResetTicket, UserID: u.ID,
			CreatedAt: now, ExpiresAt: exp}); err != nil {
			return err
		}
		ticket = ResetTicket{Ticket: tok, Account: e.account(u), NeedsOTP: u.OTPDevices == 0, ExpiresAt: exp}
		return nil
	})
	return ticket, err
}

// SetPassword finishes a reset.
func (e *Embedded) SetPassword(ctx context.Context, req SetPasswordRequest) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	if err := checkPassword(req.Password, req.Confirmation); err != nil {
		return err
	}
	// Check the ticket before spending time on the hash.
	if err := e.db.View(ctx, func(tx *store.Tx) error {
		_, err := e.ticket(ctx, tx, req.Ticket)
		return err
	}); err != nil {
		return err
	}
	hash, err := hashPassword(req.Password, e.argon)
	if err != nil {
		return err
	}
	return e.db.Update(ctx, func(tx *store.Tx) error {
		now := e.now()
		t, err := useToken(ctx, tx, store.TokenResetTicket, req.Ticket, now)
		if err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, t.UserID)
		if err != nil {
			return err
		}
		if u.OTPDevices == 0 {
			return ErrOTPSetupRequired
		}
		if err := tx.SetPasswordHash(ctx, u.ID, hash); err != nil {
			return err
		}
		if err := tx.SetFailures(ctx, u.ID, 0, time.Time{}, time.Time{}); err != nil {
			return err
		}
		// Other reset links of the account, and OTP challenges won with the
		// old password, die with this one.
		if err := tx.UseUserTokens(ctx, u.ID, now, store.TokenResetLink, store.TokenResetTicket, store.TokenOTPChallenge); err != nil {
			return err
		}
		return tx.DeleteUserSessions(ctx, u.ID)
	})
}

// ticket resolves an unused, unexpired reset ticket without consuming it.
func (e *Embedded) ticket(ctx context.Context, tx *store.Tx, token string) (store.Token, error) {
	if !wellFormedToken(token) {
		return store.Token{}, ErrTokenInvalid
	}
	t, err := tx.TokenByHash(ctx, store.TokenResetTicket, hashToken(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Token{}, ErrTokenInvalid
	case err != nil:
		return store.Token{}, err
	case !t.UsedAt.IsZero():
		return store.Token{}, ErrTokenUsed
	case !e.now().Before(t.ExpiresAt):
		return store.Token{}, ErrTokenExpired
	}
	return t, nil
}

// ---- OTP devices ----

// holder resolves a session token or a reset ticket to its account.
func (e *Embedded) holder(ctx context.Context, tx *store.Tx, token string) (u store.User, viaTicket bool, err error) {
	u, _, err = e.session(ctx, tx, token)
	if err == nil || !errors.Is(err, ErrSessionExpired) {
		return u, false, err
	}
	t, err := e.ticket(ctx, tx, token)
	if err != nil {
		if errors.Is(err, ErrTokenInvalid) || errors.Is(err, ErrTokenUsed) || errors.Is(err, ErrTokenExpired) {
			return store.User{}, false, ErrSessionExpired
		}
		return store.User{}, false, err
	}
	u, err = tx.UserByID(ctx, t.UserID)
	return u, true, err
}

// BeginOTPEnrolment creates a pending TOTP secret.
func (e *Embedded) BeginOTPEnrolment(ctx context.Context, token string) (OTPEnrolment, error) {
	if err := e.checkOpen(); err != nil {
		return OTPEnrolment{}, err
	}
	secret, err := newOTPSecret()
	if err != nil {
		return OTPEnrolment{}, err
	}
	id, _, err := newToken()
	if err != nil {
		return OTPEnrolment{}, err
	}
	var out OTPEnrolment
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		u, viaTicket, err := e.holder(ctx, tx, token)
		if err != nil {
			return err
		}
		// A reset link proves only the mailbox: it may set up the first
		// device, not add one beside an existing device.
		if viaTicket && u.OTPDevices > 0 {
			return ErrSignInRequired
		}
		sealed, err := e.box.seal([]byte(secret), enrolmentAAD(id, u.ID))
		if err != nil {
			return err
		}
		now := e.now()
		if err := tx.InsertEnrolment(ctx, store.Enrolment{ID: id, UserID: u.ID, Secret: sealed,
			CreatedAt: now, ExpiresAt: now.Add(enrolmentLifetime)}); err != nil {
			return err
		}
		out = OTPEnrolment{
			ID: id, URI: keyURI(e.opts.OTPIssuer, u.Email, secret), Secret: secret,
			Issuer: e.opts.OTPIssuer, Account: u.Email,
			Type: "totp", Algorithm: "SHA1", Digits: otpDigits, Period: otpPeriod,
		}
		return nil
	})
	return out, err
}

// ConfirmOTPEnrolment adds the device once its code matches.
func (e *Embedded) ConfirmOTPEnrolment(ctx context.Context, req ConfirmOTPRequest) (OTPDevice, error) {
	if err := e.checkOpen(); err != nil {
		return OTPDevice{}, err
	}
	code, err := parseOTPCode(req.Code)
	if err != nil {
		return OTPDevice{}, err
	}
	name, err := checkDeviceName(req.DeviceName)
	if err != nil {
		return OTPDevice{}, err
	}
	var dev OTPDevice
	var mails []int64
	err = e.db.Update(ctx, func(tx *store.Tx) error {
		u, viaTicket, err := e.holder(ctx, tx, req.Token)
		if err != nil {
			return err
		}
		if viaTicket && u.OTPDevices > 0 {
			return ErrSignInRequired
		}
		now := e.now()
		en, err := tx.Enrolment(ctx, req.EnrolmentID, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrEnrolmentUnknown
		}
		if err != nil {
			return err
		}
		if !now.Before(en.ExpiresAt) {
			return ErrEnrolmentUnknown
		}
		secret, err := e.box.open(en.Secret, enrolmentAAD(en.ID, u.ID))
		if err != nil {
			return fmt.Errorf("OTP enrolment: %w", err)
		}
		step, ok := matchOTP(string(secret), code, now)
		if !ok {
			return ErrOTPInvalid
		}
		// The secret is new, so its code cannot have been used: only move
		// the account's last step forward, never refuse.
		if step > u.OTPLastStep {
			if err := tx.SetOTPLastStep(ctx, u.ID, step); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		d := store.Device{UserID: u.ID, Name: name, Secret: []byte{}, CreatedAt: now}
		if err := tx.InsertDevice(ctx, &d); err != nil {
			return err
		}
		// Sealed once the row id is known, so the secret is bound to its row.
		sealed, err := e.box.seal(secret, deviceAAD(d.ID, u.ID))
		if err != nil {
			return err
		}
		if err := tx.SetDeviceSecret(ctx, d.ID, sealed); err != nil {
			return err
		}
		if err := tx.DeleteEnrolment(ctx, en.ID); err != nil {
			return err
		}
		m := deviceAddedMail(u.Email, name, now)
		m.CreatedAt = now
		if err := tx.InsertMail(ctx, &m); err != nil {
			return err
		}
		mails = append(mails, m.ID)
		dev = OTPDevice{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt}
		return nil
	})
	if err != nil {
		return OTPDevice{}, err
	}
	e.send(mails)
	return dev, nil
}

// OTPDevices lists the devices of the token's account.
func (e *Embedded) OTPDevices(ctx context.Context, token string) ([]OTPDevice, error) {
	if err := e.checkOpen(); err != nil {
		return nil, err
	}
	var out []OTPDevice
	err := e.db.View(ctx, func(tx *store.Tx) error {
		u, _, err := e.holder(ctx, tx, token)
		if err != nil {
			return err
		}
		ds, err := tx.Devices(ctx, u.ID)
		for _, d := range ds {
			out = append(out, OTPDevice{ID: d.ID, Name: d.Name, CreatedAt: d.CreatedAt})
		}
		return err
	})
	return out, err
}

// RemoveOTPDevice removes a device of the signed-in account, never the last.
func (e *Embedded) RemoveOTPDevice(ctx context.Context, token string, deviceID int64) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	return e.db.Update(ctx, func(tx *store.Tx) error {
		u, _, err := e.session(ctx, tx, token)
		if err != nil {
			return err
		}
		ds, err := tx.Devices(ctx, u.ID)
		if err != nil {
			return err
		}
		found := false
		for _, d := range ds {
			found = found || d.ID == deviceID
		}
		if !found {
			return fmt.Errorf("OTP device %d: %w", deviceID, ErrNotFound)
		}
		if len(ds) == 1 {
			return ErrLastOTPDevice
		}
		return tx.DeleteDevice(ctx, deviceID, u.ID)
	})
}
