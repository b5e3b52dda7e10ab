package preview

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"testing"
)

// photo is a w x h JPEG (quality 80) of smooth colour gradients with
// fine stripes, as a camera or scanner gives.
func photo(w, h int) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Y[y*img.YStride+x] = uint8(x*255/w ^ (y/7)&15)
		}
	}
	for y := 0; y < (h+1)/2; y++ {
		for x := 0; x < (w+1)/2; x++ {
			img.Cb[y*img.CStride+x] = uint8(y * 255 / h)
			img.Cr[y*img.CStride+x] = uint8(255 - x*255/w)
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return b.Bytes()
}

// bigDocument is a PDF of pages A4 pages: page 1 a 48-megapixel photograph
// (8000 x 6000, landscape, filling the page), the others a scan at 300 dpi
// at 300 dpi (2480 x 3508; one image shared by all pages, which PDFium
// decodes again for each page) under a page of text.
func bigDocument(pages int) []byte {
	w := newPDF()
	w.obj(1, "<</Type/Catalog/Pages 2 0 R>>", nil)
	kids := ""
	for i := range pages {
		kids += fmt.Sprintf(" %d 0 R", 6+2*i)
	}
	w.obj(2, fmt.Sprintf("<</Type/Pages/Count %d/Kids[%s]>>", pages, kids), nil)
	w.obj(3, "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>", nil)
	w.obj(4, "/Type/XObject/Subtype/Image/Width 8000/Height 6000/ColorSpace/DeviceRGB/BitsPerComponent 8/Filter/DCTDecode", photo(8000, 6000))
	w.obj(5, "/Type/XObject/Subtype/Image/Width 2480/Height 3508/ColorSpace/DeviceRGB/BitsPerComponent 8/Filter/DCTDecode", photo(2480, 3508))
	for i := range pages {
		n := 6 + 2*i
		media, content := "[0 0 842 595]", "q 842 0 0 595 0 0 cm /Im Do Q"
		img := 4
		if i > 0 {
			media, img = "[0 0 595 842]", 5
			content = "q 595 0 0 842 0 0 cm /Im Do Q BT 0 g /F1 11 Tf 14 TL 60 780 Td"
			for l := range 50 {
				content += fmt.Sprintf(" (%d. Menimbang bahwa untuk melaksanakan ketentuan Pasal %d) '", l+1, i)
			}
			content += " ET"
		}
		w.obj(n, fmt.Sprintf("<</Type/Page/Parent 2 0 R/MediaBox%s/Contents %d 0 R/Resources<</Font<</F1 3 0 R>>/XObject<</Im %d 0 R>>>>>>", media, n+1, img), nil)
		w.obj(n+1, "", []byte(content))
	}
	return w.xrefStream(6+2*pages, 0, nil, 0)
}

// TestBigDocument: a large real document previews under engineMemory:
// every page of an 8-page scan at the app's width, and its 48-megapixel
// photograph at the largest size Render draws. Its engine's memory stays
// under half the cap, the margin that keeps the cap from refusing real
// documents.
func TestBigDocument(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes a 48-megapixel photograph")
	}
	const pages = 8
	path := writeFile(t, t.TempDir(), "big.pdf", bigDocument(pages))
	r := New(cacheDir())
	defer r.Close()
	d := open(t, r, path, "")
	if d.Pages() != pages {
		t.Fatalf("%d pages", d.Pages())
	}
	img, err := d.Render(1, MaxWidth)
	if err != nil {
		t.Fatalf("photograph at %d pixels: %v", MaxWidth, err)
	}
	if b := img.Bounds(); b.Dx() != MaxWidth || bounds(img, isDark).Empty() {
		t.Fatalf("photograph drawn %v", b)
	}
	for p := 2; p <= pages; p++ {
		img, err := d.Render(p, 989) // renderWidth of an A4 page in the app
		if err != nil {
			t.Fatalf("page %d: %v", p, err)
		}
		if bounds(img, isDark).Empty() {
			t.Fatalf("page %d drawn blank", p)
		}
	}
	used := d.eng.mem.committed
	t.Logf("engine memory after %d pages: %d MB of %d MB", pages, used>>20, engineMemory>>20)
	if used > engineMemory/2 {
		t.Fatalf("engine memory %d MB, over half the cap of %d MB", used>>20, engineMemory>>20)
	}
}
