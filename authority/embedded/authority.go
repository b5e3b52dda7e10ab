// Package embedded implements the authority's contract in-process over
// authority/store's database contract: accounts, sessions, OTP, activation,
// the local CA with its CRL, the signing keys sealed under passphrases, the
// queue and the outbox with SMTP delivery. On a laptop working alone it
// runs on a SQLite file (store/sqlite) with the master key from the OS
// keyring; in the organisation server, on PostgreSQL (store/pg), where
// several processes share one database. Every secret at rest is encrypted
// under the master key.
package embedded

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/store"
	"github.com/natunakab/besign/authority/store/sqlite"
)

// Errors of opening the embedded authority.
var (
	// ErrCorruptDatabase: the file is damaged or not a BeSign database; it
	// was left untouched. The message names the file.
	ErrCorruptDatabase = store.ErrCorrupt
	// ErrDatabaseTooNew: the file was written by a newer BeSign.
	ErrDatabaseTooNew = store.ErrTooNew
	// ErrWrongMasterKey: the master key is not the one the database was
	// created with (for example a keyring entry that was replaced).
	ErrWrongMasterKey = errors.New("master key does not match the authority database")
	// ErrMasterKeyInvalid: the master key does not have MasterKeySize bytes.
	ErrMasterKeyInvalid = errors.New("master key has the wrong size")
)

// Options configure an embedded Authority. Start from DefaultOptions: zero
// durations, policy fields and strings take its defaults, but a zero
// SelfRegistration means off. MasterKey is required, and Path or DB.
type Options struct {
	Path string // SQLite file, created if missing (parent directory too, 0700)
	// DB is an open database (PostgreSQL) used instead of a SQLite file at
	// Path; the authority closes it with itself. With DB and no Path, no CRL
	// file is published.
	DB                store.DB
	MasterKey         []byte // MasterKeySize bytes, kept in the OS keyring; encrypts OTP secrets
	EmailDomain       string // self-registration only for this domain
	SelfRegistration  bool
	ResetLinkLifetime time.Duration
	SessionLifetime   time.Duration
	RememberLifetime  time.Duration // "Ingat Akun ini"
	Lockout           authority.LockoutPolicy
	OTPIssuer         string
	// Language is that of the mail to accounts that chose none.
	Language authority.Language
	SMTP     *SMTPConfig // nil: outbox only, unless Sender is set
	// Sender delivers the mail instead of SMTP (for another transport or a
	// test); nil means SMTP when configured, else the outbox only.
	Sender Sender
	// Instansi is the organisation, shown read-only in Data Kedinasan.
	Instansi string
	// AutoApproveActivations verifies a submitted activation at once.
	AutoApproveActivations bool
	// Passphrase suspends certificates after wrong passphrases.
	Passphrase authority.PassphrasePolicy
	// CRLURL is the CRL distribution point written into certificates; ""
	// for none. The CRL itself is published beside Path (CRLPath).
	CRLURL string
	// LinkPage, when set, is the organisation server's public address
	// (https://besign.example): the mail it sends links to its hand-over
	// page (link.Page) instead of besign://, which mail programs rarely
	// open. The outbox keeps the besign:// form.
	LinkPage string
	// Signed, when set, is told how many digests each SignDigests signed
	// (the server's metrics); it must not block.
	Signed func(digests int)
	// KDFWorkers bounds the passphrase key derivations that run at once
	// (128 MiB each); more callers queue. 0: no bound (a laptop).
	KDFWorkers int
	// PasswordWorkers bounds the password hashes (19 MiB each) computed at
	// once, so that a storm of sign-ins queues too; 0: no bound.
	PasswordWorkers int
	// OCSPURL is the OCSP responder written into certificates (their
	// authority information access); "" for none (a laptop alone).
	OCSPURL string
	Now     func() time.Time
	Logf    func(format string, args ...any) // never given secrets
}

// Lifetimes not configurable from outside.
const (
	challengeLifetime = 5 * time.Minute
	ticketLifetime    = time.Hour
	enrolmentLifetime = 10 * time.Minute
)

// DefaultOptions returns the defaults, the only place they are written
// (config.Default takes them too); Path and MasterKey are left for the caller.
func DefaultOptions() Options {
	return Options{
		EmailDomain:       "natunakab.go.id",
		SelfRegistration:  true,
		ResetLinkLifetime: 24 * time.Hour,
		SessionLifetime:   12 * time.Hour,
		RememberLifetime:  30 * 24 * time.Hour,
		Lockout: authority.LockoutPolicy{
			FailureFactor:     5,
			WaitIncrement:     60 * time.Second,
			MaxWait:           15 * time.Minute,
			QuickLoginCheck:   time.Second,
			MinQuickLoginWait: 60 * time.Second,
		},
		Passphrase: authority.PassphrasePolicy{
			MaxFailures: 5,
			Suspension:  15 * time.Minute,
			MaxSuspend:  24 * time.Hour,
		},
		OTPIssuer: "BeSign",
		Language:  authority.LanguageID,
		Now:       time.Now,
	}
}

