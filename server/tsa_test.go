package server

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/pdfsign"
	"github.com/natunakab/besign/pdfsign/testpdf"
	"github.com/natunakab/besign/pdfsign/testpki"
	"github.com/natunakab/besign/pdfsign/timestamp"
)

// besign serve is a TSA at the path the app's configuration derives from
// the authority URL: tokens for anybody, under the organisation's root,
// with the timeStamping usage; other methods are refused.
func TestServeTimeStamps(t *testing.T) {
	cfg, pool := setup(t)
	s, err := Open(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go s.Serve(ctx)
	base := "https://" + s.Addr().String()
	app := config.Default()
	app.Authority = base

	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
	c, err := timestamp.NewClient(app.TimeStampURL(), hc)
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("nilai tanda tangan"))
	tok, err := c.Stamp(context.Background(), d[:])
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := remote.New(remote.Options{URL: base, RootCAs: pool})
	rootDER, err := rc.RootCertificate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	roots := x509.NewCertPool()
	roots.AddCert(root)
	if _, err := tok.Signer.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: tok.GenTime, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		t.Fatalf("the TSA is not under the organisation's root: %v", err)
	}
	res, err := hc.Get(app.TimeStampURL())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET /tsa: %d", res.StatusCode)
	}
}

// server.tsa_policy names the policy of the TSA's tokens. pdfcpu (Go's
// encoding/asn1) cannot read the project's default, 2.25.<UUID>, and so
// calls every time-stamped signature's token invalid; under an
// organisation's own arc it reads the token and its time.
func TestServeTimeStampPolicy(t *testing.T) {
	read := func(policy string) string {
		cfg, pool := setup(t)
		cfg.Server.TSAPolicy = policy
		s, err := Open(cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		go s.Serve(ctx)
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 10 * time.Second}
		c, err := timestamp.NewClient("https://"+s.Addr().String()+config.TSAPath, hc)
		if err != nil {
			t.Fatal(err)
		}
		p := testpki.New(testpki.LeafOptions{})
		dir := t.TempDir()
		in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
		os.WriteFile(in, testpdf.Base(), 0o644)
		stamp := func(d []byte) ([]byte, error) {
			tok, err := c.Stamp(context.Background(), d)
			if err != nil {
				return nil, err
			}
			return tok.DER, nil
		}
		if err := pdfsign.SignFile(in, out, pdfsign.Options{Signer: p.Key, Chain: p.Chain(), TimeStamp: stamp}, pdfsign.FileOptions{}); err != nil {
			t.Fatal(err)
		}
		api.DisableConfigDir()
		model.TrustedCertDir = t.TempDir() // no roots: the token is what is looked at
		res, err := api.ValidateSignatures(out, true, model.NewDefaultConfiguration())
		if err != nil || len(res) != 1 {
			t.Fatalf("pdfcpu: %v, %d results", err, len(res))
		}
		return res[0].String()
	}
	if got := read(""); !strings.Contains(got, "timestamp info") {
		t.Errorf("pdfcpu read the default policy's token (then the key is not needed):\n%s", got)
	}
	got := read("1.3.6.1.4.1.99999.1")
	if strings.Contains(got, "timestamp info") || strings.Contains(got, "timestamp token is invalid") || !strings.Contains(got, "Timestamp:      20") {
		t.Errorf("pdfcpu did not read the token under tsa_policy:\n%s", got)
	}
}
