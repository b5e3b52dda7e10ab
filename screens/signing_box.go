package screens

import (
	"image"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
)

// The signature box on the page preview. The box is kept in PDF points on
// the page as displayed (authority.Box, as pdfsign.Rect: origin at the
// bottom-left corner of the crop box after /Rotate, y up); the preview
// draws the page in screen units with y down. The pure functions below
// convert between the two; the widget only moves the box in screen units
// and converts back.

// Colours of the box: a blue border over a light blue fill, distinct from
// any page content, so that a person (and the end-to-end test) sees it.
var (
	boxBorder = color.NRGBA{R: 0x15, G: 0x65, B: 0xC0, A: 0xFF} // #1565C0
	boxFill   = color.NRGBA{R: 0x42, G: 0xA5, B: 0xF5, A: 0x55} // #42A5F5, one third opaque
	boxHandle = boxBorder
)

// Limits of the box in points: big enough to hold the appearance's text.
const (
	minBoxW = 40
	minBoxH = 15
	// boxMargin is the default distance from the page's edges.
	boxMargin = 36
	// handleSize is the corner handle's side in screen units.
	handleSize = 12
	// keyStep is how far an arrow key moves or resizes the box, in points.
	keyStep = 5
)

// screenRect is a rectangle in screen units, y down.
type screenRect struct{ X, Y, W, H float64 }

// fitRect is where a page of w x h points is drawn inside an area of
// size: as large as fits, aspect kept, centred.
func fitRect(pageW, pageH float64, size fyne.Size) screenRect {
	aw, ah := float64(size.Width), float64(size.Height)
	if pageW <= 0 || pageH <= 0 || aw <= 0 || ah <= 0 {
		return screenRect{}
	}
	s := math.Min(aw/pageW, ah/pageH)
	w, h := pageW*s, pageH*s
	return screenRect{X: (aw - w) / 2, Y: (ah - h) / 2, W: w, H: h}
}

// boxToScreen places b (points on a page of pageW x pageH) on the page
// drawn at page (screen units).
func boxToScreen(b authority.Box, pageW, pageH float64, page screenRect) screenRect {
	if pageW <= 0 || pageH <= 0 {
		return screenRect{}
	}
	sx, sy := page.W/pageW, page.H/pageH
	return screenRect{
		X: page.X + b.X*sx,
		Y: page.Y + (pageH-b.Y-b.H)*sy,
		W: b.W * sx,
		H: b.H * sy,
	}
}

// screenToBox is the inverse of boxToScreen, rounded to hundredths of a
// point.
func screenToBox(r screenRect, pageW, pageH float64, page screenRect) authority.Box {
	if page.W <= 0 || page.H <= 0 {
		return authority.Box{}
	}
	sx, sy := pageW/page.W, pageH/page.H
	round := func(v float64) float64 { return math.Round(v*100) / 100 }
	return authority.Box{
		X: round((r.X - page.X) * sx),
		Y: round(pageH - (r.Y-page.Y+r.H)*sy),
		W: round(r.W * sx),
		H: round(r.H * sy),
	}
}

// clampBox keeps b on a page of w x h points, no smaller than the minimum
// (unless the page itself is smaller) and no larger than the page.
func clampBox(b authority.Box, w, h float64) authority.Box {
	if w <= 0 || h <= 0 {
		return b
	}
	b.W = math.Min(math.Max(b.W, math.Min(minBoxW, w)), w)
	b.H = math.Min(math.Max(b.H, math.Min(minBoxH, h)), h)
	b.X = math.Min(math.Max(b.X, 0), w-b.W)
	b.Y = math.Min(math.Max(b.Y, 0), h-b.H)
	return b
}

// defaultBox is a new document's box: 180 x 60 points at the bottom-right
// corner, boxMargin from the edges, smaller on a small page.
func defaultBox(w, h float64) authority.Box {
	if w <= 0 || h <= 0 {
		// page size unknown: the bottom-left corner fits any page
		return authority.Box{X: boxMargin, Y: boxMargin, W: 180, H: 60}
	}
	bw, bh := math.Min(180, w/2), math.Min(60, h/4)
	return clampBox(authority.Box{X: w - boxMargin - bw, Y: boxMargin, W: bw, H: bh}, w, h)
}

// dragMode is what a drag does to the box.
type dragMode int

const (
	dragIgnore dragMode = iota - 1 // started outside the box
	dragNone                       // no drag
	dragMove                       // started inside the box
	dragResize                     // started on the bottom-right handle
)

// hitTest tells what a drag starting at p (screen units) does.
func hitTest(box screenRect, p fyne.Position) dragMode {
	x, y := float64(p.X), float64(p.Y)
	hx, hy := box.X+box.W, box.Y+box.H
	if math.Abs(x-hx) <= handleSize && math.Abs(y-hy) <= handleSize {
		return dragResize
	}
	if x >= box.X && x <= box.X+box.W && y >= box.Y && y <= box.Y+box.H {
		return dragMove
	}
	return dragNone
}

