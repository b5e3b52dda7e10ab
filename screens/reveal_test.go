package screens

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// placeOf finds o on canvas c: its rectangle in the canvas and the part of
// the canvas its scrolls let be seen (the window, cut by each scroll around
// it). It walks every renderer, as the window draws, not reveal's walk.
func placeOf(c fyne.Canvas, o fyne.CanvasObject) (r, view rect, ok bool) {
	size := c.Size()
	window := rect{0, 0, size.Width, size.Height}
	var visit func(x fyne.CanvasObject, origin fyne.Position, clip rect) bool
	visit = func(x fyne.CanvasObject, origin fyne.Position, clip rect) bool {
		if x == nil || !x.Visible() {
			return false
		}
		pos := origin.Add(x.Position())
		xr := rect{pos.X, pos.Y, x.Size().Width, x.Size().Height}
		if x == o {
			r, view = xr, clip
			return true
		}
		if _, isScroll := x.(*container.Scroll); isScroll {
			clip = clip.intersect(xr)
		}
		var kids []fyne.CanvasObject
		switch w := x.(type) {
		case *fyne.Container:
			kids = w.Objects
		case fyne.Widget:
			kids = test.WidgetRenderer(w).Objects()
		}
		for _, ch := range kids {
			if visit(ch, pos, clip) {
				return true
			}
		}
		return false
	}
	if top := c.Overlays().Top(); top != nil {
		return r, view, visit(top, fyne.Position{}, window)
	}
	// the content sits in the window's padding
	origin := fyne.NewPos(theme.Padding(), theme.Padding()).Subtract(c.Content().Position())
	return r, view, visit(c.Content(), origin, window)
}

// walkFocus presses Tab through every focusable widget of the view (until
// the focus comes back to where it started) and returns, for each one that
// its scrolls leave out of sight, a line saying which and where.
func walkFocus(c fyne.Canvas) []string {
	wc := c.(test.WindowlessCanvas)
	var out []string
	var first fyne.Focusable
	for i := 0; i < 200; i++ {
		wc.FocusNext()
		f := c.Focused()
		if f == nil || f == first {
			break
		}
		if first == nil {
			first = f
		}
		o, ok := f.(fyne.CanvasObject)
		if !ok || fmt.Sprintf("%T", f) == "*widget.focusSelectable" {
			// a selectable label's focus part is private to Fyne and tells
			// nobody it got the focus: read-only text, left as Fyne has it
			continue
		}
		r, view, found := placeOf(c, o)
		if !found {
			continue
		}
		// the margin reveal keeps is not asked for; the widget itself is
		if !view.holds(r) && !(tallerThan(r, view) && view.intersect(r).h > 0 && view.intersect(r).w > 0) {
			out = append(out, fmt.Sprintf("Tab %d: %T %s at %v, the view is %v", i+1, f, describe(f), r, view))
		}
	}
	c.Unfocus()
	return out
}

// describe names a focused widget by its text, for a failure message.
func describe(f fyne.Focusable) string {
	switch w := f.(type) {
	case *button:
		return fmt.Sprintf("%q", w.Text)
	case *entry:
		return fmt.Sprintf("(entry %q, hint %q)", w.Text, w.PlaceHolder)
	}
	return ""
}

// scrolls lists every scroll under o, with its offset.
func scrolls(o fyne.CanvasObject, into map[*container.Scroll]fyne.Position) {
	if o == nil {
		return
	}
	if s, ok := o.(*container.Scroll); ok {
		into[s] = s.Offset
	}
	switch w := o.(type) {
	case *fyne.Container:
		for _, ch := range w.Objects {
			scrolls(ch, into)
		}
	case fyne.Widget:
		for _, ch := range test.WidgetRenderer(w).Objects() {
			scrolls(ch, into)
		}
	}
}

// checkFocus walks the view by keyboard and fails for each widget the
// focus reaches out of sight; the scrolls go back where they were, so
// that the walk leaves the view as it found it.
func (s *shooter) checkFocus(file string) {
	s.t.Helper()
	c := s.win.Canvas()
	offsets := map[*container.Scroll]fyne.Position{}
	for _, o := range append(c.Overlays().List(), c.Content()) {
		scrolls(o, offsets)
	}
	for _, line := range walkFocus(c) {
		s.t.Errorf("%s: %s", file, line)
	}
	for sc, off := range offsets {
		sc.ScrollToOffset(off)
	}
}

// tallerThan: r cannot fit in view, so seeing part of it is all reveal
// asks for.
func tallerThan(r, view rect) bool { return r.h > view.h || r.w > view.w }

// On a 1024x600 screen Buat Passphrase's consent lies below the fold: Tab
// scrolls the form down to it, and on the way back up with Shift+Tab
// every widget the focus reaches is in view. Fyne alone leaves the form
// where it is (the focus goes out of sight), so this fails without reveal.
func TestTabScrollsToFocused(t *testing.T) {
	h, _ := signReady(t)
	h.ui.tabs.Select(h.ui.akunTab)
	h.ui.account.showCreatePassphrase("")
	h.win.Resize(fyne.NewSize(1024, 600-menuBarHeight))
	settle(h.win.Content())
	h.wait()
	v := h.ui.account.create
	c := h.win.Canvas()
	scroll := formScroll(t, c, v.consent)
	c.Focus(v.pw.entry)
	if scroll.Offset.Y != 0 {
		t.Fatalf("the form starts scrolled to %v", scroll.Offset)
	}
	if _, view, _ := placeOf(c, v.consent); view.holds(rectOf(c, v.consent)) {
		t.Fatal("the consent is in view at the start: the window is too tall for this test")
	}
	tabTo(t, c, v.consent, 4)
	if r, view, ok := placeOf(c, v.consent); !ok || !view.holds(r) || scroll.Offset.Y == 0 {
		t.Fatalf("the focused consent at %v, the view %v (scrolled %v)", r, view, scroll.Offset)
	}
	for c.Focused() != v.pw.entry {
		c.(test.WindowlessCanvas).FocusPrevious()
		o := c.Focused().(fyne.CanvasObject)
		if r, view, _ := placeOf(c, o); !view.holds(r) {
			t.Fatalf("Shift+Tab to %T: at %v, the view %v", o, r, view)
		}
	}
	if out := walkFocus(c); len(out) > 0 {
		t.Fatalf("Tab through the form:\n%s", strings.Join(out, "\n"))
	}
}

// rectOf is o's rectangle in the canvas.
func rectOf(c fyne.Canvas, o fyne.CanvasObject) rect {
	r, _, _ := placeOf(c, o)
	return r
}

// formScroll is the scroll around o.
func formScroll(t *testing.T, c fyne.Canvas, o fyne.CanvasObject) *container.Scroll {
	t.Helper()
	var found []*container.Scroll
	for _, x := range focusPath(c, o) {
		if s, ok := x.(*container.Scroll); ok {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d scrolls around %T, want the form's one", len(found), o)
	}
	return found[0]
}
