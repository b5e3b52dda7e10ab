package screens

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/docprep"
	"github.com/natunakab/besign/docqueue"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/preview"
	"github.com/natunakab/besign/signjob"
)

// Adding documents to the queue: each file is read (docqueue: is it a PDF,
// does it need a password, how many pages, which signatures), fingerprinted
// and queued with default settings, one after the other so that the queue
// keeps the order they were given in.

// inspection is what reading a file told.
type inspection struct {
	pages int
	// size is page 1's size in points as the preview displays it; 0
	// when unknown.
	size [2]float64
	// sizes are all pages' sizes as pdfsign's reader tells them.
	sizes   [][2]float64
	sigs    int
	signers []string
	changed bool
	err     error
}

// isPasswordErr: the PDF needs its password, or the one given is wrong.
func isPasswordErr(err error) bool {
	return docqueue.IsPasswordErr(err) || errors.Is(err, preview.ErrPassword)
}

// examine reads the PDF at path with docqueue: is it one, does it open
// with password, its pages and its existing signatures (offline).
func examine(path, password string) inspection {
	facts, err := docqueue.Read(path, password)
	if err != nil {
		return inspection{sigs: -1, err: err}
	}
	// the reader's sizes are the page as displayed, as the preview's: the
	// document is queued with them at once, without waiting for the
	// preview's runtime to start (seconds, the first time)
	w, h := facts.PageSize(1)
	return inspection{pages: facts.Pages(), size: [2]float64{w, h}, sizes: facts.PageSizes,
		sigs: facts.Signed, signers: facts.Signers}
}

// inspect examines the PDF at path; when there is a preview, its page
// count and page 1's size win, so that the box lands where the preview
// shows it.
func inspect(path, password string, r *preview.Renderer, cache *previewCache) inspection {
	in := examine(path, password)
	if in.err != nil {
		return in
	}
	if r != nil && cache != nil {
		if doc, err := cache.open(r, path, password); err == nil {
			if n := doc.Pages(); n > 0 {
				in.pages = n
				if w, h, err := doc.PageSize(1); err == nil {
					in.size = [2]float64{w, h}
				}
			}
		} else if isPasswordErr(err) {
			in.err = err
			return in
		}
	}
	if in.pages < 1 {
		in.err = docqueue.ErrNoPages
	}
	return in
}

// defaultReason is a new document's reason.
func defaultReason() string { return lang.L("Saya menyetujui dokumen ini") }

// absPath is path made absolute and clean, as the queue keeps it.
func absPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return filepath.Clean(abs)
}

// showAdding shows a row with a spinner for each of paths at once, before
// any is read; addOne takes each row away when its file is queued or
// refused.
func (t *signTab) showAdding(paths []string) {
	for _, p := range paths {
		if abs := absPath(p); t.indexPath(abs) < 0 && !slices.Contains(t.adding, abs) {
			t.adding = append(t.adding, abs)
		}
	}
	// only the list changes: refreshAll would lay the whole tab out again,
	// which costs more than a frame
	t.list.Refresh()
	if len(t.adding) > 0 {
		t.empty.Hide()
	}
}

// added takes path's spinner row away.
func (t *signTab) added(path string) {
	if i := slices.Index(t.adding, path); i >= 0 {
		t.adding = slices.Delete(t.adding, i, i+1)
	}
}

// addOne queues path (password, when not empty, opens it), then goes on
// with the rest.
func (t *signTab) addOne(path, password string, rest ...string) {
	s := t.u.state.session
	if s == nil {
		return
	}
	abs := absPath(path)
	next := func() {
		if len(rest) > 0 {
			t.addOne(rest[0], "", rest[1:]...)
		}
	}
	if i := t.indexPath(abs); i >= 0 {
		t.added(abs)
		// queued already: show it
		t.addError(abs, authority.ErrQueueDuplicate)
		t.selectDoc(t.docs[i].ID)
		next()
		return
	}
	if password == "" {
		password = t.passwords[abs]
	}
	settings := authority.SignatureSettings{Page: 1, Reason: defaultReason(), Location: t.unit}
	type added struct {
		doc authority.QueuedDocument
		in  inspection
		// problem is what docprep.Check found, in words
		problem string
	}
	remembered := t.rememberedBoxes()
	if !slices.Contains(t.adding, abs) {
		t.showAdding([]string{abs})
	}
	background(t.u, func(ctx context.Context) (added, error) {
		in := examine(abs, password)
		if in.err == nil && in.pages < 1 {
			in.err = docqueue.ErrNoPages
		}
		if in.err != nil {
			return added{in: in}, in.err
		}
		st := settings
		st.Box = defaultBox(in.size[0], in.size[1])
		// a document of a kind signed before: the box where it was put
		if page, box, ok := remembered.lookup(in.sizes); ok {
			st.Page, st.Box = page, box
		}
		// pdfcpu's validation before it is queued: a damaged file is queued
		// all the same (pdfsign may sign it as readers show it), with a
		// warning and Perbaiki
		problem := ""
		// (not for a PDF that needs its password: pdfcpu is given none,
		// and would call any such file damaged)
		if rep, err := docprep.Check(abs); password == "" && err == nil && !rep.OK() {
			fyne.LogError("check "+abs, errors.New(rep.Problem))
			problem = checkProblem(rep)
		}
		doc, err := docqueue.Queue(ctx, t.auth, docqueue.Request{Token: s.Token, Path: abs, Pages: in.pages, Settings: st})
		return added{doc, in, problem}, err
	}, func(a added, err error) {
		if t.u.state.session != s {
			return
		}
		if !isPasswordErr(err) {
			t.added(abs)
		}
		t.refreshAll()
		switch {
		case err == nil:
			if password != "" {
				t.passwords[abs] = password
			}
			f := t.file(abs)
			f.sigs, f.signers = a.in.sigs, a.in.signers
			f.problem = a.problem
			for i, sz := range a.in.sizes {
				if sz[0] > 0 && sz[1] > 0 {
					f.sizes[i+1] = sz
				}
			}
			t.docs = append(t.docs, a.doc)
			t.selectDoc(a.doc.ID)
		case isPasswordErr(err):
			t.askPassword(abs, password != "", func(pw string) { t.addOne(abs, pw, rest...) },
				func() { t.added(abs); t.refreshAll(); t.addError(abs, pdfsign.ErrPasswordRequired); next() })
			return // the rest waits for the answer
		case errors.Is(err, authority.ErrSessionExpired):
			t.u.sessionLost()
			return
		case errors.Is(err, authority.ErrQueueDuplicate):
			t.addError(abs, err)
			t.reload()
		default:
			t.addError(abs, err)
		}
		next()
	})
}

