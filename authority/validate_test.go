package authority

import (
	"errors"
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeEmail(t *testing.T) {
	long := strings.Repeat("a", 250) + "@b.id"
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"Ana.Maria@NatunaKab.go.id", "ana.maria@natunakab.go.id", nil},
		{"  budi@natunakab.go.id \n", "budi@natunakab.go.id", nil},
		{"budi+tag@natunakab.go.id", "budi+tag@natunakab.go.id", nil},
		{"", "", ErrEmailInvalid},
		{"budi", "", ErrEmailInvalid},
		{"budi@", "", ErrEmailInvalid},
		{"@natunakab.go.id", "", ErrEmailInvalid},
		{"budi@localhost", "", ErrEmailInvalid},
		{"budi@@natunakab.go.id", "", ErrEmailInvalid},
		{"budi@natunakab..go.id", "", ErrEmailInvalid},
		{"Budi <budi@natunakab.go.id>", "", ErrEmailInvalid},
		{"budi @natunakab.go.id", "", ErrEmailInvalid},
		{"budi@natunakab.go.id\r\nBcc: x@y.z", "", ErrEmailInvalid},
		{`"b d"@natunakab.go.id`, "", ErrEmailInvalid},
		{long, "", ErrEmailInvalid},
		{"\xff@natunakab.go.id", "", ErrEmailInvalid},
	} {
		got, err := NormalizeEmail(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"  Ana Maria, S.Kom.  ", "Ana Maria, S.Kom.", nil},
		{strings.Repeat("é", MaxNameLen), strings.Repeat("é", MaxNameLen), nil},
		{strings.Repeat("é", MaxNameLen+1), "", ErrNameTooLong},
		{"", "", ErrNameRequired},
		{" \t", "", ErrNameRequired},
		{"Ana\nMaria", "", ErrNameInvalid},
		{"Ana\x00", "", ErrNameInvalid},
		{"Ana\xff", "", ErrNameInvalid},
	} {
		got, err := CheckName(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("CheckName(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestUsernameBase(t *testing.T) {
	for in, want := range map[string]string{
		"ana.maria@natunakab.go.id":       "ana.maria",
		"Budi_S-2@x.id":                   "budi_s-2",
		"budi+tag@x.id":                   "buditag",
		"+++@x.id":                        "user",
		".ana.@x.id":                      "ana",
		strings.Repeat("a", 70) + "@x.id": strings.Repeat("a", MaxUsernameLen-6),
	} {
		if got := UsernameBase(in); got != want {
			t.Errorf("UsernameBase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for _, tc := range []struct {
		pw, conf string
		err      error
	}{
		{"rahasia1", "rahasia1", nil},
		{strings.Repeat("é", MaxPasswordLen), strings.Repeat("é", MaxPasswordLen), nil},
		{"", "", ErrPasswordRequired},
		{"rahasia", "rahasia", ErrPasswordTooShort},
		{strings.Repeat("a", MaxPasswordLen+1), strings.Repeat("a", MaxPasswordLen+1), ErrPasswordTooLong},
		{"rahasia1", "rahasia2", ErrPasswordMismatch},
		{"rahasia1", "", ErrPasswordMismatch},
	} {
		if err := CheckPassword(tc.pw, tc.conf); !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("CheckPassword(%q, %q) = %v, want %v", tc.pw, tc.conf, err, tc.err)
		}
	}
}

func TestParseOTPCode(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"123456", "123456", nil},
		{" 123 456 ", "123456", nil},
		{"", "", ErrOTPRequired},
		{"   ", "", ErrOTPRequired},
		{"12345", "", ErrOTPFormat},
		{"1234567", "", ErrOTPFormat},
		{"12345a", "", ErrOTPFormat},
		{"１２３４５６", "", ErrOTPFormat}, // full-width digits
	} {
		got, err := ParseOTPCode(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("ParseOTPCode(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestCheckDeviceName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{" HP Ana ", "HP Ana", nil},
		{strings.Repeat("x", MaxDeviceNameLen), strings.Repeat("x", MaxDeviceNameLen), nil},
		{strings.Repeat("x", MaxDeviceNameLen+1), "", ErrDeviceNameTooLong},
		{"", "", ErrDeviceNameMissing},
		{"HP\nAna", "", ErrDeviceNameInvalid},
	} {
		got, err := CheckDeviceName(tc.in)
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("CheckDeviceName(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"ana@natunakab.go.id", "A@B.C", "Budi <b@c.d>", "a@b", "\"x\"@y.z", "a@b..c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeEmail(s)
		if err != nil {
			if !errors.Is(err, ErrEmailInvalid) {
				t.Fatalf("NormalizeEmail(%q): %v is not ErrEmailInvalid", s, err)
			}
			return
		}
		if got != strings.ToLower(got) || len(got) > MaxEmailLen || strings.Count(got, "@") != 1 || !utf8.ValidString(got) {
			t.Fatalf("NormalizeEmail(%q) = %q", s, got)
		}
		if again, err := NormalizeEmail(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
		if strings.ContainsAny(got, "\r\n <>") {
			t.Fatalf("header-unsafe address %q", got)
		}
		if _, err := mail.ParseAddress(got); err != nil {
			t.Fatalf("result %q does not parse: %v", got, err)
		}
	})
}

func FuzzParseLogin(f *testing.F) {
	for _, s := range []string{"ana.maria", "Ana@X.id", " ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLogin(s)
		if err != nil {
			if !errors.Is(err, ErrLoginRequired) && !errors.Is(err, ErrLoginTooLong) {
				t.Fatalf("ParseLogin(%q): unexpected error %v", s, err)
			}
			return
		}
		if (l.Email == "") == (l.Username == "") {
			t.Fatalf("ParseLogin(%q) = %+v: want exactly one of email and username", s, l)
		}
		if strings.Contains(l.Username, "@") {
			t.Fatalf("username %q with '@'", l.Username)
		}
		if UsernameBase(l.Email+l.Username+"@x.id") == "" {
			t.Fatal("empty username base")
		}
	})
}
