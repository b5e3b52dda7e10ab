package screens

import (
	"context"
	"fmt"
	"image/color"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/assets"
	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/docprep"
	"github.com/natunakab/besign/history"
	"github.com/natunakab/besign/signjob"
	"github.com/natunakab/besign/specimen"
)

// Every tab and dialog at the two screens the issue names (a 1024x600
// netbook, a 1366x768 office laptop), in both languages and both themes:
// the window's content must fit without the window growing, and the
// view's primary button must lie inside the window and inside every
// scroll around it, so that nobody has to scroll to find it. The
// screenshots land in artifacts/ for people to look at.

// screenSizes are the windows' content sizes. The real window also holds
// the menu bar (menuBarHeight) inside it on Linux.
var screenSizes = []fyne.Size{{Width: 1024, Height: 600}, {Width: 1366, Height: 768}}

// menuBarHeight is the height Fyne's in-window menu bar takes on Linux,
// with a margin: under Xvfb the real window's tabs start 27 px lower than
// the test window's.
const menuBarHeight = 31

// forcedTheme is Fyne's default theme in one variant, whatever the
// desktop's setting.
type forcedTheme struct {
	fyne.Theme
	v fyne.ThemeVariant
}

func (f forcedTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return f.Theme.Color(n, f.v)
}

var themes = []struct {
	name string
	th   fyne.Theme
}{
	{"terang", NewTheme(false)},
	{"gelap", NewTheme(true)},
}

// artifactsDir is where screenshots go: $BESIGN_ARTIFACTS, else the
// repository's artifacts/screenshots.
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("BESIGN_ARTIFACTS")
	if dir == "" {
		abs, err := filepath.Abs(filepath.Join("..", "artifacts"))
		if err != nil {
			t.Fatal(err)
		}
		dir = abs
	}
	dir = filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shooter drives one window in one language through the views.
type shooter struct {
	*harness
	lang string
	dir  string
	n    int
}

// shoot renders the window at every size and theme, writes the
// screenshots and checks the fit and the primary button (nil: the view
// has none, then every other primary button found must still be in view).
func (s *shooter) shoot(name string, primary fyne.CanvasObject) {
	s.t.Helper()
	s.n++
	defer fyne.CurrentApp().Settings().SetTheme(themes[0].th)
	for _, size := range screenSizes {
		for _, th := range themes {
			fyne.CurrentApp().Settings().SetTheme(th.th)
			s.win.Resize(fyne.NewSize(size.Width, size.Height-menuBarHeight))
			// a wrapped label knows its height only once it has its new
			// width, as after a frame in the real window
			settle(s.win.Content())
			s.wait()
			file := fmt.Sprintf("%s-%02d-%s-%dx%d-%s.png", s.lang, s.n, name, int(size.Width), int(size.Height), th.name)
			img := s.win.Canvas().Capture()
			f, err := os.Create(filepath.Join(s.dir, file))
			if err != nil {
				s.t.Fatal(err)
			}
			if err := png.Encode(f, img); err != nil {
				s.t.Fatal(err)
			}
			f.Close()
			s.checkFits(file, primary)
			if size == screenSizes[0] && th.name == themes[0].name {
				s.checkFocus(file)
			}
		}
	}
}

// settle refreshes and lays out everything under o, widgets included
// (relayoutTree stops at them), in the new size and theme.
func settle(o fyne.CanvasObject) {
	switch w := o.(type) {
	case *fyne.Container:
		if w.Layout != nil {
			w.Layout.Layout(w.Objects, w.Size())
		}
		for _, ch := range w.Objects {
			settle(ch)
		}
	case fyne.Widget:
		w.Refresh()
		r := test.WidgetRenderer(w)
		r.Layout(w.Size())
		for _, ch := range r.Objects() {
			settle(ch)
		}
	}
}

