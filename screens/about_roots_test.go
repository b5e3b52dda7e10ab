package screens

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/internal/trustedroots"
	"github.com/natunakab/besign/pdfsign/testpki"
)

// rootTexts returns the texts of the roots section's rows and its "Hapus"
// buttons.
func rootTexts(s *rootsSection) (string, []*widget.Button) {
	var texts []string
	var dels []*widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			texts = append(texts, w.Text)
		case *widget.Button:
			if w.Text == "Hapus" {
				dels = append(dels, w)
			}
		case *button:
			if w.Text == "Hapus" {
				dels = append(dels, &w.Button)
			}
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		}
	}
	walk(s.rows)
	return strings.Join(texts, "\n"), dels
}

func writePEM(t *testing.T, path string, certs ...*x509.Certificate) string {
	t.Helper()
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Tentang dan Pengaturan lists the authority's root (not removable); adds
// roots from PEM (several at once) and DER files; refuses a signer's
// certificate and garbage, adding nothing; removes an added root.
func TestTrustedRootsSettings(t *testing.T) {
	h := newHarness(t)
	dataDir := t.TempDir()
	h.ui.opts.About.DataDir = dataDir
	s := h.ui.aboutDialog()
	h.wait()
	if top := h.win.Canvas().Overlays().Top(); top == nil {
		t.Fatal("no dialog shown")
	}
	text, dels := rootTexts(s)
	if s.authority == nil || !strings.Contains(text, s.authority.Subject.String()) || !strings.Contains(text, "tidak dapat dihapus") || len(dels) != 0 {
		t.Fatalf("authority's root not listed alone and fixed:\n%s (%d Hapus)", text, len(dels))
	}

	dir := t.TempDir()
	a, b := testpki.New(testpki.LeafOptions{}), testpki.New(testpki.LeafOptions{})
	for _, c := range []struct{ name, want string }{
		{writePEM(t, filepath.Join(dir, "penanda.pem"), a.Leaf), "bukan sertifikat CA"},
		{writePEM(t, filepath.Join(dir, "campur.pem"), a.Root, a.Leaf), "bukan sertifikat CA"},
		{filepath.Join(dir, "sampah.crt"), "bukan sertifikat (PEM atau DER)"},
	} {
		os.WriteFile(filepath.Join(dir, "sampah.crt"), []byte("bukan sertifikat"), 0o644)
		s.addFile(c.name)
		h.wait()
		if shown(s.msg) == "" || !strings.Contains(s.msg.Text, c.want) || s.msg.Importance != widget.DangerImportance {
			t.Errorf("%s: message %q, want %q", filepath.Base(c.name), s.msg.Text, c.want)
		}
		if roots, _, _ := trustedroots.List(dataDir); len(roots) != 0 {
			t.Fatalf("%s: %d roots kept after a refusal", filepath.Base(c.name), len(roots))
		}
	}

	// a DER root, then a PEM bundle of two CA certificates
	der := filepath.Join(dir, "akar.cer")
	os.WriteFile(der, a.Root.Raw, 0o644)
	s.addFile(der)
	h.wait()
	s.addFile(writePEM(t, filepath.Join(dir, "dinas.pem"), b.Root, b.CA))
	h.wait()
	text, dels = rootTexts(s)
	if len(s.roots) != 3 || len(dels) != 3 {
		t.Fatalf("%d roots, %d Hapus after adding three:\n%s", len(s.roots), len(dels), text)
	}
	for _, c := range []*x509.Certificate{a.Root, b.Root, b.CA} {
		fp := groupHex(trustedroots.Fingerprint(c))
		if !strings.Contains(text, c.Subject.String()) || !strings.Contains(text, fp) {
			t.Errorf("%s with %s not listed:\n%s", c.Subject, fp, text)
		}
		if _, err := os.Stat(filepath.Join(dataDir, trustedroots.DirName, trustedroots.Fingerprint(c)+".der")); err != nil {
			t.Errorf("%s not kept in the data dir: %v", c.Subject, err)
		}
	}

	// Hapus asks, then removes that root only.
	var target trustedroots.Root
	for i, r := range s.roots {
		if r.Cert.Equal(a.Root) {
			target = r
			h.tap(dels[i])
		}
	}
	if s.confirm == nil {
		t.Fatal("Hapus did not ask first")
	}
	s.confirm.Confirm()
	h.wait()
	text, dels = rootTexts(s)
	if len(s.roots) != 2 || len(dels) != 2 || strings.Contains(text, a.Root.Subject.String()) {
		t.Fatalf("after Hapus:\n%s", text)
	}
	if _, err := os.Stat(target.File); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the removed root's file is still there: %v", err)
	}
	if !strings.Contains(s.msg.Text, "Dihapus") {
		t.Errorf("message after Hapus %q", s.msg.Text)
	}
}
