package screens

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/pdfsign"
)

// docVerifyTab is the "Verifikasi Dokumen" tab: it verifies PDFs as
// `besign verify` does and lists every signature with its bottom line.
// Several files (a drop of many) are listed first, each with its bottom
// line; the cards are the selected file's.
type docVerifyTab struct {
	u       *UI
	trust   authority.Trust
	content fyne.CanvasObject

	openBtn *button
	// list has one row per file when there are several.
	list *fyne.Container
	// file names the PDF shown, summary is its bottom line.
	file    *widget.Label
	summary *widget.Label
	busy    *widget.ProgressBarInfinite
	// sigs holds one card per signature.
	sigs *fyne.Container
	// body holds the list, the file's lines and the cards; it is laid out
	// again when one of them is shown or hidden.
	body *fyne.Container

	// run counts openings; results of an older one are dropped.
	run int
	// files are those opened together; current is the one shown.
	files   []*checkedFile
	current *checkedFile
	// path is the PDF shown; infos its signatures once verified.
	path  string
	infos []pdfsign.SignatureInfo
	// prompt is the open password dialog, nil when none.
	prompt *passwordPrompt
	// extending: validation material is being added to a file (one at a
	// time); extendBtn is the current file's offer, nil when none.
	extending bool
	extendBtn *button
	// extendBox, between the bottom line and the cards, holds the offer
	// and what the last extension did.
	extendBox *fyne.Container
}

// checkedFile is one PDF of the tab and what verifying it gave.
type checkedFile struct {
	path, password string
	done           bool
	infos          []pdfsign.SignatureInfo
	err            error
	row            *button // in the list, when there are several
	// archiveUntil: when its newest document timestamp stops being
	// renewable; zero when it has none.
	archiveUntil time.Time
	// extended says what adding validation material to it last did: a
	// failure's words (extendFailed) or the level reached.
	extended     string
	extendFailed bool
}

func newDocVerifyTab(u *UI, trust authority.Trust) *docVerifyTab {
	t := &docVerifyTab{u: u, trust: trust}
	t.openBtn = newButton(lang.L("Buka PDF"), t.choose)
	t.openBtn.Importance = widget.HighImportance
	hint := wrapped(lang.L("Pilih berkas PDF, atau seret satu atau beberapa berkas PDF ke jendela ini, untuk memeriksa tanda tangannya."))
	t.list = container.NewVBox()
	t.list.Hide()
	t.file = wrapped("")
	t.file.TextStyle.Bold = true
	t.file.Selectable = true
	t.file.Hide()
	t.summary = wrapped("")
	t.summary.TextStyle.Bold = true
	t.summary.Hide()
	t.busy = widget.NewProgressBarInfinite()
	t.busy.Stop()
	t.busy.Hide()
	t.sigs = container.NewVBox()
	t.extendBox = container.NewVBox()
	top := container.NewVBox(title(lang.L("Verifikasi Dokumen")),
		container.NewBorder(nil, nil, container.NewVBox(t.openBtn), nil, hint))
	t.body = container.NewVBox(t.list, t.file, t.busy, t.summary, t.extendBox, t.sigs)
	t.content = container.NewBorder(top, nil, nil, nil, container.NewVScroll(t.body))
	return t
}

// choose is "Buka PDF": a PDF from disk.
func (t *docVerifyTab) choose() {
	t.u.chooseFiles(lang.L("Verifikasi Dokumen"), []string{".pdf"}, true, t.openAll)
}

// open verifies the PDF at path and shows its signatures.
func (t *docVerifyTab) open(path string) { t.openAll([]string{path}) }