// dragBox applies a drag of (dx, dy) screen units in mode to b, kept on
// the page.
func dragBox(b authority.Box, mode dragMode, dx, dy, pageW, pageH float64, page screenRect) authority.Box {
	r := boxToScreen(b, pageW, pageH, page)
	switch mode {
	case dragMove:
		r.X += dx
		r.Y += dy
		nb := screenToBox(r, pageW, pageH, page)
		nb.W, nb.H = b.W, b.H // moving never changes the size
		return clampBox(nb, pageW, pageH)
	case dragResize:
		// the top-left corner stays; the bottom-right follows the mouse
		r.W += dx
		r.H += dy
		top := b.Y + b.H
		nb := screenToBox(r, pageW, pageH, page)
		nb.X = b.X
		nb.W = math.Min(math.Max(nb.W, minBoxW), pageW-b.X)
		nb.H = math.Min(math.Max(nb.H, minBoxH), top)
		nb.Y = top - nb.H
		return clampBox(nb, pageW, pageH)
	}
	return b
}

// keyBox moves b by an arrow key (resizes it with Shift), kept on the page.
func keyBox(b authority.Box, key fyne.KeyName, resize bool, pageW, pageH float64) (authority.Box, bool) {
	dx, dy := 0.0, 0.0
	switch key {
	case fyne.KeyLeft:
		dx = -keyStep
	case fyne.KeyRight:
		dx = keyStep
	case fyne.KeyUp:
		dy = keyStep // y is up in points
	case fyne.KeyDown:
		dy = -keyStep
	default:
		return b, false
	}
	if resize {
		// the top-left corner stays: Right/Down grow, Left/Up shrink
		top := b.Y + b.H
		b.W = math.Min(math.Max(b.W+dx, minBoxW), pageW-b.X)
		b.H = math.Min(math.Max(b.H-dy, minBoxH), top)
		b.Y = top - b.H
		return clampBox(b, pageW, pageH), true
	}
	b.X += dx
	b.Y += dy
	return clampBox(b, pageW, pageH), true
}

// pagePreview shows one page with the signature box on it. Drag the box
// to move it, its corner handle to resize it; with the focus, arrow keys
// move it and Shift+arrows resize it. OnChanged runs when a drag ends or
// a key moved the box, never on every mouse move.
type pagePreview struct {
	widget.BaseWidget

	// page size in points as displayed; 0 while unknown
	pageW, pageH float64
	img          image.Image
	box          authority.Box
	// showBox is false for an invisible signature or no page
	showBox bool
	// scale is screen units per point in a document view (the widget
	// then asks for the page's size at that scale); 0 fits the page in
	// whatever size the widget gets.
	scale float32

	mode    dragMode
	focused bool
	shift   bool

	// OnChanged receives the new box.
	OnChanged func(authority.Box)
	// OnFocus asks for the keyboard focus (a tap on the preview).
	OnFocus func(*pagePreview)
}

func newPagePreview() *pagePreview {
	p := &pagePreview{}
	p.ExtendBaseWidget(p)
	return p
}

// set shows img (may be nil while rendering) of a w x h points page with
// the box b.
func (p *pagePreview) set(img image.Image, w, h float64, b authority.Box, showBox bool) {
	p.img, p.pageW, p.pageH, p.box, p.showBox = img, w, h, b, showBox
	p.Refresh()
}

// pageRect is where the page is drawn.
func (p *pagePreview) pageRect() screenRect { return fitRect(p.pageW, p.pageH, p.Size()) }

// boxRect is where the box is drawn.
func (p *pagePreview) boxRect() screenRect {
	return boxToScreen(p.box, p.pageW, p.pageH, p.pageRect())
}

func (p *pagePreview) usable() bool { return p.showBox && p.pageW > 0 && p.pageH > 0 }

// Dragged moves or resizes the box; the first event of a drag decides
// which, from where it started.
func (p *pagePreview) Dragged(ev *fyne.DragEvent) {
	if !p.usable() {
		return
	}
	if p.mode == dragNone {
		start := ev.Position.Subtract(ev.Dragged)
		p.mode = hitTest(p.boxRect(), start)
		if p.mode == dragNone {
			p.mode = dragIgnore // until it ends
		}
	}
	if p.mode <= dragNone {
		return
	}
	p.box = dragBox(p.box, p.mode, float64(ev.Dragged.DX), float64(ev.Dragged.DY), p.pageW, p.pageH, p.pageRect())
	p.Refresh()
}

