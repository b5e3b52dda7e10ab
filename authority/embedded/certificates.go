package embedded

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/store"
)

// Certificates on the embedded authority. The passphrase is checked only by
// opening the sealed key: a wrong one fails the AES-GCM tag. Wrong
// passphrases are counted in the same transaction that reads the key, so
// that parallel guesses (other processes too) are all counted.

// certAAD binds a sealed key to its certificate and account.
func certAAD(serial string, userID int64) string {
	return "signing-key|" + serial + "|" + strconv.FormatInt(userID, 10)
}

// passphraseLinkLifetime is that of the link in the "[BSrE] Set Passphrase"
// mail; "Lupa Passphrase" links live as long as password reset links.
const passphraseLinkLifetime = 7 * 24 * time.Hour

// certStatus is the status of an account's newest certificate c (nil when
// none).
func (e *Authority) certStatus(ctx context.Context, tx store.Tx, u store.User, c *store.Certificate) (authority.CertificateStatus, error) {
	now := e.now()
	if c == nil {
		row, err := tx.ActivationByUser(ctx, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return authority.StatusNotRegistered, nil
		}
		if err != nil {
			return "", err
		}
		switch authority.ActivationStatus(row.Status) {
		case authority.ActivationWaiting:
			return authority.StatusWaiting, nil
		case authority.ActivationVerified:
			return authority.StatusNoCertificate, nil
		}
		return authority.StatusNotRegistered, nil
	}
	switch {
	case !c.RevokedAt.IsZero():
		return authority.StatusRevoke, nil
	case !now.Before(c.NotAfter):
		return authority.StatusExpired, nil
	case now.Before(c.SuspendedUntil):
		return authority.StatusSuspend, nil
	}
	return authority.StatusIssue, nil
}

