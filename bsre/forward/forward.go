// Package forward is the organisation server's certified signing in BSrE
// mode: it implements authority.CertifiedSigner over a bsre.Client, naming
// the signed-in account by its email, and refuses (package bsre/accept)
// every returned document that is not exactly the one sent, signed once,
// where asked, by the account.
package forward

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/bsre"
	"github.com/natunakab/besign/bsre/accept"
	"github.com/natunakab/besign/pdfsign"
)

// MaxBytes bounds the documents of one SignDocuments call (before base64):
// the agency's service receives them in one JSON body, and a laptop's
// request to the organisation server carries them too.
const MaxBytes = 40 << 20

// Signer forwards certified signing to one agency's Esign Client Service.
type Signer struct {
	sessions authority.Flows
	client   *bsre.Client
	verify   pdfsign.VerifyOptions
	log      *slog.Logger
	audit    func(ctx context.Context, token, serial string, digests [][]byte) error
}

var _ authority.CertifiedSigner = (*Signer)(nil)

// Options configure a Signer.
type Options struct {
	// Sessions resolves a session token to its account.
	Sessions authority.Flows
	Client   *bsre.Client
	// Verify is how returned signatures are verified: Roots, when set,
	// are BSrE's roots, and every signature must then chain to them.
	Verify pdfsign.VerifyOptions
	// Log receives the causes of failures (never a passphrase, code or
	// document); nil discards them.
	Log *slog.Logger
	// Audit, when set, records each call that came back signed in the
	// organisation's audit log: the session's account, the serial of the
	// certificate BSrE signed with, and the SHA-256 of each document sent
	// (embedded.Authority.AuditCertified).
	Audit func(ctx context.Context, token, serial string, digests [][]byte) error
}

