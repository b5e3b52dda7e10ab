package remote

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/httpapi"
)

// Only https:// addresses are accepted: a password must never travel in
// clear.
func TestNewRefusesInsecureURLs(t *testing.T) {
	for _, u := range []string{"http://besign.example", "besign.example", "https://", "https://user:pw@besign.example", "ftp://besign.example", "https://besign.example/?x=1"} {
		if _, err := New(Options{URL: u}); !errors.Is(err, ErrURL) {
			t.Errorf("New(%q): %v", u, err)
		}
	}
	if _, err := New(Options{URL: "https://besign.example/balai/"}); err != nil {
		t.Errorf("a URL with a path: %v", err)
	}
}

// A server whose certificate the configured roots do not vouch for gets
// no request: the client says so, and sends nothing.
func TestUntrustedServerCertificate(t *testing.T) {
	var reached atomic.Bool
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached.Store(true) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	defer srv.Close()
	other := httptest.NewTLSServer(http.NotFoundHandler()) // httptest's own certificate
	defer other.Close()
	for name, opts := range map[string]Options{
		"system roots":          {URL: srv.URL},
		"another server's root": {URL: srv.URL, RootCAs: srvPool(other)},
	} {
		c, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.SignIn(context.Background(), authority.SignInRequest{Login: "siti@natunakab.go.id", Password: "Rahasia#2026"})
		if !errors.Is(err, ErrCertificate) {
			t.Errorf("%s: %v, want ErrCertificate", name, err)
		}
	}
	if reached.Load() {
		t.Error("a request reached the untrusted server")
	}
}

