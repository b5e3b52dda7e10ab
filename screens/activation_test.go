package screens

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	_ "github.com/pion/mediadevices/pkg/driver/videotest" // mediadevices' fake camera, in tests only

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
)

const (
	actEmail = "siti@natunakab.go.id"
	actPass  = "Rahasia#2026"
	goodNIK  = "2103015901950003" // a woman born 1995-01-19
	goodNIP  = "199501192022032003"
)

// photoFile writes a test photo: kind "good" (textured, mid-grey), "dark",
// "blurred" (a smooth gradient), "corrupt" or "huge" (50 megapixels).
func photoFile(t testing.TB, kind string) string {
	t.Helper()
	dir := t.TempDir()
	texture := func(w, h int, scale float64) *image.Gray {
		img := image.NewGray(image.Rect(0, 0, w, h))
		r := rand.New(rand.NewPCG(3, 4))
		for i := range img.Pix {
			img.Pix[i] = uint8(float64(60+r.IntN(136)) * scale)
		}
		return img
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	enc := func(img image.Image) []byte {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	switch kind {
	case "good":
		return write("siti.jpg", enc(texture(640, 480, 1)))
	case "dark":
		return write("gelap.jpg", enc(texture(640, 480, 0.15)))
	case "blurred":
		img := image.NewRGBA(image.Rect(0, 0, 640, 480))
		for y := 0; y < 480; y++ {
			for x := 0; x < 640; x++ {
				img.Set(x, y, color.RGBA{uint8(80 + x/8), uint8(90 + y/8), 120, 255})
			}
		}
		var b bytes.Buffer
		png.Encode(&b, img)
		return write("buram.png", b.Bytes())
	case "corrupt":
		good := enc(texture(640, 480, 1))
		return write("rusak.jpg", append(good[:600:600], bytes.Repeat([]byte{0x17}, 4000)...))
	case "huge":
		return write("besar.jpg", enc(texture(8660, 5774, 1)))
	}
	t.Fatalf("unknown photo kind %q", kind)
	return ""
}

// signedInActivation signs a new account in and opens the Aktivasi tab.
func signedInActivation(t *testing.T, cfgs ...func(*harnessConfig)) (*harness, string) {
	t.Helper()
	cfgs = append(cfgs, func(c *harnessConfig) {
		prev := c.authOpts
		c.authOpts = func(o *embedded.Options) {
			o.Instansi = "Pemerintah Kabupaten Natuna"
			if prev != nil {
				prev(o)
			}
		}
	})
	h := newHarness(t, cfgs...)
	h.user("Siti Rahmawati", actEmail)
	secret := h.activate(actEmail, actPass)
	h.signIn(actEmail, actPass, secret)
	h.ui.tabs.Select(h.ui.actItem)
	h.wait()
	if h.ui.act.content.Objects[0] != h.ui.act.wizard {
		t.Fatal("Aktivasi does not show the form")
	}
	return h, secret
}

func (h *harness) wantMsg(what string, l *widget.Label, want string) {
	h.t.Helper()
	if got := shown(l); want == "" && got != "" || !strings.Contains(got, want) {
		h.t.Fatalf("%s: message %q, want %q", what, got, want)
	}
}

// fillPersonal types a valid Data Diri.
func (h *harness) fillPersonal() {
	p := h.ui.act.personal
	h.typeIn(p.name.entry, "Siti Rahmawati")
	h.typeIn(p.nik.entry, goodNIK)
	h.typeIn(p.gelarDepan.entry, "-")
	h.typeIn(p.gelarBelakang.entry, "S.Kom.")
	h.typeIn(p.phone.entry, "0812-3456-7890")
}

// fillEmployment fills Data Kedinasan as an ASN found in the directory.
func (h *harness) fillEmployment() {
	e := h.ui.act.employment
	e.radio.SetSelected("ASN dan Penyidik POLRI")
	h.typeIn(e.nip.entry, goodNIP)
	h.tap(e.check) // not in the directory: filled by hand
	h.typeIn(e.unit.entry, "Dinas Komunikasi dan Informatika")
	h.typeIn(e.jabatan.entry, "Pranata Komputer")
	e.provSel.SetSelected("Kepulauan Riau")
}

func TestActivationWizardEveryMessage(t *testing.T) {
	h, _ := signedInActivation(t)
	ctx := context.Background()
	if _, err := authority.ImportDirectoryCSV(ctx, h.auth, strings.NewReader("nip,nama,unit_organisasi,jabatan,provinsi\n"+
		goodNIP+",Siti Rahmawati,Dinas Komunikasi dan Informatika,Pranata Komputer,NATUNA\n")); err != nil {
		t.Fatal(err)
	}
	act := h.ui.act
	p := act.personal
	if act.step != 0 || !act.prev.Disabled() || act.submit.Visible() || p.name.entry.Text != "Siti Rahmawati" || p.email.Text != actEmail || !p.email.Disabled() {
		t.Fatalf("first step: step %d, name %q, email %q", act.step, p.name.entry.Text, p.email.Text)
	}

	// Data Diri: every message at its field; the step does not change.
	for _, tc := range []struct {
		field *field
		value string
		want  string
	}{
		{p.nik, "210301590195000", "NIK harus 16 digit"},
		{p.nik, "2003015901950003", "bukan kode provinsi"},
		{p.nik, "2103013201950003", "Tanggal lahir pada NIK"},
		{p.nik, "2103015901950000", "tidak boleh 0000"},
		{p.phone, "0812abc7890", "tanpa huruf"},
		{p.phone, "", "Nomor telepon wajib diisi"},
		{p.gelarDepan, "", "Gelar wajib diisi"},
		{p.gelarBelakang, "", "Gelar wajib diisi"},
		{p.name, "", "Nama lengkap wajib diisi"},
	} {
		h.fillPersonal()
		h.typeIn(tc.field.entry, tc.value)
		h.tap(act.next)
		h.wantMsg(tc.field.label.Text, tc.field.msg, tc.want)
		if act.step != 0 {
			t.Fatalf("%q: moved to step %d", tc.value, act.step)
		}
		// typing clears the message
		h.typeIn(tc.field.entry, "x")
		h.wantMsg(tc.field.label.Text, tc.field.msg, "")
	}
	h.fillPersonal()
	h.tap(act.next)
	if act.step != 1 {
		t.Fatalf("valid Data Diri: step %d; NIK message %q", act.step, shown(p.nik.msg))
	}

	// Data Kedinasan.
	e := act.employment
	if e.instansi.Text != "Pemerintah Kabupaten Natuna" || !e.instansi.Disabled() {
		t.Errorf("instansi %q", e.instansi.Text)
	}
	// Provinsi comes from the NIK's region code (21: Kepulauan Riau)
	if e.provSel.Selected != "Kepulauan Riau" {
		t.Fatalf("Provinsi from NIK %s: %q", goodNIK, e.provSel.Selected)
	}
	e.provSel.ClearSelected()
	h.tap(act.next)
	h.wantMsg("status", e.status.msg, "Pilih status kepegawaian")
	h.wantMsg("unit", e.unit.msg, "Unit organisasi wajib diisi")
	h.wantMsg("jabatan", e.jabatan.msg, "Jabatan wajib diisi")
	h.wantMsg("provinsi", e.province.msg, "Pilih provinsi")
	e.radio.SetSelected("ASN dan Penyidik POLRI")
	if !e.nipRow.Visible() {
		t.Fatal("no NIP row for ASN")
	}
	h.tap(act.next)
	h.wantMsg("nip", e.nip.msg, "NIP/NRP wajib diisi")
	h.typeIn(e.nip.entry, "199502302022032003")
	h.tap(e.check)
	h.wantMsg("impossible NIP", e.nip.msg, "Tanggal lahir pada NIP")
	h.typeIn(e.nip.entry, "199501192022132003")
	h.tap(act.next)
	h.wantMsg("NIP TMT", e.nip.msg, "TMT pada NIP")
	h.typeIn(e.nip.entry, "199001012015031001")
	h.tap(e.check)
	h.wantMsg("unknown NIP", e.lookup, "tidak ditemukan di direktori")
	h.typeIn(e.nip.entry, goodNIP)
	h.tap(e.check)
	// the directory's "NATUNA" is no province: the NIK's stays
	if e.unit.entry.Text != "Dinas Komunikasi dan Informatika" || e.jabatan.entry.Text != "Pranata Komputer" || e.provSel.Selected != "Kepulauan Riau" {
		t.Fatalf("Cek NIP/NRP filled %q %q %q", e.unit.entry.Text, e.jabatan.entry.Text, e.provSel.Selected)
	}
	h.wantMsg("NATUNA", e.lookup, "\"NATUNA\" di direktori bukan nama provinsi")
	if len(e.provSel.Options) != 38 {
		t.Fatalf("%d provinces to choose from", len(e.provSel.Options))
	}
	// the filled fields stay editable
	h.typeIn(e.unit.entry, "Diskominfo")
	e.provSel.SetSelected("Kepulauan Riau")
	h.tap(act.next)
	if act.step != 2 {
		t.Fatalf("valid Data Kedinasan: step %d", act.step)
	}

	// Foto Diri: Submit stays disabled until everything is valid.
	ph := act.photo
	if !act.submit.Visible() || !act.submit.Disabled() || act.next.Visible() {
		t.Fatal("Submit shown enabled without photo and consent")
	}
	for kind, want := range map[string]string{"dark": "terlalu gelap", "blurred": "buram", "corrupt": "rusak"} {
		ph.loadFile(photoFile(t, kind))
		h.wait()
		h.wantMsg(kind+" photo", ph.msg.msg, want)
		if ph.photo != nil {
			t.Fatalf("%s photo accepted", kind)
		}
	}
	ph.loadFile(filepath.Join(t.TempDir(), "tidak-ada.jpg"))
	h.wait()
	if shown(ph.msg.msg) == "" {
		t.Fatal("a missing file gave no message")
	}
	ph.loadFile(photoFile(t, "good"))
	h.wait()
	if ph.photo == nil || shown(ph.msg.msg) != "" || ph.take.Text != "Ambil ulang foto" {
		t.Fatalf("good photo: %q", shown(ph.msg.msg))
	}
	if !act.submit.Disabled() {
		t.Fatal("Submit enabled without consent")
	}
	test.Tap(ph.consent)
	if act.submit.Disabled() {
		t.Fatal("Submit disabled with everything valid")
	}
	h.tap(act.submit)
	if act.content.Objects[0] != act.status.content || act.status.status.Text != "Menunggu verifikasi" {
		t.Fatalf("after Submit: status %q", act.status.status.Text)
	}
	got, err := h.auth.ShowActivation(ctx, actEmail)
	if err != nil || got.Status != authority.ActivationWaiting || got.Data.Unit != "Diskominfo" || got.Data.Province != "21" || got.Data.Phone != "+6281234567890" {
		t.Fatalf("stored %+v, %v", got.Data, err)
	}
}

// TestActivationResumeAfterRestart: each step left is a draft; a restart
// (a new authority on the same file, a new window) resumes at that step.
func TestActivationResumeAfterRestart(t *testing.T) {
	var opts embedded.Options
	h, _ := signedInActivation(t, func(c *harnessConfig) { c.authOpts = func(o *embedded.Options) { opts = *o } })
	act := h.ui.act
	h.fillPersonal()
	h.tap(act.next)
	act.employment.radio.SetSelected("Lainnya")
	h.typeIn(act.employment.unit.entry, "Kecamatan Bunguran Timur")
	h.tap(act.prev) // leaving step 2 backwards saves it too
	h.tap(act.next)
	token := h.ui.state.session.Token
	h.auth.Close()

	opts.Instansi = "Pemerintah Kabupaten Natuna"
	a2, err := embedded.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a2.Close() })
	win := test.NewTempWindow(t, nil)
	ui := New(win, Options{Authority: a2})
	q := queueResults(ui)
	win.SetContent(ui.Content())
	win.Resize(fyne.NewSize(1024, 700))
	ui.Start()
	q.wait()
	sess, err := a2.Resume(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	ui.signedIn(sess)
	q.wait()
	a := ui.act
	if a.step != 1 || a.personal.nik.entry.Text != goodNIK || a.personal.phone.entry.Text != "0812-3456-7890" ||
		a.employment.radio.Selected != "Lainnya" || a.employment.unit.entry.Text != "Kecamatan Bunguran Timur" || a.employment.nipRow.Visible() {
		t.Fatalf("resumed at step %d: NIK %q, status %q, unit %q", a.step, a.personal.nik.entry.Text, a.employment.radio.Selected, a.employment.unit.entry.Text)
	}
}

// TestActivationRejectResubmit: a verifier rejects in the Verifikasi tab
// with a reason, the user sees it, fixes the photo and resubmits, and the
// verifier approves.
func TestActivationRejectResubmit(t *testing.T) {
	h, secret := signedInActivation(t)
	act := h.ui.act
	h.fillPersonal()
	h.tap(act.next)
	h.fillEmployment()
	h.tap(act.next)
	if act.step != 2 {
		t.Fatalf("step %d", act.step)
	}
	act.photo.loadFile(photoFile(t, "huge")) // 50 megapixels: scaled down, not refused
	h.wait()
	if act.photo.photo == nil {
		t.Fatalf("50-megapixel photo refused: %q", shown(act.photo.msg.msg))
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(act.photo.photo))
	if err != nil || cfg.Width > authority.MaxPhotoSide || cfg.Height > authority.MaxPhotoSide {
		t.Fatalf("kept photo %dx%d, %v", cfg.Width, cfg.Height, err)
	}
	test.Tap(act.photo.consent)
	h.tap(act.submit)
	if act.status.status.Text != "Menunggu verifikasi" {
		t.Fatalf("submit: %q; top %q", act.status.status.Text, shown(act.top))
	}

	// The verifier signs in on the same window after the user signs out.
	h.closeDialogs()
	h.ui.tabs.Select(h.ui.akunTab)
	h.tap(h.ui.account.details.signOut)
	if act.content.Objects[0] != act.signedOutView {
		t.Fatal("Aktivasi still shows the form after sign-out")
	}
	if _, err := h.auth.CreateUser(context.Background(), authority.CreateUserRequest{Name: "Budi Verifikator", Email: "budi@natunakab.go.id", Role: authority.RoleVerifier}); err != nil {
		t.Fatal(err)
	}
	vsecret := h.activate("budi@natunakab.go.id", actPass)
	h.clock.Add(time.Minute)
	h.signIn("budi@natunakab.go.id", actPass, vsecret)
	h.ui.tabs.Select(h.ui.verItem)
	h.wait()
	v := h.ui.verify
	if len(v.pending) != 1 || v.current != 0 || v.values["NIK"].Text != goodNIK || v.values["Nomor Telepon"].Text != "+6281234567890" ||
		v.values["Provinsi"].Text != "Kepulauan Riau" || v.photo.Image == nil {
		t.Fatalf("pending %d, NIK %q, photo %v", len(v.pending), v.values["NIK"].Text, v.photo.Image != nil)
	}
	h.tap(v.reject)
	r := v.rejecting
	h.tap(r.send)
	h.wantMsg("empty reason", r.msg, "Alasan penolakan wajib diisi")
	r.reason.SetText("Foto tidak jelas, wajah tertutup.")
	h.tap(r.send)
	h.wantMsg("verifikasi", v.msg, "ditolak")
	if len(v.pending) != 0 || !v.empty.Visible() {
		t.Fatalf("still %d pending", len(v.pending))
	}
	h.ui.tabs.Select(h.ui.akunTab)
	h.tap(h.ui.account.details.signOut)
	for _, it := range h.ui.tabs.Items {
		if it == h.ui.verItem {
			t.Fatal("Verifikasi tab still shown after the verifier signed out")
		}
	}

	// The user sees the reason, fixes and resubmits.
	h.closeDialogs()
	h.ui.tabs.Select(h.ui.akunTab)
	h.clock.Add(time.Minute)
	h.signIn(actEmail, actPass, secret)
	h.ui.tabs.Select(h.ui.actItem)
	h.wait()
	h.wantMsg("rejection", act.rejected, "Foto tidak jelas, wajah tertutup.")
	if act.step != 2 {
		t.Fatalf("rejected activation opens at step %d", act.step)
	}
	act.photo.loadFile(photoFile(t, "good"))
	h.wait()
	h.tap(act.submit)
	if act.status.status.Text != "Menunggu verifikasi" {
		t.Fatalf("resubmit: %q %q", act.status.status.Text, shown(act.top))
	}
	ms := h.mails(actEmail)
	if ms[0].Kind != authority.MailActivationSubmitted || ms[1].Kind != authority.MailActivationRejected {
		t.Fatalf("mails %s, %s", ms[0].Kind, ms[1].Kind)
	}

	// The verifier approves the resubmission; the user gets "[BSrE] Set
	// Passphrase" and, at the next sign-in, the verified status.
	h.closeDialogs()
	h.ui.tabs.Select(h.ui.akunTab)
	h.tap(h.ui.account.details.signOut)
	h.clock.Add(time.Minute)
	h.signIn("budi@natunakab.go.id", actPass, vsecret)
	h.ui.tabs.Select(h.ui.verItem)
	h.wait()
	if len(v.pending) != 1 || v.values["Email"].Text != actEmail {
		t.Fatalf("resubmission not pending: %d", len(v.pending))
	}
	h.tap(v.approve)
	h.wantMsg("verifikasi", v.msg, "disetujui")
	m := h.mails(actEmail)[0]
	if m.Subject != "[BSrE] Set Passphrase" {
		t.Fatalf("newest mail %q", m.Subject)
	}
	// its button opens Buat Passphrase
	if err := h.ui.openLink(m.ActionLink); err != nil {
		t.Fatal(err)
	}
	if h.ui.tabs.Selected() != h.ui.akunTab || h.current() != h.ui.account.create.content {
		t.Fatal("the passphrase link did not open Buat Passphrase")
	}
	h.ui.tabs.Select(h.ui.akunTab)
	h.tap(h.ui.account.details.signOut)
	h.clock.Add(time.Minute)
	h.signIn(actEmail, actPass, secret)
	h.ui.tabs.Select(h.ui.actItem)
	h.wait()
	if act.content.Objects[0] != act.status.content || act.status.status.Text != "Terverifikasi" {
		t.Fatalf("after approval: %q", act.status.status.Text)
	}
}

// TestConsentTexts: "Kebijakan Privasi" and "Perjanjian pemilik sertifikat
// elektronik" open the bundled texts.
func TestConsentTexts(t *testing.T) {
	h, _ := signedInActivation(t)
	h.fillPersonal()
	h.tap(h.ui.act.next)
	h.fillEmployment()
	h.tap(h.ui.act.next)
	links := h.ui.act.photo.consentF.obj.(*fyne.Container).Objects[1].(*fyne.Container).Objects
	for i, want := range []string{"Kebijakan Privasi BeSign Desktop", "Perjanjian Pemilik Sertifikat Elektronik"} {
		h.tap(links[i].(*textLink))
		top := h.win.Canvas().Overlays().Top()
		if top == nil || !containsText(top, want) {
			t.Fatalf("link %d did not open %q", i, want)
		}
		h.closeDialogs()
	}
}

// containsText tells whether a label under o shows text containing s.
func containsText(o fyne.CanvasObject, s string) bool {
	switch w := o.(type) {
	case *widget.Label:
		return strings.Contains(w.Text, s)
	case *fyne.Container:
		for _, c := range w.Objects {
			if containsText(c, s) {
				return true
			}
		}
	case fyne.Widget:
		return anyText(test.WidgetRenderer(w).Objects(), s)
	}
	return false
}

func anyText(objs []fyne.CanvasObject, s string) bool {
	for _, o := range objs {
		if containsText(o, s) {
			return true
		}
	}
	return false
}

// closeDialogs dismisses what dialogs left on the window (the success
// notice), as a person clicking OK does.
func (h *harness) closeDialogs() {
	ov := h.win.Canvas().Overlays()
	for ov.Top() != nil {
		ov.Remove(ov.Top())
	}
}

// TestCameraDialog runs "Ambil foto" on mediadevices' videotest camera:
// Aktifkan Kamera, the live preview under the oval, Ambil Foto, Ambil ulang
// foto, Simpan; closing releases the camera.
func TestCameraDialog(t *testing.T) {
	h, _ := signedInActivation(t)
	act := h.ui.act
	h.fillPersonal()
	h.tap(act.next)
	h.fillEmployment()
	h.tap(act.next)
	ph := act.photo
	h.tap(ph.take)
	c := ph.cam
	if c == nil || len(c.devices) == 0 || c.shoot.Disabled() == false || c.save.Disabled() == false {
		t.Fatal("camera dialog not open, or buttons enabled before the camera")
	}
	blank := c.preview.Image
	h.tap(c.start)
	if c.stream == nil {
		t.Fatalf("camera not started: %q", shown(c.msg))
	}
	// frames reach the preview through the UI queue
	deadline := time.Now().Add(5 * time.Second)
	for c.preview.Image == blank && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		h.wait()
	}
	if c.preview.Image == blank {
		t.Fatal("no frame reached the preview")
	}
	if b := c.preview.Image.Bounds(); b.Dx() != previewW || b.Dy() != previewH {
		t.Fatalf("preview %v", b)
	}
	h.tap(c.shoot)
	if c.captured == nil {
		// videotest's colour bars may not pass the photo checks: then the
		// dialog must say what to fix, and Simpan stays off
		if shown(c.msg) == "" || !c.save.Disabled() {
			t.Fatalf("refused capture without a message (%q) or with Simpan on", shown(c.msg))
		}
		t.Logf("videotest frame refused: %s", shown(c.msg))
		h.tap(c.file)
		return
	}
	if c.shoot.Text != "Ambil ulang foto" || c.save.Disabled() {
		t.Fatalf("after capture: %q, save disabled %v", c.shoot.Text, c.save.Disabled())
	}
	h.tap(c.shoot) // Ambil ulang foto: back to the preview
	if c.captured != nil || !c.save.Disabled() {
		t.Fatal("retake kept the photo")
	}
	h.tap(c.shoot)
	h.tap(c.save)
	if ph.photo == nil || ph.cam != nil || c.stream != nil {
		t.Fatalf("after Simpan: photo %d bytes, dialog open %v", len(ph.photo), ph.cam != nil)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(ph.photo))
	if err != nil || format != "jpeg" || cfg.Width != 640 {
		t.Fatalf("saved photo %s %dx%d, %v", format, cfg.Width, cfg.Height, err)
	}
}

