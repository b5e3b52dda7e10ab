// Package docprep prepares PDFs before they are signed, with pdfcpu:
// merging several into one, removing, reordering and turning pages, and
// checking a document and writing a clean copy of a damaged one. Every
// result is a new file beside the first input, never written over an
// input or an existing file, and only complete (a temporary file renamed
// into place). A document that carries signatures is never rewritten: its
// signatures would break.
package docprep

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/natunakab/besign/internal/atomicfile"
	"github.com/natunakab/besign/pdfsign"
)

// Errors of preparing documents.
var (
	// ErrSigned: the document carries signatures, which a rewrite would
	// break; sign a copy made before signing instead.
	ErrSigned = errors.New("the document is signed: preparing it would break its signatures")
	// ErrPages: a page number outside the document, a repeated one, or a
	// change that would leave no page.
	ErrPages = errors.New("the pages asked for do not fit the document")
	// ErrRotation: a turn that is not a multiple of 90 degrees.
	ErrRotation = errors.New("pages turn only by multiples of 90 degrees")
	// ErrDamaged: pdfcpu could not read or write the document; Check
	// tells what is wrong, and Repair may write a clean copy.
	ErrDamaged = errors.New("the document is damaged")
	// ErrNoInput: nothing to prepare.
	ErrNoInput = errors.New("no document given")
)

// config is pdfcpu's configuration for every call: relaxed validation
// (what readers accept), and no configuration folder written into the
// user's home.
func config() *model.Configuration {
	configOnce.Do(func() { model.ConfigPath = "disable" })
	c := model.NewDefaultConfiguration()
	c.ValidationMode = model.ValidationRelaxed
	return c
}

var configOnce sync.Once

// Report is what Check found.
type Report struct {
	// Pages is the page count when the document could be read.
	Pages int
	// Problem is the first thing found wrong, in English, "" for none:
	// pdfcpu's validation error, or a cross-reference table readers have
	// to rebuild (the mark of a cut or badly written file).
	Problem string
	// Broken tells that the cross-reference table is broken.
	Broken bool
	// Signed tells that the document carries signatures.
	Signed bool
}

// OK tells whether the document passed the check.
func (r Report) OK() bool { return r.Problem == "" }

