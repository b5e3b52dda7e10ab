package httpapi

import (
	"errors"
	"net/http"

	"github.com/natunakab/besign/authority"
)

// Errors of the transport itself, beside the contract's sentinels; the
// client restores them as it restores those.
var (
	// ErrAdminRequired: an administration route without the admin key (or
	// on a server that has none configured).
	ErrAdminRequired = errors.New("this needs the authority server's admin key")
	// ErrOutboxForeign: a session asked for mail to another address.
	ErrOutboxForeign = errors.New("a session may read only its own mail")
	// ErrRequestTooLarge: the request body is over the route's MaxBody.
	ErrRequestTooLarge = errors.New("the request is too large")
	// ErrBadRequest: not a POST of one JSON value of the route's type.
	ErrBadRequest = errors.New("the request is not understood by the authority server")
	// ErrNotServed: no such route (for example an older server).
	ErrNotServed = errors.New("the authority server does not offer this")
	// ErrInternal: the server failed on its side; it logged the cause and
	// tells the client nothing more.
	ErrInternal = errors.New("the authority server failed; try again later")
)

// Code is one row of the error table: a sentinel, its stable code and the
// HTTP status it answers with.
type Code struct {
	Code   string
	Status int
	Err    error
}

// Codes maps every sentinel error of the contract, then the transport's
// own, to a code that never changes once published, and a status. An error
// that matches several sentinels (a wrong passphrase that also suspends,
// a wrong OTP code at sign-in) answers with the status of the first in
// this order and carries the codes of all. The Go names may change; the
// codes may not.
var Codes = []Code{
	// errors.go: sign-in and accounts
	{"invalid_credentials", http.StatusUnauthorized, authority.ErrInvalidCredentials},
	{"session_expired", http.StatusUnauthorized, authority.ErrSessionExpired},
	{"name_required", http.StatusUnprocessableEntity, authority.ErrNameRequired},
	{"name_too_long", http.StatusUnprocessableEntity, authority.ErrNameTooLong},
	{"name_invalid", http.StatusUnprocessableEntity, authority.ErrNameInvalid},
	{"email_invalid", http.StatusUnprocessableEntity, authority.ErrEmailInvalid},
	{"email_taken", http.StatusConflict, authority.ErrEmailTaken},
	{"email_domain", http.StatusUnprocessableEntity, authority.ErrEmailDomain},
	{"registration_off", http.StatusForbidden, authority.ErrRegistrationOff},
	{"login_required", http.StatusUnprocessableEntity, authority.ErrLoginRequired},
	{"login_too_long", http.StatusUnprocessableEntity, authority.ErrLoginTooLong},
	{"password_required", http.StatusUnprocessableEntity, authority.ErrPasswordRequired},
	{"password_too_short", http.StatusUnprocessableEntity, authority.ErrPasswordTooShort},
	{"password_too_long", http.StatusUnprocessableEntity, authority.ErrPasswordTooLong},
	{"password_mismatch", http.StatusUnprocessableEntity, authority.ErrPasswordMismatch},
	{"token_invalid", http.StatusBadRequest, authority.ErrTokenInvalid},
	{"token_expired", http.StatusGone, authority.ErrTokenExpired},
	{"token_used", http.StatusGone, authority.ErrTokenUsed},
	{"otp_required", http.StatusUnprocessableEntity, authority.ErrOTPRequired},
	{"otp_format", http.StatusUnprocessableEntity, authority.ErrOTPFormat},
	{"otp_invalid", http.StatusUnprocessableEntity, authority.ErrOTPInvalid},
	{"otp_reused", http.StatusConflict, authority.ErrOTPReused},
	{"otp_setup_required", http.StatusConflict, authority.ErrOTPSetupRequired},
	{"device_name_missing", http.StatusUnprocessableEntity, authority.ErrDeviceNameMissing},
	{"device_name_too_long", http.StatusUnprocessableEntity, authority.ErrDeviceNameTooLong},
	{"device_name_invalid", http.StatusUnprocessableEntity, authority.ErrDeviceNameInvalid},
	{"last_otp_device", http.StatusConflict, authority.ErrLastOTPDevice},
	{"enrolment_unknown", http.StatusGone, authority.ErrEnrolmentUnknown},
	{"sign_in_required", http.StatusForbidden, authority.ErrSignInRequired},
	{"role_invalid", http.StatusUnprocessableEntity, authority.ErrRoleInvalid},
	{"language_invalid", http.StatusUnprocessableEntity, authority.ErrLanguageInvalid},
	{"import_rejected", http.StatusUnprocessableEntity, authority.ErrImportRejected},
	{"not_found", http.StatusNotFound, authority.ErrNotFound},
	{"closed", http.StatusServiceUnavailable, authority.ErrClosed},

	// activation.go
	{"activation_invalid", http.StatusUnprocessableEntity, authority.ErrActivationInvalid},
	{"activation_locked", http.StatusConflict, authority.ErrActivationLocked},
	{"activation_not_waiting", http.StatusConflict, authority.ErrActivationNotWaiting},
	{"verifier_required", http.StatusForbidden, authority.ErrVerifierRequired},
	{"own_activation", http.StatusForbidden, authority.ErrOwnActivation},
	{"reason_required", http.StatusUnprocessableEntity, authority.ErrReasonRequired},
	{"reason_too_long", http.StatusUnprocessableEntity, authority.ErrReasonTooLong},
	{"employee_not_found", http.StatusNotFound, authority.ErrEmployeeNotFound},
	{"employment_invalid", http.StatusUnprocessableEntity, authority.ErrEmploymentInvalid},
	{"nip_required", http.StatusUnprocessableEntity, authority.ErrNIPRequired},
	{"unit_required", http.StatusUnprocessableEntity, authority.ErrUnitRequired},
	{"jabatan_required", http.StatusUnprocessableEntity, authority.ErrJabatanRequired},
	{"province_required", http.StatusUnprocessableEntity, authority.ErrProvinceRequired},
	{"province_invalid", http.StatusUnprocessableEntity, authority.ErrProvinceInvalid},
	{"text_too_long", http.StatusUnprocessableEntity, authority.ErrTextTooLong},
	{"text_invalid", http.StatusUnprocessableEntity, authority.ErrTextInvalid},
	{"photo_required", http.StatusUnprocessableEntity, authority.ErrPhotoRequired},
	{"photo_invalid", http.StatusUnprocessableEntity, authority.ErrPhotoInvalid},
	{"photo_too_large", http.StatusUnprocessableEntity, authority.ErrPhotoTooLarge},
	{"photo_too_small", http.StatusUnprocessableEntity, authority.ErrPhotoTooSmall},
	{"consent_required", http.StatusUnprocessableEntity, authority.ErrConsentRequired},
	{"directory_rejected", http.StatusUnprocessableEntity, authority.ErrDirectoryRejected},

	// identity.go
	{"nik_format", http.StatusUnprocessableEntity, authority.ErrNIKFormat},
	{"nik_province", http.StatusUnprocessableEntity, authority.ErrNIKProvince},
	{"nik_birth_date", http.StatusUnprocessableEntity, authority.ErrNIKBirthDate},
	{"nik_serial", http.StatusUnprocessableEntity, authority.ErrNIKSerial},
	{"nik_taken", http.StatusConflict, authority.ErrNIKTaken},
	{"nip_format", http.StatusUnprocessableEntity, authority.ErrNIPFormat},
	{"nip_birth_date", http.StatusUnprocessableEntity, authority.ErrNIPBirthDate},
	{"nip_tmt", http.StatusUnprocessableEntity, authority.ErrNIPTMT},
	{"nip_sex", http.StatusUnprocessableEntity, authority.ErrNIPSex},
	{"phone_required", http.StatusUnprocessableEntity, authority.ErrPhoneRequired},
	{"phone_invalid", http.StatusUnprocessableEntity, authority.ErrPhoneInvalid},
	{"gelar_required", http.StatusUnprocessableEntity, authority.ErrGelarRequired},
	{"gelar_too_long", http.StatusUnprocessableEntity, authority.ErrGelarTooLong},
	{"gelar_invalid", http.StatusUnprocessableEntity, authority.ErrGelarInvalid},

	// certificates.go
	{"passphrase_wrong", http.StatusForbidden, authority.ErrPassphraseWrong},
	{"certificate_suspended", http.StatusForbidden, authority.ErrCertificateSuspended},
	{"certificate_revoked", http.StatusForbidden, authority.ErrCertificateRevoked},
	{"certificate_expired", http.StatusForbidden, authority.ErrCertificateExpired},
	{"no_certificate", http.StatusConflict, authority.ErrNoCertificate},
	{"certificate_exists", http.StatusConflict, authority.ErrCertificateExists},
	{"activation_not_verified", http.StatusConflict, authority.ErrActivationNotVerified},
	{"passphrase_weak", http.StatusUnprocessableEntity, authority.ErrPassphraseWeak},
	{"passphrase_common", http.StatusUnprocessableEntity, authority.ErrPassphraseCommon},
	{"passphrase_too_long", http.StatusUnprocessableEntity, authority.ErrPassphraseTooLong},
	{"passphrase_mismatch", http.StatusUnprocessableEntity, authority.ErrPassphraseMismatch},
	{"passphrase_same", http.StatusUnprocessableEntity, authority.ErrPassphraseSame},
	{"certificate_consent", http.StatusUnprocessableEntity, authority.ErrCertificateConsent},
	{"digest_invalid", http.StatusUnprocessableEntity, authority.ErrDigestInvalid},
	{"too_many_digests", http.StatusUnprocessableEntity, authority.ErrTooManyDigests},
	{"request_reused", http.StatusConflict, authority.ErrRequestReused},

	// queue.go
	{"queue_not_found", http.StatusNotFound, authority.ErrQueueNotFound},
	{"queue_duplicate", http.StatusConflict, authority.ErrQueueDuplicate},
	{"queue_full", http.StatusConflict, authority.ErrQueueFull},
	{"queue_path", http.StatusUnprocessableEntity, authority.ErrQueuePath},
	{"queue_settings", http.StatusUnprocessableEntity, authority.ErrQueueSettings},

	// directory.go (made by ImportDirectoryCSV on the caller's side, listed
	// so that every sentinel of the contract has its code)
	{"directory_file", http.StatusUnprocessableEntity, authority.ErrDirectoryFile},

	// operations.go: a server's rate limits (with Retry-After)
	{"rate_limited", http.StatusTooManyRequests, authority.ErrRateLimited},

	// certified.go: signing through BSrE (routes_certified.go)
	{"certified_off", http.StatusNotFound, authority.ErrCertifiedOff},
	{"certified_passphrase", http.StatusForbidden, authority.ErrCertifiedPassphrase},
	{"certified_not_registered", http.StatusConflict, authority.ErrCertifiedNotRegistered},
	{"certified_no_certificate", http.StatusConflict, authority.ErrCertifiedNoCertificate},
	{"certified_inactive", http.StatusForbidden, authority.ErrCertifiedInactive},
	{"certified_config", http.StatusBadGateway, authority.ErrCertifiedConfig},
	{"certified_unavailable", http.StatusBadGateway, authority.ErrCertifiedUnavailable},
	{"certified_failed", http.StatusBadGateway, authority.ErrCertifiedFailed},
	{"certified_outcome_unknown", http.StatusGatewayTimeout, authority.ErrCertifiedOutcomeUnknown},
	{"certified_refused", http.StatusBadGateway, authority.ErrCertifiedRefused},
	{"certified_request", http.StatusUnprocessableEntity, authority.ErrCertifiedRequest},

	// the transport's own
	{"admin_required", http.StatusForbidden, ErrAdminRequired},
	{"outbox_foreign", http.StatusForbidden, ErrOutboxForeign},
	{"request_too_large", http.StatusRequestEntityTooLarge, ErrRequestTooLarge},
	{"bad_request", http.StatusBadRequest, ErrBadRequest},
	{"not_served", http.StatusNotFound, ErrNotServed},
	{"internal", http.StatusInternalServerError, ErrInternal},
}

