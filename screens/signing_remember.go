package screens

import (
	"encoding/json"
	"fmt"
	"math"

	"fyne.io/fyne/v2"

	"github.com/natunakab/besign/authority"
)

// Remembering the box per kind of document: letters of one kind (same page
// count, same first page size) carry their signature line in the same
// place, so a new document of a kind signed before gets the box, and its
// page, where the person last put it. The places are kept in the app's
// preferences, per account; they say nothing secret (a page number and a
// rectangle).

// maxRememberedKinds bounds the preference's size.
const maxRememberedKinds = 50

// placedBox is where the box went on a kind of document.
type placedBox struct {
	Page int           `json:"page"`
	Box  authority.Box `json:"box"`
	// Seq orders the entries, to drop the oldest past the bound.
	Seq int64 `json:"seq"`
}

// boxMemory is the remembered places by kind (documentKind).
type boxMemory map[string]placedBox

// documentKind names a kind of document: its page count and first page's
// size in whole points.
func documentKind(pages int, first [2]float64) string {
	return fmt.Sprintf("%d:%.0fx%.0f", pages, math.Round(first[0]), math.Round(first[1]))
}

// lookup returns the place remembered for a document with page sizes.
func (m boxMemory) lookup(sizes [][2]float64) (int, authority.Box, bool) {
	if len(sizes) == 0 {
		return 0, authority.Box{}, false
	}
	p, ok := m[documentKind(len(sizes), sizes[0])]
	if !ok || p.Page < 1 || p.Page > len(sizes) {
		return 0, authority.Box{}, false
	}
	s := sizes[p.Page-1]
	return p.Page, clampBox(p.Box, s[0], s[1]), true
}

// boxPrefKey is the preference holding the account's places.
func (t *signTab) boxPrefKey() string {
	if t.u.state.session == nil {
		return ""
	}
	return fmt.Sprintf("signing.boxes.%d", t.u.state.session.Account.ID)
}

// rememberedBoxes reads the signed-in account's places; none when there
// is no app or the preference cannot be read.
func (t *signTab) rememberedBoxes() boxMemory {
	m := boxMemory{}
	key := t.boxPrefKey()
	a := fyne.CurrentApp()
	if key == "" || a == nil {
		return m
	}
	if err := json.Unmarshal([]byte(a.Preferences().String(key)), &m); err != nil {
		return boxMemory{} // none kept yet, or damaged: start again
	}
	return m
}

// rememberBox keeps the selected document's box as its kind's place.
func (t *signTab) rememberBox() {
	d := t.current()
	key := t.boxPrefKey()
	a := fyne.CurrentApp()
	if d == nil || d.Settings.Invisible || key == "" || a == nil {
		return
	}
	first, ok := t.file(d.Path).sizes[1]
	if !ok {
		return
	}
	m := t.rememberedBoxes()
	var seq int64
	oldest := ""
	for k, p := range m {
		seq = max(seq, p.Seq)
		if oldest == "" || p.Seq < m[oldest].Seq {
			oldest = k
		}
	}
	kind := documentKind(d.Pages, first)
	if _, ok := m[kind]; !ok && len(m) >= maxRememberedKinds {
		delete(m, oldest)
	}
	m[kind] = placedBox{Page: d.Settings.Page, Box: d.Settings.Box, Seq: seq + 1}
	if b, err := json.Marshal(m); err == nil {
		a.Preferences().SetString(key, string(b))
	}
}
