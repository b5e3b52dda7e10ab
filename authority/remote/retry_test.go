package remote

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/httpapi"
)

// dropper loses the answers of the first drop SignDigests requests after
// the authority carried them out: the audit row is committed, then the
// connection (HTTP/1) or stream (HTTP/2) is cut, as when a server dies
// between its commit and its answer.
type dropper struct {
	next  http.Handler
	drop  int64
	calls atomic.Int64
}

func (d *dropper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != httpapi.SignDigests.Path {
		d.next.ServeHTTP(w, r)
		return
	}
	if d.calls.Add(1) > d.drop {
		d.next.ServeHTTP(w, r)
		return
	}
	d.next.ServeHTTP(httptest.NewRecorder(), r) // carried out, answer kept here
	panic(http.ErrAbortHandler)                 // net/http cuts the connection
}

// retrySetup serves an embedded authority whose first drop signing answers
// are lost, and returns a client retrying with no real wait, a signed-in
// account's session and how many digests the authority signed.
func retrySetup(t *testing.T, drop int64) (e *embedded.Authority, c *Client, d *dropper, token string, signed *atomic.Int64) {
	t.Helper()
	ctx := context.Background()
	signed = new(atomic.Int64)
	e = openEmbedded(t, time.Now, func(o *embedded.Options) {
		o.AutoApproveActivations = true
		o.Signed = func(n int) { signed.Add(int64(n)) }
	})
	h, err := httpapi.New(e, httpapi.Options{AdminKey: adminKey})
	if err != nil {
		t.Fatal(err)
	}
	d = &dropper{next: h, drop: drop}
	srv := httptest.NewUnstartedServer(d)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c, err = New(Options{URL: srv.URL, RootCAs: srvPool(srv), Timeout: 30 * time.Second, SignBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	const email = "siti@natunakab.go.id"
	if _, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Siti Rahmawati", Email: email}); err != nil {
		t.Fatal(err)
	}
	ses, err := e.LocalSession(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SubmitActivation(ctx, authority.ActivationRequest{Token: ses.Token, Data: authority.ActivationData{
		Name: "Siti Rahmawati", NIK: "2103015901950003", GelarDepan: "-", GelarBelakang: "S.Kom.", Phone: "081234567890",
		Employment: authority.EmploymentOther, Unit: "Diskominfo", Jabatan: "Pranata Komputer",
		Province: "21", Photo: testJPEG(), Consent: true}}); err != nil {
		t.Fatalf("SubmitActivation: %v", err)
	}
	if _, err := e.CreatePassphrase(ctx, authority.CreatePassphraseRequest{Token: ses.Token, Passphrase: retryPassphrase,
		Confirmation: retryPassphrase, Consent: true}); err != nil {
		t.Fatalf("CreatePassphrase: %v", err)
	}
	return e, c, d, ses.Token, signed
}

const retryPassphrase = "Tanda#Tangan2026"

func retryDigests(names ...string) [][]byte {
	var out [][]byte
	for _, n := range names {
		d := sha256.Sum256([]byte(n))
		out = append(out, d[:])
	}
	return out
}

// auditRows counts the audit rows and how often each digest appears in them.
func auditRows(t *testing.T, e *embedded.Authority) (rows int, perDigest map[string]int) {
	t.Helper()
	log, err := e.Audit(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	perDigest = map[string]int{}
	for _, r := range log {
		for _, d := range r.Digests {
			perDigest[string(d)]++
		}
	}
	return len(log), perDigest
}

// The attack: the server commits a batch's audit row and dies before
// answering; the client retries. Without idempotent requests the retry
// signs the batch a second time (two audit rows for the same digests);
// with them the retry gets the first outcome, byte for byte valid
// signatures, and the authority neither signs nor records anything again.
func TestRetryAfterLostAnswerSignsOnce(t *testing.T) {
	e, c, d, token, signed := retrySetup(t, 1)
	digests := retryDigests("surat-1", "surat-2", "surat-3")
	resp, err := c.SignDigests(context.Background(), authority.SignDigestsRequest{Token: token, Passphrase: retryPassphrase,
		Digests: digests, RequestID: authority.NewRequestID()})
	if err != nil {
		t.Fatalf("SignDigests after a lost answer: %v", err)
	}
	if n := d.calls.Load(); n != 2 {
		t.Fatalf("%d signing requests reached the server, want 2 (the lost one and the retry)", n)
	}
	rows, per := auditRows(t, e)
	if rows != 1 {
		t.Errorf("%d audit rows after one batch retried, want 1", rows)
	}
	for _, dg := range digests {
		if per[string(dg)] != 1 {
			t.Errorf("digest %x in %d audit rows, want 1", dg[:4], per[string(dg)])
		}
	}
	if n := signed.Load(); n != int64(len(digests)) {
		t.Errorf("the authority counted %d signatures, want %d", n, len(digests))
	}
	cert, err := x509.ParseCertificate(resp.Chain[0])
	if err != nil {
		t.Fatal(err)
	}
	for i, dg := range digests {
		if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, dg, resp.Signatures[i]); err != nil {
			t.Errorf("signature %d of the retried batch: %v", i, err)
		}
	}
}

// Without a RequestID the client does not retry: the outcome is unknown
// and only the person may sign again.
func TestNoRetryWithoutRequestID(t *testing.T) {
	e, c, d, token, _ := retrySetup(t, 1)
	_, err := c.SignDigests(context.Background(), authority.SignDigestsRequest{Token: token, Passphrase: retryPassphrase,
		Digests: retryDigests("surat-1")})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("a lost answer without request id: %v, want ErrUnreachable", err)
	}
	if n := d.calls.Load(); n != 1 {
		t.Errorf("%d signing requests without request id, want 1", n)
	}
	if rows, _ := auditRows(t, e); rows != 1 {
		t.Errorf("%d audit rows, want 1", rows)
	}
}

// Retries are bounded: a server that keeps losing answers gets
// SignAttempts tries, each a repeat of the first (one audit row).
func TestRetriesBounded(t *testing.T) {
	e, c, d, token, signed := retrySetup(t, 100)
	var retried atomic.Int64
	c.onRetry = func(error) { retried.Add(1) }
	_, err := c.SignDigests(context.Background(), authority.SignDigestsRequest{Token: token, Passphrase: retryPassphrase,
		Digests: retryDigests("surat-1"), RequestID: authority.NewRequestID()})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("answers always lost: %v, want ErrUnreachable", err)
	}
	if n := d.calls.Load(); n != 4 || retried.Load() != 3 {
		t.Errorf("%d tries, %d retries; want 4 and 3", n, retried.Load())
	}
	if rows, _ := auditRows(t, e); rows != 1 || signed.Load() != 1 {
		t.Errorf("%d audit rows, %d signatures counted; want 1 and 1", rows, signed.Load())
	}
}

