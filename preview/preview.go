// Package preview renders PDF pages to images for the signing tab, with
// PDFium compiled to WebAssembly (go-pdfium's webassembly runtime on
// wazero): pure Go, no cgo, and a licence that suits the product. The
// runtime starts lazily, on the first document, never on the UI goroutine
// and never before the window is up.
package preview

import (
	"errors"
	"image"
)

// Errors.
var (
	// ErrPassword: the PDF needs a password, or the one given is wrong.
	ErrPassword = errors.New("the PDF needs its password")
	// ErrNotPDF: the file is not a PDF PDFium can read.
	ErrNotPDF = errors.New("not a readable PDF")
	// ErrClosed: the renderer was closed.
	ErrClosed = errors.New("preview renderer is closed")
)

// Renderer renders pages; one per app. It is safe for concurrent use.
type Renderer struct{}

// New returns a renderer that starts nothing yet. cacheDir (may be empty)
// keeps the compiled WebAssembly between runs, so later starts are faster.
func New(cacheDir string) *Renderer { return &Renderer{} }

// Open opens the PDF at path (password may be empty), starting the runtime
// when this is the first document.
func (r *Renderer) Open(path, password string) (*Document, error) {
	return nil, errors.New("preview: not built yet")
}

// Close stops the runtime; documents still open are closed.
func (r *Renderer) Close() error { return nil }

// Document is an open PDF.
type Document struct{}

// Pages is the number of pages.
func (d *Document) Pages() int { return 0 }

// PageSize is page's size in PDF points as displayed: the crop box, after
// /Rotate (page is 1-based).
func (d *Document) PageSize(page int) (w, h float64, err error) {
	return 0, 0, errors.New("preview: not built yet")
}

// Render draws page (1-based) as displayed, width pixels wide.
func (d *Document) Render(page, width int) (image.Image, error) {
	return nil, errors.New("preview: not built yet")
}

// Close releases the document.
func (d *Document) Close() error { return nil }
