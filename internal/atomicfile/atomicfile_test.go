package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Replace(path, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Fatalf("content %q", b)
	}
	if st, _ := os.Stat(path); runtime.GOOS != "windows" && st.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, want 0644", st.Mode().Perm())
	}
	if err := Replace(path, []byte("private"), 0o600); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
}

// A failed replace leaves the old file and no temporary file.
func TestReplaceFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub") // a folder: rename over it fails
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "keep"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Replace(path, []byte("x"), 0o600); err == nil {
		t.Fatal("replacing a non-empty folder succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 || entries[0].Name() != "sub" {
		t.Fatalf("left behind: %v", entries)
	}
}

// CreateNew never replaces a file: a taken name gets the next number; a
// failing fill leaves nothing.
func TestCreateNew(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "surat_prepared.pdf")
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	for i, want := range []string{name, filepath.Join(dir, "surat_prepared (2).pdf"), filepath.Join(dir, "surat_prepared (3).pdf")} {
		got, err := CreateNew(name, 0o644, write(fmt.Sprint(i)))
		if err != nil || got != want {
			t.Fatalf("CreateNew %d: %q, %v; want %q", i, got, err, want)
		}
		if b, _ := os.ReadFile(got); string(b) != fmt.Sprint(i) {
			t.Fatalf("%s holds %q", got, b)
		}
	}
	if _, err := CreateNew(name, 0o644, func(io.Writer) error { return errors.New("disk full") }); err == nil {
		t.Fatal("a failing fill succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Fatalf("%d files left, want the 3 written", len(entries))
	}
}
