// Package preview renders PDF pages to images for the signing tab, with
// PDFium compiled to WebAssembly (go-pdfium's webassembly runtime on
// wazero): pure Go, no cgo, and a licence that suits the product. The
// runtime starts lazily, on the first document, never on the UI goroutine
// and never before the window is up.
//
// Sizes are in PDF points on the page as displayed, the space of
// pdfsign.Rect: the crop box (clipped to the media box) after /Rotate, so a
// box drawn on a rendered image maps to a signature box by one scale factor.
package preview

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/enums"
	pdfiumerr "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/natunakab/besign/internal/inputfile"
)

// Errors.
var (
	// ErrPassword: the PDF needs a password, or the one given is wrong.
	ErrPassword = errors.New("the PDF needs its password")
	// ErrNotPDF: the file is not a PDF PDFium can read.
	ErrNotPDF = errors.New("not a readable PDF")
	// ErrClosed: the renderer was closed.
	ErrClosed = errors.New("preview renderer is closed")
	// ErrPage: the page number is not in the document.
	ErrPage = errors.New("page out of range")
	// ErrTooLarge: drawing the document needs more memory than an engine
	// may have (a decompression bomb, or a document beyond reason).
	ErrTooLarge = errors.New("the document needs too much memory to preview")
)

// Limits on one rendered image, so a huge page or a huge request cannot
// exhaust memory: the bitmap lives in the WebAssembly memory (which never
// shrinks) and once more as the returned image.
const (
	MaxWidth  = 4096
	MaxPixels = 16 << 20
)

// maxEngines is how many PDFium instances run at most: each renders one
// page at a time, and the machine this targets has two cores.
const maxEngines = 2

// renderTimeout bounds the wait for a page that takes absurdly long (a
// hostile or broken file): the caller gets an error, the engine is
// replaced, and killed once PDFium returns. A variable for tests.
var renderTimeout = 30 * time.Second

// startPoolFn starts the runtime; tests replace it to make the start fail.
var startPoolFn = startPool

// Renderer renders pages; one per app. It is safe for concurrent use.
type Renderer struct {
	cacheDir string

	initMu sync.Mutex // serialises the (slow) start of the runtime
	// newMu serialises the start of engines, so that each takes the
	// memory alloc made for it.
	newMu sync.Mutex
	alloc *allocator

	mu      sync.Mutex
	closed  bool
	done    chan struct{} // closed by Close
	pool    pdfium.Pool
	cache   wazero.CompilationCache
	engines []*engine
	docs    map[*Document]struct{}
	// cacheUsed tells whether the running pool uses the compilation cache
	// (false when the directory was unusable); for tests and benchmarks.
	cacheUsed bool

	// While Fill fills the cache (the first start's compilation, 6-10 s
	// on two loaded cores), documents are not kept waiting for it: they
	// are drawn by wazero's interpreter, which starts at once but draws a
	// page in one to two seconds instead of milliseconds. When Fill
	// returns, the compiled runtime starts and the interpreter's engines
	// are retired: their documents reopen on it at their next call.
	filling  bool        // Fill's function runs (mu)
	interp   pdfium.Pool // the interpreter, started by a document while filling (mu)
	interpMu sync.Mutex  // serialises the interpreter's start
	// sharp is closed when the interpreter's time is over: Drafts are
	// worth drawing again.
	sharp     chan struct{}
	sharpOnce sync.Once
}

// Draft is a page the interpreter drew at half the width asked, while the
// first start compiles PDFium: at half the pixels it is there in about
// half the time (0.5 s instead of 1.3 s for an A4 page 800 px wide, on a
// quiet machine). Show it scaled up, and draw the page again once Sharp
// is closed.
type Draft struct {
	*image.RGBA
	sharp <-chan struct{}
}

// Sharp is closed once pages are drawn by the compiled runtime (or the
// renderer is closed).
func (d Draft) Sharp() <-chan struct{} { return d.sharp }

// draftMin is the narrowest width asked for that the interpreter halves:
// below it a page is quick enough whole.
const draftMin = 400

