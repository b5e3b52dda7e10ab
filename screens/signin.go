package screens

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// signInState is what the sign-in form shows when it is opened.
type signInState struct {
	login string // pre-filled username or email
	note  string // success note, e.g. after a new password
	err   string // error at the top
	// forget clears the login and "Ingat Akun ini": the user signed out.
	forget bool
}

// signInView is the "Selamat Datang Signer" sign-in form.
type signInView struct {
	a        *accountTab
	f        *form
	login    *field
	password *field
	remember *check
	reason   *widget.Label // why "Ingat Akun ini" is disabled
	forgot   *textLink
	content  fyne.CanvasObject
}

func newSignInView(a *accountTab) *signInView {
	v := &signInView{a: a}
	v.f = newForm(lang.L("Masuk"), v.submit)
	login := newEntry()
	login.SetPlaceHolder(lang.L("Masukan Email atau Username Anda"))
	v.login = v.f.field(lang.L("Username atau Email"), login, authority.MaxLoginLen)
	v.password = v.f.field(lang.L("Password"), newPasswordEntry(), authority.MaxPasswordLen)
	v.forgot = hyperlink(lang.L("Lupa Password"), func() {
		a.showForgot(strings.TrimSpace(v.login.entry.Text))
	})
	v.remember = newCheck(lang.L("Ingat Akun ini"), nil)
	v.remember.Disable()
	v.reason = wrapped("")
	v.reason.Importance = widget.LowImportance
	v.reason.Hide()

	objs := []fyne.CanvasObject{
		title(lang.L("Selamat Datang Signer")),
		wrapped(lang.L("Silakan masuk ke akun Anda dan mulai petualangan")),
		v.f.note, v.f.top,
		v.login.box(),
		v.password.box(),
		container.NewHBox(layout.NewSpacer(), v.forgot),
		v.remember, v.reason,
		v.f.button,
	}
	if a.u.opts.SelfRegistration {
		objs = append(objs, container.NewHBox(widget.NewLabel(lang.L("Belum punya akun?")),
			hyperlink(lang.L("Daftar"), a.showRegister)))
	}
	objs = append(objs, container.NewHBox(widget.NewLabel(lang.L("Sudah menerima email reset?")),
		hyperlink(lang.L("Buka tautan reset"), func() { a.showReset("", false) })))
	v.content = card(objs...)
	return v
}

// reset shows the form fresh, keeping the remember choice.
func (v *signInView) reset(st signInState) {
	v.f.busy(false)
	v.f.clearErrors()
	if st.login != "" || st.forget {
		v.login.entry.SetText(st.login)
	}
	if st.forget {
		v.remember.SetChecked(false)
	}
	v.password.entry.SetText("")
	v.f.setNote(st.note)
	v.f.setError(st.err)
}

// start checks the keyring, pre-fills a remembered account and resumes its
// session, all off the UI goroutine since the keyring goes over D-Bus.
func (v *signInView) start() {
	kr := v.a.u.opts.Keyring
	if kr == nil {
		v.setReason(lang.L("Keyring sistem tidak tersedia."))
		return
	}
	type recalled struct {
		avail        error
		login, token string
	}
	background(v.a.u, func(context.Context) (recalled, error) {
		var r recalled
		if r.avail = kr.Available(); r.avail != nil {
			return r, nil
		}
		var err error
		r.login, r.token, err = kr.Recall()
		return r, err
	}, func(r recalled, err error) {
		if r.avail != nil {
			v.setReason(lang.L("Keyring sistem tidak tersedia: {{.Reason}}", map[string]any{"Reason": r.avail.Error()}))
			return
		}
		v.a.u.state.keyringOK = true
		v.remember.Enable()
		v.setReason("")
		if err != nil {
			fyne.LogError("recall remembered account", err)
			return
		}
		if r.login == "" {
			return
		}
		v.remember.SetChecked(true)
		if v.login.entry.Text == "" {
			v.login.entry.SetText(r.login)
		}
		if authority.LoginIsEmail(r.login) {
			v.a.u.inbox.suggestFilter(r.login)
		}
		if r.token != "" && v.a.u.state.session == nil {
			v.resume(r.login, r.token)
		}
	})
}

