package screens

import (
	"context"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/natunakab/besign/assets"
	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
)

func init() {
	// The passphrase's and certificate's sentinels, worded by passphraseText.
	for name, err := range map[string]error{
		"ErrPassphraseWeak": authority.ErrPassphraseWeak, "ErrPassphraseCommon": authority.ErrPassphraseCommon,
		"ErrPassphraseTooLong":  authority.ErrPassphraseTooLong,
		"ErrPassphraseMismatch": authority.ErrPassphraseMismatch, "ErrPassphraseSame": authority.ErrPassphraseSame,
		"ErrCertificateConsent": authority.ErrCertificateConsent, "ErrPassphraseWrong": authority.ErrPassphraseWrong,
		"ErrCertificateSuspended": authority.ErrCertificateSuspended, "ErrCertificateRevoked": authority.ErrCertificateRevoked,
		"ErrCertificateExpired": authority.ErrCertificateExpired, "ErrNoCertificate": authority.ErrNoCertificate,
		"ErrCertificateExists": authority.ErrCertificateExists, "ErrActivationNotVerified": authority.ErrActivationNotVerified,
		"ErrDigestInvalid": authority.ErrDigestInvalid, "ErrTooManyDigests": authority.ErrTooManyDigests,
	} {
		sentinelValues[name] = err
	}
}

const seedRuleError = "Passphrase anda harus mengandung setidaknya satu huruf besar, satu huruf kecil, satu karakter khusus, dan satu angka."

// verifiedSignedIn signs a new account in whose activation IT approved;
// more tunes the authority.
func verifiedSignedIn(t testing.TB, more ...func(*embedded.Options)) *harness {
	t.Helper()
	return verifiedSignedInWith(t, nil, more...)
}

