package timestamp

import (
	"bytes"
	"context"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"time"
)

// DefaultTimeout bounds one request to a TSA: connection, TLS, the TSA's
// work and the reply. A TSA slower than this fails signing with
// ErrUnreachable rather than leaving the person waiting.
const DefaultTimeout = 15 * time.Second

// maxReply bounds what is read of a reply: a token with a chain of a few
// certificates is a few kilobytes.
const maxReply = 256 << 10

// Client asks one TSA for tokens.
type Client struct {
	// URL is the TSA's address (http or https).
	URL string
	// HTTP is the client to use; nil: one with Timeout and the system's
	// roots (an https TSA with a private root needs its own).
	HTTP *http.Client
	// Timeout bounds each request; zero means DefaultTimeout.
	Timeout time.Duration
}

// NewClient checks the TSA's address and returns its client.
func NewClient(tsaURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(tsaURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an http(s) URL", ErrUnreachable, tsaURL)
	}
	return &Client{URL: tsaURL, HTTP: hc}, nil
}

// Stamp asks the TSA for a token over the SHA-256 digest and returns it
// checked (see Check): its imprint is digest and its nonce the request's.
func (c *Client) Stamp(ctx context.Context, digest []byte) (*Token, error) {
	req, err := NewRequest(digest)
	if err != nil {
		return nil, err
	}
	body, err := req.Marshal()
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	hr.Header.Set("Content-Type", QueryType)
	hr.Header.Set("Accept", ReplyType)
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: timeout}
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, c.URL, unwrapURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered HTTP %d", ErrUnreachable, c.URL, resp.StatusCode)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != ReplyType {
		return nil, fmt.Errorf("%w: %s answered %q, not %s", ErrBadReply, c.URL, resp.Header.Get("Content-Type"), ReplyType)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxReply+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, c.URL, err)
	}
	if len(raw) > maxReply {
		return nil, fmt.Errorf("%w: the reply is larger than %d bytes", ErrBadReply, maxReply)
	}
	return ReadReply(raw, req)
}

// ReadReply reads a DER TimeStampResp to req: a granted status and a token
// that Check accepts for req's digest and nonce.
func ReadReply(raw []byte, req *Request) (*Token, error) {
	var r response
	rest, err := asn1.Unmarshal(raw, &r)
	if err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("%w: not a TimeStampResp", ErrBadReply)
	}
	if s := r.Status.Status; s != statusGranted && s != statusGrantedWithMods {
		return nil, fmt.Errorf("%w: status %d%s", ErrRefused, s, failText(r.Status))
	}
	if len(r.Token.FullBytes) == 0 {
		return nil, fmt.Errorf("%w: a granted reply without a token", ErrBadReply)
	}
	return Check(r.Token.FullBytes, req.Digest, req.Nonce)
}

// failText words a refusal's failure bits and text, for the log.
func failText(s statusInfo) string {
	names := map[int]string{failBadAlg: "badAlg", failBadRequest: "badRequest", failBadDataFormat: "badDataFormat",
		14: "timeNotAvailable", failUnacceptedPolicy: "unacceptedPolicy", failUnacceptedExtension: "unacceptedExtension",
		17: "addInfoNotAvailable", failSystemFailure: "systemFailure"}
	out := ""
	for bit := 0; bit < s.FailInfo.BitLength; bit++ {
		if s.FailInfo.At(bit) == 1 {
			name := names[bit]
			if name == "" {
				name = fmt.Sprintf("bit %d", bit)
			}
			out += " " + name
		}
	}
	var texts []asn1.RawValue
	if len(s.StatusString.FullBytes) > 0 {
		if _, err := asn1.Unmarshal(s.StatusString.FullBytes, &texts); err == nil {
			for _, t := range texts {
				out += fmt.Sprintf(" %q", string(t.Bytes))
			}
		}
	}
	return out
}

// unwrapURL drops net/http's "Post \"URL\":" prefix, which the caller
// already says.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return errors.New("no answer in time")
		}
		return ue.Err
	}
	return err
}
