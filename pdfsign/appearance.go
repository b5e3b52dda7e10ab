package pdfsign

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"image"
	"sync"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
	qrcode "github.com/skip2/go-qrcode"
)

// helveticaWidths are the standard Helvetica AFM widths for 32..126, in
// thousandths of the font size.
var helveticaWidths = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
	1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
	667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
	333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
	556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
}

// winAnsi maps s to WinAnsiEncoding bytes ('?' where impossible).
func winAnsi(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 0x20 && r < 0x7f, r >= 0xa0 && r <= 0xff:
			out = append(out, byte(r))
		case r == '\t':
			out = append(out, ' ')
		default:
			out = append(out, '?')
		}
	}
	return out
}

// textWidth is the width of b at size 1 (bold is a little wider).
func textWidth(b []byte, bold bool) float64 {
	w := 0
	for _, c := range b {
		if c >= 32 && c <= 126 {
			w += helveticaWidths[c-32]
		} else {
			w += 556
		}
	}
	f := float64(w) / 1000
	if bold {
		f *= 1.08
	}
	return f
}

type appearance struct {
	content   []byte
	image     []byte
	imageDict pdf.Dict
}

type line struct {
	text []byte
	bold bool
}

func buildAppearance(a *Appearance, name string, t time.Time, reason, location string) (*appearance, error) {
	w, h := a.Rect.W, a.Rect.H
	var c bytes.Buffer
	out := &appearance{}
	// A white ground (readable over page content) and a thin frame.
	fmt.Fprintf(&c, "q 1 g 0 0 %s %s re f 0.2 0.2 0.2 RG 0.5 w 0.25 0.25 %s %s re S Q\n", num(w), num(h), num(w-0.5), num(h-0.5))
	x := apPad
	if a.QR != "" {
		side, err := drawQR(&c, a.QR, x, w, h)
		if err != nil {
			return nil, err
		}
		x += side + apPad
	}
	if a.Image != nil && !a.Image.Bounds().Empty() {
		x += out.drawImage(&c, a.Image, x, w, h) + apPad
	}
	l := a.Labels
	var lines []line
	if l.SignedBy != "" {
		lines = append(lines, line{winAnsi(l.SignedBy), false})
	}
	lines = append(lines, line{winAnsi(name), true})
	if a.NIP != "" {
		lines = append(lines, line{winAnsi(labelled(l.NIP, a.NIP)), false})
	}
	if a.Jabatan != "" {
		lines = append(lines, line{winAnsi(a.Jabatan), false})
	}
	lines = append(lines, line{winAnsi(labelled(l.Date, t.Format("2006-01-02 15:04:05 -07:00"))), false})
	if reason != "" {
		lines = append(lines, line{winAnsi(labelled(l.Reason, reason)), false})
	}
	if location != "" {
		lines = append(lines, line{winAnsi(labelled(l.Location, location)), false})
	}
	drawLines(&c, lines, x, w, h)
	out.content = c.Bytes()
	return out, nil
}

// labelled is value after its label, or value alone without one.
func labelled(label, value string) string {
	if label == "" {
		return value
	}
	return label + " " + value
}

// apPad is the margin inside the appearance box, in points.
const apPad = 3.0

// lastQR keeps the newest QR code drawn: a batch prints one verification
// address in boxes of one size on every document, and encoding it
// (Reed-Solomon, the eight masks' penalties) and writing its rectangles
// cost a sixth of a one-page document's CPU time.
var lastQR struct {
	sync.Mutex
	text    string
	x, w, h float64
	ops     []byte
	side    float64
	filled  bool
}

// drawQR draws text as a QR code at x, vertically centred in a w x h box,
// and returns its side.
func drawQR(c *bytes.Buffer, text string, x, w, h float64) (float64, error) {
	lastQR.Lock()
	defer lastQR.Unlock()
	q := &lastQR
	if !q.filled || q.text != text || q.x != x || q.w != w || q.h != h {
		var b bytes.Buffer
		side, err := qrOps(&b, text, x, w, h)
		if err != nil {
			return 0, err
		}
		q.text, q.x, q.w, q.h, q.ops, q.side, q.filled = text, x, w, h, b.Bytes(), side, true
	}
	c.Write(q.ops)
	return q.side, nil
}

