package screens

import (
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/localqueue"
)

// withLocalQueue composes a server's client with the queue file at path, as
// datadir does for `authority = "https://..."`.
func withLocalQueue(t testing.TB, c localqueue.Server, path string, now func() time.Time) authority.Authority {
	t.Helper()
	a, err := localqueue.Open(context.Background(), path, c, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// switchServer is a real authority served over TLS on loopback as `besign
// serve` does, that the test stops and starts again on the same address,
// and the app's side of it: clients with the queue file of one data dir.
type switchServer struct {
	mu    sync.Mutex
	srv   *httptest.Server
	addr  string
	pool  *x509.CertPool
	queue string
	now   func() time.Time
	h     http.Handler
}

// serve is harnessConfig.serve: it starts the server on a and returns the
// first app's authority.
func (s *switchServer) serve(t testing.TB, a *embedded.Authority, now func() time.Time) authority.Authority {
	t.Helper()
	h, err := httpapi.New(a, httpapi.Options{MailOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	s.h, s.now = h, now
	s.srv = httptest.NewTLSServer(h)
	s.addr = s.srv.Listener.Addr().String()
	s.pool = x509.NewCertPool()
	s.pool.AddCert(s.srv.Certificate())
	s.queue = filepath.Join(t.TempDir(), localqueue.FileName)
	t.Cleanup(func() { s.stop() })
	return s.client(t)
}

// client is a start of the app: a new HTTPS client, the same queue file.
func (s *switchServer) client(t testing.TB) authority.Authority {
	t.Helper()
	c, err := remote.New(remote.Options{URL: "https://" + s.addr, RootCAs: s.pool, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return withLocalQueue(t, c, s.queue, s.now)
}

func (s *switchServer) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		s.srv.CloseClientConnections()
		s.srv.Close()
		s.srv = nil
	}
}

// start serves again on the same address with the same certificate.
func (s *switchServer) start(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	s.srv = httptest.NewUnstartedServer(s.h)
	s.srv.Listener = l
	s.srv.StartTLS()
}

// restart is a new start of the app on the same data dir and keyring.
func (h *harness) restart(s *switchServer, kr Keyring) (*UI, *results) {
	h.t.Helper()
	win := test.NewTempWindow(h.t, nil)
	ui := New(win, Options{Authority: s.client(h.t).(Authority), Keyring: kr, EmailDomain: "natunakab.go.id",
		Preview: testRenderer()})
	q := queueResults(ui)
	win.SetContent(ui.Content())
	win.Resize(fyne.NewSize(1024, 700))
	ui.Start()
	q.wait()
	h.t.Cleanup(q.wait)
	return ui, q
}

// wantOffline checks that ui is signed in with the banner up.
func wantOffline(t *testing.T, when string, ui *UI) {
	t.Helper()
	if ui.state.session == nil || !ui.state.offline || !ui.banner.content.Visible() || ui.top == nil || !ui.top.Visible() {
		t.Fatalf("%s: signed in %v, offline %v, banner %v", when, ui.state.session != nil, ui.state.offline, ui.banner.content.Visible())
	}
	if ui.account.content.Objects[0] != ui.account.details.content {
		t.Fatalf("%s: the Akun tab asks to sign in again", when)
	}
	found := false
	walk(ui.win.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && l.Text == "Server tidak dapat dihubungi" && l.Visible() {
			found = true
		}
	})
	if !found {
		t.Fatalf("%s: no \"Server tidak dapat dihubungi\" banner", when)
	}
}

// Offline preparation with an organisation server: documents queued, a box
// placed, the app started again with the server gone keeps the person
// signed in with the banner and the queue; signing waits for the server,
// or fails per document with nothing written; once the server is back,
// "Coba lagi" makes it sign, without signing in again.
func TestOfflinePreparation(t *testing.T) {
	kr := realKeyring(t)
	srv := &switchServer{}
	h, _ := signReady(t, func(c *harnessConfig) { c.keyring = kr; c.serve = srv.serve })
	if err := kr.Remember(actEmail, h.ui.state.session.Token); err != nil { // "Ingat Akun ini"
		t.Fatal(err)
	}
	dir := t.TempDir()
	satu, dua := writePDF(t, dir, "satu.pdf", a4), writePDF(t, dir, "dua.pdf", a4, a4)
	h.ui.OpenFiles([]string{satu})
	h.wait()

	srv.stop()
	ui, q := h.restart(srv, kr)
	wantOffline(t, "started with the server gone", ui)
	ui.tabs.Select(ui.signItem)
	q.wait()
	tab := ui.sign
	if len(tab.docs) != 1 || tab.docs[0].Path != satu {
		t.Fatalf("the queue after an offline start: %+v", tab.docs)
	}
	ui.OpenFiles([]string{dua})
	q.wait()
	if len(tab.docs) != 2 {
		t.Fatalf("adding offline: %d documents, %q", len(tab.docs), shown(tab.addMsg))
	}
	tab.selectDoc(tab.docs[1].ID)
	box := authority.Box{X: 300, Y: 400, W: 180, H: 60}
	tab.edit(func(s *authority.SignatureSettings) { s.Page, s.Invisible, s.Box = 2, false, box })
	q.wait()
	if msg := shown(tab.settingMsg); msg != "" {
		t.Fatalf("placing the box offline: %q", msg)
	}
	if !tab.signBtn.Disabled() || !strings.Contains(shown(tab.certMsg), "memerlukan server BeSign") {
		t.Fatalf("offline, Tandatangani enabled %v, note %q", !tab.signBtn.Disabled(), shown(tab.certMsg))
	}
	tab.openPrompt()
	q.wait()
	if tab.prompt.open {
		t.Fatal("the passphrase prompt opened with the server gone")
	}

	// Started again, still offline: all of it is there.
	ui, q = h.restart(srv, kr)
	wantOffline(t, "started again offline", ui)
	tab = ui.sign
	if len(tab.docs) != 2 || tab.docs[1].Settings.Page != 2 || tab.docs[1].Settings.Box != box {
		t.Fatalf("the queue after a second offline start: %+v", tab.docs)
	}

	// The server answers again: Coba lagi, and the same queue signs.
	srv.start(t)
	test.Tap(ui.banner.retry)
	q.wait()
	if ui.state.offline || ui.banner.content.Visible() || ui.state.session == nil {
		t.Fatalf("after Coba lagi: offline %v, banner %v", ui.state.offline, ui.banner.content.Visible())
	}
	ui.tabs.Select(ui.signItem)
	q.wait()
	if tab.signBtn.Disabled() {
		t.Fatalf("Tandatangani still disabled with the server back: %q", shown(tab.certMsg))
	}
	// The prompt opens while the server answers; it vanishes before the
	// passphrase is sent: each document fails, nothing is written, the
	// banner is up and the queue stays.
	tab.openPrompt()
	q.wait()
	if !tab.prompt.open {
		t.Fatal("no passphrase prompt")
	}
	srv.stop()
	test.Type(tab.prompt.entry, signPass)
	tab.prompt.submit()
	q.wait()
	q.wait()
	if tab.run == nil || !tab.run.finished {
		t.Fatal("the batch did not end")
	}
	for i, row := range tab.run.rows {
		if row.output != "" || !strings.Contains(row.status.Text, "Server BeSign tidak dapat dihubungi") {
			t.Fatalf("document %d with the server gone: output %q, %q", i, row.output, row.status.Text)
		}
	}
	if signed, _ := filepath.Glob(filepath.Join(dir, "*_signed*")); len(signed) != 0 {
		t.Fatalf("written although the server was gone: %v", signed)
	}
	if len(tab.docs) != 2 || !ui.banner.content.Visible() || ui.state.session == nil {
		t.Fatalf("after the failed batch: %d documents, banner %v, signed in %v", len(tab.docs), ui.banner.content.Visible(), ui.state.session != nil)
	}

	srv.start(t)
	test.Tap(ui.banner.retry)
	q.wait()
	tab.openPrompt()
	q.wait()
	test.Type(tab.prompt.entry, signPass)
	tab.prompt.submit()
	q.wait()
	q.wait()
	for i, row := range tab.run.rows {
		if row.output == "" {
			t.Fatalf("with the server back, document %d: %q", i, row.status.Text)
		}
		if _, err := os.Stat(row.output); err != nil {
			t.Fatal(err)
		}
	}
}

// Kotak Masuk on an organisation server (mail by SMTP only) asks nothing of
// it: the server would refuse the person its outbox.
func TestInboxMailOnlyAsksNothing(t *testing.T) {
	srv := &switchServer{}
	var outbox int
	h := newHarness(t, func(c *harnessConfig) {
		c.serve = func(t testing.TB, a *embedded.Authority, now func() time.Time) authority.Authority {
			return countOutbox{srv.serve(t, a, now).(*localqueue.Authority), &outbox}
		}
	})
	h.ui.tabs.Select(h.ui.inItem)
	h.wait()
	shot(t, h, "kotak-masuk-server.png")
	if h.ui.inbox.filterRow.Visible() || h.ui.inbox.list.Visible() {
		t.Error("Kotak Masuk shows a filter, Muat ulang and a list that have nothing to show on a mail-only server")
	}
	h.tap(h.ui.inbox.refresh)
	if outbox != 0 {
		t.Fatalf("Kotak Masuk asked the server's outbox %d times", outbox)
	}
	if !strings.Contains(h.ui.inbox.empty.Text, "Surat BeSign dikirim ke email Anda") || shown(h.ui.inbox.errMsg) != "" {
		t.Fatalf("Kotak Masuk: %q, error %q", h.ui.inbox.empty.Text, shown(h.ui.inbox.errMsg))
	}
}

// countOutbox counts the Outbox requests that would reach the server.
type countOutbox struct {
	*localqueue.Authority
	n *int
}

func (c countOutbox) Outbox(ctx context.Context, q authority.OutboxQuery) ([]authority.Mail, error) {
	*c.n++
	return c.Authority.Outbox(ctx, q)
}
