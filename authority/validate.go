package authority

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalizeEmail checks an address and returns it in lower case. Only a bare
// address is accepted (no display name, no comments).
func normalizeEmail(s string) (string, error) {
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
		if r <= ' ' || r == 0x7f || r == '"' || r == '\\' {
			return "", ErrEmailInvalid
		}
	}
	return strings.ToLower(s), nil
}

// login is a parsed "username or email".
type login struct {
	email    string // set when the login has an '@'
	username string
}

// LoginIsEmail tells whether a username-or-email names an email (it has an
// '@'); usernames never have one.
func LoginIsEmail(s string) bool { return strings.Contains(s, "@") }

// ParseOTPCode reads a typed OTP code as the authority does: six digits,
// spaces between groups ignored. Screens check with it before sending.
func ParseOTPCode(s string) (string, error) { return parseOTPCode(s) }

// parseLogin trims and lower-cases a username or email. It does not check
// that an email is well formed: a malformed one simply matches no account.
func parseLogin(s string) (login, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return login{}, ErrLoginRequired
	}
	if len(s) > MaxLoginLen {
		return login{}, ErrLoginTooLong
	}
	s = strings.ToLower(s)
	if LoginIsEmail(s) {
		return login{email: s}, nil
	}
	return login{username: s}, nil
}

// checkLanguage accepts a language of Languages, or "" for the default.
func checkLanguage(l Language) (Language, error) {
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

// checkName trims a person's name and checks its length and characters.
func checkName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrNameRequired
	}
	if !utf8.ValidString(s) {
		return "", ErrNameInvalid
	}
	if utf8.RuneCountInString(s) > MaxNameLen {
		return "", ErrNameTooLong
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "", ErrNameInvalid
		}
	}
	return s, nil
}

func checkRole(r Role) (Role, error) {
	switch Role(strings.ToLower(strings.TrimSpace(string(r)))) {
	case "", RoleSigner:
		return RoleSigner, nil
	case RoleVerifier:
		return RoleVerifier, nil
	}
	return "", ErrRoleInvalid
}

// maxUsernameLen keeps usernames short enough for screens and the CLI.
const maxUsernameLen = 64

// usernameBase derives a username from an email's local part: lower case
// letters, digits, '.', '_' and '-' only. The caller makes it unique.
func usernameBase(email string) string {
	local, _, _ := strings.Cut(email, "@")
	var b strings.Builder
	for _, r := range strings.ToLower(local) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		}
		if b.Len() >= maxUsernameLen-6 { // room for a numeric suffix
			break
		}
	}
	u := strings.Trim(b.String(), ".-_")
	if u == "" {
		u = "user"
	}
	return u
}

// checkPassword applies the password policy.
func checkPassword(password, confirmation string) error {
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

// otpDigits is our TOTP policy's code length.
const otpDigits = 6

// parseOTPCode accepts six digits, ignoring spaces people type between groups.
func parseOTPCode(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	if s == "" {
		return "", ErrOTPRequired
	}
	if len(s) != otpDigits {
		return "", ErrOTPFormat
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", ErrOTPFormat
		}
	}
	return s, nil
}

func checkDeviceName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrDeviceNameMissing
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxDeviceNameLen {
		return "", ErrDeviceNameTooLong
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", ErrDeviceNameInvalid
		}
	}
	return s, nil
}
