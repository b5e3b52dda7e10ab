package pdfsign

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/natunakab/besign/pdfsign/testpki"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// toolkit runs the external validators against files signed by pkis.
type toolkit struct {
	dir     string
	nss     string
	rootsCA string // PEM bundle of the roots for openssl
	certDir string // pdfcpu's trusted certificate folder
	roots   *x509.CertPool
}

var (
	pkiOnce        sync.Once
	pkiRSA, pkiEC  *testpki.PKI
	kitOnce        sync.Once
	kit            *toolkit
	kitErr         error
	pdfcpuMu       sync.Mutex
	byteRangeRegex = regexp.MustCompile(`/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]`)
)

// pkis returns two hierarchies whose CRLs are served on a local HTTP
// server, so that pdfcpu can check revocation (it reports "validity
// unknown" without).
func pkis() (*testpki.PKI, *testpki.PKI) {
	pkiOnce.Do(func() {
		crls := map[string][]byte{}
		var mu sync.Mutex
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			b, ok := crls[r.URL.Path]
			mu.Unlock()
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/pkix-crl")
			w.Write(b)
		}))
		crlHost = srv.Listener.Addr().(*net.TCPAddr).IP.String()
		pkiRSA = testpki.New(testpki.LeafOptions{CRLBase: srv.URL})
		pkiEC = testpki.New(testpki.LeafOptions{ECDSA: true, Name: "Siti Aminah", CRLBase: srv.URL})
		mu.Lock()
		for _, p := range []*testpki.PKI{pkiRSA, pkiEC} {
			for k, v := range p.CRLs {
				crls[k] = v
			}
		}
		mu.Unlock()
	})
	return pkiRSA, pkiEC
}

var crlHost string

func requireTools(t testing.TB) {
	for _, tool := range []string{"pdfsig", "qpdf", "mutool", "openssl", "certutil"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed for this test (scripts/install-deps.sh installs it): %v", tool, err)
		}
	}
}

func run(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

func getKit(t *testing.T) *toolkit {
	t.Helper()
	requireTools(t)
	kitOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pdfsign-validators-")
		if err != nil {
			kitErr = err
			return
		}
		k := &toolkit{dir: dir, nss: "sql:" + filepath.Join(dir, "nss"), certDir: filepath.Join(dir, "certs"), roots: x509.NewCertPool()}
		os.Mkdir(filepath.Join(dir, "nss"), 0o700)
		os.Mkdir(k.certDir, 0o700)
		if out, err := run("certutil", "-N", "-d", k.nss, "--empty-password"); err != nil {
			kitErr = fmt.Errorf("certutil -N: %v: %s", err, out)
			return
		}
		a, b := pkis()
		var bundle []*x509.Certificate
		for i, p := range []*testpki.PKI{a, b} {
			k.roots.AddCert(p.Root)
			bundle = append(bundle, p.Root)
			certs := []struct {
				c     *x509.Certificate
				trust string
			}{
				{p.Root, "C,C,C"},
				// The issuing CA and the signer are added without trust:
				// poppler/NSS otherwise reports "Unknown issue with
				// Certificate" for the second of two signatures made with
				// the same certificate (the same happens with signatures
				// made by pdfsig itself), a quirk of its temporary
				// certificate import, not of the file.
				{p.CA, ",,"}, {p.Leaf, ",,"},
			}
			for j, c := range certs {
				path := filepath.Join(dir, fmt.Sprintf("c%d%d.pem", i, j))
				if err := testpki.WritePEM(path, c.c); err != nil {
					kitErr = err
					return
				}
				if out, err := run("certutil", "-A", "-d", k.nss, "-n", fmt.Sprintf("cert%d%d", i, j), "-t", c.trust, "-i", path); err != nil {
					kitErr = fmt.Errorf("certutil -A: %v: %s", err, out)
					return
				}
			}
			if err := testpki.WritePEM(filepath.Join(k.certDir, fmt.Sprintf("root%d.pem", i)), p.Root); err != nil {
				kitErr = err
				return
			}
		}
		k.rootsCA = filepath.Join(dir, "roots.pem")
		if err := testpki.WritePEM(k.rootsCA, bundle...); err != nil {
			kitErr = err
			return
		}
		kit = k
	})
	if kitErr != nil {
		t.Fatal(kitErr)
	}
	return kit
}

// pdfsig checks every signature is valid and trusted, and that only the
// last one covers the whole document.
func (k *toolkit) pdfsig(path string, n int) error {
	out, err := run("pdfsig", "-nssdir", k.nss, path)
	if err != nil {
		return fmt.Errorf("pdfsig: %v\n%s", err, out)
	}
	blocks := strings.Split(out, "Signature #")[1:]
	if len(blocks) != n {
		return fmt.Errorf("pdfsig found %d signatures, want %d\n%s", len(blocks), n, out)
	}
	for i, b := range blocks {
		want := []string{"Signature Validation: Signature is Valid.", "Certificate Validation: Certificate is Trusted.", "Signature Type: ETSI.CAdES.detached", "Signing Hash Algorithm: SHA-256"}
		if i == n-1 {
			want = append(want, "- Total document signed")
		} else {
			want = append(want, "- Not total document signed")
		}
		for _, w := range want {
			if !strings.Contains(b, w) {
				return fmt.Errorf("pdfsig: signature %d lacks %q\n%s", i+1, w, out)
			}
		}
	}
	return nil
}

