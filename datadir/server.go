package datadir

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/natunakab/besign/authority/remote"
	"github.com/natunakab/besign/config"
	"github.com/natunakab/besign/keystore"
)

// ErrServerCA: the configuration's server_ca is not a readable PEM file of
// certificates.
var ErrServerCA = errors.New("server_ca is not a PEM file of certificates")

// openServer opens the client of the organisation server cfg.Authority
// names. Nothing is asked of the server yet, so the window opens offline;
// each request says when the server cannot be reached. The data dir keeps
// what is the person's own: the keyring's remembered session, the history,
// the previews.
func openServer(dir string, cfg config.Config) (*Local, error) {
	var roots *x509.CertPool
	if cfg.ServerCA != "" {
		pem, err := os.ReadFile(cfg.ServerCA)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrServerCA, err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: %s holds no certificate", ErrServerCA, cfg.ServerCA)
		}
	}
	c, err := remote.New(remote.Options{URL: cfg.Authority, RootCAs: roots})
	if err != nil {
		return nil, fmt.Errorf("authority %s: %w", cfg.Authority, err)
	}
	return &Local{Dir: dir, Keys: keystore.New(dir), Authority: c}, nil
}
