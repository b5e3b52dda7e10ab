package screens

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/natunakab/besign/specimen"
)

func writePNG(t *testing.T, path string, w, h int) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, h/2, color.NRGBA{0, 0, 128, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The signer's picture: a too small one is refused in words, a good one
// kept for the account and drawn in the signature, whose QR code names the
// document signed; Hapus Gambar forgets it.
func TestSigningStamp(t *testing.T) {
	h, _ := signReady(t)
	tab := h.ui.sign
	store := specimen.Open(filepath.Join(t.TempDir(), "specimen"))
	h.ui.opts.Specimens = store
	h.ui.opts.VerificationURL = "https://tte.natunakab.go.id/verifikasi"
	tab.loadStamp()
	h.wait()
	if tab.stamp != nil || tab.stampPick.Disabled() || tab.stampDrop.Visible() {
		t.Fatal("a picture before one was chosen")
	}
	dir := t.TempDir()
	tab.setStamp(writePNG(t, filepath.Join(dir, "kecil.png"), 20, 20))
	h.wait()
	if shown(tab.stampMsg) != "Gambar terlalu kecil: paling sedikit 32 piksel per sisi." || tab.stamp != nil {
		t.Fatalf("small picture: %q", shown(tab.stampMsg))
	}
	tab.setStamp(writePNG(t, filepath.Join(dir, "spesimen.png"), 307, 97))
	h.wait()
	if shown(tab.stampMsg) != "" || tab.stamp == nil || !tab.stampImg.Visible() || !tab.stampDrop.Visible() {
		t.Fatalf("good picture: %q", shown(tab.stampMsg))
	}
	if img, err := store.Load(h.ui.state.session.Account.Email); err != nil || img == nil || img.Bounds().Dx() != 307 {
		t.Fatalf("kept %v, %v", img, err)
	}

	in := writePDF(t, dir, "surat.pdf", a4)
	h.ui.OpenFiles([]string{in})
	h.wait()
	pr := h.openPrompt()
	h.typeIn(pr.entry, signPass)
	h.enter()
	h.wait()
	out := tab.run.rows[0].output
	signed := must(os.ReadFile(out))
	if !regexp.MustCompile(`/Width\s*307\b`).Match(signed) || !regexp.MustCompile(`/Height\s*97\b`).Match(signed) {
		t.Fatal("the picture is not in the signature")
	}
	pdfsigValid(t, out, 1)
	if _, err := exec.LookPath("zbarimg"); err == nil {
		page := filepath.Join(dir, "halaman")
		if o, err := exec.Command("pdftoppm", "-r", "300", "-png", "-singlefile", out, page).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v %s", err, o)
		}
		code, err := exec.Command("zbarimg", "-q", "--raw", page+".png").Output()
		sum := sha256.Sum256(must(os.ReadFile(in)))
		if err != nil || !strings.HasPrefix(string(code), "https://tte.natunakab.go.id/verifikasi?") ||
			!strings.Contains(string(code), "sha256="+hex.EncodeToString(sum[:])) || !strings.Contains(string(code), "serial=") {
			t.Fatalf("QR %q, %v", code, err)
		}
	}

	h.tap(tab.run.closeBtn)
	h.tap(tab.stampDrop)
	h.wait()
	if tab.stamp != nil || tab.stampImg.Visible() {
		t.Fatal("Hapus Gambar kept the picture shown")
	}
	if img, _ := store.Load(h.ui.state.session.Account.Email); img != nil {
		t.Fatal("Hapus Gambar kept the file")
	}
}
