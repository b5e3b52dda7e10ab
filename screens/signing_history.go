package screens

import (
	"context"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/history"
)

// After signing: what a signed copy offers (open it, its folder, check it
// in Verifikasi Dokumen), the fallback when the desktop cannot open files,
// and "Riwayat", the documents this account signed on this laptop, kept in
// the data directory by package history (Options.History).

// pathNote says that a file or folder could not be opened, in words, and
// offers its folder's path to copy instead: the Go error (`exec:
// "xdg-open": executable file not found`) means nothing to the person and
// goes to the log only. It sits under a result without replacing it.
type pathNote struct {
	box  *fyne.Container
	msg  *widget.Label
	copy *button
	dir  string
	// shown, when set, runs once the note appeared (a list row must
	// take its new height).
	shown func()
}

func newPathNote() *pathNote {
	n := &pathNote{msg: wrapped("")}
	n.msg.Importance = widget.WarningImportance
	n.copy = newButton(lang.L("Salin Lokasi Folder"), func() {
		fyne.CurrentApp().Clipboard().SetContent(n.dir)
		n.copy.SetText(lang.L("Lokasi disalin"))
	})
	n.box = container.NewVBox(n.msg, container.NewHBox(n.copy))
	n.box.Hide()
	return n
}

// show tells that target could not be opened and offers dir.
func (n *pathNote) show(dir string) {
	n.dir = dir
	n.msg.SetText(lang.L("Laptop ini tidak memiliki program untuk membukanya. Hasilnya tersimpan di folder {{.Dir}}", map[string]any{"Dir": dir}))
	n.copy.SetText(lang.L("Salin Lokasi Folder"))
	n.box.Show()
	relayoutTree(n.box)
	if n.shown != nil {
		n.shown()
	}
}

// openPath opens target (a file or folder) with the desktop's program; when
// that fails note offers dir instead.
func (u *UI) openPath(target, dir string, note *pathNote) {
	l, err := fileURL(target)
	if err == nil {
		err = u.openURL(l)
	}
	if err != nil {
		fyne.LogError("open "+target, err)
		note.show(dir)
		return
	}
	note.box.Hide()
}

// verifyFiles shows paths in the Verifikasi Dokumen tab and checks them.
func (u *UI) verifyFiles(paths ...string) {
	u.tabs.Select(u.checkItem)
	u.check.openAll(paths)
}

// signedActions are the buttons of a signed copy at output.
func (t *signTab) signedActions(output string, note *pathNote) []fyne.CanvasObject {
	dir := filepath.Dir(output)
	return []fyne.CanvasObject{
		newButton(lang.L("Buka Berkas"), func() { t.u.openPath(output, dir, note) }),
		newButton(lang.L("Buka Folder"), func() { t.u.openPath(dir, dir, note) }),
		newButton(lang.L("Verifikasi Dokumen"), func() { t.u.verifyFiles(output) }),
	}
}

// record adds what a batch signed to the account's history, in the
// background; a failure is said under the queue: the documents are
// signed all the same.
func (t *signTab) record(signed []history.Entry) {
	s := t.u.state.session
	book := t.u.opts.History
	if s == nil || book == nil || len(signed) == 0 {
		return
	}
	account := s.Account.Email
	background(t.u, func(context.Context) (struct{}, error) {
		return struct{}{}, book.Add(account, signed...)
	}, func(_ struct{}, err error) {
		if err != nil {
			fyne.LogError("history", err)
			if t.u.state.session == s {
				setText(t.addMsg, lang.L("Riwayat penandatanganan tidak dapat disimpan di folder data; dokumennya tetap ditandatangani."))
			}
		}
	})
}

// historyView is "Riwayat": its entries, newest first.
type historyView struct {
	content fyne.CanvasObject
	msg     *widget.Label
	list    *widget.List
	entries []history.Entry
	notes   map[int]*pathNote
	back    *button
}

// showHistory puts the account's history in place of the editor.
func (t *signTab) showHistory() {
	s := t.u.state.session
	book := t.u.opts.History
	if s == nil || book == nil || (t.run != nil && !t.run.finished) {
		return
	}
	t.run = nil // finished: its results give way
	v := &historyView{msg: wrapped(lang.L("Memuat riwayat...")), notes: map[int]*pathNote{}}
	v.list = widget.NewList(func() int { return len(v.entries) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("")
			name.TextStyle.Bold = true
			name.Truncation = fyne.TextTruncateEllipsis
			when := widget.NewLabel("")
			out := widget.NewLabel("")
			out.Truncation = fyne.TextTruncateEllipsis
			return container.NewVBox(name, when, out, container.NewHBox(), container.NewStack(), widget.NewSeparator())
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < 0 || i >= len(v.entries) {
				return
			}
			e := v.entries[i]
			rows := o.(*fyne.Container).Objects
			rows[0].(*widget.Label).SetText(filepath.Base(e.Input))
			rows[1].(*widget.Label).SetText(lang.L("Ditandatangani {{.Date}}", map[string]any{"Date": formatTime(e.SignedAt)}))
			rows[2].(*widget.Label).SetText(e.Output)
			note := v.notes[i]
			if note == nil {
				note = newPathNote()
				note.shown = func() { v.list.RefreshItem(i) }
				v.notes[i] = note
			}
			acts := rows[3].(*fyne.Container)
			acts.Objects = t.signedActions(e.Output, note)[1:] // the folder and Verifikasi
			acts.Refresh()
			slot := rows[4].(*fyne.Container)
			slot.Objects = []fyne.CanvasObject{note.box}
			slot.Refresh()
			v.list.SetItemHeight(i, o.(*fyne.Container).MinSize().Height)
		})
	v.back = newButton(lang.L("Kembali ke Antrean"), t.closeHistory)
	top := container.NewVBox(title(lang.L("Riwayat Penandatanganan")),
		wrapped(lang.L("Dokumen yang ditandatangani akun ini di laptop ini, terbaru di atas.")), v.msg, widget.NewSeparator())
	v.content = container.NewBorder(top, container.NewHBox(v.back), nil, nil, v.list)
	t.history = v
	t.right.Objects = []fyne.CanvasObject{v.content}
	t.right.Refresh()
	account := s.Account.Email
	background(t.u, func(context.Context) ([]history.Entry, error) {
		return book.List(account)
	}, func(es []history.Entry, err error) {
		if t.history != v || t.u.state.session != s {
			return
		}
		switch {
		case err != nil:
			fyne.LogError("history", err)
			setText(v.msg, lang.L("Riwayat tidak dapat dibaca dari folder data."))
		case len(es) == 0:
			setText(v.msg, lang.L("Belum ada dokumen yang ditandatangani di laptop ini."))
		default:
			setText(v.msg, "")
		}
		v.entries = es
		v.list.Refresh()
		relayoutTree(v.content)
	})
}

// closeHistory goes back from the history to the editor.
func (t *signTab) closeHistory() {
	if t.history == nil {
		return
	}
	t.history = nil
	t.right.Objects = []fyne.CanvasObject{t.editor}
	t.right.Refresh()
	t.refreshAll()
	t.render()
}

// historyEntries are the entries of a batch's signed documents.
func historyEntries(docs []authority.QueuedDocument, outputs []string, at time.Time) []history.Entry {
	var es []history.Entry
	for i, d := range docs {
		es = append(es, history.Entry{Input: d.Path, Output: outputs[i], SignedAt: at})
	}
	return es
}
