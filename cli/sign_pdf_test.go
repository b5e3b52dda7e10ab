package cli

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSignPDFPassword: the PDF's password is the second line of standard
// input with --pdf-password-stdin, never an argument.
func TestSignPDFPassword(t *testing.T) {
	_, f := signFixture(t)
	dir := t.TempDir()
	src := copyCorpus(t, "test.pdf", dir)
	in := filepath.Join(dir, "locked.pdf")
	if b, err := exec.Command("qpdf", "--encrypt", "rahasia", "pemilik", "256", "--", src, in).CombinedOutput(); err != nil && !strings.Contains(string(b), "succeeded with warnings") {
		t.Fatalf("qpdf: %v\n%s", err, b)
	}
	sign := []string{"sign", "--p12", f.P12, "--passphrase-stdin"}
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"no PDF password", f.Password + "\n", append(sign, "--out", filepath.Join(dir, "o1.pdf"), in), 1, "needs its password to open (give it on the second line of standard input with --pdf-password-stdin)"},
		{"missing second line", f.Password + "\n", append(sign, "--pdf-password-stdin", "--out", filepath.Join(dir, "o2.pdf"), in), 1, "second line"},
		{"wrong PDF password", f.Password + "\nsalah\n", append(sign, "--pdf-password-stdin", "--out", filepath.Join(dir, "o3.pdf"), in), 1, "wrong PDF password"},
		{"user password", f.Password + "\nrahasia\n", append(sign, "--pdf-password-stdin", "--out", filepath.Join(dir, "o4.pdf"), in), 0, ""},
		{"owner password, no final newline", f.Password + "\r\npemilik", append(sign, "--pdf-password-stdin", "--out", filepath.Join(dir, "o5.pdf"), in), 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := cliRun(t, c.stdin, c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d with %q", code, errOut, c.code, c.want)
			}
			if code != 0 {
				oneLineError(t, errOut)
			}
		})
	}
}
