package preview

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// benchPage is an A4 page of text with a coloured box, drawn 800 pixels
// wide: a document's first page as the signing tab shows it.
var benchPage = page{media: [4]float64{0, 0, 595, 842}, fill: [4]float64{60, 60, 200, 80}, lines: 50}

const benchWidth = 800

// firstPreview opens path on a new renderer with cacheDir and draws page
// 1: what the user waits for after adding the first document.
func firstPreview(b *testing.B, cacheDir, path string) {
	r := New(cacheDir)
	defer r.Close()
	d, err := r.Open(path, "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := d.Render(1, benchWidth); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkFirstPreviewCold: the first preview ever, with an empty cache
// directory (wazero compiles PDFium).
func BenchmarkFirstPreviewCold(b *testing.B) {
	path := benchPage.write(b)
	for b.Loop() {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "cache")
		b.StartTimer()
		firstPreview(b, dir, path)
	}
}

// BenchmarkFirstPreviewWarm: the first preview of a later app start, the
// cache directory filled by an earlier one.
func BenchmarkFirstPreviewWarm(b *testing.B) {
	path := benchPage.write(b)
	dir := filepath.Join(b.TempDir(), "cache")
	firstPreview(b, dir, path)
	for b.Loop() {
		firstPreview(b, dir, path)
	}
}

// BenchmarkFirstPreviewNoCache: the first preview when the cache directory
// cannot be used (every start compiles).
func BenchmarkFirstPreviewNoCache(b *testing.B) {
	path := benchPage.write(b)
	for b.Loop() {
		firstPreview(b, "", path)
	}
}

// BenchmarkLaterDocument: adding another document once the runtime runs:
// open it and draw its first page.
func BenchmarkLaterDocument(b *testing.B) {
	path := benchPage.write(b)
	r := New(filepath.Join(b.TempDir(), "cache"))
	defer r.Close()
	d, err := r.Open(path, "")
	if err != nil {
		b.Fatal(err)
	}
	d.Close()
	for b.Loop() {
		d, err := r.Open(path, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.Render(1, benchWidth); err != nil {
			b.Fatal(err)
		}
		d.Close()
	}
}

// BenchmarkRenderPage: another page of an open document.
func BenchmarkRenderPage(b *testing.B) {
	path := benchPage.write(b)
	r := New("")
	defer r.Close()
	d, err := r.Open(path, "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := d.Render(1, benchWidth); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWarm: Renderer.Warm on a filled cache, what the signing tab
// starts in the background when it is shown (loading the compiled code
// and starting one instance).
func BenchmarkWarm(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "cache")
	if err := FillCache(dir); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r := New(dir)
		r.Warm()
		b.StopTimer()
		r.Close()
		b.StartTimer()
	}
}

// BenchmarkFirstPreviewWarmed: the first preview after an app start once
// the signing tab warmed the renderer: open + draw on the idle instance.
func BenchmarkFirstPreviewWarmed(b *testing.B) {
	path := benchPage.write(b)
	dir := filepath.Join(b.TempDir(), "cache")
	if err := FillCache(dir); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.StopTimer()
		r := New(dir)
		r.Warm()
		b.StartTimer()
		d, err := r.Open(path, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.Render(1, benchWidth); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		r.Close()
		b.StartTimer()
	}
}

// TestWriteBenchPage writes the benchmarks' page to BESIGN_BENCH_PAGE, for
// scripts/bench-preview.sh to time pdftoppm on the same page.
func TestWriteBenchPage(t *testing.T) {
	out := os.Getenv("BESIGN_BENCH_PAGE")
	if out == "" {
		t.Skip("for scripts/bench-preview.sh")
	}
	if err := os.WriteFile(out, benchPage.pdf(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkFirstPreviewFilling: the first preview after installing, while
// the app's first start fills the cache in its child process (Fill): the
// interpreter starts and draws the page. The child's compilation is left
// out (fill waits): it runs on the other core meanwhile. peak-MB is the
// process's peak resident memory once the page is drawn (Linux; run it
// alone, with -benchtime 1x): what the interpreter costs the app, before
// Fill ends (this fill fills nothing, so the compiled runtime that Fill
// then starts compiles in this process).
func BenchmarkFirstPreviewFilling(b *testing.B) {
	path := benchPage.write(b)
	var peak float64
	for b.Loop() {
		b.StopTimer()
		r := New(filepath.Join(b.TempDir(), "cache"))
		release := make(chan struct{})
		filled := make(chan error, 1)
		go func() { filled <- r.Fill(func(string) error { <-release; return nil }) }()
		for !filling(r) {
			runtime.Gosched()
		}
		b.StartTimer()
		d, err := r.Open(path, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.Render(1, benchWidth); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		peak = max(peak, peakMB())
		close(release)
		<-filled
		d.Close()
		r.Close()
		b.StartTimer()
	}
	if peak > 0 {
		b.ReportMetric(peak, "peak-MB")
	}
}

// peakMB is the process's peak resident memory so far (VmHWM), 0 where
// /proc does not tell it.
func peakMB() float64 {
	st, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(st)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}
