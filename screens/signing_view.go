package screens

import (
	"image"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/preview"
)

// The document view of the signing tab: every page of the selected
// document one under the other in a scroll, at a zoom the person chooses
// (fit the width, fit a whole page, or a percentage). Only the pages in
// view are drawn, at the zoom's resolution, so that a long document costs
// no more than the few pages on screen. The signature box lives on one
// page's pagePreview and stays in PDF points whatever the zoom.

// zoomMode is how the view chooses its scale.
type zoomMode int

const (
	zoomFitWidth zoomMode = iota // the widest page fills the width
	zoomFitPage                  // the signature page fits whole
	zoomFixed                    // a chosen scale
)

// Zoom limits, in screen units per point.
const (
	minZoom  = 0.25
	maxZoom  = 4
	zoomStep = 1.25
)

// pageDesk is the colour around the pages, the same in both themes as in
// PDF readers: mid grey, distinct from white paper and from dark
// backgrounds.
var pageDesk = color.NRGBA{R: 0x7a, G: 0x7f, B: 0x87, A: 0xff}

// renderBucket rounds the pixel widths pages are drawn at, so that a
// small change of zoom or window does not draw a page again.
const renderBucket = 200

// docView shows a document's pages in a scroll.
type docView struct {
	widget.BaseWidget

	scroll *container.Scroll
	col    *fyne.Container
	// backdrop is the grey desk the pages lie on: white pages on the
	// light theme's white background would have no edges.
	backdrop *canvas.Rectangle
	pages    []*pagePreview
	// sizes are the pages' sizes in points as displayed.
	sizes [][2]float64
	// drawn is the pixel width each page's image was drawn at, 0 for none.
	drawn []int
	// target is the page the fit-page zoom fits and the box is on (1-based).
	target int

	mode  zoomMode
	scale float32 // screen units per point, as last laid out
	zoom  float32 // the scale chosen in zoomFixed

	// OnVisible asks for pages (1-based) to be drawn width pixels wide.
	OnVisible func(page, width int)
	// OnZoom tells the scale changed (to update a percentage shown).
	OnZoom func(scale float32)
	// newPage makes a page widget, wired to the tab.
	newPage func() *pagePreview
	// deliver runs a function on the UI goroutine (fyne.Do).
	deliver func(func())
	// sharpWait: a goroutine waits to draw drafts again.
	sharpWait bool
}

func newDocView(newPage func() *pagePreview) *docView {
	v := &docView{newPage: newPage, target: 1, zoom: 1, deliver: fyne.Do}
	v.col = container.New(&pagesLayout{v: v})
	v.scroll = container.NewScroll(v.col)
	v.backdrop = canvas.NewRectangle(pageDesk)
	v.scroll.OnScrolled = func(fyne.Position) { v.requestVisible() }
	v.ExtendBaseWidget(v)
	return v
}

// setPages shows a document of pages with sizes (0 x 0 while unknown; such
// pages take the size of a known one). Images already drawn are dropped
// when the document changed (reset).
func (v *docView) setPages(sizes [][2]float64, reset bool) {
	known := [2]float64{595, 842} // A4 until a page tells
	for _, s := range sizes {
		if s[0] > 0 && s[1] > 0 {
			known = s
			break
		}
	}
	fixed := make([][2]float64, len(sizes))
	for i, s := range sizes {
		if s[0] <= 0 || s[1] <= 0 {
			s = known
		}
		fixed[i] = s
	}
	for len(v.pages) < len(fixed) {
		v.pages = append(v.pages, v.newPage())
		v.drawn = append(v.drawn, 0)
	}
	v.pages, v.drawn = v.pages[:len(fixed)], v.drawn[:len(fixed)]
	for i, p := range v.pages {
		if reset || fixed[i] != sizeOf(p) {
			p.img = nil
			v.drawn[i] = 0
		}
		p.pageW, p.pageH = fixed[i][0], fixed[i][1]
	}
	v.sizes = fixed
	objs := make([]fyne.CanvasObject, len(v.pages))
	for i, p := range v.pages {
		objs[i] = p
	}
	v.col.Objects = objs
	if reset {
		v.scroll.Offset = fyne.Position{}
	}
	v.relayout()
}