// New returns a Signer; it sends nothing.
func New(opts Options) (*Signer, error) {
	if opts.Sessions == nil || opts.Client == nil {
		return nil, errors.New("forward: a session authority and a BSrE client are required")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &Signer{sessions: opts.Sessions, client: opts.Client, verify: opts.Verify, log: opts.Log, audit: opts.Audit}, nil
}

func (s *Signer) account(ctx context.Context, token string) (authority.Account, error) {
	ses, err := s.sessions.Resume(ctx, token)
	if err != nil {
		return authority.Account{}, err
	}
	return ses.Account, nil
}

// CertifiedStatus asks the service for the account's status.
func (s *Signer) CertifiedStatus(ctx context.Context, token string) (authority.CertifiedStatus, error) {
	acc, err := s.account(ctx, token)
	if err != nil {
		return authority.CertifiedStatus{}, err
	}
	st, err := s.client.CheckStatus(ctx, bsre.Signer{Email: acc.Email})
	if err != nil {
		return authority.CertifiedStatus{}, s.wrap("status", err)
	}
	return authority.CertifiedStatus{Provider: authority.ProviderBSrE, Status: authority.CertificateStatus(st),
		Email: acc.Email, MaxDocuments: s.client.MaxFiles(), MaxBytes: MaxBytes}, nil
}

// RequestSigningCode has the service mail the account a TOTP.
func (s *Signer) RequestSigningCode(ctx context.Context, req authority.SigningCodeRequest) error {
	acc, err := s.account(ctx, req.Token)
	if err != nil {
		return err
	}
	if req.Documents < 1 {
		req.Documents = 1
	}
	if req.Documents > s.client.MaxFiles() {
		// a code for a whole queue: each call uses it for its part
		req.Documents = s.client.MaxFiles()
	}
	return s.wrap("get/totp", s.client.RequestTOTP(ctx, bsre.Signer{Email: acc.Email}, req.Documents))
}

// SignDocuments makes one call to the service and checks what comes back.
func (s *Signer) SignDocuments(ctx context.Context, req authority.SignDocumentsRequest) (authority.SignDocumentsResponse, error) {
	var none authority.SignDocumentsResponse
	acc, err := s.account(ctx, req.Token)
	if err != nil {
		return none, err
	}
	if (req.Passphrase == "") == (req.Code == "") {
		return none, fmt.Errorf("%w: give either the passphrase or the code", authority.ErrCertifiedRequest)
	}
	n := len(req.Documents)
	if n == 0 || n > s.client.MaxFiles() {
		return none, fmt.Errorf("%w: %d documents in one call (1 to %d)", authority.ErrCertifiedRequest, n, s.client.MaxFiles())
	}
	var size int64
	docs := make([]bsre.Document, n)
	for i, d := range req.Documents {
		size += int64(len(d.PDF))
		docs[i] = bsre.Document{PDF: d.PDF, Invisible: d.Invisible, Page: d.Page, Box: d.Box, Image: d.Image,
			Reason: d.Reason, Location: d.Location}
	}
	if size > MaxBytes {
		return none, fmt.Errorf("%w: %d bytes in one call (at most %d)", authority.ErrCertifiedRequest, size, MaxBytes)
	}
	out, err := s.client.Sign(ctx, bsre.Signer{Email: acc.Email}, bsre.Credential{Passphrase: req.Passphrase, TOTP: req.Code}, docs)
	if err != nil {
		return none, s.wrap("sign/pdf", err)
	}
	resp := authority.SignDocumentsResponse{Documents: make([]authority.CertifiedResult, n)}
	var serial string
	var digests [][]byte
	for i, d := range req.Documents {
		info, err := accept.Check(d.PDF, out[i], Want(d, acc.Email, s.verify))
		if err != nil {
			s.log.Warn("a document signed by BSrE was refused", "account", acc.Email, "document", i+1, "error", err.Error())
			resp.Documents[i].Refused = err.Error()
			continue
		}
		resp.Documents[i].PDF = out[i]
		sum := sha256.Sum256(d.PDF)
		digests = append(digests, sum[:])
		if len(info.Chain) > 0 && serial == "" {
			serial = fmt.Sprintf("%X", info.Chain[0].SerialNumber)
		}
	}
	if s.audit != nil && len(digests) > 0 {
		// BSrE has signed: withholding the documents would not undo it
		// and would invite a second signing, so a failed row is IT's
		// alarm, not the person's
		if err := s.audit(ctx, req.Token, serial, digests); err != nil {
			s.log.Error("a signing through BSrE is not in the audit log", "account", acc.Email, "documents", len(digests), "error", err.Error())
		}
	}
	// what was signed for whom, for IT: never a passphrase, code or hash
	s.log.Info("signed through BSrE", "account", acc.Email, "documents", n, "refused", refused(resp))
	return resp, nil
}

// Want is what accept checks of a document signed for email: the app
// checks the same again before it writes.
func Want(d authority.CertifiedDocument, email string, verify pdfsign.VerifyOptions) accept.Want {
	return accept.Want{Invisible: d.Invisible, Page: d.Page, Box: d.Box, Email: email, Timestamp: true, Verify: verify}
}

// wrap maps the client's sentinels to the contract's, keeping the cause
// for the server's log; the causes that are IT's are logged here.
func (s *Signer) wrap(call string, err error) error {
	if err == nil {
		return nil
	}
	var kind error
	switch {
	case errors.Is(err, bsre.ErrWrongPassphrase):
		kind = authority.ErrCertifiedPassphrase
	case errors.Is(err, bsre.ErrNotRegistered):
		kind = authority.ErrCertifiedNotRegistered
	case errors.Is(err, bsre.ErrNoCertificate):
		kind = authority.ErrCertifiedNoCertificate
	case errors.Is(err, bsre.ErrOutcomeUnknown):
		kind = authority.ErrCertifiedOutcomeUnknown
	case errors.Is(err, bsre.ErrCredentials), errors.Is(err, bsre.ErrForbidden), errors.Is(err, bsre.ErrTLS),
		errors.Is(err, bsre.ErrCredentialsFile):
		kind = authority.ErrCertifiedConfig
	case errors.Is(err, bsre.ErrUnavailable):
		kind = authority.ErrCertifiedUnavailable
	case errors.Is(err, bsre.ErrRequest):
		kind = authority.ErrCertifiedRequest
	case errors.Is(err, bsre.ErrRejected) && inactive(err):
		kind = authority.ErrCertifiedInactive
	default: // ErrServer, ErrRejected, ErrBadResponse
		kind = authority.ErrCertifiedFailed
	}
	s.log.Warn("BSrE call failed", "call", call, "error", err.Error())
	return fmt.Errorf("%w: %w", kind, err)
}

// inactive tells a refusal that names a certificate status that may not
// sign (the guide gives no code for SUSPEND or REVOKE, only its words).
func inactive(err error) bool {
	var ae *bsre.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, st := range []bsre.Status{bsre.StatusSuspend, bsre.StatusRevoke, bsre.StatusExpired, bsre.StatusRenew} {
		if strings.Contains(strings.ToUpper(ae.Message), string(st)) {
			return true
		}
	}
	return false
}

func refused(r authority.SignDocumentsResponse) int {
	n := 0
	for _, d := range r.Documents {
		if d.Refused != "" {
			n++
		}
	}
	return n
}
