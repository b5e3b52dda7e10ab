package screens

import (
	"image/png"

	"crypto/x509"
	"fyne.io/fyne/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/bsre"
	"github.com/natunakab/besign/bsre/bsretest"
	"github.com/natunakab/besign/bsre/forward"
	"github.com/natunakab/besign/pdfsign"
)

const bsrePass = "Natuna#2024aman"

// bsreHarness is the app on an organisation server in BSrE mode (the real
// authority over HTTPS, forwarding to the stand-in), signed in as Siti.
func bsreHarness(t *testing.T, timeout time.Duration) (*harness, *bsretest.Server) {
	t.Helper()
	st := bsretest.New(t)
	h := newHarness(t, func(c *harnessConfig) {
		c.wrap = func(a authority.Authority) authority.Authority {
			client, err := bsre.New(bsre.Config{URL: st.URL, CredentialsFile: st.WriteCredentials(t.TempDir()),
				Timeout: timeout, RootCAs: st.TLSRoots(), MaxFiles: 2})
			if err != nil {
				t.Fatal(err)
			}
			fw, err := forward.New(forward.Options{Sessions: a, Client: client,
				Verify: pdfsign.VerifyOptions{Roots: st.Roots(), Offline: true}})
			if err != nil {
				t.Fatal(err)
			}
			hd, err := httpapi.New(a, httpapi.Options{MailOnly: true, Certified: fw})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewTLSServer(hd)
			t.Cleanup(srv.Close)
			pool := x509.NewCertPool()
			pool.AddCert(srv.Certificate())
			rc, err := remote.New(remote.Options{URL: srv.URL, RootCAs: pool})
			if err != nil {
				t.Fatal(err)
			}
			return rc
		}
	})
	h.remote = true // mail only by SMTP: links are read from the authority's outbox
	h.user("Siti Rahmawati", actEmail)
	secret := h.activate(actEmail, actPass)
	h.signIn(actEmail, actPass, secret)
	h.wait()
	h.ui.opts.Preview = testRenderer()
	return h, st
}

// The Akun tab shows the BSrE status with BSrE's next step, and none of
// the own CA's passphrase buttons.
func TestBSrEAccountStatus(t *testing.T) {
	h, st := bsreHarness(t, 30*time.Second)
	d := h.ui.account.details.cert
	shot(t, h, "bsre-akun-not-registered.png")
	if d.status.Text != "Belum terdaftar (BSrE)" || !strings.Contains(d.next.Text, "belum terdaftar di BSrE") || d.activate.Visible() || d.create.Visible() {
		t.Fatalf("not registered: %q, %q", d.status.Text, d.next.Text)
	}
	st.AddUser(bsretest.User{Email: actEmail, Name: "Siti Rahmawati", NIK: goodNIK, Passphrase: bsrePass, Status: "SUSPEND"})
	h.ui.tabs.Select(h.ui.signItem)
	h.ui.tabs.Select(h.ui.akunTab)
	h.wait()
	shot(t, h, "bsre-akun-suspend.png")
	h.ui.tabs.Select(h.ui.signItem)
	h.wait()
	if note := shown(h.ui.sign.certMsg); !strings.Contains(note, "ditangguhkan") || strings.Contains(note, "Aktivasi") {
		t.Errorf("the signing tab's note when suspended at BSrE: %q", note)
	}
	h.ui.tabs.Select(h.ui.akunTab)
	h.wait()
	if d.status.Text != "Ditangguhkan (BSrE)" || !strings.Contains(d.next.Text, "Hubungi bagian TI atau layanan BSrE") || d.change.Visible() || d.forgot.Visible() {
		t.Fatalf("suspended: %q, %q", d.status.Text, d.next.Text)
	}
	// Aktivasi: activation happens at BSrE, so the tab says so with the
	// next step instead of this app's form.
	h.ui.tabs.Select(h.ui.actItem)
	h.wait()
	if !h.ui.act.certified || h.ui.act.content.Objects[0] == h.ui.act.wizard {
		t.Fatal("the Aktivasi tab offers this app's activation in BSrE mode")
	}
	if c := h.ui.act.content; !containsText(c, "dilakukan di BSrE") || !containsText(c, "ditangguhkan") {
		t.Error("the Aktivasi tab in BSrE mode does not say that activation is at BSrE, with the status's next step")
	}
	shot(t, h, "bsre-aktivasi.png")
}

