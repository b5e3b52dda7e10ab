package store

import "time"

// User is one account row.
type User struct {
	ID           int64
	Name         string
	Username     string
	Email        string // lower case
	Role         string
	PasswordHash string // "" until the first password is set
	Failures     int
	LastFailure  time.Time
	LockedUntil  time.Time
	OTPLastStep  int64 // last TOTP time step accepted, -1 for none
	CreatedAt    time.Time
	Language     string // of the account's mail; "" for the authority's default
	OTPDevices   int    // number of devices (read only)
}

// Session is a sign-in session; only the token's hash is kept.
type Session struct {
	TokenHash []byte
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Token kinds.
const (
	TokenResetLink    = "reset_link"
	TokenResetTicket  = "reset_ticket"
	TokenOTPChallenge = "otp_challenge"
	// TokenPassphraseLink opens "Buat Passphrase" (approval, "Lupa Passphrase").
	TokenPassphraseLink = "passphrase_link"
)

// Token is a short-lived single-use token; only its hash is kept.
type Token struct {
	TokenHash []byte
	Kind      string
	UserID    int64
	Remember  bool
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// Enrolment is a pending OTP set-up.
type Enrolment struct {
	ID        string
	UserID    int64
	Secret    []byte // sealed
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Device is a confirmed OTP device.
type Device struct {
	ID        int64
	UserID    int64
	Name      string
	Secret    []byte // sealed
	CreatedAt time.Time
}

// Mail is one outbox message.
type Mail struct {
	ID          int64
	Kind        string
	To          string
	Subject     string
	Body        string
	ActionLabel string
	ActionLink  string
	CreatedAt   time.Time
	SentAt      time.Time
	SendError   string
	// LinkSecret is the action link's token, sealed; nil once the link was
	// delivered, used or expired. Body and ActionLink hold it masked.
	LinkSecret []byte
	TokenHash  []byte
	// Attempts counts failed deliveries.
	Attempts int
}

// Activation is one account's activation form and its verification.
type Activation struct {
	UserID      int64
	Status      string
	Step        int
	Data        []byte // sealed
	Photo       []byte // sealed; nil when none
	NIKHash     []byte // nil until submitted
	Reason      string
	UpdatedAt   time.Time
	SubmittedAt time.Time
	DecidedAt   time.Time
	DecidedBy   string
}

// Employee is one row of the employee directory.
type Employee struct {
	NIP      string
	Name     string
	Unit     string
	Jabatan  string
	Province string
}

// CA is the authority's root certificate and its sealed key.
type CA struct {
	Cert      []byte // DER
	Key       []byte // sealed
	CRLNumber int64  // of the last CRL issued
	CreatedAt time.Time
}

// Certificate is one issued certificate with its sealed key.
type Certificate struct {
	Serial         string
	UserID         int64
	Cert           []byte // DER
	Key            []byte // sealed under the passphrase, then (KeyWrapped) under the master key
	KeyWrapped     bool   // false: a key stored before schema 7, under the passphrase alone
	NotBefore      time.Time
	NotAfter       time.Time
	RevokedAt      time.Time
	Failures       int
	Suspensions    int
	SuspendedUntil time.Time
	CreatedAt      time.Time
}

// QueuedDocument is one row of an account's signing queue.
type QueuedDocument struct {
	ID        int64
	UserID    int64
	Path      string
	Pages     int
	Size      int64
	ModTime   time.Time
	SHA256    []byte // nil when not taken
	Page      int
	Invisible bool
	X, Y      float64
	W, H      float64
	Reason    string
	Location  string
	OutputDir string
	AddedAt   time.Time
}

// AuditEntry is one row of the append-only audit log: a SignDigests call
// that signed. No foreign key: a row outlives its account.
type AuditEntry struct {
	ID        int64
	At        time.Time
	UserID    int64
	Email     string
	Serial    string
	Digests   []byte // the SHA-256 digests, 32 bytes each, concatenated
	Address   string
	UserAgent string
	// RequestID is the client's SignDigestsRequest.RequestID, "" when it
	// sent none; unique per account otherwise.
	RequestID string
}
