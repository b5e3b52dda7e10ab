package screens

import (
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/authority/remote"
)

// BESIGN_UI_AUTHORITY=remote runs the UI tests against the HTTPS client
// (authority/remote) talking to the same real authority served by
// authority/httpapi over TLS on loopback, as the app does with
// `authority = "https://..."`; `make test` runs the account, OTP,
// activation and signing tests both ways.
var uiRemote = os.Getenv("BESIGN_UI_AUTHORITY") == "remote"

// overHTTPS serves a over TLS on loopback as `besign serve` does (mail by
// SMTP only: no session reads an outbox) and returns a client of it that
// trusts only that server's certificate (the configuration's server_ca).
func overHTTPS(t testing.TB, a authority.Authority) authority.Authority {
	t.Helper()
	return overHTTPSWrapped(t, a, func(h http.Handler) http.Handler { return h })
}

// overHTTPSWrapped is overHTTPS with the server's handler wrapped, to make
// the server misbehave.
func overHTTPSWrapped(t testing.TB, a authority.Authority, wrap func(http.Handler) http.Handler) authority.Authority {
	t.Helper()
	h, err := httpapi.New(a, httpapi.Options{MailOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(wrap(h))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c, err := remote.New(remote.Options{URL: srv.URL, RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// skipOnServer skips a test of what only the laptop's own authority has.
func skipOnServer(t *testing.T, why string) {
	t.Helper()
	if uiRemote {
		t.Skip("with an organisation server: " + why)
	}
}

// With an organisation server, mail goes by SMTP and its links open the
// app: Kotak Masuk says so, signed out and signed in, instead of an error.
func TestInboxOnServer(t *testing.T) {
	h := newHarness(t, func(c *harnessConfig) { c.remote = true })
	h.user("Maya", "maya@natunakab.go.id")
	in := h.ui.inbox
	check := func(when string) {
		t.Helper()
		h.ui.tabs.Select(h.ui.inItem)
		h.wait()
		if len(in.mails) != 0 || shown(in.errMsg) != "" || !strings.Contains(in.empty.Text, "Surat BeSign dikirim ke email Anda") {
			t.Fatalf("%s: %d mails, error %q, empty %q", when, len(in.mails), shown(in.errMsg), in.empty.Text)
		}
	}
	check("signed out")
	h.ui.tabs.Select(h.ui.akunTab)
	secret := h.activate("maya@natunakab.go.id", "password-maya") // the reset link from the mail
	h.signIn("maya", "password-maya", secret)
	check("signed in")
}

// What goes wrong between the app and a server is said in words at the
// form concerned: a server that cannot be reached, and one whose TLS
// certificate the configured roots do not vouch for.
func TestServerTroubleOnScreen(t *testing.T) {
	for _, c := range []struct {
		name string
		dial func(t *testing.T, a authority.Authority) authority.Authority
		want string
	}{
		{"unreachable", func(t *testing.T, a authority.Authority) authority.Authority {
			h, _ := httpapi.New(a, httpapi.Options{})
			srv := httptest.NewTLSServer(h)
			pool := x509.NewCertPool()
			pool.AddCert(srv.Certificate())
			srv.Close() // the server vanished
			cl, err := remote.New(remote.Options{URL: srv.URL, RootCAs: pool})
			if err != nil {
				t.Fatal(err)
			}
			return cl
		}, "Server BeSign tidak dapat dihubungi. Periksa jaringan, lalu coba lagi; dokumen dan antrean Anda tetap tersimpan."},
		{"untrusted certificate", func(t *testing.T, a authority.Authority) authority.Authority {
			h, _ := httpapi.New(a, httpapi.Options{})
			srv := httptest.NewTLSServer(h)
			t.Cleanup(srv.Close)
			cl, err := remote.New(remote.Options{URL: srv.URL, RootCAs: x509.NewCertPool()})
			if err != nil {
				t.Fatal(err)
			}
			return cl
		}, "Server BeSign tidak dapat dipercaya: sertifikat TLS-nya bukan yang dikenal. Jangan lanjutkan; hubungi bagian TI."},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, func(hc *harnessConfig) {
				hc.wrap = func(a authority.Authority) authority.Authority { return c.dial(t, a) }
			})
			v := h.ui.account.signIn
			h.typeIn(v.login.entry, "maya")
			h.typeIn(v.password.entry, "password-maya")
			h.enter()
			h.wantLabel("sign-in", v.f.top, c.want)
			if v.f.button.Disabled() || v.password.entry.Text != "password-maya" {
				t.Fatal("the form is not ready to try again as it was")
			}
		})
	}
}

// A server that vanishes in the middle of a batch (the connection drops
// while it signs the digests): every document says the server cannot be
// reached, nothing is written, and the queue keeps the documents for a
// retry once the server is back.
func TestSignServerVanishesMidBatch(t *testing.T) {
	var drop atomic.Bool
	h, _ := signReady(t, func(c *harnessConfig) {
		c.remote = true
		c.serverWrap = func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if drop.Load() && r.URL.Path == httpapi.SignDigests.Path {
					if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
						conn.Close() // the server is gone mid-request
					}
					return
				}
				next.ServeHTTP(w, r)
			})
		}
	})
	tab := h.ui.sign
	dir := t.TempDir()
	docs := []string{writePDF(t, dir, "satu.pdf", a4), writePDF(t, dir, "dua.pdf", a4)}
	h.ui.OpenFiles(docs)
	h.wait()
	drop.Store(true)
	pr := h.openPrompt()
	h.typeIn(pr.entry, signPass)
	h.enter()
	if tab.run == nil || !tab.run.finished {
		t.Fatal("the batch did not end")
	}
	for i, row := range tab.run.rows {
		if row.output != "" || !strings.Contains(row.status.Text, "Server BeSign tidak dapat dihubungi") {
			t.Fatalf("document %d: output %q, %q", i, row.output, row.status.Text)
		}
	}
	if signed, _ := filepath.Glob(filepath.Join(dir, "*_signed*")); len(signed) != 0 {
		t.Fatalf("written although the server vanished: %v", signed)
	}
	if len(tab.docs) != 2 {
		t.Fatalf("the queue lost documents: %d left", len(tab.docs))
	}
	// Back again: the same queue signs.
	drop.Store(false)
	pr = h.openPrompt()
	h.typeIn(pr.entry, signPass)
	h.enter()
	for i, row := range tab.run.rows {
		if row.output == "" {
			t.Fatalf("after the server came back, document %d: %q", i, row.status.Text)
		}
	}
}
