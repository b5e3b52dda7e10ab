package screens

import (
	"context"
	"crypto/rand"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/natunakab/besign/assets"
	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/localqueue"
)

// clock is the authority's injected time; tests move it instead of sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type harnessConfig struct {
	uiSelfRegistration bool
	keyring            Keyring
	authOpts           func(*embedded.Options)
	wrap               func(authority.Authority) authority.Authority
	// remote puts the HTTPS client between the screens and the authority,
	// as BESIGN_UI_AUTHORITY=remote does for every test.
	remote bool
	// serverWrap, with remote, wraps the server's handler (a server that
	// misbehaves).
	serverWrap func(http.Handler) http.Handler
	// serve, when set, is how the screens reach the authority instead
	// (a server the test stops and starts again).
	serve func(t testing.TB, a *embedded.Authority, now func() time.Time) authority.Authority
}

// harness is a window with the screens on a real embedded authority in a
// temporary SQLite file.
type harness struct {
	t     testing.TB
	auth  *embedded.Authority
	clock *clock
	ui    *UI
	win   fyne.Window
	q     *results
	// again2 holds the results of the last window built by again.
	again2 *results
	// remote: the screens reach the authority through the HTTPS client.
	remote bool
	// queueFile is the laptop's queue (localqueue) of remote mode, which a
	// new window opens again.
	queueFile string
}

func newHarness(t testing.TB, cfgs ...func(*harnessConfig)) *harness {
	t.Helper()
	if err := assets.UseLanguage("id"); err != nil {
		t.Fatal(err)
	}
	var hc harnessConfig
	for _, c := range cfgs {
		c(&hc)
	}
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	opts := embedded.DefaultOptions()
	opts.Path = filepath.Join(t.TempDir(), "besign.db")
	opts.MasterKey = key
	opts.Now = clk.Now
	if hc.authOpts != nil {
		hc.authOpts(&opts)
	}
	a, err := embedded.Open(opts)
	if err != nil {
		t.Fatalf("open authority: %v", err)
	}
	t.Cleanup(func() { a.Close() })

	test.NewTempApp(t)
	win := test.NewTempWindow(t, nil)
	var auth authority.Authority = a
	var queueFile string
	switch {
	case hc.serve != nil:
		auth = hc.serve(t, a, clk.Now)
	case uiRemote || hc.remote:
		if hc.serverWrap != nil {
			auth = overHTTPSWrapped(t, a, hc.serverWrap)
		} else {
			auth = overHTTPS(t, a)
		}
		// as the app composes it (datadir): the queue on the laptop
		queueFile = filepath.Join(t.TempDir(), localqueue.FileName)
		auth = withLocalQueue(t, auth.(localqueue.Server), queueFile, clk.Now)
	}
	if hc.wrap != nil {
		auth = hc.wrap(auth)
	}
	ui := New(win, Options{
		Authority:        auth,
		Keyring:          hc.keyring,
		SelfRegistration: hc.uiSelfRegistration,
		EmailDomain:      opts.EmailDomain,
	})
	q := queueResults(ui)
	win.SetContent(ui.Content())
	win.Resize(fyne.NewSize(1024, 700))
	ui.Start()
	h := &harness{t: t, auth: a, clock: clk, ui: ui, win: win, q: q, remote: uiRemote || hc.remote || hc.serve != nil, queueFile: queueFile}
	h.wait()
	t.Cleanup(h.wait)
	return h
}

// results holds what background work handed over, for the test goroutine
// to run as the UI goroutine would.
type results struct {
	ui  *UI
	mu  sync.Mutex
	fns []func()
}

func queueResults(ui *UI) *results {
	q := &results{ui: ui}
	ui.deliver = func(f func()) {
		q.mu.Lock()
		q.fns = append(q.fns, f)
		q.mu.Unlock()
	}
	return q
}

// wait runs results until no work is left, including work they start.
func (q *results) wait() {
	for {
		q.ui.Wait()
		q.mu.Lock()
		fns := q.fns
		q.fns = nil
		q.mu.Unlock()
		if len(fns) == 0 {
			return
		}
		for _, f := range fns {
			f()
		}
	}
}

func (h *harness) wait() { h.q.wait() }

// user creates an account the way IT does.
func (h *harness) user(name, email string) authority.Account {
	h.t.Helper()
	acc, err := h.auth.CreateUser(context.Background(), authority.CreateUserRequest{Name: name, Email: email})
	if err != nil {
		h.t.Fatalf("create user: %v", err)
	}
	return acc
}

// typeable is an entry: Fyne's or the screens' own.
type typeable interface {
	fyne.Focusable
	SetText(string)
}

// typeIn replaces e's text by typing s into it through the canvas.
func (h *harness) typeIn(e typeable, s string) {
	h.t.Helper()
	e.SetText("")
	c := h.win.Canvas()
	c.Focus(e)
	if c.Focused() != e {
		h.t.Fatal("the entry to type in is not on screen")
	}
	for _, r := range s {
		c.Focused().TypedRune(r)
	}
}

// enter presses Return in the focused widget and waits for the work started.
func (h *harness) enter() {
	h.t.Helper()
	f := h.win.Canvas().Focused()
	if f == nil {
		h.t.Fatal("nothing focused to press Enter in")
	}
	f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.wait()
}

// tap activates a button or link; links are activated as from the keyboard
// (focus, Space), since a test tap lands outside their text.
func (h *harness) tap(o fyne.Tappable) {
	h.t.Helper()
	if l, ok := o.(*textLink); ok {
		h.win.Canvas().Focus(l)
		l.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	} else {
		test.Tap(o)
	}
	h.wait()
}

