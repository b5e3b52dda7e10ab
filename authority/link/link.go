// Package link owns the besign:// action links that the authority's mail
// carries and the app opens: it builds them and parses them, so that the
// format is written once.
//
//	besign://reset?token=T     the required actions after "Lupa Password"
//	besign://forgot?login=L    "Lupa Password", pre-filled with L
//	besign://passphrase?token=T "Buat Passphrase" (after approval or "Lupa Passphrase")
//	besign://passphrase         "Buat Passphrase" for the signed-in account
package link

import (
	"errors"
	"net/url"
	"strings"
)

// Scheme is the URL scheme the app registers as handler for.
const Scheme = "besign"

// Kind names the flow a link opens.
type Kind string

const (
	KindReset  Kind = "reset"
	KindForgot Kind = "forgot"
	// KindPassphrase opens "Buat Passphrase" with a passphrase link token,
	// or without one (Value "") for the signed-in account.
	KindPassphrase Kind = "passphrase"
)

// Link is a parsed action link.
type Link struct {
	Kind  Kind
	Value string // the token (KindReset, KindPassphrase) or the login (KindForgot)
}

// ErrInvalid is returned by Parse for anything but a besign link it knows.
var ErrInvalid = errors.New("not a besign link")

const (
	// MaxLen bounds what Parse looks at (and the app's link entry); real
	// links are far shorter.
	MaxLen = 2048
	// maxTokenLen bounds a token; the authority's are 43 characters.
	maxTokenLen = 512
)

// Reset builds the link of a reset token.
func Reset(token string) string { return Link{KindReset, token}.String() }

// Forgot builds the link that opens "Lupa Password" pre-filled with login.
func Forgot(login string) string { return Link{KindForgot, login}.String() }

// Passphrase builds the link of a passphrase link token ("" for none).
func Passphrase(token string) string { return Link{KindPassphrase, token}.String() }

// String writes the link. '@' stays as it is in a query (RFC 3986 allows
// it, and mail programs then show a readable address); '+', '&' and the
// like are escaped.
func (l Link) String() string {
	switch l.Kind {
	case KindReset:
		return Scheme + "://reset?token=" + url.QueryEscape(l.Value)
	case KindPassphrase:
		if l.Value == "" {
			return Scheme + "://passphrase"
		}
		return Scheme + "://passphrase?token=" + url.QueryEscape(l.Value)
	case KindForgot:
		return Scheme + "://forgot?login=" + strings.ReplaceAll(url.QueryEscape(l.Value), "%40", "@")
	}
	return ""
}

// Parse reads an action link. A bare reset token (what is left after
// "token=") is accepted too, since people paste all sorts of things. Case
// of scheme and kind, surrounding space and the opaque form besign:reset?...
// are tolerated.
func Parse(raw string) (Link, error) {
	s := strings.TrimSpace(raw)
	if s == "" || len(s) > MaxLen {
		return Link{}, ErrInvalid
	}
	if !strings.Contains(s, ":") {
		if !TokenText(s) {
			return Link{}, ErrInvalid
		}
		return Link{Kind: KindReset, Value: s}, nil
	}
	u, err := url.Parse(s)
	if err != nil || !strings.EqualFold(u.Scheme, Scheme) {
		return Link{}, ErrInvalid
	}
	// besign://reset?... has the flow as host; besign:reset?... as opaque.
	kind := u.Host
	if kind == "" {
		kind = u.Opaque
	}
	if kind == "" {
		kind = strings.Trim(u.Path, "/")
	}
	q := u.Query()
	switch k := Kind(strings.ToLower(kind)); k {
	case KindReset, KindPassphrase:
		t := q.Get("token")
		if k == KindPassphrase && !q.Has("token") {
			return Link{Kind: KindPassphrase}, nil
		}
		if !TokenText(t) {
			return Link{}, ErrInvalid
		}
		return Link{Kind: k, Value: t}, nil
	case KindForgot:
		l := strings.TrimSpace(q.Get("login"))
		if l == "" || strings.ContainsAny(l, "\r\n\t") {
			return Link{}, ErrInvalid
		}
		return Link{Kind: KindForgot, Value: l}, nil
	}
	return Link{}, ErrInvalid
}

// TokenText reports whether s can be a token of a link: 1 to 512 of the
// URL's unreserved characters (base64url and hex tokens), so that a token
// needs no escaping. Whether it is a valid token only the authority knows.
func TokenText(s string) bool {
	if s == "" || len(s) > maxTokenLen {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == '~':
		default:
			return false
		}
	}
	return true
}