var qpdfOffsets = regexp.MustCompile(`\(.*?offset \d+\)|^WARNING: [^:]*: `)

// qpdf checks the file; warnings are accepted only when qpdf gives the same
// warnings for the original (a defect we did not introduce).
func (k *toolkit) qpdf(orig, path string) error {
	out, err := run("qpdf", "--check", path)
	if err == nil {
		return nil
	}
	origOut, _ := run("qpdf", "--check", orig)
	warnings := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "WARNING") {
				l = strings.ReplaceAll(l, orig, "FILE")
				l = strings.ReplaceAll(l, path, "FILE")
				m[qpdfOffsets.ReplaceAllString(l, "")] = true
			}
		}
		return m
	}
	ow := warnings(origOut)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		return fmt.Errorf("qpdf --check: %v\n%s", err, out)
	}
	for w := range warnings(out) {
		if !ow[w] {
			return fmt.Errorf("qpdf --check: new warning %q\n%s", w, out)
		}
	}
	return nil
}

// mutool checks the digests: the last signature unchanged, earlier ones
// valid with later edits. mutool has no trust store option, so its
// certificate line is not checked.
func (k *toolkit) mutool(path string, n int) error {
	out, err := run("mutool", "sign", "-v", path)
	if err != nil {
		return fmt.Errorf("mutool sign -v: %v\n%s", err, out)
	}
	blocks := strings.Split(out, "Verifying signature")[1:]
	if len(blocks) != n {
		return fmt.Errorf("mutool found %d signatures, want %d\n%s", len(blocks), n, out)
	}
	for i, b := range blocks {
		if strings.Contains(b, "Digest error") || strings.Contains(b, "Signature information missing") {
			return fmt.Errorf("mutool: signature %d not valid\n%s", i+1, out)
		}
		want := "The signature is valid but there have been edits since signing."
		if i == n-1 {
			want = "The document is unchanged since signing."
		}
		if !strings.Contains(b, want) {
			return fmt.Errorf("mutool: signature %d lacks %q\n%s", i+1, want, out)
		}
	}
	return nil
}

// openssl extracts each signature and its signed bytes independently of
// our parser (by the /ByteRange text) and runs openssl cms -verify.
func (k *toolkit) openssl(path string, n int) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	ms := byteRangeRegex.FindAllSubmatch(data, -1)
	if len(ms) != n {
		return fmt.Errorf("openssl: found %d byte ranges, want %d", len(ms), n)
	}
	dir, err := os.MkdirTemp(k.dir, "ossl-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for i, m := range ms {
		var br [4]int
		for j := range br {
			br[j], _ = strconv.Atoi(string(m[j+1]))
		}
		if br[0] != 0 || br[2]+br[3] > len(data) || data[br[1]] != '<' || data[br[2]-1] != '>' {
			return fmt.Errorf("openssl: bad byte range %v", br)
		}
		der, err := hex.DecodeString(string(data[br[1]+1 : br[2]-1]))
		if err != nil {
			return fmt.Errorf("openssl: contents: %v", err)
		}
		var raw asn1.RawValue
		if _, err := asn1.Unmarshal(der, &raw); err != nil {
			return fmt.Errorf("openssl: contents: %v", err)
		}
		sig := filepath.Join(dir, fmt.Sprintf("sig%d.der", i))
		content := filepath.Join(dir, fmt.Sprintf("content%d.bin", i))
		os.WriteFile(sig, raw.FullBytes, 0o600)
		os.WriteFile(content, append(append([]byte{}, data[:br[1]]...), data[br[2]:br[2]+br[3]]...), 0o600)
		out, err := run("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", content,
			"-CAfile", k.rootsCA, "-purpose", "any", "-out", os.DevNull)
		if err != nil || !strings.Contains(out, "Verification successful") {
			return fmt.Errorf("openssl cms -verify (signature %d): %v\n%s", i+1, err, out)
		}
	}
	return nil
}

// pdfcpu runs pdfcpu's signature validation.
func (k *toolkit) pdfcpu(path string, n int) error {
	pdfcpuMu.Lock()
	defer pdfcpuMu.Unlock()
	api.DisableConfigDir()
	model.TrustedCertDir = k.certDir
	conf := model.NewDefaultConfiguration()
	conf.AllowedRevocationHosts = []string{crlHost}
	res, err := api.ValidateSignatures(path, true, conf)
	if err != nil {
		return fmt.Errorf("pdfcpu: %v", err)
	}
	if len(res) != n {
		return fmt.Errorf("pdfcpu found %d signatures, want %d", len(res), n)
	}
	for i, r := range res {
		if r.Status != model.SignatureStatusValid {
			var b bytes.Buffer
			for _, r := range res {
				fmt.Fprintf(&b, "%s\n", r.String())
			}
			return fmt.Errorf("pdfcpu: signature %d: %s (%s) %v\n%s", i+1, r.Status, r.Reason, r.Problems, b.String())
		}
	}
	return nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if kit != nil {
		os.RemoveAll(kit.dir)
	}
	os.Exit(code)
}
