package authority

import "errors"

// Errors the user can act on. Screens map each to a message at the field it
// concerns; a network transport maps them to stable codes. Wrap them with
// fmt.Errorf("...: %w", err) to add detail, never secrets.
var (
	// ErrInvalidCredentials covers unknown user, wrong password, wrong OTP
	// at sign-in and a locked account alike, so that none is revealed.
	ErrInvalidCredentials = errors.New("invalid username, email or password")

	ErrNameRequired     = errors.New("name is required")
	ErrNameTooLong      = errors.New("name is too long")
	ErrEmailInvalid     = errors.New("email address is not valid")
	ErrEmailTaken       = errors.New("email address is already registered")
	ErrEmailDomain      = errors.New("email address is not in the organisation's domain")
	ErrRegistrationOff  = errors.New("self-registration is switched off")
	ErrLoginRequired    = errors.New("username or email is required")
	ErrPasswordRequired = errors.New("password is required")
	ErrPasswordTooShort = errors.New("password must have at least 8 characters")
	ErrPasswordTooLong  = errors.New("password is too long")
	ErrPasswordMismatch = errors.New("password confirmation does not match")

	ErrTokenInvalid = errors.New("link or token is not valid")
	ErrTokenExpired = errors.New("link or token has expired")
	ErrTokenUsed    = errors.New("link or token has already been used")
	// ErrSessionExpired: the session or ticket is no longer valid; sign in again.
	ErrSessionExpired = errors.New("session has expired")

	ErrOTPRequired       = errors.New("OTP code is required")
	ErrOTPFormat         = errors.New("OTP code must be 6 digits")
	ErrOTPInvalid        = errors.New("OTP code is not valid")
	ErrOTPReused         = errors.New("OTP code has already been used")
	ErrOTPSetupRequired  = errors.New("OTP must be set up first")
	ErrDeviceNameMissing = errors.New("device name is required")
	ErrDeviceNameTooLong = errors.New("device name is too long")
	ErrLastOTPDevice     = errors.New("the last OTP device cannot be removed")
	ErrEnrolmentUnknown  = errors.New("OTP set-up has expired; start again")

	ErrNotFound = errors.New("not found")

	// ErrClosed: the authority was closed (the embedded one at shutdown,
	// a network client after Close).
	ErrClosed = errors.New("authority is closed")
)

// Field limits, shared by the authority's checks and the screens' entries.
const (
	MaxNameLen       = 100
	MaxEmailLen      = 254
	MaxLoginLen      = 254
	MinPasswordLen   = 8
	MaxPasswordLen   = 128
	MaxDeviceNameLen = 64
)

// More errors the user can act on, like those above: finer checks of
// accounts, the administration's and OTP devices'.
var (
	ErrLoginTooLong      = errors.New("username or email is too long")
	ErrNameInvalid       = errors.New("name contains characters that are not allowed")
	ErrRoleInvalid       = errors.New("role must be signer or verifier")
	ErrDeviceNameInvalid = errors.New("device name contains characters that are not allowed")
	// ErrImportRejected: ImportUsers created nothing because some rows are
	// bad; ImportResult.Errors names them.
	ErrImportRejected = errors.New("import rejected: some rows are not valid")
	// ErrSignInRequired: a reset ticket may set up the first OTP device only;
	// further devices need a signed-in session (and so the existing OTP).
	ErrSignInRequired = errors.New("sign in to manage OTP devices")
	// ErrLanguageInvalid: a language the authority writes no mail in.
	ErrLanguageInvalid = errors.New("language must be id or en")
)
