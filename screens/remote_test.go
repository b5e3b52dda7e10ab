package screens

import (
	"crypto/x509"
	"net/http/httptest"
	"os"
	"strings"
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
	h, err := httpapi.New(a, httpapi.Options{MailOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
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