// selfSigned makes a certificate for 127.0.0.1 that no pool here trusts.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "impostor"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// A server that answers too late, one that vanishes mid-request, and one
// that is not there each give their own error; none is retried.
func TestServerFailures(t *testing.T) {
	var calls atomic.Int32
	slow := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	c, _ := New(Options{URL: slow.URL, RootCAs: srvPool(slow), Timeout: 300 * time.Millisecond})
	_, err := c.SignDigests(context.Background(), authority.SignDigestsRequest{Token: "t", Passphrase: "p", Digests: [][]byte{make([]byte, 32)}})
	if !errors.Is(err, ErrTimeout) || calls.Load() != 1 {
		t.Errorf("slow server: %v after %d calls, want ErrTimeout after 1", err, calls.Load())
	}

	vanish := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// the connection drops before any answer, as when the server
		// process is killed mid-batch
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer vanish.Close()
	c, _ = New(Options{URL: vanish.URL, RootCAs: srvPool(vanish)})
	if _, err := c.SignDigests(context.Background(), authority.SignDigestsRequest{Token: "t", Passphrase: "p", Digests: [][]byte{make([]byte, 32)}}); !errors.Is(err, ErrUnreachable) {
		t.Errorf("vanishing server: %v, want ErrUnreachable", err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	c, _ = New(Options{URL: "https://" + addr})
	if _, err := c.RootCertificate(context.Background()); !errors.Is(err, ErrUnreachable) {
		t.Errorf("no server: %v, want ErrUnreachable", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, _ = New(Options{URL: slow.URL, RootCAs: srvPool(slow)})
	if _, err := c.RootCertificate(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	c.Close()
	if _, err := c.RootCertificate(context.Background()); !errors.Is(err, authority.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// Answers that are not the authority's are refused, not half-read: a
// proxy's HTML page, a redirect, an answer past MaxResponse.
func TestForeignAnswers(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc(httpapi.SignIn.Path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html>502 Bad Gateway</html>"))
	})
	mux.HandleFunc(httpapi.SignInOTP.Path, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example/steal", http.StatusTemporaryRedirect)
	})
	mux.HandleFunc(httpapi.RootCertificate.Path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", httpapi.ContentType)
		w.Write([]byte(`"` + strings.Repeat("A", 4096) + `"`))
	})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	c, _ := New(Options{URL: srv.URL, RootCAs: srvPool(srv), MaxResponse: 1024})
	ctx := context.Background()
	if _, err := c.SignIn(ctx, authority.SignInRequest{Login: "a", Password: "b"}); !errors.Is(err, ErrBadResponse) {
		t.Errorf("HTML page: %v", err)
	}
	if _, err := c.SignInOTP(ctx, authority.SignInOTPRequest{Challenge: "a", Code: "123456"}); !errors.Is(err, ErrBadResponse) {
		t.Errorf("redirect: %v", err)
	}
	if _, err := c.RootCertificate(ctx); !errors.Is(err, ErrBadResponse) {
		t.Errorf("oversized answer: %v", err)
	}
}

// A signer's client (no admin key) is refused the administration with the
// restored sentinel, and reads its own mail through WithSession only.
func TestSignerClientLimits(t *testing.T) {
	ctx := context.Background()
	e := openEmbedded(t, time.Now, nil)
	c, rec := serve(t, e, false)
	if _, err := e.CreateUser(ctx, authority.CreateUserRequest{Name: "Siti", Email: "siti@natunakab.go.id"}); err != nil {
		t.Fatal(err)
	}
	ses, err := e.LocalSession(ctx, "siti@natunakab.go.id")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, authority.CreateUserRequest{Name: "Mallory", Email: "mallory@natunakab.go.id"}); !errors.Is(err, httpapi.ErrAdminRequired) {
		t.Errorf("CreateUser without the admin key: %v", err)
	}
	if _, err := c.Outbox(ctx, authority.OutboxQuery{}); !errors.Is(err, authority.ErrSessionExpired) {
		t.Errorf("Outbox without a session: %v", err)
	}
	ms, err := c.Outbox(authority.WithSession(ctx, ses.Token), authority.OutboxQuery{})
	if err != nil || len(ms) == 0 || ms[0].To != "siti@natunakab.go.id" {
		t.Errorf("own Outbox: %+v, %v", ms, err)
	}
	if _, err := c.Outbox(authority.WithSession(ctx, ses.Token), authority.OutboxQuery{To: "budi@natunakab.go.id"}); !errors.Is(err, httpapi.ErrOutboxForeign) {
		t.Errorf("another's Outbox: %v", err)
	}
	// more digests than the contract allows: the server's sentinel; far
	// more than fits the route's body: refused before anything is sent
	digests := func(n int) [][]byte {
		d := make([][]byte, n)
		for i := range d {
			d[i] = make([]byte, 32)
		}
		return d
	}
	if _, err := c.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: "x", Digests: digests(authority.MaxDigests + 1)}); !errors.Is(err, authority.ErrTooManyDigests) {
		t.Errorf("MaxDigests+1 digests: %v", err)
	}
	rec.take()
	if _, err := c.SignDigests(ctx, authority.SignDigestsRequest{Token: ses.Token, Passphrase: "x", Digests: digests(3 * authority.MaxDigests)}); !errors.Is(err, httpapi.ErrRequestTooLarge) {
		t.Errorf("3*MaxDigests digests: %v", err)
	}
	if sent := rec.take(); len(sent) != 0 {
		t.Errorf("an oversized request was sent: %v", paths(sent))
	}
}

// What a method returns beside its error crosses too: a directory file
// with a bad row, imported through the client, names the row's line, and
// imports nothing.
func TestResultBesideError(t *testing.T) {
	e := openEmbedded(t, time.Now, nil)
	c, _ := serve(t, e, true)
	csv := "nip,nama,unit_organisasi,jabatan,provinsi\n" +
		"199501192022032003,Siti Rahmawati,Diskominfo,Pranata Komputer,Kepulauan Riau\n" +
		"12345,Budi,Diskominfo,Analis,Kepulauan Riau\n"
	n, err := authority.ImportDirectoryCSV(context.Background(), c, strings.NewReader(csv))
	var de *authority.DirectoryFileError
	if n != 0 || !errors.As(err, &de) || len(de.Lines) != 1 || de.Lines[0].Line != 3 {
		t.Fatalf("a bad directory row through the client: %d, %v", n, err)
	}
	// all or nothing: the good row was not imported either
	if _, err := e.CreateUser(context.Background(), authority.CreateUserRequest{Name: "Siti", Email: "siti@natunakab.go.id"}); err != nil {
		t.Fatal(err)
	}
	ses, err := e.LocalSession(context.Background(), "siti@natunakab.go.id")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.LookupEmployee(context.Background(), authority.LookupRequest{Token: ses.Token, NIP: "199501192022032003"}); !errors.Is(err, authority.ErrEmployeeNotFound) {
		t.Errorf("the good row after a rejected import: %v", err)
	}
}
