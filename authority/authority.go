// Package authority is the contract of the certificate authority ("Balai"):
// the role interfaces, their request and response types, the sentinel
// errors, and the rules every implementation shares (names, logins, NIK and
// NIP, free text, passphrases, the directory file). It holds no storage and
// no secrets; authority/embedded implements it in-process on SQLite, and
// authoritytest is the conformance suite any implementation runs.
//
// Screens and the CLI talk to an authority only through its role
// interfaces, each for one kind of caller: Flows (sign-in, registration,
// reset, OTP enrolment), Devices (the OTP devices of a signed-in account),
// Outbox (the mail sent), Admin (IT's administration), and for activation
// Activations (the account holder's form), Verifications (a verifier's
// decisions) and ActivationAdmin (IT's side; see activation.go), then
// Certificates (passphrase, certificate, signing digests), Trust (the root
// and the CRL that verifiers need) and Queue (the documents prepared for
// signing). Authority is all of them. Requests and responses are plain
// structs that serialise as JSON, so that a network client can implement the
// same interfaces.
package authority

import (
	"context"
	"time"
)

// Authority is every role of the authority; embedded.Authority implements
// it, and so will a network client. Callers should take the narrowest role they use.
//
// Tokens (sessions, reset tickets) are opaque bearer strings. Every method
// returns one of the sentinel errors in errors.go, possibly wrapped, for
// anything the user can fix; other errors are internal.
type Authority interface {
	Flows
	Devices
	Outbox
	Admin
	Activations
	Verifications
	ActivationAdmin
	Certificates
	Trust
	Queue
}

// Flows are the steps a person takes without IT: registering, signing in
// and out, resetting the password and setting up OTP (during a reset or,
// for a further device, while signed in).
type Flows interface {
	// Register creates an account for oneself, when the configured email
	// domain matches and self-registration is on. The new account gets an
	// activation mail; its first password is set through RequestReset. An
	// address that already has an account gets the same answer (no error)
	// and its owner a MailRegisterAttempt mail instead, so that Register
	// does not tell which addresses have accounts. The Account returned
	// holds only the name, email, role and language asked for.
	Register(ctx context.Context, req RegisterRequest) (Account, error)

	// SignIn checks a username or email and a password. The response
	// carries an OTPChallenge to answer with SignInOTP. An account whose OTP
	// IT reset (Admin.ResetOTP) gets ErrOTPSetupRequired: it sets OTP up
	// again through the mailed reset link. Unknown user, wrong password and
	// a locked account all return ErrInvalidCredentials.
	SignIn(ctx context.Context, req SignInRequest) (SignInResponse, error)
	// SignInOTP answers the challenge from SignIn with a TOTP code.
	SignInOTP(ctx context.Context, req SignInOTPRequest) (Session, error)
	// Resume returns the session of a still valid token (for example one
	// kept in the OS keyring by "Ingat Akun ini").
	Resume(ctx context.Context, token string) (Session, error)
	// SignOut revokes the session token. Revoking an unknown or already
	// revoked token is not an error.
	SignOut(ctx context.Context, token string) error

	// RequestReset sends a reset link to the account named by username or
	// email. It answers the same whether or not the account exists.
	RequestReset(ctx context.Context, req ResetRequest) error
	// OpenReset consumes a reset link token (single use, limited lifetime)
	// and returns a ticket for the required actions, in this order:
	// OTP set-up when the account has no device yet, then the new password.
	OpenReset(ctx context.Context, linkToken string) (ResetTicket, error)
	// SetPassword finishes a reset: it needs the ticket from OpenReset, an
	// OTP device on the account, and a password meeting the policy. It
	// revokes every older session of the account.
	SetPassword(ctx context.Context, req SetPasswordRequest) error

	// BeginOTPEnrolment creates a new TOTP secret for the holder of token (a
	// session or a reset ticket). Nothing is stored on the account until
	// ConfirmOTPEnrolment succeeds.
	BeginOTPEnrolment(ctx context.Context, token string) (OTPEnrolment, error)
	// ConfirmOTPEnrolment adds the device once the code from the
	// authenticator app matches. The device name is required.
	ConfirmOTPEnrolment(ctx context.Context, req ConfirmOTPRequest) (OTPDevice, error)
}

