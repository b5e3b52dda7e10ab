package camera

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // the photo formats DecodePhotoFile accepts
	_ "image/png"
	"io"
	"os"
)

// Problems CheckPhoto finds; a *PhotoError lists every one that applies.
var (
	ErrTooSmall  = errors.New("camera: photo is too small")
	ErrTooDark   = errors.New("camera: photo is too dark")
	ErrTooBright = errors.New("camera: photo is too bright")
	ErrBlurred   = errors.New("camera: photo is blurred")
)

// Errors from DecodePhotoFile.
var (
	ErrPhotoFormat   = errors.New("camera: not a JPEG or PNG file")
	ErrPhotoCorrupt  = errors.New("camera: photo file is damaged")
	ErrPhotoTooLarge = errors.New("camera: photo file is too large")
)

// Limits of the photo checks. Brightness is the mean luma (0-255) and sharpness the variance of the
// Laplacian, both measured on a grey copy between 400 and 800 pixels on its long side (see Measure),
// so that the same thresholds hold for a webcam frame and for a phone's 50-megapixel photo.
const (
	MinPhotoWidth  = 480 // of the long side
	MinPhotoHeight = 360 // of the short side
	// x/image's photo of a yellow rose on a dark background, a fine photo, measures 58.
	MinBrightness = 50.0
	MaxBrightness = 210.0
	// MinSharpness was calibrated on real photos at or below webcam size (x/image's gopher and rose,
	// pdfcpu's mountain and snow, bild's and Go's test photos): sharp they measure 368 to 4,126; after a
	// Gaussian blur of sigma 1.5 px, 5 to 59; of sigma 2 px, 3 to 24. 30 refuses a clearly blurred
	// photo without refusing a soft webcam picture (the tests' synthetic selfie blurred by sigma
	// 0.7 px measures 50).
	MinSharpness = 30.0

	// MaxPhotoSide is the long side photos are scaled down to: plenty for a face, small to store.
	MaxPhotoSide = 1600
	// MaxPhotoFileSize and MaxPhotoPixels bound what DecodePhotoFile will read and decode (a
	// 64-megapixel phone photo passes; decoding it needs about 100 MB for a moment).
	MaxPhotoFileSize = 64 << 20
	MaxPhotoPixels   = 80_000_000
)

// Quality is what CheckPhoto measured.
type Quality struct {
	Width, Height int     // of the photo
	Brightness    float64 // mean luma, 0 (black) to 255 (white)
	Sharpness     float64 // variance of the Laplacian of the grey copy
}

// PhotoError is CheckPhoto's refusal: errors.Is matches each of its Problems.
type PhotoError struct {
	Problems []error // ErrTooSmall, ErrTooDark, ErrTooBright, ErrBlurred
	Quality  Quality
}

func (e *PhotoError) Error() string {
	return fmt.Sprintf("%v (%dx%d, brightness %.0f, sharpness %.0f)", errors.Join(e.Problems...),
		e.Quality.Width, e.Quality.Height, e.Quality.Brightness, e.Quality.Sharpness)
}

func (e *PhotoError) Unwrap() []error { return e.Problems }

// CheckPhoto returns nil for a photo good enough for verification, else a *PhotoError.
func CheckPhoto(img image.Image) error {
	q := Measure(img)
	var problems []error
	long, short := max(q.Width, q.Height), min(q.Width, q.Height)
	if long < MinPhotoWidth || short < MinPhotoHeight {
		problems = append(problems, ErrTooSmall)
	}
	switch {
	case q.Brightness < MinBrightness:
		problems = append(problems, ErrTooDark)
	case q.Brightness > MaxBrightness:
		problems = append(problems, ErrTooBright)
	}
	// A dark or washed-out photo has little contrast: its sharpness says nothing more.
	if len(problems) == 0 && q.Sharpness < MinSharpness {
		problems = append(problems, ErrBlurred)
	}
	if len(problems) == 0 {
		return nil
	}
	return &PhotoError{Problems: problems, Quality: q}
}

