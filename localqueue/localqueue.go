// Package localqueue keeps the signing queue of an app that is a client of
// an organisation server on the laptop, in a SQLite file of the data dir,
// keyed by the account each session belongs to, so that documents are
// queued, previewed and placed with no network; it also tells whose a
// remembered session is while the server cannot be reached.
//
// The documents never reach the server anyway: only their path,
// fingerprint and settings were ever sent. Keeping those here means the
// queue needs the server only to learn, once, whose a session token is.
package localqueue

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
	"github.com/natunakab/besign/authority/store/sqlite"
)

// FileName is the queue's SQLite file inside the data dir.
const FileName = "queue.db"

// Server is the organisation server's client that Authority serves every
// role but the queue from.
type Server interface {
	authority.Authority
	Close() error
}

// Authority is the server's authority with the Queue role served from the
// laptop. It learns whose a session is from the server's answers to
// SignIn, SignInOTP and Resume, and keeps only the token's hash.
type Authority struct {
	Server
	db  *sqlite.Store
	now func() time.Time
}

var _ authority.Authority = (*Authority)(nil)

// Open opens (creating it) the queue file at path and composes it with
// server. now is the clock that session expiry is judged by (nil:
// time.Now).
func Open(ctx context.Context, path string, server Server, now func() time.Time) (*Authority, error) {
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("signing queue: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	return &Authority{Server: server, db: db, now: now}, nil
}

// Close closes the queue file and the server's client.
func (a *Authority) Close() error {
	return errors.Join(a.db.Close(), a.Server.Close())
}

// MailOnly says that mail reaches people by SMTP only: an organisation
// server keeps no outbox a person may read, so Kotak Masuk asks nothing.
func (a *Authority) MailOnly() bool { return true }

func hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// SignIn signs in on the server, and remembers a session it answers at once.
func (a *Authority) SignIn(ctx context.Context, req authority.SignInRequest) (authority.SignInResponse, error) {
	resp, err := a.Server.SignIn(ctx, req)
	if err == nil && resp.Session != nil {
		err = a.remember(ctx, *resp.Session)
	}
	return resp, err
}

// SignInOTP answers the OTP step on the server, and remembers the session.
func (a *Authority) SignInOTP(ctx context.Context, req authority.SignInOTPRequest) (authority.Session, error) {
	s, err := a.Server.SignInOTP(ctx, req)
	if err == nil {
		err = a.remember(ctx, s)
	}
	return s, err
}

// Resume asks the server; a session it still honours is remembered (its
// expiry too), one it refuses is forgotten here, so that it cannot be
// resumed offline either.
func (a *Authority) Resume(ctx context.Context, token string) (authority.Session, error) {
	s, err := a.Server.Resume(ctx, token)
	switch {
	case err == nil:
		err = a.remember(ctx, s)
	case refused(err):
		if ferr := a.forget(ctx, token); ferr != nil {
			return s, errors.Join(err, ferr)
		}
	}
	return s, err
}

// SignOut forgets the session here whatever the server answers: a person
// who signed out is not signed in offline.
func (a *Authority) SignOut(ctx context.Context, token string) error {
	ferr := a.forget(ctx, token)
	return errors.Join(a.Server.SignOut(ctx, token), ferr)
}

// refused tells the server's answers that end a session.
func refused(err error) bool {
	return errors.Is(err, authority.ErrSessionExpired) || errors.Is(err, authority.ErrTokenInvalid)
}

// OfflineSession returns the session of token as the server last
// confirmed it, without asking the server: the app stays signed in, offline,
// with a session remembered in the keyring. ErrSessionExpired when the
// token is unknown here, was signed out or refused, or has expired.
func (a *Authority) OfflineSession(ctx context.Context, token string) (authority.Session, error) {
	var out authority.Session
	err := a.db.View(ctx, func(tx store.Tx) error {
		s, u, err := a.session(ctx, tx, token)
		if err != nil {
			return err
		}
		out = authority.Session{Token: token, ExpiresAt: s.ExpiresAt, Account: authority.Account{
			Name: u.Name, Username: u.Username, Email: u.Email, Role: authority.Role(u.Role),
			HasOTP: true, HasPassword: true, Language: authority.Language(u.Language)}}
		return nil
	})
	return out, err
}

// session resolves token to its session and local account.
func (a *Authority) session(ctx context.Context, tx store.Tx, token string) (store.Session, store.User, error) {
	s, err := tx.SessionByHash(ctx, hash(token))
	if errors.Is(err, store.ErrNotFound) {
		return s, store.User{}, authority.ErrSessionExpired
	}
	if err != nil {
		return s, store.User{}, err
	}
	if !a.now().Before(s.ExpiresAt) {
		return s, store.User{}, authority.ErrSessionExpired
	}
	u, err := tx.UserByID(ctx, s.UserID)
	if err != nil {
		return s, u, err
	}
	return s, u, nil
}

// remember keeps s's token hash against its account (by email), creating
// the local account the first time; its name and role are those of that
// first session (the store has no update of them, and the queue needs
// neither).
func (a *Authority) remember(ctx context.Context, s authority.Session) error {
	email := strings.ToLower(s.Account.Email)
	if email == "" || s.Token == "" {
		return nil // nothing to key a queue by
	}
	role := s.Account.Role
	if role != authority.RoleVerifier {
		role = authority.RoleSigner
	}
	err := a.db.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByEmail(ctx, email)
		if errors.Is(err, store.ErrNotFound) {
			u = store.User{Name: s.Account.Name, Username: cmp.Or(s.Account.Username, email), Email: email,
				Role: string(role), Language: string(s.Account.Language), OTPLastStep: -1, CreatedAt: a.now()}
			err = tx.InsertUser(ctx, &u)
		}
		if err != nil {
			return err
		}
		h := hash(s.Token)
		if err := tx.DeleteSession(ctx, h); err != nil {
			return err
		}
		return tx.InsertSession(ctx, store.Session{TokenHash: h, UserID: u.ID, CreatedAt: a.now(), ExpiresAt: s.ExpiresAt})
	})
	if err != nil {
		return fmt.Errorf("signing queue: remember the session: %w", err)
	}
	return nil
}

func (a *Authority) forget(ctx context.Context, token string) error {
	err := a.db.Update(ctx, func(tx store.Tx) error { return tx.DeleteSession(ctx, hash(token)) })
	if err != nil {
		return fmt.Errorf("signing queue: forget the session: %w", err)
	}
	return nil
}
