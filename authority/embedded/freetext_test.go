package embedded

import (
	"errors"
	"github.com/natunakab/besign/authority"
	"testing"
)

// Every free text that reaches a certificate subject, a verifier's screen or
// a mail refuses characters that change how it is shown (a right-to-left
// override makes "rotceriD" read as "Director"), as names already do.
func TestFreeTextRefusesHiddenCharacters(t *testing.T) {
	hidden := []string{"\u202e", "\u2066", "\u200b", "\ufeff", "\x07"}
	checks := []struct {
		name string
		fn   func(string) (string, error)
		want error
	}{
		{"name", authority.CheckName, authority.ErrNameInvalid},
		{"gelar", authority.CheckGelar, authority.ErrGelarInvalid},
		{"unit", func(s string) (string, error) { return authority.CheckText(s, authority.ErrUnitRequired) }, authority.ErrTextInvalid},
		{"reason", func(s string) (string, error) { return checkReason(s, false) }, authority.ErrTextInvalid},
	}
	for _, c := range checks {
		if got, err := c.fn("Kepala " + "Dinas"); err != nil || got != "Kepala Dinas" {
			t.Fatalf("%s: plain text refused: %q, %v", c.name, got, err)
		}
		for _, h := range hidden {
			if _, err := c.fn("Kepala" + h + "Dinas"); !errors.Is(err, c.want) {
				t.Errorf("%s with %U: err %v, want %v", c.name, []rune(h)[0], err, c.want)
			}
		}
	}
	// A rejection's reason may span lines; the other texts may not.
	if _, err := checkReason("NIK salah.\nMohon perbaiki.", false); err != nil {
		t.Errorf("multi-line reason refused: %v", err)
	}
	if _, err := authority.CheckText("Bagian\nUmum", authority.ErrUnitRequired); !errors.Is(err, authority.ErrTextInvalid) {
		t.Errorf("multi-line unit: %v", err)
	}
}
