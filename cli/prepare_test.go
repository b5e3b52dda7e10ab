package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/pdfsign/testpdf"
)

// besign prepare merges, turns and checks through docprep, printing the
// new file's path; bad page lists are usage errors (status 2) and write
// nothing.
func TestPrepare(t *testing.T) {
	if _, err := exec.LookPath("qpdf"); err != nil {
		t.Skip("qpdf not installed")
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "surat.pdf"), filepath.Join(dir, "lampiran.pdf")
	os.WriteFile(a, testpdf.Base(), 0o644)
	os.WriteFile(b, testpdf.Base(), 0o644)
	code, out, errOut := run(t, dir, "prepare", "merge", a, b)
	merged := strings.TrimSpace(out)
	if code != 0 || merged != filepath.Join(dir, "surat_prepared.pdf") {
		t.Fatalf("merge: %d %q %q", code, out, errOut)
	}
	if o, err := exec.Command("qpdf", "--show-npages", merged).Output(); err != nil || strings.TrimSpace(string(o)) != "2" {
		t.Fatalf("merged pages: %q, %v", o, err)
	}
	code, out, _ = run(t, dir, "prepare", "rotate", "--pages", "2", "--degrees", "90", merged)
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(out), "surat_prepared_prepared.pdf") {
		t.Fatalf("rotate: %d %q", code, out)
	}
	code, out, _ = run(t, dir, "prepare", "check", a, merged)
	if code != 0 || strings.Count(out, ": OK,") != 2 {
		t.Fatalf("check: %d %q", code, out)
	}
	damaged := filepath.Join(dir, "rusak.pdf")
	os.WriteFile(damaged, []byte("%PDF-1.7\nini bukan isi PDF\n"), 0o644)
	if code, out, _ = run(t, dir, "prepare", "check", damaged); code != 1 || !strings.Contains(out, "damaged") {
		t.Errorf("check of a damaged file: %d %q", code, out)
	}
	before, _ := os.ReadDir(dir)
	for _, args := range [][]string{{"prepare", "remove", "--pages", "x", a}, {"prepare", "order", a}, {"prepare", "merge", a}, {"prepare"}, {"prepare", "cut", a}} {
		if code, _, errOut := run(t, dir, args...); code != 2 || !strings.Contains(errOut, "prepare") {
			t.Errorf("%q: %d %q, want a usage error", args, code, errOut)
		}
	}
	if code, _, errOut := run(t, dir, "prepare", "remove", "--pages", "1", a); code != 1 || !strings.Contains(errOut, "leaves none") {
		t.Errorf("removing the only page: %d %q", code, errOut)
	}
	if after, _ := os.ReadDir(dir); len(after) != len(before) {
		t.Errorf("refused commands wrote %d files", len(after)-len(before))
	}
}
