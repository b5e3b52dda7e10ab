package history

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Entries come back newest first, per account (the address's case does
// not matter), from the file on disk: a second Book on the same folder
// reads what the first wrote.
func TestAddList(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "history")
	b := Open(dir)
	if es, err := b.List("a@natunakab.go.id"); err != nil || len(es) != 0 {
		t.Fatalf("empty history: %v, %v", es, err)
	}
	t0 := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	if err := b.Add("a@natunakab.go.id", Entry{Input: "/x/surat.pdf", Output: "/x/surat_signed.pdf", SignedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := b.Add("A@NatunaKab.go.id", Entry{Input: "/x/nota.pdf", Output: "/y/nota_signed.pdf", SignedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := b.Add("b@natunakab.go.id", Entry{Input: "/z.pdf", Output: "/z_signed.pdf", SignedAt: t0}); err != nil {
		t.Fatal(err)
	}
	es, err := Open(dir).List("a@natunakab.go.id")
	if err != nil || len(es) != 2 || es[0].Output != "/y/nota_signed.pdf" || es[1].Input != "/x/surat.pdf" || !es[0].SignedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("history of a: %+v, %v", es, err)
	}
	if es, _ := b.List("b@natunakab.go.id"); len(es) != 1 {
		t.Fatalf("history of b: %+v", es)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 2 {
		t.Fatalf("files %q", files)
	}
	if runtime.GOOS != "windows" {
		for _, p := range append(files, dir) {
			st, err := os.Stat(p)
			if err != nil || st.Mode().Perm()&0o077 != 0 {
				t.Fatalf("%s: %v, %v: others may read it", p, st.Mode(), err)
			}
		}
	}
}

// The oldest entries go beyond MaxEntries.
func TestCap(t *testing.T) {
	b := Open(t.TempDir())
	es := make([]Entry, MaxEntries+5)
	for i := range es {
		es[i] = Entry{Output: filepath.Join("/o", string(rune('a'+i%26))), SignedAt: time.Unix(int64(i), 0)}
	}
	if err := b.Add("a", es...); err != nil {
		t.Fatal(err)
	}
	got, err := b.List("a")
	if err != nil || len(got) != MaxEntries || got[0].SignedAt.Unix() != int64(MaxEntries+4) || got[MaxEntries-1].SignedAt.Unix() != 5 {
		t.Fatalf("%d entries, %v", len(got), err)
	}
}

// A damaged file is reported by List, kept aside by Add, and a new history
// starts.
func TestDamaged(t *testing.T) {
	dir := t.TempDir()
	b := Open(dir)
	if err := os.WriteFile(b.path("a"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := b.List("a"); !errors.Is(err, ErrDamaged) {
		t.Fatalf("List of a damaged file: %v", err)
	}
	if err := b.Add("a", Entry{Output: "/o.pdf"}); err != nil {
		t.Fatal(err)
	}
	if es, err := b.List("a"); err != nil || len(es) != 1 {
		t.Fatalf("after Add: %+v, %v", es, err)
	}
	if data, err := os.ReadFile(b.path("a") + ".damaged"); err != nil || string(data) != "{not json" {
		t.Fatalf("damaged file not kept: %q, %v", data, err)
	}
}

// The app and besign sign --account are two processes with a Book each on
// one folder: saving at the same time, neither loses the other's entries.
// Two Books here open the lock file apart, as two processes do (flock
// locks an open file, not a process); with the in-memory lock alone,
// entries go missing.
func TestAddTwoWriters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "history")
	const each = 60
	books := []*Book{Open(dir), Open(dir)}
	errs := make(chan error, len(books))
	for w, b := range books {
		go func() {
			for i := 0; i < each; i++ {
				if err := b.Add("a@natunakab.go.id", Entry{Input: fmt.Sprintf("/w%d/%d.pdf", w, i), Output: "/o.pdf", SignedAt: time.Now()}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range books {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	es, err := Open(dir).List("a@natunakab.go.id")
	if err != nil || len(es) != 2*each {
		t.Fatalf("%d entries of %d saved (%v)", len(es), 2*each, err)
	}
}
