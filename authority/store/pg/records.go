package pg

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/natunakab/besign/authority/store"
)

// Meta returns a value of the meta table.
func (tx *Tx) Meta(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	if err := tx.row(ctx, []any{&v}, "SELECT value FROM meta WHERE key = $1", key); err != nil {
		return nil, fmt.Errorf("read meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta stores a value of the meta table.
func (tx *Tx) SetMeta(ctx context.Context, key string, value []byte) error {
	_, err := tx.exec(ctx, "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
	if err != nil {
		return fmt.Errorf("write meta %s: %w", key, err)
	}
	return nil
}

const userColumns = `u.id, u.name, u.username, u.email, u.role, coalesce(u.password_hash, ''), u.failures,
	u.last_failure, u.locked_until, u.otp_last_step, u.created_at, u.language,
	(SELECT count(*) FROM otp_devices d WHERE d.user_id = u.id)`

type scanner interface{ Scan(dest ...any) error }

// userDest returns the scan targets of userColumns and a function that
// finishes u after the scan.
func userDest(u *store.User) ([]any, func()) {
	var lastFailure, lockedUntil, created *int64
	return []any{&u.ID, &u.Name, &u.Username, &u.Email, &u.Role, &u.PasswordHash, &u.Failures,
			&lastFailure, &lockedUntil, &u.OTPLastStep, &created, &u.Language, &u.OTPDevices},
		func() {
			u.LastFailure, u.LockedUntil, u.CreatedAt = fromNanos(lastFailure), fromNanos(lockedUntil), fromNanos(created)
		}
}

// InsertUser adds an account and sets u.ID; ErrDuplicate for a taken email
// or username.
func (tx *Tx) InsertUser(ctx context.Context, u *store.User) error {
	err := tx.row(ctx, []any{&u.ID}, `INSERT INTO users (name, username, email, role, language, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id`,
		u.Name, u.Username, u.Email, u.Role, u.Language, nanos(u.CreatedAt))
	if err == store.ErrNotFound {
		return store.ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

func (tx *Tx) exists(ctx context.Context, what, query string, args ...any) (bool, error) {
	var ok bool
	if err := tx.row(ctx, []any{&ok}, query, args...); err != nil {
		return false, fmt.Errorf("%s: %w", what, err)
	}
	return ok, nil
}

// UsernameTaken tells whether an account has this username.
func (tx *Tx) UsernameTaken(ctx context.Context, username string) (bool, error) {
	return tx.exists(ctx, "look up username", "SELECT EXISTS (SELECT 1 FROM users WHERE username = $1)", username)
}

// EmailTaken tells whether an account has this (lower case) email.
func (tx *Tx) EmailTaken(ctx context.Context, email string) (bool, error) {
	return tx.exists(ctx, "look up email", "SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)", email)
}

func (tx *Tx) userWhere(ctx context.Context, where string, arg any) (store.User, error) {
	var u store.User
	dest, finish := userDest(&u)
	if err := tx.row(ctx, dest, "SELECT "+userColumns+" FROM users u WHERE "+where, arg); err != nil {
		return store.User{}, fmt.Errorf("read user: %w", err)
	}
	finish()
	return u, nil
}

// UserByID returns the account with this id.
func (tx *Tx) UserByID(ctx context.Context, id int64) (store.User, error) {
	return tx.userWhere(ctx, "u.id = $1", id)
}

// UserByEmail returns the account with this (lower case) email.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (store.User, error) {
	return tx.userWhere(ctx, "u.email = $1", email)
}

// UserByUsername returns the account with this username.
func (tx *Tx) UserByUsername(ctx context.Context, username string) (store.User, error) {
	return tx.userWhere(ctx, "u.username = $1", username)
}

// Users lists every account by id.
func (tx *Tx) Users(ctx context.Context) ([]store.User, error) {
	var out []store.User
	err := tx.rows(ctx, func(r pgx.Rows) error {
		var u store.User
		dest, finish := userDest(&u)
		if err := r.Scan(dest...); err != nil {
			return err
		}
		finish()
		out = append(out, u)
		return nil
	}, "SELECT "+userColumns+" FROM users u ORDER BY u.id")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// SetPasswordHash replaces the account's password hash.
func (tx *Tx) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	return tx.execOne(ctx, "set password", "UPDATE users SET password_hash = $1 WHERE id = $2", hash, userID)
}

// SetFailures records the brute-force state of an account.
func (tx *Tx) SetFailures(ctx context.Context, userID int64, failures int, lastFailure, lockedUntil time.Time) error {
	return tx.execOne(ctx, "record failures", "UPDATE users SET failures = $1, last_failure = $2, locked_until = $3 WHERE id = $4",
		failures, nanos(lastFailure), nanos(lockedUntil), userID)
}

// SetOTPLastStep records the last accepted TOTP step; ErrNotFound when step
// is not after the stored one.
func (tx *Tx) SetOTPLastStep(ctx context.Context, userID, step int64) error {
	return tx.execOne(ctx, "record OTP step", "UPDATE users SET otp_last_step = $1 WHERE id = $2 AND otp_last_step < $1", step, userID)
}

// InsertSession stores a session.
func (tx *Tx) InsertSession(ctx context.Context, s store.Session) error {
	_, err := tx.exec(ctx, "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
		s.TokenHash, s.UserID, nanos(s.CreatedAt), nanos(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

// SessionByHash returns the session with this token hash.
func (tx *Tx) SessionByHash(ctx context.Context, hash []byte) (store.Session, error) {
	s := store.Session{TokenHash: hash}
	var created, expires *int64
	err := tx.row(ctx, []any{&s.UserID, &created, &expires}, "SELECT user_id, created_at, expires_at FROM sessions WHERE token_hash = $1", hash)
	if err != nil {
		return store.Session{}, fmt.Errorf("read session: %w", err)
	}
	s.CreatedAt, s.ExpiresAt = fromNanos(created), fromNanos(expires)
	return s, nil
}

// DeleteSession removes a session; a missing one is not an error.
func (tx *Tx) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE token_hash = $1", hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions removes every session of an account.
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := tx.exec(ctx, "DELETE FROM sessions WHERE user_id = $1", userID); err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	return nil
}

// InsertToken stores a token.
func (tx *Tx) InsertToken(ctx context.Context, t store.Token) error {
	_, err := tx.exec(ctx, "INSERT INTO tokens (token_hash, kind, user_id, remember, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
		t.TokenHash, t.Kind, t.UserID, t.Remember, nanos(t.CreatedAt), nanos(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

// TokenByHash returns the token of this kind with this hash.
func (tx *Tx) TokenByHash(ctx context.Context, kind string, hash []byte) (store.Token, error) {
	t := store.Token{TokenHash: hash, Kind: kind}
	var created, expires, used *int64
	err := tx.row(ctx, []any{&t.UserID, &t.Remember, &created, &expires, &used},
		"SELECT user_id, remember, created_at, expires_at, used_at FROM tokens WHERE token_hash = $1 AND kind = $2", hash, kind)
	if err != nil {
		return store.Token{}, fmt.Errorf("read token: %w", err)
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = fromNanos(created), fromNanos(expires), fromNanos(used)
	return t, nil
}

// UseToken marks a token used; ErrNotFound when it already was.
func (tx *Tx) UseToken(ctx context.Context, hash []byte, at time.Time) error {
	return tx.execOne(ctx, "use token", "UPDATE tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL", nanos(at), hash)
}

// UseUserTokens marks every unused token of these kinds of an account used.
func (tx *Tx) UseUserTokens(ctx context.Context, userID int64, at time.Time, kinds ...string) error {
	if len(kinds) == 0 {
		return nil
	}
	_, err := tx.exec(ctx, "UPDATE tokens SET used_at = $1 WHERE user_id = $2 AND kind = ANY($3) AND used_at IS NULL", nanos(at), userID, kinds)
	if err != nil {
		return fmt.Errorf("use tokens: %w", err)
	}
	return nil
}

// DeleteExpired removes sessions, tokens and enrolments that ended before t.
func (tx *Tx) DeleteExpired(ctx context.Context, t time.Time) error {
	for _, q := range []string{
		"DELETE FROM sessions WHERE expires_at < $1",
		"DELETE FROM tokens WHERE expires_at < $1",
		"DELETE FROM otp_enrolments WHERE expires_at < $1",
	} {
		if _, err := tx.exec(ctx, q, nanos(t)); err != nil {
			return fmt.Errorf("delete expired: %w", err)
		}
	}
	return nil
}

// InsertEnrolment stores a pending OTP set-up.
func (tx *Tx) InsertEnrolment(ctx context.Context, e store.Enrolment) error {
	_, err := tx.exec(ctx, "INSERT INTO otp_enrolments (id, user_id, secret, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
		e.ID, e.UserID, e.Secret, nanos(e.CreatedAt), nanos(e.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert OTP enrolment: %w", err)
	}
	return nil
}

// Enrolment returns the pending set-up with this id of this account.
func (tx *Tx) Enrolment(ctx context.Context, id string, userID int64) (store.Enrolment, error) {
	e := store.Enrolment{ID: id, UserID: userID}
	var created, expires *int64
	err := tx.row(ctx, []any{&e.Secret, &created, &expires},
		"SELECT secret, created_at, expires_at FROM otp_enrolments WHERE id = $1 AND user_id = $2", id, userID)
	if err != nil {
		return store.Enrolment{}, fmt.Errorf("read OTP enrolment: %w", err)
	}
	e.CreatedAt, e.ExpiresAt = fromNanos(created), fromNanos(expires)
	return e, nil
}

// DeleteEnrolment removes a pending set-up.
func (tx *Tx) DeleteEnrolment(ctx context.Context, id string) error {
	if _, err := tx.exec(ctx, "DELETE FROM otp_enrolments WHERE id = $1", id); err != nil {
		return fmt.Errorf("delete OTP enrolment: %w", err)
	}
	return nil
}

// InsertDevice stores a device and sets d.ID.
func (tx *Tx) InsertDevice(ctx context.Context, d *store.Device) error {
	err := tx.row(ctx, []any{&d.ID}, "INSERT INTO otp_devices (user_id, name, secret, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
		d.UserID, d.Name, d.Secret, nanos(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert OTP device: %w", err)
	}
	return nil
}

// SetDeviceSecret replaces a device's sealed secret.
func (tx *Tx) SetDeviceSecret(ctx context.Context, id int64, secret []byte) error {
	return tx.execOne(ctx, "store OTP secret", "UPDATE otp_devices SET secret = $1 WHERE id = $2", secret, id)
}

// Devices lists the devices of an account, oldest first.
func (tx *Tx) Devices(ctx context.Context, userID int64) ([]store.Device, error) {
	var out []store.Device
	err := tx.rows(ctx, func(r pgx.Rows) error {
		d := store.Device{UserID: userID}
		var created *int64
		if err := r.Scan(&d.ID, &d.Name, &d.Secret, &created); err != nil {
			return err
		}
		d.CreatedAt = fromNanos(created)
		out = append(out, d)
		return nil
	}, "SELECT id, name, secret, created_at FROM otp_devices WHERE user_id = $1 ORDER BY id", userID)
	if err != nil {
		return nil, fmt.Errorf("list OTP devices: %w", err)
	}
	return out, nil
}

// DeleteUserDevices removes every OTP device of an account.
func (tx *Tx) DeleteUserDevices(ctx context.Context, userID int64) error {
	if _, err := tx.exec(ctx, "DELETE FROM otp_devices WHERE user_id = $1", userID); err != nil {
		return fmt.Errorf("delete OTP devices: %w", err)
	}
	return nil
}

// DeleteDevice removes a device of an account.
func (tx *Tx) DeleteDevice(ctx context.Context, id, userID int64) error {
	return tx.execOne(ctx, "delete OTP device", "DELETE FROM otp_devices WHERE id = $1 AND user_id = $2", id, userID)
}

// InsertMail adds a message to the outbox and sets m.ID.
func (tx *Tx) InsertMail(ctx context.Context, m *store.Mail) error {
	err := tx.row(ctx, []any{&m.ID}, `INSERT INTO mail (kind, to_addr, subject, body, action_label, action_link, created_at, link_secret, token_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		m.Kind, m.To, m.Subject, m.Body, m.ActionLabel, m.ActionLink, nanos(m.CreatedAt), m.LinkSecret, m.TokenHash)
	if err != nil {
		return fmt.Errorf("insert mail: %w", err)
	}
	return nil
}

const mailColumns = "id, kind, to_addr, subject, body, action_label, action_link, created_at, sent_at, send_error, link_secret, token_hash, attempts"

func scanMail(r scanner) (store.Mail, error) {
	var m store.Mail
	var created, sent *int64
	err := r.Scan(&m.ID, &m.Kind, &m.To, &m.Subject, &m.Body, &m.ActionLabel, &m.ActionLink, &created, &sent, &m.SendError,
		&m.LinkSecret, &m.TokenHash, &m.Attempts)
	m.CreatedAt, m.SentAt = fromNanos(created), fromNanos(sent)
	return m, err
}

// Mails lists the outbox, newest first, for one recipient when to is set.
func (tx *Tx) Mails(ctx context.Context, to string) ([]store.Mail, error) {
	var out []store.Mail
	err := tx.rows(ctx, func(r pgx.Rows) error {
		m, err := scanMail(r)
		out = append(out, m)
		return err
	}, "SELECT "+mailColumns+" FROM mail WHERE $1 = '' OR to_addr = $1 ORDER BY created_at DESC, id DESC", to)
	if err != nil {
		return nil, fmt.Errorf("list mail: %w", err)
	}
	return out, nil
}

// MailByID returns one message.
func (tx *Tx) MailByID(ctx context.Context, id int64) (store.Mail, error) {
	var m store.Mail
	err := tx.rows(ctx, func(r pgx.Rows) (err error) {
		m, err = scanMail(r)
		return err
	}, "SELECT "+mailColumns+" FROM mail WHERE id = $1", id)
	if err == nil && m.ID == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Mail{}, fmt.Errorf("read mail: %w", err)
	}
	return m, nil
}

// UnsentMail lists messages not delivered that may still be tried.
func (tx *Tx) UnsentMail(ctx context.Context, maxAttempts int) ([]int64, error) {
	var ids []int64
	err := tx.rows(ctx, func(r pgx.Rows) error {
		var id int64
		err := r.Scan(&id)
		ids = append(ids, id)
		return err
	}, "SELECT id FROM mail WHERE sent_at IS NULL AND attempts < $1 ORDER BY id", maxAttempts)
	if err != nil {
		return nil, fmt.Errorf("list unsent mail: %w", err)
	}
	return ids, nil
}

// SetMailSent records a delivery, or (sendErr not empty) a failed attempt.
func (tx *Tx) SetMailSent(ctx context.Context, id int64, at time.Time, sendErr string) error {
	if sendErr != "" {
		return tx.execOne(ctx, "record mail failure", "UPDATE mail SET send_error = $1, attempts = attempts + 1 WHERE id = $2", sendErr, id)
	}
	return tx.execOne(ctx, "record mail sent", "UPDATE mail SET sent_at = $1, send_error = '' WHERE id = $2", nanos(at), id)
}

// ForgetMailLink removes the sealed link of one message.
func (tx *Tx) ForgetMailLink(ctx context.Context, id int64) error {
	if _, err := tx.exec(ctx, "UPDATE mail SET link_secret = NULL WHERE id = $1", id); err != nil {
		return fmt.Errorf("forget mail link: %w", err)
	}
	return nil
}

// ForgetSpentMailLinks removes the sealed links whose token was used, has
// expired or is gone.
func (tx *Tx) ForgetSpentMailLinks(ctx context.Context, now time.Time) error {
	_, err := tx.exec(ctx, `UPDATE mail SET link_secret = NULL WHERE link_secret IS NOT NULL AND (token_hash IS NULL
		OR NOT EXISTS (SELECT 1 FROM tokens t WHERE t.token_hash = mail.token_hash AND t.used_at IS NULL AND t.expires_at > $1))`, now.UnixNano())
	if err != nil {
		return fmt.Errorf("forget spent mail links: %w", err)
	}
	return nil
}

// SetMailText replaces a message's body and action link.
func (tx *Tx) SetMailText(ctx context.Context, id int64, body, link string) error {
	return tx.execOne(ctx, "update mail", "UPDATE mail SET body = $1, action_link = $2 WHERE id = $3", body, link, id)
}

// InsertAudit appends a row to the audit log and sets a.ID.
func (tx *Tx) InsertAudit(ctx context.Context, a *store.AuditEntry) error {
	err := tx.row(ctx, []any{&a.ID}, `INSERT INTO audit_log (at, user_id, email, serial, digests, address, user_agent, request_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, nanos(a.At), a.UserID, a.Email, a.Serial, a.Digests, a.Address, a.UserAgent, a.RequestID)
	if err != nil {
		return fmt.Errorf("insert audit entry: %w", err)
	}
	return nil
}

// AuditByRequest returns the account's row of a signing request id.
func (tx *Tx) AuditByRequest(ctx context.Context, userID int64, requestID string) (store.AuditEntry, error) {
	var a store.AuditEntry
	var at *int64
	err := tx.row(ctx, []any{&a.ID, &at, &a.UserID, &a.Email, &a.Serial, &a.Digests, &a.Address, &a.UserAgent, &a.RequestID},
		`SELECT id, at, user_id, email, serial, digests, address, user_agent, request_id
		FROM audit_log WHERE user_id = $1 AND request_id = $2 AND request_id <> ''`, userID, requestID)
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("read audit entry: %w", err)
	}
	a.At = fromNanos(at)
	return a, nil
}

// AuditEntries lists the audit log from since on, oldest first.
func (tx *Tx) AuditEntries(ctx context.Context, since time.Time) ([]store.AuditEntry, error) {
	var out []store.AuditEntry
	err := tx.rows(ctx, func(r pgx.Rows) error {
		var a store.AuditEntry
		var at *int64
		err := r.Scan(&a.ID, &at, &a.UserID, &a.Email, &a.Serial, &a.Digests, &a.Address, &a.UserAgent)
		a.At = fromNanos(at)
		out = append(out, a)
		return err
	}, `SELECT id, at, user_id, email, serial, digests, address, user_agent
		FROM audit_log WHERE at >= $1 ORDER BY at, id`, sinceNanos(since))
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return out, nil
}

// sinceNanos is since in Unix nanoseconds; a zero time (all of it) is the
// smallest, where UnixNano would be undefined.
func sinceNanos(since time.Time) int64 {
	if since.IsZero() {
		return math.MinInt64
	}
	return since.UnixNano()
}
