// Package remote is the authority's contract over HTTPS: a Client that
// implements authority.Authority by calling an organisation server's
// authority/httpapi routes, with TLS 1.2 or newer, a configurable root
// pool, timeouts, and the server's sentinel errors restored so that
// errors.Is and errors.As work as they do in-process. It retries only a
// SignDigests that carries a RequestID, and only when the answer was lost
// (transport errors, 5xx): the server answers a repeat of that id from its
// first audit row, so a retry cannot sign twice. Any other request is
// sent once: its outcome is unknown when the answer is lost, and only the
// person may decide to try again.
package remote

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/httpapi"
)

// Errors of reaching the server, beside the contract's and httpapi's; each
// wraps the cause for logs.
var (
	// ErrUnreachable: no answer (refused, reset, DNS, the server vanished
	// mid-request). The request may or may not have been carried out.
	ErrUnreachable = errors.New("the authority server cannot be reached")
	// ErrTimeout: no whole answer within Options.Timeout.
	ErrTimeout = errors.New("the authority server did not answer in time")
	// ErrCertificate: the server's TLS certificate is not one the roots
	// (Options.RootCAs) vouch for, or not for its name.
	ErrCertificate = errors.New("the authority server's certificate is not trusted")
	// ErrBadResponse: an answer that is not the authority's (a proxy's
	// page, a truncated or oversized body).
	ErrBadResponse = errors.New("the authority server's answer is not understood")
	// ErrURL: Options.URL is not an https:// address.
	ErrURL = errors.New("the authority address must be an https:// URL")
)

// Options configure a Client.
type Options struct {
	// URL is the server's base address, https://host[:port][/prefix].
	URL string
	// RootCAs verify the server's certificate (the configuration's
	// server_ca); nil uses the system's roots.
	RootCAs *x509.CertPool
	// Timeout bounds each request from sending to the end of the answer
	// (default 60 s: a passphrase unlock may queue on a busy server).
	Timeout time.Duration
	// AdminKey, when set, is sent to the administration routes and the
	// Outbox (any address). Only IT's tools set it.
	AdminKey string
	// MaxResponse bounds an answer's body (default 256 MiB: a list of
	// pending activations carries their photos).
	MaxResponse int64
	// SignAttempts bounds the tries of a SignDigests with a RequestID
	// (default 4); SignBackoff is the wait after the first failed one
	// (default 500 ms), doubled after each next one.
	SignAttempts int
	SignBackoff  time.Duration
	// OnSignRetry, when set, is told of each retry of a SignDigests, with
	// the error that caused it (load tests count them; the app logs them).
	OnSignRetry func(err error)
}

// Client is an authority.Authority on an organisation server. It is safe
// for concurrent use.
type Client struct {
	base   *url.URL
	http   *http.Client
	admin  string
	max    int64
	closed atomic.Bool
	// attempts and backoff of SignDigests (Options.SignAttempts, SignBackoff)
	attempts int
	backoff  time.Duration
	onRetry  func(error)
}

var _ authority.Authority = (*Client)(nil)

// New returns a client of the server at opts.URL; it does not connect yet.
func New(opts Options) (*Client, error) {
	u, err := url.Parse(opts.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: %q", ErrURL, opts.URL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.MaxResponse <= 0 {
		opts.MaxResponse = 256 << 20
	}
	if opts.SignAttempts <= 0 {
		opts.SignAttempts = 4
	}
	if opts.SignBackoff <= 0 {
		opts.SignBackoff = 500 * time.Millisecond
	}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: opts.RootCAs},
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
	}
	return &Client{
		base:     u,
		http:     &http.Client{Transport: tr, Timeout: opts.Timeout, CheckRedirect: noRedirect},
		admin:    opts.AdminKey,
		max:      opts.MaxResponse,
		attempts: opts.SignAttempts,
		backoff:  opts.SignBackoff,
		onRetry:  opts.OnSignRetry,
	}, nil
}

// noRedirect: a POST that is redirected is not the authority's answer, and
// following it could carry a password elsewhere.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Close ends idle connections; later calls return authority.ErrClosed.
func (c *Client) Close() error {
	c.closed.Store(true)
	c.http.CloseIdleConnections()
	return nil
}

