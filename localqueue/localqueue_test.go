package localqueue

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/authoritytest"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/authority/link"
	"github.com/natunakab/besign/authority/remote"
)

var ctx = context.Background()

const password = "Rahasia#2026"

func openEmbedded(t testing.TB, now func() time.Time) *embedded.Authority {
	t.Helper()
	opts := embedded.DefaultOptions()
	opts.Path = filepath.Join(t.TempDir(), "authority.db")
	opts.MasterKey = bytes.Repeat([]byte{7}, authority.MasterKeySize)
	opts.EmailDomain = authoritytest.Domain
	opts.Now = now
	opts.Logf = func(string, ...any) {}
	e, err := embedded.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// The queue served from the laptop meets the contract's conformance suite
// (the other roles pass through to the authority it wraps).
func TestConformance(t *testing.T) {
	authoritytest.Run(t, func(t *testing.T, clock *authoritytest.Clock) authority.Authority {
		a, err := Open(ctx, filepath.Join(t.TempDir(), FileName), openEmbedded(t, clock.Now), clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		return a
	})
}

// rig is a real authority served over TLS on loopback as `besign serve`
// does, with the app's side of it: the HTTPS client composed with a queue
// file. stop makes the server vanish.
type rig struct {
	t     *testing.T
	e     *embedded.Authority
	clk   *authoritytest.Clock
	srv   *httptest.Server
	path  string
	queue *Authority
}

func newRig(t *testing.T) *rig {
	clk := authoritytest.NewClock(authoritytest.Start)
	e := openEmbedded(t, clk.Now)
	h, err := httpapi.New(e, httpapi.Options{MailOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, e: e, clk: clk, srv: httptest.NewTLSServer(h), path: filepath.Join(t.TempDir(), FileName)}
	t.Cleanup(r.srv.Close)
	r.queue = r.open()
	return r
}

// open starts the app's side (again): a new client, the same queue file.
func (r *rig) open() *Authority {
	r.t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(r.srv.Certificate())
	c, err := remote.New(remote.Options{URL: r.srv.URL, RootCAs: pool, Timeout: 5 * time.Second})
	if err != nil {
		r.t.Fatal(err)
	}
	a, err := Open(ctx, r.path, c, r.clk.Now)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { a.Close() })
	return a
}

// session creates an account on the server with OTP and a password, and
// signs it in through the app's side; it returns the token.
func (r *rig) session(name, email string) string {
	t := r.t
	t.Helper()
	if _, err := r.e.CreateUser(ctx, authority.CreateUserRequest{Name: name, Email: email}); err != nil {
		t.Fatal(err)
	}
	if err := r.e.RequestReset(ctx, authority.ResetRequest{Login: email}); err != nil {
		t.Fatal(err)
	}
	ms, err := r.e.Outbox(ctx, authority.OutboxQuery{To: email})
	if err != nil {
		t.Fatal(err)
	}
	var lk link.Link
	for _, m := range ms {
		if m.Kind == authority.MailReset {
			lk, _ = link.Parse(m.ActionLink)
			break
		}
	}
	tk, err := r.e.OpenReset(ctx, lk.Value)
	if err != nil {
		t.Fatal(err)
	}
	en, err := r.e.BeginOTPEnrolment(ctx, tk.Ticket)
	if err != nil {
		t.Fatal(err)
	}
	code := func() string {
		c, err := totp.GenerateCodeCustom(en.Secret, r.clk.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		r.clk.Advance(30 * time.Second)
		return c
	}
	if _, err := r.e.ConfirmOTPEnrolment(ctx, authority.ConfirmOTPRequest{Token: tk.Ticket, EnrolmentID: en.ID, Code: code(), DeviceName: "HP"}); err != nil {
		t.Fatal(err)
	}
	if err := r.e.SetPassword(ctx, authority.SetPasswordRequest{Ticket: tk.Ticket, Password: password, Confirmation: password}); err != nil {
		t.Fatal(err)
	}
	resp, err := r.queue.SignIn(ctx, authority.SignInRequest{Login: email, Password: password, Remember: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := r.queue.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: resp.OTPChallenge, Code: code()})
	if err != nil {
		t.Fatal(err)
	}
	return s.Token
}

func settings() authority.SignatureSettings {
	return authority.SignatureSettings{Page: 1, Box: authority.Box{X: 36, Y: 36, W: 180, H: 60}, Reason: "Menyetujui"}
}

func (r *rig) add(a *Authority, token, path string) authority.QueuedDocument {
	r.t.Helper()
	d, err := a.QueueDocument(ctx, authority.QueueDocumentRequest{Token: token, Path: path, Pages: 2, Settings: settings()})
	if err != nil {
		r.t.Fatalf("QueueDocument(%s): %v", path, err)
	}
	return d
}

func paths(t *testing.T, a *Authority, token string) []string {
	t.Helper()
	ds, err := a.QueuedDocuments(ctx, token)
	if err != nil {
		t.Fatalf("QueuedDocuments: %v", err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.Path)
	}
	return out
}

// With the server gone, the session remembered from its last answer keeps
// the person signed in offline: documents are queued and placed, and after
// a restart (still offline) they are all there.
func TestQueueOffline(t *testing.T) {
	r := newRig(t)
	tok := r.session("Siti", "siti@"+authoritytest.Domain)
	r.add(r.queue, tok, "/home/siti/satu.pdf")
	r.srv.Close()

	if _, err := r.queue.Resume(ctx, tok); !errors.Is(err, remote.ErrUnreachable) {
		t.Fatalf("Resume with the server gone: %v", err)
	}
	s, err := r.queue.OfflineSession(ctx, tok)
	if err != nil || s.Account.Email != "siti@"+authoritytest.Domain || s.Account.Name != "Siti" || s.Token != tok {
		t.Fatalf("OfflineSession: %+v, %v", s, err)
	}
	d := r.add(r.queue, tok, "/home/siti/dua.pdf")
	st := settings()
	st.Page, st.Box = 2, authority.Box{X: 300, Y: 500, W: 200, H: 80}
	if _, err := r.queue.UpdateQueuedDocument(ctx, authority.UpdateQueuedRequest{Token: tok, ID: d.ID, Settings: st}); err != nil {
		t.Fatalf("placing the box offline: %v", err)
	}

	again := r.open() // the app started again, the server still gone
	if _, err := again.OfflineSession(ctx, tok); err != nil {
		t.Fatalf("OfflineSession after a restart: %v", err)
	}
	ds, err := again.QueuedDocuments(ctx, tok)
	if err != nil || len(ds) != 2 || ds[0].Path != "/home/siti/satu.pdf" || ds[1].Settings != st {
		t.Fatalf("the queue after a restart offline: %+v, %v", ds, err)
	}
}

// What must not work offline: a token this laptop never saw (it reads no
// queue), a session signed out, a session past its expiry, a session the
// server refused once, and another account's documents.
func TestOfflineRefusals(t *testing.T) {
	r := newRig(t)
	siti := r.session("Siti", "siti@"+authoritytest.Domain)
	rudi := r.session("Rudi", "rudi@"+authoritytest.Domain)
	revoked := r.session("Lina", "lina@"+authoritytest.Domain)
	d := r.add(r.queue, siti, "/home/siti/satu.pdf")
	r.add(r.queue, revoked, "/home/lina/satu.pdf")
	// IT ended Lina's sessions (a reset): the app learns it on its next ask.
	if err := r.e.SignOut(ctx, revoked); err != nil {
		t.Fatal(err)
	}
	if _, err := r.queue.Resume(ctx, revoked); !errors.Is(err, authority.ErrSessionExpired) && !errors.Is(err, authority.ErrTokenInvalid) {
		t.Fatalf("Resume of a revoked session: %v", err)
	}
	r.srv.Close()

	if _, err := r.queue.OfflineSession(ctx, "dibuat-buat"); !errors.Is(err, authority.ErrSessionExpired) {
		t.Fatalf("OfflineSession of a made-up token: %v", err)
	}
	if ds, err := r.queue.QueuedDocuments(ctx, "dibuat-buat"); err == nil || len(ds) != 0 {
		t.Fatalf("a made-up token read a queue: %+v", ds)
	}
	if _, err := r.queue.OfflineSession(ctx, revoked); !errors.Is(err, authority.ErrSessionExpired) {
		t.Fatalf("OfflineSession of a session the server refused: %v", err)
	}
	if ds, err := r.queue.QueuedDocuments(ctx, revoked); err == nil {
		t.Fatalf("a refused session read its queue offline: %+v", ds)
	}
	if err := r.queue.RemoveQueuedDocument(ctx, rudi, d.ID); !errors.Is(err, authority.ErrQueueNotFound) {
		t.Fatalf("another account removing the document offline: %v", err)
	}
	if got := paths(t, r.queue, rudi); len(got) != 0 {
		t.Fatalf("another account's queue offline: %v", got)
	}
	if err := r.queue.SignOut(ctx, rudi); !errors.Is(err, remote.ErrUnreachable) {
		t.Fatalf("SignOut offline: %v", err)
	}
	if _, err := r.queue.OfflineSession(ctx, rudi); !errors.Is(err, authority.ErrSessionExpired) {
		t.Fatalf("OfflineSession after signing out: %v", err)
	}
	s, err := r.queue.OfflineSession(ctx, siti)
	if err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(s.ExpiresAt.Sub(r.clk.Now()))
	if _, err := r.queue.OfflineSession(ctx, siti); !errors.Is(err, authority.ErrSessionExpired) {
		t.Fatalf("OfflineSession at its expiry: %v", err)
	}
	if ds, err := r.queue.QueuedDocuments(ctx, siti); err == nil {
		t.Fatalf("an expired session read its queue offline: %+v", ds)
	}
}