// verifiedSignedInWith is verifiedSignedIn with the harness configured by
// cfgs too.
func verifiedSignedInWith(t testing.TB, cfgs []func(*harnessConfig), more ...func(*embedded.Options)) *harness {
	t.Helper()
	h := newHarness(t, append([]func(*harnessConfig){func(c *harnessConfig) {
		c.authOpts = func(o *embedded.Options) {
			o.Instansi = "Pemerintah Kabupaten Natuna"
			for _, f := range more {
				f(o)
			}
		}
	}}, cfgs...)...)
	h.user("Siti Rahmawati", actEmail)
	secret := h.activate(actEmail, actPass)
	h.signIn(actEmail, actPass, secret)
	h.wait()
	d := h.ui.account.details.cert
	if d.status.Text != "Belum terdaftar" {
		t.Fatalf("status before activation %q", d.status.Text)
	}
	photo, err := os.ReadFile(photoFile(t, "good"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.auth.SubmitActivation(context.Background(), authority.ActivationRequest{Token: h.ui.state.session.Token, Data: authority.ActivationData{
		Name: "Siti Rahmawati", NIK: goodNIK, GelarDepan: "-", GelarBelakang: "S.Kom.", Phone: "081234567890",
		Employment: authority.EmploymentASN, NIP: goodNIP, Unit: "Dinas Komunikasi dan Informatika", Jabatan: "Pranata Komputer",
		Province: "21", Photo: photo, Consent: true}})
	if err != nil {
		t.Fatal(err)
	}
	h.ui.account.showDetails()
	h.wait()
	if d.status.Text != "Menunggu verifikasi" || d.create.Visible() {
		t.Fatalf("status while waiting %q", d.status.Text)
	}
	if _, err := h.auth.AdminDecideActivation(context.Background(), authority.DecisionRequest{Email: actEmail, Approve: true}); err != nil {
		t.Fatal(err)
	}
	return h
}

// openApprovalMail taps "Buat Passphrase" on the "[BSrE] Set Passphrase" mail.
func (h *harness) openPassphraseMail(kind authority.MailKind) {
	h.t.Helper()
	if h.remote {
		// from the mailbox: the link opens the app
		ms := h.mails(actEmail)
		if len(ms) == 0 || ms[0].Kind != kind || ms[0].ActionLink == "" {
			h.t.Fatalf("newest mail is not %s with a link", kind)
		}
		h.ui.OpenLink(ms[0].ActionLink)
		h.wait()
		h.wantView("Buat Passphrase", h.ui.account.create.content)
		return
	}
	in := h.ui.inbox
	h.ui.tabs.Select(h.ui.inItem)
	h.wait()
	h.typeIn(in.filter, actEmail)
	h.enter()
	if len(in.mails) == 0 || in.mails[0].Kind != kind || !in.action.Visible() {
		h.t.Fatalf("newest mail is not %s", kind)
	}
	h.tap(in.action)
	h.wantView("Buat Passphrase", h.ui.account.create.content)
}

func TestCreatePassphraseForm(t *testing.T) {
	h := verifiedSignedIn(t)
	h.openPassphraseMail(authority.MailActivationApproved)
	v := h.ui.account.create
	if v.f.button.Text != "Buat Passphrase" || !strings.HasPrefix(v.consent.Text, "Saya menyetujui sertifikat saya diterbitkan") {
		t.Fatalf("form: %q %q", v.f.button.Text, v.consent.Text)
	}

	// Each entry hides what is typed and shows it on request.
	for _, e := range []*entry{v.pw.entry, v.confirm.entry} {
		reveal, ok := e.ActionItem.(fyne.Tappable)
		if !e.Password || !ok {
			t.Fatal("a passphrase entry is not masked with a show/hide toggle")
		}
		test.Tap(reveal)
		if e.Password {
			t.Fatal("show/hide did not show the passphrase")
		}
		test.Tap(reveal)
	}

	// The checklist follows typing, rule by rule.
	for _, c := range []struct {
		typed string
		met   []authority.PassphraseRule
	}{
		{"", nil},
		{"a", []authority.PassphraseRule{authority.RuleLower}},
		{"aB", []authority.PassphraseRule{authority.RuleUpper, authority.RuleLower}},
		{"aB3", []authority.PassphraseRule{authority.RuleUpper, authority.RuleLower, authority.RuleDigit}},
		{"aB3#", []authority.PassphraseRule{authority.RuleUpper, authority.RuleLower, authority.RuleDigit, authority.RuleSymbol}},
		{"aB3#efgh", authority.PassphraseRules},
	} {
		h.typeIn(v.pw.entry, c.typed)
		for _, r := range authority.PassphraseRules {
			want := strings.Contains(string(mustRules(c.met)), "|"+string(r)+"|")
			if v.rules.met(r) != want {
				t.Errorf("typed %q: rule %s ticked %v", c.typed, r, v.rules.met(r))
			}
		}
	}

	// Each missing rule gives the seed's text at the passphrase.
	for _, p := range []string{"Contoh2", "contoh2!x", "CONTOH2!X", "Contohx!x", "Contoh22x"} {
		h.typeIn(v.pw.entry, p)
		h.typeIn(v.confirm.entry, p)
		test.Tap(v.consent)
		h.tap(v.f.button)
		h.wantLabel(p, v.pw.msg, seedRuleError)
		v.consent.SetChecked(false)
	}
	// A mismatch, then no consent.
	h.typeIn(v.pw.entry, "Contoh2!")
	h.typeIn(v.confirm.entry, "Contoh2?")
	h.tap(v.f.button)
	h.wantLabel("mismatch", v.confirm.msg, "Konfirmasi passphrase tidak sama.")
	h.wantLabel("passphrase after mismatch", v.pw.msg, "")
	h.typeIn(v.confirm.entry, "Contoh2!")
	h.tap(v.f.button)
	h.wantLabel("consent", v.consentMsg, "Centang persetujuan penerbitan sertifikat")

	// Success: the Akun tab shows the certificate.
	test.Tap(v.consent)
	h.tap(v.f.button)
	a := h.ui.account
	h.wantView("details", a.details.content)
	h.wantLabel("note", a.details.note, "Sertifikat elektronik Anda telah diterbitkan")
	c := a.details.cert
	if c.status.Text != "Aktif" || len(c.serial.Text) < 16 || !strings.Contains(c.valid.Text, "2028") {
		t.Fatalf("certificate shown: %q %q %q", c.status.Text, c.serial.Text, c.valid.Text)
	}
	if c.create.Visible() || !c.change.Visible() || !c.forgot.Visible() {
		t.Fatal("wrong actions for an active certificate")
	}
	// the signing tab knows before it is shown: no stale "selesaikan
	// Aktivasi" while it asks again
	if s := h.ui.sign; s.cert == nil || s.cert.Status != authority.StatusIssue || shown(s.certMsg) != "" {
		t.Fatalf("the signing tab after the passphrase: %+v, note %q", s.cert, shown(s.certMsg))
	}
	first := c.serial.Text

	// Ganti Passphrase: a wrong old one is said at its field.
	h.tap(c.change)
	ch := a.change
	h.wantView("Ganti Passphrase", ch.content)
	h.typeIn(ch.old.entry, "Salah#123")
	h.typeIn(ch.pw.entry, "Baru#Pass9")
	h.typeIn(ch.confirm.entry, "Baru#Pass9")
	h.tap(ch.f.button)
	h.wantLabel("wrong old", ch.old.msg, "Passphrase anda salah.")
	h.typeIn(ch.old.entry, "Contoh2!")
	h.tap(ch.f.button)
	h.wantView("details", a.details.content)
	h.wantLabel("changed", a.details.note, "Passphrase berhasil diganti.")

	// Lupa Passphrase: a mailed link makes a new certificate.
	h.tap(c.forgot)
	h.wantLabel("forgot", a.details.note, "Tautan untuk membuat passphrase baru telah dikirim")
	h.openPassphraseMail(authority.MailPassphraseReset)
	h.typeIn(a.create.pw.entry, "Ketiga$Pass3")
	h.typeIn(a.create.confirm.entry, "Ketiga$Pass3")
	test.Tap(a.create.consent)
	h.tap(a.create.f.button)
	h.wantView("details", a.details.content)
	if c.status.Text != "Aktif" || c.serial.Text == first {
		t.Fatalf("after Lupa Passphrase: %q %q (first %q)", c.status.Text, c.serial.Text, first)
	}
}

func mustRules(rs []authority.PassphraseRule) string {
	s := "|"
	for _, r := range rs {
		s += string(r) + "|"
	}
	return s
}

// A suspended certificate is shown as such, with when it ends.
func TestCertificateSuspendedShown(t *testing.T) {
	h := verifiedSignedIn(t)
	tok := h.ui.state.session.Token
	if _, err := h.auth.CreatePassphrase(context.Background(), authority.CreatePassphraseRequest{Token: tok,
		Passphrase: "Contoh2!", Confirmation: "Contoh2!", Consent: true}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		h.auth.SignDigests(context.Background(), authority.SignDigestsRequest{Token: tok, Passphrase: "Salah#123", Digests: [][]byte{make([]byte, 32)}})
	}
	h.ui.account.showDetails()
	h.wait()
	c := h.ui.account.details.cert
	if c.status.Text != "Ditangguhkan" || !strings.Contains(c.next.Text, "Bagian TI") || c.change.Visible() || !c.forgot.Visible() {
		t.Fatalf("suspended: %q %q", c.status.Text, c.next.Text)
	}
}

// In English the form and its rule error are English.
func TestCreatePassphraseEnglish(t *testing.T) {
	h := newHarness(t)
	if err := assets.UseLanguage("en"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { assets.UseLanguage("id") })
	ui := h.again(nil)
	ui.account.showCreatePassphrase("")
	v := ui.account.create
	if v.f.button.Text != "Create Passphrase" || v.rules.labels[authority.RuleSymbol].Text != "One special character (symbol)" {
		t.Fatalf("English form: %q %q", v.f.button.Text, v.rules.labels[authority.RuleSymbol].Text)
	}
	v.pw.entry.SetText("Contoh22")
	v.confirm.entry.SetText("Contoh22")
	v.submit()
	if got := shown(v.pw.msg); !strings.HasPrefix(got, "Your passphrase must contain") {
		t.Fatalf("English rule error %q", got)
	}
}

const seedCommonError = "Passphrase anda terlalu mudah ditebak. Jangan gunakan kata sandi umum, nama daerah atau layanan, maupun nama, email, NIP atau NIK anda."

// A passphrase that meets the rules but is common, the regency's name or the
// holder's own is refused at the passphrase: by the screen for what it knows,
// by the authority for the NIK it alone knows.
func TestCommonPassphraseRefusedOnScreen(t *testing.T) {
	h := verifiedSignedIn(t)
	h.openPassphraseMail(authority.MailActivationApproved)
	v := h.ui.account.create
	for _, p := range []string{"Password1!", "Natuna2026!", "P@ssw0rd2026", "Rahmawati#2026", "Kucing#" + goodNIK} {
		h.typeIn(v.pw.entry, p)
		h.typeIn(v.confirm.entry, p)
		v.consent.SetChecked(true)
		h.tap(v.f.button)
		h.wait()
		h.wantLabel(p, v.pw.msg, seedCommonError)
		if v.a.details.cert.status.Text == "Aktif" {
			t.Fatalf("%q issued a certificate", p)
		}
	}
	h.typeIn(v.pw.entry, "Layang2 Biru#Ranai")
	h.typeIn(v.confirm.entry, "Layang2 Biru#Ranai")
	h.tap(v.f.button)
	h.wantView("details", h.ui.account.details.content)
	if c := h.ui.account.details.cert; c.status.Text != "Aktif" {
		t.Fatalf("a good passphrase: %q", c.status.Text)
	}
}
