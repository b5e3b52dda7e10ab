package screens

import (
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/natunakab/besign/authority"
)

func near(a, b float64) bool { return math.Abs(a-b) < 0.02 }

func nearBox(a, b authority.Box) bool {
	return near(a.X, b.X) && near(a.Y, b.Y) && near(a.W, b.W) && near(a.H, b.H)
}

// The box goes from screen units (y down, on the page as drawn) to PDF
// points (y up, origin bottom-left of the page as displayed) and back, for
// portrait pages, landscape ones and pages whose /Rotate makes them
// landscape (the preview's PageSize gives their displayed size).
func TestBoxConversion(t *testing.T) {
	for _, c := range []struct {
		name         string
		pageW, pageH float64
		area         fyne.Size
	}{
		{"A4 portrait", 595, 842, fyne.NewSize(400, 600)},
		{"A4 rotated 90 (shown landscape)", 842, 595, fyne.NewSize(400, 600)},
		{"crop box 500x700", 500, 700, fyne.NewSize(900, 500)},
		{"rotated 270 crop box", 700, 500, fyne.NewSize(900, 500)},
	} {
		t.Run(c.name, func(t *testing.T) {
			pg := fitRect(c.pageW, c.pageH, c.area)
			// the page fills the area one way and keeps its aspect
			if !near(pg.W/pg.H, c.pageW/c.pageH) || (!near(pg.W, float64(c.area.Width)) && !near(pg.H, float64(c.area.Height))) {
				t.Fatalf("fit %+v in %v", pg, c.area)
			}
			if pg.X < -0.01 || pg.Y < -0.01 || pg.X+pg.W > float64(c.area.Width)+0.01 || pg.Y+pg.H > float64(c.area.Height)+0.01 {
				t.Fatalf("page %+v outside the area %v", pg, c.area)
			}
			s := pg.W / c.pageW
			// the screen's top-left corner of the page is (0, pageH) in points
			b := screenToBox(screenRect{X: pg.X, Y: pg.Y, W: 180 * s, H: 60 * s}, c.pageW, c.pageH, pg)
			if want := (authority.Box{X: 0, Y: c.pageH - 60, W: 180, H: 60}); !nearBox(b, want) {
				t.Fatalf("top-left box = %+v, want %+v", b, want)
			}
			// its bottom-right corner is (pageW, 0)
			b = screenToBox(screenRect{X: pg.X + pg.W - 100*s, Y: pg.Y + pg.H - 40*s, W: 100 * s, H: 40 * s}, c.pageW, c.pageH, pg)
			if want := (authority.Box{X: c.pageW - 100, Y: 0, W: 100, H: 40}); !nearBox(b, want) {
				t.Fatalf("bottom-right box = %+v, want %+v", b, want)
			}
			// and back
			for _, box := range []authority.Box{{X: 36, Y: 36, W: 180, H: 60}, {X: 10.5, Y: c.pageH - 70, W: 50, H: 20}, defaultBox(c.pageW, c.pageH)} {
				r := boxToScreen(box, c.pageW, c.pageH, pg)
				if got := screenToBox(r, c.pageW, c.pageH, pg); !nearBox(got, box) {
					t.Fatalf("round trip %+v -> %+v -> %+v", box, r, got)
				}
				if r.Y+r.H > pg.Y+pg.H+0.01 || r.X < pg.X-0.01 {
					t.Fatalf("box %+v drawn off the page %+v at %+v", box, pg, r)
				}
			}
		})
	}
}

