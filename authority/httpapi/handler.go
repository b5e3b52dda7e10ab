package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/natunakab/besign/authority"
)

// MinAdminKeyLen is the shortest admin key New accepts: the key is the
// whole of the administration's protection over the network, so it must be
// a random secret (32 bytes of hex or base64 and more), not a password.
const MinAdminKeyLen = 32

// ErrAdminKeyWeak: Options.AdminKey is set but shorter than MinAdminKeyLen.
var ErrAdminKeyWeak = fmt.Errorf("the admin key must have at least %d characters", MinAdminKeyLen)

// Options configure a Handler.
type Options struct {
	// AdminKey opens the AdminOnly routes, and the Outbox for every
	// address, to requests with "Authorization: Bearer <AdminKey>". Empty:
	// those routes refuse everybody (ErrAdminRequired), and IT administers
	// on the server host itself. Read it from a file or a systemd
	// credential, never from the configuration file.
	AdminKey string
	// Log receives the causes of internal errors (never request bodies);
	// nil discards them.
	Log *slog.Logger
	// Limits, when set, are the per-address and per-account rate limits.
	Limits *Limits
	// MailOnly: mail reaches people by SMTP only (an organisation server);
	// the Outbox answers the admin key alone, so that no session reads a
	// link there instead of from its mailbox.
	MailOnly bool
	// TimeStamps, when set, answers RFC 3161 time-stamp queries (POST
	// application/timestamp-query) at TSAPath, for anybody: a token
	// vouches only for a time, and the signatures it dates need the
	// signer's own key. The authority's TSA (embedded.TimeStampIssuer).
	TimeStamps http.Handler
	// Certified, when set, signs whole documents through a certification
	// authority's service (BSrE mode); nil: those routes answer
	// authority.ErrCertifiedOff.
	Certified authority.CertifiedSigner
}

// TSAPath is where the server answers time-stamp queries; the app's
// configuration (config.TSAPath) names the same path.
const TSAPath = "/tsa"

// Handler serves an authority.Authority over HTTP: give it to an
// http.Server with TLS. It keeps no state between requests.
type Handler struct {
	a        authority.Authority
	adminKey [sha256.Size]byte // hash of the admin key, compared in constant time
	admin    bool
	log      *slog.Logger
	routes   map[string]endpoint
	limits   *Limits
	mailOnly bool
	tsa      http.Handler
}

type endpoint struct {
	Route
	serve func(h *Handler, w http.ResponseWriter, r *http.Request, bearer credential)
}

// credential is who the Authorization header says the caller is.
type credential struct {
	admin bool
	token string // the bearer when it is not the admin key
}

