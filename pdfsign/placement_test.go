package pdfsign

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

// rotatedPDF has one blank page: media box 600 x 800, crop box offset to
// [50 70 550 770] (500 x 700), /Rotate rot set on the page tree node so
// that the page inherits it.
func rotatedPDF(rot int) []byte {
	p := &pdfBuilder{offs: map[int]int{}, eol: "\n"}
	p.b.WriteString("%PDF-1.4\n")
	p.obj(1, "<</Type/Catalog/Pages 2 0 R>>")
	p.obj(2, fmt.Sprintf("<</Type/Pages/Count 1/Kids[3 0 R]/Rotate %d>>", rot))
	p.obj(3, "<</Type/Page/Parent 2 0 R/MediaBox[0 0 600 800]/CropBox[50 70 550 770]/Contents 4 0 R/Resources<<>>>>")
	p.obj(4, "<</Length 0>>\nstream\n\nendstream")
	return p.table(4)
}

// table ends the file with a cross-reference table for objects 1 to n
// and a trailer whose /Root is object 1.
func (p *pdfBuilder) table(n int) []byte {
	x := p.b.Len()
	fmt.Fprintf(&p.b, "xref\n0 %d\n0000000000 65535 f\r\n", n+1)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&p.b, "%010d 00000 n\r\n", p.offs[i])
	}
	fmt.Fprintf(&p.b, "trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", n+1, x)
	return p.b.Bytes()
}

// render runs pdftoppm on page 1 (its crop box) at scale pixels per
// point, in grey.
func render(t *testing.T, path string, scale int) *image.Gray {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "page")
	if out, err := run("pdftoppm", "-r", fmt.Sprint(72*scale), "-f", "1", "-l", "1", "-singlefile", "-cropbox", "-gray", "-png", path, prefix); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	fh, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		g = image.NewGray(img.Bounds())
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				g.Set(x, y, img.At(x, y))
			}
		}
	}
	return g
}

// darkBounds returns the bounding box of pixels darker than 160.
func darkBounds(g *image.Gray) image.Rectangle {
	var b image.Rectangle
	first := true
	for y := g.Rect.Min.Y; y < g.Rect.Max.Y; y++ {
		for x := g.Rect.Min.X; x < g.Rect.Max.X; x++ {
			if g.GrayAt(x, y).Y < 160 {
				p := image.Rect(x, y, x+1, y+1)
				if first {
					b, first = p, false
				} else {
					b = b.Union(p)
				}
			}
		}
	}
	return b
}

// darkShare is the share of pixels darker than 128 inside r.
func darkShare(g *image.Gray, r image.Rectangle) float64 {
	n, dark := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			n++
			if g.GrayAt(x, y).Y < 128 {
				dark++
			}
		}
	}
	return float64(dark) / float64(max(n, 1))
}

// TestPlacementRotated signs pages rotated 0, 90, 180 and 270 with an
// offset crop box, renders them with pdftoppm, and checks that the box's
// pixels sit where --rect says on the displayed page, with the QR code on
// the left (upright).
func TestPlacementRotated(t *testing.T) {
	k := getKit(t)
	const scale = 2
	r := Rect{X: 20, Y: 30, W: 240, H: 80}
	for _, rot := range []int{0, 90, 180, 270} {
		t.Run(fmt.Sprint(rot), func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "rot.pdf")
			os.WriteFile(in, rotatedPDF(rot), 0o644)
			_, two := signTwice(t, k, in, Options{}, r)
			g := render(t, two, scale)
			vw, vh := 500, 700
			if rot == 90 || rot == 270 {
				vw, vh = 700, 500
			}
			if g.Rect.Dx() != vw*scale || g.Rect.Dy() != vh*scale {
				t.Fatalf("rendered %v, want %d x %d", g.Rect, vw*scale, vh*scale)
			}
			want := image.Rect(int(r.X)*scale, (vh-int(r.Y+r.H))*scale, int(r.X+r.W)*scale, (vh-int(r.Y))*scale)
			checkStamp(t, g, want, scale)
		})
	}
}

// checkStamp checks that the dark pixels of g are the 240 x 80 point
// stamp at want, upright: the QR code (74 x 74 points) on the left, the
// text lines on the right (a turned stamp puts the code elsewhere).
func checkStamp(t *testing.T, g *image.Gray, want image.Rectangle, scale int) {
	t.Helper()
	got := darkBounds(g)
	const tol = 3
	if abs(got.Min.X-want.Min.X) > tol || abs(got.Min.Y-want.Min.Y) > tol || abs(got.Max.X-want.Max.X) > tol || abs(got.Max.Y-want.Max.Y) > tol {
		t.Fatalf("box drawn at %v, want %v (pixels)", got, want)
	}
	qr := image.Rect(want.Min.X+6*scale, want.Min.Y+6*scale, want.Min.X+74*scale, want.Max.Y-6*scale)
	right := image.Rect(want.Max.X-74*scale, want.Min.Y+6*scale, want.Max.X-6*scale, want.Max.Y-6*scale)
	if q, t2 := darkShare(g, qr), darkShare(g, right); q < 0.3 || t2 > 0.25 || t2 < 0.005 {
		t.Fatalf("dark share: QR area %.2f, text area %.3f: the appearance is not upright", q, t2)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// TestPlacementRefusal: the box is checked against the displayed page.
func TestPlacementRefusal(t *testing.T) {
	rsaPKI, _ := pkis()
	in := filepath.Join(t.TempDir(), "rot.pdf")
	os.WriteFile(in, rotatedPDF(90), 0o644)
	out := filepath.Join(t.TempDir(), "out.pdf")
	opts := Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain(), Appearance: &Appearance{Rect: Rect{X: 600, Y: 10, W: 90, H: 40}, Labels: idLabels}}
	// 690 across fits the displayed 700 x 500 page (not the 500 x 700
	// crop box, nor the 600 x 800 media box).
	if err := SignFile(in, out, opts, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	opts.Appearance.Rect = Rect{X: 10, Y: 450, W: 100, H: 60}
	err := SignFile(in, filepath.Join(t.TempDir(), "o2.pdf"), opts, FileOptions{})
	if !errors.Is(err, ErrRect) || !strings.Contains(err.Error(), "700 x 500 points") {
		t.Fatalf("got %v, want ErrRect naming the displayed size 700 x 500", err)
	}
}

// TestRotationAsPDFium reads /Rotate as PDFium (the app's preview) does,
// so that a box placed on the preview lands in the same place.
func TestRotationAsPDFium(t *testing.T) {
	for _, c := range []struct {
		v    pdf.Object
		want int
	}{
		{pdf.Int(0), 0}, {pdf.Int(90), 90}, {pdf.Int(-90), 270}, {pdf.Int(450), 90}, {pdf.Int(-450), 270},
		{pdf.Real(90), 90}, {pdf.Real(270.0), 270}, {pdf.Int(135), 90}, {pdf.Int(89), 0},
		{pdf.Name("90"), 0}, {nil, 0},
	} {
		p := &pageInfo{inherited: inherited{rotate: c.v}}
		if got := p.rotation(); got != c.want {
			t.Errorf("/Rotate %v reads as %d, want %d", c.v, got, c.want)
		}
	}
}
