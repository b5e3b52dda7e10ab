package signjob

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/natunakab/besign/authority"
)

// The QR code of a visible signature, read back from the rendered page by
// zbarimg, names the document before signing (its SHA-256 and size, which
// the signed copy begins with) and the certificate's serial; the signer's
// picture is embedded in the signature with its own size.
func TestRunQRAndImage(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "zbarimg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " is not installed")
		}
	}
	dir := t.TempDir()
	d := onePage(t, dir, "surat.pdf")
	d.Settings = authority.SignatureSettings{Page: 1, Box: authority.Box{X: 10, Y: 10, W: 280, H: 110}}
	job := localJob(t)
	job.QR = "https://tte.natunakab.go.id/verifikasi?lang=id"
	job.QRDocument = true
	job.Serial = "5A3F01"
	pic := image.NewNRGBA(image.Rect(0, 0, 211, 83))
	for x := range 211 {
		pic.Set(x, 40, color.NRGBA{0, 0, 128, 255})
	}
	job.Image = pic
	r := Run(bg, job, []Document{d})[0]
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	checkSigned(t, r.Output, "")
	orig, _ := os.ReadFile(d.Path)
	signed, _ := os.ReadFile(r.Output)

	png := filepath.Join(dir, "halaman")
	if out, err := exec.Command("pdftoppm", "-r", "400", "-png", "-singlefile", r.Output, png).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	out, err := exec.Command("zbarimg", "-q", "--raw", png+".png").Output()
	if err != nil {
		t.Fatalf("zbarimg found no code: %v", err)
	}
	u, err := url.Parse(strings.TrimSpace(string(out)))
	if err != nil || u.Host != "tte.natunakab.go.id" || u.Path != "/verifikasi" {
		t.Fatalf("QR %q", out)
	}
	q := u.Query()
	size, _ := strconv.Atoi(q.Get("size"))
	sum := sha256.Sum256(orig)
	if q.Get("lang") != "id" || q.Get("serial") != "5A3F01" || q.Get("sha256") != hex.EncodeToString(sum[:]) || size != len(orig) {
		t.Fatalf("QR query %v (document %d bytes)", q, len(orig))
	}
	// what the page can check: the signed copy begins with that document
	if pre := sha256.Sum256(signed[:size]); !bytes.Equal(pre[:], sum[:]) {
		t.Fatal("the signed copy does not begin with the document the QR names")
	}
	if !regexp.MustCompile(`/Width\s*211\b`).Match(signed) || !regexp.MustCompile(`/Height\s*83\b`).Match(signed) {
		t.Fatal("the picture is not in the signature")
	}
}

func TestVerificationQuery(t *testing.T) {
	if got := VerificationQuery("https://x.go.id/v", []byte{0xab}, 9, ""); got != "https://x.go.id/v?sha256=ab&size=9" {
		t.Errorf("%q", got)
	}
	if got := VerificationQuery("https://x.go.id/v", nil, 9, "1"); got != "https://x.go.id/v" {
		t.Errorf("no hash: %q", got)
	}
}
