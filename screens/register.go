package screens

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/natunakab/besign/authority"
)

// registerView is "Daftar": self-registration with a name and an email of
// the organisation's domain. The first password then comes through the
// activation mail and Lupa Password, like an account IT creates.
type registerView struct {
	a       *accountTab
	f       *form
	name    *field
	email   *field
	inbox   *button
	content fyne.CanvasObject
}

func newRegisterView(a *accountTab) *registerView {
	v := &registerView{a: a}
	v.f = newForm(lang.L("Daftar"), v.submit)
	back := func() { a.showSignIn(signInState{}) }
	v.f.onEscape(back)
	v.name = v.f.field(lang.L("Nama Lengkap"), newEntry(), authority.MaxNameLen)
	email := newEntry()
	if d := a.u.opts.EmailDomain; d != "" {
		email.SetPlaceHolder("nama@" + d)
	}
	v.email = v.f.field(lang.L("Email"), email, authority.MaxEmailLen)
	v.inbox = newButton(lang.L("Buka Kotak Masuk"), func() {
		a.u.showInbox(strings.TrimSpace(v.email.entry.Text))
	})
	v.inbox.Hide()
	v.content = card(
		title(lang.L("Daftar")),
		wrapped(lang.L("Buat akun dengan email instansi Anda. Password pertama diatur lewat Lupa Password, seperti petunjuk di email aktivasi.")),
		v.f.top,
		v.name.box(),
		v.email.box(),
		v.f.button,
		v.f.note,
		v.inbox,
		hyperlink(lang.L("Kembali ke halaman Login"), back),
	)
	return v
}

func (v *registerView) reset() {
	v.f.busy(false)
	v.f.clearErrors()
	v.f.setNote("")
	v.inbox.Hide()
	v.name.entry.SetText("")
	v.email.entry.SetText("")
}

func (v *registerView) submit() {
	v.f.clearErrors()
	v.f.setNote("")
	v.inbox.Hide()
	req := authority.RegisterRequest{
		Language: authority.Language(v.a.u.opts.Language),
		Name:     strings.TrimSpace(v.name.entry.Text),
		Email:    strings.TrimSpace(v.email.entry.Text),
	}
	if req.Name == "" {
		v.name.setError(message(authority.ErrNameRequired))
		return
	}
	v.f.busy(true)
	background(v.a.u, func(ctx context.Context) (authority.Account, error) {
		return v.a.flows.Register(ctx, req)
	}, func(acc authority.Account, err error) {
		v.f.busy(false)
		switch {
		case err == nil:
			// The same words whether or not the address had an account:
			// the mail tells its owner which it was.
			v.f.setNote(lang.L("Periksa email Anda di {{.Email}}: kami telah mengirim langkah berikutnya ke alamat itu. Buka Kotak Masuk untuk membacanya.",
				map[string]any{"Email": acc.Email}))
			v.inbox.Show()
		case errors.Is(err, authority.ErrNameRequired), errors.Is(err, authority.ErrNameTooLong):
			v.name.setError(message(err))
		case errors.Is(err, authority.ErrEmailInvalid):
			v.email.setError(message(err))
		case errors.Is(err, authority.ErrEmailDomain):
			msg := message(err)
			if d := v.a.u.opts.EmailDomain; d != "" {
				msg = lang.L("Gunakan alamat email instansi (@{{.Domain}}).", map[string]any{"Domain": d})
			}
			v.email.setError(msg)
		default:
			v.f.setError(message(err))
		}
	})
}
