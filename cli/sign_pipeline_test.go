package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/pdfsign"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// besign sign names its outputs by the app's rule (signjob.SignedName):
// only a ".pdf" in any case leaves the name, so that "laporan.v2" and
// "laporan.pdf" never share an output. Before the CLI signed through
// signjob it cut any extension ("laporan_signed.pdf").
func TestSignOutputNameRule(t *testing.T) {
	_, f := signFixture(t)
	dir, outDir := t.TempDir(), t.TempDir()
	var ins []string
	for _, name := range []string{"Surat Tugas.PDF", "laporan.v2", "laporan.pdf", "scan"} {
		ins = append(ins, copyCorpus(t, "test.pdf", dir))
		p := filepath.Join(dir, name)
		if err := os.Rename(ins[len(ins)-1], p); err != nil {
			t.Fatal(err)
		}
		ins[len(ins)-1] = p
	}
	want := []string{"Surat Tugas_signed.pdf", "laporan.v2_signed.pdf", "laporan_signed.pdf", "scan_signed.pdf"}
	for _, od := range []string{"", outDir} {
		args := []string{"sign", "--p12", f.P12, "--passphrase-stdin"}
		if od != "" {
			args = append(args, "--out-dir", od)
		}
		code, out, errOut := cliRun(t, f.Password+"\n", append(args, ins...)...)
		if code != 0 {
			t.Fatalf("out-dir %q: exit %d: %s", od, code, errOut)
		}
		for i, w := range want {
			folder := od
			if folder == "" {
				folder = dir
			}
			p := filepath.Join(folder, w)
			if !strings.Contains(out, "signed "+ins[i]+" -> "+p+"\n") {
				t.Errorf("out-dir %q: no %s in\n%s", od, p, out)
			}
			if _, err := os.Stat(p); err != nil {
				t.Errorf("out-dir %q: %v", od, err)
			}
		}
	}
}

// A PKCS#12 file whose key is not its certificate's is refused before
// anything is written: the batch's signers stand for the certificate's
// key, so pdfsign's own check of the key cannot see the difference.
func TestSignP12KeyMismatch(t *testing.T) {
	p, _ := signFixture(t)
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := pkcs12.Modern.Encode(other, p.Leaf, []*x509.Certificate{p.CA}, "rahasia")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p12 := filepath.Join(dir, "lain.p12")
	os.WriteFile(p12, pfx, 0o600)
	in := copyCorpus(t, "test.pdf", dir)
	code, out, errOut := cliRun(t, "rahasia\n", "sign", "--p12", p12, "--passphrase-stdin", in)
	if code != 1 || out != "" || !strings.Contains(errOut, "key does not match the certificate") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	oneLineError(t, errOut)
	if m, _ := filepath.Glob(filepath.Join(dir, "*_signed*.pdf")); len(m) > 0 {
		t.Fatalf("outputs: %v", m)
	}
}

// More files than one batch takes (the app queue's limit) are signed in
// several, each output where its own input says.
func TestSignManyFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("signs 1001 files")
	}
	_, f := signFixture(t)
	dir, outDir := t.TempDir(), t.TempDir()
	b, err := os.ReadFile(filepath.Join(corpusDir, "test.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	const n = authority.MaxQueuedDocuments + 1
	args := []string{"sign", "--p12", f.P12, "--passphrase-stdin", "--out-dir", outDir}
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("d%04d.pdf", i))
		os.WriteFile(p, b, 0o644)
		args = append(args, p)
	}
	code, out, errOut := cliRun(t, f.Password+"\n", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d lines for %d files", len(lines), n)
	}
	for _, i := range []int{0, n - 2, n - 1} {
		in := filepath.Join(dir, fmt.Sprintf("d%04d.pdf", i))
		o := filepath.Join(outDir, fmt.Sprintf("d%04d_signed.pdf", i))
		if lines[i] != "signed "+in+" -> "+o {
			t.Errorf("line %d: %q", i, lines[i])
		}
		if infos, err := pdfsign.VerifyFile(o, nil); err != nil || len(infos) != 1 || infos[0].Integrity != pdfsign.Valid {
			t.Errorf("%s: %v %+v", o, err, infos)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(outDir, "*_signed.pdf")); len(m) != n {
		t.Errorf("%d outputs", len(m))
	}
}
