package preview

import (
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpki"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
)

var (
	sharedOnce sync.Once
	sharedR    *Renderer
	sharedDir  string
)

// TestMain removes the shared renderer's cache.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	code := m.Run()
	if sharedR != nil {
		sharedR.Close()
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// shared is one started renderer for the tests that only need rendering.
func shared(t testing.TB) *Renderer {
	cacheDir()
	return sharedR
}

// cacheDir is the shared renderer's cache directory, for tests that need a
// renderer of their own but not a compilation of PDFium each.
func cacheDir() string {
	sharedOnce.Do(func() {
		sharedDir, _ = os.MkdirTemp("", "preview-cache-")
		sharedR = New(sharedDir)
	})
	return sharedDir
}

func open(t testing.TB, r *Renderer, path, password string) *Document {
	t.Helper()
	d, err := r.Open(path, password)
	if err != nil {
		t.Fatalf("open %s: %v", filepath.Base(path), err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestPlacement draws a red rectangle at known coordinates on pages with
// /Rotate 0, 90, 180, 270 (on the page or inherited), crop boxes offset
// from the media box and a media box away from the origin, and checks
// PageSize and where the rectangle lands in Render's image and in
// poppler's rendering of the same file.
func TestPlacement(t *testing.T) {
	crop := &[4]float64{50, 70, 550, 770}
	cases := map[string]page{
		"plain":            {media: [4]float64{0, 0, 600, 800}, fill: [4]float64{100, 200, 150, 60}},
		"crop":             {media: [4]float64{0, 0, 600, 800}, crop: crop, fill: [4]float64{100, 200, 150, 60}},
		"rot90-crop":       {media: [4]float64{0, 0, 600, 800}, crop: crop, rot: 90, fill: [4]float64{100, 200, 150, 60}},
		"rot180-crop":      {media: [4]float64{0, 0, 600, 800}, crop: crop, rot: 180, fill: [4]float64{100, 200, 150, 60}},
		"rot270-crop":      {media: [4]float64{0, 0, 600, 800}, crop: crop, rot: 270, fill: [4]float64{100, 200, 150, 60}},
		"rot90-inherited":  {media: [4]float64{0, 0, 595, 842}, rot: 90, inherit: true, fill: [4]float64{40, 600, 200, 100}},
		"rot270-inherited": {media: [4]float64{0, 0, 595, 842}, rot: 270, inherit: true, fill: [4]float64{40, 600, 200, 100}},
		"media-offset":     {media: [4]float64{-100, -50, 500, 750}, rot: 90, fill: [4]float64{0, 0, 120, 80}},
		// The crop box sticks out of the media box: it is clipped.
		"crop-clipped": {media: [4]float64{0, 0, 600, 800}, crop: &[4]float64{300, -100, 700, 500}, rot: 270, fill: [4]float64{350, 50, 100, 200}},
	}
	r := shared(t)
	const scale = 1.5
	for name, pg := range cases {
		t.Run(name, func(t *testing.T) {
			path := pg.write(t)
			d := open(t, r, path, "")
			if d.Pages() != 1 {
				t.Fatalf("pages %d, want 1", d.Pages())
			}
			w, h, err := d.PageSize(1)
			if err != nil {
				t.Fatal(err)
			}
			ww, wh := pg.displayedSize()
			if abs(w-ww) > 0.01 || abs(h-wh) > 0.01 {
				t.Fatalf("PageSize %g x %g, want %g x %g", w, h, ww, wh)
			}
			img, err := d.Render(1, int(ww*scale))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != int(ww*scale) || abs(float64(b.Dy())-wh*scale) > 1 {
				t.Fatalf("image %v, want %g x %g", b, ww*scale, wh*scale)
			}
			want := pixels(pg.displayedFill(), wh, scale)
			if got := bounds(img, isRed); !near(got, want, 2) {
				t.Fatalf("rectangle drawn at %v, want %v", got, want)
			}
			if got := bounds(pdftoppm(t, path, scale), isRed); !near(got, want, 2) {
				t.Fatalf("pdftoppm draws the rectangle at %v, want %v", got, want)
			}
		})
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestSignedBoxShows signs rotated pages with a visible signature at a
// pdfsign.Rect and checks that Render's image of the signed PDF shows the
// stamp at the pixels that Rect predicts: the two packages share the
// displayed-page space.
func TestSignedBoxShows(t *testing.T) {
	pki := testpki.New(testpki.LeafOptions{})
	r := shared(t)
	box := pdfsign.Rect{X: 60, Y: 40, W: 240, H: 80}
	for _, rot := range []int{0, 90, 270} {
		t.Run(fmt.Sprint(rot), func(t *testing.T) {
			pg := page{media: [4]float64{0, 0, 600, 800}, crop: &[4]float64{50, 70, 550, 770}, rot: rot}
			in := pg.write(t)
			out := filepath.Join(t.TempDir(), "signed.pdf")
			err := pdfsign.SignFile(in, out, pdfsign.Options{Signer: pki.Key, Chain: pki.Chain(),
				Appearance: &pdfsign.Appearance{Rect: box, QR: "https://example.org/v/1"}}, pdfsign.FileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			d := open(t, r, out, "")
			w, h, err := d.PageSize(1)
			if err != nil {
				t.Fatal(err)
			}
			const scale = 2
			img, err := d.Render(1, int(w*scale))
			if err != nil {
				t.Fatal(err)
			}
			want := pixels([4]float64{box.X, box.Y, box.W, box.H}, h, scale)
			if got := bounds(img, isDark); !near(got, want, 3) {
				t.Fatalf("signature drawn at %v, want %v", got, want)
			}
		})
	}
}

// TestPassword: an encrypted PDF (qpdf --encrypt) needs its user or owner
// password.
func TestPassword(t *testing.T) {
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf not installed")
	}
	plain := page{media: [4]float64{0, 0, 300, 400}, fill: [4]float64{10, 10, 50, 50}}.write(t)
	enc := filepath.Join(t.TempDir(), "enc.pdf")
	if out, err := exec.Command("qpdf", "--encrypt", "kunci-user", "kunci-owner", "256", "--", plain, enc).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, out)
	}
	r := shared(t)
	for _, pw := range []string{"", "salah"} {
		if d, err := r.Open(enc, pw); !errors.Is(err, ErrPassword) {
			if d != nil {
				d.Close()
			}
			t.Fatalf("password %q: got %v, want ErrPassword", pw, err)
		}
	}
	for _, pw := range []string{"kunci-user", "kunci-owner"} {
		d := open(t, r, enc, pw)
		img, err := d.Render(1, 300)
		if err != nil {
			t.Fatal(err)
		}
		if got := bounds(img, isRed); !near(got, image.Rect(10, 340, 60, 390), 1) {
			t.Fatalf("password %q: rectangle at %v", pw, got)
		}
	}
}

// TestNotPDF: files that are not PDFs, or too little of one, are ErrNotPDF
// with a lowercase reason; a missing file keeps its os error.
func TestNotPDF(t *testing.T) {
	r := shared(t)
	good := page{media: [4]float64{0, 0, 300, 400}}.pdf()
	dir := t.TempDir()
	files := map[string][]byte{
		"empty":     nil,
		"text":      []byte("Surat Keputusan Bupati Natuna\n"),
		"garbage":   []byte(strings.Repeat("\x00\xff\x13\x37", 4000)),
		"header":    []byte("%PDF-1.7\n"),
		"truncated": good[:40],
		"png":       []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
	}
	for name, data := range files {
		path := filepath.Join(dir, name+".pdf")
		os.WriteFile(path, data, 0o600)
		d, err := r.Open(path, "")
		if !errors.Is(err, ErrNotPDF) {
			if d != nil {
				d.Close()
			}
			t.Errorf("%s: got %v, want ErrNotPDF", name, err)
			continue
		}
		if msg := err.Error(); msg != strings.ToLower(msg[:1])+msg[1:] || !strings.Contains(msg, ": ") {
			t.Errorf("%s: message %q", name, msg)
		}
	}
	if _, err := r.Open(filepath.Join(dir, "missing.pdf"), ""); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want os.ErrNotExist", err)
	}
	if _, err := r.Open(dir, ""); !errors.Is(err, ErrNotPDF) {
		t.Errorf("folder: got %v, want ErrNotPDF", err)
	}
}

// TestPageRange: pages outside the document are ErrPage, naming the count.
func TestPageRange(t *testing.T) {
	d := open(t, shared(t), page{media: [4]float64{0, 0, 300, 400}}.write(t), "")
	for _, p := range []int{0, -1, 2} {
		if _, err := d.Render(p, 100); !errors.Is(err, ErrPage) || !strings.Contains(err.Error(), "has 1") {
			t.Errorf("Render(%d): %v", p, err)
		}
		if _, _, err := d.PageSize(p); !errors.Is(err, ErrPage) {
			t.Errorf("PageSize(%d): %v", p, err)
		}
	}
	if _, err := d.Render(1, 0); err == nil {
		t.Error("Render width 0: no error")
	}
}

// TestBounded: huge pages and huge widths give at most MaxWidth pixels
// across and MaxPixels in all, with the page's aspect ratio.
func TestBounded(t *testing.T) {
	r := shared(t)
	cases := []struct {
		media [4]float64
		width int
	}{
		{[4]float64{0, 0, 14400, 14400}, 1 << 30},
		{[4]float64{0, 0, 100, 14400}, 50000}, // tall: the pixel count binds
		{[4]float64{0, 0, 14400, 10}, 1 << 20},
	}
	for _, c := range cases {
		pg := page{media: c.media, fill: [4]float64{0, 0, c.media[2] / 2, c.media[3]}}
		d := open(t, r, pg.write(t), "")
		img, err := d.Render(1, c.width)
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		if b.Dx() > MaxWidth || b.Dx()*b.Dy() > MaxPixels || b.Dx() < 1 || b.Dy() < 1 {
			t.Fatalf("%v at width %d: image %v", c.media, c.width, b)
		}
		if ratio := float64(b.Dy()) / float64(b.Dx()); abs(ratio-c.media[3]/c.media[2]) > 0.01*ratio+1/float64(b.Dx()) {
			t.Fatalf("%v: image %v has the wrong aspect", c.media, b)
		}
		// The left half is red: the page is drawn, not blank.
		if got := bounds(img, isRed); got.Dx() < b.Dx()/2-2 || got.Dx() > b.Dx()/2+2 {
			t.Fatalf("%v: red part %v of %v", c.media, got, b)
		}
	}
}

// TestTransparentOnWhite: a page with transparency is drawn on white, not
// on transparent black.
func TestTransparentOnWhite(t *testing.T) {
	pg := page{media: [4]float64{0, 0, 200, 200}}
	data := strings.Replace(string(pg.pdf()), "/Resources<<>>", "/Group<</S/Transparency/CS/DeviceRGB>>/Resources<<>>", 1)
	path := filepath.Join(t.TempDir(), "group.pdf")
	os.WriteFile(path, []byte(data), 0o600)
	d := open(t, shared(t), path, "")
	img, err := d.Render(1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, a := img.At(50, 50).RGBA(); r>>8 != 255 || g>>8 != 255 || b>>8 != 255 || a>>8 != 255 {
		t.Fatalf("background %d %d %d %d, want opaque white", r>>8, g>>8, b>>8, a>>8)
	}
}

// TestLazy: New starts nothing and touches no file; the runtime and the
// cache directory (mode 0700) appear on the first Open.
func TestLazy(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache", "preview")
	r := New(dir)
	defer r.Close()
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("New touched the cache dir: %v", err)
	}
	if r.pool != nil || len(r.engines) != 0 {
		t.Fatal("New started the runtime")
	}
	open(t, r, page{media: [4]float64{0, 0, 100, 100}}.write(t), "")
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("cache dir: %v %v", st.Mode(), err)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "pdfium-*", "wazero-*", "*"))
	if len(entries) == 0 || !r.cacheUsed {
		t.Fatalf("no compiled module cached in %s", dir)
	}
}

// TestCacheFallback: a cache dir that cannot be created, or whose entry is
// damaged, does not stop previews; a damaged one is refilled next time.
func TestCacheFallback(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o600)
	pdf := page{media: [4]float64{0, 0, 100, 100}, fill: [4]float64{0, 0, 50, 50}}.write(t)
	render := func(dir string) *Renderer {
		t.Helper()
		r := New(dir)
		d, err := r.Open(pdf, "")
		if err != nil {
			t.Fatalf("cache dir %s: %v", dir, err)
		}
		if _, err := d.Render(1, 50); err != nil {
			t.Fatal(err)
		}
		r.Close()
		return r
	}
	if r := render(filepath.Join(file, "cache")); r.cacheUsed {
		t.Fatal("cache used under a regular file")
	}

	dir := t.TempDir()
	render(dir)
	entries, _ := filepath.Glob(filepath.Join(dir, "pdfium-*", "wazero-*", "*"))
	if len(entries) != 1 {
		t.Fatalf("cache entries %v", entries)
	}
	// Cut the compiled module short: wazero fails on it instead of
	// compiling afresh.
	if err := os.Truncate(entries[0], 4096); err != nil {
		t.Fatal(err)
	}
	if r := render(dir); r.cacheUsed {
		t.Fatal("damaged cache still used")
	}
	if r := render(dir); !r.cacheUsed {
		t.Fatal("cache not refilled after the damage")
	}
}

