package authority

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/natunakab/besign/authority/store"
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
	// ErrClosed: the authority was closed.
	ErrClosed = errors.New("authority is closed")
)

// LockoutPolicy is the brute-force protection; zero fields take defaults.
type LockoutPolicy struct {
	FailureFactor     int           // failures before the first lock (default 5)
	WaitIncrement     time.Duration // added per further failure (default 60 s)
	MaxWait           time.Duration // cap of the wait (default 15 min)
	QuickLoginCheck   time.Duration // two failures closer than this ... (default 1 s)
	MinQuickLoginWait time.Duration // ... lock at least this long (default 60 s)
}

// Options configure an Embedded authority. Start from DefaultOptions: zero
// durations, policy fields and strings take its defaults, but a zero
// SelfRegistration means off. Path and MasterKey are required.
type Options struct {
	Path              string // SQLite file, created if missing (parent directory too, 0700)
	MasterKey         []byte // MasterKeySize bytes, kept in the OS keyring; encrypts OTP secrets
	EmailDomain       string // self-registration only for this domain
	SelfRegistration  bool
	ResetLinkLifetime time.Duration
	SessionLifetime   time.Duration
	RememberLifetime  time.Duration // "Ingat Akun ini"
	Lockout           LockoutPolicy
	OTPIssuer         string
	SMTP              *SMTPConfig // nil: outbox only
	Now               func() time.Time
	Logf              func(format string, args ...any) // never given secrets
}

// Lifetimes not configurable from outside.
const (
	challengeLifetime = 5 * time.Minute
	ticketLifetime    = time.Hour
	enrolmentLifetime = 10 * time.Minute
)

