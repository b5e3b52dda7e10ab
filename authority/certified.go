package authority

import (
	"context"
	"errors"
)

// CertifiedSigner is signing through a certification authority's own
// service instead of the organisation's CA: an organisation server with
// `signer = "bsre"` forwards whole documents to the agency's BSrE Esign
// Client Service, which has BSrE's cloud sign them for the account. Unlike
// Certificates.SignDigests, the document itself leaves the laptop (to the
// organisation server, then to the agency's service); the service's
// credentials stay on the server. An authority that does not sign this way
// answers ErrCertifiedOff (over HTTPS, an older server: not served).
type CertifiedSigner interface {
	// CertifiedStatus is the signed-in account's certificate status at the
	// certification authority, and the limits of one SignDocuments call.
	CertifiedStatus(ctx context.Context, token string) (CertifiedStatus, error)
	// RequestSigningCode has the service mail the account a one-time code
	// ("Kirim kode OTP ke email") valid for Documents documents.
	RequestSigningCode(ctx context.Context, req SigningCodeRequest) error
	// SignDocuments signs at most CertifiedStatus.MaxDocuments documents in
	// one call to the service, unlocked by the passphrase or the mailed
	// code. Every returned document was checked (prefix, one signature at
	// the place asked, the account's certificate, our verifier) and a
	// refused one comes back without its PDF. The call is never retried: a
	// lost answer is ErrCertifiedOutcomeUnknown. The passphrase and the code
	// are sent once and never kept or logged.
	SignDocuments(ctx context.Context, req SignDocumentsRequest) (SignDocumentsResponse, error)
}

// Certification authorities a CertifiedSigner may forward to.
const ProviderBSrE = "bsre"

// CertifiedStatus is the account's status at the certification authority.
type CertifiedStatus struct {
	// Provider names the certification authority (ProviderBSrE).
	Provider string `json:"provider"`
	// Status is the service's own value (ISSUE, NOT_REGISTERED,
	// WAITING_FOR_VERIFICATION, SUSPEND, REVOKE...); only ISSUE may sign.
	Status CertificateStatus `json:"status"`
	// Email names the account at the service.
	Email string `json:"email"`
	// MaxDocuments and MaxBytes bound one SignDocuments call.
	MaxDocuments int   `json:"max_documents"`
	MaxBytes     int64 `json:"max_bytes"`
}

// SigningCodeRequest asks for a mailed one-time signing code.
type SigningCodeRequest struct {
	Token     string `json:"token"`
	Documents int    `json:"documents"`
}

// CertifiedDocument is one PDF to sign and where, as the queue holds it.
type CertifiedDocument struct {
	PDF       []byte `json:"pdf"`
	Invisible bool   `json:"invisible,omitempty"`
	// Page (1-based) and Box (PDF points on the page as displayed, origin
	// bottom-left) place a visible signature.
	Page int `json:"page,omitempty"`
	Box  Box `json:"box"`
	// Image is the specimen drawn in the box (PNG); optional.
	Image    []byte `json:"image,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Location string `json:"location,omitempty"`
}

// SignDocumentsRequest carries the documents and what unlocks the key:
// exactly one of Passphrase and Code.
type SignDocumentsRequest struct {
	Token      string              `json:"token"`
	Passphrase string              `json:"passphrase,omitempty"`
	Code       string              `json:"code,omitempty"`
	Documents  []CertifiedDocument `json:"documents"`
}

// SignDocumentsResponse has one result per document, in order.
type SignDocumentsResponse struct {
	Documents []CertifiedResult `json:"documents"`
}

// CertifiedResult is a signed document, or why the returned one was
// refused (Refused set, PDF empty: nothing may be written).
type CertifiedResult struct {
	PDF     []byte `json:"pdf,omitempty"`
	Refused string `json:"refused,omitempty"`
}

// Errors of certified signing. The service's own refusals map to these so
// that the app words them at the document concerned.
var (
	// ErrCertifiedOff: the authority signs with its own CA, not through a
	// certification authority's service.
	ErrCertifiedOff = errors.New("this authority does not sign through a certification authority's service")
	// ErrCertifiedPassphrase: BSrE's code 2031, "Passphrase anda salah".
	// BSrE counts the failures; nothing is retried.
	ErrCertifiedPassphrase = errors.New("the certification authority says the passphrase is wrong")
	// ErrCertifiedNotRegistered: code 2011, the account is not registered.
	ErrCertifiedNotRegistered = errors.New("the account is not registered at the certification authority")
	// ErrCertifiedNoCertificate: code 2021, registered but no certificate.
	ErrCertifiedNoCertificate = errors.New("the account has no certificate at the certification authority")
	// ErrCertifiedInactive: a status other than ISSUE (SUSPEND, REVOKE,
	// EXPIRED...); the service refused to sign.
	ErrCertifiedInactive = errors.New("the account's certificate at the certification authority is not active")
	// ErrCertifiedConfig: the service refused the organisation server
	// itself (its credentials, its address) or its HTTPS certificate is
	// not trusted: for IT to fix.
	ErrCertifiedConfig = errors.New("the certification authority's service refuses the organisation server")
	// ErrCertifiedUnavailable: the service could not be reached; nothing
	// was signed.
	ErrCertifiedUnavailable = errors.New("the certification authority's service cannot be reached")
	// ErrCertifiedFailed: the service failed (an HTTP 500, often a PDF it
	// cannot read) or refused the request; nothing was signed.
	ErrCertifiedFailed = errors.New("the certification authority's service failed to sign")
	// ErrCertifiedOutcomeUnknown: the request reached the service but no
	// answer came back. The documents may have been signed; check with
	// verify before signing again.
	ErrCertifiedOutcomeUnknown = errors.New("the signing request was sent but no answer came back: the outcome is unknown")
	// ErrCertifiedRefused: a document came back but failed our checks; it
	// was not kept.
	ErrCertifiedRefused = errors.New("the signed document from the certification authority was refused")
	// ErrCertifiedRequest: the request is malformed (no credential, too
	// many documents, a box off its page).
	ErrCertifiedRequest = errors.New("the certified signing request is not valid")
)

// Statuses BSrE reports beside those of CertificateStatus' own list.
const (
	// StatusNew: registered at BSrE, the certificate not requested yet.
	StatusNew CertificateStatus = "NEW"
	// StatusRenew: the certificate is to be renewed.
	StatusRenew CertificateStatus = "RENEW"
)
