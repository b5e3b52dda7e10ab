package embedded

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
)

// Accounts: registration and administration.
// createUser adds one account and its activation mail inside tx.
func (e *Authority) createUser(ctx context.Context, tx store.Tx, req authority.CreateUserRequest, now time.Time) (store.User, []int64, error) {
	name, err := authority.CheckName(req.Name)
	if err != nil {
		return store.User{}, nil, err
	}
	email, err := authority.NormalizeEmail(req.Email)
	if err != nil {
		return store.User{}, nil, err
	}
	role, err := authority.CheckRole(req.Role)
	if err != nil {
		return store.User{}, nil, err
	}
	language, err := authority.CheckLanguage(req.Language)
	if err != nil {
		return store.User{}, nil, err
	}
	if taken, err := tx.EmailTaken(ctx, email); err != nil {
		return store.User{}, nil, err
	} else if taken {
		return store.User{}, nil, authority.ErrEmailTaken
	}
	base := authority.UsernameBase(email)
	username := base
	for i := 2; ; i++ {
		taken, err := tx.UsernameTaken(ctx, username)
		if err != nil {
			return store.User{}, nil, err
		}
		if !taken {
			break
		}
		username = base + strconv.Itoa(i)
	}
	u := store.User{Name: name, Username: username, Email: email, Role: string(role), Language: string(language),
		OTPLastStep: -1, CreatedAt: now}
	if err := tx.InsertUser(ctx, &u); errors.Is(err, store.ErrDuplicate) {
		return store.User{}, nil, authority.ErrEmailTaken
	} else if err != nil {
		return store.User{}, nil, err
	}
	m := activationMail(e.language(u), name, username, email)
	m.CreatedAt = now
	if err := tx.InsertMail(ctx, &m); err != nil {
		return store.User{}, nil, err
	}
	return u, []int64{m.ID}, nil
}

// Register creates an account for oneself in the configured email domain.
// An address that already has an account gets the same answer as a new
// one, and its owner a mail instead (MailRegisterAttempt), so that Daftar
// does not tell which addresses have accounts. Both ways do the same kind
// of work: a lookup, a username check and one mail in one transaction.
func (e *Authority) Register(ctx context.Context, req authority.RegisterRequest) (authority.Account, error) {
	if !e.opts.SelfRegistration {
		return authority.Account{}, authority.ErrRegistrationOff
	}
	name, err := authority.CheckName(req.Name)
	if err != nil {
		return authority.Account{}, err
	}
	email, err := authority.NormalizeEmail(req.Email)
	if err != nil {
		return authority.Account{}, err
	}
	if _, domain, _ := strings.Cut(email, "@"); domain != strings.ToLower(strings.TrimSpace(e.opts.EmailDomain)) {
		return authority.Account{}, fmt.Errorf("%w (%s)", authority.ErrEmailDomain, e.opts.EmailDomain)
	}
	language, err := authority.CheckLanguage(req.Language)
	if err != nil {
		return authority.Account{}, err
	}
	var mails []int64
	err = e.update(ctx, func(tx store.Tx) error {
		now := e.now()
		owner, err := tx.UserByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) {
			_, mails, err = e.createUser(ctx, tx, authority.CreateUserRequest{Name: name, Email: email, Role: authority.RoleSigner, Language: language}, now)
			return err
		}
		if err != nil {
			return err
		}
		// What createUser does for a new address: a username check.
		if _, err := tx.UsernameTaken(ctx, authority.UsernameBase(email)); err != nil {
			return err
		}
		m := registerAttemptMail(e.language(owner), owner.Email)
		m.CreatedAt = now
		if err := tx.InsertMail(ctx, &m); err != nil {
			return err
		}
		mails = []int64{m.ID}
		return nil
	})
	if err != nil {
		return authority.Account{}, err
	}
	e.send(mails)
	if language == "" {
		language = e.opts.Language
	}
	// Only what was asked for: no ID, username or date that would differ.
	return authority.Account{Name: name, Email: email, Role: authority.RoleSigner, Language: language}, nil
}

