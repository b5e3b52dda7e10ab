package authority

import (
	"errors"
	"strings"
	"time"

	"github.com/natunakab/besign/authority/region"
)

// Identifiers of the activation form: NIK (16 digits: province, regency,
// district, birth date DDMMYY with day+40 for women, serial), NIP (18 digits:
// birth date, start of service YYYYMM, sex, serial), NRP (8 digits). Each
// check names the part that is wrong with its own error, so that the screen
// can say it at the field.

var (
	ErrNIKFormat    = errors.New("NIK must be 16 digits")
	ErrNIKProvince  = errors.New("NIK's first two digits are not a province code")
	ErrNIKBirthDate = errors.New("NIK's birth date (digits 7-12) is not a valid date")
	ErrNIKSerial    = errors.New("NIK's serial number (last four digits) must not be 0000")
	ErrNIKTaken     = errors.New("NIK already belongs to another account")

	ErrNIPFormat    = errors.New("NIP must be 18 digits, or NRP 8 digits")
	ErrNIPBirthDate = errors.New("NIP's birth date (digits 1-8) is not a valid date")
	ErrNIPTMT       = errors.New("NIP's start of service (digits 9-14) is not a valid month")
	ErrNIPSex       = errors.New("NIP's digit 15 must be 1 (male) or 2 (female)")

	ErrPhoneRequired = errors.New("phone number is required")
	ErrPhoneInvalid  = errors.New("phone number must be an Indonesian mobile number: 08..., 628... or +628...")

	ErrGelarRequired = errors.New(`gelar is required; write "-" for none`)
	ErrGelarTooLong  = errors.New("gelar is too long")
	ErrGelarInvalid  = errors.New("gelar contains characters that are not allowed")
)

// Identifier limits.
const (
	NIKLen      = 16
	NIPLen      = 18
	NRPLen      = 8
	MaxGelarLen = 40
)

// NIK is what a valid NIK tells.
type NIK struct {
	Province  region.Province
	BirthDate time.Time // UTC midnight
	Female    bool
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// date returns the day if y-m-d exists.
func date(y, m, d int) (time.Time, bool) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t, m >= 1 && m <= 12 && t.Day() == d && int(t.Month()) == m
}

// CheckNIK checks a NIK's structure: 16 digits, a province code, a birth
// date DDMMYY (women: day + 40) that exists and is not after now, and a
// serial other than 0000. The century is the one that puts the date at most
// now.
func CheckNIK(s string, now time.Time) (NIK, error) {
	if len(s) != NIKLen || !allDigits(s) {
		return NIK{}, ErrNIKFormat
	}
	p, ok := region.ByCode(s[:2])
	if !ok {
		return NIK{}, ErrNIKProvince
	}
	day, month, yy := atoi(s[6:8]), atoi(s[8:10]), atoi(s[10:12])
	female := day > 40
	if female {
		day -= 40
	}
	born, ok := date(2000+yy, month, day)
	if ok && born.After(now) {
		born, ok = date(1900+yy, month, day)
	}
	if !ok {
		return NIK{}, ErrNIKBirthDate
	}
	if s[12:] == "0000" {
		return NIK{}, ErrNIKSerial
	}
	return NIK{Province: p, BirthDate: born, Female: female}, nil
}

// NIP is what a valid NIP (or NRP) tells; an NRP tells nothing more.
type NIP struct {
	NRP       bool      // an 8-digit NRP (POLRI)
	BirthDate time.Time // NIP only
	TMT       time.Time // start of service, first of the month; NIP only
	Female    bool      // NIP only
}

// CheckNIP checks an 18-digit NIP (birth date YYYYMMDD, TMT YYYYMM, sex 1 or
// 2, serial) or an 8-digit NRP.
func CheckNIP(s string, now time.Time) (NIP, error) {
	if !allDigits(s) || (len(s) != NIPLen && len(s) != NRPLen) {
		return NIP{}, ErrNIPFormat
	}
	if len(s) == NRPLen {
		return NIP{NRP: true}, nil
	}
	born, ok := date(atoi(s[:4]), atoi(s[4:6]), atoi(s[6:8]))
	if !ok || born.Year() < 1900 || born.After(now) {
		return NIP{}, ErrNIPBirthDate
	}
	tmt, ok := date(atoi(s[8:12]), atoi(s[12:14]), 1)
	if !ok || !tmt.After(born) || tmt.After(now) {
		return NIP{}, ErrNIPTMT
	}
	switch s[14] {
	case '1', '2':
	default:
		return NIP{}, ErrNIPSex
	}
	return NIP{BirthDate: born, TMT: tmt, Female: s[14] == '2'}, nil
}

// Warning is a kind of disagreement that does not stop a submission.
type Warning string

const (
	// WarnNIPBirthDate: the NIP's birth date is not the NIK's.
	WarnNIPBirthDate Warning = "nip_birth_date_differs"
	// WarnNIPSex: the NIP's sex is not the NIK's.
	WarnNIPSex Warning = "nip_sex_differs"
)

// NIPWarnings compares a NIP with a NIK; an NRP has nothing to compare.
func NIPWarnings(nip NIP, nik NIK) []Warning {
	if nip.NRP {
		return nil
	}
	var w []Warning
	if !nip.BirthDate.Equal(nik.BirthDate) {
		w = append(w, WarnNIPBirthDate)
	}
	if nip.Female != nik.Female {
		w = append(w, WarnNIPSex)
	}
	return w
}

// NormalizePhone accepts an Indonesian mobile number as 08..., 628... or
// +628..., with spaces, dots or dashes between digits, and returns it as
// +628... The national number (8...) has 9 to 12 digits, so that 08... is
// 10 to 13 digits long.
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrPhoneRequired
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '.':
		default:
			return "", ErrPhoneInvalid
		}
	}
	d := b.String()
	var national string
	switch {
	case strings.HasPrefix(s, "+"):
		if !strings.HasPrefix(d, "62") {
			return "", ErrPhoneInvalid
		}
		national = d[2:]
	case strings.HasPrefix(d, "62"):
		national = d[2:]
	case strings.HasPrefix(d, "0"):
		national = d[1:]
	default:
		return "", ErrPhoneInvalid
	}
	if !strings.HasPrefix(national, "8") || len(national) < 9 || len(national) > 12 {
		return "", ErrPhoneInvalid
	}
	return "+62" + national, nil
}

// CheckGelar trims a gelar (academic title); it is required and "-" means
// none.
func CheckGelar(s string) (string, error) {
	return CheckFreeText(s, MaxGelarLen, false, TextErrors{ErrGelarRequired, ErrGelarTooLong, ErrGelarInvalid})
}