// call posts req to rt and decodes the answer into a Resp, also beside an
// error when the server sent a result with it.
func call[Resp any](c *Client, ctx context.Context, rt httpapi.Route, req any) (Resp, error) {
	var resp Resp
	if c.closed.Load() {
		return resp, authority.ErrClosed
	}
	body, err := json.Marshal(req)
	if err != nil {
		return resp, err
	}
	if int64(len(body)) > rt.MaxBody {
		// the server would refuse it; do not send a large body for nothing
		return resp, httpapi.ErrRequestTooLarge
	}
	u := *c.base
	u.Path += rt.Path
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return resp, err
	}
	hr.Header.Set("Content-Type", httpapi.ContentType)
	hr.Header.Set("Accept", httpapi.ContentType)
	// Names the program in the server's audit log, beside the address.
	hr.Header.Set("User-Agent", UserAgent)
	switch {
	case rt.Access != httpapi.Public && c.admin != "":
		hr.Header.Set(httpapi.AuthHeader, httpapi.BearerPrefix+c.admin)
	case rt.Access == httpapi.SessionOrAdmin:
		if tok := authority.SessionOf(ctx); tok != "" {
			hr.Header.Set(httpapi.AuthHeader, httpapi.BearerPrefix+tok)
		}
	}
	res, err := c.http.Do(hr)
	if err != nil {
		return resp, transportError(ctx, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, c.max+1))
	if err != nil {
		return resp, transportError(ctx, err)
	}
	if int64(len(data)) > c.max {
		return resp, fmt.Errorf("%w: more than %d bytes", ErrBadResponse, c.max)
	}
	if mt := res.Header.Get("Content-Type"); !strings.HasPrefix(mt, httpapi.ContentType) {
		return resp, fmt.Errorf("%w: HTTP %d, %q", ErrBadResponse, res.StatusCode, mt)
	}
	if res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(data, &resp); err != nil {
			return resp, fmt.Errorf("%w: %w", ErrBadResponse, err)
		}
		return resp, nil
	}
	var env struct {
		Error  httpapi.ErrorBody `json:"error"`
		Result json.RawMessage   `json:"result"`
	}
	if err := json.Unmarshal(data, &env); err != nil || env.Error.Code == "" {
		return resp, fmt.Errorf("%w: HTTP %d", ErrBadResponse, res.StatusCode)
	}
	if len(env.Result) > 0 {
		// what the method returned beside the error, such as the bad
		// rows of an import; an undecodable one is left zero
		if json.Unmarshal(env.Result, &resp) != nil {
			var zero Resp
			resp = zero
		}
	}
	return resp, httpapi.Restore(res.StatusCode, env.Error)
}

// transportError names what went wrong on the way, keeping the cause.
func transportError(ctx context.Context, err error) error {
	var (
		unknown  x509.UnknownAuthorityError
		invalid  x509.CertificateInvalidError
		hostname x509.HostnameError
		verify   *tls.CertificateVerificationError
		netErr   net.Error
	)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &verify), errors.As(err, &unknown), errors.As(err, &invalid), errors.As(err, &hostname):
		return fmt.Errorf("%w: %w", ErrCertificate, err)
	case errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	default:
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
}

func noBody(_ httpapi.Empty, err error) error { return err }

// Flows

func (c *Client) Register(ctx context.Context, req authority.RegisterRequest) (authority.Account, error) {
	return call[authority.Account](c, ctx, httpapi.Register, req)
}

func (c *Client) SignIn(ctx context.Context, req authority.SignInRequest) (authority.SignInResponse, error) {
	return call[authority.SignInResponse](c, ctx, httpapi.SignIn, req)
}

func (c *Client) SignInOTP(ctx context.Context, req authority.SignInOTPRequest) (authority.Session, error) {
	return call[authority.Session](c, ctx, httpapi.SignInOTP, req)
}

func (c *Client) Resume(ctx context.Context, token string) (authority.Session, error) {
	return call[authority.Session](c, ctx, httpapi.Resume, httpapi.TokenRequest{Token: token})
}

func (c *Client) SignOut(ctx context.Context, token string) error {
	return noBody(call[httpapi.Empty](c, ctx, httpapi.SignOut, httpapi.TokenRequest{Token: token}))
}

func (c *Client) RequestReset(ctx context.Context, req authority.ResetRequest) error {
	return noBody(call[httpapi.Empty](c, ctx, httpapi.RequestReset, req))
}

func (c *Client) OpenReset(ctx context.Context, linkToken string) (authority.ResetTicket, error) {
	return call[authority.ResetTicket](c, ctx, httpapi.OpenReset, httpapi.TokenRequest{Token: linkToken})
}