// DefaultOptions returns the defaults (REFERENCE.md); Path and MasterKey are
// left for the caller.
func DefaultOptions() Options {
	return Options{
		EmailDomain:       "natunakab.go.id",
		SelfRegistration:  true,
		ResetLinkLifetime: 24 * time.Hour,
		SessionLifetime:   12 * time.Hour,
		RememberLifetime:  30 * 24 * time.Hour,
		Lockout: LockoutPolicy{
			FailureFactor:     5,
			WaitIncrement:     60 * time.Second,
			MaxWait:           15 * time.Minute,
			QuickLoginCheck:   time.Second,
			MinQuickLoginWait: 60 * time.Second,
		},
		OTPIssuer: "BeSign",
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

// Embedded is the authority running in-process on a SQLite file.
type Embedded struct {
	opts      Options
	db        *store.Store
	box       *secretBox
	argon     argonParams
	dummyHash string // verified for unknown users, so that timing tells little

	mu     sync.Mutex
	closed bool
	// userLocks holds a *sync.Mutex per account id (see lockUser).
	userLocks sync.Map
	sending   sync.WaitGroup
}

var _ Authority = (*Embedded)(nil)

// OpenEmbedded opens (or creates) the authority database at opts.Path.
func OpenEmbedded(opts Options) (*Embedded, error) {
	opts.fillDefaults()
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
	}
	box, err := newSecretBox(opts.MasterKey)
	if err != nil {
		return nil, fmt.Errorf("open authority: %w", err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, opts.Path)
	if err != nil {
		return nil, fmt.Errorf("open authority: %w", err)
	}
	e := &Embedded{opts: opts, db: db, box: box, argon: defaultArgon}
	if err := e.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open authority: %w", err)
	}
	return e, nil
}

func (e *Embedded) init(ctx context.Context) error {
	var unsent []int64
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		stored, err := tx.Meta(ctx, "key_check")
		switch {
		case errors.Is(err, store.ErrNotFound):
			if err := tx.SetMeta(ctx, "key_check", e.box.keyCheck()); err != nil {
				return err
			}
		case err != nil:
			return err
		case !e.box.matches(stored):
			return fmt.Errorf("%s: %w", e.db.Path(), ErrWrongMasterKey)
		}
		if err := tx.DeleteExpired(ctx, e.now().Add(-time.Hour)); err != nil {
			return err
		}
		if e.opts.SMTP == nil {
			return nil
		}
		unsent, err = tx.UnsentMail(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if e.dummyHash, err = hashPassword("not a password", e.argon); err != nil {
		return err
	}
	e.send(unsent)
	return nil
}

// Close waits for mail being sent and closes the database.
func (e *Embedded) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	e.sending.Wait()
	return e.db.Close()
}

func (e *Embedded) now() time.Time { return e.opts.Now().UTC() }

func (e *Embedded) checkOpen() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	return nil
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

func (e *Embedded) account(u store.User) Account {
	a := Account{
		ID:          u.ID,
		Name:        u.Name,
		Username:    u.Username,
		Email:       u.Email,
		Role:        Role(u.Role),
		HasOTP:      u.OTPDevices > 0,
		HasPassword: u.PasswordHash != "",
		CreatedAt:   u.CreatedAt,
	}
	if u.LockedUntil.After(e.now()) {
		a.Locked, a.LockedTil = true, u.LockedUntil
	}
	return a
}

// ---- accounts ----

// createUser adds one account and its activation mail inside tx.
func (e *Embedded) createUser(ctx context.Context, tx *store.Tx, req CreateUserRequest, now time.Time) (store.User, []int64, error) {
	name, err := checkName(req.Name)
	if err != nil {
		return store.User{}, nil, err
	}
	email, err := normalizeEmail(req.Email)
	if err != nil {
		return store.User{}, nil, err
	}
	role, err := checkRole(req.Role)
	if err != nil {
		return store.User{}, nil, err
	}
	if taken, err := tx.EmailTaken(ctx, email); err != nil {
		return store.User{}, nil, err
	} else if taken {
		return store.User{}, nil, ErrEmailTaken
	}
	base := usernameBase(email)
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
	u := store.User{Name: name, Username: username, Email: email, Role: string(role), OTPLastStep: -1, CreatedAt: now}
	if err := tx.InsertUser(ctx, &u); errors.Is(err, store.ErrDuplicate) {
		return store.User{}, nil, ErrEmailTaken
	} else if err != nil {
		return store.User{}, nil, err
	}
	m := activationMail(name, username, email)
	m.CreatedAt = now
	if err := tx.InsertMail(ctx, &m); err != nil {
		return store.User{}, nil, err
	}
	return u, []int64{m.ID}, nil
}

// Register creates an account for oneself in the configured email domain.
func (e *Embedded) Register(ctx context.Context, req RegisterRequest) (Account, error) {
	if !e.opts.SelfRegistration {
		return Account{}, ErrRegistrationOff
	}
	if _, err := checkName(req.Name); err != nil {
		return Account{}, err
	}
	email, err := normalizeEmail(req.Email)
	if err != nil {
		return Account{}, err
	}
	if _, domain, _ := strings.Cut(email, "@"); domain != strings.ToLower(strings.TrimSpace(e.opts.EmailDomain)) {
		return Account{}, fmt.Errorf("%w (%s)", ErrEmailDomain, e.opts.EmailDomain)
	}
	return e.CreateUser(ctx, CreateUserRequest{Name: req.Name, Email: req.Email, Role: RoleSigner})
}

// CreateUser creates an account (administration).
func (e *Embedded) CreateUser(ctx context.Context, req CreateUserRequest) (Account, error) {
	if err := e.checkOpen(); err != nil {
		return Account{}, err
	}
	var u store.User
	var mails []int64
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		var err error
		u, mails, err = e.createUser(ctx, tx, req, e.now())
		return err
	})
	if err != nil {
		return Account{}, err
	}
	e.send(mails)
	return e.account(u), nil
}

