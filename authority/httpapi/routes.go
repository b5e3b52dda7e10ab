// Package httpapi carries the authority's contract over HTTPS as JSON: the
// route table (one POST per role method, such as /v1/flows/sign-in), the
// table that maps each sentinel error to an HTTP status and a stable code,
// and the server side, a http.Handler that serves an authority.Authority.
// Requests and responses are the contract's own types; authority/remote is
// the client that reads the same tables.
//
// Who may call what: every route of the account holder's roles is public at
// the HTTP level, because each request carries its own session or link
// token and the authority checks it, as it does in-process. Two kinds of
// route are restricted here, since the contract leaves their caller to the
// transport: the administration (Admin, ActivationAdmin) answers only
// requests bearing the server's admin key (Options.AdminKey; without one
// it refuses everybody), and the Outbox answers the admin key for any
// address, or a session for its own address only.
package httpapi

import (
	"github.com/natunakab/besign/authority"
)

// Access says who may call a route.
type Access int

const (
	// Public routes are open to anyone who reaches the server; the
	// authority checks the token in the request.
	Public Access = iota
	// AdminOnly routes need the admin key in the Authorization header.
	AdminOnly
	// SessionOrAdmin routes (the Outbox) need the admin key, or a session
	// token, which limits the answer to the session's own mail.
	SessionOrAdmin
)

// Route is one method of the contract over HTTP.
type Route struct {
	Path   string
	Access Access
	// MaxBody bounds the request body in bytes; a larger one gets 413
	// before anything is decoded.
	MaxBody int64
}

// Request body limits. Most requests are a token and a few short fields;
// the activation form carries a photo (authority.MaxPhotoBytes, base64 in
// JSON: 4/3 of it); a SignDigests request carries at most
// authority.MaxDigests digests of 44 base64 characters each; imports carry
// whole files (a province's directory has some tens of thousands of rows).
const (
	SmallBody      = 64 << 10
	ActivationBody = 4 << 20
	DigestsBody    = 1 << 20
	ImportBody     = 64 << 20
)

// The routes, one per method of authority.Authority.
var (
	Register            = Route{"/v1/flows/register", Public, SmallBody}
	SignIn              = Route{"/v1/flows/sign-in", Public, SmallBody}
	SignInOTP           = Route{"/v1/flows/sign-in-otp", Public, SmallBody}
	Resume              = Route{"/v1/flows/resume", Public, SmallBody}
	SignOut             = Route{"/v1/flows/sign-out", Public, SmallBody}
	RequestReset        = Route{"/v1/flows/request-reset", Public, SmallBody}
	OpenReset           = Route{"/v1/flows/open-reset", Public, SmallBody}
	SetPassword         = Route{"/v1/flows/set-password", Public, SmallBody}
	BeginOTPEnrolment   = Route{"/v1/flows/begin-otp-enrolment", Public, SmallBody}
	ConfirmOTPEnrolment = Route{"/v1/flows/confirm-otp-enrolment", Public, SmallBody}

	OTPDevices      = Route{"/v1/devices/list", Public, SmallBody}
	RemoveOTPDevice = Route{"/v1/devices/remove", Public, SmallBody}

	Outbox = Route{"/v1/outbox/list", SessionOrAdmin, SmallBody}

	CreateUser  = Route{"/v1/admin/users/create", AdminOnly, SmallBody}
	ImportUsers = Route{"/v1/admin/users/import", AdminOnly, ImportBody}
	ListUsers   = Route{"/v1/admin/users/list", AdminOnly, SmallBody}
	UnlockUser  = Route{"/v1/admin/users/unlock", AdminOnly, SmallBody}
	ResetOTP    = Route{"/v1/admin/users/reset-otp", AdminOnly, SmallBody}

	Activation          = Route{"/v1/activations/get", Public, SmallBody}
	SaveActivationDraft = Route{"/v1/activations/save-draft", Public, ActivationBody}
	SubmitActivation    = Route{"/v1/activations/submit", Public, ActivationBody}
	LookupEmployee      = Route{"/v1/activations/lookup-employee", Public, SmallBody}

	PendingActivations = Route{"/v1/verifications/pending", Public, SmallBody}
	DecideActivation   = Route{"/v1/verifications/decide", Public, SmallBody}

	ListActivations       = Route{"/v1/admin/activations/list", AdminOnly, SmallBody}
	ShowActivation        = Route{"/v1/admin/activations/show", AdminOnly, SmallBody}
	AdminDecideActivation = Route{"/v1/admin/activations/decide", AdminOnly, SmallBody}
	ImportDirectory       = Route{"/v1/admin/directory/import", AdminOnly, ImportBody}

	Certificate      = Route{"/v1/certificates/get", Public, SmallBody}
	CreatePassphrase = Route{"/v1/certificates/create-passphrase", Public, SmallBody}
	ChangePassphrase = Route{"/v1/certificates/change-passphrase", Public, SmallBody}
	ForgotPassphrase = Route{"/v1/certificates/forgot-passphrase", Public, SmallBody}
	SignDigests      = Route{"/v1/certificates/sign-digests", Public, DigestsBody}

	RootCertificate = Route{"/v1/trust/root", Public, SmallBody}
	CRL             = Route{"/v1/trust/crl", Public, SmallBody}

	QueuedDocuments      = Route{"/v1/queue/list", Public, SmallBody}
	QueueDocument        = Route{"/v1/queue/add", Public, SmallBody}
	UpdateQueuedDocument = Route{"/v1/queue/update", Public, SmallBody}
	RemoveQueuedDocument = Route{"/v1/queue/remove", Public, SmallBody}
)

// Routes lists every route, for tests and documentation.
var Routes = []Route{
	Register, SignIn, SignInOTP, Resume, SignOut, RequestReset, OpenReset, SetPassword, BeginOTPEnrolment, ConfirmOTPEnrolment,
	OTPDevices, RemoveOTPDevice,
	Outbox,
	CreateUser, ImportUsers, ListUsers, UnlockUser, ResetOTP,
	Activation, SaveActivationDraft, SubmitActivation, LookupEmployee,
	PendingActivations, DecideActivation,
	ListActivations, ShowActivation, AdminDecideActivation, ImportDirectory,
	Certificate, CreatePassphrase, ChangePassphrase, ForgotPassphrase, SignDigests,
	RootCertificate, CRL,
	QueuedDocuments, QueueDocument, UpdateQueuedDocument, RemoveQueuedDocument,
}

// Bodies of the methods whose arguments are not a request struct of the
// contract.
type (
	// TokenRequest carries the token of a method that takes only one
	// (Resume, SignOut, OpenReset, Activation, Certificate, ...).
	TokenRequest struct {
		Token string `json:"token"`
	}
	// TokenIDRequest carries a token and the id of what it removes.
	TokenIDRequest struct {
		Token string `json:"token"`
		ID    int64  `json:"id"`
	}
	// EmailRequest names the account of an administration method.
	EmailRequest struct {
		Email string `json:"email"`
	}
	// Empty is the body of a method with no arguments, and the answer of
	// one that returns only an error.
	Empty struct{}
	// Users is ImportUsers' body: the rows, in order.
	Users struct {
		Rows []authority.CreateUserRequest `json:"rows"`
	}
	// Employees is ImportDirectory's body.
	Employees struct {
		Rows []authority.Employee `json:"rows"`
	}
)

// Header and media type of every request.
const (
	ContentType = "application/json"
	// AuthHeader carries "Bearer " and the admin key, or a session token
	// for the Outbox.
	AuthHeader   = "Authorization"
	BearerPrefix = "Bearer "
)
