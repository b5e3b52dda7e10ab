package pdfsign

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign/internal/pdf"
)

func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.pdf")
	for _, p := range files {
		if st, err := os.Stat(p); err == nil && st.Size() <= 64<<10 {
			b, _ := os.ReadFile(p)
			f.Add(b)
		}
	}
}

// FuzzPrepare runs the whole signing preparation (page tree, AcroForm,
// update writing) on arbitrary input, without the cryptography.
func FuzzPrepare(f *testing.F) {
	addSeeds(f)
	rsaPKI, _ := pkis()
	f.Fuzz(func(t *testing.T, b []byte) {
		pf, err := pdf.Open(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		opts := Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain(), Time: time.Now(), Page: 1,
			Appearance: &Appearance{Rect: Rect{X: 1, Y: 1, W: 50, H: 20}, QR: "x", Labels: idLabels}}
		u, err := prepare(pf, int64(len(b)), &opts)
		if err != nil {
			return
		}
		if u.contentsEnd <= u.contentsStart {
			t.Fatal("placeholder missing")
		}
	})
}

// FuzzVerify runs verification on arbitrary input.
func FuzzVerify(f *testing.F) {
	addSeeds(f)
	rsaPKI, _ := pkis()
	src, _ := os.ReadFile("testdata/corpus/test.pdf")
	var signed bytes.Buffer
	if err := Sign(&signed, bytes.NewReader(src), int64(len(src)), Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain()}); err == nil {
		f.Add(signed.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		Verify(bytes.NewReader(b), int64(len(b)), nil)
	})
}