// qrOps writes the content stream operators of drawQR.
func qrOps(c *bytes.Buffer, text string, x, w, h float64) (float64, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return 0, fmt.Errorf("cannot make the QR code: %v", err)
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	side := h - 2*apPad
	if side > w*0.4 {
		side = w * 0.4
	}
	m := side / float64(len(bm))
	y0 := (h - side) / 2
	c.WriteString("q 0 g\n")
	for row := range bm {
		for col := 0; col < len(bm[row]); {
			if !bm[row][col] {
				col++
				continue
			}
			run := col
			for run < len(bm[row]) && bm[row][run] {
				run++
			}
			fmt.Fprintf(c, "%s %s %s %s re\n", num(x+float64(col)*m), num(y0+side-float64(row+1)*m), num(float64(run-col)*m), num(m))
			col = run
		}
	}
	c.WriteString("f Q\n")
	return side, nil
}

// drawImage draws img at x (the image stream goes to out) and returns its
// width.
func (out *appearance) drawImage(c *bytes.Buffer, img image.Image, x, w, h float64) float64 {
	data, iw, ih := rgbImage(img)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	out.image = z.Bytes()
	out.imageDict = pdf.Dict{
		"Type": pdf.Name("XObject"), "Subtype": pdf.Name("Image"), "Width": pdf.Int(iw), "Height": pdf.Int(ih),
		"ColorSpace": pdf.Name("DeviceRGB"), "BitsPerComponent": pdf.Int(8), "Filter": pdf.Name("FlateDecode"),
	}
	ihPt := h - 2*apPad
	iwPt := ihPt * float64(iw) / float64(ih)
	if max := (w - x) * 0.35; iwPt > max {
		iwPt = max
		ihPt = iwPt * float64(ih) / float64(iw)
	}
	fmt.Fprintf(c, "q %s 0 0 %s %s %s cm /Im1 Do Q\n", num(iwPt), num(ihPt), num(x), num((h-ihPt)/2))
	return iwPt
}

// drawLines sets the text lines from x to the box's right edge, as large
// as fits (5 to 10 points), cutting lines that are still too long.
func drawLines(c *bytes.Buffer, lines []line, x, w, h float64) {
	avail := w - x - apPad
	size := (h - 2*apPad) / (float64(len(lines)) * 1.2)
	if size > 10 {
		size = 10
	}
	for _, l := range lines {
		if tw := textWidth(l.text, l.bold); tw*size > avail && size > 5 {
			size = avail / tw
			if size < 5 {
				size = 5
			}
		}
	}
	if avail <= 0 || size <= 0 {
		return
	}
	c.WriteString("q BT 0 g\n")
	lead := size * 1.2
	y := h - apPad - size
	top := (h - 2*apPad - lead*float64(len(lines))) / 2
	if top > 0 {
		y -= top
	}
	for _, l := range lines {
		text := l.text
		if textWidth(text, l.bold)*size > avail {
			// Cut to fit and mark the cut.
			for len(text) > 0 && textWidth(append(text[:len(text):len(text)], "..."...), l.bold)*size > avail {
				text = text[:len(text)-1]
			}
			text = append(text[:len(text):len(text)], "..."...)
		}
		font := "/F1"
		if l.bold {
			font = "/F2"
		}
		fmt.Fprintf(c, "%s %s Tf 1 0 0 1 %s %s Tm ", font, num(size), num(x), num(y))
		var s bytes.Buffer
		pdf.Append(&s, pdf.String(text))
		c.Write(s.Bytes())
		c.WriteString(" Tj\n")
		y -= lead
	}
	c.WriteString("ET Q\n")
}

func num(f float64) string { return pdf.FormatReal(f) }

// rgbImage flattens img onto white as 8-bit RGB.
func rgbImage(img image.Image) ([]byte, int, int) {
	b := img.Bounds()
	data := make([]byte, 0, b.Dx()*b.Dy()*3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			blend := func(v uint32) byte { return byte((v + (0xffff - a)) >> 8) }
			data = append(data, blend(r), blend(g), blend(bl))
		}
	}
	return data, b.Dx(), b.Dy()
}
