package screens

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"io/fs"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/assets"
	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/camera"
)

// photoStep is step 3, Foto Diri: BSrE's instructions beside a sample,
// "Ambil foto" (the camera dialog), "Pilih file foto" when there is no
// usable camera, and the consent.
type photoStep struct {
	t        *activationTab
	photo    []byte // JPEG as it will be submitted; nil when none
	preview  *canvas.Image
	take     *button
	howTo    *button
	file     *button
	msg      *choice // the photo's problems
	consent  *check
	consentF *choice
	content  fyne.CanvasObject
	// cam is the open "Ambil foto" dialog, nil when closed.
	cam *cameraDialog
}

func newPhotoStep(t *activationTab) *photoStep {
	s := &photoStep{t: t}
	sample := canvas.NewImageFromResource(assets.SamplePhoto)
	sample.FillMode = canvas.ImageFillContain
	sample.SetMinSize(fyne.NewSize(150, 190))
	s.preview = canvas.NewImageFromImage(nil)
	s.preview.FillMode = canvas.ImageFillContain
	s.preview.SetMinSize(fyne.NewSize(150, 190))
	s.preview.Hide()
	s.take = newIconButton(lang.L("Ambil foto"), theme.MediaPhotoIcon(), s.openCamera)
	s.take.Importance = widget.HighImportance
	s.howTo = newButton(lang.L("Cara pengambilan foto"), func() { showPhotoHowTo(t.u) })
	s.file = newButton(lang.L("Pilih file foto"), s.chooseFile)
	s.msg = newChoice(lang.L("Foto Diri"), container.NewHBox(s.preview))
	s.consent = newCheck(lang.L("Dengan melakukan pendaftaran ini, berarti kamu telah menyetujui"), func(bool) {
		s.consentF.setError("")
		t.updateSubmit()
	})
	texts := container.NewHBox(
		hyperlink(lang.L("Kebijakan Privasi"), func() { showBundledText(t.u, assets.TextPrivacy, lang.L("Kebijakan Privasi")) }),
		hyperlink(lang.L("Perjanjian pemilik sertifikat elektronik"), func() {
			showBundledText(t.u, assets.TextAgreement, lang.L("Perjanjian pemilik sertifikat elektronik"))
		}),
	)
	s.consentF = newChoice("", container.NewVBox(s.consent, texts))
	s.consentF.label.Hide()
	t.fields[authority.FieldPhoto] = s.msg
	t.fields[authority.FieldConsent] = s.consentF
	// As on the BSrE web form: the sample on the left, the instructions beside it.
	instructions := container.NewVBox(
		title(lang.L("Ambil Foto Diri")),
		wrapped(lang.L("Silahkan lakukan pengambilan foto diri seperti pada contoh gambar di samping kiri halaman ini, dengan menekan tombol Ambil foto di bawah ini.")),
		wrapped(lang.L("Informasi kamu akan selalu kami lindungi dengan Syarat Layanan dan Kebijakan Privasi masing-masing pihak untuk mematuhi peraturan dari otoritas terkait.")),
	)
	s.content = container.NewVBox(
		container.NewBorder(nil, nil, container.NewVBox(sample), nil, instructions),
		s.msg.box(),
		container.NewHBox(s.take, s.howTo, s.file),
		s.consentF.box(),
	)
	return s
}

func (s *photoStep) fill(a authority.Activation) {
	s.consent.SetChecked(a.Data.Consent)
	s.setPhoto(a.Data.Photo)
}

func (s *photoStep) read(d *authority.ActivationData) {
	d.Photo = s.photo
	d.Consent = s.consent.Checked
}

// setPhoto shows photo (nil: none) and offers to take it again.
func (s *photoStep) setPhoto(photo []byte) {
	s.photo = photo
	s.msg.setError("")
	if len(photo) == 0 {
		s.preview.Image = nil
		s.preview.Hide()
		s.take.SetText(lang.L("Ambil foto"))
	} else {
		img, _, err := image.Decode(bytes.NewReader(photo))
		if err == nil {
			s.preview.Image = img
			s.preview.Show()
		}
		s.take.SetText(lang.L("Ambil ulang foto"))
	}
	s.preview.Refresh()
	s.t.updateSubmit()
	s.t.relayout()
}

// focusConsent puts the keyboard on the consent, the next thing to do
// once the photo is there.
func (s *photoStep) focusConsent() {
	if c := s.t.u.win.Canvas(); c != nil && s.t.u.tabs.Selected() == s.t.u.actItem {
		c.Focus(s.consent)
	}
}

