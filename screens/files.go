package screens

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"

	"github.com/natunakab/besign/filechooser"
)

// Choosing files and folders: the desktop's own dialog (Options.FileChooser:
// the XDG portal on Linux, the common dialog on Windows), with a typed path
// and several files at once; Fyne's dialog, translated, where the desktop
// has none.

// chooseFile shows a file dialog for one file whose name ends in one of
// exts (lower case; upper case is offered too) and gives its path to open.
func (u *UI) chooseFile(exts []string, open func(path string)) {
	u.chooseFiles(lang.L("Pilih Berkas"), exts, false, func(paths []string) { open(paths[0]) })
}

// chooseFiles shows the desktop's dialog for files whose names end in one
// of exts, several when multiple, and gives their paths to open; Fyne's
// dialog (one file) where the desktop has none.
func (u *UI) chooseFiles(title string, exts []string, multiple bool, open func(paths []string)) {
	if u.opts.FileChooser == nil {
		u.fyneFileDialog(exts, open)
		return
	}
	if u.choosing {
		return // one dialog at a time, as a modal one would be
	}
	u.choosing = true
	opts := filechooser.Options{Title: title, Multiple: multiple, Filters: []filechooser.Filter{extFilter(exts)}}
	background(u, func(ctx context.Context) ([]string, error) {
		return u.opts.FileChooser(ctx, opts)
	}, func(paths []string, err error) {
		u.choosing = false
		switch {
		case err == nil && len(paths) > 0:
			open(paths)
		case errors.Is(err, filechooser.ErrCancelled):
		default:
			if !errors.Is(err, filechooser.ErrUnavailable) {
				fyne.LogError("file dialog", err)
			}
			u.fyneFileDialog(exts, open)
		}
	})
}

// chooseFolder shows the desktop's dialog for a folder, Fyne's where there
// is none; cancelled runs when none was chosen.
func (u *UI) chooseFolder(title string, open func(dir string), cancelled func()) {
	fallback := func() {
		d := dialog.NewFolderOpen(func(l fyne.ListableURI, err error) {
			if err != nil || l == nil {
				cancelled()
				return
			}
			open(l.Path())
		}, u.win)
		d.Show()
		u.dialogShown(d, d.Dismiss) // Escape with no focus is its Cancel
	}
	if u.opts.FileChooser == nil {
		fallback()
		return
	}
	if u.choosing {
		return
	}
	u.choosing = true
	background(u, func(ctx context.Context) ([]string, error) {
		return u.opts.FileChooser(ctx, filechooser.Options{Title: title, Directory: true})
	}, func(paths []string, err error) {
		u.choosing = false
		switch {
		case err == nil && len(paths) > 0:
			dir := paths[0]
			if st, err := os.Stat(dir); err == nil && !st.IsDir() {
				// a portal older than version 3 ignores "directory" and
				// lets a file be chosen: its folder is meant
				dir = filepath.Dir(dir)
			}
			open(dir)
		case errors.Is(err, filechooser.ErrCancelled):
			cancelled()
		default:
			if !errors.Is(err, filechooser.ErrUnavailable) {
				fyne.LogError("folder dialog", err)
			}
			fallback()
		}
	})
}

// extFilter is exts as a dialog's filter: "PDF" for .pdf, in both cases.
func extFilter(exts []string) filechooser.Filter {
	var names, pats []string
	for _, e := range exts {
		up := strings.ToUpper(strings.TrimPrefix(e, "."))
		if !slices.Contains(names, up) {
			names = append(names, up)
		}
		pats = append(pats, "*"+e, "*"+strings.ToUpper(e))
	}
	return filechooser.Filter{Name: strings.Join(names, ", "), Patterns: pats}
}

// fyneFileDialog is the fallback: Fyne's dialog for one file, in the UI's
// language through its translations.
func (u *UI) fyneFileDialog(exts []string, open func(paths []string)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		open([]string{path})
	}, u.win)
	all := append([]string{}, exts...)
	for _, e := range exts {
		all = append(all, strings.ToUpper(e))
	}
	d.SetFilter(storage.NewExtensionFileFilter(all))
	d.Show()
	u.dialogShown(d, d.Dismiss) // Escape with no focus is its Cancel
}