// currentCertificate returns the account's newest certificate, nil if none.
func currentCertificate(ctx context.Context, tx store.Tx, userID int64) (*store.Certificate, error) {
	c, err := tx.CurrentCertificate(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func (e *Authority) certInfo(ctx context.Context, tx store.Tx, u store.User) (authority.CertificateInfo, error) {
	c, err := currentCertificate(ctx, tx, u.ID)
	if err != nil {
		return authority.CertificateInfo{}, err
	}
	st, err := e.certStatus(ctx, tx, u, c)
	if err != nil || c == nil {
		return authority.CertificateInfo{Status: st}, err
	}
	info := authority.CertificateInfo{Status: st, Serial: c.Serial, NotBefore: c.NotBefore, NotAfter: c.NotAfter,
		RevokedAt: c.RevokedAt, Failures: c.Failures}
	if st == authority.StatusSuspend {
		info.SuspendedUntil = c.SuspendedUntil
	}
	if cert, err := x509.ParseCertificate(c.Cert); err == nil {
		info.Subject = cert.Subject.CommonName
	}
	root, err := tx.CA(ctx)
	if err != nil {
		return authority.CertificateInfo{}, err
	}
	info.Chain = [][]byte{c.Cert, root.Cert}
	return info, nil
}

// Certificate tells the signed-in account's certificate.
func (e *Authority) Certificate(ctx context.Context, token string) (authority.CertificateInfo, error) {
	var info authority.CertificateInfo
	err := e.viewAsUser(ctx, token, func(tx store.Tx, u store.User) (err error) {
		info, err = e.certInfo(ctx, tx, u)
		return err
	})
	return info, err
}

// passphraseHolder resolves the token of CreatePassphrase: a session, or a
// passphrase link, which is consumed when use is true.
func (e *Authority) passphraseHolder(ctx context.Context, tx store.Tx, token string, use bool) (u store.User, viaLink bool, err error) {
	u, _, err = e.session(ctx, tx, token)
	if err == nil || !errors.Is(err, authority.ErrSessionExpired) {
		return u, false, err
	}
	var t store.Token
	if use {
		t, err = useToken(ctx, tx, store.TokenPassphraseLink, token, e.now())
	} else {
		t, err = peekToken(ctx, tx, store.TokenPassphraseLink, token, e.now())
	}
	if err != nil {
		return store.User{}, false, err
	}
	u, err = tx.UserByID(ctx, t.UserID)
	return u, true, err
}

// canCreate tells whether u may create a passphrase now: a verified
// activation and, through a session, no certificate that could still sign.
func (e *Authority) canCreate(ctx context.Context, tx store.Tx, u store.User, viaLink bool) (*store.Certificate, authority.ActivationData, error) {
	row, err := tx.ActivationByUser(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, authority.ActivationData{}, authority.ErrActivationNotVerified
	}
	if err != nil {
		return nil, authority.ActivationData{}, err
	}
	if row.Status != string(authority.ActivationVerified) {
		return nil, authority.ActivationData{}, authority.ErrActivationNotVerified
	}
	a, err := e.activation(u, row, false)
	if err != nil {
		return nil, authority.ActivationData{}, err
	}
	c, err := currentCertificate(ctx, tx, u.ID)
	if err != nil {
		return nil, authority.ActivationData{}, err
	}
	if !viaLink && c != nil && c.RevokedAt.IsZero() && e.now().Before(c.NotAfter) {
		return nil, authority.ActivationData{}, authority.ErrCertificateExists
	}
	return c, a.Data, nil
}

// CreatePassphrase generates the key, seals it and issues the certificate.
func (e *Authority) CreatePassphrase(ctx context.Context, req authority.CreatePassphraseRequest) (authority.CertificateInfo, error) {
	if err := authority.CheckNewPassphrase(req.Passphrase, req.Confirmation); err != nil {
		return authority.CertificateInfo{}, err
	}
	if !req.Consent {
		return authority.CertificateInfo{}, authority.ErrCertificateConsent
	}
	// A cheap check first, so that a bad token costs no key generation.
	var userID int64
	err := e.view(ctx, func(tx store.Tx) error {
		u, viaLink, err := e.passphraseHolder(ctx, tx, req.Token, false)
		if err != nil {
			return err
		}
		userID = u.ID
		if _, _, err = e.canCreate(ctx, tx, u, viaLink); err != nil {
			return err
		}
		return e.checkCommon(ctx, tx, u, req.Passphrase)
	})
	if err != nil {
		return authority.CertificateInfo{}, err
	}
	unlock := e.lockUser(userID)
	defer unlock()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return authority.CertificateInfo{}, fmt.Errorf("generate key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return authority.CertificateInfo{}, err
	}
	hexSerial := serial.Text(16)
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return authority.CertificateInfo{}, fmt.Errorf("encode key: %w", err)
	}
	release, err := e.kdfPool.acquire(ctx)
	if err != nil {
		clear(pkcs8)
		return authority.CertificateInfo{}, err
	}
	sealed, err := e.sealSigningKey(pkcs8, req.Passphrase, hexSerial, userID)
	release()
	clear(pkcs8)
	if err != nil {
		return authority.CertificateInfo{}, err
	}
	var info authority.CertificateInfo
	revoked := false
	err = e.update(ctx, func(tx store.Tx) error {
		u, viaLink, err := e.passphraseHolder(ctx, tx, req.Token, true)
		if err != nil {
			return err
		}
		if u.ID != userID {
			return authority.ErrTokenInvalid
		}
		old, data, err := e.canCreate(ctx, tx, u, viaLink)
		if err != nil {
			return err
		}
		now := e.now()
		if old != nil && old.RevokedAt.IsZero() {
			if err := tx.RevokeCertificate(ctx, old.Serial, now); err != nil {
				return err
			}
			revoked = true
		}
		der, err := e.issue(ctx, tx, serial, u.Email, data, &key.PublicKey, now)
		if err != nil {
			return err
		}
		cert, _ := x509.ParseCertificate(der)
		if err := tx.InsertCertificate(ctx, store.Certificate{Serial: hexSerial, UserID: u.ID, Cert: der, Key: sealed, KeyWrapped: true,
			NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, CreatedAt: now}); err != nil {
			return err
		}
		// Any other passphrase link of the account is spent.
		if err := tx.UseUserTokens(ctx, u.ID, now, store.TokenPassphraseLink); err != nil {
			return err
		}
		e.opts.Logf("issued certificate %s to account %d", hexSerial, u.ID)
		info, err = e.certInfo(ctx, tx, u)
		return err
	})
	if err != nil {
		return authority.CertificateInfo{}, err
	}
	if revoked {
		if err := e.publishCRL(ctx); err != nil {
			e.opts.Logf("%v", err)
		}
	}
	return info, nil
}

// unlockKey opens the signing key of the signed-in account with
// passphrase inside one write transaction, counting a wrong passphrase.
// The returned error is ErrPassphraseWrong, ErrCertificateSuspended and the
// like; fn runs inside the transaction with the key when it opened.
func (e *Authority) unlockKey(ctx context.Context, token, passphrase string, fn func(tx store.Tx, u store.User, c store.Certificate, key *rsa.PrivateKey) error) error {
	if len(passphrase) > authority.MaxPassphraseLen {
		return authority.ErrPassphraseWrong
	}
	var userID int64
	err := e.view(ctx, func(tx store.Tx) error {
		u, _, err := e.session(ctx, tx, token)
		userID = u.ID
		return err
	})
	if err != nil {
		return err
	}
	// Guesses of one account in this process wait for each other, so that
	// the suspension is reached after exactly MaxFailures of them.
	unlock := e.lockUser(userID)
	defer unlock()
	// A slot of the derivation pool before the transaction: a request
	// queued behind others holds no database connection. ChangePassphrase
	// seals again within the same slot.
	release, err := e.kdfPool.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	var result error
	err = e.update(ctx, func(tx store.Tx) error {
		result = nil // fn may run again (store.DB.Update)
		u, _, err := e.session(ctx, tx, token)
		if err != nil {
			return err
		}
		c, err := currentCertificate(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		st, err := e.certStatus(ctx, tx, u, c)
		if err != nil {
			return err
		}
		switch st {
		case authority.StatusIssue:
		case authority.StatusSuspend:
			return fmt.Errorf("%w until %s", authority.ErrCertificateSuspended, c.SuspendedUntil.Format(time.RFC3339))
		case authority.StatusRevoke:
			return authority.ErrCertificateRevoked
		case authority.StatusExpired:
			return authority.ErrCertificateExpired
		default:
			return authority.ErrNoCertificate
		}
		pkcs8, err := e.openSigningKey(*c, passphrase)
		if errors.Is(err, authority.ErrPassphraseWrong) {
			now := e.now()
			failures, susp, until := c.Failures+1, c.Suspensions, time.Time{}
			if failures >= e.opts.Passphrase.MaxFailures {
				susp++
				until = now.Add(e.opts.Passphrase.NthSuspension(susp))
				failures = 0
				e.opts.Logf("certificate %s suspended until %s", c.Serial, until.Format(time.RFC3339))
				result = fmt.Errorf("%w; %w until %s", authority.ErrPassphraseWrong, authority.ErrCertificateSuspended, until.Format(time.RFC3339))
			} else {
				result = authority.ErrPassphraseWrong
			}
			return tx.SetCertificateFailures(ctx, c.Serial, failures, susp, until)
		}
		if err != nil {
			return fmt.Errorf("signing key: %w", err)
		}
		k, err := x509.ParsePKCS8PrivateKey(pkcs8)
		clear(pkcs8)
		key, ok := k.(*rsa.PrivateKey)
		if err != nil || !ok {
			return fmt.Errorf("signing key: %w", errSecretDamaged)
		}
		if c.Failures > 0 {
			if err := tx.SetCertificateFailures(ctx, c.Serial, 0, c.Suspensions, time.Time{}); err != nil {
				return err
			}
		}
		// A key stored by an older version still running beside this one
		// after the migration (init wraps the others).
		if !c.KeyWrapped {
			wrapped, err := e.box.seal(c.Key, wrapAAD(c.Serial, c.UserID))
			if err != nil {
				return err
			}
			if err := tx.SetCertificateKey(ctx, c.Serial, wrapped); err != nil {
				return err
			}
		}
		return fn(tx, u, *c, key)
	})
	if err != nil {
		return err
	}
	return result
}

// SignDigests signs digests with the key unlocked once.
func (e *Authority) SignDigests(ctx context.Context, req authority.SignDigestsRequest) (authority.SignDigestsResponse, error) {
	if len(req.Digests) == 0 {
		return authority.SignDigestsResponse{}, authority.ErrDigestInvalid
	}
	if len(req.Digests) > authority.MaxDigests {
		return authority.SignDigestsResponse{}, authority.ErrTooManyDigests
	}
	for _, d := range req.Digests {
		if len(d) != crypto.SHA256.Size() {
			return authority.SignDigestsResponse{}, authority.ErrDigestInvalid
		}
	}
	if !authority.ValidRequestID(req.RequestID) {
		// only a client other than ours sends one (NewRequestID's are valid)
		return authority.SignDigestsResponse{}, fmt.Errorf("%w: request id must be 32 hexadecimal digits", authority.ErrDigestInvalid)
	}
	var key *rsa.PrivateKey
	defer func() { clearKey(key) }()
	var resp authority.SignDigestsResponse
	repeat := false
	err := e.unlockKey(ctx, req.Token, req.Passphrase, func(tx store.Tx, u store.User, c store.Certificate, k *rsa.PrivateKey) error {
		key = k // cleared below, also when the rest fails
		root, err := tx.CA(ctx)
		if err != nil {
			return err
		}
		resp.Chain = [][]byte{c.Cert, root.Cert}
		if repeat, err = e.repeated(ctx, tx, u, c, req); err != nil || repeat {
			return err
		}
		// In the unlock's transaction: no signature leaves without its row.
		return e.audit(ctx, tx, u, c, req.Digests, req.RequestID)
	})
	if err != nil {
		return authority.SignDigestsResponse{}, err
	}
	if resp.Signatures, err = signAll(key, req.Digests); err != nil {
		return authority.SignDigestsResponse{}, err
	}
	if e.opts.Signed != nil && !repeat {
		e.opts.Signed(len(req.Digests))
	}
	return resp, nil
}

// signAll signs the digests on every processor: an RSA signature costs
// about a millisecond, the bulk of a large batch once the key is unlocked.
// The key is only read, which crypto/rsa allows from several goroutines.
func signAll(key *rsa.PrivateKey, digests [][]byte) ([][]byte, error) {
	sigs := make([][]byte, len(digests))
	workers := min(runtime.GOMAXPROCS(0), len(digests))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(digests); i += workers {
				s, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digests[i])
				if err != nil {
					errs[w] = fmt.Errorf("sign digest: %w", err)
					return
				}
				sigs[i] = s
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return sigs, nil
}

// clearKey overwrites the private parts of an unlocked key, so that they
// do not linger in memory after the call.
func clearKey(k *rsa.PrivateKey) {
	if k == nil {
		return
	}
	k.D.SetInt64(0)
	for _, p := range k.Primes {
		p.SetInt64(0)
	}
	k.Precomputed = rsa.PrecomputedValues{}
}

// ChangePassphrase re-seals the key under a new passphrase.
func (e *Authority) ChangePassphrase(ctx context.Context, req authority.ChangePassphraseRequest) error {
	if err := authority.CheckNewPassphrase(req.New, req.Confirmation); err != nil {
		return err
	}
	if req.New == req.Old {
		return authority.ErrPassphraseSame
	}
	// Before the old passphrase is tried: a refused new one is no guess.
	err := e.viewAsUser(ctx, req.Token, func(tx store.Tx, u store.User) error {
		return e.checkCommon(ctx, tx, u, req.New)
	})
	if err != nil {
		return err
	}
	return e.unlockKey(ctx, req.Token, req.Old, func(tx store.Tx, u store.User, c store.Certificate, key *rsa.PrivateKey) error {
		defer clearKey(key)
		pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return fmt.Errorf("encode key: %w", err)
		}
		sealed, err := e.sealSigningKey(pkcs8, req.New, c.Serial, u.ID)
		clear(pkcs8)
		if err != nil {
			return err
		}
		return tx.SetCertificateKey(ctx, c.Serial, sealed)
	})
}

// ForgotPassphrase mails a passphrase link to the signed-in account.
func (e *Authority) ForgotPassphrase(ctx context.Context, token string) error {
	var mails []int64
	err := e.asUser(ctx, token, func(tx store.Tx, u store.User) error {
		mails = nil // fn may run again (store.DB.Update)
		if _, _, err := e.canCreate(ctx, tx, u, true); err != nil {
			return err
		}
		m, err := e.passphraseLinkMail(ctx, tx, u, authority.MailPassphraseReset, e.opts.ResetLinkLifetime)
		if err != nil {
			return err
		}
		mails = append(mails, m)
		return nil
	})
	if err != nil {
		return err
	}
	e.send(mails)
	return nil
}

// checkCommon returns ErrPassphraseCommon when p is too easy to guess for
// u: its name, email and username, its activation's name, NIK, NIP, phone
// and unit, and the organisation, besides the common passwords.
func (e *Authority) checkCommon(ctx context.Context, tx store.Tx, u store.User, p string) error {
	personal := []string{u.Name, u.Email, u.Username, e.opts.Instansi, e.opts.EmailDomain}
	if row, err := tx.ActivationByUser(ctx, u.ID); err == nil {
		a, err := e.activation(u, row, false)
		if err != nil {
			return err
		}
		d := a.Data
		personal = append(personal, d.Name, d.NIK, d.NIP, d.Phone, d.Unit)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if authority.CommonPassphrase(p, personal...) {
		return authority.ErrPassphraseCommon
	}
	return nil
}

// passphraseLinkMail stores a passphrase link token and its mail (kind
// MailActivationApproved or MailPassphraseReset) inside tx.
func (e *Authority) passphraseLinkMail(ctx context.Context, tx store.Tx, u store.User, kind authority.MailKind, life time.Duration) (int64, error) {
	tok, hash, err := newToken()
	if err != nil {
		return 0, err
	}
	now := e.now()
	if err := tx.InsertToken(ctx, store.Token{TokenHash: hash, Kind: store.TokenPassphraseLink, UserID: u.ID,
		CreatedAt: now, ExpiresAt: now.Add(life)}); err != nil {
		return 0, err
	}
	name := u.Name
	if row, err := tx.ActivationByUser(ctx, u.ID); err == nil {
		if a, err := e.activation(u, row, false); err == nil && a.Data.Name != "" {
			name = a.Data.Name
		}
	}
	texts := passphraseResetText
	if kind == authority.MailActivationApproved {
		texts = activationApprovedText
	}
	l := e.language(u)
	t := text(texts, l)
	action := link.Passphrase(tok)
	m := store.Mail{Kind: string(kind), To: u.Email, Subject: t.subject, ActionLabel: t.label, ActionLink: action,
		Body: fmt.Sprintf(t.body, name, action, sayDuration(l, life)), CreatedAt: now}
	// Stored as the reset link is: masked, the token sealed beside it.
	if err := e.sealLink(&m, tok, hash); err != nil {
		return 0, err
	}
	if err := tx.InsertMail(ctx, &m); err != nil {
		return 0, err
	}
	return m.ID, nil
}

// localSessionLifetime bounds a LocalSession: one CLI signing run.
const localSessionLifetime = 10 * time.Minute

// LocalSession starts a short session for an account without its password
// or OTP, for `besign sign --account` on the embedded authority only (it is
// not part of any role, so no network client offers it). Whoever can call
// it already holds the master key and the database, so a session check
// would protect nothing from them; the signing key stays sealed under the
// passphrase, which SignDigests still requires and counts.
func (e *Authority) LocalSession(ctx context.Context, email string) (authority.Session, error) {
	addr, err := authority.NormalizeEmail(email)
	if err != nil {
		return authority.Session{}, err
	}
	var s authority.Session
	err = e.update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByEmail(ctx, addr)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("account %s: %w", addr, authority.ErrNotFound)
		}
		if err != nil {
			return err
		}
		tok, hash, err := newToken()
		if err != nil {
			return err
		}
		now := e.now()
		if err := tx.InsertSession(ctx, store.Session{TokenHash: hash, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(localSessionLifetime)}); err != nil {
			return err
		}
		s = authority.Session{Token: tok, Account: e.account(u), ExpiresAt: now.Add(localSessionLifetime)}
		return nil
	})
	return s, err
}

// lockUser serialises one account's certificate work inside this process
// (key generation, passphrase checks). Other processes are held off by the
// database transaction that counts and re-checks; this only spares them
// work and keeps the in-process count exact.
func (e *Authority) lockUser(id int64) (unlock func()) {
	m, _ := e.userLocks.LoadOrStore(id, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}
