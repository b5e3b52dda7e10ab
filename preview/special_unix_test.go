//go:build unix

package preview

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO named like a PDF (swapped in after the queue looked at the file,
// say) is refused at once, not waited on forever (issue 17).
func TestOpenFIFO(t *testing.T) {
	r := shared(t)
	fifo := filepath.Join(t.TempDir(), "surat.pdf")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		d, err := r.Open(fifo, "")
		if d != nil {
			d.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotPDF) {
			t.Fatalf("got %v, want ErrNotPDF", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Open blocked on a FIFO")
	}
}