// Measure computes img's brightness and sharpness on a grey copy reduced by a whole factor to at
// most 800 pixels on its long side (box filter: every source pixel counts once).
func Measure(img image.Image) Quality {
	b := img.Bounds()
	q := Quality{Width: b.Dx(), Height: b.Dy()}
	if q.Width <= 0 || q.Height <= 0 {
		return q
	}
	f := (max(q.Width, q.Height) + 799) / 800
	g := boxGrey(img, f)
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var sum float64
	for _, v := range g.Pix {
		sum += float64(v)
	}
	q.Brightness = sum / float64(len(g.Pix))
	if w < 3 || h < 3 {
		return q
	}
	// Variance of the 4-neighbour Laplacian over the interior.
	var s, ss float64
	for y := 1; y < h-1; y++ {
		row := g.Pix[y*g.Stride:]
		up, down := g.Pix[(y-1)*g.Stride:], g.Pix[(y+1)*g.Stride:]
		for x := 1; x < w-1; x++ {
			l := float64(int(up[x]) + int(down[x]) + int(row[x-1]) + int(row[x+1]) - 4*int(row[x]))
			s += l
			ss += l * l
		}
	}
	n := float64((w - 2) * (h - 2))
	mean := s / n
	q.Sharpness = ss/n - mean*mean
	return q
}

// boxGrey returns img's luma averaged over f x f blocks (partial blocks at the edges averaged too).
func boxGrey(img image.Image, f int) *image.Gray {
	b := img.Bounds()
	w, h := (b.Dx()+f-1)/f, (b.Dy()+f-1)/f
	out := image.NewGray(image.Rect(0, 0, w, h))
	sums := make([]uint32, w)
	counts := make([]uint32, w)
	line := make([]uint8, b.Dx())
	for j := 0; j < h; j++ {
		clear(sums)
		clear(counts)
		for y := b.Min.Y + j*f; y < min(b.Min.Y+(j+1)*f, b.Max.Y); y++ {
			lumaRow(img, y, line)
			for x, v := range line {
				sums[x/f] += uint32(v)
				counts[x/f]++
			}
		}
		for i := range w {
			out.Pix[j*out.Stride+i] = uint8((sums[i] + counts[i]/2) / counts[i])
		}
	}
	return out
}

// lumaRow writes the luma (BT.601, as color.GrayModel) of row y into line.
func lumaRow(img image.Image, y int, line []uint8) {
	b := img.Bounds()
	switch s := img.(type) {
	case *image.YCbCr:
		copy(line, s.Y[s.YOffset(b.Min.X, y):])
		return
	case *image.Gray:
		copy(line, s.Pix[s.PixOffset(b.Min.X, y):])
		return
	}
	rgba := make([]uint8, 4*len(line))
	rgbaRow(img, y, rgba)
	for i := range line {
		r, g, bb := uint32(rgba[4*i]), uint32(rgba[4*i+1]), uint32(rgba[4*i+2])
		line[i] = uint8((19595*r + 38470*g + 7471*bb + 1<<15) >> 16)
	}
}

// rgbaRow writes row y of img as premultiplied 8-bit RGBA into line (4 bytes per pixel).
func rgbaRow(img image.Image, y int, line []uint8) {
	b := img.Bounds()
	switch s := img.(type) {
	case *image.RGBA:
		copy(line, s.Pix[s.PixOffset(b.Min.X, y):])
		return
	case *image.YCbCr:
		for i := range b.Dx() {
			x := b.Min.X + i
			yo, co := s.YOffset(x, y), s.COffset(x, y)
			r, g, bb := color.YCbCrToRGB(s.Y[yo], s.Cb[co], s.Cr[co])
			line[4*i], line[4*i+1], line[4*i+2], line[4*i+3] = r, g, bb, 0xff
		}
		return
	case *image.NRGBA:
		p := s.Pix[s.PixOffset(b.Min.X, y):]
		for i := range b.Dx() {
			a := p[4*i+3]
			line[4*i], line[4*i+1], line[4*i+2], line[4*i+3] = premul(p[4*i], a), premul(p[4*i+1], a), premul(p[4*i+2], a), a
		}
		return
	case *image.Gray:
		p := s.Pix[s.PixOffset(b.Min.X, y):]
		for i := range b.Dx() {
			line[4*i], line[4*i+1], line[4*i+2], line[4*i+3] = p[i], p[i], p[i], 0xff
		}
		return
	}
	for i := range b.Dx() {
		r, g, bb, a := img.At(b.Min.X+i, y).RGBA()
		line[4*i], line[4*i+1], line[4*i+2], line[4*i+3] = uint8(r>>8), uint8(g>>8), uint8(bb>>8), uint8(a>>8)
	}
}