// checkFits fails the test when the content (or a dialog) needs more room
// than the window has, since the real window would then grow itself, or
// when a primary button lies outside the window or its scrolls.
func (s *shooter) checkFits(file string, primary fyne.CanvasObject) {
	s.t.Helper()
	c := s.win.Canvas()
	size := c.Size()
	pad := theme.Padding() * 2 // the window's own padding
	if m := s.win.Content().MinSize().Add(fyne.NewSquareSize(pad)); m.Width > size.Width || m.Height > size.Height {
		s.t.Errorf("%s: the content needs %v in a window of %v: the window would grow", file, m, size)
	}
	var root fyne.CanvasObject = s.win.Content()
	if top := c.Overlays().Top(); top != nil {
		root = top
		// a dialog's pop-up: its content, with the dialog's padding
		if pop, ok := top.(*widget.PopUp); ok {
			if m := test.WidgetRenderer(pop).MinSize(); m.Width > size.Width || m.Height > size.Height {
				s.t.Errorf("%s: the dialog needs %v in a window of %v", file, m, size)
			}
		}
	}
	window := rect{0, 0, size.Width, size.Height}
	found := false
	var visit func(o fyne.CanvasObject, origin fyne.Position, clip rect)
	visit = func(o fyne.CanvasObject, origin fyne.Position, clip rect) {
		if o == nil || !o.Visible() {
			return
		}
		pos := origin.Add(o.Position())
		r := rect{pos.X, pos.Y, o.Size().Width, o.Size().Height}
		if b, ok := asButton(o); ok && (o == primary || b.Importance == widget.HighImportance) {
			if o == primary {
				found = true
			}
			if !clip.holds(r) {
				s.t.Errorf("%s: primary button %q at %v lies outside the view %v", file, b.Text, r, clip)
			}
		}
		if _, ok := o.(*container.Scroll); ok {
			clip = clip.intersect(r)
		}
		switch w := o.(type) {
		case *fyne.Container:
			for _, ch := range w.Objects {
				visit(ch, pos, clip)
			}
		case fyne.Widget:
			for _, ch := range test.WidgetRenderer(w).Objects() {
				visit(ch, pos, clip)
			}
		}
	}
	// the content sits in the window's padding; a pop-up's position is
	// already the canvas's
	origin := fyne.NewPos(0, 0)
	if root == s.win.Content() {
		origin = fyne.NewPos(theme.Padding(), theme.Padding())
		origin = origin.Subtract(root.Position())
	}
	visit(root, origin, window)
	if primary != nil && !found {
		b, _ := asButton(primary)
		s.t.Errorf("%s: primary button %q is not shown", file, b.Text)
	}
}

type rect struct{ x, y, w, h float32 }

func (r rect) holds(o rect) bool {
	const slack = 0.5
	return o.x >= r.x-slack && o.y >= r.y-slack && o.x+o.w <= r.x+r.w+slack && o.y+o.h <= r.y+r.h+slack
}

func (r rect) intersect(o rect) rect {
	x, y := max(r.x, o.x), max(r.y, o.y)
	return rect{x, y, max(0, min(r.x+r.w, o.x+o.w)-x), max(0, min(r.y+r.h, o.y+o.h)-y)}
}

// firstSignIn takes a new account through its first sign-in (the reset
// mail, OTP set-up, a new password, the OTP step) without looking at any
// text, so in either language.
func (s *shooter) firstSignIn(email, password string) {
	s.t.Helper()
	a := s.ui.account
	s.ui.tabs.Select(s.ui.akunTab)
	a.showSignIn(signInState{})
	s.tap(a.signIn.forgot)
	s.typeIn(a.forgot.login.entry, email)
	s.enter()
	s.openNewestResetMail(email)
	secret := s.enrol(a.setup, "Ponsel kantor")
	s.typeIn(a.password.pw.entry, password)
	s.typeIn(a.password.confirm.entry, password)
	s.enter()
	s.clock.Add(30 * time.Second)
	s.typeIn(a.signIn.login.entry, email)
	s.typeIn(a.signIn.password.entry, password)
	s.enter()
	s.typeIn(a.otpStep.code.entry, s.code(secret, 0))
	s.enter()
	s.wantView("details", a.details.content)
}

// closeOverlays hides the dialogs open on the window.
func (s *shooter) closeOverlays() {
	for c := s.win.Canvas(); c.Overlays().Top() != nil; {
		c.Overlays().Top().Hide()
		c.Overlays().Remove(c.Overlays().Top())
	}
	s.wait()
}

