package specimen

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
	"testing"
)

func encode(t *testing.T, w, h int, format string) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, h/2, color.NRGBA{0, 0, 128, 255}) // a stroke on a transparent ground
	}
	var b bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// PNG and JPEG within the bounds pass; too small, too large (in sides or
// bytes), another format or a broken file do not; a header claiming huge
// sides is refused before its pixels are decoded.
func TestCheck(t *testing.T) {
	for _, f := range []string{"png", "jpeg"} {
		if img, err := Check(encode(t, 300, 100, f)); err != nil || img.Bounds().Dx() != 300 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := Check(encode(t, 20, 100, "png")); !errors.Is(err, ErrTooSmall) {
		t.Errorf("20 px: %v", err)
	}
	if _, err := Check(encode(t, MaxSide+1, 100, "png")); !errors.Is(err, ErrTooLarge) {
		t.Errorf("wide: %v", err)
	}
	if _, err := Check(make([]byte, MaxBytes+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("many bytes: %v", err)
	}
	if _, err := Check([]byte("GIF89a....")); !errors.Is(err, ErrInvalid) {
		t.Errorf("GIF: %v", err)
	}
	b := encode(t, 300, 100, "png")
	if _, err := Check(b[:len(b)/2]); !errors.Is(err, ErrInvalid) {
		t.Errorf("cut PNG: %v", err)
	}
	// a PNG header claiming 100000 x 100000 pixels
	huge := append([]byte(nil), b...)
	copy(huge[16:24], []byte{0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0})
	binary.BigEndian.PutUint32(huge[29:33], crc32.ChecksumIEEE(huge[12:29])) // IHDR's checksum
	if _, err := Check(huge); !errors.Is(err, ErrTooLarge) {
		t.Errorf("huge header: %v", err)
	}
}

// Saved per account, owner-only, replaced, loaded back and removed.
func TestStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "specimen")
	s := Open(dir)
	if img, err := s.Load("a@x"); img != nil || err != nil {
		t.Fatalf("nothing saved: %v, %v", img, err)
	}
	if _, err := s.Save("a@x", []byte("not a picture")); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad picture saved: %v", err)
	}
	if _, err := s.Save("a@x", encode(t, 300, 100, "png")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save("A@X", encode(t, 200, 80, "jpeg")); err != nil {
		t.Fatal(err)
	}
	img, err := Open(dir).Load("a@x")
	if err != nil || img == nil || img.Bounds().Dx() != 200 {
		t.Fatalf("loaded %v, %v", img, err)
	}
	if img, _ := s.Load("b@x"); img != nil {
		t.Fatal("another account's picture")
	}
	if runtime.GOOS != "windows" {
		st, err := os.Stat(s.path("a@x"))
		if err != nil || st.Mode().Perm()&0o077 != 0 {
			t.Fatalf("mode %v, %v", st.Mode(), err)
		}
	}
	if err := s.Remove("a@x"); err != nil {
		t.Fatal(err)
	}
	if img, err := s.Load("a@x"); img != nil || err != nil || s.Remove("a@x") != nil {
		t.Fatalf("after Remove: %v, %v", img, err)
	}
}