// endSharp closes sharp once.
func (r *Renderer) endSharp() { r.sharpOnce.Do(func() { close(r.sharp) }) }

// engine is one PDFium instance. Every call into it holds busy: PDFium is
// single-threaded, and a rendered bitmap is read from its memory after the
// call returns.
type engine struct {
	busy   chan struct{} // a one-slot semaphore: waiting for it can be abandoned
	dead   chan struct{} // closed when the engine is marked broken
	inst   pdfium.Pdfium
	mem    *linearMemory // its WebAssembly memory; nil if not known
	docs   int           // documents open on it (Renderer.mu)
	broken bool          // failed; documents move to another engine (Renderer.mu)
	killed bool          // its instance was killed (Renderer.mu)
	// big is set once it drew an image beyond bigPixels: its WebAssembly
	// memory grew and never shrinks, so it is retired when idle.
	big bool // Renderer.mu
	// interp: an instance of the interpreter, used while Fill runs.
	interp bool
}

// bigPixels is the image size (16 MB of RGBA) after which an engine is
// retired once its last document closes, giving its memory back.
const bigPixels = 4 << 20

// New returns a renderer that starts nothing yet. cacheDir (may be empty)
// keeps the compiled WebAssembly between runs, so later starts are faster.
func New(cacheDir string) *Renderer {
	return &Renderer{cacheDir: cacheDir, docs: map[*Document]struct{}{}, done: make(chan struct{}), alloc: &allocator{},
		sharp: make(chan struct{})}
}

// Open opens the PDF at path (password may be empty), starting the runtime
// when this is the first document. Call it off the UI goroutine: the first
// call compiles PDFium (seconds without a filled cache).
func (r *Renderer) Open(path, password string) (doc *Document, err error) {
	defer recoverTo(&err)
	d := &Document{r: r, path: path, password: password}
	if err := d.open(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		d.closeDead()
		return nil, ErrClosed
	}
	r.docs[d] = struct{}{}
	r.mu.Unlock()
	return d, nil
}

// Close stops the runtime; documents still open are closed. Calling it
// again does nothing.
func (r *Renderer) Close() (err error) {
	defer recoverTo(&err)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	close(r.done)
	r.endSharp()
	docs := r.docs
	r.docs = nil
	engines, pool, cache, interp := r.engines, r.pool, r.cache, r.interp
	r.engines, r.pool, r.cache, r.interp = nil, nil, nil, nil
	r.mu.Unlock()
	for d := range docs {
		d.closeDead()
	}
	return r.shutdown(engines, cache, pool, interp)
}

// closeWait bounds how long Close waits for calls in progress.
var closeWait = 2 * time.Second

func (r *Renderer) shutdown(engines []*engine, cache wazero.CompilationCache, pools ...pdfium.Pool) error {
	// Wait for calls in progress: the runtime's compiled code must not go
	// while PDFium runs it. A call still running after closeWait (a
	// hostile file) leaves the runtime to the process's exit.
	deadline := time.NewTimer(closeWait)
	defer deadline.Stop()
	for _, e := range engines {
		select {
		case e.busy <- struct{}{}:
			defer func() { <-e.busy }()
		case <-deadline.C:
			return errors.New("preview: a page was still being drawn; the runtime is left to stop with the app")
		}
	}
	for _, e := range engines {
		r.retire(e)
	}
	var err error
	for _, pool := range pools {
		if pool != nil {
			err = errors.Join(err, pool.Close())
		}
	}
	if cache != nil {
		_ = cache.Close(context.Background())
	}
	if err != nil {
		return fmt.Errorf("preview: stopping the runtime: %w", err)
	}
	return nil
}

// engineFor returns the engine a new document goes to, starting the
// runtime or another engine when needed, with the document counted on it.
func (r *Renderer) engineFor() (*engine, error) {
	if e, err := r.interpEngine(); e != nil || err != nil {
		return e, err
	}
	if err := r.start(); err != nil {
		return nil, err
	}
	return r.pick(false)
}

