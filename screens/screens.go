// Package screens draws BeSign Desktop's window content: the Akun, OTP,
// Kotak Masuk, Aktivasi, Tanda Tangan, Verifikasi Dokumen and (for
// verifiers) Verifikasi tabs, talking to the authority only through its role
// interfaces.
package screens

import (
	"context"
	"errors"
	"net/url"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/filechooser"
	"github.com/natunakab/besign/history"
	"github.com/natunakab/besign/preview"
	"github.com/natunakab/besign/specimen"
)

// Keyring keeps "Ingat Akun ini": a login name and a revocable session token,
// never a password. The app adapts the keystore package to it.
type Keyring interface {
	// Available returns nil when the keyring works, else an error whose
	// text is a short reason fit to show the user, in the user's language.
	Available() error
	// Remember stores login and token, replacing what was there.
	Remember(login, token string) error
	// Recall returns what was remembered; login is empty when nothing was.
	Recall() (login, token string, err error)
	// Forget removes what was remembered; nothing remembered is no error.
	Forget() error
}

// Authority is what the screens use of the authority: the person's own
// flows, their OTP devices, the outbox, their activation and (for a
// verifier) the verification of others', their certificate and queue, and
// the root to trust; never the administration. Each tab keeps only the
// roles it uses (see its constructor).
type Authority interface {
	authority.Flows
	authority.Devices
	authority.Outbox
	authority.Activations
	authority.Verifications
	authority.Certificates
	authority.Queue
	authority.Trust
}

// Options configure the screens.
type Options struct {
	Authority Authority
	// Keyring may be nil: "Ingat Akun ini" is then disabled.
	Keyring Keyring
	// Language is the language the screens are shown in; a registration
	// asks for the account's mail in it.
	Language string
	// SelfRegistration shows "Daftar" on the sign-in form.
	SelfRegistration bool
	// EmailDomain is shown as a hint on the registration form.
	EmailDomain string
	// Warning, when set, is shown above the tabs (for example that the
	// master key could not be kept in the OS keyring).
	Warning string
	// About is shown by "Tentang dan Pengaturan".
	About About
	// Preview renders the pages of the documents to sign; nil shows none.
	Preview *preview.Renderer
	// OpenURL opens a file or folder with the desktop's program for it;
	// default: the app's OpenURL.
	OpenURL func(*url.URL) error
	// MaxPassphraseFailures is how many wrong passphrases in a row suspend
	// the certificate, for the prompt's attempts left; 0: not known.
	MaxPassphraseFailures int
	// VerificationURL goes into the QR code of visible signatures, as the
	// CLI's; empty: no code.
	VerificationURL string
	// TimeStamp, when set, time-stamps every signature (PAdES B-T) at the
	// configured TSA, as the CLI's (datadir.TimeStamper); a document whose
	// token cannot be had is not signed.
	TimeStamp func(ctx context.Context, digest []byte) ([]byte, error)
	// Dark says the dark theme is shown (the app sets it); the Tampilan
	// menu switches between the two.
	Dark bool
	// SaveSettings keeps what the Tampilan menu changes (language, theme)
	// for the next start; nil: kept for this run only.
	SaveSettings func(config.UserSettings) error
	// History keeps what each account signed on this laptop, for Riwayat;
	// nil: none is kept and Riwayat is not offered.
	History *history.Book
	// FileChooser opens the desktop's own file dialog (filechooser.Open);
	// nil, or its ErrUnavailable, gives Fyne's dialog.
	FileChooser func(context.Context, filechooser.Options) ([]string, error)
	// Specimens keeps each account's picture for visible signatures; nil:
	// none is offered.
	Specimens *specimen.Store
}

// state is what the views share: who is signed in, the reset in progress
// and whether the keyring can keep an account. Views read and change it
// here, never in each other's widgets; only the UI goroutine touches it.
type state struct {
	// session is the signed-in session, nil when signed out.
	session *authority.Session
	// ticket is the reset in progress: its required actions run under it.
	ticket authority.ResetTicket
	// keyringOK: the keyring answered, so "Ingat Akun ini" can keep an
	// account.
	keyringOK bool
	// offline: the session stands but the server did not answer its last
	// request; the banner says so and offers "Coba lagi".
	offline bool
}

