package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// The form controls other than entries and buttons, as Fyne makes them
// but brought into view in their scroll when the focus reaches them (see
// reveal): a consent box or a drop-down below the fold is otherwise
// ticked or changed out of sight.

// check is widget.Check that follows the focus into view.
type check struct{ widget.Check }

func newCheck(label string, changed func(bool)) *check {
	c := &check{}
	c.Text = label
	c.OnChanged = changed
	c.ExtendBaseWidget(c)
	return c
}

func (c *check) FocusGained() {
	c.Check.FocusGained()
	reveal(c)
}

// dropdown is widget.Select that follows the focus into view.
type dropdown struct{ widget.Select }

func newDropdown(options []string, changed func(string)) *dropdown {
	c := &dropdown{}
	c.Options = options
	c.OnChanged = changed
	c.ExtendBaseWidget(c)
	return c
}

func (c *dropdown) FocusGained() {
	c.Select.FocusGained()
	reveal(c)
}

// textLink is widget.Hyperlink that follows the focus into view.
type textLink struct{ widget.Hyperlink }

func (l *textLink) FocusGained() {
	l.Hyperlink.FocusGained()
	reveal(l)
}

var _ fyne.Focusable = (*textLink)(nil)