func (v *signInView) setReason(msg string) {
	if msg != "" {
		v.remember.Disable()
	}
	setText(v.reason, msg)
}

// resume signs in with a remembered token.
func (v *signInView) resume(login, token string) {
	v.f.busy(true)
	type resumed struct {
		s       authority.Session
		offline bool // the server did not answer; s is the session as last confirmed
	}
	background(v.a.u, func(ctx context.Context) (resumed, error) {
		s, err := v.a.flows.Resume(ctx, token)
		if err == nil || !unreachable(err) {
			return resumed{s: s}, err
		}
		// No server: a session it confirmed before keeps the person
		// signed in, offline, with the queue on this laptop.
		if off, ok := v.a.u.opts.Authority.(offlineSessions); ok {
			if s, oerr := off.OfflineSession(ctx, token); oerr == nil {
				return resumed{s: s, offline: true}, nil
			}
		}
		return resumed{}, err
	}, func(r resumed, err error) {
		v.f.busy(false)
		s := r.s
		if err != nil {
			if unreachable(err) {
				// the session may well stand: say what happened, keep it
				v.f.setError(message(err))
				v.a.u.account.focus()
				return
			}
			if !errors.Is(err, authority.ErrSessionExpired) && !errors.Is(err, authority.ErrTokenInvalid) {
				fyne.LogError("resume remembered session", err)
			}
			v.f.setError(lang.L("Sesi yang diingat telah berakhir. Silakan masuk lagi."))
			v.a.u.account.focus()
			return
		}
		if r.offline {
			v.a.u.state.offline = true
			v.a.u.banner.show(offlineText())
		}
		if v.a.content.Objects[0] != v.content {
			// a link opened another step meanwhile: it stays in front
			v.a.u.setSession(s)
			return
		}
		v.a.u.signedIn(s)
	})
}

func (v *signInView) submit() {
	v.f.clearErrors()
	v.f.setNote("")
	login := strings.TrimSpace(v.login.entry.Text)
	pw := v.password.entry.Text
	switch {
	case login == "":
		v.login.setError(message(authority.ErrLoginRequired))
		return
	case pw == "":
		v.password.setError(message(authority.ErrPasswordRequired))
		return
	}
	remember := v.remember.Checked && v.a.u.state.keyringOK
	req := authority.SignInRequest{Login: login, Password: pw, Remember: remember}
	v.f.busy(true)
	background(v.a.u, func(ctx context.Context) (authority.SignInResponse, error) {
		return v.a.flows.SignIn(ctx, req)
	}, func(resp authority.SignInResponse, err error) {
		v.f.busy(false)
		if err != nil {
			v.showError(err)
			return
		}
		v.password.entry.SetText("")
		if resp.OTPChallenge != "" {
			v.a.showOTPStep(resp, remember)
			return
		}
		if resp.Session == nil {
			v.showError(errors.New("sign-in answered neither a session nor a challenge"))
			return
		}
		v.a.u.finishSignIn(*resp.Session, login, remember)
	})
}

func (v *signInView) showError(err error) {
	switch {
	case errors.Is(err, authority.ErrLoginRequired):
		v.login.setError(message(err))
	case errors.Is(err, authority.ErrPasswordRequired),
		errors.Is(err, authority.ErrPasswordTooShort),
		errors.Is(err, authority.ErrPasswordTooLong):
		v.password.setError(message(err))
	case errors.Is(err, authority.ErrOTPSetupRequired):
		// IT reset the OTP (a lost phone): the mailed link sets it up.
		v.f.setError(lang.L("OTP akun ini telah direset oleh admin TI. Buka email \"Atur Ulang OTP\" di Kotak Masuk untuk mengatur OTP kembali, atau gunakan \"Lupa Password\"."))
	case errors.Is(err, authority.ErrInvalidCredentials):
		v.password.entry.SetText("")
		v.f.setError(message(err))
		v.a.u.win.Canvas().Focus(v.password.entry)
	default:
		v.f.setError(message(err))
	}
}