// UI is the window content and the state shared by the tabs. Its fields are
// touched only on the UI goroutine; slow work runs through background.
type UI struct {
	opts Options
	// flows keeps the session: Resume when it may have ended.
	flows authority.Flows
	win   fyne.Window

	tabs    *container.AppTabs
	akunTab *container.TabItem
	otpItem *container.TabItem
	inItem  *container.TabItem
	actItem *container.TabItem
	verItem *container.TabItem // in the tabs only while a verifier is signed in
	// certified is the authority as the Akun and signing tabs see it (a
	// *certifiedView when it can sign through BSrE)
	certified Authority
	// verMenu is Menu's Ctrl+7 item, greyed out while verItem is not in
	// the tabs; mainMenu is refreshed when that changes.
	verMenu   *fyne.MenuItem
	mainMenu  *fyne.MainMenu
	signItem  *container.TabItem
	checkItem *container.TabItem

	account *accountTab
	otp     *otpTab
	inbox   *inboxTab
	act     *activationTab
	verify  *verifyTab
	sign    *signTab
	check   *docVerifyTab
	// banner says the server cannot be reached (offlineBanner); top holds
	// it and the warning above the tabs, hidden when neither is shown so
	// that the tabs keep their place.
	banner *offlineBanner
	top    *fyne.Container

	// state is what the views share.
	state state

	// choosing is set while a native file dialog is open.
	choosing bool

	// started is set by Start, once the content is in the window.
	started bool

	// themeItems are Tampilan's "Tema terang" and "Tema gelap";
	// settingsPrompt the last restart prompt, for tests.
	themeItems     [2]*fyne.MenuItem
	settingsPrompt *confirmDialog
	// dialogs are the dialogs Escape may cancel (dialogShown)
	dialogs []openDialog

	// tasks counts background work so that tests can wait for it.
	tasks sync.WaitGroup
	// deliver runs a result on the UI goroutine: fyne.Do. Tests queue
	// results instead and run them on the test goroutine, which plays the
	// UI goroutine there (fyne's test driver would run them at once on the
	// worker, racing with the test).
	deliver func(func())
}

// New builds the screens for win. Call Start once the window is shown.
func New(win fyne.Window, opts Options) *UI {
	a := opts.Authority
	u := &UI{opts: opts, flows: a, win: win, deliver: fyne.Do}
	win.Canvas().SetOnTypedKey(u.typedKey)
	// in BSrE mode the certificate is BSrE's (certified.go)
	ca := withCertified(a)
	u.certified = ca
	u.banner = newOfflineBanner(u)
	u.account = newAccountTab(u, a, ca)
	u.otp = newOTPTab(u, a, a)
	u.inbox = newInboxTab(u, a)
	u.akunTab = container.NewTabItem(lang.L("Akun"), u.account.content)
	u.otpItem = container.NewTabItem(lang.L("OTP"), u.otp.content)
	u.inItem = container.NewTabItem(lang.L("Kotak Masuk"), u.inbox.content)
	u.act = newActivationTab(u, a)
	u.verify = newVerifyTab(u, a)
	u.actItem = container.NewTabItem(lang.L("Aktivasi"), u.act.content)
	u.verItem = container.NewTabItem(lang.L("Verifikasi"), u.verify.content)
	u.sign = newSignTab(u, ca)
	u.check = newDocVerifyTab(u, a)
	u.signItem = container.NewTabItem(lang.L("Tanda Tangan"), u.sign.content)
	u.checkItem = container.NewTabItem(lang.L("Verifikasi Dokumen"), u.check.content)
	u.tabs = container.NewAppTabs(u.akunTab, u.otpItem, u.inItem, u.actItem, u.signItem, u.checkItem)
	u.tabs.OnSelected = func(item *container.TabItem) {
		switch item {
		case u.akunTab:
			u.account.shown()
		case u.otpItem:
			u.otp.shown()
		case u.inItem:
			u.inbox.shown()
		case u.actItem:
			u.act.shown()
		case u.verItem:
			u.verify.refresh()
		case u.signItem:
			u.sign.shown()
		case u.checkItem:
			u.check.shown()
		}
	}
	return u
}

