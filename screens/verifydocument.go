package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// docVerifyTab is the "Verifikasi Dokumen" tab: it verifies a PDF as
// `besign verify` does and lists every signature with its bottom line.
type docVerifyTab struct {
	u       *UI
	content fyne.CanvasObject
}

func newDocVerifyTab(u *UI) *docVerifyTab {
	t := &docVerifyTab{u: u}
	t.content = widget.NewLabel(lang.L("Verifikasi Dokumen"))
	return t
}

// open verifies the PDF at path and shows its signatures.
func (t *docVerifyTab) open(path string) {}

// shown is called when the tab is selected.
func (t *docVerifyTab) shown() {}
