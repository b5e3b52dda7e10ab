package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// entry is Fyne's entry with a way back by keyboard: Escape runs onEscape
// (a form's Batal or Kembali), which Fyne's entry ignores, and which the
// window never sees while an entry has the focus.
type entry struct {
	widget.Entry
	onEscape func()
}

func newEntry() *entry {
	e := &entry{}
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.ExtendBaseWidget(e)
	return e
}

func newPasswordEntry() *entry {
	e := newEntry()
	e.Password = true
	e.ActionItem = newRevealer(e)
	return e
}

func newMultiLineEntry() *entry {
	e := newEntry()
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	return e
}

// TypedKey runs onEscape on Escape; everything else is the entry's.
func (e *entry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape {
		if e.onEscape != nil {
			e.onEscape()
		} else {
			passEscape(e) // the dialog around, if any, takes it
		}
		return
	}
	e.Entry.TypedKey(ev)
}

// FocusGained brings the entry into view in its scroll, as Tab may reach one
// below the fold.
func (e *entry) FocusGained() {
	e.Entry.FocusGained()
	reveal(e)
}

// revealer is the eye at the end of a password entry that shows or hides
// what was typed, as Fyne's own (which only its constructor can make). It
// takes no keyboard focus, so Tab goes from entry to entry.
type revealer struct {
	widget.BaseWidget
	icon *widget.Icon
	e    *entry
}

func newRevealer(e *entry) *revealer {
	r := &revealer{icon: widget.NewIcon(theme.VisibilityOffIcon()), e: e}
	r.ExtendBaseWidget(r)
	return r
}

func (r *revealer) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.icon)
}

func (r *revealer) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (r *revealer) Tapped(*fyne.PointEvent) {
	r.e.Password = !r.e.Password
	if r.e.Password {
		r.icon.SetResource(theme.VisibilityOffIcon())
	} else {
		r.icon.SetResource(theme.VisibilityIcon())
	}
	r.e.Refresh()
}