// Three queued PDFs signed through the server in BSrE mode: the notice
// once, a wrong passphrase keeps the prompt with BSrE's words and writes
// nothing, the right one writes three B-T copies; the mailed code signs
// too; a timeout after BSrE signed says the outcome is unknown.
func TestBSrESigning(t *testing.T) {
	h, st := bsreHarness(t, 3*time.Second)
	st.AddUser(bsretest.User{Email: actEmail, Name: "Siti Rahmawati", NIK: goodNIK, Passphrase: bsrePass})
	tab := h.ui.sign
	h.ui.tabs.Select(h.ui.signItem)
	h.wait()
	dir := t.TempDir()
	h.ui.OpenFiles([]string{writePDF(t, dir, "satu.pdf", a4), writePDF(t, dir, "dua.pdf", a4), writePDF(t, dir, "tiga.pdf", a4)})
	h.wait()
	if len(tab.docs) != 3 {
		t.Fatalf("%d queued", len(tab.docs))
	}
	signMenuItem(t, h.ui).Action()
	h.wait()
	p := tab.certPrompt()
	if p.notice == nil || p.open {
		t.Fatalf("no notice before the first signing (prompt open %v)", p.open)
	}
	p.notice.Confirm()
	h.wait()
	if !p.open || !strings.Contains(p.count.Text, "3 dokumen") {
		t.Fatalf("prompt after the notice: open %v, %q", p.open, p.count.Text)
	}
	h.typeIn(p.passphrase, "Salah#2024aman")
	h.tap(p.ok)
	h.wait()
	if !p.open || shown(p.msg) != "Passphrase anda salah" {
		t.Fatalf("wrong passphrase: open %v, %q", p.open, shown(p.msg))
	}
	shot(t, h, "bsre-prompt-wrong.png")
	if signed, _ := filepath.Glob(filepath.Join(dir, "*_signed*")); len(signed) != 0 || st.Signings() != 0 {
		t.Fatalf("a wrong passphrase signed: %v, %d", signed, st.Signings())
	}
	h.typeIn(p.passphrase, bsrePass)
	h.tap(p.ok)
	h.wait()
	if tab.run == nil || !tab.run.finished {
		t.Fatal("the batch did not end")
	}
	for i, row := range tab.run.rows {
		if row.output == "" || !strings.Contains(row.status.Text, "PAdES B-T") {
			t.Fatalf("document %d: %q", i+1, row.status.Text)
		}
		b, err := os.ReadFile(row.output)
		if err != nil {
			t.Fatal(err)
		}
		infos, err := pdfsign.VerifyWith(strings.NewReader(string(b)), int64(len(b)), pdfsign.VerifyOptions{Roots: st.Roots(), Offline: true})
		if err != nil || len(infos) != 1 || !infos[0].Valid || infos[0].Timestamp == "" {
			t.Fatalf("document %d: %+v, %v", i+1, infos, err)
		}
	}
	if n := st.Signings(); n != 3 {
		t.Fatalf("BSrE signed %d documents for 3", n)
	}
	// at most 2 per call (the server's bound): 2, then the last one
	if last := st.LastProperties(); len(last) != 1 {
		t.Fatalf("the last call carried %d documents, want 1 (3 in calls of 2)", len(last))
	}
	if p.open {
		t.Fatal("the prompt stayed open after the batch")
	}
	tab.closeRun()
	h.wait()

	// The code path, and no notice the second time.
	h.ui.OpenFiles([]string{writePDF(t, dir, "empat.pdf", a4)})
	h.wait()
	p.notice = nil
	signMenuItem(t, h.ui).Action()
	h.wait()
	if p.notice != nil || !p.open {
		t.Fatalf("second time: notice %v, prompt open %v", p.notice != nil, p.open)
	}
	h.tap(p.sendCode)
	h.wait()
	code := st.MailedTOTP(actEmail)
	if code == "" || !strings.Contains(shown(p.codeMsg), "telah dikirim") {
		t.Fatalf("code: %q, %q", code, shown(p.codeMsg))
	}
	h.typeIn(p.code, code)
	h.tap(p.ok)
	h.wait()
	if tab.run == nil || len(tab.run.rows) != 1 || tab.run.rows[0].output == "" {
		t.Fatalf("signing with the code: %+v", tab.run)
	}
	tab.closeRun()
	h.wait()

	// A timeout after BSrE signed: unknown, never sent twice.
	h.ui.OpenFiles([]string{writePDF(t, dir, "lima.pdf", a4)})
	h.wait()
	st.SetFault(bsretest.TimeoutAfterSigning)
	before := st.Signings()
	signMenuItem(t, h.ui).Action()
	h.wait()
	h.typeIn(p.passphrase, bsrePass)
	h.tap(p.ok)
	h.wait()
	row := tab.run.rows[0]
	if row.output != "" || !strings.Contains(row.status.Text, "Hasil tidak diketahui") || !strings.Contains(row.status.Text, "Verifikasi Dokumen") {
		t.Fatalf("timeout: %q", row.status.Text)
	}
	time.Sleep(time.Second)
	if n := st.Signings() - before; n != 1 {
		t.Fatalf("signed %d times after a timeout", n)
	}
	if signed, _ := filepath.Glob(filepath.Join(dir, "lima_signed*")); len(signed) != 0 {
		t.Fatalf("written after a timeout: %v", signed)
	}
}

// The certified signing sentinels join sentinelValues (see TestMessages).
func init() {
	for name, err := range map[string]error{
		"ErrCertifiedOff":            authority.ErrCertifiedOff,
		"ErrCertifiedPassphrase":     authority.ErrCertifiedPassphrase,
		"ErrCertifiedNotRegistered":  authority.ErrCertifiedNotRegistered,
		"ErrCertifiedNoCertificate":  authority.ErrCertifiedNoCertificate,
		"ErrCertifiedInactive":       authority.ErrCertifiedInactive,
		"ErrCertifiedConfig":         authority.ErrCertifiedConfig,
		"ErrCertifiedUnavailable":    authority.ErrCertifiedUnavailable,
		"ErrCertifiedFailed":         authority.ErrCertifiedFailed,
		"ErrCertifiedOutcomeUnknown": authority.ErrCertifiedOutcomeUnknown,
		"ErrCertifiedRefused":        authority.ErrCertifiedRefused,
		"ErrCertifiedRequest":        authority.ErrCertifiedRequest,
	} {
		sentinelValues[name] = err
	}
}

// shot writes the window at 1024x600 (less the menu bar) to
// $BESIGN_SHOTS/name, for people to look at; nothing without it.
func shot(t *testing.T, h *harness, name string) {
	dir := os.Getenv("BESIGN_SHOTS")
	if dir == "" {
		return
	}
	h.win.Resize(fyne.NewSize(1024, 600-menuBarHeight))
	h.wait()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, h.win.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}
