//go:build unix

package screens

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"

	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/pdfsign"
)

// specialPDFs makes a FIFO with no writer (a plain open blocks on it
// forever) and a folder, both named like PDFs.
func specialPDFs(t *testing.T) (fifo, folder string) {
	t.Helper()
	dir := t.TempDir()
	fifo, folder = filepath.Join(dir, "pipa.pdf"), filepath.Join(dir, "map.pdf")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	return fifo, folder
}

// notBlocking runs f, failing the test when it has not returned in time (a
// guard against a hang: a writer then releases a reader blocked on fifo).
func notBlocking(t *testing.T, what, fifo string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		if w, err := os.OpenFile(fifo, os.O_RDWR|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		<-done
		t.Fatalf("%s blocked", what)
	}
}

const notRegularText = "Ini bukan berkas biasa"

// The verify tab refuses a FIFO or a folder named .pdf at once and says
// why.
func TestVerifyDocumentSpecialFiles(t *testing.T) {
	fifo, folder := specialPDFs(t)
	for _, p := range []string{fifo, folder} {
		var err error
		notBlocking(t, "verifyDocument "+filepath.Base(p), fifo, func() {
			_, err = verifyDocument(context.Background(), nil, t.TempDir(), config.Config{}, p, "")
		})
		if !errors.Is(err, pdfsign.ErrNotRegular) || !strings.Contains(verifyErrorText(err), notRegularText) {
			t.Fatalf("%s: %v, said %q", filepath.Base(p), err, verifyErrorText(err))
		}
	}
	h := newHarness(t)
	if v := h.openInTab(fifo); !strings.Contains(v.summary.Text, notRegularText) || len(v.sigs.Objects) != 0 {
		t.Fatalf("the tab says %q", v.summary.Text)
	}
}

// Added to the signing queue, a FIFO or a folder named .pdf is refused at
// once with its reason; nothing is queued.
func TestSignAddSpecialFiles(t *testing.T) {
	fifo, folder := specialPDFs(t)
	for _, p := range []string{fifo, folder} {
		var in inspection
		notBlocking(t, "examine "+filepath.Base(p), fifo, func() { in = examine(p, "") })
		if !errors.Is(in.err, pdfsign.ErrNotRegular) || !strings.Contains(message(in.err), notRegularText) {
			t.Fatalf("%s: %v, said %q", filepath.Base(p), in.err, message(in.err))
		}
	}
	h, _ := signReady(t)
	h.ui.Dropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(fifo)})
	h.wait()
	if msg := shown(h.ui.sign.addMsg); !strings.Contains(msg, "pipa.pdf: "+notRegularText) || len(h.queued()) != 0 {
		t.Fatalf("said %q, %d queued", msg, len(h.queued()))
	}
}
