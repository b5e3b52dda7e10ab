package screens

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/keystore"
	"github.com/natunakab/besign/localqueue"
)

// storeKeyring is the app's keyring adapter in short, without its wording of
// the reasons (app imports screens, so these tests cannot use app's).
type storeKeyring struct{ s *keystore.Store }

func (k storeKeyring) Available() error { return k.s.Available() }
func (k storeKeyring) Forget() error    { return k.s.ForgetRemembered() }
func (k storeKeyring) Remember(login, token string) error {
	return k.s.SaveRemembered(keystore.Remembered{Login: login, Token: token})
}
func (k storeKeyring) Recall() (string, string, error) {
	r, err := k.s.LoadRemembered()
	if errors.Is(err, keystore.ErrNotFound) {
		err = nil
	}
	return r.Login, r.Token, err
}

// realKeyring returns the OS keyring in a scope of its own, skipping when
// there is none unless BESIGN_KEYRING_TEST=1 demands one.
func realKeyring(t *testing.T) Keyring {
	t.Helper()
	kr := storeKeyring{keystore.New(t.TempDir())}
	if err := kr.Available(); err != nil {
		if os.Getenv("BESIGN_KEYRING_TEST") == "1" {
			t.Fatalf("BESIGN_KEYRING_TEST=1 but the keyring is unavailable: %v", err)
		}
		t.Skipf("no keyring (run under scripts/with-keyring.sh): %v", err)
	}
	return kr
}

// again builds a second window on the same authority, as a restart does.
func (h *harness) again(kr Keyring) *UI {
	h.t.Helper()
	win := test.NewTempWindow(h.t, nil)
	var a authority.Authority = h.auth
	if h.remote {
		a = overHTTPS(h.t, h.auth) // the app started again, a client again
		if h.queueFile != "" {     // and the same data dir's queue
			a = withLocalQueue(h.t, a.(localqueue.Server), h.queueFile, h.clock.Now)
		}
	}
	ui := New(win, Options{Authority: a, Keyring: kr, EmailDomain: "natunakab.go.id"})
	q := queueResults(ui)
	win.SetContent(ui.Content())
	win.Resize(fyne.NewSize(1024, 700))
	ui.Start()
	q.wait()
	h.t.Cleanup(q.wait)
	h.again2 = q
	return ui
}

func TestRememberAndResume(t *testing.T) {
	kr := realKeyring(t)
	h := newHarness(t, func(c *harnessConfig) { c.keyring = kr })
	v := h.ui.account.signIn
	if v.remember.Disabled() || shown(v.reason) != "" {
		t.Fatalf("Ingat Akun ini disabled (%q) with a keyring", shown(v.reason))
	}
	h.user("Putri", "putri@natunakab.go.id")
	secret := h.activate("putri@natunakab.go.id", "password-putri")
	v.remember.SetChecked(true)
	h.signIn("putri", "password-putri", secret)
	login, token, err := kr.Recall()
	if err != nil || login != "putri@natunakab.go.id" || token == "" {
		t.Fatalf("remembered %q, token set %v, %v", login, token != "", err)
	}
	if token != h.ui.state.session.Token {
		t.Fatal("the remembered token is not the session's")
	}

	// a restart pre-fills and resumes
	ui2 := h.again(kr)
	if ui2.state.session == nil || ui2.state.session.Account.Email != "putri@natunakab.go.id" {
		t.Fatal("the remembered session was not resumed")
	}
	if ui2.account.content.Objects[0] != ui2.account.details.content {
		t.Fatal("resumed, but not showing the account")
	}
	if !ui2.account.signIn.remember.Checked || ui2.account.signIn.login.entry.Text != "putri@natunakab.go.id" {
		t.Fatal("remembered login not pre-filled")
	}

	// Keluar revokes and forgets
	test.Tap(ui2.account.details.signOut)
	h.again2.wait()
	if l, tok, err := kr.Recall(); err != nil || l != "" || tok != "" {
		t.Fatalf("after Keluar the keyring still has %q (%v)", l, err)
	}
	if _, err := h.auth.Resume(context.Background(), token); !errors.Is(err, authority.ErrSessionExpired) {
		t.Fatalf("the token still works after Keluar: %v", err)
	}

	// a remembered token that no longer works: login pre-filled, an error shown
	if err := kr.Remember("putri@natunakab.go.id", token); err != nil {
		t.Fatal(err)
	}
	ui3 := h.again(kr)
	if ui3.state.session != nil {
		t.Fatal("a revoked token resumed")
	}
	if got := shown(ui3.account.signIn.f.top); got != "Sesi yang diingat telah berakhir. Silakan masuk lagi." {
		t.Fatalf("revoked token: %q", got)
	}
	if ui3.account.signIn.login.entry.Text != "putri@natunakab.go.id" {
		t.Fatal("login not pre-filled after a failed resume")
	}
	if ui3.inbox.filter.Text != "putri@natunakab.go.id" {
		t.Fatalf("Kotak Masuk filter %q, want the remembered account", ui3.inbox.filter.Text)
	}

	// signing in without the check forgets the account
	h.tap(h.ui.account.details.signOut)
	if err := kr.Remember("putri", "x"); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(60e9)
	v.remember.SetChecked(false)
	h.signIn("putri", "password-putri", secret)
	if l, _, err := kr.Recall(); err != nil || l != "" {
		t.Fatalf("unchecked sign-in left %q remembered (%v)", l, err)
	}
}

// Without a Secret Service the check is disabled with the keystore's reason.
// The keyring connection is per process, so this runs in a child process
// whose session bus address leads nowhere.
func TestRememberUnavailable(t *testing.T) {
	if os.Getenv("BESIGN_SCREENS_CHILD") == "unavailable" {
		kr := storeKeyring{keystore.New(t.TempDir())}
		h := newHarness(t, func(c *harnessConfig) { c.keyring = kr })
		v := h.ui.account.signIn
		if !v.remember.Disabled() {
			t.Fatal("Ingat Akun ini enabled without a keyring")
		}
		if r := shown(v.reason); !strings.HasPrefix(r, "Keyring sistem tidak tersedia: ") || len(r) < 33 {
			t.Fatalf("reason %q", r)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRememberUnavailable$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "BESIGN_SCREENS_CHILD=unavailable",
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/besign-test-bus")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestRememberUnavailable") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func TestRememberWithoutKeyring(t *testing.T) {
	h := newHarness(t)
	v := h.ui.account.signIn
	if !v.remember.Disabled() || shown(v.reason) != "Keyring sistem tidak tersedia." {
		t.Fatalf("nil keyring: disabled %v, reason %q", v.remember.Disabled(), shown(v.reason))
	}
}
