package cli

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/authority"
)

// stampText is the text mutool draws on page 1 of path, the signature's
// appearance included.
func stampText(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("mutool", "draw", "-q", "-F", "txt", "-o", "-", path, "1").Output()
	if err != nil {
		t.Fatalf("mutool draw %s: %v", path, err)
	}
	return string(out)
}

// TestSignStampLanguage: the visible signature speaks the account's
// language with --account, and Indonesian (the default) with --p12.
func TestSignStampLanguage(t *testing.T) {
	if _, err := exec.LookPath("mutool"); err != nil {
		t.Fatal("mutool is needed (scripts/install-deps.sh)")
	}
	visible := []string{"--passphrase-stdin", "--visible", "--rect", "40,40,260,80", "--reason", "Menyetujui", "--location", "Ranai"}
	id := []string{"Ditandatangani secara elektronik oleh:", "Tanggal: ", "Alasan: Menyetujui", "Lokasi: Ranai"}
	en := []string{"Electronically signed by:", "Date: ", "Reason: Menyetujui", "Location: Ranai"}
	check := func(what, text string, want, not []string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the stamp lacks %q:\n%s", what, w, text)
			}
		}
		for _, n := range not {
			if strings.Contains(text, n) {
				t.Errorf("%s: the stamp has %q:\n%s", what, n, text)
			}
		}
	}

	_, f := signFixture(t)
	docs := t.TempDir()
	in := copyCorpus(t, "empty.pdf", docs)
	if code, _, errOut := cliRun(t, f.Password+"\n", append([]string{"sign", "--p12", f.P12}, append(visible, in)...)...); code != 0 {
		t.Fatalf("sign --p12: exit %d: %s", code, errOut)
	}
	check("--p12", stampText(t, filepath.Join(docs, "empty_signed.pdf")), id, en)

	dir, cfg := t.TempDir(), passphraseConfig(t)
	const email = "siti@natunakab.go.id"
	submitActivationIn(t, dir, "Siti Rahmawati", email, authority.LanguageEN)
	if code, _, errOut := runIn(t, dir, cfg, "", "admin", "activations", "approve", email); code != 0 {
		t.Fatalf("approve: %s", errOut)
	}
	createPassphrase(t, dir, email, accountPassphrase)
	out := filepath.Join(docs, "en.pdf")
	if code, _, errOut := runIn(t, dir, cfg, accountPassphrase+"\n", append([]string{"sign", "--account", email, "--out", out}, append(visible, in)...)...); code != 0 {
		t.Fatalf("sign --account: exit %d: %s", code, errOut)
	}
	check("--account (en)", stampText(t, out), append(en, "Siti Rahmawati"), id)
}
