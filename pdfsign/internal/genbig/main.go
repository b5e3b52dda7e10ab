// Command genbig writes a large PDF for benchmarks: a few text pages plus
// big incompressible image streams. With -pki it also writes a throwaway
// signer (PKCS#12, password "rahasia") and its root.
package main

import (
	"bufio"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"

	"github.com/natunakab/besign/pdfsign/testpki"
)

func main() {
	out := flag.String("out", "big.pdf", "output PDF")
	sizeMB := flag.Int("mb", 100, "approximate size in MB")
	pages := flag.Int("pages", 4, "number of pages")
	pkiDir := flag.String("pki", "", "also write a test PKI to this folder")
	flag.Parse()
	if *pkiDir != "" {
		if _, err := testpki.New(testpki.LeafOptions{}).Write(*pkiDir); err != nil {
			log.Fatal(err)
		}
	}
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var offsets []int64
	pos := int64(0)
	write := func(s string) { n, _ := w.WriteString(s); pos += int64(n) }
	obj := func(body string) {
		offsets = append(offsets, pos)
		write(fmt.Sprintf("%d 0 obj\n%s\nendobj\n", len(offsets), body))
	}
	write("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	n := *pages
	images := *sizeMB / 10
	if images < 1 {
		images = 1
	}
	// 1 catalog, 2 pages, 3 font, then per page: page + content, then images.
	obj("<</Type/Catalog/Pages 2 0 R>>")
	kids := ""
	for i := 0; i < n; i++ {
		kids += fmt.Sprintf("%d 0 R ", 4+2*i)
	}
	obj(fmt.Sprintf("<</Type/Pages/Count %d/Kids[%s]>>", n, kids))
	obj("<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>")
	firstImage := 4 + 2*n
	for i := 0; i < n; i++ {
		xo := ""
		for j := 0; j < images; j++ {
			if j%n == i {
				xo += fmt.Sprintf("/Im%d %d 0 R", j, firstImage+j)
			}
		}
		obj(fmt.Sprintf("<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents %d 0 R/Resources<</Font<</F1 3 0 R>>/XObject<<%s>>>>>>", 5+2*i, xo))
		content := fmt.Sprintf("BT /F1 24 Tf 72 760 Td (Halaman %d dari %d) Tj ET\nq 451 0 0 300 72 400 cm /Im%d Do Q\n", i+1, n, i)
		obj(fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(content), content))
	}
	side := 1870 // 1870*1870*3 bytes is about 10 MB
	if *sizeMB < 10 {
		// one smaller image: -mb 1 gives a 1 MB file
		side = int(math.Sqrt(float64(*sizeMB) * (1 << 20) / 3))
	}
	for j := 0; j < images; j++ {
		offsets = append(offsets, pos)
		write(fmt.Sprintf("%d 0 obj\n<</Type/XObject/Subtype/Image/Width %d/Height %d/ColorSpace/DeviceRGB/BitsPerComponent 8/Length %d>>\nstream\n", len(offsets), side, side, side*side*3))
		k, err := io.CopyN(w, rand.Reader, int64(side*side*3))
		if err != nil {
			log.Fatal(err)
		}
		pos += k
		write("\nendstream\nendobj\n")
	}
	x := pos
	write(fmt.Sprintf("xref\n0 %d\n0000000000 65535 f\r\n", len(offsets)+1))
	for _, o := range offsets {
		write(fmt.Sprintf("%010d 00000 n\r\n", o))
	}
	write(fmt.Sprintf("trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, x))
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
