// Package store is the contract between the embedded authority's rules and
// the database under them: the records, the sentinel errors and the
// transaction's methods. Two implementations keep it: store/sqlite (a file
// in the laptop's data dir) and store/pg (PostgreSQL, for the organisation
// server). Both hold SQL and nothing else, so that the account rules are
// written once, in authority/embedded.
package store

import (
	"context"
	"errors"
	"time"
)

var (
	// ErrCorrupt: the database is damaged or is not a BeSign database. It is
	// left as it was.
	ErrCorrupt = errors.New("database file is damaged or is not a BeSign database")
	// ErrTooNew: the database was written by a newer BeSign with a schema
	// this version does not know.
	ErrTooNew = errors.New("database was written by a newer version of BeSign")
	// ErrNotFound: no row matched.
	ErrNotFound = errors.New("record not found")
	// ErrDuplicate: a unique column already holds the value.
	ErrDuplicate = errors.New("record already exists")
)

// DB is an open database. It is safe for concurrent use, also by several
// processes on one database.
type DB interface {
	// Update runs fn in a write transaction, committed when fn returns nil
	// and rolled back otherwise. Transactions behave as if run one after
	// the other, across processes too: what fn read is still true when it
	// commits. An implementation may run fn again after a conflict with
	// another transaction (PostgreSQL does), so fn must change nothing
	// outside tx but its own results.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn for reading only.
	View(ctx context.Context, fn func(Tx) error) error
	// Name says which database this is, for messages: a path, or a
	// PostgreSQL database and host without credentials.
	Name() string
	Close() error
}

// Scrubber is a DB that can drop old versions of rewritten rows from its
// files on request (SQLite's WAL). It reports false when it could not
// finish yet.
type Scrubber interface {
	Scrub(ctx context.Context) (bool, error)
}

// RateCounter counts requests per key in fixed windows, in the database,
// so that every server process sharing it counts together and a restart
// forgets nothing. The server's rate limits stand on it.
type RateCounter interface {
	// Hit counts one request of key in the window that holds now and
	// returns the count in that window, this one included. It commits on
	// its own, outside any transaction.
	Hit(ctx context.Context, key string, now time.Time, window time.Duration) (int, error)
}

