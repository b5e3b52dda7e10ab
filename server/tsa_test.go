package server

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/config"
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