// Devices manages the OTP devices of a signed-in account.
type Devices interface {
	// OTPDevices lists the devices of the signed-in account.
	OTPDevices(ctx context.Context, token string) ([]OTPDevice, error)
	// RemoveOTPDevice removes one device; the last one cannot be removed.
	RemoveOTPDevice(ctx context.Context, token string, deviceID int64) error
}

// Outbox reads the mail the authority has sent.
type Outbox interface {
	// Outbox lists the mail the authority has sent, newest first, to one
	// address or (To empty) to everyone. The embedded authority shows it in
	// the "Kotak Masuk" tab; a network transport must restrict it.
	Outbox(ctx context.Context, q OutboxQuery) ([]Mail, error)
}

// Admin is IT's administration of accounts (`besign admin users`); IT's side
// of activation is ActivationAdmin.
type Admin interface {
	// CreateUser creates an account with an activation mail, whatever the
	// self-registration setting.
	CreateUser(ctx context.Context, req CreateUserRequest) (Account, error)
	// ImportUsers creates every row in one transaction: either all rows are
	// created or none, and the result names each bad row.
	ImportUsers(ctx context.Context, rows []CreateUserRequest) (ImportResult, error)
	// ListUsers lists every account.
	ListUsers(ctx context.Context) ([]Account, error)
	// UnlockUser ends a lock from failed attempts, and the suspension of
	// the account's certificate after wrong passphrases.
	UnlockUser(ctx context.Context, email string) error
	// ResetOTP removes every OTP device of an account (a lost phone), ends
	// its sessions and pending sign-ins, and mails the person a reset link:
	// the next sign-in goes through OTP set-up again.
	ResetOTP(ctx context.Context, email string) error
	// Audit lists the audit log from since on (everything for a zero
	// time), oldest first.
	Audit(ctx context.Context, since time.Time) ([]AuditEntry, error)
}

// Role of an account.
type Role string

const (
	RoleSigner   Role = "signer"
	RoleVerifier Role = "verifier"
)

// Account is what the authority tells about a user.
type Account struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Username  string    `json:"username"`
	Email     string    `json:"email"`
	Role      Role      `json:"role"`
	HasOTP    bool      `json:"has_otp"`
	Locked    bool      `json:"locked"`                // temporarily locked by failed attempts
	LockedTil time.Time `json:"locked_until,omitzero"` // when Locked
	// HasPassword is false until the first password is set through a reset.
	HasPassword bool `json:"has_password"`
	// Language is the language of the account's mail.
	Language  Language  `json:"language"`
	CreatedAt time.Time `json:"created_at"`
}

// Language of an account's mail.
type Language string

const (
	LanguageID Language = "id" // Indonesian
	LanguageEN Language = "en" // English
)

// Languages are those the authority writes mail in.
var Languages = []Language{LanguageID, LanguageEN}

type RegisterRequest struct {
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Language Language `json:"language,omitempty"` // of the mail; default Options.Language
}

type CreateUserRequest struct {
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Role     Role     `json:"role,omitempty"`     // default RoleSigner
	Language Language `json:"language,omitempty"` // of the mail; default Options.Language
}

// ImportResult tells, per input row (0-based), what went wrong; Created is
// empty when any row failed.
type ImportResult struct {
	Created []Account  `json:"created"`
	Errors  []RowError `json:"errors,omitempty"`
}

type RowError struct {
	Row int    `json:"row"`
	Err string `json:"error"`
}