// Content is the window content: an optional warning and, with an
// organisation server that cannot be reached, its banner above the tabs.
func (u *UI) Content() fyne.CanvasObject {
	if _, server := u.opts.Authority.(offlineSessions); !server && u.opts.Warning == "" {
		return u.tabs // the laptop's own authority is never out of reach
	}
	top := container.NewVBox()
	if u.opts.Warning != "" {
		warn := widget.NewLabel(u.opts.Warning)
		warn.Importance = widget.WarningImportance
		warn.Wrapping = fyne.TextWrapWord
		top.Add(warn)
	}
	top.Add(u.banner.content)
	u.top = top
	u.showTop()
	return container.NewBorder(top, nil, nil, nil, u.tabs)
}

// Menu is the main menu; its shortcuts (Ctrl+1 to Ctrl+7) switch tabs
// from anywhere, also while an entry has the focus. Tab buttons take no
// keyboard focus, so Ctrl+7 is the keyboard's way to the Verifikasi tab;
// it is greyed out while that tab is out of the tabs (no verifier signed in).
func (u *UI) Menu() *fyne.MainMenu {
	item := func(label string, key fyne.KeyName, tab *container.TabItem) *fyne.MenuItem {
		it := fyne.NewMenuItem(label, func() { u.tabs.Select(tab) })
		it.Shortcut = &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierControl}
		return it
	}
	u.verMenu = item(lang.L("Verifikasi"), fyne.Key7, u.verItem)
	u.verMenu.Disabled = !u.verifyTabShown()
	u.mainMenu = fyne.NewMainMenu(
		fyne.NewMenu(lang.L("Tampilan"),
			item(lang.L("Akun"), fyne.Key1, u.akunTab),
			item(lang.L("OTP"), fyne.Key2, u.otpItem),
			item(lang.L("Kotak Masuk"), fyne.Key3, u.inItem),
			item(lang.L("Aktivasi"), fyne.Key4, u.actItem),
			item(lang.L("Tanda Tangan"), fyne.Key5, u.signItem),
			item(lang.L("Verifikasi Dokumen"), fyne.Key6, u.checkItem),
			u.verMenu,
		),
		u.sign.menu(),
		fyne.NewMenu(lang.L("Bantuan"),
			fyne.NewMenuItem(lang.L("Tentang dan Pengaturan"), u.showAbout),
		),
	)
	view := u.mainMenu.Items[0]
	view.Items = append(view.Items, fyne.NewMenuItemSeparator())
	view.Items = append(view.Items, u.settingsItems()...)
	return u.mainMenu
}

// Start fills in a remembered account and resumes its session, in the
// background, and focuses the first entry.
func (u *UI) Start() {
	u.account.start()
}

// Wait blocks until all background work started so far has finished and
// handed over its result.
func (u *UI) Wait() { u.tasks.Wait() }

// background runs work off the UI goroutine, then done on it.
func background[T any](u *UI, work func(ctx context.Context) (T, error), done func(T, error)) {
	u.tasks.Add(1)
	go func() {
		defer u.tasks.Done()
		v, err := work(context.Background())
		u.deliver(func() { done(v, err) })
	}()
}

// signedIn makes s the current session and shows the signed-in views.
func (u *UI) signedIn(s authority.Session) {
	u.setSession(s)
	u.account.showDetails()
}

// setSession makes s the current session without changing the Akun view.
func (u *UI) setSession(s authority.Session) {
	u.state.session = &s
	u.otp.refresh()
	u.inbox.setFilter(s.Account.Email)
	u.act.signedIn()
	u.sign.signedIn()
	u.showVerifyTab(s.Account.Role == authority.RoleVerifier)
}

// verifyTabShown reports whether the Verifikasi tab is in the tabs.
func (u *UI) verifyTabShown() bool {
	for _, it := range u.tabs.Items {
		if it == u.verItem {
			return true
		}
	}
	return false
}