// interpEngine returns an engine of the interpreter while Fill runs and
// the compiled runtime is not up, starting it when needed; nil otherwise,
// also when the interpreter fails to start (the document then waits for
// Fill, as it would without it).
func (r *Renderer) interpEngine() (*engine, error) {
	r.interpMu.Lock()
	r.mu.Lock()
	use, pool := r.filling && r.pool == nil && !r.closed, r.interp
	r.mu.Unlock()
	if use && pool == nil {
		p, err := initPool(nil, r.alloc, true)
		r.mu.Lock()
		if err == nil && r.filling && !r.closed {
			r.interp, pool = p, p
		} else if err == nil {
			defer p.Close() // Fill ended meanwhile
		}
		r.mu.Unlock()
	}
	r.interpMu.Unlock()
	if !use || pool == nil {
		return nil, nil
	}
	e, err := r.pick(true)
	if err != nil && !errors.Is(err, ErrClosed) {
		return nil, nil // stopped as Fill ended: the compiled runtime
	}
	return e, err
}

// pick returns the engine a new document goes to among the interpreter's
// (interp) or the compiled runtime's, starting another when needed, with
// the document counted on it.
func (r *Renderer) pick(interp bool) (*engine, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	var best *engine
	live := 0
	kept := r.engines[:0]
	for _, e := range r.engines {
		if e.killed && e.docs == 0 {
			continue // gone: forget it
		}
		kept = append(kept, e)
		if !e.broken && e.interp == interp {
			live++
			if best == nil || e.docs < best.docs {
				best = e
			}
		}
	}
	clear(r.engines[len(kept):])
	r.engines = kept
	if best != nil && (best.docs == 0 || live >= maxEngines) {
		best.docs++
		r.mu.Unlock()
		return best, nil
	}
	pool := r.pool
	if interp {
		pool = r.interp
	}
	r.mu.Unlock()
	if pool == nil {
		return nil, errEngine // the interpreter stopped meanwhile
	}

	// A new instance: the module is compiled already, so this is quick.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r.newMu.Lock()
	inst, err := pool.GetInstanceWithContext(ctx)
	mem := r.alloc.take()
	r.newMu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		if best != nil && !best.broken {
			best.docs++
			return best, nil
		}
		return nil, fmt.Errorf("preview: starting a PDFium instance: %w", err)
	}
	if r.closed {
		_ = inst.Kill()
		return nil, ErrClosed
	}
	if interp && r.interp != pool {
		_ = inst.Kill() // Fill ended: its engines are being retired
		return nil, errEngine
	}
	e := &engine{inst: inst, mem: mem, docs: 1, busy: make(chan struct{}, 1), dead: make(chan struct{}), interp: interp}
	r.engines = append(r.engines, e)
	return e, nil
}

// start initialises the runtime once; a failure is returned and the next
// call tries again.
func (r *Renderer) start() error {
	r.initMu.Lock()
	defer r.initMu.Unlock()
	r.mu.Lock()
	closed, started := r.closed, r.pool != nil
	r.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if started {
		return nil
	}
	pool, cache, err := startPoolFn(r.cacheDir, r.alloc)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		_ = r.shutdown(nil, cache, pool)
		return ErrClosed
	}
	r.pool, r.cache, r.cacheUsed = pool, cache, cache != nil
	// Compiling PDFium takes some 300 MB of Go heap, garbage once done: give
	// it back to the system now rather than minutes later, without keeping
	// the first preview waiting.
	go debug.FreeOSMemory()
	return nil
}

// startPool compiles PDFium, through wazero's compilation cache in
// cacheDir when that directory is usable. A cache that fails (unwritable,
// or an entry damaged on disk, which wazero reports as an error instead of
// recompiling) is emptied and left out, so previews still work.
func startPool(cacheDir string, alloc experimental.MemoryAllocator) (pdfium.Pool, wazero.CompilationCache, error) {
	cache := openCache(cacheDir)
	pool, err := initPool(cache, alloc, false)
	if err != nil && cache != nil {
		_ = cache.Close(context.Background())
		clearCache(cacheDir)
		cache = nil
		pool, err = initPool(nil, alloc, false)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("preview: starting PDFium: %w", err)
	}
	return pool, cache, nil
}