// ImportUsers creates all rows or none.
func (e *Embedded) ImportUsers(ctx context.Context, rows []CreateUserRequest) (ImportResult, error) {
	if err := e.checkOpen(); err != nil {
		return ImportResult{}, err
	}
	errRejected := errors.New("rejected") // rolls the transaction back
	var res ImportResult
	var mails []int64
	err := e.db.Update(ctx, func(tx *store.Tx) error {
		res, mails = ImportResult{}, nil
		now := e.now()
		for i, row := range rows {
			u, m, err := e.createUser(ctx, tx, row, now)
			if err != nil {
				if !isUserError(err) {
					return fmt.Errorf("row %d: %w", i, err)
				}
				res.Errors = append(res.Errors, RowError{Row: i, Err: err.Error()})
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
		return res, fmt.Errorf("%d of %d rows: %w", len(res.Errors), len(rows), ErrImportRejected)
	}
	if err != nil {
		return ImportResult{}, err
	}
	e.send(mails)
	return res, nil
}

// isUserError tells the sentinel errors a user can fix from internal ones.
func isUserError(err error) bool {
	for _, s := range []error{ErrNameRequired, ErrNameTooLong, ErrNameInvalid, ErrEmailInvalid, ErrEmailTaken, ErrRoleInvalid} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// ListUsers lists every account.
func (e *Embedded) ListUsers(ctx context.Context) ([]Account, error) {
	if err := e.checkOpen(); err != nil {
		return nil, err
	}
	var users []store.User
	err := e.db.View(ctx, func(tx *store.Tx) (err error) {
		users, err = tx.Users(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(users))
	for _, u := range users {
		out = append(out, e.account(u))
	}
	return out, nil
}

// UnlockUser lifts a lockout; email may also be a username.
func (e *Embedded) UnlockUser(ctx context.Context, email string) error {
	if err := e.checkOpen(); err != nil {
		return err
	}
	l, err := parseLogin(email)
	if err != nil {
		return err
	}
	return e.db.Update(ctx, func(tx *store.Tx) error {
		u, err := userByLogin(ctx, tx, l)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("unlock %s: %w", email, ErrNotFound)
		}
		if err != nil {
			return err
		}
		return tx.SetFailures(ctx, u.ID, 0, time.Time{}, time.Time{})
	})
}

func userByLogin(ctx context.Context, tx *store.Tx, l login) (store.User, error) {
	if l.email != "" {
		return tx.UserByEmail(ctx, l.email)
	}
	return tx.UserByUsername(ctx, l.username)
}

// ---- outbox ----

// Outbox lists mail, newest first.
func (e *Embedded) Outbox(ctx context.Context, q OutboxQuery) ([]Mail, error) {
	if err := e.checkOpen(); err != nil {
		return nil, err
	}
	to := strings.ToLower(strings.TrimSpace(q.To))
	var ms []store.Mail
	err := e.db.View(ctx, func(tx *store.Tx) (err error) {
		ms, err = tx.Mails(ctx, to)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Mail, 0, len(ms))
	for _, m := range ms {
		out = append(out, Mail{
			ID: m.ID, Kind: MailKind(m.Kind), To: m.To, Subject: m.Subject, Body: m.Body,
			ActionLabel: m.ActionLabel, ActionLink: m.ActionLink,
			CreatedAt: m.CreatedAt, SentAt: m.SentAt, SendError: m.SendError,
		})
	}
	return out, nil
}

// send delivers committed mail in the background when SMTP is configured.
// Close waits for it. Failures are recorded on the mail, never returned.
func (e *Embedded) send(ids []int64) {
	if e.opts.SMTP == nil || len(ids) == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return // still unsent in the outbox: sent at the next open
	}
	e.sending.Add(1)
	go func() {
		defer e.sending.Done()
		ctx := context.Background()
		for _, id := range ids {
			var m store.Mail
			err := e.db.View(ctx, func(tx *store.Tx) (err error) {
				m, err = tx.MailByID(ctx, id)
				return err
			})
			if err != nil {
				e.opts.Logf("mail %d: %v", id, err)
				continue
			}
			sendErr := sendSMTP(ctx, e.opts.SMTP, m, e.now())
			msg := ""
			if sendErr != nil {
				msg = sendErr.Error()
				e.opts.Logf("mail %d (%s): not sent: %v", id, m.Kind, sendErr)
			}
			err = e.db.Update(ctx, func(tx *store.Tx) error {
				return tx.SetMailSent(ctx, id, e.now(), msg)
			})
			if err != nil {
				e.opts.Logf("mail %d: record delivery: %v", id, err)
			}
		}
	}()
}
