package embedded

import (
	"errors"
	"github.com/natunakab/besign/authority"
	"testing"
)

// commonPassphrases meet every rule of the seed (capital, small letter,
// digit, symbol, 8 characters) and are guessed first by any word list:
// common passwords with the usual decorations, the regency, the service,
// and the account holder's own name, email, NIP and NIK (validForm).
var commonPassphrases = []string{
	"Password1!", "P@ssw0rd2026", "Qwerty123!", "Welcome#1", "Iloveyou1!", "Sunshine2026!",
	"Bismillah1!", "Sayang123#", "Indonesia45!", "Rahasia#2026", "Merdeka!1945",
	"Natuna2026!", "NATUNA#2026a", "Natunakab#1", "N@tun@2026", "Besign#2026", "BSrE2026!", "Bsre@1234", "Kabupaten#Natuna1",
	"Siti#1995", "Rahmawati@2026", "Siti.Rahmawati1", "Siti@natunakab1", "Siti#199501192022", "Kucing#2103015901950003",
	"Admin@123", "Passw0rd!", "Bssn@2026",
}

// goodPassphrases meet the rules and are none of the above.
var goodPassphrases = []string{testPassphrase, "Baru!Passphrase9", "Ketiga$Passphrase3", "Ésprit-2026x", "Layang2 Biru#Ranai", "Kopi7!Sore-Hujan"}

// TestCommonPassphraseRefused: the authority refuses passphrases that meet
// the rules but are common or made of the account holder's own data.
func TestCommonPassphraseRefused(t *testing.T) {
	e, _, s, _ := verifiedAccount(t, func(o *Options) {})
	link := approve(t, e)
	for _, p := range commonPassphrases {
		if rules := authority.CheckPassphrase(p); len(rules) > 0 {
			t.Fatalf("%q fails %v: the test wants passphrases that meet the rules", p, rules)
		}
		_, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: link, Passphrase: p, Confirmation: p, Consent: true})
		if !errors.Is(err, authority.ErrPassphraseCommon) {
			t.Errorf("CreatePassphrase(%q): %v, want ErrPassphraseCommon", p, err)
		}
	}
	if _, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: link, Passphrase: testPassphrase, Confirmation: testPassphrase, Consent: true}); err != nil {
		t.Fatalf("a good passphrase: %v", err)
	}
	for _, p := range commonPassphrases[:4] {
		if err := e.ChangePassphrase(ctx, authority.ChangePassphraseRequest{Token: s.Token, Old: testPassphrase, New: p, Confirmation: p}); !errors.Is(err, authority.ErrPassphraseCommon) {
			t.Errorf("ChangePassphrase to %q: %v, want ErrPassphraseCommon", p, err)
		}
	}
	if st := status(t, e, s.Token); st.Failures != 0 {
		t.Errorf("refused new passphrases counted as %d wrong ones", st.Failures)
	}
	for _, p := range goodPassphrases[1:] {
		if err := e.ChangePassphrase(ctx, authority.ChangePassphraseRequest{Token: s.Token, Old: testPassphrase, New: p, Confirmation: p}); err != nil {
			t.Errorf("ChangePassphrase to %q: %v", p, err)
			continue
		}
		if err := e.ChangePassphrase(ctx, authority.ChangePassphraseRequest{Token: s.Token, Old: p, New: testPassphrase, Confirmation: testPassphrase}); err != nil {
			t.Fatalf("back to the first: %v", err)
		}
	}
}

// TestCommonPassphraseCases: the check itself, with the holder's data as
// the authority passes it, case and look-alikes ignored.
func TestCommonPassphraseCases(t *testing.T) {
	personal := []string{"Siti Rahmawati", "siti@natunakab.go.id", "siti", "Pemerintah Kabupaten Natuna", "natunakab.go.id",
		testNIK, testNIP, "+6281234567890", "Dinas Komunikasi dan Informatika"}
	for _, p := range append(commonPassphrases, "pAsSwOrD1!", "@dmin2026", "Admin@", "Komunikasi#2026", "Kucing#081234567") {
		if !authority.CommonPassphrase(p, personal...) {
			t.Errorf("CommonPassphrase(%q) = false", p)
		}
	}
	for _, p := range append(goodPassphrases, "Positif#Kuat2026", "9#Kx2!7q", "Siti#Kopi-Hujan77") {
		if authority.CommonPassphrase(p, personal...) {
			t.Errorf("CommonPassphrase(%q) = true", p)
		}
	}
	// Without the holder's data, their name is just a word.
	if authority.CommonPassphrase("Rahmawati@2026") {
		t.Error("a name refused without personal data")
	}
}