// initPool starts go-pdfium's pool; alloc backs each instance's memory
// (wazero takes it from the context the instances start with). interp
// runs PDFium in wazero's interpreter, which needs no compilation (a
// fraction of a second to start instead of seconds) but draws a page in
// about a second: only while the compiled code is not there yet.
func initPool(cache wazero.CompilationCache, alloc experimental.MemoryAllocator, interp bool) (pool pdfium.Pool, err error) {
	defer recoverTo(&err)
	// The bundled module needs exception handling (go-pdfium's default
	// config). Not WithCloseOnContextDone, which would let Kill stop a
	// render: its checks make drawing 3.5 times slower (7 vs 25 ms a page).
	rc := wazero.NewRuntimeConfig()
	if interp {
		rc = wazero.NewRuntimeConfigInterpreter()
	}
	rc = rc.
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling)
	if cache != nil {
		rc = rc.WithCompilationCache(cache)
	}
	return webassembly.Init(webassembly.Config{
		Context:  experimental.WithMemoryAllocator(context.Background(), alloc),
		MinIdle:  0,
		MaxIdle:  maxEngines,
		MaxTotal: maxEngines,
		// No directory is mounted: documents are read through Go (a
		// reader), so PDFium sees no file system at all.
		FSConfig:      wazero.NewFSConfig(),
		RuntimeConfig: rc,
		Stdout:        io.Discard,
		Stderr:        io.Discard,
	})
}

// openCache returns wazero's on-disk compilation cache in dir, or nil when
// dir is empty or not writable. The entries live in a subdirectory named
// after the go-pdfium and wazero versions built in; those of other versions
// (about 20 MB each) are removed, so upgrades do not pile them up.
func openCache(dir string) wazero.CompilationCache {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil
	}
	tag := cacheTag()
	old, _ := filepath.Glob(filepath.Join(dir, "pdfium-*"))
	for _, o := range old {
		if filepath.Base(o) != tag {
			_ = os.RemoveAll(o)
		}
	}
	dir = filepath.Join(dir, tag)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil
	}
	removeStaleEntries(dir)
	probe, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return nil
	}
	probe.Close()
	os.Remove(probe.Name())
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil
	}
	return cache
}

// cacheTag names the cache subdirectory after the versions of go-pdfium
// (the module compiled) and wazero (the compiler) in this binary, and the
// runtime options.
func cacheTag() string {
	h := sha256.New()
	// wazero's own key leaves out some runtime options that change the
	// code (WithCloseOnContextDone): name them, for when they change.
	h.Write([]byte("exception-handling, no close-on-context-done\n"))
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path == "github.com/klippa-app/go-pdfium" || m.Path == "github.com/tetratelabs/wazero" {
				fmt.Fprintf(h, "%s@%s %s\n", m.Path, m.Version, m.Sum)
			}
		}
	}
	return "pdfium-" + hex.EncodeToString(h.Sum(nil)[:6])
}

// clearCache removes this version's entries so the next start fills the
// cache afresh.
func clearCache(dir string) {
	if dir != "" {
		_ = os.RemoveAll(filepath.Join(dir, cacheTag()))
	}
}

// retire marks e broken and kills it; its documents reopen elsewhere. Only
// with no call running in it (busy held, or the call returned).
func (r *Renderer) retire(e *engine) {
	r.mu.Lock()
	already := e.killed
	r.markBroken(e)
	e.killed = true
	r.mu.Unlock()
	if !already {
		_ = e.inst.Kill()
	}
}

// markBroken marks e broken, waking calls waiting for it (r.mu held).
func (r *Renderer) markBroken(e *engine) {
	if !e.broken {
		e.broken = true
		close(e.dead)
	}
}

// Document is an open PDF. Its methods are safe for concurrent use. The
// file stays open until Close (PDFium reads it as pages need it, so a big
// file costs no memory); close documents that are no longer shown.
type Document struct {
	r        *Renderer
	path     string
	password string

	mu     sync.Mutex // guards the fields below
	closed bool
	eng    *engine
	file   *os.File
	ref    references.FPDF_DOCUMENT
	pages  int
}

