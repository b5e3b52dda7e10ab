package datadir

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/embedded"
	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/localqueue"
	"github.com/natunakab/besign/pdfsign/timestamp"
)

// testServer serves a real embedded authority over TLS on loopback and
// writes its certificate as a server_ca file.
func testServer(t *testing.T) (srv *httptest.Server, caFile string, a *embedded.Authority) {
	t.Helper()
	opts := embedded.DefaultOptions()
	opts.Path = filepath.Join(t.TempDir(), "server.db")
	opts.MasterKey = bytes.Repeat([]byte{9}, authority.MasterKeySize)
	opts.Logf = func(string, ...any) {}
	a, err := embedded.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	tsa, err := a.TimeStampIssuer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h, err := httpapi.New(a, httpapi.Options{TimeStamps: tsa})
	if err != nil {
		t.Fatal(err)
	}
	srv = httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, block, 0o644); err != nil {
		t.Fatal(err)
	}
	return srv, caFile, a
}

// With authority = "https://...", the data dir opens the server's client,
// trusting the server_ca file; the data dir holds no authority database
// and no master key.
func TestOpenServer(t *testing.T) {
	srv, caFile, a := testServer(t)
	cfg := config.Default()
	cfg.Authority, cfg.ServerCA = srv.URL, caFile
	dir := filepath.Join(t.TempDir(), "d")
	l, err := Open(dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if q, ok := l.Authority.(queueAndCertified); !ok {
		t.Fatalf("authority is %T, not the server's client with the local queue", l.Authority)
	} else if _, ok := q.Server.(*remote.Client); !ok {
		t.Fatalf("the queue's server is %T, not the server's client", q.Server)
	}
	// the roles the screens look for by assertion: BSrE signing (the
	// server says whether it offers it), the offline session, mail only
	if _, ok := l.Authority.(authority.CertifiedSigner); !ok {
		t.Error("the server's client lost its CertifiedSigner role")
	}
	if _, ok := l.Authority.(interface {
		OfflineSession(context.Context, string) (authority.Session, error)
	}); !ok {
		t.Error("the local queue's offline sessions are hidden")
	}
	if _, ok := l.Authority.(interface{ MailOnly() bool }); !ok {
		t.Error("MailOnly is hidden")
	}
	got, err := l.Authority.RootCertificate(context.Background())
	want, _ := a.RootCertificate(context.Background())
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the server's root through the client: %v", err)
	}
	for _, name := range []string{DatabaseName, "master.key"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s in a server's data dir (%v)", name, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, localqueue.FileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the signing queue's file: %v; want 0600", err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data dir: %v; want 0700", err)
	}
}

// otherCA writes a new self-signed root for 127.0.0.1 as a PEM file.
func otherCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Root CA Lain"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "other.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A server whose certificate server_ca does not vouch for is refused at the
// first request (the system's roots do not know a private CA), a server_ca
// that is no PEM file is refused at once, and a server gone says so.
func TestOpenServerRefusals(t *testing.T) {
	srv, _, _ := testServer(t)
	ctx := context.Background()
	cfg := config.Default()
	cfg.Authority = srv.URL
	l, err := Open(t.TempDir(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Authority.RootCertificate(ctx); !errors.Is(err, remote.ErrCertificate) {
		t.Fatalf("unknown certificate: %v, want ErrCertificate", err)
	}
	l.Close()

	cfg.ServerCA = otherCA(t) // another organisation's root
	if l, err = Open(t.TempDir(), cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Authority.RootCertificate(ctx); !errors.Is(err, remote.ErrCertificate) {
		t.Fatalf("another server's CA: %v, want ErrCertificate", err)
	}
	l.Close()

	bad := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(bad, []byte("not a certificate\n"), 0o644)
	cfg.ServerCA = bad
	if _, err := Open(t.TempDir(), cfg); !errors.Is(err, ErrServerCA) {
		t.Fatalf("server_ca without a certificate: %v", err)
	}
	cfg.ServerCA = filepath.Join(t.TempDir(), "missing.pem")
	if _, err := Open(t.TempDir(), cfg); !errors.Is(err, ErrServerCA) {
		t.Fatalf("missing server_ca: %v", err)
	}

	gone, goneCA, _ := testServer(t)
	cfg.Authority, cfg.ServerCA = gone.URL, goneCA
	gone.Close()
	if l, err = Open(t.TempDir(), cfg); err != nil {
		t.Fatalf("the window must open with the server offline: %v", err)
	}
	defer l.Close()
	if _, err := l.Authority.RootCertificate(ctx); !errors.Is(err, remote.ErrUnreachable) {
		t.Fatalf("server gone: %v, want ErrUnreachable", err)
	}
}

// With a server under a private root, signing time-stamps at the server's
// own TSA (AUTHORITY/tsa), trusting server_ca as the client does; without
// server_ca the TSA is not trusted and signing would stop.
func TestTimeStamperTrustsServerCA(t *testing.T) {
	srv, caFile, _ := testServer(t)
	cfg := config.Default()
	cfg.Authority, cfg.ServerCA = srv.URL, caFile
	ts, err := TimeStamper(cfg)
	if err != nil || ts == nil {
		t.Fatalf("TimeStamper: %v", err)
	}
	digest := bytes.Repeat([]byte{0x5a}, 32)
	der, err := ts(context.Background(), digest)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := timestamp.Check(der, digest, nil)
	if err != nil || tok.GenTime.IsZero() {
		t.Fatalf("the token: %+v, %v", tok, err)
	}

	cfg.ServerCA = ""
	if ts, err = TimeStamper(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := ts(context.Background(), digest); err == nil {
		t.Fatal("a TSA under a root nobody configured was trusted")
	}

	cfg.Authority = "embedded"
	if ts, err := TimeStamper(cfg); err != nil || ts != nil {
		t.Fatalf("the embedded authority without tsa_url time-stamps: %v", err)
	}
}