// TestStartRetry: a failed start is an error, and the next Open tries
// again.
func TestStartRetry(t *testing.T) {
	fail := true
	startPoolFn = func(dir string, alloc experimental.MemoryAllocator) (pdfium.Pool, wazero.CompilationCache, error) {
		if fail {
			fail = false
			return nil, nil, errors.New("preview: starting PDFium: out of memory")
		}
		return startPool(dir, alloc)
	}
	defer func() { startPoolFn = startPool }()
	r := New(cacheDir())
	defer r.Close()
	path := page{media: [4]float64{0, 0, 100, 100}}.write(t)
	if _, err := r.Open(path, ""); err == nil || !strings.Contains(err.Error(), "out of memory") {
		t.Fatalf("first open: %v", err)
	}
	d := open(t, r, path, "")
	if _, err := d.Render(1, 10); err != nil {
		t.Fatal(err)
	}
}

// TestClose: Close closes open documents, is idempotent, and Open after it
// is ErrClosed.
func TestClose(t *testing.T) {
	r := New(cacheDir())
	path := page{media: [4]float64{0, 0, 100, 100}}.write(t)
	d, err := r.Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := r.Open(path, ""); !errors.Is(err, ErrClosed) {
		t.Fatalf("open after close: %v", err)
	}
	if _, err := d.Render(1, 10); !errors.Is(err, ErrClosed) {
		t.Fatalf("render after close: %v", err)
	}
	if _, _, err := d.PageSize(1); !errors.Is(err, ErrClosed) {
		t.Fatalf("page size after close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("document close after renderer close: %v", err)
	}
	// Closing a renderer that never started is fine too.
	if err := New(t.TempDir()).Close(); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrent renders several documents from several goroutines; each
// image must show its own document's rectangle. Two engines share them.
func TestConcurrent(t *testing.T) {
	r := New(cacheDir())
	defer r.Close()
	const docs = 4
	paths := make([]string, docs)
	for i := range paths {
		paths[i] = page{media: [4]float64{0, 0, 400, 400}, fill: [4]float64{float64(40 * i), 0, 40, 40}}.write(t)
	}
	var wg sync.WaitGroup
	errs := make(chan error, docs*4)
	for i := 0; i < docs; i++ {
		d := open(t, r, paths[i], "")
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; n < 5; n++ {
					img, err := d.Render(1, 400)
					if err != nil {
						errs <- err
						return
					}
					if got := bounds(img, isRed); !near(got, image.Rect(40*i, 360, 40*i+40, 400), 1) {
						errs <- fmt.Errorf("document %d: rectangle at %v", i, got)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(r.engines); n != maxEngines {
		t.Errorf("%d engines, want %d", n, maxEngines)
	}
}

// TestEngineFailure: a panic inside a PDFium call, and a call beyond the
// time limit, become errors; the engine is replaced and the document
// reopens on the next call.
func TestEngineFailure(t *testing.T) {
	r := New(cacheDir())
	defer r.Close()
	d := open(t, r, page{media: [4]float64{0, 0, 100, 100}, fill: [4]float64{0, 0, 50, 50}}.write(t), "")
	first := d.eng
	err := r.call(first, func(pdfium.Pdfium) error { panic("boom") })
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("panic: %v", err)
	}
	if img, err := d.Render(1, 100); err != nil || bounds(img, isRed).Dx() != 50 {
		t.Fatalf("render after the panic: %v", err)
	}
	if d.eng == first {
		t.Fatal("the document stayed on the failed engine")
	}

	renderTimeout = 50 * time.Millisecond
	defer func() { renderTimeout = 30 * time.Second }()
	second := d.eng
	err = r.call(second, func(pdfium.Pdfium) error { time.Sleep(500 * time.Millisecond); return nil })
	if err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("slow call: %v", err)
	}
	// PDFium still runs in it: other calls do not wait for it.
	t0 := time.Now()
	if err := r.call(second, func(pdfium.Pdfium) error { return nil }); !errors.Is(err, errEngine) || time.Since(t0) > 100*time.Millisecond {
		t.Fatalf("call on the stuck engine: %v after %v", err, time.Since(t0))
	}
	renderTimeout = 30 * time.Second
	if _, err := d.Render(1, 100); err != nil || d.eng == second {
		t.Fatalf("render after the timeout: %v", err)
	}
}

// TestBigEngineRetired: an engine that drew a big image is retired when
// its last document closes (its WebAssembly memory never shrinks); the
// next document gets a fresh one. Small renders keep the engine.
func TestBigEngineRetired(t *testing.T) {
	r := New(cacheDir())
	defer r.Close()
	path := page{media: [4]float64{0, 0, 595, 842}, fill: [4]float64{0, 0, 100, 100}}.write(t)
	d, err := r.Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	small := d.eng
	if _, err := d.Render(1, 800); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if small.broken {
		t.Fatal("engine retired after a small render")
	}
	d = open(t, r, path, "")
	if d.eng != small {
		t.Fatal("idle engine not reused")
	}
	if _, err := d.Render(1, 4000); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if !small.broken {
		t.Fatal("engine kept after a big render")
	}
	d = open(t, r, path, "")
	if img, err := d.Render(1, 100); err != nil || d.eng == small || bounds(img, isRed).Empty() {
		t.Fatalf("after the retirement: %v", err)
	}
	if len(r.engines) != 1 {
		t.Fatalf("%d engines kept, want the new one only", len(r.engines))
	}
}

// TestNoArea: a crop box outside the media box leaves PDFium no page to
// draw: a clear error, not a zero-sized image.
func TestNoArea(t *testing.T) {
	pg := page{media: [4]float64{0, 0, 600, 800}, crop: &[4]float64{700, 900, 800, 1000}}
	d := open(t, shared(t), pg.write(t), "")
	if _, _, err := d.PageSize(1); err == nil || !strings.Contains(err.Error(), "no visible area") {
		t.Fatalf("PageSize: %v", err)
	}
	if _, err := d.Render(1, 100); err == nil || !strings.Contains(err.Error(), "no visible area") {
		t.Fatalf("Render: %v", err)
	}
}

// TestOldCachePruned: entries of other go-pdfium or wazero versions (an
// upgrade) are removed on start; other files in the directory stay.
func TestOldCachePruned(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "pdfium-0123456789ab", "wazero-v1.0.0-amd64-linux")
	os.MkdirAll(old, 0o700)
	os.WriteFile(filepath.Join(old, "entry"), make([]byte, 1000), 0o600)
	os.WriteFile(filepath.Join(dir, "other"), nil, 0o600)
	r := New(dir)
	defer r.Close()
	open(t, r, page{media: [4]float64{0, 0, 100, 100}}.write(t), "")
	if _, err := os.Stat(filepath.Dir(old)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("old version's cache kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "other")); err != nil {
		t.Fatalf("unrelated file removed: %v", err)
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, cacheTag(), "wazero-*", "*")); len(entries) != 1 {
		t.Fatalf("current entries %v", entries)
	}
}

// TestCloseDuringCall: Close waits for a call in progress, and gives up
// after closeWait rather than pulling the runtime from under PDFium.
func TestCloseDuringCall(t *testing.T) {
	for _, c := range []struct {
		wait, call time.Duration
		fails      bool
	}{{2 * time.Second, 100 * time.Millisecond, false}, {100 * time.Millisecond, time.Second, true}} {
		closeWait = c.wait
		r := New(cacheDir())
		d := open(t, r, page{media: [4]float64{0, 0, 100, 100}}.write(t), "")
		started := make(chan bool)
		result := make(chan error, 1)
		go func() {
			result <- r.call(d.eng, func(p pdfium.Pdfium) error {
				close(started)
				time.Sleep(c.call)
				_, err := p.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: d.ref})
				return err
			})
		}()
		<-started
		t0 := time.Now()
		err := r.Close()
		if took := time.Since(t0); (err != nil) != c.fails || took > c.wait+500*time.Millisecond {
			t.Fatalf("close with a %v call: %v after %v", c.call, err, took)
		}
		if err := <-result; err != nil {
			t.Fatalf("the call: %v", err)
		}
	}
	closeWait = 2 * time.Second
}
