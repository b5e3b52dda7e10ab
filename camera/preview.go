package camera

import (
	"image"
	"image/color"
	"image/draw"
)

// Preview returns src scaled and centre-cropped to fill width x height, as the live preview shows it;
// mirror flips it left to right, the way people expect to see themselves.
func Preview(src image.Image, width, height int, mirror bool) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, max(width, 0), max(height, 0)))
	PreviewInto(dst, src, mirror)
	return dst
}

// PreviewInto is Preview drawing into dst, whose buffer a caller can reuse frame after frame (not
// while the UI may still be drawing it). Sampling is nearest-neighbour: a preview needs speed, and a
// camera frame is rarely more than twice the preview's size.
func PreviewInto(dst *image.RGBA, src image.Image, mirror bool) {
	db, sb := dst.Bounds(), src.Bounds()
	dw, dh, sw, sh := db.Dx(), db.Dy(), sb.Dx(), sb.Dy()
	if dw <= 0 || dh <= 0 {
		return
	}
	if sw <= 0 || sh <= 0 {
		draw.Draw(dst, db, image.Black, image.Point{}, draw.Src)
		return
	}
	// The crop of src with dst's aspect ratio, as large as possible, centred.
	cw, ch := sw, sh
	if sw*dh > sh*dw {
		cw = sh * dw / dh
	} else {
		ch = sw * dh / dw
	}
	cw, ch = max(cw, 1), max(ch, 1)
	x0, y0 := sb.Min.X+(sw-cw)/2, sb.Min.Y+(sh-ch)/2
	xs := make([]int, dw) // source column of each destination column
	for i := range xs {
		x := x0 + (2*i+1)*cw/(2*dw)
		if mirror {
			x = x0 + cw - 1 - (x - x0)
		}
		xs[i] = x
	}
	row := func(j int) int { return y0 + (2*j+1)*ch/(2*dh) }

	switch s := src.(type) {
	case *image.YCbCr:
		previewYCbCr(dst, s, xs, row)
	case *image.RGBA:
		previewRGBA(dst, s.Pix, s.Stride, sb.Min, xs, row, false)
	case *image.NRGBA:
		previewRGBA(dst, s.Pix, s.Stride, sb.Min, xs, row, true)
	default:
		for j := range dh {
			sy := row(j)
			d := dst.Pix[j*dst.Stride : j*dst.Stride+4*dw]
			for i, sx := range xs {
				c := color.RGBAModel.Convert(src.At(sx, sy)).(color.RGBA)
				d[4*i], d[4*i+1], d[4*i+2], d[4*i+3] = c.R, c.G, c.B, c.A
			}
		}
	}
}

// chromaShift returns how many bits of x and y a chroma sample covers.
func chromaShift(r image.YCbCrSubsampleRatio) (sx, sy uint) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return 1, 0
	case image.YCbCrSubsampleRatio420:
		return 1, 1
	case image.YCbCrSubsampleRatio440:
		return 0, 1
	case image.YCbCrSubsampleRatio411:
		return 2, 0
	case image.YCbCrSubsampleRatio410:
		return 2, 1
	}
	return 0, 0
}

func previewYCbCr(dst *image.RGBA, s *image.YCbCr, xs []int, row func(int) int) {
	shx, shy := chromaShift(s.SubsampleRatio)
	org := s.Rect.Min
	// Offsets into the planes, as image.YCbCr's YOffset and COffset compute them.
	yo := make([]int, len(xs))
	co := make([]int, len(xs))
	for i, x := range xs {
		yo[i] = x - org.X
		co[i] = x>>shx - org.X>>shx
	}
	dh := dst.Rect.Dy()
	for j := range dh {
		sy := row(j)
		yrow := s.Y[(sy-org.Y)*s.YStride:]
		crow := (sy>>shy - org.Y>>shy) * s.CStride
		cb, cr := s.Cb[crow:], s.Cr[crow:]
		d := dst.Pix[j*dst.Stride : j*dst.Stride+4*len(xs)]
		for i := range xs {
			// color.YCbCrToRGB, inlined.
			yy1 := int32(yrow[yo[i]]) * 0x10101
			cb1 := int32(cb[co[i]]) - 128
			cr1 := int32(cr[co[i]]) - 128
			r := clamp8(yy1 + 91881*cr1)
			g := clamp8(yy1 - 22554*cb1 - 46802*cr1)
			b := clamp8(yy1 + 116130*cb1)
			p := d[4*i : 4*i+4 : 4*i+4]
			p[0], p[1], p[2], p[3] = uint8(r), uint8(g), uint8(b), 0xff
		}
	}
}

// clamp8 is color.YCbCrToRGB's rounding and clamping of a 16.16 fixed-point value.
func clamp8(v int32) int32 {
	if uint32(v)&0xff000000 == 0 {
		return v >> 16
	}
	return ^(v >> 31) & 0xff
}

// previewRGBA samples 8-bit RGBA pixels; non-premultiplied ones (PNG files) are premultiplied.
func previewRGBA(dst *image.RGBA, pix []uint8, stride int, org image.Point, xs []int, row func(int) int, nonPremul bool) {
	dh := dst.Rect.Dy()
	for j := range dh {
		srow := pix[(row(j)-org.Y)*stride:]
		d := dst.Pix[j*dst.Stride : j*dst.Stride+4*len(xs)]
		for i, x := range xs {
			o := 4 * (x - org.X)
			r, g, b, a := srow[o], srow[o+1], srow[o+2], srow[o+3]
			if nonPremul && a != 0xff {
				r, g, b = premul(r, a), premul(g, a), premul(b, a)
			}
			d[4*i], d[4*i+1], d[4*i+2], d[4*i+3] = r, g, b, a
		}
	}
}

// premul is color.NRGBA's premultiplication at 8 bits, rounding as it does.
func premul(c, a uint8) uint8 {
	return uint8(uint32(c) * 0x101 * (uint32(a) * 0x101) / 0xffff >> 8)
}

// cloneImage returns a copy of img that shares no memory with it; YCbCr and RGBA frames (what the
// drivers deliver) are copied plane by plane, anything else is converted to RGBA.
func cloneImage(img image.Image) image.Image {
	switch s := img.(type) {
	case *image.YCbCr:
		c := *s
		c.Y = append([]uint8(nil), s.Y...)
		c.Cb = append([]uint8(nil), s.Cb...)
		c.Cr = append([]uint8(nil), s.Cr...)
		return &c
	case *image.RGBA:
		c := *s
		c.Pix = append([]uint8(nil), s.Pix...)
		return &c
	case *image.Gray:
		c := *s
		c.Pix = append([]uint8(nil), s.Pix...)
		return &c
	}
	b := img.Bounds()
	c := image.NewRGBA(b)
	draw.Draw(c, b, img, b.Min, draw.Src)
	return c
}
