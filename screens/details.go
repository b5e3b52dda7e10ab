package screens

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// detailsView shows the signed-in account and "Keluar".
type detailsView struct {
	a       *accountTab
	info    *widget.Form
	warning *widget.Label
	note    *widget.Label
	cert    *certificateBox
	signOut *button
	content fyne.CanvasObject
	values  map[string]*widget.Label
}

// detail rows, in the order shown
var detailRows = []string{"Nama", "Username", "Email", "Peran", "Perangkat OTP", "Sesi berlaku sampai"}

func newDetailsView(a *accountTab) *detailsView {
	v := &detailsView{a: a, values: map[string]*widget.Label{}}
	v.info = widget.NewForm()
	for _, r := range detailRows {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		l.Selectable = true
		v.values[r] = l
		v.info.Append(lang.L(r), l)
	}
	v.warning = wrapped("")
	v.warning.Importance = widget.WarningImportance
	v.warning.Hide()
	v.note = wrapped("")
	v.note.Importance = widget.SuccessImportance
	v.note.Hide()
	v.cert = newCertificateBox(a)
	v.signOut = newButton(lang.L("Keluar"), v.doSignOut)
	// the next step (Buka Aktivasi, Buat Passphrase) is the primary
	// button, in view beside Keluar, which is not
	v.content = actionCard(container.NewHBox(v.cert.activate, v.cert.create, v.signOut),
		title(lang.L("Akun Anda")),
		wrapped(lang.L("Anda sudah masuk ke BeSign.")),
		v.warning,
		v.note,
		v.info,
		v.cert.content,
	)
	return v
}

func (v *detailsView) reset() {
	v.setWarning("")
	v.setNote("")
	s := v.a.u.state.session
	if s == nil {
		return
	}
	acc := s.Account
	role := lang.L("Penanda tangan")
	if acc.Role == authority.RoleVerifier {
		role = lang.L("Verifikator")
	}
	otp := lang.L("Belum diatur")
	if acc.HasOTP {
		otp = lang.L("Sudah diatur")
	}
	vals := map[string]string{
		"Nama": acc.Name, "Username": acc.Username, "Email": acc.Email, "Peran": role,
		"Perangkat OTP": otp, "Sesi berlaku sampai": formatTime(s.ExpiresAt),
	}
	for k, l := range v.values {
		l.SetText(vals[k])
	}
	v.cert.refresh()
}

func (v *detailsView) setWarning(msg string) { setText(v.warning, msg) }

func (v *detailsView) setNote(msg string) { setText(v.note, msg) }

// doSignOut revokes the session and forgets the remembered account.
func (v *detailsView) doSignOut() {
	u := v.a.u
	s := u.state.session
	if s == nil {
		u.signedOut(signInState{})
		return
	}
	kr := u.opts.Keyring
	keyringOK := u.state.keyringOK
	v.signOut.Disable()
	background(u, func(ctx context.Context) (struct{}, error) {
		err := v.a.flows.SignOut(ctx, s.Token)
		if kr != nil && keyringOK {
			if ferr := kr.Forget(); ferr != nil {
				fyne.LogError("forget remembered account", ferr)
			}
		}
		return struct{}{}, err
	}, func(_ struct{}, err error) {
		v.signOut.Enable()
		if err != nil {
			// the local sign-out still happens; the token dies with its lifetime
			fyne.LogError("sign out", err)
		}
		u.signedOut(signInState{forget: true})
	})
}