// The same RequestID with other digests is refused over HTTPS with the
// sentinel, and signs nothing; the repeat with the first digests still
// gets identical signatures.
func TestRequestIDReusedOverHTTPS(t *testing.T) {
	e, c, _, token, _ := retrySetup(t, 0)
	ctx := context.Background()
	id := authority.NewRequestID()
	first, err := c.SignDigests(ctx, authority.SignDigestsRequest{Token: token, Passphrase: retryPassphrase, Digests: retryDigests("a"), RequestID: id})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SignDigests(ctx, authority.SignDigestsRequest{Token: token, Passphrase: retryPassphrase, Digests: retryDigests("b"), RequestID: id})
	if !errors.Is(err, authority.ErrRequestReused) {
		t.Fatalf("same id, other digests: %v, want ErrRequestReused", err)
	}
	again, err := c.SignDigests(ctx, authority.SignDigestsRequest{Token: token, Passphrase: retryPassphrase, Digests: retryDigests("a"), RequestID: id})
	if err != nil || !bytes.Equal(again.Signatures[0], first.Signatures[0]) {
		t.Fatalf("repeat: %v, same signature %v", err, err == nil && bytes.Equal(again.Signatures[0], first.Signatures[0]))
	}
	if rows, per := auditRows(t, e); rows != 1 || per[string(retryDigests("b")[0])] != 0 {
		t.Errorf("%d audit rows (want 1), other digests recorded %d times", rows, per[string(retryDigests("b")[0])])
	}
}
