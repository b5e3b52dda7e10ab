package screens

import (
	"fmt"
	"testing"

	"github.com/natunakab/besign/preview"
)

// TestPreviewMessages: the preview's errors, wrapped as the preview returns
// them, read as their own Indonesian sentences, not the general one.
func TestPreviewMessages(t *testing.T) {
	general := message(fmt.Errorf("something else"))
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("preview: %w (more than 512 MB)", preview.ErrTooLarge),
			"Dokumen ini memerlukan memori terlalu besar untuk ditampilkan; berkasnya mungkin rusak atau sengaja dibuat berbahaya. Jangan tandatangani dokumen yang isinya tidak dapat Anda lihat."},
		{fmt.Errorf("%w: it is damaged or not a PDF", preview.ErrNotPDF), "Berkas ini bukan PDF yang dapat dibaca."},
		{preview.ErrPassword, "PDF ini dilindungi password. Masukkan password PDF-nya."},
	} {
		if got := message(c.err); got != c.want || got == general {
			t.Errorf("%v: %q, want %q", c.err, got, c.want)
		}
	}
}