// byCode indexes Codes.
var byCode = func() map[string]Code {
	m := make(map[string]Code, len(Codes))
	for _, c := range Codes {
		m[c.Code] = c
	}
	return m
}()

// ErrorBody is what an answer other than 200 carries under "error".
type ErrorBody struct {
	// Code is the first matching code of Codes; Codes lists every one the
	// error matched, Code first.
	Code  string   `json:"code"`
	Codes []string `json:"codes,omitempty"`
	// Message is the error's text, for logs and people; clients decide by
	// the codes. It never holds what the server did not mean to tell: an
	// error outside the table says only ErrInternal's text.
	Message string `json:"message"`
	// Fields are the bad fields of a *authority.ValidationError.
	Fields []FieldBody `json:"fields,omitempty"`
}

// FieldBody is one bad field of a form.
type FieldBody struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Envelope is the body of an answer other than 200. Result, when set, is
// what the method returned beside the error (ImportUsers names the bad
// rows there).
type Envelope struct {
	Error  ErrorBody `json:"error"`
	Result any       `json:"result,omitempty"`
}

// Describe turns an error into its status and body. known is false for an
// error outside the table, which the caller logs; its body then says only
// ErrInternal's text.
func Describe(err error) (status int, body ErrorBody, known bool) {
	for _, c := range Codes {
		if errors.Is(err, c.Err) {
			if !known {
				status, body.Code, known = c.Status, c.Code, true
			}
			body.Codes = append(body.Codes, c.Code)
		}
	}
	if !known {
		return http.StatusInternalServerError, ErrorBody{Code: "internal", Codes: []string{"internal"}, Message: ErrInternal.Error()}, false
	}
	body.Message = err.Error()
	var ve *authority.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fb := FieldBody{Field: f.Field, Code: "internal", Message: ErrInternal.Error()}
			for _, c := range Codes {
				if errors.Is(f.Err, c.Err) {
					fb.Code, fb.Message = c.Code, f.Err.Error()
					break
				}
			}
			body.Fields = append(body.Fields, fb)
		}
	}
	return status, body, true
}