// Tx is one unit of work. Reads and writes go through its methods. Times
// keep their nanoseconds and come back in UTC; a zero time is "not set".
type Tx interface {
	// Meta returns a value of the meta table, or ErrNotFound.
	Meta(ctx context.Context, key string) ([]byte, error)
	// SetMeta stores a value of the meta table.
	SetMeta(ctx context.Context, key string, value []byte) error

	// InsertUser adds an account and sets u.ID. A taken email or username
	// gives ErrDuplicate.
	InsertUser(ctx context.Context, u *User) error
	// UsernameTaken tells whether an account has this username.
	UsernameTaken(ctx context.Context, username string) (bool, error)
	// EmailTaken tells whether an account has this (lower case) email.
	EmailTaken(ctx context.Context, email string) (bool, error)
	UserByID(ctx context.Context, id int64) (User, error)
	// UserByEmail returns the account with this (lower case) email.
	UserByEmail(ctx context.Context, email string) (User, error)
	UserByUsername(ctx context.Context, username string) (User, error)
	// Users lists every account by id.
	Users(ctx context.Context) ([]User, error)
	SetPasswordHash(ctx context.Context, userID int64, hash string) error
	// SetFailures records the brute-force state of an account.
	SetFailures(ctx context.Context, userID int64, failures int, lastFailure, lockedUntil time.Time) error
	// SetOTPLastStep records the last accepted TOTP step, refusing to go
	// back so that a concurrent use of the same code loses: it returns
	// ErrNotFound when step is not after the stored one.
	SetOTPLastStep(ctx context.Context, userID, step int64) error

	InsertSession(ctx context.Context, s Session) error
	SessionByHash(ctx context.Context, hash []byte) (Session, error)
	// DeleteSession removes a session; a missing one is not an error.
	DeleteSession(ctx context.Context, hash []byte) error
	DeleteUserSessions(ctx context.Context, userID int64) error

	InsertToken(ctx context.Context, t Token) error
	// TokenByHash returns the token of this kind with this hash.
	TokenByHash(ctx context.Context, kind string, hash []byte) (Token, error)
	// UseToken marks a token used; ErrNotFound when it already was.
	UseToken(ctx context.Context, hash []byte, at time.Time) error
	// UseUserTokens marks every unused token of these kinds of an account
	// used.
	UseUserTokens(ctx context.Context, userID int64, at time.Time, kinds ...string) error
	// DeleteExpired removes sessions, tokens and enrolments that ended
	// before t. Used tokens are kept until they expire, so that a second
	// use is told apart from an unknown token.
	DeleteExpired(ctx context.Context, t time.Time) error

	InsertEnrolment(ctx context.Context, e Enrolment) error
	// Enrolment returns the pending set-up with this id of this account.
	Enrolment(ctx context.Context, id string, userID int64) (Enrolment, error)
	DeleteEnrolment(ctx context.Context, id string) error
	// InsertDevice stores a device and sets d.ID.
	InsertDevice(ctx context.Context, d *Device) error
	SetDeviceSecret(ctx context.Context, id int64, secret []byte) error
	// Devices lists the devices of an account, oldest first.
	Devices(ctx context.Context, userID int64) ([]Device, error)
	DeleteUserDevices(ctx context.Context, userID int64) error
	// DeleteDevice removes a device of an account; ErrNotFound unless the
	// account has it.
	DeleteDevice(ctx context.Context, id, userID int64) error

	// InsertMail adds a message to the outbox and sets m.ID.
	InsertMail(ctx context.Context, m *Mail) error
	// Mails lists the outbox, newest first; to (lower case) filters by
	// recipient when not empty.
	Mails(ctx context.Context, to string) ([]Mail, error)
	MailByID(ctx context.Context, id int64) (Mail, error)
	// UnsentMail lists messages not delivered that may still be tried:
	// never tried (a crash between commit and sending) or failed fewer than
	// maxAttempts times.
	UnsentMail(ctx context.Context, maxAttempts int) ([]int64, error)
	// SetMailSent records a delivery, or (sendErr not empty) a failed
	// attempt.
	SetMailSent(ctx context.Context, id int64, at time.Time, sendErr string) error
	// ForgetMailLink removes the sealed link of one message.
	ForgetMailLink(ctx context.Context, id int64) error
	// ForgetSpentMailLinks removes the sealed links whose token was used,
	// has expired or is gone.
	ForgetSpentMailLinks(ctx context.Context, now time.Time) error
	// SetMailText replaces a message's body and action link (to mask a
	// link stored in clear by an older version).
	SetMailText(ctx context.Context, id int64, body, link string) error

	// ActivationByUser returns the account's activation, or ErrNotFound.
	ActivationByUser(ctx context.Context, userID int64) (Activation, error)
	// PutActivation inserts or replaces the account's activation. A NIK
	// hash held by another account gives ErrDuplicate.
	PutActivation(ctx context.Context, a Activation) error
	// Activations lists the activations with the status (all when empty),
	// oldest submission first.
	Activations(ctx context.Context, status string) ([]Activation, error)
	// ReplaceDirectory replaces the whole employee directory with rows.
	ReplaceDirectory(ctx context.Context, rows []Employee) error
	// EmployeeByNIP looks a NIP or NRP up in the directory.
	EmployeeByNIP(ctx context.Context, nip string) (Employee, error)
	DirectorySize(ctx context.Context) (int, error)

	// CA returns the root, or ErrNotFound before it is created.
	CA(ctx context.Context) (CA, error)
	// InsertCA stores the root; ErrDuplicate when one exists.
	InsertCA(ctx context.Context, c CA) error
	// NextCRLNumber increments and returns the CRL number.
	NextCRLNumber(ctx context.Context) (int64, error)
	// InsertCertificate stores a new certificate.
	InsertCertificate(ctx context.Context, c Certificate) error
	// CurrentCertificate returns the account's newest certificate (revoked
	// or not), or ErrNotFound.
	CurrentCertificate(ctx context.Context, userID int64) (Certificate, error)
	// SetCertificateKey replaces a certificate's sealed key with one sealed
	// under the master key too (KeyWrapped).
	SetCertificateKey(ctx context.Context, serial string, key []byte) error
	// UnwrappedCertificates lists the certificates whose key is sealed
	// under the passphrase alone (stored before schema 7), oldest first.
	UnwrappedCertificates(ctx context.Context) ([]Certificate, error)
	// SetCertificateFailures writes the wrong-passphrase count and
	// suspension.
	SetCertificateFailures(ctx context.Context, serial string, failures, suspensions int, suspendedUntil time.Time) error
	// RevokeCertificate marks a certificate revoked at t (kept if already).
	RevokeCertificate(ctx context.Context, serial string, t time.Time) error
	// RevokedCertificates lists every revoked certificate, oldest first.
	RevokedCertificates(ctx context.Context) ([]Certificate, error)
	// CertificateBySerial returns the certificate of that serial (lower-case
	// hexadecimal, as stored), or ErrNotFound: the OCSP responder's lookup.
	CertificateBySerial(ctx context.Context, serial string) (Certificate, error)
	// ClearCertificateFailures lifts the suspension of every certificate
	// of an account and forgets its wrong passphrases.
	ClearCertificateFailures(ctx context.Context, userID int64) error

	// QueuedDocuments lists an account's queue, oldest first (never nil).
	QueuedDocuments(ctx context.Context, userID int64) ([]QueuedDocument, error)
	// QueuedDocument returns one document of an account's queue, or
	// ErrNotFound (also when it is another account's).
	QueuedDocument(ctx context.Context, userID, id int64) (QueuedDocument, error)
	CountQueued(ctx context.Context, userID int64) (int, error)
	// InsertQueued adds a document and sets d.ID; ErrDuplicate when the
	// account has its path queued already.
	InsertQueued(ctx context.Context, d *QueuedDocument) error
	// UpdateQueued writes a document's page count, fingerprint and
	// settings (not its path or account); ErrNotFound unless the account
	// has it.
	UpdateQueued(ctx context.Context, d QueuedDocument) error
	// DeleteQueued removes a document; ErrNotFound unless the account has
	// it.
	DeleteQueued(ctx context.Context, userID, id int64) error

	// InsertAudit appends a row to the audit log and sets a.ID. The
	// database refuses to change or remove a row once written.
	InsertAudit(ctx context.Context, a *AuditEntry) error
	// AuditEntries lists the rows at or after since, oldest first.
	AuditEntries(ctx context.Context, since time.Time) ([]AuditEntry, error)
	// AuditByRequest returns the account's row of a (non-empty) signing
	// request id; ErrNotFound when it has none.
	AuditByRequest(ctx context.Context, userID int64, requestID string) (AuditEntry, error)
}
