package screens

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
)

// resetView opens a reset link pasted from a mail (or handed over by the
// Kotak Masuk action) and starts the required actions.
type resetView struct {
	a       *accountTab
	f       *form
	link    *field
	content fyne.CanvasObject
}

func newResetView(a *accountTab) *resetView {
	v := &resetView{a: a}
	v.f = newForm(lang.L("Lanjutkan"), v.submit)
	back := func() { a.showSignIn(signInState{}) }
	v.f.onEscape(back)
	e := newEntry()
	e.SetPlaceHolder("besign://reset?token=…")
	v.link = v.f.field(lang.L("Tautan reset"), e, link.MaxLen)
	v.content = card(
		title(lang.L("Buka Tautan Reset")),
		wrapped(lang.L("Tempel tautan \"Link to reset credentials\" dari email reset password, atau klik tombolnya di Kotak Masuk.")),
		v.f.top,
		v.link.box(),
		v.f.button,
		hyperlink(lang.L("Kembali ke halaman Login"), back),
	)
	return v
}

func (v *resetView) reset(link string) {
	v.f.busy(false)
	v.f.clearErrors()
	v.link.entry.SetText(link)
}

func (v *resetView) submit() {
	v.f.clearErrors()
	l, err := link.Parse(v.link.entry.Text)
	if err == nil && l.Kind != link.KindReset {
		err = link.ErrInvalid
	}
	if err != nil {
		v.link.setError(message(err))
		return
	}
	v.f.busy(true)
	background(v.a.u, func(ctx context.Context) (authority.ResetTicket, error) {
		return v.a.flows.OpenReset(ctx, l.Value)
	}, func(t authority.ResetTicket, err error) {
		v.f.busy(false)
		switch {
		case err == nil:
			v.a.u.state.ticket = t
			v.link.entry.SetText("")
			v.a.showRequired()
		case errors.Is(err, authority.ErrTokenInvalid), errors.Is(err, authority.ErrTokenExpired),
			errors.Is(err, authority.ErrTokenUsed):
			v.link.setError(message(err))
		case errors.Is(err, authority.ErrNotFound):
			v.link.setError(message(authority.ErrTokenInvalid))
		default:
			v.f.setError(message(err))
		}
	})
}