func (c *Client) SetPassword(ctx context.Context, req authority.SetPasswordRequest) error {
	return noBody(call[httpapi.Empty](c, ctx, httpapi.SetPassword, req))
}

func (c *Client) BeginOTPEnrolment(ctx context.Context, token string) (authority.OTPEnrolment, error) {
	return call[authority.OTPEnrolment](c, ctx, httpapi.BeginOTPEnrolment, httpapi.TokenRequest{Token: token})
}

func (c *Client) ConfirmOTPEnrolment(ctx context.Context, req authority.ConfirmOTPRequest) (authority.OTPDevice, error) {
	return call[authority.OTPDevice](c, ctx, httpapi.ConfirmOTPEnrolment, req)
}

// Devices

func (c *Client) OTPDevices(ctx context.Context, token string) ([]authority.OTPDevice, error) {
	return call[[]authority.OTPDevice](c, ctx, httpapi.OTPDevices, httpapi.TokenRequest{Token: token})
}

func (c *Client) RemoveOTPDevice(ctx context.Context, token string, deviceID int64) error {
	return noBody(call[httpapi.Empty](c, ctx, httpapi.RemoveOTPDevice, httpapi.TokenIDRequest{Token: token, ID: deviceID}))
}

// Outbox needs the admin key (any address) or a session given through
// authority.WithSession (its own address only).
func (c *Client) Outbox(ctx context.Context, q authority.OutboxQuery) ([]authority.Mail, error) {
	return call[[]authority.Mail](c, ctx, httpapi.Outbox, q)
}

// Admin (needs Options.AdminKey)

func (c *Client) CreateUser(ctx context.Context, req authority.CreateUserRequest) (authority.Account, error) {
	return call[authority.Account](c, ctx, httpapi.CreateUser, req)
}

func (c *Client) ImportUsers(ctx context.Context, rows []authority.CreateUserRequest) (authority.ImportResult, error) {
	return call[authority.ImportResult](c, ctx, httpapi.ImportUsers, httpapi.Users{Rows: rows})
}

func (c *Client) ListUsers(ctx context.Context) ([]authority.Account, error) {
	return call[[]authority.Account](c, ctx, httpapi.ListUsers, httpapi.Empty{})
}

func (c *Client) UnlockUser(ctx context.Context, email string) error {
	return noBody(call[httpapi.Empty](c, ctx, httpapi.UnlockUser, httpapi.EmailRequest{Email: email}))
}

// UserAgent is what the client sends as User-Agent, shown in the server's
// audit log; the app may add its version.
var UserAgent = "BeSign Desktop (" + runtime.GOOS + ")"

func (c *Client) Audit(ctx context.Context, since time.Time) ([]authority.AuditEntry, error) {
	return call[[]authority.AuditEntry](c, ctx, httpapi.Audit, httpapi.AuditRequest{Since: since})
}

func (c *Client) ResetOTP(ctx context.Context, email string) error {
	return noBody(call[httpapi.Empty](c, ctx, httpapi.ResetOTP, httpapi.EmailRequest{Email: email}))
}

// Activations

func (c *Client) Activation(ctx context.Context, token string) (authority.Activation, error) {
	return call[authority.Activation](c, ctx, httpapi.Activation, httpapi.TokenRequest{Token: token})
}

func (c *Client) SaveActivationDraft(ctx context.Context, req authority.ActivationRequest) (authority.Activation, error) {
	return call[authority.Activation](c, ctx, httpapi.SaveActivationDraft, req)
}

func (c *Client) SubmitActivation(ctx context.Context, req authority.ActivationRequest) (authority.Activation, error) {
	return call[authority.Activation](c, ctx, httpapi.SubmitActivation, req)
}

func (c *Client) LookupEmployee(ctx context.Context, req authority.LookupRequest) (authority.Employee, error) {
	return call[authority.Employee](c, ctx, httpapi.LookupEmployee, req)
}

// Verifications

func (c *Client) PendingActivations(ctx context.Context, token string) ([]authority.Activation, error) {
	return call[[]authority.Activation](c, ctx, httpapi.PendingActivations, httpapi.TokenRequest{Token: token})
}

func (c *Client) DecideActivation(ctx context.Context, req authority.DecisionRequest) (authority.Activation, error) {
	return call[authority.Activation](c, ctx, httpapi.DecideActivation, req)
}

// ActivationAdmin (needs Options.AdminKey)

func (c *Client) ListActivations(ctx context.Context, q authority.ActivationQuery) ([]authority.Activation, error) {
	return call[[]authority.Activation](c, ctx, httpapi.ListActivations, q)
}

