package screens

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/natunakab/besign/filechooser"
)

// chooser answers file dialogs as the desktop's would, recording what was
// asked (filechooser's own tests run the portal on a real D-Bus).
type chooser struct {
	mu    sync.Mutex
	asked []filechooser.Options
	paths []string
	err   error
}

func (c *chooser) open(_ context.Context, o filechooser.Options) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, o)
	return c.paths, c.err
}

// Tambah Dokumen through the desktop's dialog queues every PDF chosen, and
// asked for several PDFs; Pilih Folder asks for a folder; a cancel does
// nothing; no native dialog gives Fyne's.
func TestNativeFileDialog(t *testing.T) {
	h, _ := signReady(t)
	tab := h.ui.sign
	dir := t.TempDir()
	a, b := writePDF(t, dir, "a.pdf", a4), writePDF(t, dir, "b.pdf", a4)
	c := &chooser{paths: []string{a, b}}
	h.ui.opts.FileChooser = c.open
	h.tap(tab.add)
	h.wait()
	if q := h.queued(); len(q) != 2 || q[0].Path != a || q[1].Path != b {
		t.Fatalf("queued %+v", q)
	}
	o := c.asked[0]
	if !o.Multiple || o.Title != "Tambah Dokumen" || len(o.Filters) != 1 || o.Filters[0].Name != "PDF" ||
		!slices.Equal(o.Filters[0].Patterns, []string{"*.pdf", "*.PDF"}) {
		t.Fatalf("asked %+v", o)
	}
	if len(h.win.Canvas().Overlays().List()) != 0 {
		t.Fatal("a Fyne dialog beside the native one")
	}
	// the signed copy's folder
	out := filepath.Join(dir, "keluar")
	c.paths = []string{out}
	tab.chooseFolder()
	h.wait()
	if !c.asked[1].Directory || tab.current().Settings.OutputDir != out {
		t.Fatalf("folder: asked %+v, set %q", c.asked[1], tab.current().Settings.OutputDir)
	}
	// an old portal that chose a file for a folder: its folder
	c.paths = []string{a}
	tab.chooseFolder()
	h.wait()
	if tab.current().Settings.OutputDir != dir {
		t.Fatalf("a file chosen as the folder: set %q", tab.current().Settings.OutputDir)
	}
	// cancelled: nothing
	c.paths, c.err = nil, filechooser.ErrCancelled
	h.tap(tab.add)
	h.wait()
	if len(h.queued()) != 2 || len(h.win.Canvas().Overlays().List()) != 0 {
		t.Fatal("a cancelled dialog did something")
	}
	// no portal: Fyne's dialog
	c.err = filechooser.ErrUnavailable
	h.tap(tab.add)
	h.wait()
	if len(h.win.Canvas().Overlays().List()) != 1 {
		t.Fatal("no fallback dialog")
	}
}