// open opens the file on an engine (again, after its engine failed).
func (d *Document) open() error {
	// Not os.Open: a FIFO swapped in for the file would block it forever.
	f, st, err := inputfile.Open(d.path)
	if errors.Is(err, inputfile.ErrNotRegular) {
		return fmt.Errorf("%w: %s is %s", ErrNotPDF, filepath.Base(d.path), inputfile.Kind(st.Mode()))
	}
	if err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	if st.Size() == 0 {
		f.Close()
		return fmt.Errorf("%w: the file is empty", ErrNotPDF)
	}
	e, err := d.r.engineFor()
	if err != nil {
		f.Close()
		return err
	}
	var ref references.FPDF_DOCUMENT
	var pages int
	err = d.r.call(e, func(p pdfium.Pdfium) error {
		req := &requests.OpenDocument{FileReader: f, FileReaderSize: st.Size()}
		if d.password != "" {
			req.Password = &d.password
		}
		res, err := p.OpenDocument(req)
		if err != nil {
			return openErr(err)
		}
		ref = res.Document
		n, err := p.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: ref})
		if err != nil {
			_, _ = p.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: ref})
			return err
		}
		pages = n.PageCount
		return nil
	})
	if err != nil {
		f.Close()
		d.r.release(e)
		return err
	}
	d.eng, d.file, d.ref, d.pages = e, f, ref, pages
	return nil
}

// openErr maps PDFium's reasons for not opening a file.
func openErr(err error) error {
	switch {
	case errors.Is(err, pdfiumerr.ErrPassword):
		return ErrPassword
	case errors.Is(err, pdfiumerr.ErrSecurity):
		return fmt.Errorf("%w: its encryption is not supported", ErrNotPDF)
	case errors.Is(err, pdfiumerr.ErrFormat):
		return fmt.Errorf("%w: it is damaged or not a PDF", ErrNotPDF)
	case errors.Is(err, pdfiumerr.ErrFile):
		return fmt.Errorf("%w: the file could not be read", ErrNotPDF)
	case errors.Is(err, pdfiumerr.ErrUnknown), errors.Is(err, pdfiumerr.ErrPage):
		return fmt.Errorf("%w: PDFium could not read it", ErrNotPDF)
	}
	return err
}

// release uncounts a document from e, retiring e when it is idle and its
// memory grew large.
func (r *Renderer) release(e *engine) {
	r.mu.Lock()
	e.docs--
	idleBig := e.docs == 0 && e.big && !e.broken
	r.mu.Unlock()
	if idleBig {
		r.retire(e)
	}
}

// call runs fn on e's instance, holding the engine. A panic, a trap of the
// WebAssembly code or a call beyond renderTimeout retires the engine: its
// state cannot be trusted after that. The caller gets its answer at the
// time limit even when PDFium goes on (a hostile file): the engine is
// killed when PDFium returns.
func (r *Renderer) call(e *engine, fn func(pdfium.Pdfium) error) error {
	select {
	case e.busy <- struct{}{}:
	case <-e.dead:
		return errEngine
	case <-r.done:
		return ErrClosed
	}
	r.mu.Lock()
	closed, broken := r.closed, e.broken
	r.mu.Unlock()
	if closed || broken {
		<-e.busy
		if closed {
			return ErrClosed
		}
		return errEngine
	}
	done := make(chan error, 1)
	go func() {
		defer func() { <-e.busy }()
		err := safely(e, fn)
		r.mu.Lock()
		timedOut := e.broken
		r.mu.Unlock()
		if timedOut || (err != nil && fatal(err)) || e.tooLarge() {
			r.retire(e)
		}
		done <- err
	}()
	timer := time.NewTimer(renderTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if e.tooLarge() {
			// Whatever PDFium made of the refused memory, the answer is
			// this one; the engine is gone.
			return fmt.Errorf("preview: %w (more than %d MB)", ErrTooLarge, engineMemory>>20)
		}
		if err != nil && fatal(err) {
			err = fmt.Errorf("preview: PDFium failed: %s", lower(err))
		}
		return err
	case <-timer.C:
		// Marked broken, not killed: PDFium still runs in it.
		r.mu.Lock()
		r.markBroken(e)
		r.mu.Unlock()
		return fmt.Errorf("preview: the page took longer than %v to draw", renderTimeout)
	}
}

