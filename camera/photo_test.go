package camera

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// goodPhoto draws a stand-in for a selfie: a face-coloured oval with darker eyes and mouth in front
// of a textured, evenly lit background (mean luma about 120, sharp edges everywhere).
func goodPhoto(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	cx, cy := float64(w)/2, float64(h)/2
	rx, ry := float64(w)*0.18, float64(h)*0.32
	cell := max(4, w/40)
	for y := range h {
		for x := range w {
			v := 90 + 60*x/w // lit from the right
			if (x/cell+y/cell)%2 == 0 {
				v += 35 // a tiled wall
			}
			c := color.RGBA{uint8(v), uint8(v + 5), uint8(v + 10), 0xff}
			dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
			if dx*dx+dy*dy <= 1 {
				c = color.RGBA{205, 160, 130, 0xff} // face
				ex := (float64(x) - cx) / rx
				ey := (float64(y) - cy) / ry
				if (ex > -0.6 && ex < -0.2 || ex > 0.2 && ex < 0.6) && ey > -0.35 && ey < -0.2 {
					c = color.RGBA{40, 30, 30, 0xff} // eyes
				}
				if ex > -0.4 && ex < 0.4 && ey > 0.4 && ey < 0.5 {
					c = color.RGBA{120, 40, 50, 0xff} // mouth
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// remap applies f to every colour channel.
func remap(src *image.RGBA, f func(uint8) uint8) *image.RGBA {
	out := image.NewRGBA(src.Rect)
	for i, v := range src.Pix {
		if i%4 == 3 {
			out.Pix[i] = v
		} else {
			out.Pix[i] = f(v)
		}
	}
	return out
}

func writeJPEG(t testing.TB, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// The photo checks on real JPEG and PNG files, decoded the way the file fallback does.
func TestCheckPhotoFiles(t *testing.T) {
	dir := t.TempDir()
	good := goodPhoto(640, 480)
	for _, c := range []struct {
		name string
		img  image.Image
		want []error // nil: accepted
	}{
		{"good", good, nil},
		{"dark", remap(good, func(v uint8) uint8 { return v / 6 }), []error{ErrTooDark}},
		{"bright", remap(good, func(v uint8) uint8 { return 215 + v/7 }), []error{ErrTooBright}},
		{"blurred", gaussianBlur(good, 3), []error{ErrBlurred}},
		{"out of focus", gaussianBlur(good, 2), []error{ErrBlurred}},
		{"slightly soft", gaussianBlur(good, 0.7), nil}, // a cheap webcam's lens
		{"tiny", goodPhoto(320, 240), []error{ErrTooSmall}},
		{"tiny and dark", remap(goodPhoto(320, 240), func(v uint8) uint8 { return v / 6 }), []error{ErrTooSmall, ErrTooDark}},
		{"portrait", goodPhoto(480, 640), nil},
	} {
		for _, ext := range []string{"jpg", "png"} {
			path := filepath.Join(dir, c.name+"."+ext)
			if ext == "jpg" {
				writeJPEG(t, path, c.img)
			} else {
				writePNG(t, path, c.img)
			}
			img, err := DecodePhotoFile(path)
			if err != nil {
				t.Fatalf("%s.%s: %v", c.name, ext, err)
			}
			if img.Bounds().Size() != c.img.Bounds().Size() {
				t.Errorf("%s.%s: decoded size %v, want %v", c.name, ext, img.Bounds().Size(), c.img.Bounds().Size())
			}
			err = CheckPhoto(img)
			t.Logf("%s.%s: %+v", c.name, ext, Measure(img))
			if c.want == nil {
				if err != nil {
					t.Errorf("%s.%s refused: %v", c.name, ext, err)
				}
				continue
			}
			var pe *PhotoError
			if !errors.As(err, &pe) {
				t.Fatalf("%s.%s: %v, want a *PhotoError", c.name, ext, err)
			}
			if !slices.Equal(pe.Problems, c.want) {
				t.Errorf("%s.%s: problems %v, want %v", c.name, ext, pe.Problems, c.want)
			}
			for _, w := range c.want {
				if !errors.Is(err, w) {
					t.Errorf("%s.%s: errors.Is(%v) false", c.name, ext, w)
				}
			}
		}
	}
}

func TestMeasure(t *testing.T) {
	grey := image.NewGray(image.Rect(0, 0, 640, 480))
	for i := range grey.Pix {
		grey.Pix[i] = 100
	}
	if q := Measure(grey); q.Brightness != 100 || q.Sharpness != 0 || q.Width != 640 || q.Height != 480 {
		t.Errorf("uniform grey 100: %+v", q)
	}
	// Vertical stripes one pixel wide, 0 and 255: the Laplacian is +-510 everywhere.
	stripes := image.NewGray(image.Rect(0, 0, 100, 100))
	for i := range stripes.Pix {
		if i%2 == 1 {
			stripes.Pix[i] = 255
		}
	}
	if q := Measure(stripes); q.Sharpness < 510*510*0.99 || q.Brightness < 127 || q.Brightness > 128 {
		t.Errorf("stripes: %+v", q)
	}
	// The same photo measures alike at webcam size and at 4x that size.
	small := goodPhoto(640, 480)
	big := goodPhoto(2560, 1920)
	qs, qb := Measure(small), Measure(big)
	if d := qs.Brightness - qb.Brightness; d > 2 || d < -2 {
		t.Errorf("brightness %v at 640x480, %v at 2560x1920", qs.Brightness, qb.Brightness)
	}
	if CheckPhoto(big) != nil {
		t.Errorf("the good photo at 2560x1920 refused: %v", CheckPhoto(big))
	}
}

func TestDownscale(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 4000, 3000))
	for i := 0; i < len(src.Pix); i += 4 {
		src.Pix[i], src.Pix[i+1], src.Pix[i+2], src.Pix[i+3] = 10, 200, 30, 0xff
	}
	out := Downscale(src, 1600)
	if out.Bounds() != image.Rect(0, 0, 1600, 1200) {
		t.Fatalf("bounds %v", out.Bounds())
	}
	if c := out.(*image.RGBA).RGBAAt(800, 600); c != (color.RGBA{10, 200, 30, 0xff}) {
		t.Errorf("colour %v after scaling a uniform image", c)
	}
	tall := Downscale(image.NewGray(image.Rect(0, 0, 1000, 5000)), 1600)
	if tall.Bounds() != image.Rect(0, 0, 320, 1600) {
		t.Errorf("portrait bounds %v", tall.Bounds())
	}
	small := goodPhoto(640, 480)
	if Downscale(small, 1600) != image.Image(small) {
		t.Error("a small image was copied")
	}
	// A half-black, half-white image keeps its halves.
	bw := image.NewGray(image.Rect(0, 0, 3200, 100))
	for y := range 100 {
		for x := 1600; x < 3200; x++ {
			bw.Pix[y*bw.Stride+x] = 255
		}
	}
	half := Downscale(bw, 1600).(*image.RGBA)
	if half.RGBAAt(10, 10).R != 0 || half.RGBAAt(1590, 10).R != 255 || half.RGBAAt(799, 10).R != 0 || half.RGBAAt(800, 10).R != 255 {
		t.Errorf("halves lost: %v %v %v %v", half.RGBAAt(10, 10), half.RGBAAt(799, 10), half.RGBAAt(800, 10), half.RGBAAt(1590, 10))
	}
}

func TestDecodePhotoFileRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	var good bytes.Buffer
	if err := jpeg.Encode(&good, goodPhoto(640, 480), nil); err != nil {
		t.Fatal(err)
	}
	var goodPNG bytes.Buffer
	if err := png.Encode(&goodPNG, goodPhoto(640, 480)); err != nil {
		t.Fatal(err)
	}
	// A damaged PNG: a byte of the image data flipped, so its checksum fails.
	badPNG := bytes.Clone(goodPNG.Bytes())
	badPNG[len(badPNG)/2] ^= 0xff

	sparse := filepath.Join(dir, "huge.jpg")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(good.Bytes()[:100])
	f.Truncate(MaxPhotoFileSize + 1)
	f.Close()

	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"truncated.jpg", good.Bytes()[:good.Len()/2], ErrPhotoCorrupt},
		{"header-only.jpg", good.Bytes()[:20], ErrPhotoCorrupt},
		{"damaged.png", badPNG, ErrPhotoCorrupt},
		{"truncated.png", goodPNG.Bytes()[:goodPNG.Len()/2], ErrPhotoCorrupt},
		{"empty.jpg", nil, ErrPhotoFormat},
		{"text.jpg", []byte("this is not a photo at all"), ErrPhotoFormat},
		{"photo.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), ErrPhotoFormat},
		{"90mp.png", pngHeader(10000, 9000), ErrPhotoTooLarge},
		{"zero.png", pngHeader(0, 10), ErrPhotoCorrupt},
		{"huge.jpg", nil, ErrPhotoTooLarge},
	} {
		path := filepath.Join(dir, c.name)
		if c.name != "huge.jpg" {
			if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		img, err := DecodePhotoFile(path)
		if !errors.Is(err, c.want) || img != nil {
			t.Errorf("%s: %v, %v; want %v", c.name, img, err, c.want)
		}
	}
	if _, err := DecodePhotoFile(filepath.Join(dir, "missing.jpg")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := DecodePhotoFile(dir); !errors.Is(err, ErrPhotoFormat) {
		t.Errorf("a directory: %v", err)
	}
}

// pngHeader is the start of a PNG file declaring w x h pixels: enough for DecodeConfig.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk := append([]byte("IHDR"), ihdr...)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, 13)
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

// A 50-megapixel phone photo is scaled down, not refused, and its full size is not kept.
func TestDecodePhotoFile50Megapixels(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("encodes a 50-megapixel JPEG: slow in -short and -race runs (nothing here runs concurrently)")
	}
	const w, h = 8660, 5774 // 50.0 million pixels, 3:2
	path := filepath.Join(t.TempDir(), "50mp.jpg")
	func() {
		src := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
		cell := w / 60
		for y := range h {
			row := src.Y[y*src.YStride:]
			for x := range w {
				v := 70 + 80*x/w
				if (x/cell+y/cell)%2 == 0 {
					v += 40
				}
				row[x] = uint8(v)
			}
		}
		for i := range src.Cb {
			src.Cb[i], src.Cr[i] = 120, 140
		}
		writeJPEG(t, path, src)
	}()
	st, _ := os.Stat(path)
	t.Logf("%dx%d JPEG: %.1f MB", w, h, float64(st.Size())/1e6)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	img, err := DecodePhotoFile(path)
	if err != nil {
		t.Fatalf("50-megapixel photo refused: %v", err)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	if img.Bounds() != image.Rect(0, 0, MaxPhotoSide, 1067) {
		t.Errorf("bounds %v, want 1600x1067", img.Bounds())
	}
	// Full size would be 75 MB as YCbCr; 1600x1067 RGBA is 6.8 MB.
	if kept := int64(after.HeapAlloc) - int64(before.HeapAlloc); kept > 20<<20 {
		t.Errorf("%d MB still held after decoding", kept>>20)
	}
	if err := CheckPhoto(img); err != nil {
		t.Errorf("scaled photo refused: %v", err)
	}
	runtime.KeepAlive(img)
}