// CreateUser creates an account (administration).
func (e *Authority) CreateUser(ctx context.Context, req authority.CreateUserRequest) (authority.Account, error) {
	var u store.User
	var mails []int64
	err := e.update(ctx, func(tx store.Tx) error {
		var err error
		u, mails, err = e.createUser(ctx, tx, req, e.now())
		return err
	})
	if err != nil {
		return authority.Account{}, err
	}
	e.send(mails)
	return e.account(u), nil
}

// ImportUsers creates all rows or none.
func (e *Authority) ImportUsers(ctx context.Context, rows []authority.CreateUserRequest) (authority.ImportResult, error) {
	errRejected := errors.New("rejected") // rolls the transaction back
	var res authority.ImportResult
	var mails []int64
	err := e.update(ctx, func(tx store.Tx) error {
		res, mails = authority.ImportResult{}, nil
		now := e.now()
		for i, row := range rows {
			u, m, err := e.createUser(ctx, tx, row, now)
			if err != nil {
				if !isUserError(err) {
					return fmt.Errorf("row %d: %w", i, err)
				}
				res.Errors = append(res.Errors, authority.RowError{Row: i, Err: err.Error()})
				continue
			}
			res.Created = append(res.Created, e.account(u))
			mails = append(mails, m...)
		}
		if len(res.Errors) > 0 {
			return errRejected
		}
		return nil
	})
	if errors.Is(err, errRejected) {
		res.Created = nil
		return res, fmt.Errorf("%d of %d rows: %w", len(res.Errors), len(rows), authority.ErrImportRejected)
	}
	if err != nil {
		return authority.ImportResult{}, err
	}
	e.send(mails)
	return res, nil
}

// isUserError tells the sentinel errors a user can fix from internal ones.
func isUserError(err error) bool {
	for _, s := range []error{authority.ErrNameRequired, authority.ErrNameTooLong, authority.ErrNameInvalid, authority.ErrEmailInvalid, authority.ErrEmailTaken, authority.ErrRoleInvalid} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// ListUsers lists every account.
func (e *Authority) ListUsers(ctx context.Context) ([]authority.Account, error) {
	var users []store.User
	err := e.view(ctx, func(tx store.Tx) (err error) {
		users, err = tx.Users(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]authority.Account, 0, len(users))
	for _, u := range users {
		out = append(out, e.account(u))
	}
	return out, nil
}

// UnlockUser lifts a lockout and a certificate's suspension; email may
// also be a username.
func (e *Authority) UnlockUser(ctx context.Context, email string) error {
	l, err := authority.ParseLogin(email)
	if err != nil {
		return err
	}
	return e.update(ctx, func(tx store.Tx) error {
		u, err := userByLogin(ctx, tx, l)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("unlock %s: %w", email, authority.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if err := tx.SetFailures(ctx, u.ID, 0, time.Time{}, time.Time{}); err != nil {
			return err
		}
		// A certificate suspended by wrong passphrases is lifted too.
		return tx.ClearCertificateFailures(ctx, u.ID)
	})
}

// ResetOTP removes the OTP devices of an account and mails a reset link.
func (e *Authority) ResetOTP(ctx context.Context, email string) error {
	l, err := authority.ParseLogin(email)
	if err != nil {
		return err
	}
	var mails []int64
	err = e.update(ctx, func(tx store.Tx) error {
		mails = nil // fn may run again (store.DB.Update)
		u, err := userByLogin(ctx, tx, l)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("reset OTP of %s: %w", email, authority.ErrNotFound)
		}
		if err != nil {
			return err
		}
		now := e.now()
		if err := tx.DeleteUserDevices(ctx, u.ID); err != nil {
			return err
		}
		// Whoever holds the lost phone and the password gets nothing: no
		// session, no pending sign-in, no older link.
		if err := tx.UseUserTokens(ctx, u.ID, now, store.TokenResetLink, store.TokenResetTicket, store.TokenOTPChallenge); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		id, err := e.insertResetLink(ctx, tx, u, now, otpResetMail)
		mails = append(mails, id)
		e.opts.Logf("account %d: OTP devices removed by IT", u.ID)
		return err
	})
	if err != nil {
		return err
	}
	e.send(mails)
	return nil
}

func userByLogin(ctx context.Context, tx store.Tx, l authority.Login) (store.User, error) {
	if l.Email != "" {
		return tx.UserByEmail(ctx, l.Email)
	}
	return tx.UserByUsername(ctx, l.Username)
}
