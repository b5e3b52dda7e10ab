package screens

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/remote"
)

// offlineSessions is what an organisation server's client composed with the
// laptop's queue (localqueue) adds: whose a remembered session is, as the
// server last confirmed it, asked with no network. With it a person whose
// server cannot be reached at start stays signed in, offline, and prepares
// documents; the embedded authority never needs it.
type offlineSessions interface {
	OfflineSession(ctx context.Context, token string) (authority.Session, error)
}

// mailOnly is implemented by an authority whose mail reaches people by SMTP
// only (an organisation server): Kotak Masuk then asks nothing, since the
// server refuses a person its outbox.
type mailOnly interface{ MailOnly() bool }

// unreachable tells the errors of a server that did not answer: the
// session is not in question, only the network.
func unreachable(err error) bool {
	return errors.Is(err, remote.ErrUnreachable) || errors.Is(err, remote.ErrTimeout)
}

// offlineBanner is shown above the tabs while the server cannot be reached:
// the person stays signed in with the session remembered in the keyring,
// the queue works, and "Coba lagi" asks the server again.
type offlineBanner struct {
	u       *UI
	content *fyne.Container
	detail  *widget.Label
	retry   *button
}

func newOfflineBanner(u *UI) *offlineBanner {
	b := &offlineBanner{u: u}
	head := widget.NewLabel(lang.L("Server tidak dapat dihubungi"))
	head.TextStyle.Bold = true
	head.Importance = widget.WarningImportance
	b.detail = wrapped("")
	b.retry = newButton(lang.L("Coba lagi"), u.retryServer)
	// one row, so that the signing tab below keeps its room at 1024x600
	b.content = container.NewBorder(nil, nil, head, container.NewCenter(b.retry), b.detail)
	b.content.Hide()
	return b
}

// show puts the banner up with msg below its title.
func (b *offlineBanner) show(msg string) {
	b.detail.SetText(msg)
	b.retry.Enable()
	if !b.content.Visible() {
		b.content.Show()
		b.u.showTop()
	}
}

func (b *offlineBanner) hide() {
	if b.content.Visible() {
		b.content.Hide()
		b.u.showTop()
	}
}

// showTop shows the area above the tabs only while it holds something, and
// lays the window out again.
func (u *UI) showTop() {
	if u.top == nil {
		return // Content was not asked yet
	}
	if u.opts.Warning != "" || u.banner.content.Visible() {
		u.top.Show()
	} else {
		u.top.Hide()
	}
	if c := u.win.Canvas(); c != nil && c.Content() != nil {
		c.Content().Refresh()
	}
}

// offlineText is the banner's text: what still works, and what waits.
func offlineText() string {
	return lang.L("Dokumen tetap dapat ditambahkan dan disiapkan; penandatanganan menunggu server.")
}

// serverGone shows the banner after a request of the signed-in person did
// not reach the server (signing, the certificate); the session stands.
func (u *UI) serverGone(err error) {
	if u.state.session == nil || !unreachable(err) {
		return
	}
	u.state.offline = true
	u.banner.show(offlineText())
}

// retryServer is "Coba lagi": the session is asked of the server again. An
// answer makes every tab load again, online, without signing in again; a
// session the server ended goes to the sign-in form; no answer leaves the
// banner up with what happened.
func (u *UI) retryServer() {
	s := u.state.session
	if s == nil {
		u.state.offline = false
		u.banner.hide()
		return
	}
	u.banner.retry.Disable()
	background(u, func(ctx context.Context) (authority.Session, error) {
		return u.flows.Resume(ctx, s.Token)
	}, func(ns authority.Session, err error) {
		u.banner.retry.Enable()
		if u.state.session != s {
			return // signed out or in again meanwhile
		}
		switch {
		case err == nil:
			u.state.offline = false
			u.banner.hide()
			u.setSession(ns)
			if len(u.account.content.Objects) > 0 && u.account.content.Objects[0] == u.account.details.content {
				u.account.details.reset()
			}
		case errors.Is(err, authority.ErrSessionExpired) || errors.Is(err, authority.ErrTokenInvalid):
			u.sessionLost()
		default:
			u.banner.show(message(err))
		}
	})
}
