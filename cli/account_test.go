package cli

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/datadir"
	"github.com/natunakab/besign/history"
)

const accountPassphrase = "Tanda#Tangan2026"

// passphraseConfig suspends after two wrong passphrases, to keep the test
// short.
func passphraseConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(p, []byte("[passphrase]\nmax_failures = 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runIn runs the CLI on a data dir with a configuration and stdin.
func runIn(t *testing.T, dir, cfg, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	full := append([]string{"--data-dir", dir, "--config", cfg}, args...)
	code := Run(full, strings.NewReader(stdin), &out, &errb, func(*Env) error {
		t.Fatal("GUI started by a CLI command")
		return nil
	})
	return code, out.String(), errb.String()
}

// createPassphrase uses the newest passphrase link of email.
func createPassphrase(t *testing.T, dir, email, passphrase string) authority.CertificateInfo {
	t.Helper()
	local, err := datadir.Open(dir, config.Default())
	if err != nil {
		t.Fatal(err)
	}
	defer local.Close()
	mails, _ := local.Authority.Outbox(context.Background(), authority.OutboxQuery{To: email})
	for _, m := range mails {
		if strings.HasPrefix(m.ActionLink, "besign://passphrase") {
			u, _ := url.Parse(m.ActionLink)
			info, err := local.Authority.CreatePassphrase(context.Background(), authority.CreatePassphraseRequest{
				Token: u.Query().Get("token"), Passphrase: passphrase, Confirmation: passphrase, Consent: true})
			if err != nil {
				t.Fatal(err)
			}
			return info
		}
	}
	t.Fatalf("no passphrase link to %s", email)
	return authority.CertificateInfo{}
}

func pdfsig(t *testing.T, nss, path string) string {
	t.Helper()
	args := []string{path}
	if nss != "" {
		args = []string{"-nssdir", nss, path}
	}
	out, err := exec.Command("pdfsig", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfsig %s: %v\n%s", path, err, out)
	}
	return string(out)
}

func TestSignWithAccount(t *testing.T) {
	for _, tool := range []string{"pdfsig", "certutil"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (scripts/install-deps.sh)", tool)
		}
	}
	dir, cfg := t.TempDir(), passphraseConfig(t)
	const email = "siti@natunakab.go.id"
	submitActivation(t, dir, "Siti Rahmawati", email)
	docs := t.TempDir()
	in1, in2 := copyCorpus(t, "T4.pdf", docs), copyCorpus(t, "empty.pdf", docs)
	code, _, errOut := runIn(t, dir, cfg, accountPassphrase+"\n", "sign", "--account", email, "--passphrase-stdin", in1)
	if code != 1 || !strings.Contains(errOut, "not verified") {
		t.Fatalf("before approval: exit %d %q", code, errOut)
	}
	if code, _, errOut := runIn(t, dir, cfg, "", "admin", "activations", "approve", email); code != 0 {
		t.Fatalf("approve: %s", errOut)
	}
	code, _, errOut = runIn(t, dir, cfg, accountPassphrase+"\n", "sign", "--account", email, "--passphrase-stdin", in1)
	if code != 1 || !strings.Contains(errOut, "create the passphrase") {
		t.Fatalf("before the passphrase: exit %d %q", code, errOut)
	}
	first := createPassphrase(t, dir, email, accountPassphrase)

	// Two files, one passphrase.
	code, out, errOut := runIn(t, dir, cfg, accountPassphrase+"\n", "sign", "--account", email, "--passphrase-stdin", in1, in2)
	if code != 0 {
		t.Fatalf("sign: exit %d %q %q", code, out, errOut)
	}
	signed := []string{filepath.Join(docs, "T4_signed.pdf"), filepath.Join(docs, "empty_signed.pdf")}
	// the app's Riwayat lists them, as if signed in the app; the failed
	// tries before did not get there
	es, err := history.Open(filepath.Join(dir, history.Folder)).List(email)
	if err != nil || len(es) != 2 {
		t.Fatalf("Riwayat after signing two: %v %+v", err, es)
	}
	for i, e := range es { // newest first: the order within a batch is the batch's, reversed
		want := map[string]string{signed[0]: in1, signed[1]: in2}
		if want[e.Output] != e.Input || e.SignedAt.IsZero() {
			t.Errorf("Riwayat entry %d: %+v", i, e)
		}
	}
	for _, f := range signed {
		got := pdfsig(t, "", f)
		mustHave(t, "pdfsig "+f, got, "Signature Validation: Signature is Valid.", "Siti Rahmawati, S.Kom.")
		if strings.Contains(got, "Certificate is Trusted.") {
			t.Errorf("%s trusted before the root is", f)
		}
	}

	// Trusted once the exported root is in the NSS database.
	root := filepath.Join(t.TempDir(), "root.pem")
	if code, _, errOut := runIn(t, dir, cfg, "", "admin", "ca", "export", "--out", root); code != 0 {
		t.Fatalf("ca export: %s", errOut)
	}
	b, _ := os.ReadFile(root)
	if blk, _ := pem.Decode(b); blk == nil || blk.Type != "CERTIFICATE" || !bytes.Equal(blk.Bytes, first.Chain[1]) {
		t.Fatalf("exported root is not the chain's root:\n%s", b)
	}
	nss := "sql:" + t.TempDir()
	for _, args := range [][]string{{"-N", "-d", nss, "--empty-password"}, {"-A", "-d", nss, "-n", "BeSign", "-t", "CT,C,C", "-i", root}} {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	for _, f := range signed {
		mustHave(t, "pdfsig with the root", pdfsig(t, nss, f), "Signature Validation: Signature is Valid.", "Certificate Validation: Certificate is Trusted.")
	}

	// besign verify checks revocation against the authority's CRL, read
	// from the data dir for the certificate's distribution point.
	verify := func(f string) (int, string) {
		code, out, errOut := runIn(t, dir, cfg, "", "verify", "--json", "--trust", root, f)
		return code, out + errOut
	}
	if code, out := verify(signed[0]); code != 0 || !strings.Contains(out, `"revocation": "good"`) {
		t.Fatalf("verify before revocation: exit %d\n%s", code, out)
	}

	// Wrong passphrases: the second in a row suspends; IT lifts it.
	again := func(p string) (int, string) {
		code, _, errOut := runIn(t, dir, cfg, p+"\n", "sign", "--account", email, "--passphrase-stdin", "--force", in1)
		return code, errOut
	}
	if code, errOut := again("Salah#Passphrase1"); code != 1 || !strings.Contains(errOut, "wrong passphrase") || strings.Contains(errOut, "suspended") {
		t.Fatalf("first wrong: exit %d %q", code, errOut)
	}
	if code, errOut := again("Salah#Passphrase2"); code != 1 || !strings.Contains(errOut, "suspended") {
		t.Fatalf("second wrong: exit %d %q", code, errOut)
	}
	if code, errOut := again(accountPassphrase); code != 1 || !strings.Contains(errOut, "suspended") || !strings.Contains(errOut, "admin users unlock") {
		t.Fatalf("right passphrase while suspended: exit %d %q", code, errOut)
	}
	if code, _, errOut := runIn(t, dir, cfg, "", "admin", "users", "unlock", email); code != 0 {
		t.Fatalf("unlock: %s", errOut)
	}
	if code, errOut := again(accountPassphrase); code != 0 {
		t.Fatalf("after unlock: exit %d %q", code, errOut)
	}

	// Lupa Passphrase: the old certificate goes on the CRL.
	local, err := datadir.Open(dir, config.Default())
	if err != nil {
		t.Fatal(err)
	}
	s, err := local.Authority.(*embedded.Authority).LocalSession(context.Background(), email)
	if err == nil {
		err = local.Authority.ForgotPassphrase(context.Background(), s.Token)
	}
	local.Close()
	if err != nil {
		t.Fatal(err)
	}
	second := createPassphrase(t, dir, email, "Baru#Passphrase2")
	if second.Serial == first.Serial {
		t.Fatal("no new certificate")
	}
	crlPath := filepath.Join(t.TempDir(), "ca.crl")
	if code, _, errOut := runIn(t, dir, cfg, "", "admin", "ca", "crl", "--out", crlPath); code != 0 {
		t.Fatalf("ca crl: %s", errOut)
	}
	for _, p := range []string{crlPath, filepath.Join(dir, authority.CRLFileName)} {
		der, _ := os.ReadFile(p)
		crl, err := x509.ParseRevocationList(der)
		if err != nil || len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Text(16) != first.Serial {
			t.Errorf("%s: %v, %+v", p, err, crl)
		}
	}
	if code, errOut := again(accountPassphrase); code != 1 || !strings.Contains(errOut, "wrong passphrase") {
		t.Errorf("old passphrase after Lupa Passphrase: exit %d %q", code, errOut)
	}
	code, out = verify(signed[1])
	if code != 1 || !strings.Contains(out, `"revocation": "revoked"`) || !strings.Contains(out, "revoked on") {
		t.Errorf("verify of a file signed with the revoked certificate: exit %d\n%s", code, out)
	}
	// Offline too: the CRL is in the data dir.
	code, out, errOut = runIn(t, dir, cfg, "", "verify", "--offline", "--json", "--trust", root, signed[1])
	if code != 1 || !strings.Contains(out, `"revocation": "revoked"`) {
		t.Errorf("offline verify of the revoked certificate: exit %d\n%s%s", code, out, errOut)
	}
	in3 := copyCorpus(t, "test.pdf", docs)
	if code, _, errOut := runIn(t, dir, cfg, "Baru#Passphrase2\n", "sign", "--account", email, "--passphrase-stdin", in3); code != 0 {
		t.Fatalf("sign with the new certificate: %s", errOut)
	}
	if code, out := verify(filepath.Join(docs, "test_signed.pdf")); code != 0 || !strings.Contains(out, `"revocation": "good"`) {
		t.Errorf("verify with the new certificate: exit %d\n%s", code, out)
	}
}