// New returns the Handler of a; it refuses an admin key that is too short.
func New(a authority.Authority, opts Options) (*Handler, error) {
	if a == nil {
		return nil, errors.New("httpapi: no authority to serve")
	}
	h := &Handler{a: a, log: opts.Log, routes: map[string]endpoint{}, limits: opts.Limits, mailOnly: opts.MailOnly,
		tsa: opts.TimeStamps}
	if opts.AdminKey != "" {
		if len(opts.AdminKey) < MinAdminKeyLen {
			return nil, ErrAdminKeyWeak
		}
		h.adminKey, h.admin = sha256.Sum256([]byte(opts.AdminKey)), true
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.register()
	h.registerCertified(opts.Certified)
	return h, nil
}

// handle registers one route whose method takes Req and returns Resp.
func handle[Req, Resp any](h *Handler, rt Route, call func(ctx context.Context, req Req) (Resp, error)) {
	h.routes[rt.Path] = endpoint{rt, func(h *Handler, w http.ResponseWriter, r *http.Request, c credential) {
		var req Req
		if err := decode(w, r, rt.MaxBody, &req); err != nil {
			h.fail(w, r, err, nil)
			return
		}
		if !c.admin && h.limits != nil && !h.allowAccount(w, r, rt, req) {
			return
		}
		resp, err := call(r.Context(), req)
		if err != nil {
			h.fail(w, r, err, resp)
			return
		}
		h.reply(w, http.StatusOK, resp)
	}}
}

// done adapts a method that returns only an error.
func done[Req any](call func(ctx context.Context, req Req) error) func(context.Context, Req) (Empty, error) {
	return func(ctx context.Context, req Req) (Empty, error) { return Empty{}, call(ctx, req) }
}

func (h *Handler) register() {
	a := h.a
	handle(h, Register, a.Register)
	handle(h, SignIn, a.SignIn)
	handle(h, SignInOTP, a.SignInOTP)
	handle(h, Resume, func(ctx context.Context, r TokenRequest) (authority.Session, error) { return a.Resume(ctx, r.Token) })
	handle(h, SignOut, done(func(ctx context.Context, r TokenRequest) error { return a.SignOut(ctx, r.Token) }))
	handle(h, RequestReset, done(a.RequestReset))
	handle(h, OpenReset, func(ctx context.Context, r TokenRequest) (authority.ResetTicket, error) {
		return a.OpenReset(ctx, r.Token)
	})
	handle(h, SetPassword, done(a.SetPassword))
	handle(h, BeginOTPEnrolment, func(ctx context.Context, r TokenRequest) (authority.OTPEnrolment, error) {
		return a.BeginOTPEnrolment(ctx, r.Token)
	})
	handle(h, ConfirmOTPEnrolment, a.ConfirmOTPEnrolment)

	handle(h, OTPDevices, func(ctx context.Context, r TokenRequest) ([]authority.OTPDevice, error) {
		return a.OTPDevices(ctx, r.Token)
	})
	handle(h, RemoveOTPDevice, done(func(ctx context.Context, r TokenIDRequest) error { return a.RemoveOTPDevice(ctx, r.Token, r.ID) }))

	// The Outbox takes no token in the contract: the caller's credential
	// decides whose mail it may read.
	h.routes[Outbox.Path] = endpoint{Outbox, func(h *Handler, w http.ResponseWriter, r *http.Request, c credential) {
		var q authority.OutboxQuery
		if err := decode(w, r, Outbox.MaxBody, &q); err != nil {
			h.fail(w, r, err, nil)
			return
		}
		if !c.admin && h.mailOnly {
			h.fail(w, r, ErrAdminRequired, nil)
			return
		}
		if !c.admin {
			ses, err := a.Resume(r.Context(), c.token)
			if err != nil {
				h.fail(w, r, err, nil)
				return
			}
			own := ses.Account.Email
			if to, err := authority.NormalizeEmail(q.To); q.To != "" && (err != nil || to != own) {
				h.fail(w, r, ErrOutboxForeign, nil)
				return
			}
			q.To = own
		}
		ms, err := a.Outbox(r.Context(), q)
		if err != nil {
			h.fail(w, r, err, nil)
			return
		}
		h.reply(w, http.StatusOK, ms)
	}}

	handle(h, CreateUser, a.CreateUser)
	handle(h, ImportUsers, func(ctx context.Context, r Users) (authority.ImportResult, error) { return a.ImportUsers(ctx, r.Rows) })
	handle(h, ListUsers, func(ctx context.Context, _ Empty) ([]authority.Account, error) { return a.ListUsers(ctx) })
	handle(h, UnlockUser, done(func(ctx context.Context, r EmailRequest) error { return a.UnlockUser(ctx, r.Email) }))
	handle(h, ResetOTP, done(func(ctx context.Context, r EmailRequest) error { return a.ResetOTP(ctx, r.Email) }))

	handle(h, Activation, func(ctx context.Context, r TokenRequest) (authority.Activation, error) {
		return a.Activation(ctx, r.Token)
	})
	handle(h, SaveActivationDraft, a.SaveActivationDraft)
	handle(h, SubmitActivation, a.SubmitActivation)
	handle(h, LookupEmployee, a.LookupEmployee)

	handle(h, PendingActivations, func(ctx context.Context, r TokenRequest) ([]authority.Activation, error) {
		return a.PendingActivations(ctx, r.Token)
	})
	handle(h, DecideActivation, a.DecideActivation)

	handle(h, ListActivations, a.ListActivations)
	handle(h, ShowActivation, func(ctx context.Context, r EmailRequest) (authority.Activation, error) {
		return a.ShowActivation(ctx, r.Email)
	})
	handle(h, AdminDecideActivation, a.AdminDecideActivation)
	handle(h, ImportDirectory, func(ctx context.Context, r Employees) (authority.DirectoryImportResult, error) {
		return a.ImportDirectory(ctx, r.Rows)
	})

	handle(h, Certificate, func(ctx context.Context, r TokenRequest) (authority.CertificateInfo, error) {
		return a.Certificate(ctx, r.Token)
	})
	handle(h, CreatePassphrase, a.CreatePassphrase)
	handle(h, ChangePassphrase, done(a.ChangePassphrase))
	handle(h, ForgotPassphrase, done(func(ctx context.Context, r TokenRequest) error { return a.ForgotPassphrase(ctx, r.Token) }))
	handle(h, SignDigests, a.SignDigests)

	handle(h, RootCertificate, func(ctx context.Context, _ Empty) ([]byte, error) { return a.RootCertificate(ctx) })
	handle(h, CRL, func(ctx context.Context, _ Empty) ([]byte, error) { return a.CRL(ctx) })

	handle(h, QueuedDocuments, func(ctx context.Context, r TokenRequest) ([]authority.QueuedDocument, error) {
		return a.QueuedDocuments(ctx, r.Token)
	})
	handle(h, QueueDocument, a.QueueDocument)
	handle(h, UpdateQueuedDocument, a.UpdateQueuedDocument)
	handle(h, RemoveQueuedDocument, done(func(ctx context.Context, r TokenIDRequest) error {
		return a.RemoveQueuedDocument(ctx, r.Token, r.ID)
	}))
	h.registerOps()
}

// ServeHTTP checks the method, the media type and the caller's access
// before it reads the body, so that a caller without access costs no
// decoding; then the route's method answers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// A bug in one request answers 500 to it alone, and never shows
		// the panic to the caller.
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("authority request panicked", "path", r.URL.Path, "panic", fmt.Sprint(v))
			h.fail(w, r, ErrInternal, nil)
		}
	}()
	if r.URL.Path == TSAPath && h.tsa != nil {
		// RFC 3161's own media types, not JSON: the TSA checks them.
		h.tsa.ServeHTTP(w, r)
		return
	}
	ep, ok := h.routes[r.URL.Path]
	if !ok {
		h.fail(w, r, ErrNotServed, nil)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.failStatus(w, r, http.StatusMethodNotAllowed, ErrNotServed)
		return
	}
	// Only JSON: a browser's cross-site form post cannot send it without
	// a CORS preflight, which this handler never grants.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != ContentType {
		h.failStatus(w, r, http.StatusUnsupportedMediaType, ErrBadRequest)
		return
	}
	c := h.credential(r)
	// Before the body is read: a flood from one address costs one counter.
	if !c.admin && h.limits != nil && !h.allow(w, r, addressKey(r), h.limits.PerAddress, 0) {
		return
	}
	switch {
	case ep.Access == AdminOnly && !c.admin:
		h.fail(w, r, ErrAdminRequired, nil)
		return
	case ep.Access == SessionOrAdmin && !c.admin && c.token == "":
		h.fail(w, r, authority.ErrSessionExpired, nil)
		return
	}
	r = r.WithContext(authority.WithClient(r.Context(), clientOf(r)))
	ep.serve(h, w, r, c)
}

