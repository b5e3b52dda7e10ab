package screens

import (
	"errors"
	"net/url"
	"strings"
)

// LinkKind names the flow an action link opens.
type LinkKind string

const (
	LinkReset  LinkKind = "reset"  // besign://reset?token=T: the required actions
	LinkForgot LinkKind = "forgot" // besign://forgot?login=L: Lupa Password, pre-filled
)

// Link is a parsed besign:// action link.
type Link struct {
	Kind  LinkKind
	Value string // the token or the login
}

// ErrLinkInvalid is returned by ParseLink for anything but a besign link it knows.
var ErrLinkInvalid = errors.New("not a besign link")

// maxLinkLen bounds what ParseLink looks at; real links are far shorter.
const maxLinkLen = 2048

// ParseLink reads an action link from a mail. A bare reset token (what is
// left after "token=") is accepted too, since people paste all sorts of things.
func ParseLink(raw string) (Link, error) {
	s := strings.TrimSpace(raw)
	if s == "" || len(s) > maxLinkLen {
		return Link{}, ErrLinkInvalid
	}
	if !strings.Contains(s, ":") {
		if !isTokenText(s) {
			return Link{}, ErrLinkInvalid
		}
		return Link{Kind: LinkReset, Value: s}, nil
	}
	u, err := url.Parse(s)
	if err != nil || !strings.EqualFold(u.Scheme, "besign") {
		return Link{}, ErrLinkInvalid
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
	switch LinkKind(strings.ToLower(kind)) {
	case LinkReset:
		t := q.Get("token")
		if !isTokenText(t) {
			return Link{}, ErrLinkInvalid
		}
		return Link{Kind: LinkReset, Value: t}, nil
	case LinkForgot:
		l := strings.TrimSpace(q.Get("login"))
		if l == "" || strings.ContainsAny(l, "\r\n\t") {
			return Link{}, ErrLinkInvalid
		}
		return Link{Kind: LinkForgot, Value: l}, nil
	}
	return Link{}, ErrLinkInvalid
}

// isTokenText accepts the characters of base64url and hex tokens only.
func isTokenText(s string) bool {
	if s == "" || len(s) > 512 {
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
