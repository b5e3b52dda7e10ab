package link

import "strings"

// The server's hand-over page: mail programs make https links clickable but
// rarely besign:// ones, so a server's mail carries
//
//	https://SERVER/buka/reset?token=T
//
// whose page (served by `besign serve`) opens besign://reset?token=T in the
// app, and shows the link to paste where no handler is registered. The page
// path mirrors the link: kind after /buka/, the same query.

// PagePath is the path prefix of the hand-over page.
const PagePath = "/buka/"

// Page is the https address of l's hand-over page on the server at base
// (https://besign.example, without a trailing path).
func (l Link) Page(base string) string {
	return strings.TrimRight(base, "/") + PagePath + strings.TrimPrefix(l.String(), Scheme+"://")
}

// FromPage reads the link of a hand-over page's path and query, as
// strictly as Parse reads a link.
func FromPage(path, rawQuery string) (Link, error) {
	kind, ok := strings.CutPrefix(path, PagePath)
	if !ok || kind == "" || strings.Contains(kind, "/") {
		return Link{}, ErrInvalid
	}
	raw := Scheme + "://" + kind
	if rawQuery != "" {
		raw += "?" + rawQuery
	}
	return Parse(raw)
}
