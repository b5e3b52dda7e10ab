package screens

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/assets"
)

// TestSignStampLanguage: the visible signature speaks the screens'
// language.
func TestSignStampLanguage(t *testing.T) {
	if _, err := exec.LookPath("mutool"); err != nil {
		t.Fatal("mutool is needed (scripts/install-deps.sh)")
	}
	for _, c := range []struct{ lang, want, not string }{
		{"id", "Ditandatangani secara elektronik oleh:", "Electronically signed by:"},
		{"en", "Electronically signed by:", "Ditandatangani"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			h, _ := signReady(t)
			if err := assets.UseLanguage(c.lang); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { assets.UseLanguage("id") })
			h.ui.opts.Language = c.lang
			dir := t.TempDir()
			h.ui.OpenFiles([]string{writePDF(t, dir, "surat.pdf", a4)})
			h.wait()
			pr := h.openPrompt()
			h.typeIn(pr.entry, signPass)
			h.enter()
			out := filepath.Join(dir, "surat_signed.pdf")
			if run := h.ui.sign.run; run == nil || !run.finished || run.rows[0].output != out {
				t.Fatalf("not signed to %s", out)
			}
			txt, err := exec.Command("mutool", "draw", "-q", "-F", "txt", "-o", "-", out, "1").Output()
			if err != nil {
				t.Fatalf("mutool draw: %v", err)
			}
			if !strings.Contains(string(txt), c.want) || strings.Contains(string(txt), c.not) {
				t.Fatalf("the stamp reads:\n%s\nwant %q", txt, c.want)
			}
		})
	}
}
