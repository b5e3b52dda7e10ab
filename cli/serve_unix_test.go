//go:build unix

package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/remote"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serverConfig writes a server.toml with a certificate for 127.0.0.1 and
// key files, and returns its path and the pool trusting the certificate.
func serverConfig(t *testing.T) (string, *x509.CertPool) {
	t.Helper()
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "besign.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	files := map[string]string{
		"server.crt": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		"server.key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})),
		"master.key": strings.Repeat("5a", authority.MasterKeySize) + "\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "server.toml")
	text := fmt.Sprintf(`email_domain = "natunakab.go.id"
[server]
listen = "127.0.0.1:0"
tls_cert = %q
tls_key = %q
database = %q
master_key_file = %q
[smtp]
host = "127.0.0.1"
port = 25
from = "besign@natunakab.go.id"
tls = "none"
`, filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"), filepath.Join(dir, "authority.db"), filepath.Join(dir, "master.key"))
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return cfg, pool
}

// `besign serve --config server.toml` serves the authority over HTTPS
// until SIGTERM, then exits 0; its log is JSON lines.
func TestServeCommand(t *testing.T) {
	cfg, pool := serverConfig(t)
	var stderr lockedBuffer
	code := make(chan int, 1)
	go func() {
		code <- Run([]string{"--data-dir", t.TempDir(), "serve", "--config", cfg}, strings.NewReader(""), &bytes.Buffer{}, &stderr,
			func(*Env) error { return errors.New("GUI started by serve") })
	}()
	var addr string
	for deadline := time.Now().Add(20 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, line := range strings.Split(stderr.String(), "\n") {
			var rec struct{ Msg, Address string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Address != "" {
				addr = rec.Address
			}
		}
		select {
		case c := <-code:
			t.Fatalf("serve exited %d:\n%s", c, stderr.String())
		default:
		}
	}
	if addr == "" {
		t.Fatalf("serve never said where it listens:\n%s", stderr.String())
	}
	c, err := remote.New(remote.Options{URL: "https://" + addr, RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SignIn(context.Background(), authority.SignInRequest{Login: "siti@natunakab.go.id", Password: "Rahasia#2026"}); !errors.Is(err, authority.ErrInvalidCredentials) {
		t.Errorf("SignIn of nobody through serve: %v", err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("serve exited %d after SIGTERM:\n%s", c, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
}

// Mistakes in the command line or the configuration are named.
func TestServeErrors(t *testing.T) {
	cfg, _ := serverConfig(t)
	code, _, stderr := run(t, t.TempDir(), "serve", "extra")
	if code != 2 || !strings.Contains(stderr, "extra") {
		t.Errorf("serve extra: %d %s", code, stderr)
	}
	code, _, stderr = run(t, t.TempDir(), "serve") // the empty configuration: no [server] keys
	if code != 1 || !strings.Contains(stderr, `"server.tls_cert"`) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("serve without [server]: %d %s", code, stderr)
	}
	noMail := filepath.Join(t.TempDir(), "nomail.toml")
	text, _ := os.ReadFile(cfg)
	os.WriteFile(noMail, []byte(strings.Split(string(text), "[smtp]")[0]), 0o600)
	code, _, stderr = run(t, t.TempDir(), "serve", "--config", noMail) // mail goes by SMTP only
	if code != 1 || !strings.Contains(stderr, `"smtp.host" is required`) {
		t.Errorf("serve without SMTP: %d %s", code, stderr)
	}
	if err := os.Chmod(filepath.Join(filepath.Dir(cfg), "master.key"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = run(t, t.TempDir(), "serve", "--config", cfg)
	if code != 1 || !strings.Contains(stderr, "master.key") || !strings.Contains(stderr, "chmod 600") {
		t.Errorf("serve with a readable master key: %d %s", code, stderr)
	}
}
