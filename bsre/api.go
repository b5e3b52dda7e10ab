package bsre

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/pdfsign"
)

// The v2 paths (guide v2.2.1, section 6).
const (
	PathSign        = "/api/v2/sign/pdf"
	PathSignTOTP    = "/api/v2/sign/get/totp"
	PathCheckStatus = "/api/v2/user/check/status"
	PathVerify      = "/api/v2/verify/pdf"
)

// Signer names the BSrE account: its NIK or its email (one is enough; the
// guide's examples send either).
type Signer struct {
	NIK   string
	Email string
}

func (s Signer) check() error {
	if strings.TrimSpace(s.NIK) == "" && strings.TrimSpace(s.Email) == "" {
		return fmt.Errorf("%w: no NIK or email names the signer", ErrRequest)
	}
	return nil
}

// Credential is what unlocks the signer's key at BSrE: the passphrase, or a
// TOTP mailed by RequestTOTP. It is sent once and not kept.
type Credential struct {
	Passphrase string
	TOTP       string
}

// Document is one PDF to sign and where.
type Document struct {
	PDF []byte
	// Invisible: no box; Page and Box are not used.
	Invisible bool
	// Page (1-based) and Box (PDF points on the page as displayed, origin
	// bottom-left: authority.Box) place a visible signature.
	Page int
	Box  authority.Box
	// Image is the specimen drawn in the box (PNG or JPEG); optional.
	Image    []byte
	Reason   string
	Location string
	// PDFPassword opens an encrypted PDF.
	PDFPassword string
}

// signatureProperties is one item of the sign request (guide 6.2).
type signatureProperties struct {
	Tampilan    string   `json:"tampilan"`
	ImageBase64 string   `json:"imageBase64,omitempty"`
	Page        int      `json:"page,omitempty"`
	OriginX     *float64 `json:"originX,omitempty"`
	OriginY     *float64 `json:"originY,omitempty"`
	Width       *float64 `json:"width,omitempty"`
	Height      *float64 `json:"height,omitempty"`
	Location    string   `json:"location,omitempty"`
	Reason      string   `json:"reason,omitempty"`
	PDFPassword string   `json:"pdfPassword,omitempty"`
}

type signRequest struct {
	NIK                 string                `json:"nik,omitempty"`
	Email               string                `json:"email,omitempty"`
	Passphrase          string                `json:"passphrase,omitempty"`
	TOTP                string                `json:"totp,omitempty"`
	SignatureProperties []signatureProperties `json:"signatureProperties"`
	File                []string              `json:"file"`
}

type signResponse struct {
	Time json.RawMessage `json:"time"`
	File []string        `json:"file"`
}

// Sign has the service sign docs for signer, in one call, and returns the
// signed PDFs in the same order. Nothing in them is checked here: pass each
// to accept.Check before use. More than MaxFiles documents, no credential,
// or a box off its page is ErrRequest before anything is sent.
//
// The call is never retried. A failure after the request was sent without
// an answer (timeout, dropped connection, gateway timeout) is
// ErrOutcomeUnknown: BSrE may have signed.
func (c *Client) Sign(ctx context.Context, signer Signer, cred Credential, docs []Document) ([][]byte, error) {
	if err := signer.check(); err != nil {
		return nil, err
	}
	if (cred.Passphrase == "") == (cred.TOTP == "") {
		return nil, fmt.Errorf("%w: give either the passphrase or the TOTP", ErrRequest)
	}
	if len(docs) == 0 || len(docs) > c.maxFiles {
		return nil, fmt.Errorf("%w: %d documents in one call (1 to %d)", ErrRequest, len(docs), c.maxFiles)
	}
	req := signRequest{NIK: signer.NIK, Email: signer.Email, Passphrase: cred.Passphrase, TOTP: cred.TOTP}
	for i, d := range docs {
		p, err := properties(d)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		req.SignatureProperties = append(req.SignatureProperties, p)
		req.File = append(req.File, base64.StdEncoding.EncodeToString(d.PDF))
	}
	var resp signResponse
	if err := c.post(ctx, PathSign, &req, &resp, true); err != nil {
		return nil, err
	}
	if len(resp.File) != len(docs) {
		return nil, fmt.Errorf("%w: %d files came back for %d sent", ErrBadResponse, len(resp.File), len(docs))
	}
	out := make([][]byte, len(resp.File))
	for i, f := range resp.File {
		b, err := base64.StdEncoding.DecodeString(f)
		if err != nil {
			return nil, fmt.Errorf("%w: file %d is not base64", ErrBadResponse, i+1)
		}
		out[i] = b
	}
	return out, nil
}

