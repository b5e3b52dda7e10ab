package preview

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// page describes a one-page test PDF: its media box, an optional crop box,
// /Rotate (set on the page tree node when inherit, else on the page), and
// a red rectangle filled at fill (x, y, w, h in default user space).
type page struct {
	media   [4]float64
	crop    *[4]float64
	rot     int
	inherit bool
	fill    [4]float64
	// lines of text (Helvetica) down the page, for a realistic page.
	lines int
}

// pdf writes p as a PDF with a classic cross-reference table.
func (p page) pdf() []byte {
	var b bytes.Buffer
	offs := []int{}
	obj := func(body string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), body)
	}
	box := func(r [4]float64) string { return fmt.Sprintf("[%g %g %g %g]", r[0], r[1], r[2], r[3]) }
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<</Type/Catalog/Pages 2 0 R>>")
	node, leaf := "", ""
	if p.inherit {
		node = fmt.Sprintf("/Rotate %d", p.rot)
	} else if p.rot != 0 {
		leaf = fmt.Sprintf("/Rotate %d", p.rot)
	}
	obj(fmt.Sprintf("<</Type/Pages/Count 1/Kids[3 0 R]%s>>", node))
	if p.crop != nil {
		leaf += "/CropBox" + box(*p.crop)
	}
	res := "<<>>"
	if p.lines > 0 {
		res = "<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>"
	}
	obj(fmt.Sprintf("<</Type/Page/Parent 2 0 R/MediaBox%s%s/Contents 4 0 R/Resources%s>>", box(p.media), leaf, res))
	content := ""
	if p.fill[2] > 0 {
		content = fmt.Sprintf("1 0 0 rg %g %g %g %g re f", p.fill[0], p.fill[1], p.fill[2], p.fill[3])
	}
	if p.lines > 0 {
		content += fmt.Sprintf("\nBT 0 g /F1 11 Tf 14 TL %g %g Td", p.media[0]+60, p.media[3]-60)
		for i := 0; i < p.lines; i++ {
			content += fmt.Sprintf(" (%d. Menimbang bahwa untuk melaksanakan ketentuan Pasal %d perlu menetapkan Keputusan Bupati) '", i+1, i+3)
		}
		content += " ET"
	}
	obj(fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(content)+1, content))
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, x)
	return b.Bytes()
}

// write saves p in a temporary file and returns its path.
func (p page) write(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "page.pdf")
	if err := os.WriteFile(path, p.pdf(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// visible is the crop box clipped to the media box (llx, lly, urx, ury).
func (p page) visible() [4]float64 {
	if p.crop == nil {
		return p.media
	}
	c := *p.crop
	return [4]float64{max(c[0], p.media[0]), max(c[1], p.media[1]), min(c[2], p.media[2]), min(c[3], p.media[3])}
}

// displayedSize is the page's width and height as a reader sees them.
func (p page) displayedSize() (float64, float64) {
	v := p.visible()
	w, h := v[2]-v[0], v[3]-v[1]
	if p.rot == 90 || p.rot == 270 {
		return h, w
	}
	return w, h
}

// displayedFill is the red rectangle measured on the displayed page from
// its bottom-left corner (the space of pdfsign.Rect): x, y, w, h. Worked
// out from /Rotate turning the page clockwise.
func (p page) displayedFill() [4]float64 {
	v := p.visible()
	cw, ch := v[2]-v[0], v[3]-v[1]
	u0, v0 := p.fill[0]-v[0], p.fill[1]-v[1]
	u1, v1 := u0+p.fill[2], v0+p.fill[3]
	switch p.rot {
	case 90: // the page's left edge goes to the top
		return [4]float64{v0, cw - u1, v1 - v0, u1 - u0}
	case 180:
		return [4]float64{cw - u1, ch - v1, u1 - u0, v1 - v0}
	case 270: // the page's left edge goes to the bottom
		return [4]float64{ch - v1, u0, v1 - v0, u1 - u0}
	}
	return [4]float64{u0, v0, u1 - u0, v1 - v0}
}

// pixels turns r (displayed points, origin bottom-left) into image pixels
// (origin top-left) at scale pixels per point on a page dh points high.
func pixels(r [4]float64, dh, scale float64) image.Rectangle {
	return image.Rect(int(math.Round(r[0]*scale)), int(math.Round((dh-r[1]-r[3])*scale)),
		int(math.Round((r[0]+r[2])*scale)), int(math.Round((dh-r[1])*scale)))
}

// bounds is the bounding box of the pixels for which match is true.
func bounds(img image.Image, match func(r, g, b uint32) bool) image.Rectangle {
	var out image.Rectangle
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if match(r>>8, g>>8, bl>>8) {
				out = out.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return out
}

func isRed(r, g, b uint32) bool  { return r > 200 && g < 80 && b < 80 }
func isDark(r, g, b uint32) bool { return (r+g+b)/3 < 160 }

// near says whether a and b differ by at most tol pixels on every edge.
func near(a, b image.Rectangle, tol int) bool {
	d := func(x, y int) bool { return x-y <= tol && y-x <= tol }
	return d(a.Min.X, b.Min.X) && d(a.Min.Y, b.Min.Y) && d(a.Max.X, b.Max.X) && d(a.Max.Y, b.Max.Y)
}

// pdftoppm renders page 1 of path with poppler (its crop box, as a viewer
// shows it) at scale pixels per point.
func pdftoppm(t *testing.T, path string, scale float64) image.Image {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm (poppler-utils) not installed")
	}
	prefix := filepath.Join(t.TempDir(), "page")
	out, err := exec.Command("pdftoppm", "-r", fmt.Sprint(72*scale), "-f", "1", "-l", "1", "-singlefile",
		"-cropbox", "-png", path, prefix).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	f, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
