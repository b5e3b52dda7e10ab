package cli

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
)

// ltvFixture is a signer's PKCS#12 (without its root, as such files
// often are) whose certificates name CRLs served on 127.0.0.1, and a TSA
// under the same CA: the configuration to sign with it.
func ltvFixture(t *testing.T) (testpki.Files, string) {
	t.Helper()
	crls := map[string][]byte{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := crls[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	p := testpki.New(testpki.LeafOptions{CRLBase: srv.URL})
	for k, v := range p.CRLs {
		crls[k] = v
	}
	f, err := p.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tsa := httptest.NewServer(p.TSA("TSA Uji LTV", time.Now().Add(time.Hour)))
	t.Cleanup(tsa.Close)
	return f, "tsa_url = \"" + tsa.URL + "/tsa\"\n"
}

// besign sign without --level reaches the highest level it can and says
// why not higher (here: the PKCS#12 lacks the root, so the CA's status
// cannot be shown: B-T); with --level B-LT the same fails and writes
// nothing. besign extend --trust ROOT over a folder of 100 such PDFs then
// makes each B-LTA in one update after its old bytes, through a rename,
// with the signature still valid for pdfsig and qpdf --check content.
func TestSignLevelAndExtendFolder(t *testing.T) {
	if _, err := exec.LookPath("pdfsig"); err != nil {
		t.Fatal("pdfsig is needed (scripts/install-deps.sh installs it)")
	}
	f, conf := ltvFixture(t)
	src, out := t.TempDir(), t.TempDir()
	const n = 100
	var args []string
	for i := range n {
		p := filepath.Join(src, fmt.Sprintf("surat-%03d.pdf", i))
		os.WriteFile(p, testpdf.Base(), 0o644)
		args = append(args, p)
	}
	code, stdout, errOut := cliRunConfig(t, conf, f.Password+"\n", append([]string{"sign", "--p12", f.P12, "--passphrase-stdin", "--out-dir", out}, args...)...)
	if code != 0 {
		t.Fatalf("sign: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if len(lines) != n || !strings.Contains(lines[0], "(PAdES B-T: no revocation data for \"Test Issuing CA") ||
		!strings.HasSuffix(lines[0], "the certificate of its issuer is not at hand)") {
		t.Fatalf("sign output: %q", lines[0])
	}

	one := filepath.Join(t.TempDir(), "one.pdf")
	code, _, errOut = cliRunConfig(t, conf, f.Password+"\n", "sign", "--p12", f.P12, "--passphrase-stdin", "--level", "B-LT", "--out", one, args[0])
	if code == 0 || !strings.Contains(errOut, "incomplete") || !strings.Contains(errOut, "asks for B-LT") {
		t.Fatalf("sign --level B-LT: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(one); !os.IsNotExist(err) {
		t.Fatal("written at a lower level than asked")
	}
	// IT's signature_level asks the same of every signature.
	code, _, errOut = cliRunConfig(t, conf+"signature_level = \"B-LT\"\n", f.Password+"\n", "sign", "--p12", f.P12, "--passphrase-stdin", "--out", one, args[0])
	if code == 0 || !strings.Contains(errOut, "asks for B-LT") {
		t.Fatalf("signature_level B-LT: exit %d: %s", code, errOut)
	}

	files, _ := filepath.Glob(filepath.Join(out, "*.pdf"))
	before := map[string][]byte{}
	for _, p := range files {
		before[p], _ = os.ReadFile(p)
	}
	os.WriteFile(filepath.Join(out, "unsigned.pdf"), testpdf.Base(), 0o644)
	code, stdout, errOut = cliRunConfig(t, conf, "", "extend", "--trust", f.RootPEM, out)
	if code != 0 {
		t.Fatalf("extend: exit %d: %s%s", code, stdout, errOut)
	}
	if c := strings.Count(stdout, "a document timestamp: B-LTA)\n"); c != n || !strings.Contains(stdout, "skipped "+filepath.Join(out, "unsigned.pdf")+" (no signature)") {
		t.Fatalf("extend output (%d B-LTA):\n%s", c, stdout)
	}
	for i, p := range files {
		after, _ := os.ReadFile(p)
		if !bytes.HasPrefix(after, before[p]) || bytes.Count(after, []byte("%%EOF")) != bytes.Count(before[p], []byte("%%EOF"))+1 {
			t.Fatalf("%s: not one update after the old bytes", p)
		}
		if i%10 != 0 {
			continue // pdfsig and qpdf on every tenth: the machine is shared
		}
		o, _ := exec.Command("pdfsig", p).CombinedOutput()
		if !strings.Contains(string(o), "Signature #1:") || strings.Count(string(o), "Signature Validation: Signature is Valid.") != 1 ||
			!strings.Contains(string(o), "Signature #2:") {
			t.Fatalf("pdfsig %s:\n%s", p, o)
		}
		if o, err := exec.Command("qpdf", "--check", p).CombinedOutput(); err != nil {
			t.Fatalf("qpdf --check %s: %v\n%s", p, err, o)
		}
	}
	// A second run with --renew-within leaves them: their archive
	// timestamp (the TSA's certificate ends in an hour) has time left for
	// 0 days, not for 1.
	code, stdout, errOut = cliRunConfig(t, conf, "", "extend", "--trust", f.RootPEM, "--renew-within", "0", out)
	if code != 0 || strings.Count(stdout, "kept ") != n {
		t.Fatalf("extend --renew-within 0: exit %d:\n%s%s", code, stdout, errOut)
	}
	code, stdout, errOut = cliRunConfig(t, conf, "", "extend", "--trust", f.RootPEM, "--renew-within", "1", files[0])
	if code != 0 || !strings.Contains(stdout, "B-LTA)") {
		t.Fatalf("extend --renew-within 1: exit %d:\n%s%s", code, stdout, errOut)
	}
	if m, _ := filepath.Glob(filepath.Join(out, ".besign-*")); len(m) != 0 {
		t.Fatalf("temporary files left: %v", m)
	}
}
