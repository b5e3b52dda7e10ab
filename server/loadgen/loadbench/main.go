// Command loadbench is the organisation server's load benchmark
// (scripts/bench-server.sh runs it): a throwaway PostgreSQL, two
// `besign serve` processes on it, accounts prepared before the measured
// window, then concurrent clients (server/loadgen) alternating between the
// two servers. It prints the rates, latencies, errors, each server's peak
// RSS and the load average. Loopback only; bounded by -clients and
// -duration.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/authority/httpapi"
	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/internal/pgtest"
	"github.com/natunakab/besign/pdfsign/timestamp"
	"github.com/natunakab/besign/server"
	"github.com/natunakab/besign/server/loadgen"
)

const domain = "natunakab.go.id"

func main() {
	besign := flag.String("besign", "./besign", "the besign binary to serve with")
	clients := flag.Int("clients", 20, "concurrent clients")
	perClient := flag.Int("accounts-per-client", 1, "accounts each client takes in turn (an account signs in about once per 30 s)")
	duration := flag.Duration("duration", 20*time.Second, "the measured window")
	digests := flag.Int("digests", 10, "digests per batch")
	kdf := flag.Int("kdf-workers", 2, "server.kdf_workers of each server (128 MiB each)")
	tsa := flag.Bool("tsa", true, "time-stamp every signature at the server's /tsa")
	prepWorkers := flag.Int("prepare-workers", 4, "accounts prepared at once")
	flag.Parse()
	if err := run(*besign, *clients, *clients*max(*perClient, 1), *duration, *digests, *kdf, *tsa, *prepWorkers); err != nil {
		fmt.Fprintf(os.Stderr, "loadbench: %v\n", err)
		os.Exit(1)
	}
}

func run(besign string, clients, nAccounts int, duration time.Duration, digests, kdf int, tsa bool, prepWorkers int) error {
	ctx := context.Background()
	besign, err := filepath.Abs(besign)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "besign-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	pg, err := pgtest.Start()
	if err != nil {
		return fmt.Errorf("postgresql: %w", err)
	}
	defer pg.Stop()
	dsn, err := pg.NewDatabase(ctx)
	if err != nil {
		return err
	}
	files, pool, err := keyFiles(dir)
	if err != nil {
		return err
	}

	// Accounts first, in this process, on the same database: mail goes
	// to the outbox (no SMTP here) and activations approve themselves.
	cfg := config.Default()
	cfg.EmailDomain = domain
	cfg.AutoApproveActivations = true
	cfg.Server.Database, cfg.Server.MasterKeyFile = dsn, files["master"]
	cfg.Server.KDFWorkers = max(kdf, 2)
	a, err := server.OpenAuthority(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	t0 := time.Now()
	accounts, err := loadgen.Prepare(ctx, a, loadgen.Outbox(a), domain, 0, nAccounts, prepWorkers)
	a.Close()
	if err != nil {
		return fmt.Errorf("prepare accounts: %w", err)
	}
	fmt.Printf("prepared %d accounts in %.1f s\n", len(accounts), time.Since(t0).Seconds())
	time.Sleep(time.Until(loadgen.ReadyAt(accounts)))

	var targets []loadgen.Target
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			p.Process.Signal(syscall.SIGTERM)
			p.Wait()
		}
	}()
	for i, name := range []string{"A", "B"} {
		port, err := freePort()
		if err != nil {
			return err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		toml := fmt.Sprintf(`email_domain = %q
[smtp]
host = "127.0.0.1"
port = 1
tls = "none"
from = "besign@%s"
[server]
listen = %q
tls_cert = %q
tls_key = %q
database = %q
master_key_file = %q
admin_key_file = %q
kdf_workers = %d
rate_limit_per_address = 0
rate_limit_per_account = 0
`, domain, domain, addr, files["cert"], files["key"], dsn, files["master"], files["admin"], kdf)
		cfgPath := filepath.Join(dir, fmt.Sprintf("server%d.toml", i))
		if err := os.WriteFile(cfgPath, []byte(toml), 0o600); err != nil {
			return err
		}
		logFile, err := os.Create(filepath.Join(dir, fmt.Sprintf("server%d.log", i)))
		if err != nil {
			return err
		}
		defer logFile.Close()
		cmd := exec.Command(besign, "serve", "--config", cfgPath)
		cmd.Env = append(os.Environ(), "BESIGN_DATA_DIR="+filepath.Join(dir, "data"+name))
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			return err
		}
		procs = append(procs, cmd)
		base := "https://" + addr
		auth, err := remote.New(remote.Options{URL: base, RootCAs: pool})
		if err != nil {
			return err
		}
		hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		t := loadgen.Target{Name: name, Auth: auth, HealthURL: base + "/healthz", HTTP: hc}
		if tsa {
			if t.TSA, err = timestamp.NewClient(base+httpapi.TSAPath, hc); err != nil {
				return err
			}
		}
		if err := waitHealthy(hc, t.HealthURL, logFile.Name()); err != nil {
			return fmt.Errorf("server %s: %w", name, err)
		}
		targets = append(targets, t)
	}

	fmt.Printf("load: %d clients, %d accounts, %s, %d digests a batch, kdf_workers %d per server, time-stamps %v\n", clients, nAccounts, duration, digests, kdf, tsa)
	load0 := loadavg()
	res, err := loadgen.Run(ctx, accounts, targets, loadgen.Options{Clients: clients, Duration: duration, Digests: digests})
	if err != nil {
		return err
	}
	res.Write(os.Stdout)
	for i, p := range procs {
		fmt.Printf("server %s peak RSS %s\n", targets[i].Name, peakRSS(p.Process.Pid))
	}
	fmt.Printf("load average before %s, after %s\n", load0, loadavg())
	return nil
}

// keyFiles writes the server's TLS certificate (127.0.0.1) and key, the
// master key and the admin key, owner-only, and returns their paths and a
// pool trusting the certificate.
func keyFiles(dir string) (map[string]string, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "besign.load"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	secret := func(n int) string {
		b := make([]byte, n)
		rand.Read(b)
		return hex.EncodeToString(b) + "\n"
	}
	files := map[string]string{}
	for name, body := range map[string]string{
		"cert":   string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		"key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})),
		"master": secret(authority.MasterKeySize),
		"admin":  secret(32),
	} {
		files[name] = filepath.Join(dir, name+".pem")
		if err := os.WriteFile(files[name], []byte(body), 0o600); err != nil {
			return nil, nil, err
		}
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return files, pool, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitHealthy waits up to 30 s for /healthz to answer ok.
func waitHealthy(hc *http.Client, url, logPath string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := hc.Get(url); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(logPath)
	return errors.New("not healthy after 30 s: " + strings.TrimSpace(string(log)))
}

// peakRSS is the process's peak resident set (VmHWM) from /proc.
func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown: " + err.Error()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