// Downscale returns img unchanged when its long side is at most maxSide, else an *image.RGBA copy
// scaled to fit (box filter: each output pixel averages the source pixels it covers).
func Downscale(img image.Image, maxSide int) image.Image {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if maxSide <= 0 || max(sw, sh) <= maxSide {
		return img
	}
	dw, dh := maxSide, max(1, (sh*maxSide+sw/2)/sw)
	if sh > sw {
		dw, dh = max(1, (sw*maxSide+sh/2)/sh), maxSide
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	col := make([]int, sw) // destination column of each source column
	for x := range col {
		col[x] = x * dw / sw
	}
	sums := make([]uint32, 4*dw)
	counts := make([]uint32, dw)
	line := make([]uint8, 4*sw)
	y := b.Min.Y
	for j := range dh {
		clear(sums)
		clear(counts)
		for ; y < b.Max.Y && (y-b.Min.Y)*dh/sh == j; y++ {
			rgbaRow(img, y, line)
			for x, i := range col {
				p := line[4*x : 4*x+4 : 4*x+4]
				s := sums[4*i : 4*i+4 : 4*i+4]
				s[0] += uint32(p[0])
				s[1] += uint32(p[1])
				s[2] += uint32(p[2])
				s[3] += uint32(p[3])
				counts[i]++
			}
		}
		d := out.Pix[j*out.Stride:]
		for i, n := range counts {
			if n == 0 {
				continue
			}
			for k := range 4 {
				d[4*i+k] = uint8((sums[4*i+k] + n/2) / n)
			}
		}
	}
	return out
}

// DecodePhotoFile reads a JPEG or PNG photo chosen by the user, refusing files over MaxPhotoFileSize or
// MaxPhotoPixels, and returns it scaled down to MaxPhotoSide (the full-size picture is not kept) and
// upright as its EXIF orientation says.
func DecodePhotoFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open photo: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open photo: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrPhotoFormat, path)
	}
	if st.Size() > MaxPhotoFileSize {
		return nil, fmt.Errorf("%w: %d MB, at most %d MB", ErrPhotoTooLarge, st.Size()>>20, MaxPhotoFileSize>>20)
	}
	br := bufio.NewReader(io.LimitReader(f, MaxPhotoFileSize))
	head, _ := br.Peek(8)
	if !isJPEG(head) && !isPNG(head) {
		return nil, fmt.Errorf("%w: %s", ErrPhotoFormat, path)
	}
	cfg, _, err := image.DecodeConfig(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPhotoCorrupt, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%w: size %dx%d", ErrPhotoCorrupt, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPhotoPixels {
		return nil, fmt.Errorf("%w: %dx%d pixels, at most %d million", ErrPhotoTooLarge, cfg.Width, cfg.Height, MaxPhotoPixels/1_000_000)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read photo: %w", err)
	}
	img, _, err := image.Decode(bufio.NewReader(io.LimitReader(f, MaxPhotoFileSize)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPhotoCorrupt, err)
	}
	img = Downscale(img, MaxPhotoSide)
	if isJPEG(head) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("read photo: %w", err)
		}
		img = orient(img, jpegOrientation(bufio.NewReader(io.LimitReader(f, MaxPhotoFileSize))))
	}
	return img, nil
}

func isJPEG(b []byte) bool { return len(b) >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff }

func isPNG(b []byte) bool { return len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n" }
