package embedded

import (
	"context"
	"errors"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// Password reset: the link, the ticket and the new password.
// RequestReset mails a reset link when the account exists.
func (e *Authority) RequestReset(ctx context.Context, req authority.ResetRequest) error {
	l, err := authority.ParseLogin(req.Login)
	if err != nil {
		return err
	}
	var mails []int64
	err = e.update(ctx, func(tx store.Tx) error {
		mails = nil // fn may run again (store.DB.Update)
		u, err := userByLogin(ctx, tx, l)
		if errors.Is(err, store.ErrNotFound) {
			return nil // same answer for an unknown account
		}
		if err != nil {
			return err
		}
		id, err := e.insertResetLink(ctx, tx, u, e.now(), resetMail)
		mails = append(mails, id)
		return err
	})
	if err != nil {
		return err
	}
	e.send(mails)
	return nil
}

// insertResetLink stores a new reset link of u and the mail that carries
// it (made by mail from the token), with the token sealed; it returns the
// mail's ID.
func (e *Authority) insertResetLink(ctx context.Context, tx store.Tx, u store.User, now time.Time,
	mail func(l authority.Language, email, token string, lifetime time.Duration) store.Mail) (int64, error) {
	tok, hash, err := newToken()
	if err != nil {
		return 0, err
	}
	life := e.opts.ResetLinkLifetime
	if err := tx.InsertToken(ctx, store.Token{TokenHash: hash, Kind: store.TokenResetLink, UserID: u.ID,
		CreatedAt: now, ExpiresAt: now.Add(life)}); err != nil {
		return 0, err
	}
	m := mail(e.language(u), u.Email, tok, life)
	m.CreatedAt = now
	if err := e.sealLink(&m, tok, hash); err != nil {
		return 0, err
	}
	if err := tx.InsertMail(ctx, &m); err != nil {
		return 0, err
	}
	return m.ID, nil
}

// useToken checks and consumes a single-use token of kind.
func useToken(ctx context.Context, tx store.Tx, kind, token string, now time.Time) (store.Token, error) {
	t, err := peekToken(ctx, tx, kind, token, now)
	if err != nil {
		return store.Token{}, err
	}
	if err := tx.UseToken(ctx, t.TokenHash, now); errors.Is(err, store.ErrNotFound) {
		return store.Token{}, authority.ErrTokenUsed
	} else if err != nil {
		return store.Token{}, err
	}
	// The mail that carried the token no longer needs to show it.
	if err := tx.ForgetSpentMailLinks(ctx, now); err != nil {
		return store.Token{}, err
	}
	return t, nil
}

// peekToken checks a single-use token of kind without consuming it.
func peekToken(ctx context.Context, tx store.Tx, kind, token string, now time.Time) (store.Token, error) {
	if !wellFormedToken(token) {
		return store.Token{}, authority.ErrTokenInvalid
	}
	t, err := tx.TokenByHash(ctx, kind, hashToken(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Token{}, authority.ErrTokenInvalid
	case err != nil:
		return store.Token{}, err
	case !t.UsedAt.IsZero():
		return store.Token{}, authority.ErrTokenUsed
	case !now.Before(t.ExpiresAt):
		return store.Token{}, authority.ErrTokenExpired
	}
	return t, nil
}

// OpenReset consumes a reset link and returns a ticket.
func (e *Authority) OpenReset(ctx context.Context, linkToken string) (authority.ResetTicket, error) {
	tok, hash, err := newToken()
	if err != nil {
		return authority.ResetTicket{}, err
	}
	var ticket authority.ResetTicket
	err = e.update(ctx, func(tx store.Tx) error {
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
		ticket = authority.ResetTicket{Ticket: tok, Account: e.account(u), NeedsOTP: u.OTPDevices == 0, ExpiresAt: exp}
		return nil
	})
	return ticket, err
}

// SetPassword finishes a reset.
func (e *Authority) SetPassword(ctx context.Context, req authority.SetPasswordRequest) error {
	if err := authority.CheckPassword(req.Password, req.Confirmation); err != nil {
		return err
	}
	// Check the ticket before spending time on the hash.
	if err := e.view(ctx, func(tx store.Tx) error {
		_, err := e.ticket(ctx, tx, req.Ticket)
		return err
	}); err != nil {
		return err
	}
	var hash string
	var err error
	if werr := e.passwordWork(ctx, func() { hash, err = hashPassword(req.Password, e.argon) }); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	return e.update(ctx, func(tx store.Tx) error {
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
			return authority.ErrOTPSetupRequired
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
func (e *Authority) ticket(ctx context.Context, tx store.Tx, token string) (store.Token, error) {
	return peekToken(ctx, tx, store.TokenResetTicket, token, e.now())
}
