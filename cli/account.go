package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/natunakab/besign/authority"
)

// Signing with a BeSign account (`besign sign --account`). The authority
// signs digests only; the files are hashed and assembled here, on the same
// pdfsign path as --p12.
//
// Session: the CLI opens the embedded authority in the data dir as the OS
// account that owns it, with the master key from that account's keyring.
// Whoever can do that can already read and change every row of the
// database, so asking them for the password and OTP would protect nothing;
// the signing key itself stays sealed under the passphrase, which the
// authority checks (and counts) as for the app. The CLI therefore takes a
// short local session (embedded.Authority.LocalSession) and the passphrase.

// ErrAccountNeedsEmbedded: sign --account with `authority = "https://..."`.
// The local session it takes exists only for the embedded authority, whose
// database the OS account owns; a server asks for the password and OTP,
// which the app does.
var ErrAccountNeedsEmbedded = errors.New("works with the embedded authority only; with an organisation server, sign in the app, or use --p12")

// accountSigner is what sign --account uses of the authority.
type accountSigner interface {
	authority.Certificates
	LocalSession(ctx context.Context, email string) (authority.Session, error)
}

// accountChain returns the session and chain of an account whose
// certificate may sign, or an error saying what to do.
func accountChain(ctx context.Context, a accountSigner, email string) (authority.Session, []*x509.Certificate, error) {
	s, err := a.LocalSession(ctx, email)
	if errors.Is(err, authority.ErrNotFound) || errors.Is(err, authority.ErrEmailInvalid) {
		return authority.Session{}, nil, fmt.Errorf("sign: no account %s", email)
	}
	if err != nil {
		return authority.Session{}, nil, fmt.Errorf("sign: %w", err)
	}
	info, err := a.Certificate(ctx, s.Token)
	if err != nil {
		return authority.Session{}, nil, fmt.Errorf("sign: %w", err)
	}
	switch info.Status {
	case authority.StatusIssue:
	case authority.StatusSuspend:
		return authority.Session{}, nil, fmt.Errorf("sign: the certificate of %s is suspended after wrong passphrases until %s; IT can lift it with besign admin users unlock %s",
			email, info.SuspendedUntil.Local().Format("2006-01-02 15:04"), email)
	case authority.StatusRevoke:
		return authority.Session{}, nil, fmt.Errorf("sign: the certificate of %s is revoked; create a new passphrase in the app (Lupa Passphrase)", email)
	case authority.StatusExpired:
		return authority.Session{}, nil, fmt.Errorf("sign: the certificate of %s has expired", email)
	case authority.StatusNoCertificate:
		return authority.Session{}, nil, fmt.Errorf("sign: %s has no certificate yet; create the passphrase in the app first", email)
	default:
		return authority.Session{}, nil, fmt.Errorf("sign: %s has no certificate: its activation is not verified (%s)", email, info.Status)
	}
	chain := make([]*x509.Certificate, len(info.Chain))
	for i, der := range info.Chain {
		if chain[i], err = x509.ParseCertificate(der); err != nil {
			return authority.Session{}, nil, fmt.Errorf("sign: certificate of %s: %w", email, err)
		}
	}
	return s, chain, nil
}

// passphraseError says an authority error of signing in the CLI's words.
func passphraseError(err error) error {
	switch {
	case errors.Is(err, authority.ErrCertificateSuspended) && errors.Is(err, authority.ErrPassphraseWrong):
		return errors.New("wrong passphrase; the certificate is now suspended after too many wrong ones (IT: besign admin users unlock)")
	case errors.Is(err, authority.ErrPassphraseWrong):
		return errors.New("wrong passphrase")
	}
	return err
}
