package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/bsre/bsretest"
)

// TestBSrEJourney: `besign serve` in BSrE mode in front of the Esign
// Client Service stand-in, and the app under Xvfb as its client. The
// signer signs in, three PDFs are handed to the app and queued; Ctrl+Enter
// shows the one-time notice that documents go to the agency's signing
// server, then the BSrE prompt. A wrong passphrase shows BSrE's "Passphrase
// anda salah" and signs nothing; the right one writes three copies that
// pdfsig finds valid under the stand-in's root and `besign verify` finds
// time-stamped (PAdES B-T). A fourth PDF is signed with the code mailed by
// "Kirim kode OTP ke email".
func TestBSrEJourney(t *testing.T) {
	const bsrePass = "Natuna#BSrE2026"
	e := setup(t)
	st := bsretest.New(t)
	st.AddUser(bsretest.User{NIK: "2103010101900001", Email: email, Name: "Arman Salim, S.Kom.", Passphrase: bsrePass})
	e.srv = startOrgServer(t, e)
	bsreMode(t, e, st)
	e.cli(t, "admin", "users", "add", "--name", "Arman Salim", "--email", email)
	secret := e.srv.prepareAccount(t, email)

	// the app's preferences (where "notice read" is kept) start empty
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	d := startXvfb(t)
	e.startApp(t, d)
	before := d.screenshot(t, e.artifacts, "80-bsre-masuk")
	d.typeText(t, email)
	d.key(t, "Tab")
	d.typeText(t, password)
	d.key(t, "Return")
	before = d.settled(t, e.artifacts, "81-bsre-kode-otp", before)
	code, _ := totp(t, secret, 0)
	d.typeText(t, code)
	d.key(t, "Return")
	before = d.settled(t, e.artifacts, "82-bsre-akun", before)
	// Aktivasi points to BSrE; Kotak Masuk says mail comes by email (for
	// people to look at: the UI tests assert both)
	d.key(t, "ctrl+4")
	before = d.settled(t, e.artifacts, "82a-bsre-aktivasi", before)
	d.key(t, "ctrl+3")
	before = d.settled(t, e.artifacts, "82b-bsre-kotak-masuk", before)
	d.key(t, "ctrl+1")
	before = d.settled(t, e.artifacts, "82c-bsre-akun-lagi", before)

	docs := t.TempDir()
	var ins []string
	for _, n := range []string{"satu", "dua", "tiga"} {
		in := filepath.Join(docs, "surat-"+n+".pdf")
		if err := os.WriteFile(in, letterPDF("Surat "+n), 0o644); err != nil {
			t.Fatal(err)
		}
		ins = append(ins, in)
	}
	e.handOver(t, d, ins...)
	for _, in := range ins {
		waitLaptopQueued(t, e.dataDir, email, in)
	}
	before, _ = d.waitColour(t, e.artifacts, "83-bsre-antrean", boxColour, 60*time.Second)

	// The notice, once: Batal has the focus, Tab goes to Lanjutkan.
	d.key(t, "ctrl+Return")
	before = d.settled(t, e.artifacts, "84-bsre-pemberitahuan", before)
	d.key(t, "Tab", "space")
	before = d.settled(t, e.artifacts, "85-bsre-passphrase", before)
	d.typeText(t, "Salah#BSrE2026")
	d.key(t, "Return")
	before = d.settled(t, e.artifacts, "86-bsre-passphrase-salah", before)
	if n := st.Signings(); n != 0 {
		t.Fatalf("a wrong passphrase signed %d documents", n)
	}
	if signed, _ := filepath.Glob(filepath.Join(docs, "*_signed*")); len(signed) != 0 {
		t.Fatalf("written after a wrong passphrase: %v", signed)
	}
	d.typeText(t, bsrePass)
	d.key(t, "Return")
	var outs []string
	for _, in := range ins {
		out := strings.TrimSuffix(in, ".pdf") + "_signed.pdf"
		waitFile(t, out, 90*time.Second)
		outs = append(outs, out)
	}
	before = d.settled(t, e.artifacts, "87-bsre-ditandatangani", before)

	root := filepath.Join(t.TempDir(), "bsre-root.pem")
	writeFile(t, root, string(st.RootPEM()), 0o644)
	nss := t.TempDir()
	run(t, "certutil", "-N", "-d", "sql:"+nss, "--empty-password")
	run(t, "certutil", "-A", "-d", "sql:"+nss, "-n", "BSrE stand-in root", "-t", "CT,C,C", "-i", root)
	for _, out := range outs {
		checkBSrESigned(t, e, nss, root, out)
	}

	// The code path: no notice the second time; Tab from the passphrase
	// reaches "Kirim kode OTP ke email", whose code the stand-in "mails".
	in := filepath.Join(docs, "surat-empat.pdf")
	if err := os.WriteFile(in, letterPDF("Surat empat"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.handOver(t, d, in)
	waitLaptopQueued(t, e.dataDir, email, in)
	time.Sleep(time.Second)
	before = d.screenshot(t, e.artifacts, "88-bsre-antrean-lagi")
	d.key(t, "ctrl+Return")
	before = d.settled(t, e.artifacts, "89-bsre-passphrase-lagi", before)
	d.key(t, "Tab", "space")
	var mailed string
	for deadline := time.Now().Add(20 * time.Second); mailed == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		mailed = st.MailedTOTP(email)
	}
	if mailed == "" {
		d.screenshot(t, e.artifacts, "90-bsre-tanpa-kode")
		t.Fatal("no code was mailed")
	}
	before = d.settled(t, e.artifacts, "90-bsre-kode-terkirim", before)
	d.typeText(t, mailed)
	d.key(t, "Return")
	out := strings.TrimSuffix(in, ".pdf") + "_signed.pdf"
	waitFile(t, out, 90*time.Second)
	d.settled(t, e.artifacts, "91-bsre-kode-ditandatangani", before)
	checkBSrESigned(t, e, nss, root, out)
}

// bsreMode starts a second `besign serve` on the same database with
// signer = "bsre" and [bsre] naming the stand-in, and points the laptop's
// configuration at it.
func bsreMode(t *testing.T, e env, st *bsretest.Server) {
	t.Helper()
	dir := t.TempDir()
	tlsPEM := filepath.Join(dir, "bsre-tls.pem")
	writeFile(t, tlsPEM, string(st.TLSPEM()), 0o644)
	rootsPEM := filepath.Join(dir, "bsre-roots.pem")
	writeFile(t, rootsPEM, string(st.RootPEM()), 0o644)
	cfg, err := os.ReadFile(e.srv.config)
	if err != nil {
		t.Fatal(err)
	}
	// the file ends in [server]: signer joins it; the revocation listener
	// stays the first server's
	var kept []string
	for _, l := range strings.Split(string(cfg), "\n") {
		if !strings.HasPrefix(l, "revocation_listen") {
			kept = append(kept, l)
		}
	}
	text := strings.Join(kept, "\n") + fmt.Sprintf("signer = \"bsre\"\n\n[bsre]\nurl = %q\ncredentials_file = %q\ntimeout = \"40s\"\nca_file = %q\nroots_file = %q\nmax_documents = 2\n",
		st.URL, st.WriteCredentials(dir), tlsPEM, rootsPEM)
	writeFile(t, e.srv.config, text, 0o644)
	logf, err := os.OpenFile(filepath.Join(e.artifacts, "server-bsre.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logf.Close() })
	addr := e.srv.serve(t, e, logf)
	if addr == "" {
		t.Fatalf("besign serve in BSrE mode did not start: see %s", logf.Name())
	}
	e.srv.url = "https://" + addr
	writeFile(t, e.srv.laptop, fmt.Sprintf("authority = %q\nserver_ca = %q\n", e.srv.url, e.srv.tlsCA), 0o644)
}

// checkBSrESigned: pdfsig finds the signature valid and trusted under the
// stand-in's root, and besign verify finds it time-stamped.
func checkBSrESigned(t *testing.T, e env, nss, root, out string) {
	t.Helper()
	report := run(t, "pdfsig", "-nssdir", "sql:"+nss, out)
	for _, want := range []string{"Signer Certificate Common Name: Arman Salim, S.Kom.", "Signature Validation: Signature is Valid.",
		"Certificate Validation: Certificate is Trusted."} {
		if !strings.Contains(report, want) {
			t.Errorf("%s: pdfsig lacks %q:\n%s", out, want, report)
		}
	}
	var verdict []struct {
		Valid      bool
		Signatures []struct {
			Valid     bool
			Level     string
			Timestamp string
		}
	}
	vout := run(t, e.bin, "--data-dir", t.TempDir(), "verify", "--json", "--trust", root, out)
	if err := json.Unmarshal([]byte(vout), &verdict); err != nil || len(verdict) != 1 || len(verdict[0].Signatures) != 1 ||
		!verdict[0].Signatures[0].Valid || verdict[0].Signatures[0].Timestamp == "" {
		t.Errorf("%s: besign verify: want one valid time-stamped signature: %v\n%s", out, err, vout)
	}
}