// chooseFile is "Pilih file foto": a JPEG or PNG from disk.
func (s *photoStep) chooseFile() {
	s.t.u.chooseFile([]string{".jpg", ".jpeg", ".png"}, s.loadFile)
}

// loadFile reads, checks and scales down a photo file in the background.
func (s *photoStep) loadFile(path string) {
	s.file.Disable()
	background(s.t.u, func(context.Context) ([]byte, error) {
		img, err := camera.DecodePhotoFile(path)
		if err != nil {
			return nil, err
		}
		return preparePhoto(img)
	}, func(photo []byte, err error) {
		s.file.Enable()
		if err != nil {
			s.msg.setError(photoMessage(err))
			s.t.relayout()
			return
		}
		s.setPhoto(photo)
		s.focusConsent()
	})
}

// preparePhoto checks a photo as verification needs it and encodes it,
// scaled down, as the JPEG that is submitted: the full-size picture is not
// kept.
func preparePhoto(img image.Image) ([]byte, error) {
	if err := camera.CheckPhoto(img); err != nil {
		return nil, err
	}
	img = camera.Downscale(img, authority.MaxPhotoSide)
	for _, q := range []int{90, 80, 65} {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
			return nil, err
		}
		if b.Len() <= authority.MaxPhotoBytes {
			return b.Bytes(), nil
		}
	}
	return nil, authority.ErrPhotoTooLarge
}

// photoMessage says in the user's language what to fix about a photo.
func photoMessage(err error) string {
	var msgs []string
	for _, p := range []struct {
		err error
		msg string
	}{
		{camera.ErrTooSmall, lang.L("Foto terlalu kecil. Dekatkan wajah ke kamera atau pilih foto yang lebih besar.")},
		{camera.ErrTooDark, lang.L("Foto terlalu gelap. Ambil foto di tempat yang lebih terang.")},
		{camera.ErrTooBright, lang.L("Foto terlalu terang. Hindari cahaya yang terlalu kuat atau membelakangi jendela.")},
		{camera.ErrBlurred, lang.L("Foto buram. Pegang kamera dengan stabil dan pastikan wajah terlihat tajam.")},
		{camera.ErrPhotoFormat, lang.L("Berkas ini bukan foto JPEG atau PNG.")},
		{camera.ErrPhotoCorrupt, lang.L("Berkas foto rusak dan tidak dapat dibaca.")},
		{camera.ErrPhotoTooLarge, lang.L("Berkas foto terlalu besar.")},
	} {
		if errors.Is(err, p.err) {
			msgs = append(msgs, p.msg)
		}
	}
	if len(msgs) == 0 {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return lang.L("Berkas foto tidak dapat dibuka.")
		}
		return message(err)
	}
	return strings.Join(msgs, " ")
}

// showPhotoHowTo is "Cara pengambilan foto".
func showPhotoHowTo(u *UI) {
	sample := canvas.NewImageFromResource(assets.SamplePhoto)
	sample.FillMode = canvas.ImageFillContain
	sample.SetMinSize(fyne.NewSize(160, 200))
	steps := wrapped(lang.L("1. Klik \"Aktifkan Kamera\" dan izinkan akses ke kamera.\n2. Posisikan wajah di dalam lingkaran putih, menghadap lurus ke kamera.\n3. Pastikan wajah terang dan tidak tertutup (tanpa masker atau kacamata hitam), dengan latar polos.\n4. Klik \"Ambil Foto\", periksa hasilnya, lalu klik \"Simpan\". Klik \"Ambil ulang foto\" bila kurang jelas.\n5. Tanpa kamera, klik \"Pilih file foto\" dan pilih foto JPEG atau PNG yang diambil dengan cara yang sama."))
	body := container.NewBorder(nil, nil, sample, nil, steps)
	u.showCustom(lang.L("Cara pengambilan foto"), body, fyne.NewSize(640, 360))
}

// showBundledText opens a bundled text (privacy policy, agreement).
func showBundledText(u *UI, name, heading string) {
	text, err := assets.Text(name, u.opts.Language)
	if err != nil {
		fyne.LogError("bundled text", err)
		return
	}
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(l)
	scroll.SetMinSize(fyne.NewSize(560, 360))
	u.showCustom(heading, scroll, fyne.Size{})
}
