package screens

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// passwordView is "Perbarui Password", the last required action.
type passwordView struct {
	a       *accountTab
	f       *form
	pw      *field
	confirm *field
	content fyne.CanvasObject
}

func newPasswordView(a *accountTab) *passwordView {
	v := &passwordView{a: a}
	v.f = newForm(lang.L("Kirim"), v.submit)
	v.pw = v.f.field(lang.L("Password Baru"), newPasswordEntry(), authority.MaxPasswordLen)
	v.confirm = v.f.field(lang.L("Konfirmasi Password"), newPasswordEntry(), authority.MaxPasswordLen)
	banner := wrapped(lang.L("Anda perlu memperbarui password Anda."))
	banner.Importance = widget.WarningImportance
	hint := wrapped(lang.L("Minimal {{.N}} karakter.", map[string]any{"N": authority.MinPasswordLen}))
	hint.Importance = widget.LowImportance
	v.content = actionCard(v.f.button,
		title(lang.L("Perbarui Password")),
		banner,
		v.f.top,
		v.pw.box(), hint,
		v.confirm.box(),
	)
	return v
}

func (v *passwordView) reset() {
	v.f.busy(false)
	v.f.clearErrors()
	v.pw.entry.SetText("")
	v.confirm.entry.SetText("")
}

func (v *passwordView) submit() {
	v.f.clearErrors()
	pw, confirm := v.pw.entry.Text, v.confirm.entry.Text
	if pw == "" {
		v.pw.setError(message(authority.ErrPasswordRequired))
		return
	}
	t := v.a.u.state.ticket
	req := authority.SetPasswordRequest{Ticket: t.Ticket, Password: pw, Confirmation: confirm}
	v.f.busy(true)
	background(v.a.u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, v.a.flows.SetPassword(ctx, req)
	}, func(_ struct{}, err error) {
		v.f.busy(false)
		switch {
		case err == nil:
			v.reset()
			v.a.u.state.ticket = authority.ResetTicket{}
			// the authority tells whether the session survived the reset
			v.a.u.recheckSession()
			login := t.Account.Email
			if login == "" {
				login = t.Account.Username
			}
			v.a.showSignIn(signInState{login: login, note: lang.L("Password baru berhasil diubah. Silakan masuk dengan password baru.")})
		case errors.Is(err, authority.ErrPasswordRequired), errors.Is(err, authority.ErrPasswordTooShort),
			errors.Is(err, authority.ErrPasswordTooLong):
			v.pw.setError(message(err))
		case errors.Is(err, authority.ErrPasswordMismatch):
			v.confirm.setError(message(err))
		case errors.Is(err, authority.ErrOTPSetupRequired):
			v.a.u.state.ticket.NeedsOTP = true
			v.a.showRequired()
			v.a.setup.setError(message(err))
		case errors.Is(err, authority.ErrSessionExpired), errors.Is(err, authority.ErrTokenExpired),
			errors.Is(err, authority.ErrTokenInvalid), errors.Is(err, authority.ErrTokenUsed):
			v.a.showSignIn(signInState{
				err: lang.L("Waktu untuk memperbarui password telah habis. Minta tautan reset baru lewat Lupa Password.")})
		default:
			v.f.setError(message(err))
		}
	})
}
