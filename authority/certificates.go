package authority

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"
	"unicode"
	"unicode/utf8"
)

// Certificates is the account holder's side of the certificate: the
// passphrase that unlocks their signing key, the certificate's status, and
// signing digests with it. The private key never leaves the authority;
// documents never reach it, only digests.
type Certificates interface {
	// Certificate tells the signed-in account's certificate status and,
	// when one was issued, the certificate and its chain.
	Certificate(ctx context.Context, token string) (CertificateInfo, error)
	// CreatePassphrase ("Buat Passphrase") generates the account's key,
	// seals it under the passphrase and issues the certificate. Token is a
	// session of an account whose activation is verified and that has no
	// valid certificate, or a passphrase link token (from the "[BSrE] Set
	// Passphrase" mail or "Lupa Passphrase"): a link revokes the current
	// certificate, if any, before issuing the new one.
	CreatePassphrase(ctx context.Context, req CreatePassphraseRequest) (CertificateInfo, error)
	// ChangePassphrase ("Ganti Passphrase") re-seals the key under a new
	// passphrase; the certificate stays.
	ChangePassphrase(ctx context.Context, req ChangePassphraseRequest) error
	// ForgotPassphrase ("Lupa Passphrase") mails a passphrase link to the
	// signed-in account; the certificate stays valid until the link is used.
	ForgotPassphrase(ctx context.Context, token string) error
	// SignDigests signs SHA-256 digests with the account's key, unlocked by
	// the passphrase once for all of them (RSA PKCS #1 v1.5). Wrong
	// passphrases in a row suspend the certificate.
	SignDigests(ctx context.Context, req SignDigestsRequest) (SignDigestsResponse, error)
}

// Trust is what anyone checking the authority's signatures needs, signed in
// or not: its root certificate and its revocation list.
type Trust interface {
	// RootCertificate returns the authority's root certificate (DER).
	RootCertificate(ctx context.Context) ([]byte, error)
	// CRL returns the authority's current certificate revocation list (DER).
	CRL(ctx context.Context) ([]byte, error)
}

// CertificateStatus follows the status values of BSrE.
type CertificateStatus string

const (
	// StatusNotRegistered: the activation was not submitted (or rejected).
	StatusNotRegistered CertificateStatus = "NOT_REGISTERED"
	// StatusWaiting: the activation waits for verification.
	StatusWaiting CertificateStatus = "WAITING_FOR_VERIFICATION"
	// StatusNoCertificate: verified; the passphrase is still to be created.
	StatusNoCertificate CertificateStatus = "NO_CERTIFICATE"
	// StatusIssue: a valid certificate, the only status that may sign.
	StatusIssue   CertificateStatus = "ISSUE"
	StatusExpired CertificateStatus = "EXPIRED"
	// StatusSuspend: too many wrong passphrases; until SuspendedUntil or
	// until IT lifts it (`besign admin users unlock`).
	StatusSuspend CertificateStatus = "SUSPEND"
	// StatusRevoke: revoked ("Lupa Passphrase" used); a new certificate
	// comes with the new passphrase.
	StatusRevoke CertificateStatus = "REVOKE"
)

// CertificateInfo is an account's certificate as the authority tells it.
type CertificateInfo struct {
	Status CertificateStatus `json:"status"`
	// The fields below are set once a certificate was issued.
	Serial         string    `json:"serial,omitempty"`  // hexadecimal
	Subject        string    `json:"subject,omitempty"` // the common name
	NotBefore      time.Time `json:"not_before,omitzero"`
	NotAfter       time.Time `json:"not_after,omitzero"`
	RevokedAt      time.Time `json:"revoked_at,omitzero"`
	SuspendedUntil time.Time `json:"suspended_until,omitzero"`
	// Failures is the number of wrong passphrases in a row.
	Failures int `json:"failures,omitempty"`
	// Chain is the certificate then its issuers, DER.
	Chain [][]byte `json:"chain,omitempty"`
}

type CreatePassphraseRequest struct {
	Token        string `json:"token"` // session or passphrase link token
	Passphrase   string `json:"passphrase"`
	Confirmation string `json:"confirmation"`
	// Consent to the issuance of the certificate (the agreement).
	Consent bool `json:"consent"`
}

type ChangePassphraseRequest struct {
	Token        string `json:"token"` // session
	Old          string `json:"old"`
	New          string `json:"new"`
	Confirmation string `json:"confirmation"`
}

type SignDigestsRequest struct {
	Token      string   `json:"token"` // session
	Passphrase string   `json:"passphrase"`
	Digests    [][]byte `json:"digests"` // SHA-256, 32 bytes each
	// RequestID, chosen by the client (NewRequestID), makes the call
	// idempotent: a repeat by the same account with the same digests gets
	// the first call's outcome and signs nothing new, so that a retry after
	// a lost answer cannot sign twice. Empty: no such guarantee.
	RequestID string `json:"request_id,omitempty"`
}

type SignDigestsResponse struct {
	Signatures [][]byte `json:"signatures"` // one per digest, in order
	Chain      [][]byte `json:"chain"`      // the certificate then its issuers, DER
}