// code is the TOTP code of secret at the authority's time plus offset.
func (h *harness) code(secret string, offset time.Duration) string {
	h.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, h.clock.Now().Add(offset), totp.ValidateOpts{
		Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// shown reports the text of a label, or "" when it is hidden.
func shown(l *widget.Label) string {
	if !l.Visible() {
		return ""
	}
	return l.Text
}

// current is the view shown in the Akun tab.
func (h *harness) current() fyne.CanvasObject { return h.ui.account.content.Objects[0] }

func (h *harness) wantView(name string, v fyne.CanvasObject) {
	h.t.Helper()
	if h.current() != v {
		h.t.Fatalf("Akun tab does not show the %s view", name)
	}
}

func (h *harness) wantLabel(what string, l *widget.Label, want string) {
	h.t.Helper()
	if got := shown(l); !strings.Contains(got, want) || (want == "" && got != "") {
		h.t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

// mails returns the outbox for to, newest first.
func (h *harness) mails(to string) []authority.Mail {
	h.t.Helper()
	ms, err := h.auth.Outbox(context.Background(), authority.OutboxQuery{To: to})
	if err != nil {
		h.t.Fatal(err)
	}
	return ms
}

// requestReset goes through Lupa Password from the sign-in form.
func (h *harness) requestReset(login string) {
	h.t.Helper()
	a := h.ui.account
	h.tap(a.signIn.forgot)
	h.wantView("Lupa Password", a.forgot.content)
	h.typeIn(a.forgot.login.entry, login)
	h.enter()
	h.wantLabel("forgot note", a.forgot.f.note, "petunjuk untuk mereset password telah dikirim")
}

// openNewestResetMail opens Kotak Masuk filtered on email and taps the action
// of the newest mail, which must be the reset mail.
func (h *harness) openNewestResetMail(email string) {
	h.t.Helper()
	if h.remote {
		// A server has no inbox for users: the link arrives by mail and
		// opens the app as the besign:// handler does.
		ms := h.mails(email)
		if len(ms) == 0 || ms[0].Kind != authority.MailReset || ms[0].ActionLink == "" {
			h.t.Fatalf("no reset mail with a link for %s: %+v", email, ms)
		}
		h.ui.OpenLink(ms[0].ActionLink)
		h.wait()
		if h.ui.tabs.Selected() != h.ui.akunTab {
			h.t.Fatal("the link did not switch to the Akun tab")
		}
		return
	}
	in := h.ui.inbox
	h.ui.tabs.Select(h.ui.inItem)
	h.wait()
	h.typeIn(in.filter, email)
	h.enter()
	if len(in.mails) == 0 || in.current != 0 {
		h.t.Fatalf("inbox shows %d mails, current %d", len(in.mails), in.current)
	}
	if in.mails[0].Kind != authority.MailReset || !in.action.Visible() {
		h.t.Fatalf("newest mail is %q, action visible %v", in.mails[0].Kind, in.action.Visible())
	}
	h.tap(in.action)
	if h.ui.tabs.Selected() != h.ui.akunTab {
		h.t.Fatal("the action did not switch to the Akun tab")
	}
}

// manualKey shows the key behind "Tidak bisa memindai?" and returns it.
func (h *harness) manualKey(v *otpSetupView) string {
	h.t.Helper()
	if !v.manual.Visible() {
		h.tap(v.toggle)
	}
	if !v.manual.Visible() || v.qr.Visible() {
		h.t.Fatal("Tidak bisa memindai? did not switch to the key")
	}
	return strings.ReplaceAll(v.key.Text, " ", "")
}

// enrol fills the OTP set-up form with a good code and submits it.
func (h *harness) enrol(v *otpSetupView, device string) string {
	h.t.Helper()
	secret := h.manualKey(v)
	h.typeIn(v.code.entry, h.code(secret, 0))
	h.typeIn(v.name.entry, device)
	h.enter()
	return secret
}

// activate takes a new account through its first sign-in: Lupa Password, the mail's
// action, OTP set-up, the new password. It returns the OTP secret.
func (h *harness) activate(email, password string) string {
	h.t.Helper()
	a := h.ui.account
	h.requestReset(email)
	h.openNewestResetMail(email)
	h.wantView("Pengaturan OTP", a.setup.content)
	secret := h.enrol(a.setup, "Ponsel kantor")
	h.wantView("Perbarui Password", a.password.content)
	h.typeIn(a.password.pw.entry, password)
	h.typeIn(a.password.confirm.entry, password)
	h.enter()
	h.wantView("Masuk", a.signIn.content)
	h.wantLabel("sign-in note", a.signIn.f.note, "Password baru berhasil diubah")
	// a later code, so that sign-in does not reuse the set-up's time step
	h.clock.Add(30 * time.Second)
	return secret
}

// signIn signs in with password and OTP code.
func (h *harness) signIn(login, password, secret string) {
	h.t.Helper()
	a := h.ui.account
	h.ui.tabs.Select(h.ui.akunTab)
	h.typeIn(a.signIn.login.entry, login)
	h.typeIn(a.signIn.password.entry, password)
	h.enter()
	h.wantView("OTP step", a.otpStep.content)
	h.typeIn(a.otpStep.code.entry, h.code(secret, 0))
	h.enter()
	h.wantView("details", a.details.content)
}

// asButton is the Fyne button in o: a widget.Button, or the screens' own
// button around one.
func asButton(o fyne.CanvasObject) (*widget.Button, bool) {
	switch b := o.(type) {
	case *widget.Button:
		return b, true
	case *button:
		return &b.Button, true
	}
	return nil, false
}
