package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/pdfsign/testpdf"
)

// A PDF whose cross-reference table lists its page content twice (PDFium
// shows the second, other readers the first) is refused by sign and
// reported by verify, each in one clear line.
func TestAmbiguousPDFCLI(t *testing.T) {
	_, f := signFixture(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "ambigu.pdf")
	if err := os.WriteFile(in, testpdf.Ambiguous("table"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cliRun(t, f.Password+"\n", "sign", in, "--p12", f.P12, "--passphrase-stdin")
	if code != 1 || !strings.Contains(errOut, "ambigu.pdf: ambiguous PDF: ") || !strings.Contains(errOut, "object 4 has two different entries") {
		t.Fatalf("sign: exit %d: %q", code, errOut)
	}
	oneLineError(t, errOut)
	if _, err := os.Stat(filepath.Join(dir, "ambigu_signed.pdf")); !os.IsNotExist(err) {
		t.Fatalf("an output was left: %v", err)
	}
	code, out, _ := cliRun(t, "", "verify", in)
	if code != 1 || !strings.Contains(out, "ambiguous PDF: ") {
		t.Fatalf("verify: exit %d: %q", code, out)
	}
}
