package screens

import (
	"reflect"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Fyne's scroll containers do not follow the keyboard focus: Tab into a
// field below the fold leaves it out of sight, and on a 1024x600 screen
// most forms have one. reveal, called from our keyboard widgets'
// FocusGained, scrolls every container.Scroll around the focused widget
// just enough to bring it into view.

// revealMargin is the room kept around the revealed widget, so that the
// focus ring (drawn just outside a button) and the field's label above an
// entry's box stay in view too. A function: the theme is known only once
// the app runs.
func revealMargin() float32 { return theme.Padding() * 2 }

// reveal scrolls the scrolls that hold o, innermost first, so that o lies
// inside each one's view. A widget that is in no scroll, or not on a
// canvas, is left alone. It runs again once the event in hand is done: a
// view shown with its first field focused, or a tab selected, is laid out
// in its place only then.
func reveal(o fyne.CanvasObject) {
	revealNow(o)
	if a := fyne.CurrentApp(); a != nil {
		a.Driver().DoFromGoroutine(func() { revealNow(o) }, false)
	}
}

func revealNow(o fyne.CanvasObject) {
	a := fyne.CurrentApp()
	if a == nil || o == nil {
		return
	}
	path := focusPath(a.Driver().CanvasForObject(o), o)
	if path == nil {
		// a view shown a moment ago is not yet known to the driver's
		// object-to-canvas cache (filled as frames are drawn): look in
		// every window
		for _, w := range a.Driver().AllWindows() {
			if path = focusPath(w.Canvas(), o); path != nil {
				break
			}
		}
	}
	for i := len(path) - 1; i >= 0; i-- {
		if s, ok := path[i].(*container.Scroll); ok {
			scrollTo(s, path[i+1:], o)
		}
	}
}

// scrollTo moves s's offset the least that shows o in s's view (the top of
// o when o is taller than the view); below is the chain from s's content
// down to o, whose positions (each in its parent) add up to o's place in
// s's view: the driver's absolute positions are not known yet for a view
// just shown.
func scrollTo(s *container.Scroll, below []fyne.CanvasObject, o fyne.CanvasObject) {
	var at fyne.Position
	for _, x := range below {
		at = at.Add(x.Position())
	}
	off := s.Offset
	view := s.Size()
	size := o.Size()
	if view.IsZero() {
		return // not laid out yet: the second pass (see reveal) does it
	}
	if s.Direction != container.ScrollHorizontalOnly && s.Direction != container.ScrollNone {
		off.Y = revealAxis(off.Y, at.Y, size.Height, view.Height)
	}
	if s.Direction != container.ScrollVerticalOnly && s.Direction != container.ScrollNone {
		off.X = revealAxis(off.X, at.X, size.Width, view.Width)
	}
	if off != s.Offset {
		// ScrollToOffset keeps the offset within the content
		s.ScrollToOffset(off)
	}
}

// revealAxis is the new offset along one axis: at is o's place in the view,
// n its length, view the view's length.
func revealAxis(off, at, n, view float32) float32 {
	m := revealMargin()
	top, bottom := at-m, at+n+m
	if bottom-top > view && at < view && at+n > 0 {
		// taller than the view (a page) and partly seen already: a click
		// on it must not make it jump
		return off
	}
	switch {
	case top < 0 || bottom-top > view:
		return max(0, off+top)
	case bottom > view:
		return off + bottom - view
	}
	return off
}

// focusPath is the chain of objects from the canvas's root (the top
// dialog first, then the window's content) down to o, or nil when o was
// not found. It walks the containers and the widgets the screens build
// layouts with; a widget's private parts are not reachable, but the focus
// never rests on those that hold a scroll.
func focusPath(c fyne.Canvas, o fyne.CanvasObject) []fyne.CanvasObject {
	if c == nil {
		return nil
	}
	var roots []fyne.CanvasObject
	list := c.Overlays().List()
	for i := len(list) - 1; i >= 0; i-- {
		roots = append(roots, list[i])
	}
	roots = append(roots, c.Content())
	for _, r := range roots {
		if p := pathTo(r, o, nil); p != nil {
			return p
		}
	}
	return nil
}

func pathTo(from, o fyne.CanvasObject, path []fyne.CanvasObject) []fyne.CanvasObject {
	if from == nil || !from.Visible() {
		return nil
	}
	path = append(path, from)
	if from == o {
		return path
	}
	for _, ch := range children(from) {
		if p := pathTo(ch, o, path); p != nil {
			return p
		}
	}
	return nil
}

// holder is a widget of ours that lays out other objects, for the walk.
type holder interface {
	heldObjects() []fyne.CanvasObject
}

// children are the objects o lays out, as far as they can be known from
// outside its renderer.
func children(o fyne.CanvasObject) []fyne.CanvasObject {
	switch w := o.(type) {
	case *fyne.Container:
		return w.Objects
	case *container.Scroll:
		return []fyne.CanvasObject{w.Content}
	case *widget.PopUp:
		return []fyne.CanvasObject{w.Content}
	case *container.AppTabs:
		if sel := w.Selected(); sel != nil {
			return []fyne.CanvasObject{sel.Content}
		}
	case *container.DocTabs:
		if sel := w.Selected(); sel != nil {
			return []fyne.CanvasObject{sel.Content}
		}
	case *container.Split:
		return []fyne.CanvasObject{w.Leading, w.Trailing}
	case *widget.Card:
		return []fyne.CanvasObject{w.Content}
	case *widget.Form:
		objs := make([]fyne.CanvasObject, 0, len(w.Items))
		for _, it := range w.Items {
			objs = append(objs, it.Widget)
		}
		return objs
	case holder:
		return w.heldObjects()
	}
	// Fyne's own holders whose type is not exported (the overlay around a
	// dialog's pop-up) still name what they hold Content
	if v := reflect.ValueOf(o); v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
		if f := v.Elem().FieldByName("Content"); f.IsValid() && f.CanInterface() {
			if c, ok := f.Interface().(fyne.CanvasObject); ok && c != nil {
				return []fyne.CanvasObject{c}
			}
		}
	}
	return nil
}
