package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// signTab is the "Tanda Tangan" tab: the signing queue of the signed-in
// account, a page preview on which the visible signature's box is placed,
// the passphrase prompt, progress and results.
type signTab struct {
	u       *UI
	content fyne.CanvasObject
}

func newSignTab(u *UI) *signTab {
	t := &signTab{u: u}
	t.content = widget.NewLabel(lang.L("Tanda Tangan"))
	return t
}

// addFiles queues local PDFs (from the file dialog, a drop on the window or
// a later start of the app with files).
func (t *signTab) addFiles(paths []string) {}

// signedIn loads the account's queue; signedOut clears the tab.
func (t *signTab) signedIn()  {}
func (t *signTab) signedOut() {}

// shown is called when the tab is selected.
func (t *signTab) shown() {}
