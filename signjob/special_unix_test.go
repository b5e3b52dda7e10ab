//go:build unix

package signjob

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign"
)

// Take refuses a FIFO named .pdf at once (a plain open blocks on it until
// a writer comes), and a folder.
func TestTakeSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo, folder := filepath.Join(dir, "pipa.pdf"), filepath.Join(dir, "map.pdf")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, folder} {
		done := make(chan error, 1)
		go func() { _, err := Take(p); done <- err }()
		var err error
		select {
		case err = <-done:
		case <-time.After(20 * time.Second):
			// a guard against a hang: a writer releases the blocked open
			if w, werr := os.OpenFile(fifo, os.O_RDWR|syscall.O_NONBLOCK, 0); werr == nil {
				w.Close()
			}
			<-done
			t.Fatalf("Take(%s) blocked", filepath.Base(p))
		}
		if !errors.Is(err, pdfsign.ErrNotRegular) {
			t.Fatalf("Take(%s): %v, want ErrNotRegular", filepath.Base(p), err)
		}
	}
}