func sizeOf(p *pagePreview) [2]float64 { return [2]float64{p.pageW, p.pageH} }

// page is the widget of page n (1-based), nil when there is none.
func (v *docView) page(n int) *pagePreview {
	if n < 1 || n > len(v.pages) {
		return nil
	}
	return v.pages[n-1]
}

// setImage shows img for page n, drawn width pixels wide. A draft (drawn
// at half the width while the app's first start readies the previews'
// engine) is shown scaled up, and the pages in view are asked for again
// once the engine draws them sharp.
func (v *docView) setImage(n int, img image.Image, width int) {
	if p := v.page(n); p != nil {
		if d, ok := img.(preview.Draft); ok {
			img, width = d.RGBA, 0
			if !v.sharpWait {
				v.sharpWait = true
				go func() {
					<-d.Sharp()
					v.deliver(func() {
						v.sharpWait = false
						v.requestVisible()
					})
				}()
			}
		}
		p.img = img
		v.drawn[n-1] = width
		p.Refresh()
	}
}

// setMode changes the zoom; zoomFixed takes scale.
func (v *docView) setMode(m zoomMode, scale float32) {
	v.mode = m
	if m == zoomFixed {
		v.zoom = float32(math.Min(math.Max(float64(scale), minZoom), maxZoom))
	}
	v.relayout()
	if m == zoomFitPage {
		v.showPage(v.target) // the whole page, top to bottom
		return
	}
	// the box is what the person zooms for: keep it in view
	v.showBox(v.target)
}

// zoomBy multiplies the current scale by f.
func (v *docView) zoomBy(f float32) { v.setMode(zoomFixed, v.scale*f) }

// relayout computes the scale for the viewport and lays the pages out.
func (v *docView) relayout() {
	v.scale = v.scaleFor(v.scroll.Size())
	for _, p := range v.pages {
		p.scale = v.scale
	}
	v.col.Refresh()
	v.scroll.Refresh()
	if v.OnZoom != nil {
		v.OnZoom(v.scale)
	}
	v.requestVisible()
}

// scaleFor is the scale the mode gives in a viewport of size.
func (v *docView) scaleFor(size fyne.Size) float32 {
	pad := 2 * theme.Padding()
	// room for the vertical scroll bar, so fit-width never needs a
	// horizontal one
	vw, vh := size.Width-2*pad-theme.ScrollBarSize(), size.Height-2*pad
	if v.mode == zoomFixed || len(v.sizes) == 0 || vw <= 0 || vh <= 0 {
		if v.mode == zoomFixed {
			return v.zoom
		}
		return 1
	}
	if v.mode == zoomFitWidth {
		widest := 0.0
		for _, s := range v.sizes {
			widest = math.Max(widest, s[0])
		}
		return clampScale(float64(vw) / widest)
	}
	s := v.sizes[min(max(v.target, 1), len(v.sizes))-1]
	return clampScale(math.Min(float64(vw)/s[0], float64(vh)/s[1]))
}

func clampScale(s float64) float32 {
	return float32(math.Min(math.Max(s, minZoom/2), maxZoom))
}

// showPage makes page n the target and scrolls it to the top of the view.
func (v *docView) showPage(n int) {
	v.target = n
	if p := v.page(n); p != nil {
		if v.mode == zoomFitPage {
			v.relayout()
		}
		v.scroll.Offset = fyne.NewPos(v.scroll.Offset.X, p.Position().Y-theme.Padding())
		v.scroll.Refresh() // clamps the offset
		v.requestVisible()
	}
}

