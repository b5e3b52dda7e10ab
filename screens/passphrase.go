package screens

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/assets"
	"github.com/natunakab/besign/authority"
)

// The passphrase: "Buat Passphrase" (after the "[BSrE] Set Passphrase" mail
// or "Lupa Passphrase") and "Ganti Passphrase", each with a live checklist
// of the rules. Key generation and derivation take a while: they run in the
// background.

// passphraseRuleError is BSrE's own wording for a passphrase missing a rule.
func passphraseRuleError() string {
	return lang.L("Passphrase anda harus mengandung setidaknya satu huruf besar, satu huruf kecil, satu karakter khusus, dan satu angka.")
}

// passphraseCommonError says why a passphrase that meets the rules is
// still refused, in the seed's style.
func passphraseCommonError() string {
	return lang.L("Passphrase anda terlalu mudah ditebak. Jangan gunakan kata sandi umum, nama daerah atau layanan, maupun nama, email, NIP atau NIK anda.")
}

// commonPassphrase asks early what the authority will refuse, with what
// the screen knows of the account (the authority also knows the NIK and
// NIP, and decides).
func commonPassphrase(u *UI, p string) bool {
	personal := []string{u.opts.EmailDomain}
	if s := u.state.session; s != nil {
		personal = append(personal, s.Account.Name, s.Account.Email, s.Account.Username)
	}
	return authority.CommonPassphrase(p, personal...)
}

// passphraseText words the errors of passphrases and certificates; ok is
// false for others. message asks it first.
func passphraseText(err error) (msg string, ok bool) {
	n := func(v int) map[string]any { return map[string]any{"N": v} }
	for _, m := range []struct {
		err error
		msg string
	}{
		{authority.ErrPassphraseWeak, passphraseRuleError()},
		{authority.ErrPassphraseCommon, passphraseCommonError()},
		{authority.ErrPassphraseTooLong, lang.L("Passphrase paling banyak {{.N}} karakter.", n(authority.MaxPassphraseLen))},
		{authority.ErrPassphraseMismatch, lang.L("Konfirmasi passphrase tidak sama.")},
		{authority.ErrPassphraseSame, lang.L("Passphrase baru harus berbeda dari yang lama.")},
		{authority.ErrCertificateConsent, lang.L("Centang persetujuan penerbitan sertifikat untuk melanjutkan.")},
		// first: a wrong passphrase that suspends is both
		{authority.ErrCertificateSuspended, lang.L("Sertifikat Anda ditangguhkan karena passphrase salah berulang kali. Tunggu, atau minta bagian TI membukanya.")},
		{authority.ErrPassphraseWrong, lang.L("Passphrase anda salah.")},
		{authority.ErrCertificateRevoked, lang.L("Sertifikat Anda sudah dicabut. Buat passphrase baru lewat Lupa Passphrase.")},
		{authority.ErrCertificateExpired, lang.L("Sertifikat Anda sudah kedaluwarsa.")},
		{authority.ErrNoCertificate, lang.L("Anda belum memiliki sertifikat. Buat passphrase terlebih dahulu.")},
		{authority.ErrCertificateExists, lang.L("Anda sudah memiliki sertifikat. Gunakan Ganti Passphrase atau Lupa Passphrase.")},
		{authority.ErrActivationNotVerified, lang.L("Aktivasi akun Anda belum diverifikasi.")},
		{authority.ErrDigestInvalid, lang.L("Dokumen tidak dapat ditandatangani.")},
		{authority.ErrTooManyDigests, lang.L("Terlalu banyak dokumen sekaligus.")},
	} {
		if errors.Is(err, m.err) {
			return m.msg, true
		}
	}
	return "", false
}

// passphraseMessage words errors of the passphrase forms, where a link
// is a passphrase link.
func passphraseMessage(err error) string {
	switch {
	case errors.Is(err, authority.ErrTokenInvalid):
		return lang.L("Tautan passphrase tidak valid. Salin tautan lengkap dari email.")
	case errors.Is(err, authority.ErrTokenExpired):
		return lang.L("Tautan passphrase sudah kedaluwarsa. Minta tautan baru lewat Lupa Passphrase.")
	case errors.Is(err, authority.ErrTokenUsed):
		return lang.L("Tautan passphrase sudah pernah dipakai.")
	}
	return message(err)
}

// ruleText is the checklist's line of a rule.
func ruleText(r authority.PassphraseRule) string {
	switch r {
	case authority.RuleLength:
		return lang.L("Minimal {{.N}} karakter", map[string]any{"N": authority.MinPassphraseLen})
	case authority.RuleUpper:
		return lang.L("Satu huruf besar")
	case authority.RuleLower:
		return lang.L("Satu huruf kecil")
	case authority.RuleDigit:
		return lang.L("Satu angka")
	}
	return lang.L("Satu karakter khusus (simbol)")
}

