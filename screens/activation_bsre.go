package screens

import (
	"context"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// In BSrE mode (certified.go) the account is registered, verified and
// given its passphrase at BSrE: the Aktivasi tab then says so, with the
// status's next step, instead of offering this app's own activation, whose
// approval would give nothing to sign with.

// certifiedActivation asks, once signed in, whether the server signs
// through BSrE; done runs with the status when it does, with nil when the
// app's own activation applies (the organisation's CA, or the laptop's).
func (t *activationTab) certifiedActivation(s *authority.Session, done func(*authority.CertifiedStatus)) {
	ca := t.u.certified
	if certifiedSignerOf(ca) == nil {
		done(nil)
		return
	}
	if st := certifiedOf(ca); st != nil {
		done(st)
		return
	}
	background(t.u, func(ctx context.Context) (*authority.CertifiedStatus, error) {
		// the certified view learns the mode (and the status) from it
		_, err := ca.Certificate(ctx, s.Token)
		return certifiedOf(ca), err
	}, func(st *authority.CertifiedStatus, err error) {
		if t.u.state.session != s {
			return
		}
		if err != nil && st == nil {
			// the server could not say: the app's own activation, whose
			// requests will tell what is wrong
			done(nil)
			return
		}
		done(st)
	})
}

// showCertified shows that activation happens at BSrE, and where to go.
func (t *activationTab) showCertified(st *authority.CertifiedStatus) {
	open := newButton(lang.L("Buka Akun"), func() { t.u.tabs.Select(t.u.akunTab) })
	open.Importance = widget.HighImportance
	next := wrapped(certifiedStatusNext(st.Status))
	next.Importance = widget.MediumImportance
	t.show(card(title(lang.L("Aktivasi Akun BSrE")),
		wrapped(lang.L("Server organisasi Anda menandatangani melalui BSrE: pendaftaran, verifikasi data dan passphrase dilakukan di BSrE, bukan di aplikasi ini. Status sertifikat Anda tampil di tab Akun.")),
		next, container.NewHBox(open)))
}

// refreshCertified asks BSrE's status again when the tab is shown: it
// changes at BSrE (verified, suspended) while the app runs.
func (t *activationTab) refreshCertified(s *authority.Session) {
	ca := t.u.certified
	background(t.u, func(ctx context.Context) (*authority.CertifiedStatus, error) {
		_, err := ca.Certificate(ctx, s.Token)
		return certifiedOf(ca), err
	}, func(st *authority.CertifiedStatus, err error) {
		if t.u.state.session != s || !t.certified || st == nil {
			return // signed out, or the status could not be had: as shown
		}
		t.showCertified(st)
	})
}
