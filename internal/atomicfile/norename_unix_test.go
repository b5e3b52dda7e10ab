//go:build unix

package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

// The hard-link fallback refuses an existing target too.
func TestLinkNoReplace(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("new"), 0o600)
	os.WriteFile(b, []byte("old"), 0o600)
	if err := linkNoReplace(a, b); !errors.Is(err, os.ErrExist) {
		t.Fatalf("got %v, want ErrExist", err)
	}
	if got, _ := os.ReadFile(b); string(got) != "old" {
		t.Fatal("target replaced")
	}
	os.Remove(b)
	if err := linkNoReplace(a, b); err != nil || exists(a) {
		t.Fatalf("move: %v, source left: %v", err, exists(a))
	}
}

// RenameNoReplace moves a file only to a free name.
func TestRenameNoReplace(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("new"), 0o600)
	os.WriteFile(b, []byte("old"), 0o600)
	if err := RenameNoReplace(a, b); !errors.Is(err, os.ErrExist) {
		t.Fatalf("got %v, want ErrExist", err)
	}
	if got, _ := os.ReadFile(b); string(got) != "old" || !exists(a) {
		t.Fatal("target replaced or source lost")
	}
	os.Remove(b)
	if err := RenameNoReplace(a, b); err != nil || exists(a) || !exists(b) {
		t.Fatalf("move: %v", err)
	}
}