// DragEnd saves the box once the drag is over.
func (p *pagePreview) DragEnd() {
	moved := p.mode > dragNone
	p.mode = dragNone
	if moved && p.OnChanged != nil {
		p.OnChanged(p.box)
	}
}

// Tapped takes the keyboard focus, so that arrow keys move the box.
func (p *pagePreview) Tapped(*fyne.PointEvent) {
	if p.OnFocus != nil {
		p.OnFocus(p)
	}
}

func (p *pagePreview) FocusGained() {
	p.focused = true
	p.Refresh()
	reveal(p) // Tab may reach a page scrolled out of sight
}
func (p *pagePreview) FocusLost()     { p.focused = false; p.shift = false; p.Refresh() }
func (p *pagePreview) TypedRune(rune) {}

// TypedKey moves (with Shift held: resizes) the box by an arrow key.
func (p *pagePreview) TypedKey(ev *fyne.KeyEvent) {
	if !p.usable() {
		return
	}
	b, ok := keyBox(p.box, ev.Name, p.shift, p.pageW, p.pageH)
	if !ok {
		return
	}
	p.box = b
	p.Refresh()
	if p.OnChanged != nil {
		p.OnChanged(b)
	}
}

// KeyDown and KeyUp follow Shift (desktop.Keyable).
func (p *pagePreview) KeyDown(ev *fyne.KeyEvent) {
	if ev.Name == desktop.KeyShiftLeft || ev.Name == desktop.KeyShiftRight {
		p.shift = true
	}
}

func (p *pagePreview) KeyUp(ev *fyne.KeyEvent) {
	if ev.Name == desktop.KeyShiftLeft || ev.Name == desktop.KeyShiftRight {
		p.shift = false
	}
}

// Cursor shows a hand over the preview (desktop.Cursorable).
func (p *pagePreview) Cursor() desktop.Cursor {
	if p.usable() {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

func (p *pagePreview) MinSize() fyne.Size {
	if p.scale > 0 && p.pageW > 0 && p.pageH > 0 {
		return fyne.NewSize(float32(p.pageW)*p.scale, float32(p.pageH)*p.scale)
	}
	return fyne.NewSize(200, 260)
}

func (p *pagePreview) CreateRenderer() fyne.WidgetRenderer {
	r := &previewRenderer{p: p,
		paper:  canvas.NewRectangle(color.White),
		img:    canvas.NewImageFromImage(nil),
		fill:   canvas.NewRectangle(boxFill),
		handle: canvas.NewRectangle(boxHandle),
		focus:  canvas.NewRectangle(color.Transparent),
	}
	r.img.FillMode = canvas.ImageFillStretch
	r.img.ScaleMode = canvas.ImageScaleSmooth
	r.fill.StrokeColor = boxBorder
	r.fill.StrokeWidth = 2
	r.focus.StrokeColor = boxBorder
	r.focus.StrokeWidth = 1
	return r
}

type previewRenderer struct {
	p                          *pagePreview
	paper, fill, handle, focus *canvas.Rectangle
	img                        *canvas.Image
}

func (r *previewRenderer) Layout(size fyne.Size) {
	p := r.p
	pg := fitRect(p.pageW, p.pageH, size)
	place := func(o fyne.CanvasObject, s screenRect) {
		o.Move(fyne.NewPos(float32(s.X), float32(s.Y)))
		o.Resize(fyne.NewSize(float32(s.W), float32(s.H)))
	}
	place(r.paper, pg)
	place(r.img, pg)
	place(r.focus, screenRect{X: 0, Y: 0, W: float64(size.Width), H: float64(size.Height)})
	b := boxToScreen(p.box, p.pageW, p.pageH, pg)
	place(r.fill, b)
	place(r.handle, screenRect{X: b.X + b.W - handleSize/2, Y: b.Y + b.H - handleSize/2, W: handleSize, H: handleSize})
}

func (r *previewRenderer) MinSize() fyne.Size { return r.p.MinSize() }

func (r *previewRenderer) Refresh() {
	p := r.p
	r.img.Image = p.img
	r.img.Refresh()
	visible := p.pageW > 0 && p.pageH > 0
	for _, o := range []fyne.CanvasObject{r.paper, r.img} {
		if visible {
			o.Show()
		} else {
			o.Hide()
		}
	}
	if p.usable() {
		r.fill.Show()
		r.handle.Show()
	} else {
		r.fill.Hide()
		r.handle.Hide()
	}
	if p.focused {
		r.focus.Show()
	} else {
		r.focus.Hide()
	}
	r.Layout(p.Size())
	r.paper.Refresh()
	r.fill.Refresh()
	r.handle.Refresh()
	r.focus.Refresh()
}

func (r *previewRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.paper, r.img, r.fill, r.handle, r.focus}
}

func (r *previewRenderer) Destroy() {}
