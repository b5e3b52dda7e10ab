package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/natunakab/besign/authority/store"
	"math"
	"time"
)

func nanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// Meta returns a value of the meta table.
func (tx *Tx) Meta(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := tx.q.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&v)
	if err != nil {
		return nil, fmt.Errorf("read meta %s: %w", key, notFound(err))
	}
	return v, nil
}

// SetMeta stores a value of the meta table.
func (tx *Tx) SetMeta(ctx context.Context, key string, value []byte) error {
	_, err := tx.q.ExecContext(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
	if err != nil {
		return fmt.Errorf("write meta %s: %w", key, err)
	}
	return nil
}

const userColumns = `u.id, u.name, u.username, u.email, u.role, coalesce(u.password_hash, ''), u.failures,
	u.last_failure, u.locked_until, u.otp_last_step, u.created_at, u.language,
	(SELECT count(*) FROM otp_devices d WHERE d.user_id = u.id)`

type scanner interface{ Scan(dest ...any) error }

func scanUser(r scanner) (store.User, error) {
	var u store.User
	var lastFailure, lockedUntil, created sql.NullInt64
	err := r.Scan(&u.ID, &u.Name, &u.Username, &u.Email, &u.Role, &u.PasswordHash, &u.Failures,
		&lastFailure, &lockedUntil, &u.OTPLastStep, &created, &u.Language, &u.OTPDevices)
	u.LastFailure, u.LockedUntil, u.CreatedAt = fromNanos(lastFailure), fromNanos(lockedUntil), fromNanos(created)
	return u, err
}

// InsertUser adds an account and sets u.ID. A taken email or username gives
// store.ErrDuplicate.
func (tx *Tx) InsertUser(ctx context.Context, u *store.User) error {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO users (name, username, email, role, language, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		u.Name, u.Username, u.Email, u.Role, u.Language, nanos(u.CreatedAt))
	if isUnique(err) {
		return store.ErrDuplicate
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	u.ID, err = res.LastInsertId()
	return err
}

// UsernameTaken tells whether an account has this username.
func (tx *Tx) UsernameTaken(ctx context.Context, username string) (bool, error) {
	var n int
	err := tx.q.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE username = ?", username).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up username: %w", err)
	}
	return n > 0, nil
}

// EmailTaken tells whether an account has this (lower case) email.
func (tx *Tx) EmailTaken(ctx context.Context, email string) (bool, error) {
	var n int
	err := tx.q.QueryRowContext(ctx, "SELECT count(*) FROM users WHERE email = ?", email).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up email: %w", err)
	}
	return n > 0, nil
}

func (tx *Tx) userWhere(ctx context.Context, where string, arg any) (store.User, error) {
	u, err := scanUser(tx.q.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users u WHERE "+where, arg))
	if err != nil {
		return store.User{}, fmt.Errorf("read user: %w", notFound(err))
	}
	return u, nil
}

// UserByID returns the account with this id.
func (tx *Tx) UserByID(ctx context.Context, id int64) (store.User, error) {
	return tx.userWhere(ctx, "u.id = ?", id)
}

// UserByEmail returns the account with this (lower case) email.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (store.User, error) {
	return tx.userWhere(ctx, "u.email = ?", email)
}

// UserByUsername returns the account with this username.
func (tx *Tx) UserByUsername(ctx context.Context, username string) (store.User, error) {
	return tx.userWhere(ctx, "u.username = ?", username)
}

// Users lists every account by id.
func (tx *Tx) Users(ctx context.Context) ([]store.User, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT "+userColumns+" FROM users u ORDER BY u.id")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func (tx *Tx) execOne(ctx context.Context, what, query string, args ...any) error {
	res, err := tx.q.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	return nil
}

// SetPasswordHash replaces the account's password hash.
func (tx *Tx) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	return tx.execOne(ctx, "set password", "UPDATE users SET password_hash = ? WHERE id = ?", hash, userID)
}

// SetFailures records the brute-force state of an account.
func (tx *Tx) SetFailures(ctx context.Context, userID int64, failures int, lastFailure, lockedUntil time.Time) error {
	return tx.execOne(ctx, "record failures", "UPDATE users SET failures = ?, last_failure = ?, locked_until = ? WHERE id = ?",
		failures, nanos(lastFailure), nanos(lockedUntil), userID)
}

// SetOTPLastStep records the last accepted TOTP step, refusing to go back so
// that a concurrent use of the same code loses: it returns store.ErrNotFound when
// step is not after the stored one.
func (tx *Tx) SetOTPLastStep(ctx context.Context, userID, step int64) error {
	return tx.execOne(ctx, "record OTP step", "UPDATE users SET otp_last_step = ? WHERE id = ? AND otp_last_step < ?", step, userID, step)
}

