package pdfsign

import (
	"bytes"
	"io"
	"os"
	"testing"
	"time"
)

// benchSign signs a one-page PDF in memory; ns/op is the time per
// signature (parse, update, hash, CMS, key operation).
func benchSign(b *testing.B, ecdsa bool, visible bool) {
	rsaPKI, ecPKI := pkis()
	p := rsaPKI
	if ecdsa {
		p = ecPKI
	}
	src, err := os.ReadFile("testdata/corpus/test.pdf")
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Signer: p.Key, Chain: p.Chain(), Time: time.Now()}
	if visible {
		opts.Appearance = &Appearance{Rect: Rect{X: 50, Y: 50, W: 220, H: 70}, NIP: "199501192022032003", QR: "https://besign.natunakab.go.id/v/1", Labels: idLabels}
	}
	r := bytes.NewReader(src)
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for b.Loop() {
		if err := Sign(io.Discard, r, int64(len(src)), opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignOnePageRSA(b *testing.B)          { benchSign(b, false, false) }
func BenchmarkSignOnePageRSAVisible(b *testing.B)   { benchSign(b, false, true) }
func BenchmarkSignOnePageECDSA(b *testing.B)        { benchSign(b, true, false) }
func BenchmarkSignOnePageECDSAVisible(b *testing.B) { benchSign(b, true, true) }

func BenchmarkVerifyOnePage(b *testing.B) {
	rsaPKI, _ := pkis()
	src, _ := os.ReadFile("testdata/corpus/test.pdf")
	var signed bytes.Buffer
	if err := Sign(&signed, bytes.NewReader(src), int64(len(src)), Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain()}); err != nil {
		b.Fatal(err)
	}
	data := signed.Bytes()
	for b.Loop() {
		if _, err := Verify(bytes.NewReader(data), int64(len(data)), nil); err != nil {
			b.Fatal(err)
		}
	}
}
