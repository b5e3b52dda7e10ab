package preview

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FillCache (besign preview-cache) leaves compiled PDFium in the cache, so
// that a renderer started afterwards uses it; an unusable directory is an
// error, not a compilation for nothing.
func TestFillCache(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o600)
	if err := FillCache(filepath.Join(file, "cache")); err == nil {
		t.Fatal("FillCache under a regular file: no error")
	}
	if err := FillCache(""); err == nil {
		t.Fatal("FillCache without a directory: no error")
	}
	dir := filepath.Join(t.TempDir(), "cache", "preview")
	if CacheFilled(dir) {
		t.Fatal("an empty cache dir counts as filled")
	}
	if err := FillCache(dir); err != nil {
		t.Fatal(err)
	}
	if !CacheFilled(dir) {
		t.Fatal("cache not filled")
	}
	r := New(dir)
	defer r.Close()
	d := open(t, r, benchPage.write(t), "")
	if _, err := d.Render(1, 100); err != nil {
		t.Fatal(err)
	}
	if !r.cacheUsed {
		t.Fatal("the renderer did not use the filled cache")
	}
}

// Fill runs its function only while the cache is empty. A document opened
// meanwhile does not wait for it: the interpreter draws it, the very image
// the compiled code draws; once Fill returns, the document is drawn by the
// compiled runtime from the filled cache and the interpreter is stopped.
func TestFill(t *testing.T) {
	r := New(cacheDir()) // filled by the shared renderer's start
	defer r.Close()
	shared(t).Warm()
	called := false
	if err := r.Fill(func(string) error { called = true; return nil }); err != nil || called {
		t.Fatalf("Fill on a filled cache: called %v, %v", called, err)
	}
	path := benchPage.write(t)
	want, err := open(t, shared(t), path, "").Render(1, 300)
	if err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "preview")
	r2 := New(dir)
	defer r2.Close()
	release := make(chan struct{})
	filled := make(chan error, 1)
	go func() {
		filled <- r2.Fill(func(d string) error {
			<-release
			return FillCache(d)
		})
	}()
	for !filling(r2) {
		time.Sleep(time.Millisecond)
	}
	r2.Warm() // while filling: the interpreter, at once
	type drawn struct {
		d   *Document
		img image.Image
		err error
	}
	first := make(chan drawn, 1)
	go func() {
		d, err := r2.Open(path, "")
		if err != nil {
			first <- drawn{err: err}
			return
		}
		img, err := d.Render(1, 300)
		first <- drawn{d, img, err}
	}()
	var o drawn
	select {
	case o = <-first:
	case <-time.After(time.Minute):
		t.Fatal("the first document waits for Fill's function")
	}
	if o.err != nil {
		t.Fatal(o.err)
	}
	d, got := o.d, o.img
	defer d.Close()
	if !onInterp(r2, d, true) {
		t.Fatal("the document opened during Fill is not on the interpreter")
	}
	if !bytes.Equal(got.(*image.RGBA).Pix, want.(*image.RGBA).Pix) {
		t.Fatal("the interpreter drew another image than the compiled code")
	}
	// wide: a draft at half the width, until the compiled code draws
	wide, err := d.Render(1, 2*draftMin)
	if err != nil {
		t.Fatal(err)
	}
	draft, ok := wide.(Draft)
	if !ok || draft.Bounds().Dx() != draftMin {
		t.Fatalf("a page %d px wide during Fill: %T %v, want a Draft %d px wide", 2*draftMin, wide, wide.Bounds(), draftMin)
	}
	select {
	case <-draft.Sharp():
		t.Fatal("Sharp is closed while the interpreter draws")
	default:
	}
	select {
	case err := <-filled:
		t.Fatalf("Fill returned before its function was let go: %v", err)
	default:
	}
	close(release)
	if err := <-filled; err != nil {
		t.Fatal(err)
	}
	r2.mu.Lock()
	stopped := r2.interp == nil
	r2.mu.Unlock()
	if !stopped {
		t.Fatal("the interpreter still runs after Fill")
	}
	got, err = d.Render(1, 300)
	if err != nil {
		t.Fatal(err)
	}
	if !onInterp(r2, d, false) || !r2.cacheUsed {
		t.Fatal("after Fill the document is not drawn from the filled cache")
	}
	if !bytes.Equal(got.(*image.RGBA).Pix, want.(*image.RGBA).Pix) {
		t.Fatal("the page changed after moving to the compiled code")
	}
	select {
	case <-draft.Sharp():
	default:
		t.Fatal("Sharp is not closed after Fill")
	}
	if wide, err = d.Render(1, 2*draftMin); err != nil {
		t.Fatal(err)
	}
	if _, ok := wide.(*image.RGBA); !ok || wide.Bounds().Dx() != 2*draftMin {
		t.Fatalf("after Fill a page %d px wide comes as %T %v", 2*draftMin, wide, wide.Bounds())
	}
}

// onInterp reports whether d's engine is a live one of the interpreter
// (interp) or of the compiled runtime.
func onInterp(r *Renderer, d *Document, interp bool) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	return !d.eng.broken && d.eng.interp == interp
}

// filling reports whether a Fill's function runs or is about to.
func filling(r *Renderer) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.filling
}

// Warm starts the runtime with one idle instance, which the next document
// takes; a second Warm adds none.
func TestWarm(t *testing.T) {
	r := New(cacheDir())
	defer r.Close()
	r.Warm()
	r.Warm()
	r.mu.Lock()
	n, started := len(r.engines), r.pool != nil
	var warm *engine
	if n > 0 {
		warm = r.engines[0]
	}
	r.mu.Unlock()
	if !started || n != 1 || warm.docs != 0 {
		t.Fatalf("after Warm: runtime started %v, %d engines", started, n)
	}
	d := open(t, r, benchPage.write(t), "")
	if _, err := d.Render(1, 100); err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	n = len(r.engines)
	r.mu.Unlock()
	d.mu.Lock()
	took := d.eng == warm
	d.mu.Unlock()
	if n != 1 || !took {
		t.Fatalf("the document did not take the warm instance (%d engines)", n)
	}
	r.Close()
	r.Warm() // closed: nothing starts, nothing panics
}

// A half-written cache entry left by a compilation ended midway is removed
// once it is old enough to be nobody's work in progress.
func TestStaleEntries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	sub := filepath.Join(dir, cacheTag(), "wazero-test")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	old, fresh, entry := filepath.Join(sub, "abc.123.tmp"), filepath.Join(sub, "abc.456.tmp"), filepath.Join(sub, "abc")
	for _, p := range []string{old, fresh, entry} {
		os.WriteFile(p, []byte("x"), 0o600)
	}
	long := time.Now().Add(-time.Hour)
	os.Chtimes(old, long, long)
	os.Chtimes(entry, long, long)
	if c := openCache(dir); c == nil {
		t.Fatal("cache not opened")
	}
	for p, want := range map[string]bool{old: false, fresh: true, entry: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
	if !CacheFilled(dir) {
		t.Error("a complete entry does not count as filled")
	}
}
