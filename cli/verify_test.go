package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/pdfsign/testpdf"
)

// The bottom line comes first, the exit status follows it, and a document
// changed after signing is not valid.
func TestVerifyBottomLine(t *testing.T) {
	_, f := signFixture(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "surat.pdf")
	os.WriteFile(in, testpdf.Base(), 0o644)
	if code, _, errOut := cliRun(t, f.Password+"\n", "sign", in, "--p12", f.P12, "--passphrase-stdin", "--reason", "Setuju"); code != 0 {
		t.Fatalf("sign: %s", errOut)
	}
	signed := filepath.Join(dir, "surat_signed.pdf")
	b, err := os.ReadFile(signed)
	if err != nil {
		t.Fatal(err)
	}
	changed, err := testpdf.Update(b, map[int]string{4: testpdf.Stream("BT /F1 18 Tf 40 250 Td (Diubah) Tj ET")})
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "diubah.pdf")
	os.WriteFile(bad, changed, 0o644)
	unsigned := filepath.Join(dir, "unsigned.pdf")
	os.WriteFile(unsigned, testpdf.Base(), 0o644)

	for _, c := range []struct {
		name  string
		args  []string
		code  int
		lines []string // the first lines of the output
	}{
		{"valid", []string{"--trust", f.RootPEM, signed}, 0, []string{
			signed + ": VALID",
			"  Signature 1 by Budi Santoso, S.Kom. is valid (PAdES B-B); the document has not been changed since."}},
		{"valid, no roots", []string{signed}, 0, []string{
			signed + ": VALID",
			"  Signature 1 by Budi Santoso, S.Kom. is valid (PAdES B-B); the document has not been changed since (the signer's identity was not checked: give the issuing root with --trust ROOT.pem)."}},
		{"changed page", []string{"--trust", f.RootPEM, bad}, 1, []string{
			bad + ": NOT VALID",
			"  Signature 1 by Budi Santoso, S.Kom. is NOT valid: changed after signing: the contents of page 1."}},
		{"unsigned", []string{unsigned}, 1, []string{unsigned + ": NOT VALID: the file has no signatures"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := cliRun(t, "", append([]string{"verify"}, c.args...)...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.code, out, errOut)
			}
			got := strings.Split(out, "\n")
			for i, l := range c.lines {
				if i >= len(got) || got[i] != l {
					t.Fatalf("line %d:\n got %q\nwant %q\n%s", i+1, got[min(i, len(got)-1)], l, out)
				}
			}
		})
	}

	// JSON: valid per signature and per file, modifications named.
	code, out, _ := cliRun(t, "", "verify", "--json", "--trust", f.RootPEM, signed, bad)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	var res []struct {
		File       string `json:"file"`
		Valid      bool   `json:"valid"`
		Signatures []struct {
			Valid         bool   `json:"valid"`
			Modifications string `json:"modifications"`
			Problem       string `json:"problem"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 2 {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if !res[0].Valid || !res[0].Signatures[0].Valid || res[0].Signatures[0].Modifications != "none" ||
		res[1].Valid || res[1].Signatures[0].Valid || res[1].Signatures[0].Modifications != "other" {
		t.Fatalf("json: %s", out)
	}
}

// TestVerifyPDFPassword: a protected PDF is verified with its password on
// standard input (--pdf-password-stdin), never an argument; without it the
// message speaks about verifying.
func TestVerifyPDFPassword(t *testing.T) {
	_, f := signFixture(t)
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.pdf")
	os.WriteFile(plain, testpdf.Base(), 0o644)
	locked := filepath.Join(dir, "locked.pdf")
	if b, err := exec.Command("qpdf", "--encrypt", "rahasia", "pemilik", "256", "--", plain, locked).CombinedOutput(); err != nil {
		t.Fatalf("qpdf: %v\n%s", err, b)
	}
	signed := filepath.Join(dir, "locked_signed.pdf")
	if code, _, errOut := cliRun(t, f.Password+"\nrahasia\n", "sign", "--p12", f.P12, "--passphrase-stdin", "--pdf-password-stdin", locked); code != 0 {
		t.Fatalf("sign: %s", errOut)
	}
	for _, c := range []struct {
		name, stdin string
		args        []string
		code        int
		first       string
	}{
		{"no password", "", nil, 1, signed + ": NOT VERIFIED: the PDF is protected by a password; to verify it, give the password on standard input with --pdf-password-stdin"},
		{"wrong password", "salah\n", []string{"--pdf-password-stdin"}, 1, signed + ": NOT VERIFIED: wrong PDF password: the file could not be opened to verify it"},
		{"user password", "rahasia\n", []string{"--pdf-password-stdin"}, 0, signed + ": VALID"},
		{"owner password", "pemilik", []string{"--pdf-password-stdin"}, 0, signed + ": VALID"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := cliRun(t, c.stdin, append(append([]string{"verify", "--trust", f.RootPEM}, c.args...), signed)...)
			if code != c.code || strings.Split(out, "\n")[0] != c.first {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
		})
	}
	if code, _, errOut := cliRun(t, "", "verify", "--pdf-password-stdin", signed); code != 1 || !strings.Contains(errOut, "no PDF password") {
		t.Fatalf("empty stdin: exit %d %s", code, errOut)
	}
}

// --trust takes PEM or DER, as the app's trusted roots do; a file holding
// no certificate is a clear error.
func TestVerifyTrustDERAndGarbage(t *testing.T) {
	p, f := signFixture(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "surat.pdf")
	os.WriteFile(in, testpdf.Base(), 0o644)
	if code, _, errOut := cliRun(t, f.Password+"\n", "sign", in, "--p12", f.P12, "--passphrase-stdin"); code != 0 {
		t.Fatalf("sign: %s", errOut)
	}
	signed := filepath.Join(dir, "surat_signed.pdf")
	der, garbage := filepath.Join(dir, "root.cer"), filepath.Join(dir, "sampah.pem")
	os.WriteFile(der, p.Root.Raw, 0o644)
	os.WriteFile(garbage, []byte("bukan sertifikat"), 0o644)
	if code, out, errOut := cliRun(t, "", "verify", "--json", "--trust", der, signed); code != 0 || !strings.Contains(out, `"trusted": true`) {
		t.Errorf("DER root: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := cliRun(t, "", "verify", "--trust", garbage, signed); code != 1 || !strings.Contains(errOut, garbage+": no certificate found") {
		t.Errorf("garbage root: exit %d %s", code, errOut)
	}
}

// pyHanko's B-LTA file (pdfsign/testdata/pyhanko): verify names the level
// and the validation time, in text and in JSON, offline.
func TestVerifyLevel(t *testing.T) {
	file := filepath.Join("..", "pdfsign", "testdata", "pyhanko", "pades-lta-dss-indirect-arrs-test.pdf")
	root := filepath.Join("..", "pdfsign", "testdata", "pyhanko", "root.cert.pem")
	code, out, errOut := cliRun(t, "", "verify", "--offline", "--trust", root, file)
	if code != 0 || !strings.Contains(out, "Signature 1 by Alice is valid (PAdES B-LTA);") ||
		!strings.Contains(out, "    level:         B-LTA (as B-LT, and a document timestamp protects the validation data)") ||
		!strings.Contains(out, "    validated at:  2020-11-01T00:00:00Z") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = cliRun(t, "", "verify", "--json", "--offline", "--trust", root, file)
	var res []struct {
		Signatures []struct {
			Level          string `json:"level"`
			ValidationTime string `json:"validation_time"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || len(res) != 1 || len(res[0].Signatures) != 2 ||
		res[0].Signatures[0].Level != "B-LTA" || res[0].Signatures[0].ValidationTime != "2020-11-01T00:00:00Z" || res[0].Signatures[1].Level != "" {
		t.Fatalf("exit %d %v\n%s%s", code, err, out, errOut)
	}
}
