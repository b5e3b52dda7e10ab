//go:build unix

package inputfile

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Every kind of special file named like a PDF is refused at once, and
// named; a regular file opens.
func TestOpen(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipa.pdf")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "folder.pdf")
	os.Mkdir(folder, 0o700)
	device := filepath.Join(dir, "nol.pdf")
	if err := os.Symlink("/dev/zero", device); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "soket.pdf")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for path, kind := range map[string]string{fifo: "a pipe", folder: "a folder", device: "a device", sock: "a socket"} {
		done := make(chan error, 1)
		go func() {
			f, _, err := Open(path)
			if f != nil {
				f.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), kind) {
				t.Errorf("%s: %v, want %s", filepath.Base(path), err, kind)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Open blocked", filepath.Base(path))
		}
	}
	regular := filepath.Join(dir, "surat.pdf")
	os.WriteFile(regular, []byte("%PDF-1.7\n"), 0o600)
	f, st, err := Open(regular)
	if err != nil || st.Size() != 9 {
		t.Fatalf("regular file: %v", err)
	}
	f.Close()
}