// checklist shows the rules, each ticked when the passphrase meets it.
type checklist struct {
	icons  map[authority.PassphraseRule]*widget.Icon
	labels map[authority.PassphraseRule]*widget.Label
	box    *fyne.Container
}

func newChecklist() *checklist {
	c := &checklist{icons: map[authority.PassphraseRule]*widget.Icon{}, labels: map[authority.PassphraseRule]*widget.Label{},
		box: container.NewVBox()}
	for _, r := range authority.PassphraseRules {
		c.icons[r] = widget.NewIcon(theme.CancelIcon())
		c.labels[r] = widget.NewLabel(ruleText(r))
		c.box.Add(container.NewHBox(c.icons[r], c.labels[r]))
	}
	c.update("")
	return c
}

// met reports whether the rule is ticked.
func (c *checklist) met(r authority.PassphraseRule) bool {
	return c.labels[r].Importance == widget.SuccessImportance
}

func (c *checklist) update(p string) {
	failed := map[authority.PassphraseRule]bool{}
	for _, r := range authority.CheckPassphrase(p) {
		failed[r] = true
	}
	for _, r := range authority.PassphraseRules {
		icon, imp := theme.ConfirmIcon(), widget.SuccessImportance
		if failed[r] {
			icon, imp = theme.CancelIcon(), widget.LowImportance
		}
		c.icons[r].SetResource(icon)
		if c.labels[r].Importance != imp {
			c.labels[r].Importance = imp
			c.labels[r].Refresh()
		}
	}
}

// watch makes the checklist follow fd's entry.
func (c *checklist) watch(fd *field) {
	prev := fd.entry.OnChanged
	fd.entry.OnChanged = func(s string) {
		prev(s)
		c.update(fd.entry.Text)
	}
}

// createPassphraseView is "Buat Passphrase".
type createPassphraseView struct {
	a          *accountTab
	f          *form
	pw         *field
	confirm    *field
	rules      *checklist
	consent    *check
	consentMsg *widget.Label
	content    fyne.CanvasObject
	// token is the passphrase link's token, or "" to use the session.
	token string
}

func newCreatePassphraseView(a *accountTab) *createPassphraseView {
	v := &createPassphraseView{a: a}
	v.f = newForm(lang.L("Buat Passphrase"), v.submit)
	v.pw = v.f.field(lang.L("Passphrase"), newPasswordEntry(), authority.MaxPassphraseLen)
	v.confirm = v.f.field(lang.L("Konfirmasi Passphrase"), newPasswordEntry(), authority.MaxPassphraseLen)
	v.rules = newChecklist()
	v.rules.watch(v.pw)
	v.consentMsg = wrapped("")
	v.consentMsg.Importance = widget.DangerImportance
	v.consentMsg.Hide()
	v.consent = newCheck(lang.L("Saya menyetujui sertifikat saya diterbitkan dan saya menyetujui"), func(bool) {
		setText(v.consentMsg, "")
	})
	agreement := hyperlink(lang.L("Perjanjian pemilik sertifikat elektronik"), func() {
		showBundledText(a.u, assets.TextAgreement, lang.L("Perjanjian pemilik sertifikat elektronik"))
	})
	v.content = actionCard(v.f.button,
		title(lang.L("Buat Passphrase")),
		wrapped(lang.L("Passphrase adalah kata sandi untuk menggunakan sertifikat elektronik Anda saat menandatangani dokumen. Buat passphrase yang mudah Anda ingat dan tidak mudah ditebak orang lain; jangan berikan kepada siapa pun.")),
		v.f.top,
		v.pw.box(), v.rules.box,
		v.confirm.box(),
		v.consent, agreement, v.consentMsg,
	)
	return v
}

func (v *createPassphraseView) reset(token string) {
	v.token = token
	v.f.busy(false)
	v.f.clearErrors()
	setText(v.consentMsg, "")
	v.pw.entry.SetText("")
	v.confirm.entry.SetText("")
	v.consent.SetChecked(false)
	v.rules.update("")
}

