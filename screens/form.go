package screens

import (
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// formWidth is the width of the centred forms: a login card, narrow enough
// to read at a glance.
const formWidth = 480

// field is one labelled entry with its error line under it.
type field struct {
	label *widget.Label
	entry *entry
	msg   *widget.Label
	max   int
}

// form groups fields with a form-level error, a note and the submit button.
// Editing any entry clears its own error and the form-level one.
type form struct {
	top    *widget.Label // errors that concern no single field
	note   *widget.Label // success notes
	button *button
	idle   string
	fields []*field
	submit func()
	// escape is the form's way back (Batal, Kembali ke halaman Login),
	// run by Escape in any of its entries or on its button; nil: none.
	escape func()
}

func newForm(buttonText string, submit func()) *form {
	f := &form{idle: buttonText, submit: submit}
	f.top = wrapped("")
	f.top.Importance = widget.DangerImportance
	f.top.Hide()
	f.note = wrapped("")
	f.note.Importance = widget.SuccessImportance
	f.note.Hide()
	f.button = newButton(buttonText, func() { f.trySubmit() })
	f.button.Importance = widget.HighImportance
	f.button.onEscape = f.runEscape
	return f
}

// onEscape makes back the form's way back by keyboard (Escape).
func (f *form) onEscape(back func()) { f.escape = back }

func (f *form) runEscape() {
	if f.escape != nil {
		f.escape()
	}
}

func (f *form) trySubmit() {
	if f.button.Disabled() {
		return
	}
	f.submit()
}

// field adds an entry limited to max characters (runes).
func (f *form) field(label string, e *entry, max int) *field {
	fd := &field{label: widget.NewLabel(label), entry: e, max: max}
	fd.label.TextStyle.Bold = true
	fd.msg = wrapped("")
	fd.msg.Importance = widget.DangerImportance
	fd.msg.Hide()
	e.Wrapping = fyne.TextWrapOff
	e.OnChanged = func(s string) {
		if max > 0 && utf8.RuneCountInString(s) > max {
			e.SetText(string([]rune(s)[:max]))
			return
		}
		fd.setError("")
		f.setError("")
	}
	e.OnSubmitted = func(string) { f.trySubmit() }
	e.onEscape = f.runEscape
	f.fields = append(f.fields, fd)
	return fd
}

func (fd *field) box() fyne.CanvasObject {
	return container.NewVBox(fd.label, fd.entry, fd.msg)
}

// setError shows msg under the entry (empty hides it). The entry takes the
// focus when nothing else is being typed in, as after a tapped button.
func (fd *field) setError(msg string) {
	setText(fd.msg, msg)
	if msg == "" {
		return
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(fd.entry)
	if c == nil {
		return
	}
	switch c.Focused().(type) {
	case *entry, *widget.Entry: // typing: leave the focus where it is
	default:
		c.Focus(fd.entry)
	}
}

// reject clears what was typed, shows msg and puts the focus in the field
// for the next try: a wrong one-time code is of no use, and left in the
// field it would be sent again with the next Enter. The text goes first,
// since editing hides the field's error.
func (fd *field) reject(msg string) {
	fd.entry.SetText("")
	fd.setError(msg)
	if c := fyne.CurrentApp().Driver().CanvasForObject(fd.entry); c != nil {
		c.Focus(fd.entry)
	}
}

// setError shows msg at the top of the form (empty hides it).
func (f *form) setError(msg string) { setText(f.top, msg) }

// setNote shows a success note (empty hides it).
func (f *form) setNote(msg string) { setText(f.note, msg) }

// clearErrors hides every error of the form.
func (f *form) clearErrors() {
	f.setError("")
	for _, fd := range f.fields {
		fd.setError("")
	}
}

// busy disables the button while work runs, so it cannot be sent twice.
func (f *form) busy(on bool) {
	if on {
		f.button.SetText(lang.L("Memproses..."))
		f.button.Disable()
		return
	}
	f.button.SetText(f.idle)
	f.button.Enable()
}

func setText(l *widget.Label, msg string) {
	if msg == "" {
		if l.Visible() {
			l.Hide()
		}
		l.SetText("")
		return
	}
	l.SetText(msg)
	l.Show()
}

func wrapped(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func title(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.TextStyle.Bold = true
	l.SizeName = theme.SizeNameSubHeadingText
	l.Wrapping = fyne.TextWrapWord
	return l
}

func hyperlink(s string, tapped func()) *textLink {
	h := &textLink{}
	h.Text = s
	h.OnTapped = tapped
	h.ExtendBaseWidget(h)
	return h
}

// card lays a form out as a login card: the authority's name, then
// the content, at most formWidth wide, centred, scrolling when too tall.
func card(objs ...fyne.CanvasObject) fyne.CanvasObject {
	brand := widget.NewLabel(lang.L("Balai Sertifikasi Elektronik"))
	brand.Importance = widget.HighImportance
	brand.TextStyle.Bold = true
	box := container.NewVBox(append([]fyne.CanvasObject{brand}, objs...)...)
	return container.NewVScroll(container.New(&centredColumn{width: formWidth}, box))
}

// actionCard is a card whose actions (the primary button and its
// companions) sit in a bar under the scrolled content, so that they stay in
// view on a small screen however long the form or its messages grow.
func actionCard(actions fyne.CanvasObject, objs ...fyne.CanvasObject) fyne.CanvasObject {
	bar := container.New(&centredColumn{width: formWidth}, actions)
	return container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), bar), nil, nil, card(objs...))
}

// centredColumn gives its one child at most width, centred horizontally.
type centredColumn struct{ width float32 }

func (c *centredColumn) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding() * 2
	w := size.Width - 2*pad
	if w > c.width {
		w = c.width
	}
	for _, o := range objs {
		o.Resize(fyne.NewSize(w, o.MinSize().Height))
		o.Move(fyne.NewPos((size.Width-w)/2, pad))
		// wrapped labels only know their height once they know their width
		o.Resize(fyne.NewSize(w, o.MinSize().Height))
	}
}

func (c *centredColumn) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objs {
		if m := o.MinSize().Height; m > h {
			h = m
		}
	}
	return fyne.NewSize(200, h+theme.Padding()*4)
}
