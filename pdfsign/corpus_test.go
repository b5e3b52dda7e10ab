package pdfsign

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// corpusExpectErr lists corpus files the engine must refuse, and why.
var corpusExpectErr = map[string]error{
	// Offsets in this file count from the %PDF header, not the file start
	// (qpdf calls it damaged and rebuilds its xref). An update could not
	// be consistent with both conventions.
	"pdf20_withOffsetStart.pdf": ErrUnsupported,
}

func corpusFiles(t testing.TB) []string {
	files, err := filepath.Glob("testdata/corpus/*.pdf")
	if err != nil || len(files) < 20 {
		t.Fatalf("corpus missing: %v (%d files)", err, len(files))
	}
	return files
}

// TestCorpus signs every corpus file twice (RSA invisible, then ECDSA
// visible) and runs every external validator on both outputs.
func TestCorpus(t *testing.T) {
	k := getKit(t)
	for _, in := range corpusFiles(t) {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			signTwiceAndValidate(t, k, in, name)
		})
	}
}

// signTwiceAndValidate signs in (RSA, invisible), then the result again
// (ECDSA, visible on the last page), and runs every validator on both.
func signTwiceAndValidate(t *testing.T, k *toolkit, in, name string) {
	rsaPKI, ecPKI := pkis()
	dir := t.TempDir()
	one := filepath.Join(dir, "one.pdf")
	two := filepath.Join(dir, "two.pdf")
	err := SignFile(in, one, Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain(), Reason: "Menyetujui dokumen", Location: "Ranai, Natuna"}, FileOptions{})
	if want, ok := corpusExpectErr[name]; ok {
		if !errors.Is(err, want) {
			t.Fatalf("got %v, want %v", err, want)
		}
		if _, err := os.Stat(one); !os.IsNotExist(err) {
			t.Fatalf("output left behind")
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(in)
	got, _ := os.ReadFile(one)
	if !bytes.HasPrefix(got, orig) {
		t.Fatal("original is not a prefix of the output")
	}
	// The second signature is visible, on the last page, 10 points from
	// the displayed bottom-left corner.
	pages := pageCount(t, one)
	vw, vh := visibleSize(t, one, pages)
	r := Rect{X: 10, Y: 10, W: min(200, vw-20), H: min(60, vh-20)}
	err = SignFile(one, two, Options{Signer: ecPKI.Key, Chain: ecPKI.Chain(), Page: pages, Time: time.Now(),
		Appearance: &Appearance{Rect: r, NIP: "199501192022032003", Jabatan: "Kepala Bidang Keuangan",
			QR: "https://besign.natunakab.go.id/verify?id=123", Labels: idLabels}}, FileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		n    int
	}{{one, 1}, {two, 2}} {
		checks := map[string]error{
			"pdfsig":  k.pdfsig(c.path, c.n),
			"qpdf":    k.qpdf(in, c.path),
			"mutool":  k.mutool(c.path, c.n),
			"openssl": k.openssl(c.path, c.n),
			"pdfcpu":  k.pdfcpu(c.path, c.n),
		}
		for tool, err := range checks {
			if err != nil {
				t.Errorf("%s on %d-signature output: %v", tool, c.n, err)
			}
		}
		infos, err := VerifyFile(c.path, k.roots)
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) != c.n {
			t.Fatalf("Verify found %d signatures, want %d", len(infos), c.n)
		}
		for i, s := range infos {
			last := i == c.n-1
			if s.Integrity != Valid || !s.Trusted || !s.Valid || (s.Modifications == ModNone) != last || s.CoversWholeDocument != last || s.ModifiedAfterSigning == last {
				t.Errorf("Verify signature %d: %+v", i+1, s)
			}
		}
	}
}

// pageCount asks pdfinfo (poppler), an outside opinion.
func pageCount(t *testing.T, path string) int {
	out, err := run("pdfinfo", path)
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Pages:") {
			var n int
			for _, c := range strings.TrimSpace(strings.TrimPrefix(l, "Pages:")) {
				n = n*10 + int(c-'0')
			}
			return n
		}
	}
	t.Fatal("pdfinfo: no page count")
	return 0
}

// visibleSize asks pdfinfo for the page's crop box and rotation and
// returns its size as displayed.
func visibleSize(t *testing.T, path string, page int) (float64, float64) {
	n := strconv.Itoa(page)
	out, err := run("pdfinfo", "-box", "-f", n, "-l", n, path)
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	var b [4]float64
	rot, found := 0, false
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, "CropBox:"); i >= 0 {
			f := strings.Fields(l[i+len("CropBox:"):])
			for j := range b {
				b[j], _ = strconv.ParseFloat(f[j], 64)
			}
			found = true
		}
		if i := strings.Index(l, "rot:"); i >= 0 {
			rot, _ = strconv.Atoi(strings.TrimSpace(l[i+4:]))
		}
	}
	if !found {
		t.Fatal("pdfinfo: no crop box")
	}
	if rot == 90 || rot == 270 {
		return b[3] - b[1], b[2] - b[0]
	}
	return b[2] - b[0], b[3] - b[1]
}