func (o *Options) fillDefaults() {
	d := DefaultOptions()
	if o.EmailDomain == "" {
		o.EmailDomain = d.EmailDomain
	}
	if o.ResetLinkLifetime <= 0 {
		o.ResetLinkLifetime = d.ResetLinkLifetime
	}
	if o.SessionLifetime <= 0 {
		o.SessionLifetime = d.SessionLifetime
	}
	if o.RememberLifetime <= 0 {
		o.RememberLifetime = d.RememberLifetime
	}
	l, dl := &o.Lockout, d.Lockout
	if l.FailureFactor <= 0 {
		l.FailureFactor = dl.FailureFactor
	}
	if l.WaitIncrement <= 0 {
		l.WaitIncrement = dl.WaitIncrement
	}
	if l.MaxWait <= 0 {
		l.MaxWait = dl.MaxWait
	}
	if l.QuickLoginCheck <= 0 {
		l.QuickLoginCheck = dl.QuickLoginCheck
	}
	if l.MinQuickLoginWait <= 0 {
		l.MinQuickLoginWait = dl.MinQuickLoginWait
	}
	p, dp := &o.Passphrase, d.Passphrase
	if p.MaxFailures <= 0 {
		p.MaxFailures = dp.MaxFailures
	}
	if p.Suspension <= 0 {
		p.Suspension = dp.Suspension
	}
	if p.MaxSuspend <= 0 {
		p.MaxSuspend = dp.MaxSuspend
	}
	if o.Language == "" {
		o.Language = d.Language
	}
	if o.OTPIssuer == "" {
		o.OTPIssuer = d.OTPIssuer
	}
	if o.Now == nil {
		o.Now = d.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
}

// Authority is the authority running in-process on a SQLite file.
type Authority struct {
	opts      Options
	db        store.DB
	box       *secretBox
	argon     argonParams
	kdf       argonParams // of signing keys (see keyseal.go)
	dummyHash string      // verified for unknown users, so that timing tells little
	sender    Sender      // nil: outbox only
	kdfPool   *kdfPool
	pwPool    *kdfPool // of password hashes

	crl crlCache // the CRL CurrentCRL serves (see revocation.go)

	mu      sync.Mutex
	closed  bool
	sending sync.WaitGroup
	// userLocks holds a *sync.Mutex per account id (see lockUser).
	userLocks sync.Map
	// stopSending is closed by Close to end waits between attempts.
	stopSending chan struct{}
}

var _ authority.Authority = (*Authority)(nil)

// Open opens (or creates) the authority database at opts.Path, or takes
// over opts.DB: closed with the authority, or at once when Open fails.
func Open(opts Options) (*Authority, error) {
	e, err := open(opts)
	if err != nil && opts.DB != nil {
		opts.DB.Close()
	}
	return e, err
}

func open(opts Options) (*Authority, error) {
	opts.fillDefaults()
	if _, err := authority.CheckLanguage(opts.Language); err != nil {
		return nil, fmt.Errorf("open authority: %w", err)
	}
	if opts.SMTP != nil {
		c := *opts.SMTP
		switch c.TLS {
		case "":
			c.TLS = "starttls"
		case "starttls", "tls", "none":
		default:
			return nil, fmt.Errorf("open authority: smtp tls must be \"starttls\", \"tls\" or \"none\", not %q", c.TLS)
		}
		if c.Host == "" || c.From == "" {
			return nil, errors.New("open authority: smtp needs a host and a from address")
		}
		if c.Port == 0 {
			c.Port = map[string]int{"starttls": 587, "tls": 465, "none": 25}[c.TLS]
		}
		opts.SMTP = &c
		if opts.Sender == nil {
			opts.Sender = smtpSender{c: c, now: func() time.Time { return opts.Now().UTC() }}
		}
	}
	box, err := newSecretBox(opts.MasterKey)
	if err != nil {
		return nil, fmt.Errorf("open authority: %w", err)
	}
	ctx := context.Background()
	db := opts.DB
	if db == nil {
		s, err := sqlite.Open(ctx, opts.Path)
		if err != nil {
			return nil, fmt.Errorf("open authority: %w", err)
		}
		db = s
	}
	e := &Authority{opts: opts, db: db, box: box, argon: defaultArgon, kdf: defaultKDF, sender: opts.Sender, stopSending: make(chan struct{}),
		kdfPool: newKDFPool(opts.KDFWorkers), pwPool: newKDFPool(opts.PasswordWorkers)}
	if err := e.init(ctx); err != nil {
		if opts.DB == nil {
			db.Close()
		}
		return nil, fmt.Errorf("open authority: %w", err)
	}
	return e, nil
}

func (e *Authority) init(ctx context.Context) error {
	var unsent []int64
	wrapped, masked := 0, 0
	err := e.db.Update(ctx, func(tx store.Tx) error {
		stored, err := tx.Meta(ctx, "key_check")
		switch {
		case errors.Is(err, store.ErrNotFound):
			if err := tx.SetMeta(ctx, "key_check", e.box.keyCheck()); err != nil {
				return err
			}
		case err != nil:
			return err
		case !e.box.matches(stored):
			return fmt.Errorf("%s: %w", e.db.Name(), ErrWrongMasterKey)
		}
		if err := e.createCA(ctx, tx, e.now()); err != nil {
			return err
		}
		if err := e.createTSA(ctx, tx, e.now()); err != nil {
			return err
		}
		if err := tx.DeleteExpired(ctx, e.now().Add(-time.Hour)); err != nil {
			return err
		}
		if masked, err = maskClearLinks(ctx, tx); err != nil {
			return err
		}
		// After the key check: a wrong master key must never wrap.
		if wrapped, err = e.wrapOldKeys(ctx, tx); err != nil {
			return err
		}
		if err := tx.ForgetSpentMailLinks(ctx, e.now()); err != nil {
			return err
		}
		if e.sender == nil {
			return nil
		}
		unsent, err = tx.UnsentMail(ctx, maxSendAttempts)
		return err
	})
	if err != nil {
		return err
	}
	if wrapped > 0 || masked > 0 {
		e.opts.Logf("sealed %d signing keys under the master key too, masked %d links stored in clear", wrapped, masked)
		// The old forms are zeroed in SQLite's pages (secure_delete);
		// this drops them from its WAL too.
		if s, ok := e.db.(store.Scrubber); ok {
			if done, err := s.Scrub(ctx); err != nil || !done {
				e.opts.Logf("checkpoint after sealing: done %v, %v", done, err)
			}
		}
	}
	if e.dummyHash, err = hashPassword("not a password", e.argon); err != nil {
		return err
	}
	e.send(unsent)
	if e.crlStale() {
		if err := e.publishCRL(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Close waits for mail being sent and closes the database.
func (e *Authority) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	close(e.stopSending)
	e.mu.Unlock()
	e.sending.Wait()
	return e.db.Close()
}

func (e *Authority) now() time.Time { return e.opts.Now().UTC() }

func (e *Authority) checkOpen() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return authority.ErrClosed
	}
	return nil
}

// update runs fn in one write transaction of an open authority: the
// pattern of every method that changes state.
func (e *Authority) update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	return e.db.Update(ctx, fn)
}

