package screens

import (
	"image"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/preview"
)

// A page drawn while the app's first start readies the previews' engine
// comes as a half-width draft: the view shows it and asks for the page
// again, sharp, once the engine is ready (real PDFium: the interpreter,
// then the compiled code). Without the draft's handling the view would
// keep the half-width page as drawn and never ask again.
func TestDraftDrawnAgain(t *testing.T) {
	test.NewTempApp(t)
	path := filepath.Join(t.TempDir(), "surat.pdf")
	if err := os.WriteFile(path, testpdf.Base(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := preview.New(filepath.Join(t.TempDir(), "preview"))
	defer r.Close()
	inFill, release, filled := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		filled <- r.Fill(func(dir string) error {
			close(inFill)
			<-release
			return preview.FillCache(dir)
		})
	}()
	<-inFill
	d, err := r.Open(path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	img, err := d.Render(1, 800)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := img.(preview.Draft); !ok {
		t.Fatalf("a page drawn during the first start's compilation is a %T, not a draft", img)
	}

	v := newDocView(newPagePreview)
	queued := make(chan func(), 1)
	v.deliver = func(f func()) { queued <- f }
	var asked []int
	v.OnVisible = func(page, width int) { asked = append(asked, page) }
	v.setPages([][2]float64{{300, 300}}, true)
	v.setImage(1, img, 800)
	if got := v.page(1).img; got == nil || got.Bounds().Dx() != 400 {
		t.Fatalf("the draft is not shown: %v", got)
	}
	if _, ok := v.page(1).img.(*image.RGBA); !ok {
		t.Fatalf("the page holds a %T, not the draft's pixels", v.page(1).img)
	}
	close(release)
	if err := <-filled; err != nil {
		t.Fatal(err)
	}
	select {
	case f := <-queued:
		f()
	case <-time.After(time.Minute):
		t.Fatal("the view was not told that pages can be drawn sharp")
	}
	if len(asked) == 0 || asked[0] != 1 {
		t.Fatalf("after the engine is ready the view asked for pages %v, want page 1", asked)
	}
	img, err = d.Render(1, 800)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := img.(preview.Draft); ok || img.Bounds().Dx() != 800 {
		t.Fatalf("once ready the page comes as %T %v", img, img.Bounds())
	}
}