type SignInRequest struct {
	Login    string `json:"login"` // username or email
	Password string `json:"password"`
	// Remember asks for a long-lived session, to be kept in the OS keyring.
	Remember bool `json:"remember"`
}

// SignInResponse holds either a Session or, when the account has OTP, an
// OTPChallenge for SignInOTP.
type SignInResponse struct {
	Session      *Session `json:"session,omitempty"`
	OTPChallenge string   `json:"otp_challenge,omitempty"`
	Account      Account  `json:"account"` // name and username, to greet the user on the OTP step
}

type SignInOTPRequest struct {
	Challenge string `json:"challenge"`
	Code      string `json:"code"`
}

type Session struct {
	Token     string    `json:"token"`
	Account   Account   `json:"account"`
	ExpiresAt time.Time `json:"expires_at"`
}

type ResetRequest struct {
	Login string `json:"login"` // username or email
}

// ResetTicket authorises the required actions after a reset link.
type ResetTicket struct {
	Ticket    string    `json:"ticket"`
	Account   Account   `json:"account"`
	NeedsOTP  bool      `json:"needs_otp"` // set up OTP before the password
	ExpiresAt time.Time `json:"expires_at"`
}

type SetPasswordRequest struct {
	Ticket       string `json:"ticket"`
	Password     string `json:"password"`
	Confirmation string `json:"confirmation"`
}

// OTPEnrolment is what the OTP set-up screen shows: the key URI for the QR
// code and, for "Tidak bisa memindai?", the key and its parameters.
type OTPEnrolment struct {
	ID        string `json:"id"`
	URI       string `json:"uri"`    // otpauth://totp/ISSUER:ACCOUNT?secret=...
	Secret    string `json:"secret"` // Base32, no padding
	Issuer    string `json:"issuer"`
	Account   string `json:"account"`
	Type      string `json:"type"`      // "totp"
	Algorithm string `json:"algorithm"` // "SHA1"
	Digits    int    `json:"digits"`    // 6
	Period    int    `json:"period"`    // seconds, 30
}

type ConfirmOTPRequest struct {
	Token       string `json:"token"` // session or reset ticket
	EnrolmentID string `json:"enrolment_id"`
	Code        string `json:"code"`
	DeviceName  string `json:"device_name"`
}

type OTPDevice struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

type OutboxQuery struct {
	To string `json:"to,omitempty"`
}

// MailKind says which flow a mail's action opens.
type MailKind string

const (
	MailActivation     MailKind = "activation"
	MailReset          MailKind = "reset"
	MailOTPDeviceAdded MailKind = "otp_device_added"
)

// MailRegisterAttempt tells an account's owner that someone tried to
// register its address again; Daftar answers the person at the keyboard as
// for a new address, so that it does not tell which addresses have accounts.
const MailRegisterAttempt MailKind = "register_attempt"

// Mail kinds of activation.
const (
	MailActivationSubmitted MailKind = "activation_submitted"
	MailActivationApproved  MailKind = "activation_approved"
	MailActivationRejected  MailKind = "activation_rejected"
)

// MailPassphraseReset carries the link of "Lupa Passphrase".
const MailPassphraseReset MailKind = "passphrase_reset"

// Mail is one message of the outbox.
type Mail struct {
	ID          int64     `json:"id"`
	Kind        MailKind  `json:"kind"`
	To          string    `json:"to"`
	Subject     string    `json:"subject"`
	Body        string    `json:"body"` // plain text, the link included
	ActionLabel string    `json:"action_label,omitempty"`
	ActionLink  string    `json:"action_link,omitempty"` // besign://reset?token=...
	CreatedAt   time.Time `json:"created_at"`
	SentAt      time.Time `json:"sent_at,omitzero"`     // when delivered by SMTP
	SendError   string    `json:"send_error,omitempty"` // last SMTP failure
}

// MasterKeySize is the length of the master key that the OS keyring keeps
// for an authority on this computer (embedded.Options.MasterKey).
const MasterKeySize = 32
