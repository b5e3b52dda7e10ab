package server

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/natunakab/besign/authority"
	"github.com/natunakab/besign/bsre"
	"github.com/natunakab/besign/bsre/forward"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/pdfsign"
)

// defaultBSrETimeout is under the app's 60 s wait for this server: a slow
// BSrE is then told by the server (outcome unknown) rather than lost.
const defaultBSrETimeout = 50 * time.Second

// certifiedSigner is the signer of server.signer = "bsre": documents go
// to the agency's Esign Client Service with the credentials only this
// server reads. nil for the organisation's own CA.
func certifiedSigner(cfg config.Config, sessions authority.Flows, audit func(ctx context.Context, token, serial string, digests [][]byte) error, log *slog.Logger) (authority.CertifiedSigner, error) {
	if cfg.Server.Signer != config.SignerBSrE {
		return nil, nil
	}
	b := cfg.BSrE
	bc := bsre.Config{URL: b.URL, CredentialsFile: b.CredentialsFile, Timeout: b.Timeout.Duration, MaxFiles: b.MaxDocuments}
	if bc.Timeout <= 0 {
		bc.Timeout = defaultBSrETimeout
	}
	var err error
	if b.CAFile != "" {
		if bc.RootCAs, err = readPool(b.CAFile); err != nil {
			return nil, fmt.Errorf("bsre.ca_file: %w", err)
		}
	}
	// Offline: the server checks that what came back is the document it
	// sent, signed once, where asked, by the account, and valid; whether a
	// certificate BSrE has just used is revoked is for verifiers later,
	// and fetching CRLs here would hold every signing up on the network.
	verify := pdfsign.VerifyOptions{Offline: true}
	if b.RootsFile != "" {
		if verify.Roots, err = readPool(b.RootsFile); err != nil {
			return nil, fmt.Errorf("bsre.roots_file: %w", err)
		}
	}
	client, err := bsre.New(bc)
	if err != nil {
		return nil, fmt.Errorf("bsre: %w", err)
	}
	log.Info("signing through BSrE's Esign Client Service", "url", b.URL, "max_documents", client.MaxFiles())
	return forward.New(forward.Options{Sessions: sessions, Client: client, Verify: verify, Log: log, Audit: audit})
}

func readPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: %w", path, ErrNoCertificates)
	}
	return pool, nil
}