// The activation's sentinels join sentinelValues (see TestMessages).
func init() {
	for name, err := range map[string]error{
		"ErrNIKFormat":            authority.ErrNIKFormat,
		"ErrNIKProvince":          authority.ErrNIKProvince,
		"ErrNIKBirthDate":         authority.ErrNIKBirthDate,
		"ErrNIKSerial":            authority.ErrNIKSerial,
		"ErrNIKTaken":             authority.ErrNIKTaken,
		"ErrNIPFormat":            authority.ErrNIPFormat,
		"ErrNIPBirthDate":         authority.ErrNIPBirthDate,
		"ErrNIPTMT":               authority.ErrNIPTMT,
		"ErrNIPSex":               authority.ErrNIPSex,
		"ErrPhoneRequired":        authority.ErrPhoneRequired,
		"ErrPhoneInvalid":         authority.ErrPhoneInvalid,
		"ErrGelarRequired":        authority.ErrGelarRequired,
		"ErrGelarTooLong":         authority.ErrGelarTooLong,
		"ErrGelarInvalid":         authority.ErrGelarInvalid,
		"ErrActivationInvalid":    authority.ErrActivationInvalid,
		"ErrActivationLocked":     authority.ErrActivationLocked,
		"ErrActivationNotWaiting": authority.ErrActivationNotWaiting,
		"ErrVerifierRequired":     authority.ErrVerifierRequired,
		"ErrOwnActivation":        authority.ErrOwnActivation,
		"ErrReasonRequired":       authority.ErrReasonRequired,
		"ErrReasonTooLong":        authority.ErrReasonTooLong,
		"ErrEmployeeNotFound":     authority.ErrEmployeeNotFound,
		"ErrEmploymentInvalid":    authority.ErrEmploymentInvalid,
		"ErrNIPRequired":          authority.ErrNIPRequired,
		"ErrUnitRequired":         authority.ErrUnitRequired,
		"ErrJabatanRequired":      authority.ErrJabatanRequired,
		"ErrProvinceRequired":     authority.ErrProvinceRequired,
		"ErrProvinceInvalid":      authority.ErrProvinceInvalid,
		"ErrTextTooLong":          authority.ErrTextTooLong,
		"ErrTextInvalid":          authority.ErrTextInvalid,
		"ErrPhotoRequired":        authority.ErrPhotoRequired,
		"ErrPhotoInvalid":         authority.ErrPhotoInvalid,
		"ErrPhotoTooLarge":        authority.ErrPhotoTooLarge,
		"ErrPhotoTooSmall":        authority.ErrPhotoTooSmall,
		"ErrConsentRequired":      authority.ErrConsentRequired,
		// Administration only (besign admin directory import).
		"ErrDirectoryRejected": nil, "ErrDirectoryFile": nil,
	} {
		sentinelValues[name] = err
	}
}