// properties builds a document's signatureProperties, converting its box
// to the API's top-left origin on the page as displayed.
func properties(d Document) (signatureProperties, error) {
	p := signatureProperties{Tampilan: "INVISIBLE", Reason: d.Reason, Location: d.Location, PDFPassword: d.PDFPassword}
	if d.Invisible {
		return p, nil
	}
	facts, err := pdfsign.ReadFacts(bytes.NewReader(d.PDF), int64(len(d.PDF)), d.PDFPassword)
	if err != nil {
		return p, fmt.Errorf("%w: %w", ErrRequest, err)
	}
	if d.Page < 1 || d.Page > len(facts.PageSizes) {
		return p, fmt.Errorf("%w: page %d of a %d-page document", ErrRequest, d.Page, len(facts.PageSizes))
	}
	size := facts.PageSizes[d.Page-1]
	o, err := ToOrigin(d.Box, size[0], size[1])
	if err != nil {
		return p, err
	}
	p.Tampilan, p.Page = "VISIBLE", d.Page
	p.OriginX, p.OriginY, p.Width, p.Height = &o.X, &o.Y, &o.Width, &o.Height
	if len(d.Image) > 0 {
		p.ImageBase64 = base64.StdEncoding.EncodeToString(d.Image)
	}
	return p, nil
}

// RequestTOTP has the service mail the signer a one-time code valid for
// files documents (guide 6.3). It sends no secret.
func (c *Client) RequestTOTP(ctx context.Context, signer Signer, files int) error {
	if err := signer.check(); err != nil {
		return err
	}
	if files < 1 || files > c.maxFiles {
		return fmt.Errorf("%w: a code for %d files (1 to %d)", ErrRequest, files, c.maxFiles)
	}
	body := struct {
		NIK   string `json:"nik,omitempty"`
		Email string `json:"email,omitempty"`
		Data  int    `json:"data"`
	}{signer.NIK, signer.Email, files}
	return c.post(ctx, PathSignTOTP, &body, nil, false)
}

// Status is a signer's certificate status at BSrE (guide 6.7).
type Status string

const (
	StatusIssue                  Status = "ISSUE"
	StatusExpired                Status = "EXPIRED"
	StatusRenew                  Status = "RENEW"
	StatusWaitingForVerification Status = "WAITING_FOR_VERIFICATION"
	StatusNew                    Status = "NEW"
	StatusNoCertificate          Status = "NO_CERTIFICATE"
	StatusNotRegistered          Status = "NOT_REGISTERED"
	StatusSuspend                Status = "SUSPEND"
	StatusRevoke                 Status = "REVOKE"
)

// Statuses are the values the guide lists, in its order.
var Statuses = []Status{StatusIssue, StatusExpired, StatusRenew, StatusWaitingForVerification, StatusNew,
	StatusNoCertificate, StatusNotRegistered, StatusSuspend, StatusRevoke}

// CanSign reports the only status that may sign.
func (s Status) CanSign() bool { return s == StatusIssue }

// CheckStatus reads the signer's status. An unregistered signer, or one
// without a certificate, is a status, not an error, whether the service
// says so in a 200 or as code 2011 or 2021.
func (c *Client) CheckStatus(ctx context.Context, signer Signer) (Status, error) {
	if err := signer.check(); err != nil {
		return "", err
	}
	body := struct {
		NIK   string `json:"nik,omitempty"`
		Email string `json:"email,omitempty"`
	}{signer.NIK, signer.Email}
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			Status string `json:"status"`
		} `json:"data"`
	}
	err := c.post(ctx, PathCheckStatus, &body, &resp, false)
	switch {
	case errors.Is(err, ErrNotRegistered):
		return StatusNotRegistered, nil
	case errors.Is(err, ErrNoCertificate):
		return StatusNoCertificate, nil
	case err != nil:
		return "", err
	}
	s := resp.Status
	if s == "" {
		s = resp.Data.Status
	}
	for _, known := range Statuses {
		if strings.EqualFold(s, string(known)) {
			return known, nil
		}
	}
	return "", fmt.Errorf("%w: unknown status %q", ErrBadResponse, cleanMessage(s))
}