// Check validates the PDF at path with pdfcpu, as readers would read it,
// reads it with pdfsign's reader for a broken cross-reference table, and
// tells whether it is signed.
func Check(path string) (Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return Report{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Report{}, err
	}
	var r Report
	if facts, err := pdfsign.ReadFacts(f, st.Size(), ""); err == nil {
		r.Pages, r.Broken = len(facts.PageSizes), facts.Repaired
		for _, fd := range facts.Fields {
			r.Signed = r.Signed || fd.Signed
		}
	}
	if err := api.Validate(io.NewSectionReader(f, 0, st.Size()), config()); err != nil {
		r.Problem = firstLine(err.Error())
	} else if r.Broken {
		r.Problem = "the cross-reference table is broken; readers rebuild it from the objects"
	}
	return r, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// Merge writes the documents of inputs, in that order, into one new file
// beside the first and returns its path.
func Merge(inputs []string) (string, error) {
	if len(inputs) == 0 {
		return "", ErrNoInput
	}
	if err := refuseSigned(inputs...); err != nil {
		return "", err
	}
	return write(inputs[0], func(w io.Writer) error {
		var rs []io.ReadSeeker
		for _, in := range inputs {
			f, err := os.Open(in)
			if err != nil {
				return err
			}
			defer f.Close()
			rs = append(rs, f)
		}
		return api.MergeRaw(rs, w, false, config())
	})
}

// RemovePages writes a copy of the document at in without pages (1-based)
// and returns its path.
func RemovePages(in string, pages []int) (string, error) {
	n, err := pageCount(in)
	if err != nil {
		return "", err
	}
	if err := checkPages(pages, n, false); err != nil {
		return "", err
	}
	if len(pages) >= n {
		return "", fmt.Errorf("%w: removing %d of %d pages leaves none", ErrPages, len(pages), n)
	}
	return transform(in, func(r io.ReadSeeker, w io.Writer) error {
		return api.RemovePages(r, w, selection(pages), config())
	})
}

// Rotate writes a copy of the document at in with pages (1-based; none:
// every page) turned clockwise by degrees, and returns its path.
func Rotate(in string, pages []int, degrees int) (string, error) {
	if degrees%90 != 0 || degrees == 0 {
		return "", fmt.Errorf("%w: %d", ErrRotation, degrees)
	}
	n, err := pageCount(in)
	if err != nil {
		return "", err
	}
	if err := checkPages(pages, n, false); err != nil {
		return "", err
	}
	return transform(in, func(r io.ReadSeeker, w io.Writer) error {
		return api.Rotate(r, w, ((degrees%360)+360)%360, selection(pages), config())
	})
}

// Reorder writes a copy of the document at in whose pages come in order
// (1-based, every page exactly once) and returns its path.
func Reorder(in string, order []int) (string, error) {
	n, err := pageCount(in)
	if err != nil {
		return "", err
	}
	if err := checkPages(order, n, true); err != nil {
		return "", err
	}
	return transform(in, func(r io.ReadSeeker, w io.Writer) error {
		return api.Collect(r, w, selection(order), config())
	})
}

// Repair writes a clean copy of the document at in, rewritten by pdfcpu
// (its optimise), and returns its path.
func Repair(in string) (string, error) {
	return transform(in, func(r io.ReadSeeker, w io.Writer) error {
		return api.Optimize(r, w, config())
	})
}

// transform refuses a signed document, then writes f's output beside in.
func transform(in string, f func(io.ReadSeeker, io.Writer) error) (string, error) {
	if err := refuseSigned(in); err != nil {
		return "", err
	}
	return write(in, func(w io.Writer) error {
		r, err := os.Open(in)
		if err != nil {
			return err
		}
		defer r.Close()
		return f(r, w)
	})
}

// write writes a new file beside in through fill: complete or not at all.
func write(in string, fill func(io.Writer) error) (string, error) {
	out, err := atomicfile.CreateNew(OutputName(in), 0o644, fill)
	if err != nil {
		var pathErr *os.PathError
		if errors.As(err, &pathErr) || errors.Is(err, os.ErrExist) {
			return "", err
		}
		return "", fmt.Errorf("%w: %v", ErrDamaged, firstLine(err.Error()))
	}
	return out, nil
}

// Suffix marks a prepared copy's name: NAME_prepared.pdf beside the input,
// numbered NAME_prepared (2).pdf when that is taken.
const Suffix = "_prepared"

// OutputName is the name of the prepared copy of in, before numbering.
func OutputName(in string) string {
	dir, base := filepath.Split(in)
	if ext := filepath.Ext(base); strings.EqualFold(ext, ".pdf") {
		base = strings.TrimSuffix(base, ext)
	}
	return filepath.Join(dir, base+Suffix+".pdf")
}

// refuseSigned fails on the first document of paths that carries
// signatures.
func refuseSigned(paths ...string) error {
	for _, p := range paths {
		f, st, err := pdfsign.OpenInput(p)
		if err != nil {
			return err
		}
		facts, err := pdfsign.ReadFacts(f, st.Size(), "")
		f.Close()
		if err != nil {
			continue // pdfcpu says what is wrong with it
		}
		for _, fd := range facts.Fields {
			if fd.Signed {
				return fmt.Errorf("%s: %w", filepath.Base(p), ErrSigned)
			}
		}
	}
	return nil
}

func pageCount(in string) (int, error) {
	f, err := os.Open(in)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := api.PageCount(f, config())
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrDamaged, firstLine(err.Error()))
	}
	return n, nil
}

// checkPages refuses numbers outside 1..n and repeats; all asks for every
// page exactly once.
func checkPages(pages []int, n int, all bool) error {
	seen := map[int]bool{}
	for _, p := range pages {
		if p < 1 || p > n {
			return fmt.Errorf("%w: page %d of %d", ErrPages, p, n)
		}
		if seen[p] {
			return fmt.Errorf("%w: page %d twice", ErrPages, p)
		}
		seen[p] = true
	}
	if all && len(pages) != n {
		return fmt.Errorf("%w: %d of %d pages ordered", ErrPages, len(pages), n)
	}
	return nil
}

// selection is pdfcpu's page selection of pages, in their order.
func selection(pages []int) []string {
	out := make([]string, len(pages))
	for i, p := range pages {
		out[i] = strconv.Itoa(p)
	}
	return out
}