// InsertSession stores a session.
func (tx *Tx) InsertSession(ctx context.Context, s store.Session) error {
	_, err := tx.q.ExecContext(ctx, "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
		s.TokenHash, s.UserID, nanos(s.CreatedAt), nanos(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

// SessionByHash returns the session with this token hash.
func (tx *Tx) SessionByHash(ctx context.Context, hash []byte) (store.Session, error) {
	s := store.Session{TokenHash: hash}
	var created, expires sql.NullInt64
	err := tx.q.QueryRowContext(ctx, "SELECT user_id, created_at, expires_at FROM sessions WHERE token_hash = ?", hash).
		Scan(&s.UserID, &created, &expires)
	if err != nil {
		return store.Session{}, fmt.Errorf("read session: %w", notFound(err))
	}
	s.CreatedAt, s.ExpiresAt = fromNanos(created), fromNanos(expires)
	return s, nil
}

// DeleteSession removes a session; a missing one is not an error.
func (tx *Tx) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions removes every session of an account.
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID int64) error {
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("delete sessions: %w", err)
	}
	return nil
}

// InsertToken stores a token.
func (tx *Tx) InsertToken(ctx context.Context, t store.Token) error {
	_, err := tx.q.ExecContext(ctx, "INSERT INTO tokens (token_hash, kind, user_id, remember, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
		t.TokenHash, t.Kind, t.UserID, t.Remember, nanos(t.CreatedAt), nanos(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

// TokenByHash returns the token of this kind with this hash.
func (tx *Tx) TokenByHash(ctx context.Context, kind string, hash []byte) (store.Token, error) {
	t := store.Token{TokenHash: hash, Kind: kind}
	var created, expires, used sql.NullInt64
	err := tx.q.QueryRowContext(ctx, "SELECT user_id, remember, created_at, expires_at, used_at FROM tokens WHERE token_hash = ? AND kind = ?", hash, kind).
		Scan(&t.UserID, &t.Remember, &created, &expires, &used)
	if err != nil {
		return store.Token{}, fmt.Errorf("read token: %w", notFound(err))
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = fromNanos(created), fromNanos(expires), fromNanos(used)
	return t, nil
}

// UseToken marks a token used; store.ErrNotFound when it already was.
func (tx *Tx) UseToken(ctx context.Context, hash []byte, at time.Time) error {
	return tx.execOne(ctx, "use token", "UPDATE tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL", nanos(at), hash)
}

// UseUserTokens marks every unused token of these kinds of an account used.
func (tx *Tx) UseUserTokens(ctx context.Context, userID int64, at time.Time, kinds ...string) error {
	for _, k := range kinds {
		_, err := tx.q.ExecContext(ctx, "UPDATE tokens SET used_at = ? WHERE user_id = ? AND kind = ? AND used_at IS NULL", nanos(at), userID, k)
		if err != nil {
			return fmt.Errorf("use tokens: %w", err)
		}
	}
	return nil
}

// DeleteExpired removes sessions, tokens and enrolments that ended before t.
// Used tokens are kept until they expire, so that a second use is told
// apart from an unknown token.
func (tx *Tx) DeleteExpired(ctx context.Context, t time.Time) error {
	for _, q := range []string{
		"DELETE FROM sessions WHERE expires_at < ?",
		"DELETE FROM tokens WHERE expires_at < ?",
		"DELETE FROM otp_enrolments WHERE expires_at < ?",
	} {
		if _, err := tx.q.ExecContext(ctx, q, nanos(t)); err != nil {
			return fmt.Errorf("delete expired: %w", err)
		}
	}
	return nil
}

// InsertEnrolment stores a pending OTP set-up.
func (tx *Tx) InsertEnrolment(ctx context.Context, e store.Enrolment) error {
	_, err := tx.q.ExecContext(ctx, "INSERT INTO otp_enrolments (id, user_id, secret, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
		e.ID, e.UserID, e.Secret, nanos(e.CreatedAt), nanos(e.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert OTP enrolment: %w", err)
	}
	return nil
}

// store.Enrolment returns the pending set-up with this id of this account.
func (tx *Tx) Enrolment(ctx context.Context, id string, userID int64) (store.Enrolment, error) {
	e := store.Enrolment{ID: id, UserID: userID}
	var created, expires sql.NullInt64
	err := tx.q.QueryRowContext(ctx, "SELECT secret, created_at, expires_at FROM otp_enrolments WHERE id = ? AND user_id = ?", id, userID).
		Scan(&e.Secret, &created, &expires)
	if err != nil {
		return store.Enrolment{}, fmt.Errorf("read OTP enrolment: %w", notFound(err))
	}
	e.CreatedAt, e.ExpiresAt = fromNanos(created), fromNanos(expires)
	return e, nil
}

// DeleteEnrolment removes a pending set-up.
func (tx *Tx) DeleteEnrolment(ctx context.Context, id string) error {
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM otp_enrolments WHERE id = ?", id); err != nil {
		return fmt.Errorf("delete OTP enrolment: %w", err)
	}
	return nil
}

// InsertDevice stores a device and sets d.ID.
func (tx *Tx) InsertDevice(ctx context.Context, d *store.Device) error {
	res, err := tx.q.ExecContext(ctx, "INSERT INTO otp_devices (user_id, name, secret, created_at) VALUES (?, ?, ?, ?)",
		d.UserID, d.Name, d.Secret, nanos(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert OTP device: %w", err)
	}
	d.ID, err = res.LastInsertId()
	return err
}

// SetDeviceSecret replaces a device's sealed secret.
func (tx *Tx) SetDeviceSecret(ctx context.Context, id int64, secret []byte) error {
	return tx.execOne(ctx, "store OTP secret", "UPDATE otp_devices SET secret = ? WHERE id = ?", secret, id)
}

// Devices lists the devices of an account, oldest first.
func (tx *Tx) Devices(ctx context.Context, userID int64) ([]store.Device, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT id, name, secret, created_at FROM otp_devices WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, fmt.Errorf("list OTP devices: %w", err)
	}
	defer rows.Close()
	var out []store.Device
	for rows.Next() {
		d := store.Device{UserID: userID}
		var created sql.NullInt64
		if err := rows.Scan(&d.ID, &d.Name, &d.Secret, &created); err != nil {
			return nil, fmt.Errorf("list OTP devices: %w", err)
		}
		d.CreatedAt = fromNanos(created)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeleteUserDevices removes every OTP device of an account.
func (tx *Tx) DeleteUserDevices(ctx context.Context, userID int64) error {
	if _, err := tx.q.ExecContext(ctx, "DELETE FROM otp_devices WHERE user_id = ?", userID); err != nil {
		return fmt.Errorf("delete OTP devices: %w", err)
	}
	return nil
}

// DeleteDevice removes a device of an account.
func (tx *Tx) DeleteDevice(ctx context.Context, id, userID int64) error {
	return tx.execOne(ctx, "delete OTP device", "DELETE FROM otp_devices WHERE id = ? AND user_id = ?", id, userID)
}

// InsertMail adds a message to the outbox and sets m.ID.
func (tx *Tx) InsertMail(ctx context.Context, m *store.Mail) error {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO mail (kind, to_addr, subject, body, action_label, action_link, created_at, link_secret, token_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.Kind, m.To, m.Subject, m.Body, m.ActionLabel, m.ActionLink, nanos(m.CreatedAt), m.LinkSecret, m.TokenHash)
	if err != nil {
		return fmt.Errorf("insert mail: %w", err)
	}
	m.ID, err = res.LastInsertId()
	return err
}

const mailColumns = "id, kind, to_addr, subject, body, action_label, action_link, created_at, sent_at, send_error, link_secret, token_hash, attempts"

func scanMail(r scanner) (store.Mail, error) {
	var m store.Mail
	var created, sent sql.NullInt64
	err := r.Scan(&m.ID, &m.Kind, &m.To, &m.Subject, &m.Body, &m.ActionLabel, &m.ActionLink, &created, &sent, &m.SendError,
		&m.LinkSecret, &m.TokenHash, &m.Attempts)
	m.CreatedAt, m.SentAt = fromNanos(created), fromNanos(sent)
	return m, err
}

// Mails lists the outbox, newest first; to (lower case) filters by recipient
// when not empty.
func (tx *Tx) Mails(ctx context.Context, to string) ([]store.Mail, error) {
	q, args := "SELECT "+mailColumns+" FROM mail ORDER BY created_at DESC, id DESC", []any{}
	if to != "" {
		q, args = "SELECT "+mailColumns+" FROM mail WHERE to_addr = ? ORDER BY created_at DESC, id DESC", []any{to}
	}
	rows, err := tx.q.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list mail: %w", err)
	}
	defer rows.Close()
	var out []store.Mail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, fmt.Errorf("list mail: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MailByID returns one message.
func (tx *Tx) MailByID(ctx context.Context, id int64) (store.Mail, error) {
	m, err := scanMail(tx.q.QueryRowContext(ctx, "SELECT "+mailColumns+" FROM mail WHERE id = ?", id))
	if err != nil {
		return store.Mail{}, fmt.Errorf("read mail: %w", notFound(err))
	}
	return m, nil
}

// UnsentMail lists messages not delivered that may still be tried: never
// tried (a crash between commit and sending) or failed fewer than
// maxAttempts times.
func (tx *Tx) UnsentMail(ctx context.Context, maxAttempts int) ([]int64, error) {
	rows, err := tx.q.QueryContext(ctx, "SELECT id FROM mail WHERE sent_at IS NULL AND attempts < ? ORDER BY id", maxAttempts)
	if err != nil {
		return nil, fmt.Errorf("list unsent mail: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list unsent mail: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// SetMailSent records a delivery, or (err not empty) a failed attempt.
func (tx *Tx) SetMailSent(ctx context.Context, id int64, at time.Time, sendErr string) error {
	if sendErr != "" {
		return tx.execOne(ctx, "record mail failure", "UPDATE mail SET send_error = ?, attempts = attempts + 1 WHERE id = ?", sendErr, id)
	}
	return tx.execOne(ctx, "record mail sent", "UPDATE mail SET sent_at = ?, send_error = '' WHERE id = ?", nanos(at), id)
}

// ForgetMailLink removes the sealed link of one message.
func (tx *Tx) ForgetMailLink(ctx context.Context, id int64) error {
	_, err := tx.q.ExecContext(ctx, "UPDATE mail SET link_secret = NULL WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("forget mail link: %w", err)
	}
	return nil
}

// ForgetSpentMailLinks removes the sealed links whose token was used, has
// expired or is gone.
func (tx *Tx) ForgetSpentMailLinks(ctx context.Context, now time.Time) error {
	_, err := tx.q.ExecContext(ctx, `UPDATE mail SET link_secret = NULL WHERE link_secret IS NOT NULL AND (token_hash IS NULL
		OR token_hash NOT IN (SELECT token_hash FROM tokens WHERE used_at IS NULL AND expires_at > ?))`, now.UnixNano())
	if err != nil {
		return fmt.Errorf("forget spent mail links: %w", err)
	}
	return nil
}

// SetMailText replaces a message's body and action link (to mask a link
// stored in clear by an older version).
func (tx *Tx) SetMailText(ctx context.Context, id int64, body, link string) error {
	return tx.execOne(ctx, "update mail", "UPDATE mail SET body = ?, action_link = ? WHERE id = ?", body, link, id)
}

// InsertAudit appends a row to the audit log and sets a.ID.
func (tx *Tx) InsertAudit(ctx context.Context, a *store.AuditEntry) error {
	res, err := tx.q.ExecContext(ctx, `INSERT INTO audit_log (at, user_id, email, serial, digests, address, user_agent, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, nanos(a.At), a.UserID, a.Email, a.Serial, a.Digests, a.Address, a.UserAgent, a.RequestID)
	if err != nil {
		if isUnique(err) {
			err = store.ErrDuplicate // the account's request id, written by now
		}
		return fmt.Errorf("insert audit entry: %w", err)
	}
	a.ID, err = res.LastInsertId()
	return err
}

// AuditByRequest returns the account's row of a signing request id.
func (tx *Tx) AuditByRequest(ctx context.Context, userID int64, requestID string) (store.AuditEntry, error) {
	var a store.AuditEntry
	var at sql.NullInt64
	err := tx.q.QueryRowContext(ctx, `SELECT id, at, user_id, email, serial, digests, address, user_agent, request_id
		FROM audit_log WHERE user_id = ? AND request_id = ? AND request_id <> ''`, userID, requestID).
		Scan(&a.ID, &at, &a.UserID, &a.Email, &a.Serial, &a.Digests, &a.Address, &a.UserAgent, &a.RequestID)
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("read audit entry: %w", notFound(err))
	}
	a.At = fromNanos(at)
	return a, nil
}

// AuditEntries lists the audit log from since on, oldest first.
func (tx *Tx) AuditEntries(ctx context.Context, since time.Time) ([]store.AuditEntry, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT id, at, user_id, email, serial, digests, address, user_agent
		FROM audit_log WHERE at >= ? ORDER BY at, id`, sinceNanos(since))
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var a store.AuditEntry
		var at sql.NullInt64
		if err := rows.Scan(&a.ID, &at, &a.UserID, &a.Email, &a.Serial, &a.Digests, &a.Address, &a.UserAgent); err != nil {
			return nil, fmt.Errorf("list audit log: %w", err)
		}
		a.At = fromNanos(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// sinceNanos is since in Unix nanoseconds; a zero time (all of it) is the
// smallest, where UnixNano would be undefined.
func sinceNanos(since time.Time) int64 {
	if since.IsZero() {
		return math.MinInt64
	}
	return since.UnixNano()
}
