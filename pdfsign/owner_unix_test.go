//go:build unix

package pdfsign

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Extended in place by root, a document keeps its owner and group (the
// rename would otherwise give it to root).
func TestExtendKeepsOwner(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	w := newLTVWorld(t)
	in := filepath.Join(w.dir, "in.pdf")
	os.WriteFile(in, basePDF(), 0o644)
	signed := filepath.Join(w.dir, "signed.pdf")
	if err := SignFile(in, signed, w.opts(), FileOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(signed, 4321, 4322); err != nil {
		t.Fatal(err)
	}
	if _, err := ExtendFile(signed, signed, LTV{}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(signed)
	if err != nil {
		t.Fatal(err)
	}
	if s := st.Sys().(*syscall.Stat_t); s.Uid != 4321 || s.Gid != 4322 {
		t.Fatalf("owner %d:%d, want 4321:4322", s.Uid, s.Gid)
	}
}
