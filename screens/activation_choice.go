package screens

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// describedChoice is one choice among options each with a line of
// description under it, as the seed's Data Kedinasan shows "ASN dan
// Penyidik POLRI — Terintegrasi dengan ..." and "Lainnya — Selain ...". A
// Fyne radio group cannot put text between its options, so each option is
// a radio group of its own, and choosing one clears the others.
type describedChoice struct {
	// Selected is the chosen option, "" for none.
	Selected  string
	groups    []*widget.RadioGroup
	onChanged func(string)
	box       *fyne.Container
	setting   bool // SetSelected is clearing the other groups
}

func newDescribedChoice(options, notes []string, changed func(string)) *describedChoice {
	c := &describedChoice{onChanged: changed, box: container.NewVBox()}
	for i, opt := range options {
		g := widget.NewRadioGroup([]string{opt}, nil)
		g.OnChanged = func(v string) { c.picked(g, v) }
		c.groups = append(c.groups, g)
		note := wrapped("— " + notes[i])
		note.SizeName = theme.SizeNameCaptionText
		// the description lines up with the option's text, past the circle
		c.box.Add(g)
		c.box.Add(container.NewBorder(nil, nil, indent(), nil, note))
	}
	return c
}

// indent is a blank the width of a radio button's circle and its gap.
func indent() fyne.CanvasObject {
	sp := canvas.NewRectangle(color.Transparent)
	sp.SetMinSize(fyne.NewSize(theme.IconInlineSize()+theme.Padding(), 1))
	return sp
}

func (c *describedChoice) picked(g *widget.RadioGroup, v string) {
	if c.setting {
		return
	}
	if v == "" {
		if c.Selected == g.Options[0] {
			c.Selected = ""
			c.changed()
		}
		return
	}
	c.setSelected(v)
}

// SetSelected chooses v ("" for none).
func (c *describedChoice) SetSelected(v string) { c.setSelected(v) }

func (c *describedChoice) setSelected(v string) {
	c.setting = true
	for _, g := range c.groups {
		want := ""
		if g.Options[0] == v {
			want = v
		}
		if g.Selected != want {
			g.SetSelected(want)
		}
	}
	c.setting = false
	if c.Selected != v {
		c.Selected = v
		c.changed()
	}
}

func (c *describedChoice) changed() {
	if c.onChanged != nil {
		c.onChanged(c.Selected)
	}
}
