package authority

import (
	"errors"
	"testing"
)

// Names, device names and addresses that could pose as others are refused:
// hidden characters, IP-literal domains, mixed scripts in one label.
func TestHiddenAndLookalikeCharacters(t *testing.T) {
	hidden := []string{"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
		"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\x07", "\u0085"}
	for _, h := range hidden {
		if _, err := CheckName("Arman" + h + " Salim"); !errors.Is(err, ErrNameInvalid) {
			t.Errorf("name with %U: %v, want ErrNameInvalid", []rune(h)[0], err)
		}
		if _, err := CheckDeviceName("Ponsel" + h + "Arman"); !errors.Is(err, ErrDeviceNameInvalid) {
			t.Errorf("device name with %U: %v, want ErrDeviceNameInvalid", []rune(h)[0], err)
		}
		if _, err := NormalizeEmail("arman" + h + "salim@natunakab.go.id"); !errors.Is(err, ErrEmailInvalid) {
			t.Errorf("email with %U: %v, want ErrEmailInvalid", []rune(h)[0], err)
		}
	}
	for _, bad := range []string{
		"arman@[10.0.0.1]", "arman@10.0.0.1", "arman@[IPv6:::1]",
		"\u0430rman@natunakab.go.id",       // Cyrillic а in a Latin local part
		"arman@n\u0430tunakab.go.id",       // ... in the domain
		"arman@natunakab.g\u03bf.id",       // Greek ο
		"arman.\u0441alim@natunakab.go.id", // Cyrillic с in the second label
	} {
		if _, err := NormalizeEmail(bad); !errors.Is(err, ErrEmailInvalid) {
			t.Errorf("NormalizeEmail(%q) = %v, want ErrEmailInvalid", bad, err)
		}
	}
	for _, good := range []string{"arman.salim@natunakab.go.id", "арман@пример.рф", "budi2@natunakab.go.id"} {
		if _, err := NormalizeEmail(good); err != nil {
			t.Errorf("NormalizeEmail(%q): %v", good, err)
		}
	}
	for _, good := range []string{"Arman Salim, S.Kom.", "Dr. Liza Dahlia-Putri", "Ni Made Ayu"} {
		if _, err := CheckName(good); err != nil {
			t.Errorf("CheckName(%q): %v", good, err)
		}
	}
}
