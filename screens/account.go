package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/natunakab/besign/authority"
)

// accountTab is the Akun tab: one view at a time among sign-in, the OTP
// step, Lupa Password, the reset link, the required actions, registration
// and the signed-in details.
type accountTab struct {
	u       *UI
	flows   authority.Flows
	certs   authority.Certificates
	content *fyne.Container
	// first is the entry to focus when the current view is shown.
	first fyne.Focusable

	signIn   *signInView
	otpStep  *otpStepView
	forgot   *forgotView
	reset    *resetView
	setup    *otpSetupView
	password *passwordView
	register *registerView
	details  *detailsView
	create   *createPassphraseView
	change   *changePassphraseView
}

func newAccountTab(u *UI, flows authority.Flows, certs authority.Certificates) *accountTab {
	a := &accountTab{u: u, flows: flows, certs: certs, content: container.NewStack()}
	a.signIn = newSignInView(a)
	a.otpStep = newOTPStepView(a)
	a.forgot = newForgotView(a)
	a.reset = newResetView(a)
	a.password = newPasswordView(a)
	a.register = newRegisterView(a)
	a.details = newDetailsView(a)
	a.create = newCreatePassphraseView(a)
	a.change = newChangePassphraseView(a)
	a.setup = newOTPSetupView(u, flows, setupForReset)
	a.setup.onDone = func(authority.OTPDevice) { a.showPassword() }
	a.setup.onCancel = func() { a.showSignIn(signInState{}) }
	a.show(a.signIn.content, a.signIn.login.entry)
	return a
}

// show makes view the visible one and focuses first.
func (a *accountTab) show(view fyne.CanvasObject, first fyne.Focusable) {
	a.content.Objects = []fyne.CanvasObject{view}
	a.content.Refresh()
	a.first = first
	a.focus()
}

// focus puts the keyboard focus on the current view's first entry.
func (a *accountTab) focus() {
	// before Start the content is not in the window yet, and a hidden
	// tab's entries cannot take the focus
	if a.first == nil || !a.u.started || a.u.tabs.Selected() != a.u.akunTab {
		return
	}
	if c := a.u.win.Canvas(); c != nil {
		c.Focus(a.first)
	}
}

// focusNextStep puts the focus on the details' next step (Aktivasi, Buat
// Passphrase) once the certificate says which, so that Enter goes on
// rather than signing out; Keluar has it only when there is nothing to do.
func (a *accountTab) focusNextStep() {
	if len(a.content.Objects) == 0 || a.content.Objects[0] != a.details.content {
		return
	}
	next := a.details.signOut
	for _, b := range []*button{a.details.cert.create, a.details.cert.activate} {
		if b.Visible() {
			next = b
		}
	}
	if a.first != fyne.Focusable(next) {
		a.first = next
		a.focus()
	}
}

// shown runs when the tab is selected: the details' certificate is asked
// again, since an approval or a passphrase made elsewhere (the admin
// command, a verifier, the mail's link) changes the next step.
func (a *accountTab) shown() {
	if a.u.state.session != nil && len(a.content.Objects) > 0 && a.content.Objects[0] == a.details.content {
		a.details.cert.refresh()
	}
	a.focus()
}

func (a *accountTab) start() {
	a.u.started = true
	a.focus()
	a.signIn.start()
}

func (a *accountTab) showSignIn(st signInState) {
	a.signIn.reset(st)
	first := fyne.Focusable(a.signIn.login.entry)
	if st.login != "" {
		first = a.signIn.password.entry
	}
	a.show(a.signIn.content, first)
}

func (a *accountTab) showOTPStep(resp authority.SignInResponse, remember bool) {
	a.otpStep.reset(resp, remember)
	a.show(a.otpStep.content, a.otpStep.code.entry)
}

func (a *accountTab) showForgot(login string) {
	a.forgot.reset(login)
	a.show(a.forgot.content, a.forgot.login.entry)
}

// showReset shows the reset-link form; with submit it opens link at once
// (the Kotak Masuk action), so that errors appear at its field.
func (a *accountTab) showReset(link string, submit bool) {
	a.reset.reset(link)
	a.show(a.reset.content, a.reset.link.entry)
	if submit {
		a.reset.submit()
	}
}

// showRequired shows the next required action of the reset ticket: OTP
// set-up when the account has none, then the new password.
func (a *accountTab) showRequired() {
	t := a.u.state.ticket
	if t.NeedsOTP {
		a.setup.begin(t.Ticket)
		a.show(a.setup.content, a.setup.code.entry)
		return
	}
	a.showPassword()
}

func (a *accountTab) showPassword() {
	a.password.reset()
	a.show(a.password.content, a.password.pw.entry)
}

func (a *accountTab) showRegister() {
	a.register.reset()
	a.show(a.register.content, a.register.name.entry)
}

func (a *accountTab) showDetails() {
	a.details.reset()
	// the certificate's next step takes the focus once known (focusNextStep)
	a.show(a.details.content, a.details.signOut)
}

// showCreatePassphrase shows "Buat Passphrase" for a passphrase link's
// token, or for the session when token is "".
func (a *accountTab) showCreatePassphrase(token string) {
	a.create.reset(token)
	a.show(a.create.content, a.create.pw.entry)
}

func (a *accountTab) showChangePassphrase() {
	a.change.reset()
	a.show(a.change.content, a.change.old.entry)
}
