package cli

import (
	"bytes"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// `besign trust publish --nss DB` makes pdfsig call a signature of the
// embedded authority trusted, where it was not before; certutil lists the
// root with its trust flags; the PEM, the DER and the FDF hold the root the
// signature chains to; publishing again leaves one entry.
func TestTrustPublish(t *testing.T) {
	for _, tool := range []string{"pdfsig", "certutil", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (scripts/install-deps.sh)", tool)
		}
	}
	dir, cfg := t.TempDir(), passphraseConfig(t)
	const email = "siti@natunakab.go.id"
	submitActivation(t, dir, "Siti Rahmawati", email)
	if code, _, errOut := runIn(t, dir, cfg, "", "admin", "activations", "approve", email); code != 0 {
		t.Fatalf("approve: %s", errOut)
	}
	info := createPassphrase(t, dir, email, accountPassphrase)
	docs := t.TempDir()
	in := copyCorpus(t, "T4.pdf", docs)
	if code, _, errOut := runIn(t, dir, cfg, accountPassphrase+"\n", "sign", "--account", email, "--passphrase-stdin", in); code != 0 {
		t.Fatalf("sign: %s", errOut)
	}
	signed := filepath.Join(docs, "T4_signed.pdf")

	// An NSS database that does not know the root yet: untrusted.
	nss := t.TempDir()
	if out, err := exec.Command("certutil", "-N", "-d", "sql:"+nss, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	before := pdfsig(t, nss, signed)
	mustHave(t, "pdfsig before publishing", before, "Signature Validation: Signature is Valid.")
	if strings.Contains(before, "Certificate is Trusted.") {
		t.Fatalf("trusted before the root was published:\n%s", before)
	}

	out := filepath.Join(t.TempDir(), "akar")
	for range 2 { // twice: the second replaces the first
		code, stdout, errOut := runIn(t, dir, cfg, "", "trust", "publish", "--out", out, "--nss", nss, "--name", "BeSign Natuna")
		if code != 0 {
			t.Fatalf("trust publish: exit %d %q %q", code, stdout, errOut)
		}
	}
	mustHave(t, "pdfsig after publishing", pdfsig(t, nss, signed), "Signature Validation: Signature is Valid.", "Certificate Validation: Certificate is Trusted.")
	list, err := exec.Command("certutil", "-L", "-d", "sql:"+nss).CombinedOutput()
	if err != nil {
		t.Fatalf("certutil -L: %v\n%s", err, list)
	}
	if n := len(regexp.MustCompile(`(?m)^BeSign Natuna\s+,C,\s*$`).FindAll(list, -1)); n != 1 {
		t.Errorf("certutil -L lists the root %d times with C,C,C, want once:\n%s", n, list)
	}

	root := info.Chain[len(info.Chain)-1]
	pemData, _ := os.ReadFile(filepath.Join(out, "root.pem"))
	if blk, _ := pem.Decode(pemData); blk == nil || blk.Type != "CERTIFICATE" || !bytes.Equal(blk.Bytes, root) {
		t.Errorf("root.pem is not the chain's root")
	}
	if cer, _ := os.ReadFile(filepath.Join(out, "root.cer")); !bytes.Equal(cer, root) {
		t.Errorf("root.cer is not the chain's root in DER")
	}
	fdf, err := os.ReadFile(filepath.Join(out, "root.fdf"))
	if err != nil {
		t.Fatal(err)
	}
	checkTrustFDF(t, fdf, root, "BeSign Natuna")
}

// checkTrustFDF checks the FDF's structure: header, one object at the
// offset its cross-reference table gives, startxref pointing at that table,
// and, as qpdf reads it (an FDF has no page tree, which qpdf warns about,
// and no %PDF header), the contact and the certificate.
func checkTrustFDF(t *testing.T, fdf, der []byte, nick string) {
	t.Helper()
	if !bytes.HasPrefix(fdf, []byte("%FDF-1.2\n")) || !bytes.HasSuffix(fdf, []byte("%%EOF\n")) {
		t.Fatalf("FDF header or end:\n%.40q ... %.20q", fdf, fdf[max(0, len(fdf)-20):])
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(fdf)
	if m == nil {
		t.Fatal("FDF without startxref")
	}
	at, _ := strconv.Atoi(string(m[1]))
	x := regexp.MustCompile(`^xref\n0 2\n0000000000 65535 f \n(\d{10}) 00000 n \ntrailer\n<< /Size 2 /Root 1 0 R >>\n`).FindSubmatch(fdf[at:])
	if x == nil {
		t.Fatalf("startxref %d does not point at the cross-reference table: %.60q", at, fdf[at:])
	}
	obj, _ := strconv.Atoi(string(x[1]))
	if !bytes.HasPrefix(fdf[obj:], []byte("1 0 obj\n<< /FDF << ")) {
		t.Fatalf("the table's offset %d is not object 1: %.40q", obj, fdf[obj:])
	}
	path := filepath.Join(t.TempDir(), "root.fdf")
	if err := os.WriteFile(path, fdf, 0o600); err != nil {
		t.Fatal(err)
	}
	shown, err := exec.Command("qpdf", "--show-object=1", path).CombinedOutput()
	if err != nil && !strings.Contains(string(shown), "operation succeeded with warnings") {
		t.Fatalf("qpdf --show-object=1: %v\n%s", err, shown)
	}
	if bytes.Contains(shown, []byte("reconstruct")) || bytes.Contains(shown, []byte("damaged")) {
		t.Errorf("qpdf had to repair the FDF:\n%s", shown)
	}
	// qpdf writes the keys sorted
	want := "<< /FDF << /Certs [ <" + hex.EncodeToString(der) + "> ] /Contacts [ << /Certs [ 0 ] /Name (" + nick + ") >> ] >> >>"
	if !strings.Contains(string(shown), want) {
		t.Errorf("qpdf reads object 1 as\n%s\nwant %.120s...", shown, want)
	}
}

// A non-ASCII contact name is a UTF-16 text string with its byte order
// mark; parentheses are escaped.
func TestTrustFDFNames(t *testing.T) {
	if got := pdfString(`Root (Natuna) \ 1`); got != `(Root \(Natuna\) \\ 1)` {
		t.Errorf("ASCII name: %s", got)
	}
	if got := pdfString("Pemkab Natuna é"); got != "<FEFF00500065006D006B006100620020004E006100740075006E0061002000E9>" {
		t.Errorf("non-ASCII name: %s", got)
	}
}

func TestTrustPublishUsage(t *testing.T) {
	for _, args := range [][]string{{"trust"}, {"trust", "export"}, {"trust", "publish", "extra"}} {
		if code, _, errOut := run(t, t.TempDir(), args...); code != 2 {
			t.Errorf("%v: exit %d %q, want 2", args, code, errOut)
		}
	}
}