// showVerifyTab puts the Verifikasi tab in the tabs or takes it out, and
// greys its menu item out with it.
func (u *UI) showVerifyTab(on bool) {
	in := u.verifyTabShown()
	switch {
	case on && !in:
		u.tabs.Append(u.verItem)
	case !on && in:
		u.tabs.Remove(u.verItem)
	}
	if u.verMenu != nil && u.verMenu.Disabled == on {
		u.verMenu.Disabled = !on
		u.mainMenu.Refresh()
	}
}

// recheckSession asks the authority whether the signed-in session still
// stands (a password reset revokes the account's sessions) and signs out
// locally when it does not.
func (u *UI) recheckSession() {
	s := u.state.session
	if s == nil {
		return
	}
	background(u, func(ctx context.Context) (authority.Session, error) {
		return u.flows.Resume(ctx, s.Token)
	}, func(_ authority.Session, err error) {
		if u.state.session != s {
			return // signed out or in again meanwhile
		}
		if errors.Is(err, authority.ErrSessionExpired) || errors.Is(err, authority.ErrTokenInvalid) {
			u.state.session = nil
			u.state.offline = false
			u.banner.hide()
			u.otp.refresh()
			u.act.signedOut()
			u.sign.signedOut()
			u.showVerifyTab(false)
		} else if err != nil {
			fyne.LogError("check session", err)
		}
	})
}

// signedOut forgets the session locally (the caller revokes it) and shows
// the sign-in form as st says.
func (u *UI) signedOut(st signInState) {
	u.state.session = nil
	u.state.offline = false
	u.banner.hide()
	u.otp.refresh()
	u.act.signedOut()
	u.sign.signedOut()
	u.showVerifyTab(false)
	u.account.showSignIn(st)
}

// sessionLost handles ErrSessionExpired from any screen.
func (u *UI) sessionLost() {
	u.signedOut(signInState{err: lang.L("Sesi Anda telah berakhir. Silakan masuk lagi.")})
	u.tabs.Select(u.akunTab)
}

// openLink opens an action link from a mail in the matching flow.
func (u *UI) openLink(raw string) error {
	l, err := link.Parse(raw)
	if err != nil {
		return err
	}
	u.tabs.Select(u.akunTab)
	switch l.Kind {
	case link.KindReset:
		u.account.showReset(l.Value, true)
	case link.KindForgot:
		u.account.showForgot(l.Value)
	case link.KindPassphrase:
		u.account.showCreatePassphrase(l.Value)
	}
	return nil
}

// OpenLink opens a besign:// link from outside (the OS, a second start) in
// its flow; a link it cannot read stays on the reset form with its error.
func (u *UI) OpenLink(raw string) {
	if err := u.openLink(raw); err != nil {
		u.tabs.Select(u.akunTab)
		u.account.showReset(raw, true)
	}
}

// showInbox switches to Kotak Masuk filtered on addr.
func (u *UI) showInbox(addr string) {
	u.inbox.setFilter(addr)
	u.tabs.Select(u.inItem)
}

// OpenFiles takes PDFs from outside (a drop on the window, a later start of
// the app with files): to the Verifikasi Dokumen tab, all of them, when it
// is the one shown, else to the signing queue.
func (u *UI) OpenFiles(paths []string) {
	if len(paths) == 0 {
		return
	}
	if u.tabs.Selected() == u.checkItem {
		u.check.openAll(paths)
		return
	}
	u.tabs.Select(u.signItem)
	u.sign.addFiles(paths)
}

// Dropped takes files dropped on the window (fyne.Window.SetOnDropped).
func (u *UI) Dropped(_ fyne.Position, uris []fyne.URI) {
	var paths []string
	for _, uri := range uris {
		if uri.Scheme() == "file" {
			paths = append(paths, uri.Path())
		}
	}
	u.OpenFiles(paths)
}

// openURL opens a file or folder with the desktop's program for it.
func (u *UI) openURL(target *url.URL) error {
	if u.opts.OpenURL != nil {
		return u.opts.OpenURL(target)
	}
	return fyne.CurrentApp().OpenURL(target)
}
