package camera

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"runtime"
	"testing"
)

// opaque hides an image's concrete type, so that PreviewInto takes its generic path: the reference
// the fast paths must match exactly.
type opaque struct{ image.Image }

func randomYCbCr(r image.Rectangle, ratio image.YCbCrSubsampleRatio, seed uint64) *image.YCbCr {
	img := image.NewYCbCr(r, ratio)
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, p := range [][]uint8{img.Y, img.Cb, img.Cr} {
		for i := range p {
			p[i] = uint8(rng.UintN(256))
		}
	}
	return img
}

func samePixels(t *testing.T, what string, got, want *image.RGBA) {
	t.Helper()
	if got.Rect != want.Rect {
		t.Fatalf("%s: bounds %v, want %v", what, got.Rect, want.Rect)
	}
	for y := got.Rect.Min.Y; y < got.Rect.Max.Y; y++ {
		for x := got.Rect.Min.X; x < got.Rect.Max.X; x++ {
			if g, w := got.RGBAAt(x, y), want.RGBAAt(x, y); g != w {
				t.Fatalf("%s: pixel (%d,%d) = %v, want %v", what, x, y, g, w)
			}
		}
	}
}

func TestPreviewYCbCrMatchesGenericPath(t *testing.T) {
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411,
		image.YCbCrSubsampleRatio410}
	for i, ratio := range ratios {
		full := randomYCbCr(image.Rect(0, 0, 800, 450), ratio, uint64(i))
		// A sub-image with odd offsets exercises the plane offsets.
		sub := full.SubImage(image.Rect(3, 5, 603, 445)).(*image.YCbCr)
		for _, src := range []*image.YCbCr{full, sub} {
			for _, size := range []image.Point{{640, 480}, {400, 225}, {300, 400}, {17, 9}} {
				for _, mirror := range []bool{false, true} {
					what := fmt.Sprintf("%v %v -> %v mirror %v", ratio, src.Rect, size, mirror)
					samePixels(t, what, Preview(src, size.X, size.Y, mirror), Preview(opaque{src}, size.X, size.Y, mirror))
				}
			}
		}
	}
}

func TestPreviewSameSizeIsPlainConversion(t *testing.T) {
	src := randomYCbCr(image.Rect(0, 0, 640, 480), image.YCbCrSubsampleRatio422, 1)
	got := Preview(src, 640, 480, false)
	mirrored := Preview(src, 640, 480, true)
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			want := color.RGBAModel.Convert(src.At(x, y)).(color.RGBA)
			if g := got.RGBAAt(x, y); g != want {
				t.Fatalf("(%d,%d) = %v, want %v", x, y, g, want)
			}
			if m := mirrored.RGBAAt(639-x, y); m != want {
				t.Fatalf("mirrored (%d,%d) = %v, want %v", 639-x, y, m, want)
			}
		}
	}
}

// 1280x720 into 4:3 keeps the middle 960 columns, whole height.
func TestPreviewCropsToFill(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 1280, 720))
	for y := 0; y < 720; y++ {
		for x := 0; x < 1280; x++ {
			c := color.RGBA{0, 0, 0xff, 0xff} // inside the crop: blue
			if x < 160 || x >= 1120 {
				c = color.RGBA{0xff, 0, 0, 0xff} // outside: red
			}
			src.SetRGBA(x, y, c)
		}
	}
	got := Preview(src, 640, 480, false)
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			if c := got.RGBAAt(x, y); c.B != 0xff || c.R != 0 {
				t.Fatalf("(%d,%d) = %v: outside the centred crop", x, y, c)
			}
		}
	}
}

func TestPreviewRGBAAndNRGBAMatchGenericPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rgba := image.NewRGBA(image.Rect(2, 1, 402, 301))
	nrgba := image.NewNRGBA(image.Rect(2, 1, 402, 301))
	for i := range rgba.Pix {
		nrgba.Pix[i] = uint8(rng.UintN(256))
	}
	for i := 0; i < len(rgba.Pix); i += 4 { // valid premultiplied colours
		a := uint8(rng.UintN(256))
		rgba.Pix[i], rgba.Pix[i+1], rgba.Pix[i+2], rgba.Pix[i+3] = a/2, a/3, a, a
	}
	for _, src := range []image.Image{rgba, nrgba} {
		for _, mirror := range []bool{false, true} {
			samePixels(t, fmt.Sprintf("%T mirror %v", src, mirror), Preview(src, 320, 240, mirror), Preview(opaque{src}, 320, 240, mirror))
		}
	}
}

func TestPreviewDegenerateSizes(t *testing.T) {
	src := randomYCbCr(image.Rect(0, 0, 64, 48), image.YCbCrSubsampleRatio420, 5)
	if p := Preview(src, 0, 0, false); !p.Rect.Empty() {
		t.Errorf("0x0 preview has bounds %v", p.Rect)
	}
	p := Preview(&image.YCbCr{}, 4, 4, false)
	if c := p.RGBAAt(1, 1); c != (color.RGBA{0, 0, 0, 0xff}) {
		t.Errorf("preview of an empty frame = %v, want black", c)
	}
	Preview(src, 1000, 1, true) // a wide strip: no index out of range
	Preview(src, 1, 1000, true)
}

// BenchmarkPreviewFloor is the yardstick: the standard library's own YCbCr to RGBA conversion of a
// 640x480 frame (image/draw's fast path), no scaling, cropping or mirroring.
func BenchmarkPreviewFloor(b *testing.B) {
	src := randomYCbCr(image.Rect(0, 0, 640, 480), image.YCbCrSubsampleRatio422, 9)
	dst := image.NewRGBA(image.Rect(0, 0, 640, 480))
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, ok := threadCPU()
	for b.Loop() {
		draw.Draw(dst, dst.Rect, src, image.Point{}, draw.Src)
	}
	if cpu1, _ := threadCPU(); ok {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkPreview measures what the preview costs per frame: a camera frame (4:2:2 YCbCr, what
// V4L2's YUYV and DirectShow's YUY2 decode to) into the 640x480 RGBA preview, mirrored.
func BenchmarkPreview(b *testing.B) {
	for _, size := range []image.Point{{640, 480}, {1280, 720}} {
		b.Run(fmt.Sprintf("%dx%d", size.X, size.Y), func(b *testing.B) {
			src := randomYCbCr(image.Rect(0, 0, size.X, size.Y), image.YCbCrSubsampleRatio422, 9)
			dst := image.NewRGBA(image.Rect(0, 0, 640, 480))
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0, ok := threadCPU()
			for b.Loop() {
				PreviewInto(dst, src, true)
			}
			if cpu1, _ := threadCPU(); ok {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