// TestActivationNIKTakenAtSubmit: a NIK another account submitted first is
// refused by the authority at Submit; the form goes back to Data Diri with
// the message at the NIK.
func TestActivationNIKTakenAtSubmit(t *testing.T) {
	h, secret := signedInActivation(t)
	act := h.ui.act
	h.fillPersonal()
	h.tap(act.next)
	h.fillEmployment()
	h.tap(act.next)
	act.photo.loadFile(photoFile(t, "good"))
	h.wait()
	test.Tap(act.photo.consent)

	// meanwhile another account submits the same NIK
	ctx := context.Background()
	if _, err := h.auth.CreateUser(ctx, authority.CreateUserRequest{Name: "Sari", Email: "sari@natunakab.go.id"}); err != nil {
		t.Fatal(err)
	}
	form := act.read()
	h.ui.tabs.Select(h.ui.akunTab)
	h.tap(h.ui.account.details.signOut)
	h.clock.Add(time.Minute)
	sariSecret := h.activate("sari@natunakab.go.id", actPass)
	h.signIn("sari@natunakab.go.id", actPass, sariSecret)
	form.Name = "Sari"
	if _, err := h.auth.SubmitActivation(ctx, authority.ActivationRequest{Token: h.ui.state.session.Token, Data: form}); err != nil {
		t.Fatal(err)
	}
	h.ui.tabs.Select(h.ui.akunTab)
	h.tap(h.ui.account.details.signOut)
	h.clock.Add(time.Minute)
	h.signIn(actEmail, actPass, secret)
	h.ui.tabs.Select(h.ui.actItem)
	h.wait()
	if act.step != 2 {
		t.Fatalf("resumed at step %d", act.step)
	}
	act.photo.loadFile(photoFile(t, "good"))
	h.wait()
	test.Tap(act.photo.consent)
	h.tap(act.submit)
	if act.step != 0 {
		t.Fatalf("after the refusal: step %d", act.step)
	}
	h.wantMsg("NIK", act.personal.nik.msg, "sudah dipakai oleh akun lain")
	if got, _ := h.auth.ShowActivation(ctx, actEmail); got.Status != authority.ActivationDraft {
		t.Fatalf("status %s", got.Status)
	}
}

// TestActivationSessionEndedElsewhere: when a reset elsewhere ends the
// session, the Aktivasi tab no longer offers the form.
func TestActivationSessionEndedElsewhere(t *testing.T) {
	h, _ := signedInActivation(t)
	ctx := context.Background()
	if err := h.auth.RequestReset(ctx, authority.ResetRequest{Login: actEmail}); err != nil {
		t.Fatal(err)
	}
	tk, err := h.auth.OpenReset(ctx, linkTokenOf(t, h.mails(actEmail)[0].ActionLink))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.auth.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: "Baru#20262026", Confirmation: "Baru#20262026"}); err != nil {
		t.Fatal(err)
	}
	h.ui.recheckSession()
	h.wait()
	if h.ui.act.content.Objects[0] != h.ui.act.signedOutView {
		t.Fatal("the form stays on screen after the session ended")
	}
}

func linkTokenOf(t *testing.T, link string) string {
	t.Helper()
	_, tok, ok := strings.Cut(link, "token=")
	if !ok {
		t.Fatalf("no token in %q", link)
	}
	return tok
}