// finishSignIn keeps or forgets the account in the keyring, then shows the
// signed-in views.
func (u *UI) finishSignIn(s authority.Session, login string, remember bool) {
	if kr := u.opts.Keyring; kr != nil && u.state.keyringOK {
		background(u, func(context.Context) (struct{}, error) {
			if remember {
				return struct{}{}, kr.Remember(login, s.Token)
			}
			return struct{}{}, kr.Forget()
		}, func(_ struct{}, err error) {
			if err != nil {
				fyne.LogError("keep remembered account", err)
				u.account.details.setWarning(lang.L("Akun tidak dapat disimpan di keyring sistem."))
			}
		})
	}
	u.signedIn(s)
}

// otpStepView asks for the OTP code after the password, greeting the user.
type otpStepView struct {
	a         *accountTab
	f         *form
	code      *field
	greeting  *widget.Label
	loginName *widget.Label
	content   fyne.CanvasObject
	challenge string
	login     string
	remember  bool
}

func newOTPStepView(a *accountTab) *otpStepView {
	v := &otpStepView{a: a}
	v.f = newForm(lang.L("Masuk"), v.submit)
	back := func() { a.showSignIn(signInState{login: v.login}) }
	v.f.onEscape(back)
	code := newEntry()
	code.SetPlaceHolder("000000")
	v.code = v.f.field(lang.L("Kode OTP"), code, 7)
	v.loginName = widget.NewLabel("")
	v.loginName.TextStyle.Bold = true
	v.greeting = wrapped("")
	v.content = card(
		title(lang.L("Selamat Datang Signer")),
		wrapped(lang.L("Silakan masuk ke akun Anda dan mulai petualangan")),
		v.loginName, v.greeting,
		v.f.top,
		v.code.box(),
		v.f.button,
		hyperlink(lang.L("Kembali ke halaman Login"), back),
	)
	return v
}

func (v *otpStepView) reset(resp authority.SignInResponse, remember bool) {
	v.f.busy(false)
	v.f.clearErrors()
	v.code.entry.SetText("")
	v.challenge = resp.OTPChallenge
	v.remember = remember
	v.login = resp.Account.Email
	if v.login == "" {
		v.login = resp.Account.Username
	}
	v.loginName.SetText(v.login)
	v.greeting.SetText(lang.L("{{.Name}} ({{.Username}}), masukkan kode OTP dari aplikasi autentikator Anda.",
		map[string]any{"Name": resp.Account.Name, "Username": resp.Account.Username}))
}

func (v *otpStepView) submit() {
	v.f.clearErrors()
	code, err := authority.ParseOTPCode(v.code.entry.Text)
	if err != nil {
		v.code.setError(message(err))
		return
	}
	req := authority.SignInOTPRequest{Challenge: v.challenge, Code: code}
	v.f.busy(true)
	background(v.a.u, func(ctx context.Context) (authority.Session, error) {
		return v.a.flows.SignInOTP(ctx, req)
	}, func(s authority.Session, err error) {
		v.f.busy(false)
		switch {
		case err == nil:
			v.code.entry.SetText("")
			v.a.u.finishSignIn(s, v.login, v.remember)
		case errors.Is(err, authority.ErrOTPRequired), errors.Is(err, authority.ErrOTPFormat),
			errors.Is(err, authority.ErrOTPInvalid), errors.Is(err, authority.ErrOTPReused):
			v.code.reject(message(err))
		case errors.Is(err, authority.ErrInvalidCredentials):
			// wrong code and a locked account look alike on purpose
			v.code.reject(message(authority.ErrOTPInvalid))
		case errors.Is(err, authority.ErrSessionExpired), errors.Is(err, authority.ErrTokenExpired),
			errors.Is(err, authority.ErrTokenInvalid), errors.Is(err, authority.ErrTokenUsed):
			v.a.showSignIn(signInState{login: v.login,
				err: lang.L("Waktu untuk memasukkan kode OTP telah habis. Silakan masuk lagi.")})
		default:
			v.f.setError(message(err))
		}
	})
}