// openAll verifies every PDF of paths, one after another in the
// background, and shows the first; several are listed.
func (t *docVerifyTab) openAll(paths []string) {
	if p := t.prompt; p != nil {
		t.prompt = nil // not cancelled: replaced
		p.d.Hide()
	}
	t.run++
	t.files = nil
	t.list.RemoveAll()
	for _, p := range paths {
		f := &checkedFile{path: p}
		t.files = append(t.files, f)
		if len(paths) > 1 {
			f.row = newButton("", func() { t.selectFile(f) })
			f.row.Alignment = widget.ButtonAlignLeading
			t.list.Add(f.row)
			t.updateRow(f)
		}
	}
	if len(paths) > 1 {
		t.list.Show()
	} else {
		t.list.Hide()
	}
	t.selectFile(t.files[0])
	run := t.run
	var next func(i int)
	next = func(i int) {
		if run != t.run || i >= len(t.files) {
			return
		}
		t.check(t.files[i], func() { next(i + 1) })
	}
	next(0)
}

// shown is called when the tab is selected.
func (t *docVerifyTab) shown() {
	if c := t.u.win.Canvas(); c != nil && t.path == "" {
		c.Focus(t.openBtn)
	}
}

// check verifies f in the background with its password, then runs then.
func (t *docVerifyTab) check(f *checkedFile, then func()) {
	run := t.run
	f.done, f.infos, f.err = false, nil, nil
	t.updateRow(f)
	if f == t.current {
		t.showCurrent()
	}
	u := t.u
	dataDir, cfg := u.opts.About.DataDir, u.opts.About.Config
	path, password := f.path, f.password
	type checked struct {
		infos        []pdfsign.SignatureInfo
		archiveUntil time.Time
	}
	background(u, func(ctx context.Context) (checked, error) {
		infos, err := verifyDocument(ctx, t.trust, dataDir, cfg, path, password)
		if err != nil {
			return checked{}, err
		}
		// an unreadable archive timestamp is the cards' business
		until, _, _ := pdfsign.ArchiveExpiry(path, password)
		return checked{infos, until}, nil
	}, func(c checked, err error) {
		if run != t.run {
			return // other files were opened meanwhile
		}
		f.done, f.infos, f.err, f.archiveUntil = true, c.infos, err, c.archiveUntil
		t.updateRow(f)
		if f == t.current {
			t.showCurrent()
		}
		if then != nil {
			then()
		}
	})
}

// selectFile shows f's result (or that it is being checked).
func (t *docVerifyTab) selectFile(f *checkedFile) {
	if p := t.prompt; p != nil && t.current != f {
		t.prompt = nil
		p.d.Hide()
	}
	t.current = f
	for _, g := range t.files {
		if g.row != nil {
			g.row.Importance = widget.LowImportance
			if g == f {
				g.row.Importance = widget.MediumImportance
			}
			g.row.Refresh()
		}
	}
	t.showCurrent()
}

// showCurrent shows the current file: its name, bottom line and cards.
func (t *docVerifyTab) showCurrent() {
	f := t.current
	t.path, t.infos = f.path, nil
	t.file.SetText(filepath.Base(f.path) + "\n" + filepath.Dir(f.path))
	t.file.Show()
	t.sigs.RemoveAll()
	t.extendBox.RemoveAll()
	t.extendBtn = nil
	if !f.done {
		t.setSummary(lang.L("Memeriksa tanda tangan…"), widget.MediumImportance)
		t.busy.Show()
		t.busy.Start()
		t.body.Refresh()
		return
	}
	t.busy.Stop()
	t.busy.Hide()
	text, imp := fileSummary(f)
	t.setSummary(text, imp)
	switch {
	case errors.Is(f.err, pdfsign.ErrPasswordRequired):
		if t.prompt == nil {
			t.askPassword(f, "")
		}
	case errors.Is(f.err, pdfsign.ErrWrongPassword):
		if t.prompt == nil {
			t.askPassword(f, lang.L("Password PDF salah. Coba lagi."))
		}
	case f.err == nil:
		t.infos = f.infos
		for i, s := range f.infos {
			t.sigs.Add(signatureCard(i+1, s))
		}
		t.showExtend(f)
	}
	t.body.Refresh()
}

