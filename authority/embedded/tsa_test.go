package embedded

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/natunakab/besign/internal/pgtest"
	"github.com/natunakab/besign/pdfsign/timestamp"
)

// The authority's TSA: a certificate under its root with the critical
// timeStamping usage, created on first start and kept; its key sealed
// (not in the database in clear); tokens that `openssl ts -verify`
// accepts with the authority's root.
func TestTimeStampAuthority(t *testing.T) {
	e, clk, opts := openTest(t, nil)
	is, err := e.TimeStampIssuer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rootDER, err := e.RootCertificate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	roots := x509.NewCertPool()
	roots.AddCert(root)
	cert := is.Chain[0]
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: clk.Now(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		t.Fatalf("TSA certificate under the root: %v", err)
	}
	if why := timestamp.TSACertProblem(cert); why != "" {
		t.Fatal(why)
	}
	// The key is sealed: its PKCS #8 is nowhere in the database file.
	priv, ok := is.Signer.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatalf("TSA key %T", is.Signer)
	}
	d := priv.D.Bytes()
	e.Close()
	db, _ := os.ReadFile(opts.Path)
	wal, _ := os.ReadFile(opts.Path + "-wal")
	if bytes.Contains(append(db, wal...), d) {
		t.Fatal("the TSA key is in the database in clear")
	}
	// Reopened, the same TSA (not a new certificate per start).
	e2, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	is2, err := e2.TimeStampIssuer(ctx)
	if err != nil || !is2.Chain[0].Equal(cert) {
		t.Fatalf("reopened: %v, same certificate %v", err, err == nil && is2.Chain[0].Equal(cert))
	}

	srv := httptest.NewServer(is2)
	defer srv.Close()
	c, _ := timestamp.NewClient(srv.URL, nil)
	sum := sha256.Sum256([]byte("nilai tanda tangan"))
	t1, err := c.Stamp(ctx, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	t2, err := c.Stamp(ctx, sum[:])
	if err != nil || t2.Serial.Cmp(t1.Serial) <= 0 || !t1.GenTime.Equal(clk.Now().Truncate(1e9)) {
		t.Fatalf("serials %v then %v (%v), time %v", t1.Serial, t2.Serial, err, t1.GenTime)
	}
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	tok, rootFile := filepath.Join(dir, "tok.der"), filepath.Join(dir, "root.pem")
	os.WriteFile(tok, t1.DER, 0o600)
	os.WriteFile(rootFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER}), 0o600)
	out, err := exec.Command("openssl", "ts", "-verify", "-digest", hex.EncodeToString(sum[:]), "-token_in", "-in", tok, "-CAfile", rootFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
}

// Two authorities on one PostgreSQL database (two server processes) are
// one TSA: the same certificate, and serial numbers that never repeat.
func TestTimeStampSerialsPostgreSQL(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b := openPG(t, dsn, nil), openPG(t, dsn, nil)
	ia, err := a.TimeStampIssuer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ib, err := b.TimeStampIssuer(ctx)
	if err != nil || !ia.Chain[0].Equal(ib.Chain[0]) {
		t.Fatalf("second process: %v, same TSA certificate: %v", err, err == nil && ia.Chain[0].Equal(ib.Chain[0]))
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			is := ia
			if i%2 == 1 {
				is = ib
			}
			n, err := is.Serial(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || seen[n.String()] {
				t.Errorf("serial %v: %v (seen before: %v)", n, err, err == nil && seen[n.String()])
				return
			}
			seen[n.String()] = true
		})
	}
	wg.Wait()
	if len(seen) != 20 || !seen["20"] {
		t.Fatalf("serials %v", seen)
	}
}

// BenchmarkTimeStamp is one token of the authority's TSA as the server
// gives it: its serial from the database (one write transaction, SQLite
// here), then the token signed.
func BenchmarkTimeStamp(b *testing.B) {
	e, _, _ := openTest(b, func(o *Options) { o.Logf = func(string, ...any) {} })
	is, err := e.TimeStampIssuer(ctx)
	if err != nil {
		b.Fatal(err)
	}
	d := sha256.Sum256([]byte("x"))
	req, _ := timestamp.NewRequest(d[:])
	q, _ := req.Marshal()
	for b.Loop() {
		if _, err := is.Respond(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
