package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// Escape closes our dialogs as their cancel: Batal of a confirmation or a
// prompt, Tutup of a message. Fyne's dialogs ignore Escape, so ours are
// built with our buttons (which take Escape) and registered with the UI,
// which takes Escape when nothing has the focus or an entry or button of
// ours passes it on (their onEscape unset).

// openDialog is a dialog on the window and what Escape does to it.
type openDialog struct {
	// overlay is the dialog's layer on the canvas, to tell whether it is
	// the top one (a drop-down's menu may lie over it).
	overlay fyne.CanvasObject
	cancel  func()
}

// dialogShown registers d, just shown, with cancel as its Escape (nil:
// hiding it, which answers "no" to a Fyne confirmation).
func (u *UI) dialogShown(d dialog.Dialog, cancel func()) {
	c := u.win.Canvas()
	top := c.Overlays().Top()
	if top == nil {
		return
	}
	if cancel == nil {
		cancel = d.Hide
	}
	u.dialogs = append(u.dialogs, openDialog{overlay: top, cancel: cancel})
}

// typedKey is the window's key handler, for keys no widget took.
func (u *UI) typedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape {
		u.escapeDialog()
	}
}

// escapeDialog cancels the top dialog, if it is ours and on top; dialogs
// closed since are forgotten on the way.
func (u *UI) escapeDialog() bool {
	c := u.win.Canvas()
	open := map[fyne.CanvasObject]bool{}
	for _, o := range c.Overlays().List() {
		open[o] = true
	}
	kept := u.dialogs[:0]
	for _, d := range u.dialogs {
		if open[d.overlay] && d.overlay.Visible() {
			kept = append(kept, d)
		}
	}
	u.dialogs = kept
	if len(kept) == 0 || kept[len(kept)-1].overlay != c.Overlays().Top() {
		return false
	}
	kept[len(kept)-1].cancel()
	return true
}

// passEscape hands an Escape that a widget of ours has no use for to the
// window, where escapeDialog takes it.
func passEscape(o fyne.CanvasObject) {
	a := fyne.CurrentApp()
	if a == nil {
		return
	}
	if c := a.Driver().CanvasForObject(o); c != nil && c.OnTypedKey() != nil {
		c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	}
}

// confirmDialog asks a yes-or-no question with our buttons; Escape and
// Batal answer no. The focus starts on no, so that Enter is never a
// destructive answer by accident.
type confirmDialog struct {
	d       *dialog.CustomDialog
	yes, no *button
	done    func(bool)
	closed  bool
}

// confirm shows a question; done gets the answer once.
func (u *UI) confirm(title, msg, yes, no string, yesImportance widget.Importance, done func(bool)) *confirmDialog {
	cd := &confirmDialog{done: done}
	cd.yes = newButton(yes, cd.Confirm)
	cd.yes.Importance = yesImportance
	cd.no = newButton(no, cd.Dismiss)
	cd.yes.onEscape, cd.no.onEscape = cd.Dismiss, cd.Dismiss
	text := wrapped(msg)
	buttons := container.NewHBox(layout.NewSpacer(), cd.no, cd.yes, layout.NewSpacer())
	cd.d = dialog.NewCustomWithoutButtons(title, container.NewVBox(text, buttons), u.win)
	cd.d.Resize(fyne.NewSize(460, 0))
	cd.d.Show()
	u.dialogShown(cd.d, cd.Dismiss)
	u.win.Canvas().Focus(cd.no)
	return cd
}

// Confirm answers yes, as the yes button does.
func (cd *confirmDialog) Confirm() { cd.finish(true) }

// Dismiss answers no, as Batal and Escape do.
func (cd *confirmDialog) Dismiss() { cd.finish(false) }

// Hide answers no: the dialog.Dialog way of closing.
func (cd *confirmDialog) Hide() { cd.finish(false) }

func (cd *confirmDialog) finish(ok bool) {
	if cd.closed {
		return
	}
	cd.closed = true
	cd.d.Hide()
	if cd.done != nil {
		cd.done(ok)
	}
}

// inform shows a message with Tutup; Escape and Enter close it.
func (u *UI) inform(title, msg string) dialog.Dialog {
	return u.showCustom(title, wrapped(msg), fyne.NewSize(460, 0))
}

// showCustom shows body in a dialog closed by Tutup or Escape, resized to
// size when it is not zero.
func (u *UI) showCustom(title string, body fyne.CanvasObject, size fyne.Size) dialog.Dialog {
	var d *dialog.CustomDialog
	closeBtn := newButton(lang.L("Tutup"), func() { d.Hide() })
	closeBtn.onEscape = func() { d.Hide() }
	content := container.NewBorder(nil, container.NewCenter(closeBtn), nil, nil, body)
	d = dialog.NewCustomWithoutButtons(title, content, u.win)
	if !size.IsZero() {
		d.Resize(size)
	}
	d.Show()
	u.dialogShown(d, d.Hide)
	u.win.Canvas().Focus(closeBtn)
	return d
}