// fileSummary is a file's bottom line and how it is shown.
func fileSummary(f *checkedFile) (string, widget.Importance) {
	switch {
	case !f.done:
		return lang.L("Memeriksa tanda tangan…"), widget.MediumImportance
	case errors.Is(f.err, pdfsign.ErrPasswordRequired):
		return lang.L("Dokumen ini dilindungi password. Masukkan password-nya untuk memeriksa tanda tangan."), widget.WarningImportance
	case errors.Is(f.err, pdfsign.ErrWrongPassword):
		return lang.L("Password PDF salah; dokumen tidak dapat dibuka."), widget.DangerImportance
	case f.err != nil:
		return verifyErrorText(f.err), widget.DangerImportance
	}
	bad := 0
	for _, s := range f.infos {
		if !s.Valid {
			bad++
		}
	}
	n := map[string]any{"N": len(f.infos), "Bad": bad}
	switch {
	case len(f.infos) == 0:
		return lang.L("Dokumen ini tidak memiliki tanda tangan."), widget.WarningImportance
	case pdfsign.AllValid(f.infos):
		return lang.L("Semua tanda tangan valid ({{.N}}).", n), widget.SuccessImportance
	}
	return lang.L("Tidak valid: {{.Bad}} dari {{.N}} tanda tangan tidak valid.", n), widget.DangerImportance
}

// updateRow writes f's name and bottom line into its row of the list.
func (t *docVerifyTab) updateRow(f *checkedFile) {
	if f.row == nil {
		return
	}
	text, imp := fileSummary(f)
	mark := "…"
	switch {
	case !f.done:
	case imp == widget.SuccessImportance:
		mark = "✓"
	case imp == widget.DangerImportance:
		mark = "✗"
	default:
		mark = "!"
	}
	f.row.SetText(mark + " " + filepath.Base(f.path) + ": " + text)
}

// setSummary sets the bottom line of the file.
func (t *docVerifyTab) setSummary(s string, imp widget.Importance) {
	t.summary.Importance = imp
	t.summary.SetText(s)
	t.summary.Show()
	t.body.Refresh()
}

// passwordPrompt asks for the password of a protected PDF.
type passwordPrompt struct {
	d     *dialog.CustomDialog
	entry *entry
	msg   *widget.Label
}

// askPassword opens the password dialog for f; msg says why again. Its
// buttons are ours, so that Escape anywhere in it is Batal.
func (t *docVerifyTab) askPassword(f *checkedFile, msg string) {
	p := &passwordPrompt{entry: newPasswordEntry()}
	p.msg = wrapped(msg)
	p.msg.Importance = widget.DangerImportance
	items := []*widget.FormItem{widget.NewFormItem(lang.L("Password PDF"), p.entry)}
	if msg != "" {
		items = append(items, widget.NewFormItem("", p.msg))
	}
	answered := false
	// finish runs once, however the prompt closes (Buka, Batal, Escape,
	// or hidden from elsewhere)
	finish := func(ok bool) {
		if answered {
			return
		}
		answered = true
		p.d.Hide()
		if t.prompt != p {
			return
		}
		t.prompt = nil
		if !ok {
			t.setSummary(lang.L("Dokumen ini dilindungi password dan tidak diperiksa."), widget.WarningImportance)
			return
		}
		f.password = p.entry.Text
		t.check(f, nil)
	}
	open := newButton(lang.L("Buka"), func() { finish(true) })
	open.Importance = widget.HighImportance
	cancel := newButton(lang.L("Batal"), func() { finish(false) })
	open.onEscape, cancel.onEscape, p.entry.onEscape = cancel.OnTapped, cancel.OnTapped, cancel.OnTapped
	p.entry.OnSubmitted = func(string) { finish(true) }
	content := container.NewVBox(widget.NewForm(items...), container.NewHBox(layout.NewSpacer(), cancel, open, layout.NewSpacer()))
	p.d = dialog.NewCustomWithoutButtons(lang.L("Dokumen dilindungi password"), content, t.u.win)
	p.d.SetOnClosed(func() { finish(false) })
	p.d.Resize(fyne.NewSize(420, 0))
	t.prompt = p
	p.d.Show()
	t.u.dialogShown(p.d, cancel.OnTapped)
	if c := t.u.win.Canvas(); c != nil {
		c.Focus(p.entry)
	}
}