// tooLarge tells whether e's memory was refused growth beyond its cap.
func (e *engine) tooLarge() bool {
	return e.mem != nil && e.mem.refused.Load()
}

// safely runs fn, turning a panic into an error that fatal recognises.
func safely(e *engine, fn func(pdfium.Pdfium) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic occurred: %v", p)
		}
	}()
	return fn(e.inst)
}

// errEngine says the document's engine was retired; the document reopens.
var errEngine = errors.New("preview: PDFium instance was stopped")

// fatal tells errors that leave the instance unusable: panics recovered by
// go-pdfium and WebAssembly traps (wazero's errors say "wasm error").
func fatal(err error) bool {
	s := err.Error()
	return strings.Contains(s, "panic occurred") || strings.Contains(s, "wasm error") ||
		strings.Contains(s, "module closed") || strings.Contains(s, "instance is closed")
}

// lower lowercases the first letter of err's text, as errors here read.
func lower(err error) string {
	s := err.Error()
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// use runs fn with the document's engine, reopening the document once on
// a fresh engine when its engine was retired.
func (d *Document) use(fn func(e *engine, ref references.FPDF_DOCUMENT) error) (err error) {
	defer recoverTo(&err)
	for attempt := 0; ; attempt++ {
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			return ErrClosed
		}
		d.r.mu.Lock()
		broken := d.eng.broken
		d.r.mu.Unlock()
		if broken {
			old, oldFile := d.eng, d.file
			if err := d.open(); err != nil {
				d.mu.Unlock()
				return err
			}
			d.r.release(old)
			oldFile.Close()
		}
		e, ref := d.eng, d.ref
		d.mu.Unlock()
		err = d.r.call(e, func(pdfium.Pdfium) error { return fn(e, ref) })
		if !errors.Is(err, errEngine) || attempt > 0 {
			return err
		}
	}
}

// Pages is the number of pages.
func (d *Document) Pages() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pages
}

func (d *Document) checkPage(page int) error {
	if n := d.Pages(); page < 1 || page > n {
		return fmt.Errorf("%w: page %d requested, the document has %d", ErrPage, page, n)
	}
	return nil
}

// PageSize is page's size in PDF points as displayed: the crop box, after
// /Rotate (page is 1-based).
func (d *Document) PageSize(page int) (w, h float64, err error) {
	if err := d.checkPage(page); err != nil {
		return 0, 0, err
	}
	err = d.use(func(e *engine, ref references.FPDF_DOCUMENT) error {
		w, h, err = pageSize(e.inst, ref, page)
		return err
	})
	return w, h, err
}

func pageSize(p pdfium.Pdfium, ref references.FPDF_DOCUMENT, page int) (float64, float64, error) {
	res, err := p.GetPageSize(&requests.GetPageSize{Page: requests.Page{
		ByIndex: &requests.PageByIndex{Document: ref, Index: page - 1}}})
	if err != nil {
		return 0, 0, fmt.Errorf("preview: reading page %d: %s", page, lower(err))
	}
	if !(res.Width > 0 && res.Height > 0) || math.IsInf(res.Width, 0) || math.IsInf(res.Height, 0) {
		// PDFium's reading of a crop box outside the media box.
		return 0, 0, fmt.Errorf("preview: page %d has no visible area", page)
	}
	return res.Width, res.Height, nil
}

