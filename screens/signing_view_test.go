package screens

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/natunakab/besign/authority"
)

// "Tambah Dokumen" shows the row at once, with a spinner, before the file
// is read; its page count and the pages fill in once it is.
func TestSignAddShowsRowAtOnce(t *testing.T) {
	h, _ := signReady(t)
	tab := h.ui.sign
	dir := t.TempDir()
	a := writePDF(t, dir, "Nota Dinas.pdf", a4, a4)
	b := writePDF(t, dir, "Lampiran.pdf", a4)
	tab.addFiles([]string{a, b})
	// nothing delivered yet: both rows are there, reading
	if tab.list.Length() != 2 || len(tab.adding) != 2 || tab.empty.Visible() {
		t.Fatalf("right after adding: %d rows, %d being read, empty note %v", tab.list.Length(), len(tab.adding), tab.empty.Visible())
	}
	item := tab.list.CreateItem()
	tab.list.UpdateItem(0, item)
	if !containsText(item, "Nota Dinas.pdf") || !containsText(item, "Membaca dokumen...") {
		t.Fatal("the row being read does not name the file and say it is read")
	}
	h.wait()
	if len(tab.adding) != 0 || len(tab.docs) != 2 || tab.list.Length() != 2 {
		t.Fatalf("after reading: %d being read, %d queued", len(tab.adding), len(tab.docs))
	}
	if row := tab.row(0); !containsAll(row, "Nota Dinas.pdf", "2 halaman") {
		t.Fatalf("row %q", row)
	}
	if tab.preview.img == nil {
		t.Fatalf("no page drawn (%q)", shown(tab.previewMsg))
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// The document view: every page in a scroll, fit to the width by default,
// a whole page, or zoomed; the box is dragged at any zoom and stays in
// points; pages scrolled to are drawn; a thumbnail puts the signature on
// its page.
func TestSignDocumentView(t *testing.T) {
	h, _ := signReady(t)
	tab := h.ui.sign
	v := tab.view
	path := writePDF(t, t.TempDir(), "Laporan.pdf", a4, a4, testPage{w: 842, h: 595})
	h.ui.OpenFiles([]string{path})
	h.wait()
	if len(v.pages) != 3 || tab.preview != v.pages[0] || !v.pages[0].showBox || v.pages[1].showBox {
		t.Fatalf("%d pages shown; the box on page 1 only: %v %v", len(v.pages), v.pages[0].showBox, v.pages[1].showBox)
	}
	pad := 2 * theme.Padding()
	room := v.scroll.Size().Width - 2*pad - theme.ScrollBarSize()
	// fit width: the widest page (landscape, 842 points) fills the width
	if v.mode != zoomFitWidth || math.Abs(float64(v.pages[2].Size().Width-room)) > 1 {
		t.Fatalf("fit width: the landscape page is %v wide in %v", v.pages[2].Size().Width, room)
	}
	if tab.zoomLabel.Text != fmt.Sprintf("%d%%", int(math.Round(float64(v.scale)*100))) {
		t.Fatalf("zoom label %q at scale %v", tab.zoomLabel.Text, v.scale)
	}

	// a whole page fits the view
	h.tap(tab.fitPage)
	if s := v.pages[0].Size(); s.Height > v.scroll.Size().Height || s.Width > v.scroll.Size().Width {
		t.Fatalf("whole page: page 1 is %v in a view of %v", s, v.scroll.Size())
	}
	// zoom in twice, from the whole page
	before := v.scale
	h.tap(tab.zoomIn)
	h.tap(tab.zoomIn)
	if v.mode != zoomFixed || math.Abs(float64(v.scale-before*zoomStep*zoomStep)) > 0.001 {
		t.Fatalf("zoomed to %v from %v", v.scale, before)
	}
	h.wait()
	p := tab.preview
	if p.img == nil || p.Size().Width < float32(595)*v.scale-1 {
		t.Fatalf("page 1 at %v: %v wide, drawn %v", v.scale, p.Size().Width, p.img != nil)
	}
	if b := p.img.Bounds().Dx(); b < int(float32(595)*v.scale) {
		t.Fatalf("page 1 drawn %d px wide for %v on screen: blurred", b, p.Size().Width)
	}

	// drag the box at this zoom: it moves by the drag over the scale, in points
	was := h.queued()[0].Settings.Box
	r := p.boxRect()
	drag(p, fyne.NewPos(float32(r.X+r.W/2), float32(r.Y+r.H/2)), fyne.Delta{DX: -60, DY: -30})
	h.wait()
	got := h.queued()[0].Settings.Box
	s := float64(v.scale)
	if !near(got.X, was.X-60/s) || !near(got.Y, was.Y+30/s) || got.W != was.W || got.H != was.H {
		t.Fatalf("dragged at %v: %+v, was %+v", s, got, was)
	}

	// scrolling to the end draws the last page
	v.scroll.ScrollToBottom()
	h.wait()
	if v.pages[2].img == nil {
		t.Fatal("the last page was not drawn when scrolled to")
	}

	// thumbnails: drawn, and the second one puts the signature on page 2
	if len(tab.thumbs) == 0 {
		t.Fatal("no thumbnail drawn")
	}
	tab.thumbList.Select(1)
	h.wait()
	if st := h.queued()[0].Settings; st.Page != 2 || tab.preview != v.pages[1] || !v.pages[1].showBox || v.pages[0].showBox {
		t.Fatalf("after the thumbnail: page %d stored, box on page 2 %v, on page 1 %v", st.Page, v.pages[1].showBox, v.pages[0].showBox)
	}
	if tab.pageLabel.Text != "Halaman 2 dari 3" {
		t.Fatalf("page label %q", tab.pageLabel.Text)
	}
	// page 2 is in view
	top := v.scroll.Offset.Y
	if y := v.pages[1].Position().Y; y+v.pages[1].Size().Height < top || y > top+v.scroll.Size().Height {
		t.Fatalf("page 2 at %v, view from %v", y, top)
	}

	// fit width again after a zoom
	test.Tap(tab.fitWidth)
	h.wait()
	if v.mode != zoomFitWidth {
		t.Fatal("fit width not chosen")
	}
}

// A document of a kind placed before (same page count and first page
// size) gets the box where it was last put; another kind gets the default.
func TestSignRemembersBoxPerKind(t *testing.T) {
	h, _ := signReady(t)
	tab := h.ui.sign
	dir := t.TempDir()
	h.ui.OpenFiles([]string{writePDF(t, dir, "Undangan Januari.pdf", a4, a4)})
	h.wait()
	tab.setPage(2)
	h.wait()
	p := tab.preview
	r := p.boxRect()
	drag(p, fyne.NewPos(float32(r.X+r.W/2), float32(r.Y+r.H/2)), fyne.Delta{DX: -100, DY: -200})
	h.wait()
	placed := h.queued()[0].Settings
	if placed.Page != 2 || placed.Box == defaultBox(595, 842) {
		t.Fatalf("placed %+v", placed)
	}

	// two calls, as two drops: read side by side, queued in either order
	feb := writePDF(t, dir, "Undangan Februari.pdf", a4, a4)
	memo := writePDF(t, dir, "Memo.pdf", a4)
	h.ui.OpenFiles([]string{feb})
	h.ui.OpenFiles([]string{memo})
	h.wait()
	q := map[string]authority.SignatureSettings{}
	for _, d := range h.queued() {
		q[d.Path] = d.Settings
	}
	if len(q) != 3 {
		t.Fatalf("%d queued", len(q))
	}
	if s := q[feb]; s.Page != 2 || s.Box != placed.Box {
		t.Fatalf("same kind: %+v, want page 2 and %+v", s, placed.Box)
	}
	if s := q[memo]; s.Page != 1 || s.Box != defaultBox(595, 842) {
		t.Fatalf("another kind: %+v", s)
	}
}