// credential reads the Authorization header. An empty bearer is nobody,
// and the admin key matches only when one is configured.
func (h *Handler) credential(r *http.Request) credential {
	v, ok := strings.CutPrefix(r.Header.Get(AuthHeader), BearerPrefix)
	v = strings.TrimSpace(v)
	if !ok || v == "" {
		return credential{}
	}
	sum := sha256.Sum256([]byte(v))
	if h.admin && subtle.ConstantTimeCompare(sum[:], h.adminKey[:]) == 1 {
		return credential{admin: true}
	}
	return credential{token: v}
}

// decode reads one JSON value of at most limit bytes into v.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	err := dec.Decode(v)
	if err == nil {
		// one value only: trailing data is a malformed request
		if _, err2 := dec.Token(); err2 != io.EOF {
			err = errors.New("data after the JSON value")
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooLarge):
		return ErrRequestTooLarge
	default:
		return fmt.Errorf("%w: %w", ErrBadRequest, errBodyHidden)
	}
}

// errBodyHidden stands for the decoder's message, which may quote the
// request (a password among it): it is not sent back nor logged.
var errBodyHidden = errors.New("the body is not valid JSON of the route's type")

// reply writes a JSON answer that no cache may keep (it holds tokens).
func (h *Handler) reply(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		h.log.Error("authority answer not encodable", "error", err.Error())
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","codes":["internal"],"message":"`+ErrInternal.Error()+`"}}`)
	}
	hd := w.Header()
	hd.Set("Content-Type", ContentType)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// fail answers an error with its status and codes, and result (what the
// method returned beside it) when the error is one of the table's. An
// error outside the table is logged here and the caller learns only that
// the server failed.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error, result any) {
	h.failStatus(w, r, 0, err, result)
}

func (h *Handler) failStatus(w http.ResponseWriter, r *http.Request, status int, err error, result ...any) {
	st, body, known := Describe(err)
	if !known {
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			// the caller hung up; nobody reads this answer
			h.log.Info("authority request abandoned by the client", "path", r.URL.Path)
		} else {
			h.log.Error("authority request failed", "path", r.URL.Path, "error", err.Error())
		}
		result = nil
	}
	if status == 0 {
		status = st
	}
	env := Envelope{Error: body}
	if len(result) == 1 && result[0] != nil {
		env.Result = result[0]
	}
	h.reply(w, status, env)
}
