//go:build unix

package pdfsign

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// specialInputs makes, in dir, inputs named like PDFs that are not regular
// files: a FIFO with no writer (a plain open blocks on it forever), a
// folder, and a link to /dev/zero (endless).
func specialInputs(t *testing.T, dir string) map[string]string {
	t.Helper()
	paths := map[string]string{
		"fifo":   filepath.Join(dir, "pipe.pdf"),
		"folder": filepath.Join(dir, "folder.pdf"),
		"device": filepath.Join(dir, "zero.pdf"),
	}
	if err := syscall.Mkfifo(paths["fifo"], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(paths["folder"], 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", paths["device"]); err != nil {
		t.Fatal(err)
	}
	return paths
}

// unblock opens a FIFO for writing without blocking, which releases a
// reader blocked in open, so that a regression fails instead of leaving a
// goroutine stuck.
func unblock(path string) {
	if f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
}

// within runs f, failing the test when it has not returned in time: a
// guard against a hang, not a measure of speed.
func within(t *testing.T, what, fifo string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		unblock(fifo)
		<-done
		t.Fatalf("%s blocked", what)
		return nil
	}
}

// Anything but a regular file is refused at once, with ErrNotRegular (and
// ErrNotPDF), by every function that opens an input; no output appears.
func TestSpecialInputs(t *testing.T) {
	p, _ := pkis()
	dir := t.TempDir()
	for kind, in := range specialInputs(t, dir) {
		t.Run(kind, func(t *testing.T) {
			out := filepath.Join(dir, kind+"_signed.pdf")
			for what, f := range map[string]func() error{
				"SignFile": func() error { return SignFile(in, out, Options{Signer: p.Key, Chain: p.Chain()}, FileOptions{}) },
				"VerifyFile": func() error {
					_, err := VerifyFile(in, nil)
					return err
				},
				"OpenInput": func() error {
					f, _, err := OpenInput(in)
					if err == nil {
						f.Close()
					}
					return err
				},
			} {
				err := within(t, what, filepath.Join(dir, "pipe.pdf"), f)
				if !errors.Is(err, ErrNotRegular) || !errors.Is(err, ErrNotPDF) {
					t.Fatalf("%s: %v, want ErrNotRegular", what, err)
				}
			}
			if exists(out) || len(temps(dir)) > 0 {
				t.Fatalf("left behind: output %v, temps %v", exists(out), temps(dir))
			}
		})
	}
}

// An input cut short while it is signed (here by the hook, right after its
// first chunk was copied: after parsing, before the rest is read) fails
// with ErrTruncated: nothing is signed, the check never sees a digest and
// no output appears. Before, the copy ended quietly at the new end and a
// signature was made over the damaged document.
func TestSignFileTruncated(t *testing.T) {
	p, _ := pkis()
	dir := t.TempDir()
	in := copyInput(t, dir, 0o644)
	st, err := os.Stat(in)
	if err != nil {
		t.Fatal(err)
	}
	duringCopy = func() {
		if err := os.Truncate(in, st.Size()/2); err != nil {
			t.Error(err)
		}
	}
	defer func() { duringCopy = nil }()
	signer := &countingSigner{Signer: p.Key}
	checked := false
	out := filepath.Join(dir, "out.pdf")
	err = SignFile(in, out, Options{Signer: signer, Chain: p.Chain()}, FileOptions{Check: func([]byte) error { checked = true; return nil }})
	if !errors.Is(err, ErrTruncated) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want ErrTruncated", err)
	}
	if signer.n != 0 || checked {
		t.Fatalf("signed %d times, checked %v", signer.n, checked)
	}
	if exists(out) || len(temps(dir)) > 0 {
		t.Fatalf("left behind: output %v, temps %v", exists(out), temps(dir))
	}
}
