package authority

import (
	"errors"
	"testing"
	"time"
)

var idNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func TestCheckNIK(t *testing.T) {
	for _, tc := range []struct {
		nik    string
		err    error
		born   string
		female bool
	}{
		{"2103015901950003", nil, "1995-01-19", true},
		{"2103011901950003", nil, "1995-01-19", false},
		{"2103010101250001", nil, "2025-01-01", false},
		{"2103010112300001", nil, "1930-12-01", false}, // 2030 is in the future
		{"210301590195000", ErrNIKFormat, "", false},   // 15 digits
		{"21030159019500031", ErrNIKFormat, "", false},
		{"2103 15901950003", ErrNIKFormat, "", false},
		{"210301590195000a", ErrNIKFormat, "", false},
		{"", ErrNIKFormat, "", false},
		{"2003015901950003", ErrNIKProvince, "", false}, // 20 is no province
		{"9903015901950003", ErrNIKProvince, "", false},
		{"2103013201950003", ErrNIKBirthDate, "", false}, // day 32
		{"2103017201950003", ErrNIKBirthDate, "", false}, // woman, day 32
		{"2103010013950003", ErrNIKBirthDate, "", false}, // month 13
		{"2103013002950003", ErrNIKBirthDate, "", false}, // 30 February
		{"2103010000950003", ErrNIKBirthDate, "", false},
		{"2103015901950000", ErrNIKSerial, "", false},
	} {
		got, err := CheckNIK(tc.nik, idNow)
		if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("CheckNIK(%q) = %v, want %v", tc.nik, err, tc.err)
			continue
		}
		if err == nil && (got.BirthDate.Format(time.DateOnly) != tc.born || got.Female != tc.female || got.Province.Code != "21") {
			t.Errorf("CheckNIK(%q) = %+v, want born %s female %v", tc.nik, got, tc.born, tc.female)
		}
	}
}

func TestCheckNIP(t *testing.T) {
	for _, tc := range []struct {
		nip string
		err error
	}{
		{"199501192022032003", nil},
		{"12345678", nil}, // NRP
		{"19950119202203200", ErrNIPFormat},
		{"1234567", ErrNIPFormat},
		{"19950119202203200x", ErrNIPFormat},
		{"199502302022032003", ErrNIPBirthDate}, // 30 February
		{"199513192022032003", ErrNIPBirthDate},
		{"203001192022032003", ErrNIPBirthDate}, // in the future
		{"199501192022132003", ErrNIPTMT},       // month 13
		{"199501191990032003", ErrNIPTMT},       // before birth
		{"199501192022033003", ErrNIPSex},
	} {
		_, err := CheckNIP(tc.nip, idNow)
		if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("CheckNIP(%q) = %v, want %v", tc.nip, err, tc.err)
		}
	}
	nip, _ := CheckNIP("199501192022032003", idNow)
	woman, _ := CheckNIK("2103015901950003", idNow)
	man, _ := CheckNIK("2103011901950003", idNow)
	other, _ := CheckNIK("2103015902950003", idNow)
	if w := NIPWarnings(nip, woman); len(w) != 0 {
		t.Errorf("matching NIP and NIK warn %v", w)
	}
	if w := NIPWarnings(nip, man); len(w) != 1 || w[0] != WarnNIPSex {
		t.Errorf("sex mismatch warns %v", w)
	}
	if w := NIPWarnings(nip, other); len(w) != 1 || w[0] != WarnNIPBirthDate {
		t.Errorf("birth date mismatch warns %v", w)
	}
	nrp, _ := CheckNIP("12345678", idNow)
	if w := NIPWarnings(nrp, man); len(w) != 0 {
		t.Errorf("NRP warns %v", w)
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		err     error
	}{
		{"081234567890", "+6281234567890", nil},
		{"0812-3456-7890", "+6281234567890", nil},
		{"6281234567890", "+6281234567890", nil},
		{"+62 812 3456 7890", "+6281234567890", nil},
		{"0812345678", "+62812345678", nil},       // 10 digits
		{"0812345678901", "+62812345678901", nil}, // 13 digits
		{"081234567", "", ErrPhoneInvalid},        // 9 digits
		{"08123456789012", "", ErrPhoneInvalid},   // 14 digits
		{"08123abc890", "", ErrPhoneInvalid},      // letters
		{"0212345678", "", ErrPhoneInvalid},       // a landline
		{"+6581234567", "", ErrPhoneInvalid},      // not Indonesia
		{"81234567890", "", ErrPhoneInvalid},
		{"08+1234567890", "", ErrPhoneInvalid},
		{"  ", "", ErrPhoneRequired},
	} {
		got, err := NormalizePhone(tc.in)
		if got != tc.out || !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", tc.in, got, err, tc.out, tc.err)
		}
	}
}

func TestCheckGelar(t *testing.T) {
	if g, err := CheckGelar(" - "); g != "-" || err != nil {
		t.Errorf("CheckGelar(-) = %q, %v", g, err)
	}
	if g, err := CheckGelar("S.Kom., M.T."); g != "S.Kom., M.T." || err != nil {
		t.Errorf("CheckGelar = %q, %v", g, err)
	}
	if _, err := CheckGelar(""); !errors.Is(err, ErrGelarRequired) {
		t.Errorf("empty gelar: %v", err)
	}
	if _, err := CheckGelar("S.\x00Kom"); !errors.Is(err, ErrGelarInvalid) {
		t.Errorf("control character: %v", err)
	}
}
