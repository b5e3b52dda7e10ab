package screens

import (
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"sync/atomic"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/camera"
)

// Preview size of "Ambil foto diri": the camera's usual 4:3.
const previewW, previewH = 640, 480

// cameraDialog is "Ambil foto diri": the live preview under a white dashed
// oval, "Aktifkan Kamera", "Ambil Foto" / "Ambil ulang foto", "Tutup" and
// "Simpan". The camera is released when the dialog closes.
type cameraDialog struct {
	s       *photoStep
	d       dialog.Dialog
	devices []camera.Device
	device  *dropdown // shown when there are several cameras
	preview *canvas.Image
	start   *button // "Aktifkan Kamera"
	shoot   *button // "Ambil Foto", then "Ambil ulang foto"
	save    *button // "Simpan"
	file    *button // "Pilih file foto", offered when the camera fails
	msg     *widget.Label

	stream   *camera.Stream // nil when the camera is off
	captured []byte         // the checked photo, waiting for "Simpan"
	// pending is set while a frame waits for the UI: newer frames are
	// dropped meanwhile instead of queued.
	pending atomic.Bool
	closed  bool
}

// openCamera opens the dialog; the device list is read in the background.
func (s *photoStep) openCamera() {
	c := &cameraDialog{s: s}
	s.cam = c
	c.preview = canvas.NewImageFromImage(blankPreview())
	c.preview.FillMode = canvas.ImageFillContain
	c.preview.ScaleMode = canvas.ImageScaleFastest
	c.preview.SetMinSize(fyne.NewSize(previewW*3/4, previewH*3/4))
	oval := canvas.NewImageFromImage(ovalOverlay(previewW, previewH))
	oval.FillMode = canvas.ImageFillContain
	c.device = newDropdown(nil, nil)
	c.device.PlaceHolder = lang.L("Pilih kamera")
	c.device.Hide()
	c.start = newButton(lang.L("Aktifkan Kamera"), c.activate)
	c.start.Importance = widget.WarningImportance
	c.shoot = newButton(lang.L("Ambil Foto"), c.takePhoto)
	c.shoot.Disable()
	c.save = newButton(lang.L("Simpan"), c.doSave)
	c.save.Importance = widget.HighImportance
	c.save.Disable()
	c.file = newButton(lang.L("Pilih file foto"), func() {
		c.close()
		s.chooseFile()
	})
	c.file.Hide()
	c.msg = wrapped("")
	c.msg.Hide()
	closeBtn := newButton(lang.L("Tutup"), c.close)
	body := container.NewBorder(
		c.device,
		container.NewVBox(c.msg, container.NewHBox(c.start, c.shoot, c.file), container.NewHBox(closeBtn, c.save)),
		nil, nil,
		container.NewStack(c.preview, oval),
	)
	c.d = dialog.NewCustomWithoutButtons(lang.L("Ambil foto diri"), body, s.t.u.win)
	c.d.SetOnClosed(c.release)
	c.d.Resize(fyne.NewSize(640, 560))
	c.d.Show()
	s.t.u.dialogShown(c.d, nil)
	background(s.t.u, func(context.Context) ([]camera.Device, error) {
		return camera.Devices(), nil
	}, func(devs []camera.Device, _ error) {
		c.devices = devs
		if len(devs) == 0 {
			c.problem(camera.ErrNoCamera)
			return
		}
		if len(devs) > 1 {
			labels := make([]string, len(devs))
			for i, d := range devs {
				labels[i] = d.Label
			}
			c.device.Options = labels
			c.device.SetSelectedIndex(0)
			c.device.Show()
		}
	})
}

// problem says what went wrong with the camera and offers the file.
func (c *cameraDialog) problem(err error) {
	c.msg.Importance = widget.DangerImportance
	setText(c.msg, cameraMessage(err))
	if !errors.Is(err, camera.ErrNoFrame) {
		c.file.Show()
	}
}

func (c *cameraDialog) activate() {
	if c.closed || c.stream != nil || len(c.devices) == 0 {
		return
	}
	id := c.devices[max(c.device.SelectedIndex(), 0)].ID
	c.start.Disable()
	setText(c.msg, "")
	background(c.s.t.u, func(context.Context) (*camera.Stream, error) {
		return camera.Open(id, previewW, previewH)
	}, func(st *camera.Stream, err error) {
		if err != nil {
			c.start.Enable()
			c.problem(err)
			return
		}
		if c.closed {
			go st.Close()
			return
		}
		c.stream = st
		c.device.Disable()
		c.shoot.Enable()
		go c.pump(st)
	})
}

// pump shows the stream's frames: one at a time reaches the UI, the
// others are dropped while it is busy.
func (c *cameraDialog) pump(st *camera.Stream) {
	deliver := c.s.t.u.deliver
	for f := range st.Frames() {
		if !c.pending.CompareAndSwap(false, true) {
			continue
		}
		img := camera.Preview(f, previewW, previewH, true)
		deliver(func() {
			c.pending.Store(false)
			if c.stream != st || c.captured != nil {
				return
			}
			c.preview.Image = img
			c.preview.Refresh()
		})
	}
	if err := st.Err(); err != nil {
		deliver(func() {
			if c.stream != st {
				return
			}
			c.stream = nil
			c.shoot.Disable()
			c.start.Enable()
			c.device.Enable()
			c.problem(err)
		})
	}
}