func (v *createPassphraseView) submit() {
	v.f.clearErrors()
	setText(v.consentMsg, "")
	pw, confirm := v.pw.entry.Text, v.confirm.entry.Text
	switch {
	case len(authority.CheckPassphrase(pw)) > 0:
		v.pw.setError(passphraseRuleError())
		return
	case commonPassphrase(v.a.u, pw):
		v.pw.setError(passphraseCommonError())
		return
	case pw != confirm:
		v.confirm.setError(passphraseMessage(authority.ErrPassphraseMismatch))
		return
	case !v.consent.Checked:
		setText(v.consentMsg, passphraseMessage(authority.ErrCertificateConsent))
		return
	}
	u := v.a.u
	token := v.token
	if token == "" && u.state.session != nil {
		token = u.state.session.Token
	}
	req := authority.CreatePassphraseRequest{Token: token, Passphrase: pw, Confirmation: confirm, Consent: true}
	v.f.busy(true)
	background(u, func(ctx context.Context) (authority.CertificateInfo, error) {
		return v.a.certs.CreatePassphrase(ctx, req)
	}, func(info authority.CertificateInfo, err error) {
		v.f.busy(false)
		switch {
		case err == nil:
			v.reset("")
			note := lang.L("Passphrase berhasil dibuat. Sertifikat elektronik Anda telah diterbitkan.")
			if u.state.session == nil {
				v.a.showSignIn(signInState{note: note})
				return
			}
			v.a.showDetails()
			v.a.details.setNote(note)
			u.sign.certificateIssued(info)
		case errors.Is(err, authority.ErrPassphraseWeak), errors.Is(err, authority.ErrPassphraseCommon), errors.Is(err, authority.ErrPassphraseTooLong):
			v.pw.setError(passphraseMessage(err))
		case errors.Is(err, authority.ErrPassphraseMismatch):
			v.confirm.setError(passphraseMessage(err))
		case errors.Is(err, authority.ErrCertificateConsent):
			setText(v.consentMsg, passphraseMessage(err))
		case errors.Is(err, authority.ErrSessionExpired), req.Token == "",
			v.token == "" && errors.Is(err, authority.ErrTokenInvalid):
			// through the session, an unknown token is an ended session
			u.sessionLost()
		default:
			v.f.setError(passphraseMessage(err))
		}
	})
}

// changePassphraseView is "Ganti Passphrase".
type changePassphraseView struct {
	a       *accountTab
	f       *form
	old     *field
	pw      *field
	confirm *field
	rules   *checklist
	content fyne.CanvasObject
}

func newChangePassphraseView(a *accountTab) *changePassphraseView {
	v := &changePassphraseView{a: a}
	v.f = newForm(lang.L("Ganti Passphrase"), v.submit)
	v.old = v.f.field(lang.L("Passphrase Lama"), newPasswordEntry(), authority.MaxPassphraseLen)
	v.pw = v.f.field(lang.L("Passphrase Baru"), newPasswordEntry(), authority.MaxPassphraseLen)
	v.confirm = v.f.field(lang.L("Konfirmasi Passphrase"), newPasswordEntry(), authority.MaxPassphraseLen)
	v.rules = newChecklist()
	v.rules.watch(v.pw)
	back := newButton(lang.L("Batal"), a.showDetails)
	v.f.onEscape(a.showDetails)
	v.content = actionCard(container.NewHBox(v.f.button, back),
		title(lang.L("Ganti Passphrase")),
		wrapped(lang.L("Sertifikat Anda tetap sama; hanya passphrase yang membukanya yang diganti.")),
		v.f.top,
		v.old.box(),
		v.pw.box(), v.rules.box,
		v.confirm.box(),
	)
	return v
}

func (v *changePassphraseView) reset() {
	v.f.busy(false)
	v.f.clearErrors()
	for _, fd := range []*field{v.old, v.pw, v.confirm} {
		fd.entry.SetText("")
	}
	v.rules.update("")
}

func (v *changePassphraseView) submit() {
	v.f.clearErrors()
	old, pw, confirm := v.old.entry.Text, v.pw.entry.Text, v.confirm.entry.Text
	switch {
	case old == "":
		v.old.setError(lang.L("Passphrase lama wajib diisi."))
		return
	case len(authority.CheckPassphrase(pw)) > 0:
		v.pw.setError(passphraseRuleError())
		return
	case commonPassphrase(v.a.u, pw):
		v.pw.setError(passphraseCommonError())
		return
	case pw != confirm:
		v.confirm.setError(passphraseMessage(authority.ErrPassphraseMismatch))
		return
	}
	u := v.a.u
	s := u.state.session
	if s == nil {
		u.sessionLost()
		return
	}
	req := authority.ChangePassphraseRequest{Token: s.Token, Old: old, New: pw, Confirmation: confirm}
	v.f.busy(true)
	background(u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, v.a.certs.ChangePassphrase(ctx, req)
	}, func(_ struct{}, err error) {
		v.f.busy(false)
		switch {
		case err == nil:
			v.reset()
			v.a.showDetails()
			v.a.details.setNote(lang.L("Passphrase berhasil diganti."))
		case errors.Is(err, authority.ErrCertificateSuspended), errors.Is(err, authority.ErrPassphraseWrong):
			v.old.setError(passphraseMessage(err))
		case errors.Is(err, authority.ErrPassphraseWeak), errors.Is(err, authority.ErrPassphraseCommon), errors.Is(err, authority.ErrPassphraseTooLong),
			errors.Is(err, authority.ErrPassphraseSame):
			v.pw.setError(passphraseMessage(err))
		case errors.Is(err, authority.ErrPassphraseMismatch):
			v.confirm.setError(passphraseMessage(err))
		case errors.Is(err, authority.ErrSessionExpired):
			u.sessionLost()
		default:
			v.f.setError(passphraseMessage(err))
		}
	})
}