// Verification is the service's report on a document (guide 6.9), in the
// vocabulary of the EU DSS report it comes from.
type Verification struct {
	Conclusion     string                  `json:"conclusion"`
	Description    string                  `json:"description"`
	SignatureCount int                     `json:"signatureCount"`
	Signatures     []VerificationSignature `json:"signatureInformations"`
}

// VerificationSignature is one signature of a Verification.
type VerificationSignature struct {
	SignerName         string `json:"signerName"`
	SignatureFormat    string `json:"signatureFormat"`
	SignatureDate      string `json:"signatureDate"`
	FieldName          string `json:"fieldName"`
	Reason             string `json:"reason"`
	Location           string `json:"location"`
	IntegrityValid     bool   `json:"integrityValid"`
	CertificateTrusted bool   `json:"certificateTrusted"`
	Timestamp          *struct {
		SignerName    string `json:"signerName"`
		TimestampDate string `json:"timestampDate"`
	} `json:"timestampInfomation"` // sic: the guide's spelling
}

// VerifyPDF has the service verify pdf (password opens an encrypted one).
// It is BSrE's opinion, for comparison: our own verifier decides.
func (c *Client) VerifyPDF(ctx context.Context, pdf []byte, password string) (Verification, error) {
	body := struct {
		File     string `json:"file"`
		Password string `json:"password,omitempty"`
	}{base64.StdEncoding.EncodeToString(pdf), password}
	var v Verification
	err := c.post(ctx, PathVerify, &body, &v, false)
	return v, err
}

// errorBody is the service's error answer: {"error": "...", "status_code":
// 2031}; some versions say "message".
type errorBody struct {
	Error      string `json:"error"`
	Message    string `json:"message"`
	StatusCode int    `json:"status_code"`
}

// post sends body as JSON to path and decodes a 200's answer into out (nil:
// ignore it). signing marks the signing call, whose failures after sending
// are ErrOutcomeUnknown.
func (c *Client) post(ctx context.Context, path string, body, out any, signing bool) error {
	buf := &bytes.Buffer{}
	if err := json.NewEncoder(buf).Encode(body); err != nil {
		return fmt.Errorf("%w: %w", ErrRequest, err)
	}
	// The encoded body holds the passphrase or TOTP: wipe it once sent.
	defer wipe(buf)
	// sent: the whole request went out, so the service may act on it; a
	// failure before that (no connection, TLS) signed nothing
	var sent atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(w httptrace.WroteRequestInfo) { sent.Store(w.Err == nil) }}
	ctx = httptrace.WithClientTrace(ctx, trace)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.String()+path, bytes.NewReader(buf.Bytes()))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRequest, err)
	}
	req.SetBasicAuth(c.user, c.password)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return c.transportError(path, err, signing && sent.Load())
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxResp+1))
	if err != nil {
		// the answer was cut off: for a signing call the service has
		// answered, so it did something; we cannot tell what
		return c.transportError(path, err, signing)
	}
	if int64(len(data)) > c.maxResp {
		return fmt.Errorf("%w: the answer to %s is over %d bytes", ErrBadResponse, path, c.maxResp)
	}
	if resp.StatusCode != http.StatusOK {
		var eb errorBody
		msg := ""
		if json.Unmarshal(data, &eb) == nil {
			msg = eb.Error
			if msg == "" {
				msg = eb.Message
			}
		} else if !strings.Contains(resp.Header.Get("Content-Type"), "html") {
			msg = string(data) // an iText exception in plain text
		}
		return &APIError{HTTPStatus: resp.StatusCode, Code: eb.StatusCode, Message: cleanMessage(msg),
			kind: kindOf(resp.StatusCode, eb.StatusCode, signing)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%w: the answer to %s is not the JSON the guide describes: %w", ErrBadResponse, path, err)
	}
	return nil
}

// transportError maps a failure with no answer. maybeSigned: the signing
// request had been written out, so BSrE may have signed.
func (c *Client) transportError(path string, err error, maybeSigned bool) error {
	switch {
	case errTLS(err):
		return fmt.Errorf("%w: %s: %w", ErrTLS, c.base.Host, err)
	case maybeSigned:
		return fmt.Errorf("%w (%s %s: %w)", ErrOutcomeUnknown, c.base.Host, path, err)
	}
	return fmt.Errorf("%w: %s %s: %w", ErrUnavailable, c.base.Host, path, err)
}

func wipe(b *bytes.Buffer) {
	s := b.Bytes()
	s = s[:cap(s)]
	for i := range s {
		s[i] = 0
	}
}
