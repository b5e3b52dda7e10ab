package authority

import (
	"fmt"
	"net"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// NormalizeEmail checks an address and returns it in lower case. Only a bare
// address is accepted (no display name, no comments).
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrEmailInvalid)
	}
	if len(s) > MaxEmailLen {
		return "", fmt.Errorf("%w: longer than %d characters", ErrEmailInvalid, MaxEmailLen)
	}
	if !utf8.ValidString(s) {
		return "", ErrEmailInvalid
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", ErrEmailInvalid
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") || !strings.Contains(domain, ".") ||
		strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", ErrEmailInvalid
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '"' || r == '\\' || hiddenRune(r) {
			return "", ErrEmailInvalid
		}
	}
	// Mail goes to names, never to addresses: "budi@[10.0.0.1]" or
	// "budi@10.0.0.1" would bypass the organisation's domain.
	if strings.ContainsAny(domain, "[]:") || net.ParseIP(domain) != nil {
		return "", fmt.Errorf("%w: IP address instead of a domain", ErrEmailInvalid)
	}
	for _, label := range strings.FieldsFunc(s, func(r rune) bool { return r == '.' || r == '@' }) {
		if mixedScripts(label) {
			return "", fmt.Errorf("%w: letters of different scripts in %q", ErrEmailInvalid, label)
		}
	}
	return strings.ToLower(s), nil
}

// hiddenRune reports characters that change how text is shown without
// showing themselves: controls, bidi overrides and isolates (U+202A-U+202E,
// U+2066-U+2069), zero-width characters and other format characters. A
// name or address with one can pose as another.
func hiddenRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
}

// scripts whose letters may not be mixed within one label of an address
// ("arman" with a Cyrillic "а" looks like the Latin one).
var scripts = []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Arabic,
	unicode.Han, unicode.Hebrew, unicode.Armenian, unicode.Georgian, unicode.Thai, unicode.Devanagari}

// otherScript stands for any script not in scripts.
var otherScript = &unicode.RangeTable{}

// mixedScripts reports letters of more than one script in s; digits and
// punctuation belong to none.
func mixedScripts(s string) bool {
	var seen *unicode.RangeTable
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		var sc *unicode.RangeTable
		for _, t := range scripts {
			if unicode.Is(t, r) {
				sc = t
				break
			}
		}
		if sc == nil {
			sc = otherScript
		}
		if seen != nil && sc != seen {
			return true
		}
		seen = sc
	}
	return false
}

// login is a parsed "username or email".
type Login struct {
	Email    string // set when the login has an '@'
	Username string
}

// LoginIsEmail tells whether a username-or-email names an email (it has an
// '@'); usernames never have one.
func LoginIsEmail(s string) bool { return strings.Contains(s, "@") }

// ParseLogin trims and lower-cases a username or email. It does not check
// that an email is well formed: a malformed one simply matches no account.
func ParseLogin(s string) (Login, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Login{}, ErrLoginRequired
	}
	if len(s) > MaxLoginLen {
		return Login{}, ErrLoginTooLong
	}
	s = strings.ToLower(s)
	if LoginIsEmail(s) {
		return Login{Email: s}, nil
	}
	return Login{Username: s}, nil
}

// CheckLanguage accepts a language of Languages, or "" for the default.
func CheckLanguage(l Language) (Language, error) {
	l = Language(strings.ToLower(strings.TrimSpace(string(l))))
	if l == "" {
		return "", nil
	}
	for _, k := range Languages {
		if l == k {
			return l, nil
		}
	}
	return "", ErrLanguageInvalid
}

// CheckName trims a person's name and checks its length and characters.
func CheckName(s string) (string, error) {
	return CheckFreeText(s, MaxNameLen, false, TextErrors{ErrNameRequired, ErrNameTooLong, ErrNameInvalid})
}

// TextErrors are what CheckFreeText returns for an empty, a too long and a
// badly written text.
type TextErrors struct{ Empty, Long, Invalid error }

// CheckFreeText trims a required text a person typed and checks that it has
// at most max characters and none that hide or disguise what it shows
// (controls, bidi overrides, zero-width and other format characters);
// newlines are allowed only when lines is set. Every free text that reaches
// a certificate, a verifier's screen or a mail goes through it.
func CheckFreeText(s string, max int, lines bool, e TextErrors) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", e.Empty
	case !utf8.ValidString(s):
		return "", e.Invalid
	case utf8.RuneCountInString(s) > max:
		return "", e.Long
	}
	for _, r := range s {
		if hiddenRune(r) && !(lines && r == '\n') {
			return "", e.Invalid
		}
	}
	return s, nil
}

func CheckRole(r Role) (Role, error) {
	switch Role(strings.ToLower(strings.TrimSpace(string(r)))) {
	case "", RoleSigner:
		return RoleSigner, nil
	case RoleVerifier:
		return RoleVerifier, nil
	}
	return "", ErrRoleInvalid
}

// MaxUsernameLen keeps usernames short enough for screens and the CLI.
const MaxUsernameLen = 64

// UsernameBase derives a username from an email's local part: lower case
// letters, digits, '.', '_' and '-' only. The caller makes it unique.
func UsernameBase(email string) string {
	local, _, _ := strings.Cut(email, "@")
	var b strings.Builder
	for _, r := range strings.ToLower(local) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		}
		if b.Len() >= MaxUsernameLen-6 { // room for a numeric suffix
			break
		}
	}
	u := strings.Trim(b.String(), ".-_")
	if u == "" {
		u = "user"
	}
	return u
}

// CheckPassword applies the password policy.
func CheckPassword(password, confirmation string) error {
	switch n := utf8.RuneCountInString(password); {
	case password == "":
		return ErrPasswordRequired
	case n < MinPasswordLen:
		return ErrPasswordTooShort
	case n > MaxPasswordLen:
		return ErrPasswordTooLong
	}
	if password != confirmation {
		return ErrPasswordMismatch
	}
	return nil
}

// OTPDigits is our TOTP policy's code length.
const OTPDigits = 6

// ParseOTPCode reads a typed OTP code as the authority does: six digits,
// spaces between groups ignored. Screens check with it before sending.
func ParseOTPCode(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return "", ErrOTPRequired
	}
	if len(s) != OTPDigits {
		return "", ErrOTPFormat
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", ErrOTPFormat
		}
	}
	return s, nil
}

func CheckDeviceName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrDeviceNameMissing
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxDeviceNameLen {
		return "", ErrDeviceNameTooLong
	}
	for _, r := range s {
		if hiddenRune(r) {
			return "", ErrDeviceNameInvalid
		}
	}
	return s, nil
}
