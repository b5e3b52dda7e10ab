package camera

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
)

type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// withOrientation inserts an EXIF segment saying orientation o right after the JPEG's SOI marker.
func withOrientation(jpg []byte, o uint16, bo byteOrder) []byte {
	tiff := []byte("MM\x00\x2a")
	if bo == binary.LittleEndian {
		tiff = []byte("II\x2a\x00")
	}
	tiff = bo.AppendUint32(tiff, 8)
	tiff = bo.AppendUint16(tiff, 1)      // one entry
	tiff = bo.AppendUint16(tiff, 0x0112) // orientation
	tiff = bo.AppendUint16(tiff, 3)      // SHORT
	tiff = bo.AppendUint32(tiff, 1)
	tiff = bo.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0) // padding, no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{0xff, 0xd8, 0xff, 0xe1}, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func TestDecodePhotoFileTurnsByEXIF(t *testing.T) {
	// Quadrants: red, green over blue, white.
	src := image.NewRGBA(image.Rect(0, 0, 640, 480))
	red, green, blue, white := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{255, 255, 255, 255}
	for y := range 480 {
		for x := range 640 {
			c := [2][2]color.RGBA{{red, green}, {blue, white}}[y/240][x/320]
			src.SetRGBA(x, y, c)
		}
	}
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, src, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	near := func(a, b color.RGBA) bool {
		d := func(x, y uint8) bool { return int(x)-int(y) < 30 && int(y)-int(x) < 30 }
		return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		o      uint16
		tl, tr color.RGBA
	}{
		{1, red, green}, {2, green, red}, {3, white, blue}, {4, blue, white},
		{5, red, blue}, {6, blue, red}, {7, white, green}, {8, green, white},
	} {
		for _, bo := range []byteOrder{binary.BigEndian, binary.LittleEndian} {
			path := filepath.Join(dir, fmt.Sprintf("o%d-%v.jpg", c.o, bo))
			if err := os.WriteFile(path, withOrientation(plain.Bytes(), c.o, bo), 0o600); err != nil {
				t.Fatal(err)
			}
			img, err := DecodePhotoFile(path)
			if err != nil {
				t.Fatalf("orientation %d: %v", c.o, err)
			}
			want := image.Rect(0, 0, 640, 480)
			if c.o >= 5 {
				want = image.Rect(0, 0, 480, 640)
			}
			if img.Bounds() != want {
				t.Errorf("orientation %d %v: bounds %v, want %v", c.o, bo, img.Bounds(), want)
				continue
			}
			tl := color.RGBAModel.Convert(img.At(20, 20)).(color.RGBA)
			tr := color.RGBAModel.Convert(img.At(want.Dx()-20, 20)).(color.RGBA)
			if !near(tl, c.tl) || !near(tr, c.tr) {
				t.Errorf("orientation %d %v: corners %v %v, want %v %v", c.o, bo, tl, tr, c.tl, c.tr)
			}
		}
	}
	// Damaged EXIF is ignored, not fatal: the photo comes as stored.
	damaged := withOrientation(plain.Bytes(), 6, binary.BigEndian)
	binary.BigEndian.PutUint32(damaged[4+2+6+4:], 60000) // IFD offset past the segment
	path := filepath.Join(dir, "damaged-exif.jpg")
	if err := os.WriteFile(path, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	if img, err := DecodePhotoFile(path); err != nil || img.Bounds() != image.Rect(0, 0, 640, 480) {
		t.Errorf("damaged EXIF: %v, %v", img.Bounds(), err)
	}
}
