package camera

import (
	"image"
	"math"
)

// gaussianBlur returns src blurred with a Gaussian of the given sigma (pixels), as an RGBA image.
func gaussianBlur(src image.Image, sigma float64) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	var sum float64
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	in := make([]float64, 4*w*h)
	line := make([]uint8, 4*w)
	for y := range h {
		rgbaRow(src, b.Min.Y+y, line)
		for i, v := range line {
			in[4*w*y+i] = float64(v)
		}
	}
	tmp := make([]float64, len(in))
	clamp := func(v, lo, hi int) int { return max(lo, min(hi, v)) }
	for y := range h {
		for x := range w {
			for c := range 4 {
				var s float64
				for i, kv := range k {
					s += kv * in[4*(w*y+clamp(x+i-r, 0, w-1))+c]
				}
				tmp[4*(w*y+x)+c] = s
			}
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			for c := range 4 {
				var s float64
				for i, kv := range k {
					s += kv * tmp[4*(w*clamp(y+i-r, 0, h-1)+x)+c]
				}
				out.Pix[4*(w*y+x)+c] = uint8(math.Round(min(255, max(0, s))))
			}
		}
	}
	return out
}