// takePhoto is "Ambil Foto": the newest full frame, checked. After a
// capture the button reads "Ambil ulang foto" and resumes the preview.
func (c *cameraDialog) takePhoto() {
	if c.captured != nil {
		c.captured = nil
		c.save.Disable()
		c.shoot.SetText(lang.L("Ambil Foto"))
		setText(c.msg, "")
		return
	}
	st := c.stream
	if st == nil {
		return
	}
	c.shoot.Disable()
	type shot struct {
		img   image.Image
		photo []byte
	}
	background(c.s.t.u, func(context.Context) (shot, error) {
		img, err := st.Snapshot()
		if err != nil {
			return shot{}, err
		}
		photo, err := preparePhoto(img)
		return shot{img, photo}, err
	}, func(r shot, err error) {
		c.shoot.Enable()
		if c.closed {
			return
		}
		if err != nil {
			c.msg.Importance = widget.DangerImportance
			setText(c.msg, photoMessage(err))
			if !errors.Is(err, camera.ErrTooSmall) && !errors.Is(err, camera.ErrTooDark) &&
				!errors.Is(err, camera.ErrTooBright) && !errors.Is(err, camera.ErrBlurred) {
				setText(c.msg, cameraMessage(err))
			}
			return
		}
		c.captured = r.photo
		c.preview.Image = camera.Preview(r.img, previewW, previewH, true)
		c.preview.Refresh()
		c.shoot.SetText(lang.L("Ambil ulang foto"))
		c.msg.Importance = widget.SuccessImportance
		setText(c.msg, lang.L("Foto berhasil diambil. Klik \"Simpan\" untuk memakainya."))
		c.save.Enable()
	})
}

func (c *cameraDialog) doSave() {
	if c.captured == nil {
		return
	}
	photo := c.captured
	c.close()
	c.s.setPhoto(photo)
	c.s.focusConsent()
}

// close is "Tutup": the dialog closes and the camera is released.
func (c *cameraDialog) close() {
	c.d.Hide() // runs release through SetOnClosed
	c.release()
}

// release stops the camera off the UI goroutine (it may take a frame).
func (c *cameraDialog) release() {
	if c.closed {
		return
	}
	c.closed = true
	if c.s.cam == c {
		c.s.cam = nil
	}
	if st := c.stream; st != nil {
		c.stream = nil
		background(c.s.t.u, func(context.Context) (struct{}, error) {
			return struct{}{}, st.Close()
		}, func(struct{}, error) {})
	}
}

// cameraMessage says what went wrong with the camera.
func cameraMessage(err error) string {
	switch {
	case errors.Is(err, camera.ErrNoCamera):
		return lang.L("Kamera tidak ditemukan. Gunakan \"Pilih file foto\".")
	case errors.Is(err, camera.ErrBusy):
		return lang.L("Kamera sedang dipakai aplikasi lain. Tutup aplikasi itu, atau gunakan \"Pilih file foto\".")
	case errors.Is(err, camera.ErrPermission):
		return lang.L("Akses ke kamera tidak diizinkan. Izinkan akses kamera di pengaturan sistem, atau gunakan \"Pilih file foto\".")
	case errors.Is(err, camera.ErrDisconnected):
		return lang.L("Kamera terputus. Pasang kembali kamera lalu klik \"Aktifkan Kamera\", atau gunakan \"Pilih file foto\".")
	case errors.Is(err, camera.ErrNoFrame):
		return lang.L("Kamera belum mengirim gambar. Tunggu sebentar lalu coba lagi.")
	}
	fyne.LogError("camera", err)
	return lang.L("Kamera tidak dapat dijalankan. Gunakan \"Pilih file foto\".")
}

// blankPreview is the black picture shown before the camera starts.
func blankPreview() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, previewW, previewH))
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 0xff
	}
	return img
}

// ovalOverlay draws the white dashed oval where the face goes, on a
// transparent picture of the preview's size.
func ovalOverlay(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	cx, cy := float64(w)/2, float64(h)/2
	rx, ry := float64(h)*0.30, float64(h)*0.40
	const dashes = 48
	white := color.NRGBA{255, 255, 255, 255}
	for i := 0; i < 4000; i++ {
		a := 2 * math.Pi * float64(i) / 4000
		if int(a/(2*math.Pi)*2*dashes)%2 == 1 {
			continue // the gap between dashes
		}
		x, y := cx+rx*math.Cos(a), cy+ry*math.Sin(a)
		for dx := -1; dx <= 1; dx++ {
			for dy := -1; dy <= 1; dy++ {
				img.SetNRGBA(int(x)+dx, int(y)+dy, white)
			}
		}
	}
	return img
}
