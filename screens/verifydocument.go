package screens

import (
	"context"
	"errors"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/pdfsign"
)

// docVerifyTab is the "Verifikasi Dokumen" tab: it verifies a PDF as
// `besign verify` does and lists every signature with its bottom line.
type docVerifyTab struct {
	u       *UI
	trust   authority.Trust
	content fyne.CanvasObject

	openBtn *widget.Button
	// file names the PDF shown, summary is its bottom line.
	file    *widget.Label
	summary *widget.Label
	busy    *widget.ProgressBarInfinite
	// sigs holds one card per signature.
	sigs *fyne.Container

	// run counts verifications; the result of an older one is dropped.
	run int
	// path is the PDF shown; infos its signatures once verified.
	path  string
	infos []pdfsign.SignatureInfo
	// prompt is the open password dialog, nil when none.
	prompt *passwordPrompt
}

func newDocVerifyTab(u *UI, trust authority.Trust) *docVerifyTab {
	t := &docVerifyTab{u: u, trust: trust}
	t.openBtn = widget.NewButton(lang.L("Buka PDF"), t.choose)
	t.openBtn.Importance = widget.HighImportance
	hint := wrapped(lang.L("Pilih berkas PDF, atau seret berkas PDF ke jendela ini, untuk memeriksa tanda tangannya."))
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
	top := container.NewVBox(title(lang.L("Verifikasi Dokumen")),
		container.NewBorder(nil, nil, container.NewVBox(t.openBtn), nil, hint), t.file, t.busy, t.summary)
	t.content = container.NewBorder(top, nil, nil, nil, container.NewVScroll(t.sigs))
	return t
}

// choose is "Buka PDF": a PDF from disk.
func (t *docVerifyTab) choose() {
	t.u.chooseFile([]string{".pdf"}, t.open)
}

// open verifies the PDF at path and shows its signatures.
func (t *docVerifyTab) open(path string) {
	if p := t.prompt; p != nil {
		t.prompt = nil // not cancelled: replaced
		p.d.Hide()
	}
	t.verify(path, "")
}

// shown is called when the tab is selected.
func (t *docVerifyTab) shown() {
	if c := t.u.win.Canvas(); c != nil && t.path == "" {
		c.Focus(t.openBtn)
	}
}

// verify checks path in the background; password opens a protected PDF.
func (t *docVerifyTab) verify(path, password string) {
	t.run++
	run := t.run
	t.path = path
	t.infos = nil
	t.file.SetText(filepath.Base(path) + "\n" + filepath.Dir(path))
	t.file.Show()
	t.sigs.RemoveAll()
	t.setSummary(lang.L("Memeriksa tanda tangan…"), widget.MediumImportance)
	t.busy.Show()
	t.busy.Start()
	u := t.u
	dataDir, cfg := u.opts.About.DataDir, u.opts.About.Config
	background(u, func(ctx context.Context) ([]pdfsign.SignatureInfo, error) {
		return verifyDocument(ctx, t.trust, dataDir, cfg, path, password)
	}, func(infos []pdfsign.SignatureInfo, err error) {
		if run != t.run {
			return // another file was opened meanwhile
		}
		t.busy.Stop()
		t.busy.Hide()
		switch {
		case errors.Is(err, pdfsign.ErrPasswordRequired):
			t.setSummary(lang.L("Dokumen ini dilindungi password. Masukkan password-nya untuk memeriksa tanda tangan."), widget.WarningImportance)
			t.askPassword(path, "")
		case errors.Is(err, pdfsign.ErrWrongPassword):
			t.setSummary(lang.L("Password PDF salah; dokumen tidak dapat dibuka."), widget.DangerImportance)
			t.askPassword(path, lang.L("Password PDF salah. Coba lagi."))
		case err != nil:
			t.setSummary(verifyErrorText(err), widget.DangerImportance)
		default:
			t.show(infos)
		}
	})
}

// setSummary sets the bottom line of the file.
func (t *docVerifyTab) setSummary(s string, imp widget.Importance) {
	t.summary.Importance = imp
	t.summary.SetText(s)
	t.summary.Show()
}

// show lists the signatures under the file's bottom line.
func (t *docVerifyTab) show(infos []pdfsign.SignatureInfo) {
	t.infos = infos
	bad := 0
	for _, s := range infos {
		if !s.Valid {
			bad++
		}
	}
	n := map[string]any{"N": len(infos), "Bad": bad}
	switch {
	case len(infos) == 0:
		t.setSummary(lang.L("Dokumen ini tidak memiliki tanda tangan."), widget.WarningImportance)
	case pdfsign.AllValid(infos):
		t.setSummary(lang.L("Semua tanda tangan valid ({{.N}}).", n), widget.SuccessImportance)
	default:
		t.setSummary(lang.L("Tidak valid: {{.Bad}} dari {{.N}} tanda tangan tidak valid.", n), widget.DangerImportance)
	}
	for i, s := range infos {
		t.sigs.Add(signatureCard(i+1, s))
	}
	t.sigs.Refresh()
}

// passwordPrompt asks for the password of a protected PDF.
type passwordPrompt struct {
	d     *dialog.FormDialog
	entry *widget.Entry
	msg   *widget.Label
}

// askPassword opens the password dialog for path; msg says why again.
func (t *docVerifyTab) askPassword(path, msg string) {
	p := &passwordPrompt{entry: widget.NewPasswordEntry()}
	p.msg = wrapped(msg)
	p.msg.Importance = widget.DangerImportance
	items := []*widget.FormItem{widget.NewFormItem(lang.L("Password PDF"), p.entry)}
	if msg != "" {
		items = append(items, widget.NewFormItem("", p.msg))
	}
	p.d = dialog.NewForm(lang.L("Dokumen dilindungi password"), lang.L("Buka"), lang.L("Batal"), items, func(ok bool) {
		if t.prompt != p {
			return
		}
		t.prompt = nil
		if !ok {
			t.setSummary(lang.L("Dokumen ini dilindungi password dan tidak diperiksa."), widget.WarningImportance)
			return
		}
		t.verify(path, p.entry.Text)
	}, t.u.win)
	p.entry.OnSubmitted = func(string) { p.d.Submit() }
	p.d.Resize(fyne.NewSize(420, 0))
	t.prompt = p
	p.d.Show()
	if c := t.u.win.Canvas(); c != nil {
		c.Focus(p.entry)
	}
}
