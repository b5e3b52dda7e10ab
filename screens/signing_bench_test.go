package screens

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/natunakab/besign/preview"
)

// BenchmarkAddDocument times "Tambah Dokumen" as a person sees it: from
// the click (addFiles, on the UI goroutine) to the document's row in the
// queue, and to its first page drawn in the preview. Results are run as
// they arrive, as the UI goroutine runs what fyne.Do hands it. Each
// document is a new two-page A4 letter on the real embedded authority.
//
//	running: the preview's runtime already started (a later document)
//	started: a new runtime per document whose compilation cache an earlier
//	         start filled (the first document after the app starts)
//	cold:    a new runtime with an empty cache (the first document ever:
//	         PDFium is compiled; about 2.5 s and 340 MB, run it -benchtime 3x)
func BenchmarkAddDocument(b *testing.B) {
	for _, name := range []string{"running", "started", "cold"} {
		fresh := name != "running"
		b.Run(name, func(b *testing.B) {
			h, _ := signReady(b)
			tab := h.ui.sign
			dir := b.TempDir()
			cache := filepath.Join(os.TempDir(), "besign-screens-test-wasm")
			// the runtime compiled and running once before timing
			h.ui.OpenFiles([]string{writePDF(b, dir, "pemanasan.pdf", a4)})
			h.wait()
			var toRow, toPreview time.Duration
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				path := writePDF(b, dir, fmt.Sprintf("surat-%d.pdf", i), a4, a4)
				if fresh {
					r := h.ui.opts.Preview
					tab.previews.closeAll()
					if r != testRenderer() {
						r.Close()
					}
					c := cache
					if name == "cold" {
						c = b.TempDir()
					}
					h.ui.opts.Preview = preview.New(c)
				}
				rows := tab.list.Length()
				b.StartTimer()

				start := time.Now()
				tab.addFiles([]string{path})
				h.q.runUntil(func() bool { return tab.list.Length() > rows })
				toRow += time.Since(start)
				h.q.runUntil(func() bool {
					d := tab.current()
					return d != nil && d.Path == path && tab.preview.img != nil
				})
				toPreview += time.Since(start)

				b.StopTimer()
				h.wait()
				h.tap(tab.remove) // keeps the queue short
				b.StartTimer()
			}
			b.ReportMetric(float64(toRow.Microseconds())/1000/float64(b.N), "ms-to-row")
			b.ReportMetric(float64(toPreview.Microseconds())/1000/float64(b.N), "ms-to-preview")
			if r := h.ui.opts.Preview; r != testRenderer() {
				r.Close()
			}
		})
	}
}

// runUntil runs results as they arrive, as the UI goroutine does, until
// done holds (checked after each), or fails after a minute.
func (q *results) runUntil(done func() bool) {
	deadline := time.Now().Add(time.Minute)
	for !done() {
		q.mu.Lock()
		fns := q.fns
		q.fns = nil
		q.mu.Unlock()
		for i, f := range fns {
			f()
			if done() {
				// the rest stays queued for the next call, in order
				q.mu.Lock()
				q.fns = append(append([]func(){}, fns[i+1:]...), q.fns...)
				q.mu.Unlock()
				return
			}
		}
		if time.Now().After(deadline) {
			panic("runUntil: nothing came within a minute")
		}
		if len(fns) == 0 {
			time.Sleep(100 * time.Microsecond)
		}
	}
}
