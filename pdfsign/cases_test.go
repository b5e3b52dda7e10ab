package pdfsign

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// validateOutput runs pdfsig, qpdf --check, mutool and openssl cms on a
// file with n signatures made from orig, and checks that each signed
// revision starts with the bytes before it.
func validateOutput(t *testing.T, k *toolkit, origPath, path string, n int, prefix []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, prefix) {
		t.Fatal("the input is not an exact prefix of the output")
	}
	checks := map[string]error{
		"pdfsig":  k.pdfsig(path, n),
		"qpdf":    k.qpdf(origPath, path),
		"mutool":  k.mutool(path, n),
		"openssl": k.openssl(path, n),
	}
	if !bytes.Contains(got, []byte("/Encrypt")) {
		// pdfcpu and Verify do not open encrypted files (yet); pdfcpu
		// judges only files whose input it reads (it lacks LZW with
		// /EarlyChange 0).
		if pdfcpuReads(origPath) {
			checks["pdfcpu"] = k.pdfcpu(path, n)
		}
		infos, err := VerifyFile(path, k.roots)
		if err == nil && (len(infos) != n || infos[n-1].Integrity != Valid || !infos[n-1].Trusted || !infos[n-1].CoversWholeDocument) {
			err = fmt.Errorf("%d signatures, last %+v", len(infos), infos[len(infos)-1])
		}
		checks["Verify"] = err
	}
	for tool, err := range checks {
		if err != nil {
			t.Errorf("%s on %d-signature output: %v", tool, n, err)
		}
	}
}

// pdfcpuReads reports whether pdfcpu validates the file at path.
func pdfcpuReads(path string) bool {
	pdfcpuMu.Lock()
	defer pdfcpuMu.Unlock()
	api.DisableConfigDir()
	return api.ValidateFile(path, model.NewDefaultConfiguration()) == nil
}

// signTwice signs in invisibly (RSA), then the result visibly (ECDSA) on
// page 1, checking both outputs with validateOutput; it returns both paths.
func signTwice(t *testing.T, k *toolkit, in string, base Options, rect Rect) (string, string) {
	t.Helper()
	rsaPKI, ecPKI := pkis()
	dir := t.TempDir()
	one, two := filepath.Join(dir, "one.pdf"), filepath.Join(dir, "two.pdf")
	o1 := base
	o1.Signer, o1.Chain, o1.Reason, o1.Location = rsaPKI.Key, rsaPKI.Chain(), "Menyetujui dokumen", "Ranai, Natuna"
	if err := SignFile(in, one, o1, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	o2 := base
	o2.Signer, o2.Chain, o2.Time = ecPKI.Key, ecPKI.Chain(), time.Now()
	o2.Appearance = &Appearance{Rect: rect, NIP: "199501192022032003", Jabatan: "Kepala Bidang Keuangan", QR: "https://besign.natunakab.go.id/verify?id=123", Labels: idLabels}
	if err := SignFile(one, two, o2, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(in)
	validateOutput(t, k, in, one, 1, orig)
	first, _ := os.ReadFile(one)
	validateOutput(t, k, in, two, 2, first)
	return one, two
}

func qpdfTo(t *testing.T, in string, args ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "qpdf.pdf")
	b, err := exec.Command("qpdf", append(append(args, in), out)...).CombinedOutput()
	// Exit status 3: written, with warnings about the input.
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 3) {
		t.Fatalf("qpdf %v: %v\n%s", args, err, b)
	}
	return out
}

var encryptions = []struct {
	name string
	args []string
}{
	{"rc4-40", []string{"--allow-weak-crypto", "--encrypt", "", "owner", "40", "--"}},
	{"rc4-128", []string{"--allow-weak-crypto", "--encrypt", "", "owner", "128", "--use-aes=n", "--"}},
	{"aes-128", []string{"--encrypt", "", "owner", "128", "--use-aes=y", "--"}},
	{"aes-256-r5", []string{"--encrypt", "", "owner", "256", "--force-R5", "--"}},
	{"aes-256", []string{"--encrypt", "", "owner", "256", "--"}},
	{"aes-256-objstm", []string{"--encrypt", "", "owner", "256", "--", "--object-streams=generate"}},
}

// TestSignEncrypted signs files encrypted with an empty user password:
// they keep their encryption, the new objects are encrypted with the
// document's key, and every validator accepts them.
func TestSignEncrypted(t *testing.T) {
	k := getKit(t)
	for _, e := range encryptions {
		t.Run(e.name, func(t *testing.T) {
			in := qpdfTo(t, "testdata/corpus/Acroforms2.pdf", e.args...)
			one, two := signTwice(t, k, in, Options{}, Rect{X: 40, Y: 40, W: 220, H: 70})
			for _, p := range []string{one, two} {
				out, _ := run("qpdf", "--show-encryption", p)
				if strings.Contains(out, "not encrypted") || !strings.Contains(out, "User password = \n") {
					t.Errorf("output not encrypted any more:\n%s", out)
				}
				if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("Menyetujui dokumen")) || bytes.Contains(b, []byte("Ditandatangani")) {
					t.Errorf("the reason or the appearance text is in clear text in %s", filepath.Base(p))
				}
			}
		})
	}
}

func TestSignEncryptedPassword(t *testing.T) {
	k := getKit(t)
	rsaPKI, _ := pkis()
	in := qpdfTo(t, "testdata/corpus/test.pdf", "--encrypt", "rahasia", "pemilik", "256", "--")
	out := filepath.Join(t.TempDir(), "out.pdf")
	opts := Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain()}
	if err := SignFile(in, out, opts, FileOptions{}); !errors.Is(err, ErrPasswordRequired) || !errors.Is(err, ErrEncrypted) {
		t.Fatalf("no password: %v", err)
	}
	opts.PDFPassword = "salah"
	if err := SignFile(in, out, opts, FileOptions{}); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
	opts.PDFPassword = "rahasia"
	if err := SignFile(in, out, opts, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(in)
	// The validators need the password too.
	if o, err := run("qpdf", "--password=rahasia", "--check", out); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, o)
	}
	if err := k.openssl(out, 1); err != nil {
		t.Error(err)
	}
	got, _ := os.ReadFile(out)
	if !bytes.HasPrefix(got, orig) {
		t.Error("the input is not a prefix of the output")
	}
	if o, err := run("pdfsig", "-nssdir", k.nss, "-upw", "rahasia", out); err != nil || !strings.Contains(o, "Signature is Valid.") {
		t.Errorf("pdfsig: %v\n%s", err, o)
	}
}

// TestSignPermissions: a document whose permissions forbid annotations
// and form filling is signed only with the owner password.
func TestSignPermissions(t *testing.T) {
	rsaPKI, _ := pkis()
	in := qpdfTo(t, "testdata/corpus/test.pdf", "--encrypt", "", "pemilik", "256", "--annotate=n", "--form=n", "--modify=none", "--")
	out := filepath.Join(t.TempDir(), "out.pdf")
	opts := Options{Signer: rsaPKI.Key, Chain: rsaPKI.Chain()}
	if err := SignFile(in, out, opts, FileOptions{}); !errors.Is(err, ErrPermission) {
		t.Fatalf("forbidden: %v", err)
	}
	opts.PDFPassword = "pemilik"
	if err := SignFile(in, out, opts, FileOptions{}); err != nil {
		t.Fatalf("owner password: %v", err)
	}
}
