package screens

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// chooseFile shows the file dialog for one file whose name ends in one of
// exts (lower case; upper case is offered too) and gives its path to open.
func (u *UI) chooseFile(exts []string, open func(path string)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		open(path)
	}, u.win)
	all := append([]string{}, exts...)
	for _, e := range exts {
		all = append(all, strings.ToUpper(e))
	}
	d.SetFilter(storage.NewExtensionFileFilter(all))
	d.Show()
}