// Error is an error the server answered, restored on the client: its
// message, and the sentinels of its codes for errors.Is.
type Error struct {
	Status  int
	Code    string
	Message string
	errs    []error
}

func (e *Error) Error() string   { return e.Message }
func (e *Error) Unwrap() []error { return e.errs }

// Restore turns a status and error body back into an error that matches
// the same sentinels as the server's (errors.Is), or into an
// *authority.ValidationError with its fields (errors.As) when it was one.
// Codes this client does not know (a newer server) keep their message.
func Restore(status int, body ErrorBody) error {
	if len(body.Fields) > 0 && body.Code == "activation_invalid" {
		ve := &authority.ValidationError{}
		for _, f := range body.Fields {
			ve.Fields = append(ve.Fields, authority.FieldError{Field: f.Field, Err: restoreOne(f.Code, f.Message)})
		}
		return ve
	}
	e := &Error{Status: status, Code: body.Code, Message: body.Message}
	codes := body.Codes
	if len(codes) == 0 {
		codes = []string{body.Code}
	}
	for _, code := range codes {
		if c, ok := byCode[code]; ok {
			e.errs = append(e.errs, c.Err)
		}
	}
	if e.Message == "" {
		if len(e.errs) > 0 {
			e.Message = e.errs[0].Error()
		} else {
			e.Message = ErrInternal.Error()
		}
	}
	return e
}

// restoreOne is a field's error: the sentinel itself when the message is
// its own text, so that screens comparing by value still work, else an
// Error wrapping it.
func restoreOne(code, message string) error {
	c, ok := byCode[code]
	if ok && (message == "" || message == c.Err.Error()) {
		return c.Err
	}
	return Restore(0, ErrorBody{Code: code, Message: message})
}