// view runs fn in one read transaction of an open authority.
func (e *Authority) view(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	return e.db.View(ctx, fn)
}

// asUser is update for a method of a signed-in account: fn gets the
// account of the session token, or the method fails with
// ErrSessionExpired before fn runs.
func (e *Authority) asUser(ctx context.Context, token string, fn func(tx store.Tx, u store.User) error) error {
	return e.update(ctx, func(tx store.Tx) error {
		u, _, err := e.session(ctx, tx, token)
		if err != nil {
			return err
		}
		return fn(tx, u)
	})
}

// viewAsUser is asUser in a read transaction.
func (e *Authority) viewAsUser(ctx context.Context, token string, fn func(tx store.Tx, u store.User) error) error {
	return e.view(ctx, func(tx store.Tx) error {
		u, _, err := e.session(ctx, tx, token)
		if err != nil {
			return err
		}
		return fn(tx, u)
	})
}

// newToken returns a random bearer token and the hash that is stored.
func newToken() (string, []byte, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, fmt.Errorf("generate token: %w", err)
	}
	tok := base64.RawURLEncoding.EncodeToString(raw)
	return tok, hashToken(tok), nil
}

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// wellFormedToken filters garbage before it reaches the database.
func wellFormedToken(tok string) bool {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	return err == nil && len(raw) == 32
}

// language is the language of u's mail.
func (e *Authority) language(u store.User) authority.Language {
	if u.Language != "" {
		return authority.Language(u.Language)
	}
	return e.opts.Language
}

func (e *Authority) account(u store.User) authority.Account {
	a := authority.Account{
		ID:          u.ID,
		Name:        u.Name,
		Username:    u.Username,
		Email:       u.Email,
		Role:        authority.Role(u.Role),
		HasOTP:      u.OTPDevices > 0,
		HasPassword: u.PasswordHash != "",
		Language:    e.language(u),
		CreatedAt:   u.CreatedAt,
	}
	if u.LockedUntil.After(e.now()) {
		a.Locked, a.LockedTil = true, u.LockedUntil
	}
	return a
}