func TestScreenshots(t *testing.T) {
	dir := artifactsDir(t)
	h, _ := signReady(t)
	siti := *h.ui.state.session
	photo, err := os.ReadFile(photoFile(t, "good"))
	if err != nil {
		t.Fatal(err)
	}
	for _, lng := range assets.Languages {
		t.Run(lng, func(t *testing.T) {
			if err := assets.UseLanguage(lng); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { assets.UseLanguage("id") })
			win := test.NewTempWindow(t, nil)
			ui := New(win, Options{Authority: h.auth, EmailDomain: "natunakab.go.id", Preview: testRenderer(),
				OpenURL: (&opened{}).open, MaxPassphraseFailures: 5,
				About:   About{Version: "1.0.0", DataDir: "/home/siti/.local/share/besign"},
				History: history.Open(t.TempDir()), Specimens: specimen.Open(t.TempDir())})
			q := queueResults(ui)
			win.SetContent(ui.Content())
			win.Resize(fyne.NewSize(1024, 600))
			ui.Start()
			q.wait()
			t.Cleanup(q.wait)
			s := &shooter{harness: &harness{t: t, auth: h.auth, clock: h.clock, ui: ui, win: win, q: q}, lang: lng, dir: dir}
			a := ui.account

			// signed out: the Akun tab's forms
			s.shoot("akun-masuk", a.signIn.f.button)
			a.showForgot("")
			s.shoot("akun-lupa-password", a.forgot.f.button)
			a.showRegister()
			s.shoot("akun-daftar", a.register.f.button)
			a.showReset("", false)
			s.shoot("akun-tautan-reset", a.reset.f.button)

			// a new employee's first sign-in: the reset mail, OTP set-up,
			// the new password, the OTP step
			email := "budi." + lng + "@natunakab.go.id"
			s.user("Budi Santoso", email)
			a.showSignIn(signInState{})
			s.tap(a.signIn.forgot)
			s.typeIn(a.forgot.login.entry, email)
			s.enter()
			s.openNewestResetMail(email)
			s.wantView("Pengaturan OTP", a.setup.content)
			s.shoot("akun-pengaturan-otp", a.setup.f.button)
			secret := s.enrol(a.setup, "Ponsel kantor")
			s.wantView("Perbarui Password", a.password.content)
			s.shoot("akun-perbarui-password", a.password.f.button)
			s.typeIn(a.password.pw.entry, "password-budi")
			s.typeIn(a.password.confirm.entry, "password-budi")
			s.enter()
			s.clock.Add(30 * time.Second)
			s.typeIn(a.signIn.login.entry, email)
			s.typeIn(a.signIn.password.entry, "password-budi")
			s.enter()
			s.wantView("OTP step", a.otpStep.content)
			s.shoot("akun-kode-otp", a.otpStep.f.button)
			s.typeIn(a.otpStep.code.entry, s.code(secret, 0))
			s.enter()
			s.wantView("details", a.details.content)
			s.shoot("akun-rincian", nil)

			// the other tabs, as Budi
			ui.tabs.Select(ui.otpItem)
			s.wait()
			s.shoot("otp", ui.otp.f.button)
			s.clock.Add(30 * time.Second)
			s.tap(ui.otp.f.button)
			s.shoot("otp-tambah-perangkat", ui.otp.setup.f.button)
			ui.otp.refresh()
			ui.tabs.Select(ui.inItem)
			s.wait()
			s.shoot("kotak-masuk", nil)
			ui.tabs.Select(ui.actItem)
			s.wait()
			act := ui.act
			s.shoot("aktivasi-data-diri", act.next)
			act.showStep(1)
			s.shoot("aktivasi-data-kedinasan", act.next)
			act.showStep(2)
			s.shoot("aktivasi-foto-diri", act.submit)
			showPhotoHowTo(ui)
			s.shoot("aktivasi-cara-foto", nil)
			s.closeOverlays()
			act.photo.openCamera()
			s.wait()
			s.shoot("aktivasi-kamera", act.photo.cam.save)
			act.photo.cam.close()
			s.closeOverlays()
			ui.tabs.Select(ui.checkItem)
			s.wait()
			s.shoot("verifikasi-dokumen", ui.check.openBtn)
			ui.tabs.Select(ui.signItem)
			s.wait()
			s.shoot("tanda-tangan-belum-sertifikat", ui.sign.signBtn)
			ui.showAbout()
			s.wait()
			s.shoot("tentang", nil)
			ui.showNotices()
			s.shoot("tentang-lisensi", nil)
			s.closeOverlays()
			showBundledText(ui, assets.TextAgreement, "Perjanjian pemilik sertifikat elektronik")
			s.shoot("teks-perjanjian", nil)
			s.closeOverlays()
			ui.chooseFile([]string{".pdf"}, func(string) {})
			s.shoot("dialog-berkas", nil)
			s.closeOverlays()
			ui.tabs.Select(ui.otpItem)
			s.wait()
			ui.otp.askRemove(ui.otp.devices[0])
			s.shoot("otp-hapus-perangkat", nil)
			ui.otp.confirm.Dismiss()
			s.closeOverlays()

			// Budi's activation, for a verifier to decide
			nik := map[string]string{"id": "2103011505900001", "en": "2103011505900002"}[lng]
			if _, err := h.auth.SubmitActivation(context.Background(), authority.ActivationRequest{Token: ui.state.session.Token,
				Data: authority.ActivationData{Name: "Budi Santoso", NIK: nik, GelarDepan: "-", GelarBelakang: "S.T.",
					Phone: "081234567891", Employment: authority.EmploymentASN, NIP: "199005152015031001",
					Unit: "Dinas Komunikasi dan Informatika", Jabatan: "Pranata Komputer", Province: "21", Photo: photo, Consent: true}}); err != nil {
				t.Fatal(err)
			}
			ui.act.signedIn()
			s.wait()
			ui.tabs.Select(ui.actItem)
			s.wait()
			s.shoot("aktivasi-menunggu", nil)
			ui.signedOut(signInState{})
			verifier := "rina." + lng + "@natunakab.go.id"
			if _, err := h.auth.CreateUser(context.Background(), authority.CreateUserRequest{Name: "Rina Verifikator",
				Email: verifier, Role: authority.RoleVerifier}); err != nil {
				t.Fatal(err)
			}
			s.firstSignIn(verifier, "password-rina")
			ui.tabs.Select(ui.verItem)
			s.wait()
			s.shoot("verifikasi", ui.verify.approve)
			ui.verify.doReject()
			s.shoot("verifikasi-tolak", nil)
			s.closeOverlays()
			ui.signedOut(signInState{})

			// Siti, whose certificate is issued: passphrase, signing
			ui.signedIn(siti)
			s.wait()
			ui.tabs.Select(ui.akunTab)
			a.showCreatePassphrase("")
			s.shoot("akun-buat-passphrase", a.create.f.button)
			a.showChangePassphrase()
			s.shoot("akun-ganti-passphrase", a.change.f.button)
			a.showDetails()
			s.wait()
			s.shoot("akun-sertifikat", nil)
			ui.tabs.Select(ui.signItem)
			s.wait()
			letter := writePDF(t, t.TempDir(), "Surat Undangan Rapat Koordinasi.pdf", a4, a4, testPage{w: 842, h: 595})
			ui.OpenFiles([]string{letter})
			s.wait()
			if d := ui.sign.current(); d == nil || d.Path != letter || ui.sign.preview.img == nil {
				t.Fatalf("the signing tab does not show the letter, drawn (preview drawn %v)", ui.sign.preview.img != nil)
			}
			s.shoot("tanda-tangan", ui.sign.signBtn)
			ui.sign.showPrepare()
			s.shoot("tanda-tangan-siapkan", ui.sign.prepDialog.ok)
			ui.sign.prepDialog.action.SetSelected(ui.sign.prepDialog.action.Options[0])
			s.shoot("tanda-tangan-siapkan-gabung", ui.sign.prepDialog.ok)
			s.closeOverlays()
			// a damaged file, as docprep.Check finds one
			ui.sign.file(letter).problem = checkProblem(docprep.Report{Problem: "xref", Broken: true})
			ui.sign.refreshAll()
			s.shoot("tanda-tangan-berkas-rusak", ui.sign.repairBtn)
			ui.sign.file(letter).problem = ""
			ui.sign.refreshAll()
			ui.sign.openPrompt()
			s.wait()
			if !ui.sign.prompt.open {
				t.Fatal("the passphrase prompt did not open")
			}
			s.shoot("tanda-tangan-passphrase", ui.sign.prompt.ok)
			ui.sign.prompt.close()
			s.wait()
			ui.sign.askPassword(letter, true, func(string) {}, nil)
			s.shoot("tanda-tangan-password-pdf", ui.sign.pwDialog.ok)
			s.tap(ui.sign.pwDialog.cancel)

			// signed: the results, then the signed copy in Verifikasi Dokumen
			ui.sign.openPrompt()
			s.wait()
			s.typeIn(ui.sign.prompt.entry, signPass)
			s.enter()
			if ui.sign.run == nil || !ui.sign.run.finished || ui.sign.run.rows[0].output == "" {
				t.Fatal("the letter was not signed")
			}
			s.shoot("tanda-tangan-hasil", nil)
			// a desktop without a program to open files: the folder to copy
			row := ui.sign.run.rows[0]
			row.note.show(filepath.Dir(row.output))
			s.shoot("tanda-tangan-hasil-tanpa-program", nil)
			ui.tabs.Select(ui.checkItem)
			ui.check.open(ui.sign.run.rows[0].output)
			s.wait()
			s.shoot("verifikasi-dokumen-hasil", ui.check.openBtn)
			// with a TSA configured, the B-B copy is offered long-term
			// validation
			if is, err := h.auth.TimeStampIssuer(context.Background()); err == nil {
				tsa := httptest.NewServer(is)
				defer tsa.Close()
				ui.opts.TimeStamp, _ = signjob.TimeStamper(tsa.URL, nil)
				ui.check.open(ui.sign.run.rows[0].output)
				s.wait()
				if ui.check.extendBtn == nil {
					t.Fatal("the signed letter is not offered long-term validation")
				}
				s.shoot("verifikasi-dokumen-ltv", ui.check.extendBtn)
				ui.opts.TimeStamp = nil
			}
			ui.tabs.Select(ui.signItem)
			ui.sign.showHistory()
			s.wait()
			if ui.sign.history == nil || len(ui.sign.history.entries) != 1 {
				t.Fatal("Riwayat does not list the letter")
			}
			s.shoot("tanda-tangan-riwayat", ui.sign.history.back)
		})
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	t.Logf("%d screenshots in %s", len(names), dir)
}
