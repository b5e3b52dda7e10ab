package screens

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// button is Fyne's button with what keyboard users need: Enter (and the
// keypad's Enter) activates it as Space does, and a ring in the theme's
// focus-ring colour is drawn around it while it has the focus. Fyne only
// tints a focused button's fill, which cannot be seen on a primary button,
// and reacts to Space alone.
type button struct {
	widget.Button
	focused bool
	// onEscape, when set, runs on Escape (a form's way back).
	onEscape func()
}

// newButton is widget.NewButton for the screens.
func newButton(label string, tapped func()) *button {
	b := &button{}
	b.Text = label
	b.OnTapped = tapped
	b.ExtendBaseWidget(b)
	return b
}

// newIconButton is widget.NewButtonWithIcon for the screens.
func newIconButton(label string, icon fyne.Resource, tapped func()) *button {
	b := newButton(label, tapped)
	b.Icon = icon
	return b
}

// TypedKey activates the button on Enter as well as Space, and runs
// onEscape on Escape.
func (b *button) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if !b.Disabled() {
			b.Tapped(&fyne.PointEvent{})
		}
		return
	case fyne.KeyEscape:
		if b.onEscape != nil {
			b.onEscape()
		} else {
			passEscape(b) // the dialog around, if any, takes it
		}
		return
	}
	b.Button.TypedKey(ev)
}

func (b *button) FocusGained() {
	b.focused = true
	b.Button.FocusGained()
	reveal(b)
}

func (b *button) FocusLost() {
	b.focused = false
	b.Button.FocusLost()
}

// hasFocusRing reports whether the ring is drawn (for tests).
func (b *button) hasFocusRing() bool { return b.focused }

func (b *button) CreateRenderer() fyne.WidgetRenderer {
	inner := b.Button.CreateRenderer()
	ring := canvas.NewRectangle(nil)
	r := &buttonRingRenderer{WidgetRenderer: inner, b: b, ring: ring}
	r.applyTheme()
	return r
}

// buttonRingRenderer draws the button, then the ring over its edge.
type buttonRingRenderer struct {
	fyne.WidgetRenderer
	b    *button
	ring *canvas.Rectangle
}

// ringWidth is thick enough to be seen at a glance; the ring lies just
// outside the button, within the padding around it.
const ringWidth = 2

func (r *buttonRingRenderer) applyTheme() {
	th := r.b.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r.ring.FillColor = nil
	r.ring.StrokeColor = focusRingColor(th, v)
	r.ring.StrokeWidth = ringWidth
	r.ring.CornerRadius = th.Size(theme.SizeNameInputRadius) + ringWidth
	r.ring.Hidden = !r.b.focused
}

func (r *buttonRingRenderer) Layout(size fyne.Size) {
	r.WidgetRenderer.Layout(size)
	r.ring.Move(fyne.NewPos(-ringWidth, -ringWidth))
	r.ring.Resize(size.AddWidthHeight(2*ringWidth, 2*ringWidth))
}

func (r *buttonRingRenderer) Objects() []fyne.CanvasObject {
	inner := r.WidgetRenderer.Objects()
	objs := make([]fyne.CanvasObject, 0, len(inner)+1)
	return append(append(objs, inner...), r.ring)
}

func (r *buttonRingRenderer) Refresh() {
	r.WidgetRenderer.Refresh()
	r.applyTheme()
	r.Layout(r.b.Size())
	r.ring.Refresh()
}

// focusRingColor is th's focus-ring colour; a theme other than the app's
// (Fyne's test theme) has none, and gets its primary colour.
func focusRingColor(th fyne.Theme, v fyne.ThemeVariant) color.Color {
	if _, ok := th.(*appTheme); ok {
		return th.Color(colorNameFocusRing, v)
	}
	return th.Color(theme.ColorNamePrimary, v)
}