func (c *Client) ShowActivation(ctx context.Context, email string) (authority.Activation, error) {
	return call[authority.Activation](c, ctx, httpapi.ShowActivation, httpapi.EmailRequest{Email: email})
}

func (c *Client) AdminDecideActivation(ctx context.Context, req authority.DecisionRequest) (authority.Activation, error) {
	return call[authority.Activation](c, ctx, httpapi.AdminDecideActivation, req)
}

func (c *Client) ImportDirectory(ctx context.Context, rows []authority.Employee) (authority.DirectoryImportResult, error) {
	return call[authority.DirectoryImportResult](c, ctx, httpapi.ImportDirectory, httpapi.Employees{Rows: rows})
}

// Certificates

func (c *Client) Certificate(ctx context.Context, token string) (authority.CertificateInfo, error) {
	return call[authority.CertificateInfo](c, ctx, httpapi.Certificate, httpapi.TokenRequest{Token: token})
}

func (c *Client) CreatePassphrase(ctx context.Context, req authority.CreatePassphraseRequest) (authority.CertificateInfo, error) {
	return call[authority.CertificateInfo](c, ctx, httpapi.CreatePassphrase, req)
}

func (c *Client) ChangePassphrase(ctx context.Context, req authority.ChangePassphraseRequest) error {
	return noBody(call[httpapi.Empty](c, ctx, httpapi.ChangePassphrase, req))
}

func (c *Client) ForgotPassphrase(ctx context.Context, token string) error {
	return noBody(call[httpapi.Empty](c, ctx, httpapi.ForgotPassphrase, httpapi.TokenRequest{Token: token}))
}

// SignDigests sends the digests only: the documents stay on this computer.
// With a RequestID it retries a lost answer (see lostAnswer) with the same
// id, up to Options.SignAttempts tries; the last error is returned.
func (c *Client) SignDigests(ctx context.Context, req authority.SignDigestsRequest) (authority.SignDigestsResponse, error) {
	wait := c.backoff
	for attempt := 1; ; attempt++ {
		resp, err := call[authority.SignDigestsResponse](c, ctx, httpapi.SignDigests, req)
		if err == nil || req.RequestID == "" || attempt >= c.attempts || !lostAnswer(err) {
			return resp, err
		}
		if c.onRetry != nil {
			c.onRetry(err)
		}
		select {
		case <-ctx.Done():
			return resp, err
		case <-time.After(wait/2 + rand.N(wait)): // jittered: clients of a restarted server spread out
		}
		wait *= 2
	}
}

// lostAnswer tells whether err leaves the outcome of a request unknown or
// undone for a reason a retry may overcome: no answer (refused, reset,
// timeout) or a server error (5xx: a server stopping, a database
// restarting). A refused TLS certificate or an answer that is not the
// authority's is no such reason.
func lostAnswer(err error) bool {
	var he *httpapi.Error
	switch {
	case errors.Is(err, ErrUnreachable), errors.Is(err, ErrTimeout):
		return true
	case errors.As(err, &he):
		return he.Status >= 500
	}
	return false
}

// Trust

func (c *Client) RootCertificate(ctx context.Context) ([]byte, error) {
	return call[[]byte](c, ctx, httpapi.RootCertificate, httpapi.Empty{})
}

func (c *Client) CRL(ctx context.Context) ([]byte, error) {
	return call[[]byte](c, ctx, httpapi.CRL, httpapi.Empty{})
}

// Queue

func (c *Client) QueuedDocuments(ctx context.Context, token string) ([]authority.QueuedDocument, error) {
	return call[[]authority.QueuedDocument](c, ctx, httpapi.QueuedDocuments, httpapi.TokenRequest{Token: token})
}

func (c *Client) QueueDocument(ctx context.Context, req authority.QueueDocumentRequest) (authority.QueuedDocument, error) {
	return call[authority.QueuedDocument](c, ctx, httpapi.QueueDocument, req)
}

func (c *Client) UpdateQueuedDocument(ctx context.Context, req authority.UpdateQueuedRequest) (authority.QueuedDocument, error) {
	return call[authority.QueuedDocument](c, ctx, httpapi.UpdateQueuedDocument, req)
}

func (c *Client) RemoveQueuedDocument(ctx context.Context, token string, id int64) error {
	return noBody(call[httpapi.Empty](c, ctx, httpapi.RemoveQueuedDocument, httpapi.TokenIDRequest{Token: token, ID: id}))
}
