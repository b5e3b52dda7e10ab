package authority

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
)

// The server's operations as the contract sees them: the audit log, and
// the rate limits a server may answer any request with.

// ErrRateLimited: the account or the address sent too many requests in a
// short time; the organisation server refused this one without looking at
// it. Waiting a minute and trying again is the cure.
var ErrRateLimited = errors.New("too many requests in a short time; wait a minute and try again")

// The audit log: who had which digests signed, when, and from which
// client. Append-only (the databases refuse UPDATE and DELETE on it); it
// holds digests, never a document. IT reads it with `besign admin audit`.

// AuditEntry is one SignDigests call that signed.
type AuditEntry struct {
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Account string    `json:"account"` // the email at the time
	Serial  string    `json:"serial"`  // the certificate that signed, hex
	// Digests are the SHA-256 digests signed, in order.
	Digests [][]byte `json:"digests"`
	Client  Client   `json:"client"`
}

// Client is where a request came from, as the transport saw it: the
// server's HTTP handler fills it; in-process calls leave it empty.
type Client struct {
	Address   string `json:"address"`    // IP address, without the port
	UserAgent string `json:"user_agent"` // as sent, cleaned and cut to MaxUserAgentLen
}

// MaxUserAgentLen bounds the user agent kept in the audit log.
const MaxUserAgentLen = 256

type clientKey struct{}

// WithClient returns ctx carrying c, cleaned: control characters dropped
// and the user agent cut, so that a log line cannot be forged with it.
func WithClient(ctx context.Context, c Client) context.Context {
	clean := func(s string, max int) string {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) {
				return -1
			}
			return r
		}, s)
		if len(s) > max {
			s = strings.ToValidUTF8(s[:max], "")
		}
		return s
	}
	c.Address, c.UserAgent = clean(c.Address, 64), clean(c.UserAgent, MaxUserAgentLen)
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the client WithClient put in ctx, or an empty one.
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}