// Errors of passphrases and certificates.
var (
	ErrPassphraseWeak = errors.New("passphrase must have at least 8 characters with a capital letter, a small letter, a digit and a symbol")
	// ErrPassphraseCommon: the passphrase meets the rules but is a common
	// password, or the regency's, the service's or the holder's own name,
	// email, NIP or NIK with little else (CommonPassphrase).
	ErrPassphraseCommon = errors.New("passphrase is too easy to guess: a common password, or a name or number of the account")
	// ErrPassphraseTooLong: more than MaxPassphraseLen bytes.
	ErrPassphraseTooLong  = errors.New("passphrase is too long")
	ErrPassphraseMismatch = errors.New("passphrase confirmation does not match")
	ErrPassphraseSame     = errors.New("the new passphrase must differ from the old one")
	ErrCertificateConsent = errors.New("consent to the certificate issuance is required")
	// ErrPassphraseWrong: a wrong passphrase; it counts towards suspension.
	ErrPassphraseWrong = errors.New("passphrase is wrong")
	// ErrCertificateSuspended: too many wrong passphrases; wait, or ask IT.
	ErrCertificateSuspended = errors.New("certificate is suspended after too many wrong passphrases")
	ErrCertificateRevoked   = errors.New("certificate is revoked; create a new passphrase through Lupa Passphrase")
	ErrCertificateExpired   = errors.New("certificate has expired")
	// ErrNoCertificate: no certificate yet; create the passphrase first.
	ErrNoCertificate = errors.New("account has no certificate yet; create a passphrase first")
	// ErrCertificateExists: the account has a valid certificate; use Ganti
	// or Lupa Passphrase.
	ErrCertificateExists = errors.New("account already has a certificate")
	// ErrActivationNotVerified: the certificate needs a verified activation.
	ErrActivationNotVerified = errors.New("account activation is not verified yet")
	ErrDigestInvalid         = errors.New("digests must be SHA-256 values, 32 bytes each")
	ErrTooManyDigests        = errors.New("too many digests in one request")
	// ErrRequestReused: a SignDigests RequestID the account already used
	// for other digests (or under a certificate it no longer has).
	ErrRequestReused = errors.New("signing request id was already used for other digests")
)

// NewRequestID returns a random SignDigestsRequest.RequestID: 128 bits in
// lowercase hexadecimal, so that two batches never share one by chance.
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// ValidRequestID tells whether id is a RequestID NewRequestID could have
// made (the empty one is valid: no idempotency asked).
func ValidRequestID(id string) bool {
	if id == "" {
		return true
	}
	if len(id) != 32 {
		return false
	}
	for _, r := range id {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

// Passphrase and signing limits.
const (
	MinPassphraseLen = 8
	MaxPassphraseLen = 128 // bytes
	MaxDigests       = 10000
)

// PassphraseRule is one rule a passphrase must meet.
type PassphraseRule string

const (
	RuleLength PassphraseRule = "length" // at least MinPassphraseLen characters
	RuleUpper  PassphraseRule = "upper"  // a capital letter
	RuleLower  PassphraseRule = "lower"  // a small letter
	RuleDigit  PassphraseRule = "digit"
	RuleSymbol PassphraseRule = "symbol" // anything not a letter, digit or space
)

// PassphraseRules are the rules in the order a checklist shows them.
var PassphraseRules = []PassphraseRule{RuleLength, RuleUpper, RuleLower, RuleDigit, RuleSymbol}

// CheckPassphrase returns the rules p fails, in PassphraseRules' order;
// none means p is strong enough. Screens show it as a live checklist.
func CheckPassphrase(p string) []PassphraseRule {
	var upper, lower, digit, symbol bool
	for _, r := range p {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsLetter(r), unicode.IsSpace(r), unicode.IsControl(r):
		default:
			symbol = true
		}
	}
	var failed []PassphraseRule
	for _, c := range []struct {
		ok   bool
		rule PassphraseRule
	}{{utf8.RuneCountInString(p) >= MinPassphraseLen, RuleLength}, {upper, RuleUpper}, {lower, RuleLower}, {digit, RuleDigit}, {symbol, RuleSymbol}} {
		if !c.ok {
			failed = append(failed, c.rule)
		}
	}
	return failed
}

// CheckNewPassphrase checks a new passphrase and its confirmation.
func CheckNewPassphrase(p, confirmation string) error {
	if len(p) > MaxPassphraseLen {
		return ErrPassphraseTooLong
	}
	if !utf8.ValidString(p) || len(CheckPassphrase(p)) > 0 {
		return ErrPassphraseWeak
	}
	if p != confirmation {
		return ErrPassphraseMismatch
	}
	return nil
}

// PassphrasePolicy suspends a certificate after wrong passphrases; zero
// fields take defaults.
type PassphrasePolicy struct {
	MaxFailures int           // wrong passphrases in a row that suspend (default 5)
	Suspension  time.Duration // the first suspension (default 15 min); each next one doubles
	MaxSuspend  time.Duration // cap of a suspension (default 24 h)
}

// suspension returns how long the n-th suspension (from 1) lasts.
func (p PassphrasePolicy) NthSuspension(n int) time.Duration {
	d := p.Suspension
	for i := 1; i < n && d < p.MaxSuspend; i++ {
		d *= 2
	}
	return min(d, p.MaxSuspend)
}

// CRLFileName is the CRL the authority keeps beside its database.
const CRLFileName = "besign-ca.crl"