// showBox scrolls so that the box on page n is in the middle of the view
// (as far as the scroll goes), in both directions.
func (v *docView) showBox(n int) {
	p := v.page(n)
	if p == nil || !p.usable() {
		v.showPage(n)
		return
	}
	v.target = n
	b := p.boxRect()
	view := v.scroll.Size()
	x := p.Position().X + float32(b.X+b.W/2) - view.Width/2
	y := p.Position().Y + float32(b.Y+b.H/2) - view.Height/2
	v.scroll.Offset = fyne.NewPos(max(0, x), max(0, y))
	v.scroll.Refresh()
	v.requestVisible()
}

// requestVisible asks for the pages in view (and one either side, for
// smooth scrolling) to be drawn at the current scale, and drops the images
// of pages far away, since a page drawn wide takes megabytes.
func (v *docView) requestVisible() {
	if len(v.pages) == 0 || v.OnVisible == nil {
		return
	}
	top := v.scroll.Offset.Y
	bottom := top + v.scroll.Size().Height
	first, last := -1, -1
	for i, p := range v.pages {
		y := p.Position().Y
		if y+p.Size().Height >= top && y <= bottom {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 || v.scroll.Size().Height <= 0 {
		// not laid out yet: the target page
		first, last = v.target-1, v.target-1
	}
	first, last = max(first-1, 0), min(last+1, len(v.pages)-1)
	scale := v.canvasScale()
	for i, p := range v.pages {
		if i < first-2 || i > last+2 {
			if p.img != nil {
				p.img, v.drawn[i] = nil, 0
				p.Refresh()
			}
			continue
		}
		if i < first || i > last {
			continue
		}
		want := pixelWidth(v.sizes[i][0] * float64(v.scale*scale))
		if v.drawn[i] < want {
			v.OnVisible(i+1, want)
		}
	}
}

// canvasScale is pixels per screen unit on the window.
func (v *docView) canvasScale() float32 {
	if c := fyne.CurrentApp().Driver().CanvasForObject(v); c != nil {
		return c.Scale()
	}
	return 1
}

// wantWidth is the pixel width page n is drawn at for the current scale.
func (v *docView) wantWidth(n int) int {
	if n < 1 || n > len(v.sizes) {
		return renderBucket
	}
	return pixelWidth(v.sizes[n-1][0] * float64(v.scale*v.canvasScale()))
}

// pixelWidth is the width a page shown w pixels wide is drawn at: rounded
// up to renderBucket, within what the preview draws.
func pixelWidth(w float64) int {
	n := int(math.Ceil(w/renderBucket)) * renderBucket
	return min(max(n, renderBucket), 4000)
}

// heldObjects gives reveal the scroll of pages, so that Tab to a page
// scrolled out of sight brings it into view.
func (v *docView) heldObjects() []fyne.CanvasObject { return []fyne.CanvasObject{v.scroll} }

func (v *docView) CreateRenderer() fyne.WidgetRenderer {
	return &docViewRenderer{v: v}
}

type docViewRenderer struct {
	v    *docView
	last fyne.Size
}

func (r *docViewRenderer) Layout(size fyne.Size) {
	r.v.backdrop.Resize(size)
	r.v.scroll.Resize(size)
	if size != r.last {
		// a new viewport: fit modes scale again
		r.last = size
		r.v.relayout()
	}
}

func (r *docViewRenderer) MinSize() fyne.Size { return fyne.NewSize(120, 120) }
func (r *docViewRenderer) Refresh()           { r.v.scroll.Refresh() }
func (r *docViewRenderer) Destroy()           {}
func (r *docViewRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.v.backdrop, r.v.scroll}
}

// pagesLayout stacks the pages, centred, each at the view's scale.
type pagesLayout struct{ v *docView }

func (l *pagesLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	y := 2 * pad
	for _, o := range objs {
		m := o.MinSize()
		o.Resize(m)
		o.Move(fyne.NewPos(max((size.Width-m.Width)/2, 2*pad), y))
		y += m.Height + 2*pad
	}
}

func (l *pagesLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	w, h := float32(0), 2*pad
	for _, o := range objs {
		m := o.MinSize()
		w = max(w, m.Width)
		h += m.Height + 2*pad
	}
	return fyne.NewSize(w+4*pad, h)
}
