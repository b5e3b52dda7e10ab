package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/config"
)

const adminKey = "9f3c2a7b1e5d4c6a8b0f2e4d6c8a0b1f-admin"

// setup writes a TLS certificate for 127.0.0.1, the key files and the
// configuration of a server on a free loopback port; it returns the
// configuration and the pool that trusts the certificate.
func setup(t *testing.T) (config.Config, *x509.CertPool) {
	t.Helper()
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "besign.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.EmailDomain = "natunakab.go.id"
	cfg.Server = config.Server{
		Listen:        "127.0.0.1:0",
		TLSCert:       writeFile(t, dir, "server.crt", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), 0o644),
		TLSKey:        writeFile(t, dir, "server.key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})), 0o600),
		Database:      filepath.Join(dir, "db", "authority.db"),
		MasterKeyFile: writeFile(t, dir, "master.key", strings.Repeat("ab", authority.MasterKeySize)+"\n", 0o600),
		AdminKeyFile:  writeFile(t, dir, "admin.key", adminKey+"\n", 0o600),
	}
	// Mail goes by SMTP only: to a real SMTP server on loopback.
	mailSink = startSink(t, "", "")
	cfg.SMTP = config.SMTP{Host: "127.0.0.1", Port: mailSink.Addr.Port, From: "besign@natunakab.go.id", TLS: "none"}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return cfg, pool
}

// mailSink is the SMTP server of the newest setup.
var mailSink *sink

func writeFile(t *testing.T, dir, name, body string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The server serves the roles over TLS to the client, the administration
// to the admin key only, /healthz to anyone; its log has a line per
// request and no secret; it stops when told and closes the authority.
func TestServe(t *testing.T) {
	cfg, pool := setup(t)
	var logged syncBuffer
	s, err := Open(cfg, slog.New(slog.NewJSONHandler(&logged, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx) }()
	url := "https://" + s.Addr().String()

	admin, err := remote.New(remote.Options{URL: url, RootCAs: pool, AdminKey: adminKey})
	if err != nil {
		t.Fatal(err)
	}
	user, _ := remote.New(remote.Options{URL: url, RootCAs: pool})
	bg := context.Background()
	if _, err := admin.CreateUser(bg, authority.CreateUserRequest{Name: "Siti Rahmawati", Email: "siti@natunakab.go.id"}); err != nil {
		t.Fatalf("CreateUser with the admin key: %v", err)
	}
	if _, err := user.ListUsers(bg); !errors.Is(err, httpapi.ErrAdminRequired) {
		t.Errorf("ListUsers without the admin key: %v", err)
	}
	const password = "Rahasia#Sekali2026"
	if _, err := user.SignIn(bg, authority.SignInRequest{Login: "siti@natunakab.go.id", Password: password}); !errors.Is(err, authority.ErrInvalidCredentials) {
		t.Errorf("SignIn before any password: %v", err)
	}
	if root, err := user.RootCertificate(bg); err != nil || len(root) == 0 {
		t.Errorf("RootCertificate: %d bytes, %v", len(root), err)
	}

	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := hc.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != "ok\n" {
		t.Errorf("/healthz: %d %q", res.StatusCode, body)
	}

	stop()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve after the stop: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the stop")
	}
	if _, err := user.RootCertificate(bg); !errors.Is(err, remote.ErrUnreachable) {
		t.Errorf("after the stop: %v", err)
	}
	log := logged.String()
	for _, want := range []string{`"path":"/v1/admin/users/create","status":200`, `"path":"/v1/admin/users/list","status":403`, `"path":"/healthz","status":200`} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %s:\n%s", want, log)
		}
	}
	for _, secret := range []string{password, adminKey} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds a secret %q", secret)
		}
	}
}

// A configuration without what serving needs, and key files that are
// malformed or open to other users, are refused with the key or file named.
func TestOpenRefuses(t *testing.T) {
	discard := slog.New(slog.DiscardHandler)
	cfg, _ := setup(t)
	noCert := cfg
	noCert.Server.TLSCert = ""
	if _, err := Open(noCert, discard); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "server.tls_cert") {
		t.Errorf("no certificate: %v", err)
	}
	dir := t.TempDir()
	for name, c := range map[string]struct {
		body string
		mode os.FileMode
		read func(string) error
	}{
		"group-readable master key": {strings.Repeat("ab", 32), 0o640, func(p string) error { _, err := ReadMasterKey(p); return err }},
		"short master key":          {strings.Repeat("ab", 16), 0o600, func(p string) error { _, err := ReadMasterKey(p); return err }},
		"master key not hex":        {strings.Repeat("zz", 32), 0o600, func(p string) error { _, err := ReadMasterKey(p); return err }},
		"world-readable admin key":  {adminKey, 0o604, func(p string) error { _, err := ReadAdminKey(p); return err }},
		"short admin key":           {"rahasia", 0o600, func(p string) error { _, err := ReadAdminKey(p); return err }},
	} {
		p := writeFile(t, dir, strings.ReplaceAll(name, " ", "-"), c.body, c.mode)
		if err := c.read(p); !errors.Is(err, ErrKeyFile) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v", name, err)
		}
	}
	bad := cfg
	bad.Server.MasterKeyFile = filepath.Join(dir, "group-readable-master-key")
	if _, err := Open(bad, discard); !errors.Is(err, ErrKeyFile) {
		t.Errorf("Open with a group-readable master key: %v", err)
	}
	if _, err := os.Stat(cfg.Server.Database); err == nil {
		t.Error("a refused Open created the database")
	}
}
