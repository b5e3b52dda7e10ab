package preview

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"
)

// Getting PDFium ready is what a first preview waits for: compiling it
// takes seconds (4-7 s on a loaded two-core laptop, and 336 MB), loading
// the compiled code from the cache 100-200 ms, an instance a few ms, while
// drawing a page takes under 20 ms. So the app fills the cache right after
// its first start, in a child process on one core (FillCache, `besign
// preview-cache`), and starts the runtime with one idle instance when the
// signing tab is shown (Warm), before a document is chosen.

// CacheFilled reports whether cacheDir holds compiled PDFium for this
// build's go-pdfium and wazero versions.
func CacheFilled(cacheDir string) bool {
	if cacheDir == "" {
		return false
	}
	// wazero keeps its entries in a folder named after its version
	entries, _ := filepath.Glob(filepath.Join(cacheDir, cacheTag(), "wazero-*", "*"))
	for _, e := range entries {
		// wazero writes an entry as NAME.*.tmp, then renames it
		if st, err := os.Lstat(e); err == nil && st.Mode().IsRegular() && !strings.HasSuffix(e, ".tmp") {
			return true
		}
	}
	return false
}

// FillCache compiles PDFium into cacheDir's compilation cache and stops
// the runtime again. It is the work of `besign preview-cache`, which the
// app runs in a child process after its first start, so that the
// compiler's memory and time never touch the app's process.
func FillCache(cacheDir string) (err error) {
	defer recoverTo(&err)
	if cacheDir == "" {
		return errors.New("preview: no cache directory")
	}
	cache := openCache(cacheDir)
	if cache == nil {
		return fmt.Errorf("preview: the cache directory %s cannot be written", cacheDir)
	}
	defer cache.Close(context.Background())
	pool, err := initPool(cache, &allocator{}, false)
	if err != nil {
		clearCache(cacheDir) // a damaged entry: the next start compiles afresh
		return fmt.Errorf("preview: compiling PDFium: %w", err)
	}
	if err := pool.Close(); err != nil {
		return fmt.Errorf("preview: stopping the runtime: %w", err)
	}
	if !CacheFilled(cacheDir) {
		return fmt.Errorf("preview: nothing was written to the cache directory %s", cacheDir)
	}
	return nil
}

// Fill calls fill when the renderer's cache holds no compiled PDFium yet
// (the app's first start): fill should fill it, for example by running
// `besign preview-cache` in a child process. A document opened meanwhile
// does not compile PDFium a second time: wazero's interpreter draws it
// (a second or two a page) until fill returns; then the compiled runtime
// starts from the cache and the document moves to it. If fill fails, the
// next document compiles PDFium as before. Call it off the UI goroutine;
// it returns fill's error.
func (r *Renderer) Fill(fill func(cacheDir string) error) error {
	if r.cacheDir == "" || CacheFilled(r.cacheDir) {
		return nil
	}
	// Marked before fill holds start (initMu): a document that comes once
	// Fill is under way goes to the interpreter, never to wait for start.
	r.mu.Lock()
	busy := r.closed || r.pool != nil || r.filling
	if !busy {
		r.filling = true
	}
	r.mu.Unlock()
	if busy {
		return nil
	}
	r.initMu.Lock() // the compiled runtime waits for fill
	r.mu.Lock()
	started := r.closed || r.pool != nil // started before Fill was called
	r.mu.Unlock()
	var err error
	if !started && !CacheFilled(r.cacheDir) {
		err = fill(r.cacheDir)
	}
	r.mu.Lock()
	r.filling = false
	used := r.interp != nil
	r.mu.Unlock()
	r.initMu.Unlock()
	if used {
		// Someone is looking at a document: the compiled runtime is
		// loaded now (100-200 ms from the cache), before the
		// interpreter's engines go, so that their documents move at once.
		_ = r.start()
		r.endInterp()
		r.endSharp() // drafts are drawn again, by the compiled code
	}
	return err
}

// endInterp retires the interpreter's engines once their calls under way
// return (their documents reopen on the compiled runtime at their next
// call) and stops the interpreter, giving its memory back.
func (r *Renderer) endInterp() {
	r.interpMu.Lock() // none is being started
	defer r.interpMu.Unlock()
	r.mu.Lock()
	pool := r.interp
	r.interp = nil
	var es []*engine
	for _, e := range r.engines {
		if e.interp {
			r.markBroken(e) // waiting calls give up; new ones reopen
			es = append(es, e)
		}
	}
	r.mu.Unlock()
	if pool == nil {
		return
	}
	wait := time.NewTimer(renderTimeout)
	defer wait.Stop()
	for _, e := range es {
		select {
		case e.busy <- struct{}{}:
			r.retire(e)
			<-e.busy
		case <-wait.C:
			return // a page still drawing: the interpreter stays to the app's exit
		}
	}
	_ = pool.Close()
	debug.FreeOSMemory() // the interpreter's 100-200 MB, now garbage
}

// Warm starts the runtime and one PDFium instance ahead of the first
// document, so that its preview waits only for the drawing. It does
// nothing when an idle instance is there already; the runtime then stays
// up with the app, as it does after a first document. Call it off the UI
// goroutine (loading the compiled code takes 100-200 ms); errors are left
// for Open to report.
func (r *Renderer) Warm() {
	defer func() { _ = recover() }() // never worth a crash: Open reports
	r.mu.Lock()
	filling := r.filling
	r.mu.Unlock()
	if filling {
		// The interpreter and one idle instance of it (docs 0: the next
		// document takes it); the compiled runtime follows when Fill ends.
		if e, _ := r.interpEngine(); e != nil {
			r.release(e)
		}
		return
	}
	if err := r.start(); err != nil {
		return
	}
	r.mu.Lock()
	for _, e := range r.engines {
		if !e.broken {
			r.mu.Unlock()
			return
		}
	}
	pool := r.pool
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.newMu.Lock()
	inst, err := pool.GetInstanceWithContext(ctx)
	mem := r.alloc.take()
	r.newMu.Unlock()
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		_ = inst.Kill()
		return
	}
	// docs 0: engineFor gives it the next document
	r.engines = append(r.engines, &engine{inst: inst, mem: mem, busy: make(chan struct{}, 1), dead: make(chan struct{})})
}

// CacheDir is where the app keeps the compilation cache: DATADIR/cache/preview.
func CacheDir(dataDir string) string { return filepath.Join(dataDir, "cache", "preview") }

// staleAfter is how old a half-written cache entry must be to be removed:
// one being written by another process (besign preview-cache) is younger.
const staleAfter = 10 * time.Minute

// removeStaleEntries removes the half-written entries (NAME.*.tmp, 21 MB
// at most) that a compilation ended midway leaves behind, for example
// when the window is closed while besign preview-cache runs.
func removeStaleEntries(dir string) {
	m, _ := filepath.Glob(filepath.Join(dir, "wazero-*", "*.tmp"))
	for _, p := range m {
		if st, err := os.Lstat(p); err == nil && st.Mode().IsRegular() && time.Since(st.ModTime()) > staleAfter {
			_ = os.Remove(p)
		}
	}
}