func TestDefaultBoxAndClamp(t *testing.T) {
	b := defaultBox(595, 842)
	if b != (authority.Box{X: 595 - 36 - 180, Y: 36, W: 180, H: 60}) {
		t.Fatalf("A4 default box %+v", b)
	}
	// a small page gets a smaller box, still on it
	b = defaultBox(200, 100)
	if b.X < 0 || b.Y < 0 || b.X+b.W > 200 || b.Y+b.H > 100 || b.W > 100 || b.H > 25.01 {
		t.Fatalf("small page default box %+v", b)
	}
	// unknown page: bottom-left, which fits any page
	if b := defaultBox(0, 0); b.X != 36 || b.Y != 36 {
		t.Fatalf("unknown page default box %+v", b)
	}
	for _, c := range []struct{ in, want authority.Box }{
		{authority.Box{X: -10, Y: -5, W: 100, H: 50}, authority.Box{X: 0, Y: 0, W: 100, H: 50}},
		{authority.Box{X: 550, Y: 800, W: 100, H: 50}, authority.Box{X: 495, Y: 792, W: 100, H: 50}},
		{authority.Box{X: 10, Y: 10, W: 5, H: 2}, authority.Box{X: 10, Y: 10, W: minBoxW, H: minBoxH}},
		{authority.Box{X: 10, Y: 10, W: 900, H: 2000}, authority.Box{X: 0, Y: 0, W: 595, H: 842}},
	} {
		if got := clampBox(c.in, 595, 842); got != c.want {
			t.Errorf("clamp %+v = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// previewOn returns a preview 400x400 units showing a 400x400 points page
// (one unit per point, y flipped) with the box at (100,100) 100x50.
func previewOn(t *testing.T) (*pagePreview, *[]authority.Box) {
	t.Helper()
	p := newPagePreview()
	p.Resize(fyne.NewSize(400, 400))
	p.set(nil, 400, 400, authority.Box{X: 100, Y: 100, W: 100, H: 50}, true)
	var saved []authority.Box
	p.OnChanged = func(b authority.Box) { saved = append(saved, b) }
	return p, &saved
}

// drag plays a mouse drag on the preview from start by steps.
func drag(p *pagePreview, start fyne.Position, steps ...fyne.Delta) {
	pos := start
	for _, d := range steps {
		pos = pos.Add(d)
		p.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: pos}, Dragged: d})
	}
	p.DragEnd()
}

func TestPreviewDragMovesAndResizes(t *testing.T) {
	p, saved := previewOn(t)
	// the box is drawn at x 100..200, y 250..300 (screen, y down)
	if r := p.boxRect(); !near(r.X, 100) || !near(r.Y, 250) || !near(r.W, 100) || !near(r.H, 50) {
		t.Fatalf("box drawn at %+v", r)
	}
	// move: grab inside, drag right 30 and up 20 in two moves; saved once
	drag(p, fyne.NewPos(150, 270), fyne.Delta{DX: 10, DY: -5}, fyne.Delta{DX: 20, DY: -15})
	want := authority.Box{X: 130, Y: 120, W: 100, H: 50}
	if len(*saved) != 1 || !nearBox((*saved)[0], want) || !nearBox(p.box, want) {
		t.Fatalf("after a move: saved %+v, box %+v, want %+v", *saved, p.box, want)
	}
	// resize: grab the bottom-right handle (230, 280 on screen); the
	// top-left corner stays
	drag(p, fyne.NewPos(230, 280), fyne.Delta{DX: 40, DY: 30})
	want = authority.Box{X: 130, Y: 90, W: 140, H: 80}
	if len(*saved) != 2 || !nearBox(p.box, want) {
		t.Fatalf("after a resize: %+v, want %+v", p.box, want)
	}
	// a drag that starts outside the box does nothing and saves nothing
	drag(p, fyne.NewPos(10, 10), fyne.Delta{DX: 50, DY: 50})
	if len(*saved) != 2 || !nearBox(p.box, want) {
		t.Fatalf("a drag outside moved the box: %+v", p.box)
	}
	// the box stays on the page however far it is dragged
	drag(p, fyne.NewPos(150, 270), fyne.Delta{DX: 1000, DY: 1000})
	if !nearBox(p.box, authority.Box{X: 260, Y: 0, W: 140, H: 80}) {
		t.Fatalf("dragged off the page: %+v", p.box)
	}
	drag(p, fyne.NewPos(300, 360), fyne.Delta{DX: -1000, DY: -1000})
	if !nearBox(p.box, authority.Box{X: 0, Y: 320, W: 140, H: 80}) {
		t.Fatalf("dragged off the top-left: %+v", p.box)
	}
	// a resize past the minimum stops at it
	r := p.boxRect()
	drag(p, fyne.NewPos(float32(r.X+r.W), float32(r.Y+r.H)), fyne.Delta{DX: -500, DY: -500})
	if !near(p.box.W, minBoxW) || !near(p.box.H, minBoxH) || !near(p.box.Y+p.box.H, 400) {
		t.Fatalf("resized below the minimum: %+v", p.box)
	}
	// an invisible signature has no box to drag
	p.set(nil, 400, 400, p.box, false)
	before := len(*saved)
	drag(p, fyne.NewPos(20, 20), fyne.Delta{DX: 30, DY: 30})
	if len(*saved) != before {
		t.Fatal("an invisible signature's box was dragged")
	}
}

func TestPreviewKeys(t *testing.T) {
	p, saved := previewOn(t)
	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	if want := (authority.Box{X: 105, Y: 105, W: 100, H: 50}); p.box != want || len(*saved) != 2 {
		t.Fatalf("arrows: %+v (saved %d), want %+v", p.box, len(*saved), want)
	}
	p.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	// Shift: wider and taller downwards, the top edge stays at 155
	if want := (authority.Box{X: 105, Y: 100, W: 105, H: 55}); p.box != want {
		t.Fatalf("shift+arrows: %+v, want %+v", p.box, want)
	}
	p.KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	for range 200 {
		p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyLeft})
	}
	if p.box.X != 0 {
		t.Fatalf("arrow keys moved the box off the page: %+v", p.box)
	}
	n := len(*saved)
	p.TypedKey(&fyne.KeyEvent{Name: fyne.KeyA})
	if len(*saved) != n {
		t.Fatal("a letter changed the box")
	}
}