// indexPath returns the position of the document at path, -1 if none.
func (t *signTab) indexPath(path string) int {
	for i, d := range t.docs {
		if d.Path == path {
			return i
		}
	}
	return -1
}

// addError adds a file's error to the lines above the queue.
func (t *signTab) addError(path string, err error) {
	msg := addMessage(err)
	line := filepath.Base(path) + ": " + msg
	if t.addMsg.Visible() && t.addMsg.Text != "" && !strings.Contains(t.addMsg.Text, line) {
		line = t.addMsg.Text + "\n" + line
	}
	setText(t.addMsg, line)
}

// addMessage words an error of adding a file.
func addMessage(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return message(signjob.ErrMissing)
	case errors.Is(err, os.ErrPermission):
		return lang.L("Berkas tidak dapat dibaca: izin ditolak.")
	}
	return message(err)
}

// pdfPasswordDialog asks for a PDF's password; it is kept in memory for
// this session only, never stored.
type pdfPasswordDialog struct {
	d      *dialog.CustomDialog
	entry  *entry
	msg    *widget.Label
	ok     *button
	cancel *button
}

// askPassword asks for path's PDF password (wrong: the last one was
// wrong), then calls done with it, or cancelled.
func (t *signTab) askPassword(path string, wrong bool, done func(string), cancelled func()) {
	p := &pdfPasswordDialog{entry: newPasswordEntry()}
	p.msg = wrapped("")
	p.msg.Importance = widget.DangerImportance
	p.msg.Hide()
	if wrong {
		setText(p.msg, message(pdfsign.ErrWrongPassword))
	}
	submit := func() {
		pw := p.entry.Text
		if pw == "" {
			setText(p.msg, lang.L("Password PDF wajib diisi."))
			return
		}
		p.d.Hide()
		t.pwDialog = nil
		done(pw)
	}
	p.entry.OnSubmitted = func(string) { submit() }
	p.ok = newButton(lang.L("Buka"), submit)
	p.ok.Importance = widget.HighImportance
	p.cancel = newButton(lang.L("Batal"), func() {
		p.d.Hide()
		t.pwDialog = nil
		if cancelled != nil {
			cancelled()
		}
	})
	content := container.NewVBox(
		wrapped(lang.L("{{.Name}} dilindungi password. Masukkan password untuk membukanya; password hanya disimpan selama aplikasi terbuka.",
			map[string]any{"Name": filepath.Base(path)})),
		p.entry, p.msg,
		container.NewHBox(p.ok, p.cancel))
	p.d = dialog.NewCustomWithoutButtons(lang.L("Password PDF"), content, t.u.win)
	p.d.Resize(fyne.NewSize(420, 0))
	t.pwDialog = p
	p.d.Show()
	t.u.dialogShown(p.d, p.cancel.OnTapped)
	t.u.win.Canvas().Focus(p.entry)
}

// unlockDoc checks a queued document's password and keeps it.
func (t *signTab) unlockDoc(path string, wrong bool, then func()) {
	t.askPassword(path, wrong, func(pw string) {
		background(t.u, func(context.Context) (inspection, error) {
			in := examine(path, pw)
			return in, in.err
		}, func(in inspection, err error) {
			if isPasswordErr(err) {
				t.unlockDoc(path, true, then)
				return
			}
			t.passwords[path] = pw
			f := t.file(path)
			f.needsPassword = false
			if err == nil {
				f.sigs, f.signers = in.sigs, in.signers
			}
			t.list.Refresh()
			if then != nil {
				then()
			}
		})
	}, nil)
}