// Render draws page (1-based) as displayed, width pixels wide; the height
// follows the page's aspect ratio (rounded up). Widths beyond MaxWidth,
// or images beyond MaxPixels, are drawn smaller: the caller scales by the
// image's actual width. The image is opaque (transparent parts on white).
// While the first start compiles PDFium (Fill), a page draftMin wide or
// more comes at half the width as a Draft. The interpreter is some 100
// times slower than the compiled code (1.3 s against 13 ms for an A4 text
// page 800 px wide): a page that takes over 0.3 s compiled may reach
// renderTimeout then.
func (d *Document) Render(page, width int) (img image.Image, err error) {
	if err := d.checkPage(page); err != nil {
		return nil, err
	}
	if width < 1 {
		return nil, fmt.Errorf("preview: width %d is not positive", width)
	}
	err = d.use(func(e *engine, ref references.FPDF_DOCUMENT) error {
		p := e.inst
		w, h, err := pageSize(p, ref, page)
		if err != nil {
			return err
		}
		width := fitWidth(width, w, h)
		draft := e.interp && width >= draftMin
		if draft {
			width /= 2
		}
		if float64(width)*math.Ceil(float64(width)*h/w) > bigPixels {
			d.r.mu.Lock()
			e.big = true
			d.r.mu.Unlock()
		}
		res, err := p.RenderPageInPixels(&requests.RenderPageInPixels{
			Page:        requests.Page{ByIndex: &requests.PageByIndex{Document: ref, Index: page - 1}},
			Width:       width,
			RenderFlags: enums.FPDF_RENDER_FLAG_ANNOT,
			// Signature boxes are widgets, which PDFium draws only
			// with the form layer.
			RenderForm: true,
			Document:   &ref,
		})
		if err != nil {
			return fmt.Errorf("preview: drawing page %d: %s", page, lower(err))
		}
		defer res.Cleanup()
		src, ok := res.Result.RenderedImage.(*image.RGBA)
		if !ok {
			return errors.New("preview: PDFium returned an unexpected image")
		}
		rgba := opaqueCopy(src)
		img = rgba
		if draft {
			img = Draft{RGBA: rgba, sharp: d.r.sharp}
		}
		return nil
	})
	return img, err
}

// fitWidth bounds a requested width by MaxWidth and MaxPixels for a page
// of w x h points.
func fitWidth(width int, w, h float64) int {
	width = min(width, MaxWidth)
	if float64(width)*math.Ceil(float64(width)*h/w) > MaxPixels {
		width = int(math.Sqrt(MaxPixels * w / h))
		for width > 1 && float64(width)*math.Ceil(float64(width)*h/w) > MaxPixels {
			width--
		}
	}
	return max(width, 1)
}

// opaqueCopy copies src out of the WebAssembly memory (it is only a view
// until cleanup) and lays it on white. PDFium leaves a page with
// transparency unpremultiplied on transparent black.
func opaqueCopy(src *image.RGBA) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		s := src.Pix[y*src.Stride : y*src.Stride+4*b.Dx()]
		o := dst.Pix[y*dst.Stride : y*dst.Stride+4*b.Dx()]
		for i := 0; i < len(s); i += 4 {
			a := uint32(s[i+3])
			if a == 255 {
				copy(o[i:i+4], s[i:i+4])
				continue
			}
			for c := 0; c < 3; c++ {
				o[i+c] = uint8((uint32(s[i+c])*a + 255*(255-a) + 127) / 255)
			}
			o[i+3] = 255
		}
	}
	return dst
}

// Close releases the document. Calling it again does nothing.
func (d *Document) Close() (err error) {
	defer recoverTo(&err)
	d.r.mu.Lock()
	if d.r.docs != nil {
		delete(d.r.docs, d)
	}
	d.r.mu.Unlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	e, ref, f := d.eng, d.ref, d.file
	err = d.r.call(e, func(p pdfium.Pdfium) error {
		_, err := p.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: ref})
		return err
	})
	if errors.Is(err, ErrClosed) || errors.Is(err, errEngine) {
		err = nil // gone with its engine
	}
	d.r.release(e)
	f.Close()
	return err
}

// closeDead marks d closed when the renderer closes: the engines go away
// whole, so PDFium is not called.
func (d *Document) closeDead() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.closed = true
	d.file.Close()
}

// recoverTo turns a panic into *err, so none reaches the user.
func recoverTo(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("preview: internal error: %v", p)
	}
}
