package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/pdfsign"
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

// TestSignField: --field signs into an existing empty signature field
// (visible without --rect: the field has its box) and refuses it once
// signed.
func TestSignField(t *testing.T) {
	_, f := signFixture(t)
	dir := t.TempDir()
	var b strings.Builder
	offs := []int{}
	b.WriteString("%PDF-1.4\n")
	for i, o := range []string{
		"<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[4 0 R]>>>>",
		"<</Type/Pages/Count 1/Kids[3 0 R]>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 600 800]/Resources<<>>/Annots[4 0 R]>>",
		"<</Type/Annot/Subtype/Widget/FT/Sig/T(Persetujuan)/Rect[300 100 540 180]/P 3 0 R/F 4>>",
	} {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	b.WriteString("xref\n0 5\n0000000000 65535 f\r\n")
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<</Size 5/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", x)
	in := filepath.Join(dir, "form.pdf")
	os.WriteFile(in, []byte(b.String()), 0o644)
	out := filepath.Join(dir, "signed.pdf")
	sign := []string{"sign", "--p12", f.P12, "--passphrase-stdin"}
	if code, _, errOut := cliRun(t, f.Password+"\n", append(sign, "--field", "Persetujuan", "--visible", "--out", out, in)...); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	infos, err := pdfsign.VerifyFile(out, nil)
	if err != nil || len(infos) != 1 || infos[0].Field != "Persetujuan" || infos[0].Integrity != pdfsign.Valid {
		t.Fatalf("verify: %+v %v", infos, err)
	}
	code, _, errOut := cliRun(t, f.Password+"\n", append(sign, "--field", "Persetujuan", "--out", filepath.Join(dir, "again.pdf"), out)...)
	if code != 1 || !strings.Contains(errOut, "already signed") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	oneLineError(t, errOut)
	// A new field needs a box when visible.
	code, _, errOut = cliRun(t, f.Password+"\n", append(sign, "--field", "Baru", "--visible", "--out", filepath.Join(dir, "new.pdf"), in)...)
	if code != 1 || !strings.Contains(errOut, "no box given") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}
