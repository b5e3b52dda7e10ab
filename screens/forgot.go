package screens

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/natunakab/besign/authority"
)

// forgotView is "Lupa Password": it asks the authority to mail a
// reset link, then points to Kotak Masuk.
type forgotView struct {
	a       *accountTab
	f       *form
	login   *field
	inbox   *button
	content fyne.CanvasObject
	sentTo  string
}

func newForgotView(a *accountTab) *forgotView {
	v := &forgotView{a: a}
	v.f = newForm(lang.L("Kirim"), v.submit)
	back := func() { a.showSignIn(signInState{}) }
	v.f.onEscape(back)
	v.login = v.f.field(lang.L("Username atau Email"), newEntry(), authority.MaxLoginLen)
	v.inbox = newButton(lang.L("Buka Kotak Masuk"), func() { a.u.showInbox(v.sentTo) })
	v.inbox.Hide()
	v.content = card(
		title(lang.L("Lupa Password")),
		wrapped(lang.L("Silahkan inputkan email Anda, kami akan mengirimkan petunjuk untuk mereset password baru untuk Anda")),
		v.f.top,
		v.login.box(),
		v.f.button,
		v.f.note,
		v.inbox,
		hyperlink(lang.L("Kembali ke halaman Login"), back),
	)
	return v
}

func (v *forgotView) reset(login string) {
	v.f.busy(false)
	v.f.clearErrors()
	v.f.setNote("")
	v.inbox.Hide()
	v.login.entry.SetText(login)
}

func (v *forgotView) submit() {
	v.f.clearErrors()
	v.f.setNote("")
	v.inbox.Hide()
	login := strings.TrimSpace(v.login.entry.Text)
	if login == "" {
		v.login.setError(message(authority.ErrLoginRequired))
		return
	}
	v.f.busy(true)
	background(v.a.u, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, v.a.flows.RequestReset(ctx, authority.ResetRequest{Login: login})
	}, func(_ struct{}, err error) {
		v.f.busy(false)
		switch {
		case err == nil:
			// the same answer whether or not the account exists
			v.f.setNote(lang.L("Jika akun terdaftar, petunjuk untuk mereset password telah dikirim ke email Anda. Buka Kotak Masuk lalu klik tautan reset."))
			v.sentTo = ""
			if authority.LoginIsEmail(login) {
				v.sentTo = login
			}
			v.inbox.Show()
		case errors.Is(err, authority.ErrLoginRequired), errors.Is(err, authority.ErrEmailInvalid):
			v.login.setError(message(err))
		default:
			v.f.setError(message(err))
		}
	})
}
