package bsre

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Sentinel errors. Every error of this package wraps one of them, so that
// callers word the message for the person in their own language; the
// error's text (English, with BSrE's own words where it sent some) is for
// logs and IT.
var (
	// ErrWrongPassphrase is BSrE's code 2031 ("Passphrase anda salah").
	// BSrE counts the failures and locks the account: we never retry.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrNotRegistered is code 2011: the signer has no BSrE account.
	ErrNotRegistered = errors.New("the signer is not registered at BSrE")
	// ErrNoCertificate is code 2021: registered, but no certificate yet.
	ErrNoCertificate = errors.New("the signer has no certificate at BSrE")
	// ErrCredentials is HTTP 401: the application's Basic credentials were
	// refused (a wrong credentials file, or a disabled application).
	ErrCredentials = errors.New("the Esign Client Service refused this application's credentials")
	// ErrForbidden is HTTP 403: the service refuses this server, usually
	// because its address is not on the application's allowed IP list.
	ErrForbidden = errors.New("the Esign Client Service refuses this server (its IP allowlist?)")
	// ErrRejected is any other refusal of the request (HTTP 400, 404,
	// 413...); the error carries BSrE's message and code.
	ErrRejected = errors.New("the Esign Client Service rejected the request")
	// ErrServer is HTTP 500 and the like: the service failed, often on a
	// PDF its iText library cannot read (the error carries that text).
	ErrServer = errors.New("the Esign Client Service failed")
	// ErrOutcomeUnknown: a signing request reached the service, but no
	// answer came back (a timeout, a dropped connection, a gateway
	// timeout). The document may or may not have been signed at BSrE; the
	// client never retries it, and neither should its caller without first
	// checking.
	ErrOutcomeUnknown = errors.New("the signing request was sent but no answer came back: the outcome is unknown")
	// ErrUnavailable: the service could not be reached, or timed out on a
	// request that signs nothing. Nothing was signed.
	ErrUnavailable = errors.New("the Esign Client Service cannot be reached")
	// ErrTLS: the service's HTTPS certificate is not trusted by the
	// configured roots (or its name does not match the URL).
	ErrTLS = errors.New("the Esign Client Service's HTTPS certificate is not trusted")
	// ErrBadResponse: an answer that is not what the guide describes (not
	// JSON, files missing, not base64...).
	ErrBadResponse = errors.New("the Esign Client Service's answer cannot be read")
	// ErrCredentialsFile: the Basic credentials file is missing, malformed,
	// or readable by other users.
	ErrCredentialsFile = errors.New("unusable BSrE credentials file")
	// ErrRequest: the request is wrong before anything is sent (no signer,
	// no passphrase or TOTP, a page out of range, too many files...).
	ErrRequest = errors.New("invalid BSrE request")
)

// BSrE's status codes named in the guide and seen from public clients.
const (
	CodeNotRegistered   = 2011
	CodeNoCertificate   = 2021
	CodeWrongPassphrase = 2031
)

// APIError is an error answer of the service: its HTTP status, BSrE's
// status_code (0 when it sent none) and its message. It matches (errors.Is)
// the sentinel its status and code map to.
type APIError struct {
	HTTPStatus int
	Code       int
	// Message is BSrE's own text ("Passphrase anda salah", an iText
	// exception...), cleaned of control characters and shortened.
	Message string
	kind    error
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("bsre: ")
	b.WriteString(e.kind.Error())
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	fmt.Fprintf(&b, " (HTTP %d", e.HTTPStatus)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", e.Code)
	}
	b.WriteString(")")
	return b.String()
}

func (e *APIError) Unwrap() error { return e.kind }

// kindOf maps an error answer to its sentinel. signing tells a signing
// call: there a gateway's timeout (502, 504) leaves the outcome unknown,
// since the service behind it may have signed.
func kindOf(status, code int, signing bool) error {
	switch code {
	case CodeWrongPassphrase:
		return ErrWrongPassphrase
	case CodeNotRegistered:
		return ErrNotRegistered
	case CodeNoCertificate:
		return ErrNoCertificate
	}
	switch {
	case status == 401:
		return ErrCredentials
	case status == 403:
		return ErrForbidden
	case signing && (status == 502 || status == 504):
		return ErrOutcomeUnknown
	case status == 502 || status == 503 || status == 504:
		return ErrUnavailable
	case status >= 500:
		return ErrServer
	}
	return ErrRejected
}

// maxMessage bounds the service's text kept in an error: an iText stack
// trace can be long, and it goes into logs and dialogs.
const maxMessage = 300

// cleanMessage keeps printable characters of the service's text, one line,
// at most maxMessage runes.
func cleanMessage(s string) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range strings.TrimSpace(s) {
		if n >= maxMessage {
			b.WriteString("…")
			break
		}
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		space = false
		b.WriteRune(r)
		n++
	}
	return b.String()
}
