package screens

import (
	"context"
	"errors"
	"image"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/specimen"
)

// The signer's picture in the visible signature: a handwritten specimen or
// the instansi's logo (package specimen checks and keeps it, per account,
// in the data directory), drawn beside the text and the QR code of every
// visible signature the account makes here.

// newStampSetting builds the picture's row of the settings.
func (t *signTab) newStampSetting() fyne.CanvasObject {
	t.stampImg = canvas.NewImageFromImage(nil)
	t.stampImg.FillMode = canvas.ImageFillContain
	t.stampImg.SetMinSize(fyne.NewSize(120, 48))
	t.stampImg.Hide()
	t.stampPick = newButton(lang.L("Pilih Gambar"), t.chooseStamp)
	t.stampDrop = newButton(lang.L("Hapus Gambar"), t.removeStamp)
	t.stampDrop.Hide()
	t.stampMsg = wrapped("")
	t.stampMsg.Importance = widget.DangerImportance
	t.stampMsg.Hide()
	label := widget.NewLabel(lang.L("Gambar pada tanda tangan"))
	label.TextStyle.Bold = true
	return container.NewVBox(label,
		wrapped(lang.L("Spesimen tanda tangan atau logo instansi (PNG atau JPEG), untuk semua dokumen yang Anda tandatangani di laptop ini.")),
		container.NewHBox(t.stampImg, t.stampPick, t.stampDrop), t.stampMsg)
}

// showStamp shows img (nil: none) as the account's picture.
func (t *signTab) showStamp(img image.Image) {
	t.stamp = img
	if img == nil {
		t.stampImg.Image = nil
		t.stampImg.Hide()
		t.stampDrop.Hide()
	} else {
		t.stampImg.Image = img
		t.stampImg.Show()
		t.stampDrop.Show()
	}
	t.stampImg.Refresh()
	if t.stampPick != nil {
		if t.u.opts.Specimens == nil || t.u.state.session == nil {
			t.stampPick.Disable()
		} else {
			t.stampPick.Enable()
		}
	}
}

// loadStamp reads the account's picture after sign-in.
func (t *signTab) loadStamp() {
	s := t.u.state.session
	store := t.u.opts.Specimens
	t.showStamp(nil)
	if s == nil || store == nil {
		return
	}
	background(t.u, func(context.Context) (image.Image, error) {
		return store.Load(s.Account.Email)
	}, func(img image.Image, err error) {
		if t.u.state.session != s {
			return
		}
		if err != nil {
			fyne.LogError("specimen", err)
			setText(t.stampMsg, stampMessage(err))
		}
		t.showStamp(img)
	})
}

// chooseStamp is "Pilih Gambar".
func (t *signTab) chooseStamp() {
	if t.u.state.session == nil || t.u.opts.Specimens == nil {
		return
	}
	t.u.chooseFiles(lang.L("Pilih Gambar"), []string{".png", ".jpg", ".jpeg"}, false, func(paths []string) { t.setStamp(paths[0]) })
}

// setStamp checks and keeps the picture at path.
func (t *signTab) setStamp(path string) {
	s := t.u.state.session
	store := t.u.opts.Specimens
	if s == nil || store == nil {
		return
	}
	background(t.u, func(context.Context) (image.Image, error) {
		st, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		if st.Size() > specimen.MaxBytes {
			return nil, specimen.ErrTooLarge // not read at all
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return store.Save(s.Account.Email, b)
	}, func(img image.Image, err error) {
		if t.u.state.session != s {
			return
		}
		if err != nil {
			setText(t.stampMsg, stampMessage(err))
			relayoutTree(t.left)
			return
		}
		setText(t.stampMsg, "")
		t.showStamp(img)
		relayoutTree(t.left)
	})
}

// removeStamp is "Hapus Gambar".
func (t *signTab) removeStamp() {
	s := t.u.state.session
	store := t.u.opts.Specimens
	if s == nil || store == nil {
		return
	}
	background(t.u, func(context.Context) (struct{}, error) {
		return struct{}{}, store.Remove(s.Account.Email)
	}, func(_ struct{}, err error) {
		if t.u.state.session != s {
			return
		}
		if err != nil {
			fyne.LogError("specimen", err)
			setText(t.stampMsg, lang.L("Gambar tidak dapat dihapus dari folder data."))
			return
		}
		setText(t.stampMsg, "")
		t.showStamp(nil)
		relayoutTree(t.left)
	})
}

// stampMessage words a picture's error.
func stampMessage(err error) string {
	switch {
	case errors.Is(err, specimen.ErrTooLarge):
		return lang.L("Gambar terlalu besar: paling besar 1 MB dan {{.N}} piksel per sisi.", map[string]any{"N": specimen.MaxSide})
	case errors.Is(err, specimen.ErrTooSmall):
		return lang.L("Gambar terlalu kecil: paling sedikit {{.N}} piksel per sisi.", map[string]any{"N": specimen.MinSide})
	case errors.Is(err, specimen.ErrInvalid):
		return lang.L("Berkas ini bukan gambar PNG atau JPEG yang dapat dibaca.")
	case errors.Is(err, os.ErrNotExist):
		return lang.L("Berkas tidak ditemukan lagi. Mungkin sudah dipindahkan atau dihapus.")
	}
	return lang.L("Gambar tidak dapat disimpan di folder data.")
}
